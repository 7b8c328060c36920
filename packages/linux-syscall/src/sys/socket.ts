/**
 * Sockets: socketpair(AF_UNIX) and the calls on connected sockets — sendmsg, recvmsg, sendto,
 * recvfrom, shutdown — with SCM_RIGHTS file passing. socket(2) itself has no families yet.
 *
 * @module
 */
import {
  Errno, KernelError, MSG_CMSG_CLOEXEC, MSG_CTRUNC, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_PEEK, MSG_TRUNC, MSG_WAITALL,
  SI_KERNEL, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, Signo, UnixSocket, createSocketPair, isKernelError,
  releaseFile, sendSignal, type OpenFile, type Received,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { installPair } from './fd-pair.js';

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
/** Linux's SCM_MAX_FD: files one message may carry. */
const SCM_MAX_FD = 253;
const IOV_MAX = 1024;
const CMSG_HDR = 16;
const align8 = (n: number) => (n + 7) & ~7;

function socketOf(ctx: SyscallContext, fd: number): UnixSocket {
  const file = ctx.process.fds.get(fd);
  if (!(file instanceof UnixSocket)) throw new KernelError(Errno.ENOTSOCK);
  return file;
}

/** Implements Linux syscall socket(2): no address family is available yet. */
export function sysSocket(_ctx: SyscallContext): number {
  throw new KernelError(Errno.EAFNOSUPPORT);
}

/** Implements Linux syscall socketpair(2) for AF_UNIX. */
export function sysSocketpair(ctx: SyscallContext) {
  const domain = ctx.int(0);
  const typeArg = ctx.int(1);
  const protocol = ctx.int(2);
  // Families Linux knows but that cannot make pairs (inet) say so; unknown ones are unsupported.
  if (domain === AF_INET || domain === AF_INET6) throw new KernelError(Errno.EOPNOTSUPP);
  if (domain !== AF_UNIX) throw new KernelError(Errno.EAFNOSUPPORT);
  const type = typeArg & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (protocol !== 0) throw new KernelError(Errno.EPROTONOSUPPORT);
  const [a, b] = createSocketPair(type, typeArg);
  return installPair(ctx, a, b, (typeArg & SOCK_CLOEXEC) !== 0, ctx.addr(3));
}

/** The iovec array at `addr` as (address, length) pairs. */
function readIovecs(ctx: SyscallContext, addr: number, count: number): [number, number][] {
  if (count < 0 || count > IOV_MAX) throw new KernelError(Errno.EMSGSIZE);
  if (count === 0) return [];
  const raw = ctx.mem.read(addr, count * 16);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const len = v.getBigInt64(i * 16 + 8, true);
    if (len < 0n || len > 0x7fff_ffffn) throw new KernelError(Errno.EINVAL);
    total += Number(len);
    if (total > 0x7fff_ffff) throw new KernelError(Errno.EINVAL);
    out.push([Number(v.getBigUint64(i * 16, true)), Number(len)]);
  }
  return out;
}

function gather(ctx: SyscallContext, iovs: [number, number][]): Uint8Array {
  const total = iovs.reduce((n, [, len]) => n + len, 0);
  const data = new Uint8Array(total);
  let off = 0;
  for (const [base, len] of iovs) {
    if (len === 0) continue;
    data.set(ctx.mem.read(base, len), off);
    off += len;
  }
  return data;
}

function scatter(ctx: SyscallContext, iovs: [number, number][], data: Uint8Array): void {
  let off = 0;
  for (const [base, len] of iovs) {
    if (off >= data.length) break;
    const n = Math.min(len, data.length - off);
    if (n > 0) ctx.mem.write(base, data.subarray(off, off + n));
    off += n;
  }
}

/** The files named by SCM_RIGHTS messages in a control buffer. */
function readRights(ctx: SyscallContext, addr: number, len: number): OpenFile[] {
  if (len === 0) return [];
  const raw = ctx.mem.read(addr, len);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const files: OpenFile[] = [];
  for (let off = 0; off + CMSG_HDR <= len;) {
    const cmsgLen = Number(v.getBigUint64(off, true));
    if (cmsgLen < CMSG_HDR || off + cmsgLen > len) throw new KernelError(Errno.EINVAL);
    const level = v.getInt32(off + 8, true);
    const type = v.getInt32(off + 12, true);
    if (level !== SOL_SOCKET || type !== SCM_RIGHTS) throw new KernelError(Errno.EINVAL);
    const n = Math.floor((cmsgLen - CMSG_HDR) / 4);
    if (n === 0 || files.length + n > SCM_MAX_FD) throw new KernelError(Errno.EINVAL);
    for (let i = 0; i < n; i++) files.push(ctx.process.fds.get(v.getInt32(off + CMSG_HDR + i * 4, true)));
    off += align8(cmsgLen);
  }
  return files;
}

/** A broken connection raises SIGPIPE unless MSG_NOSIGNAL; the call fails with EPIPE either way. */
function sendResult(ctx: SyscallContext, flags: number, run: () => number | Promise<number>): number | Promise<number> {
  const onError = (err: unknown): never => {
    if (isKernelError(err) && err.errno === Errno.EPIPE && (flags & MSG_NOSIGNAL) === 0) {
      sendSignal(ctx.kernel, ctx.process, { signo: Signo.SIGPIPE, code: SI_KERNEL }, ctx.thread);
    }
    throw err;
  };
  try {
    const r = run();
    return typeof r === 'number' ? r : r.catch(onError);
  } catch (err) {
    return onError(err);
  }
}

const SEND_FLAGS = MSG_DONTWAIT | MSG_NOSIGNAL | 0x80 /* MSG_EOR */ | 0x8000 /* MSG_MORE */;

/** Implements Linux syscall sendmsg(2) (addresses are ignored: the sockets are connected). */
export function sysSendmsg(ctx: SyscallContext) {
  const sock = socketOf(ctx, ctx.int(0));
  const flags = ctx.int(2);
  const raw = ctx.mem.read(ctx.addr(1), 56);
  const v = new DataView(raw.buffer, raw.byteOffset, 56);
  const iovs = readIovecs(ctx, Number(v.getBigUint64(16, true)), Number(v.getBigUint64(24, true)));
  const rights = readRights(ctx, Number(v.getBigUint64(32, true)), Number(v.getBigUint64(40, true)));
  const data = gather(ctx, iovs);
  return sendResult(ctx, flags, () => sock.send(data, rights, flags & SEND_FLAGS, ctx));
}

/** Implements Linux syscall sendto(2). */
export function sysSendto(ctx: SyscallContext) {
  const sock = socketOf(ctx, ctx.int(0));
  const flags = ctx.int(3);
  const data = ctx.mem.read(ctx.addr(1), ctx.count(2)).slice();
  return sendResult(ctx, flags, () => sock.send(data, [], flags & SEND_FLAGS, ctx));
}

/** Install received files as fds; those that do not fit in `room` control bytes are closed (MSG_CTRUNC). */
function installRights(ctx: SyscallContext, rights: OpenFile[], room: number, cloexec: boolean): { fds: number[]; truncated: boolean } {
  const fit = room >= CMSG_HDR + 4 ? Math.min(rights.length, Math.floor((room - CMSG_HDR) / 4)) : 0;
  const fds: number[] = [];
  for (let i = 0; i < rights.length; i++) {
    if (i < fit) {
      try {
        fds.push(ctx.process.fds.install(rights[i], { cloexec }));
      } catch {
        // EMFILE: the rest are lost, as Linux's scm_detach_fds
      }
    }
    releaseFile(rights[i]); // the queue's reference; the fd holds its own
  }
  return { fds, truncated: fds.length < rights.length };
}

/** Implements Linux syscall recvmsg(2). MSG_WAITALL waits for the first bytes only. */
export function sysRecvmsg(ctx: SyscallContext) {
  const sock = socketOf(ctx, ctx.int(0));
  const flags = ctx.int(2);
  const msgAddr = ctx.addr(1);
  const raw = ctx.mem.read(msgAddr, 56);
  const v = new DataView(raw.buffer, raw.byteOffset, 56);
  const nameAddr = Number(v.getBigUint64(0, true));
  const iovs = readIovecs(ctx, Number(v.getBigUint64(16, true)), Number(v.getBigUint64(24, true)));
  const ctlAddr = Number(v.getBigUint64(32, true));
  const ctlLen = Number(v.getBigUint64(40, true));
  for (const [base, len] of iovs) if (len > 0) ctx.mem.buffer(base, len, 'write'); // EFAULT first
  const buf = new Uint8Array(iovs.reduce((n, [, len]) => n + len, 0));
  const finish = (r: Received): number => {
    scatter(ctx, iovs, buf.subarray(0, r.bytes));
    let msgFlags = r.flags;
    let ctlUsed = 0;
    if (r.rights.length > 0) {
      const { fds, truncated } = installRights(ctx, r.rights, ctlLen, (flags & MSG_CMSG_CLOEXEC) !== 0);
      if (truncated) msgFlags |= MSG_CTRUNC;
      if (fds.length > 0) {
        const cmsg = new Uint8Array(CMSG_HDR + fds.length * 4);
        const c = new DataView(cmsg.buffer);
        c.setBigUint64(0, BigInt(cmsg.length), true);
        c.setInt32(8, SOL_SOCKET, true);
        c.setInt32(12, SCM_RIGHTS, true);
        fds.forEach((fd, i) => c.setInt32(CMSG_HDR + i * 4, fd, true));
        ctx.mem.write(ctlAddr, cmsg);
        ctlUsed = Math.min(align8(cmsg.length), ctlLen);
      }
    }
    if (nameAddr !== 0) v.setUint32(8, 0, true); // the peer of a socketpair has no address
    v.setBigUint64(40, BigInt(ctlUsed), true);
    v.setInt32(48, msgFlags, true);
    ctx.mem.write(msgAddr, raw);
    return (flags & MSG_TRUNC) !== 0 && sock.type === SOCK_DGRAM ? r.length : r.bytes;
  };
  const r = sock.recv(buf, flags & (MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL), ctx);
  return r instanceof Promise ? r.then(finish) : finish(r);
}

/** Implements Linux syscall recvfrom(2). */
export function sysRecvfrom(ctx: SyscallContext) {
  const sock = socketOf(ctx, ctx.int(0));
  const flags = ctx.int(3);
  const bufs = ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'write');
  const buf = new Uint8Array(ctx.count(2));
  const lenAddr = ctx.addr(5);
  const finish = (r: Received): number => {
    for (const f of r.rights) releaseFile(f); // recvfrom has no control buffer: files are discarded
    let off = 0;
    for (const b of bufs) {
      if (off >= r.bytes) break;
      const n = Math.min(b.length, r.bytes - off);
      b.set(buf.subarray(off, off + n));
      off += n;
    }
    if (ctx.addr(4) !== 0 && lenAddr !== 0) ctx.mem.write(lenAddr, new Uint8Array(4));
    return (flags & MSG_TRUNC) !== 0 && sock.type === SOCK_DGRAM ? r.length : r.bytes;
  };
  const r = sock.recv(buf, flags & (MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL), ctx);
  return r instanceof Promise ? r.then(finish) : finish(r);
}

/** Implements Linux syscall shutdown(2). */
export function sysShutdown(ctx: SyscallContext) {
  socketOf(ctx, ctx.int(0)).shutdown(ctx.int(1));
  return 0;
}
