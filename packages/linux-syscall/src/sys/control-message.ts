/**
 * Control messages (ancillary data) of sendmsg(2) and recvmsg(2): reading a sender's buffer as
 * Linux's for_each_cmsghdr with CMSG_OK does, and filling a receiver's as put_cmsg does.
 *
 * @module
 */
import { Errno, KernelError, MSG_CTRUNC } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** sizeof(struct cmsghdr) on x86-64: cmsg_len (8 bytes), cmsg_level, cmsg_type. */
export const CMSG_HDR = 16;
/** CMSG_ALIGN: messages start on 8-byte boundaries. */
export const cmsgAlign = (n: number): number => (n + 7) & ~7;

/** One control message of a sendmsg buffer; `data` views its bytes after the header. */
export interface ControlMessage {
  level: number;
  type: number;
  data: DataView;
}

/**
 * The control messages of the `len` bytes at `addr`. A buffer shorter than one header has none;
 * a header whose length is below its own size or runs past the buffer is EINVAL.
 */
export function readControlMessages(ctx: SyscallContext, addr: number, len: number): ControlMessage[] {
  if (len < CMSG_HDR) return [];
  const raw = ctx.mem.read(addr, len);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: ControlMessage[] = [];
  for (let off = 0; off + CMSG_HDR <= len; off += cmsgAlign(Number(v.getBigUint64(off, true)))) {
    const cmsgLen = Number(v.getBigUint64(off, true));
    if (cmsgLen < CMSG_HDR || off + cmsgLen > len) throw new KernelError(Errno.EINVAL);
    out.push({
      level: v.getInt32(off + 8, true),
      type: v.getInt32(off + 12, true),
      data: new DataView(raw.buffer, raw.byteOffset + off + CMSG_HDR, cmsgLen - CMSG_HDR),
    });
  }
  return out;
}

/**
 * A recvmsg control buffer being filled. As Linux's put_cmsg: a message that does not fit is cut
 * to the room left (MSG_CTRUNC), none at all when not even its header fits; each takes its
 * aligned size, or what was left.
 */
export class ControlWriter {
  /** Bytes written so far: msg_controllen on return. */
  used = 0;
  /** MSG_CTRUNC when something did not fit. */
  flags = 0;

  constructor(private readonly ctx: SyscallContext, private readonly addr: number, private readonly room: number) {}

  /** Bytes left. */
  get left(): number {
    return this.room - this.used;
  }

  put(level: number, type: number, data: Uint8Array): void {
    const left = this.left;
    if (this.addr === 0 || left < CMSG_HDR) {
      this.flags |= MSG_CTRUNC;
      return;
    }
    let len = CMSG_HDR + data.length;
    if (left < len) {
      this.flags |= MSG_CTRUNC;
      len = left;
    }
    const out = new Uint8Array(len);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, BigInt(len), true);
    v.setInt32(8, level, true);
    v.setInt32(12, type, true);
    out.set(data.subarray(0, len - CMSG_HDR), CMSG_HDR);
    this.ctx.mem.write(this.addr + this.used, out);
    this.used += Math.min(cmsgAlign(CMSG_HDR + data.length), left);
  }

  /** A message of 32-bit values (SCM_CREDENTIALS' ids; SCM_RIGHTS' descriptors, which the caller fits to `left` first). */
  putInts(level: number, type: number, values: readonly number[]): void {
    const data = new Uint8Array(values.length * 4);
    const v = new DataView(data.buffer);
    values.forEach((n, i) => v.setInt32(i * 4, n, true));
    this.put(level, type, data);
  }
}
