/**
 * iovec arrays (readv, writev, preadv, pwritev, vmsplice, process_vm_readv): the guest buffers they name.
 *
 * @module
 */
import { Errno, KernelError, StructBuffer, getI64, getU64 } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

export const IOV_MAX = 1024;
const IOVEC_SIZE = 16;
const iovecs = new StructBuffer(16 * IOVEC_SIZE);

/**
 * The guest buffers of the `count` iovecs at `addr`, cut where they become inaccessible (Linux's
 * partial transfers: bytes before a bad buffer still move). EINVAL for a count above IOV_MAX, a
 * negative length, or more than 2^31 - 1 bytes in all.
 */
export function iovecSegments(ctx: SyscallContext, addr: number, count: number, access: 'read' | 'write'): Uint8Array[] {
  if (count < 0 || count > IOV_MAX) throw new KernelError(Errno.EINVAL);
  ctx.mem.readInto(addr, iovecs.take(count * IOVEC_SIZE));
  const view = iovecs.view;
  const segs: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const base = getU64(view, i * IOVEC_SIZE);
    const len = getI64(view, i * IOVEC_SIZE + 8);
    if (len < 0 || (total += len) > 0x7fff_ffff) throw new KernelError(Errno.EINVAL);
    if (len === 0) continue;
    try {
      segs.push(...ctx.mem.buffer(base, len, access));
    } catch (err) {
      if (segs.length > 0) break; // transfer what came before the bad buffer
      throw err;
    }
  }
  return segs;
}

/** One iovec: a buffer's address and length. */
export interface Iovec {
  base: number;
  len: number;
}

/**
 * The `count` iovecs at `addr` as they are, for buffers in another address space
 * (process_vm_readv's remote ones): EFAULT if the array cannot be read, EINVAL for a count above
 * IOV_MAX, a negative length, or more than 2^31 - 1 bytes in all.
 */
export function readIovecs(ctx: SyscallContext, addr: number, count: number): Iovec[] {
  if (count < 0 || count > IOV_MAX) throw new KernelError(Errno.EINVAL);
  const view = new DataView(ctx.mem.read(addr, count * IOVEC_SIZE).buffer);
  const out: Iovec[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const len = getI64(view, i * IOVEC_SIZE + 8);
    if (len < 0 || (total += len) > 0x7fff_ffff) throw new KernelError(Errno.EINVAL);
    out.push({ base: getU64(view, i * IOVEC_SIZE), len });
  }
  return out;
}
