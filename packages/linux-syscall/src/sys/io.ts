/**
 * Transfers between open files and guest memory: read, write, readv, writev, pread64, pwrite64.
 * Data moves straight between the file and pmem views of the guest buffer (no copy through a JS
 * buffer). Partial transfers follow Linux: bytes moved beat a later fault.
 *
 * @module
 */
import {
  Errno, KernelError, POLLIN, POLLOUT, SI_KERNEL, Signo, isKernelError, sendSignal, type Interruptible, type OpenFile,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

type Transfer = (file: OpenFile, buf: Uint8Array, offset: number, waiter: Interruptible) => number | Promise<number>;

const readOp: Transfer = (f, b, _off, waiter) => f.read(b, waiter);
const writeOp: Transfer = (f, b, _off, waiter) => f.write(b, waiter);


const preadOp: Transfer = (f, b, off) => f.pread(b, off);
const pwriteOp: Transfer = (f, b, off) => f.pwrite(b, off);

/**
 * Run `op` over each segment until one comes back short. Only the first segment may block (the
 * call is then async); later ones are tried only while the file is ready (`readiness`: POLLIN or
 * POLLOUT), so a transfer that moved bytes never waits, as Linux's readv/writev on pipes.
 */
function transfer(ctx: SyscallContext, file: OpenFile, segs: Uint8Array[], op: Transfer, offset: number, readiness: number): number | Promise<number> {
  let done = 0;
  for (let i = 0; i < segs.length; i++) {
    if (i > 0 && file.poll(readiness) === 0) break;
    const r = op(file, segs[i], offset + done, ctx);
    if (typeof r !== 'number') return i === 0 ? r : r.then((n) => done + n);
    done += r;
    if (r < segs[i].length) break;
  }
  return done;
}

/** Writing to a pipe with no reader raises SIGPIPE (by default it kills the writer) and fails with EPIPE. */
function sigpipe(ctx: SyscallContext, err: unknown): never {
  if (isKernelError(err) && err.errno === Errno.EPIPE) {
    sendSignal(ctx.kernel, ctx.process, { signo: Signo.SIGPIPE, code: SI_KERNEL }, ctx.thread);
  }
  throw err;
}

/** A write-side transfer, with SIGPIPE on a broken pipe. */
function writeTransfer(ctx: SyscallContext, run: () => number | Promise<number>): number | Promise<number> {
  try {
    const r = run();
    return typeof r === 'number' ? r : r.catch((err: unknown) => sigpipe(ctx, err));
  } catch (err) {
    sigpipe(ctx, err);
  }
}

function checkOffset(off: bigint): number {
  if (off < 0n) throw new KernelError(Errno.EINVAL);
  return Number(off);
}

/** Implements Linux syscall read(2). */
export function sysRead(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  return transfer(ctx, file, ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'write'), readOp, 0, POLLIN);
}

/** Implements Linux syscall write(2). */
export function sysWrite(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  return writeTransfer(ctx, () => transfer(ctx, file, ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'read'), writeOp, 0, POLLOUT));
}

/** Implements Linux syscall pread64(2). */
export function sysPread64(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  const off = checkOffset(ctx.long(3));
  return transfer(ctx, file, ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'write'), preadOp, off, POLLIN);
}

/** Implements Linux syscall pwrite64(2). */
export function sysPwrite64(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  const off = checkOffset(ctx.long(3));
  return writeTransfer(ctx, () => transfer(ctx, file, ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'read'), pwriteOp, off, POLLOUT));
}

const IOV_MAX = 1024;

/** The guest buffers an iovec array names, cut where they become inaccessible. */
function iovecSegments(ctx: SyscallContext, iovAddr: number, iovcnt: number, access: 'read' | 'write'): Uint8Array[] {
  if (iovcnt < 0 || iovcnt > IOV_MAX) throw new KernelError(Errno.EINVAL);
  const raw = ctx.mem.read(iovAddr, iovcnt * 16);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const segs: Uint8Array[] = [];
  let total = 0n;
  for (let i = 0; i < iovcnt; i++) {
    const base = view.getBigUint64(i * 16, true);
    const len = view.getBigInt64(i * 16 + 8, true);
    if (len < 0n) throw new KernelError(Errno.EINVAL);
    total += len;
    if (total > 0x7fff_ffffn) throw new KernelError(Errno.EINVAL);
    if (len === 0n) continue;
    try {
      segs.push(...ctx.mem.buffer(Number(base), Number(len), access));
    } catch (err) {
      if (segs.length > 0) break; // transfer what came before the bad buffer
      throw err;
    }
  }
  return segs;
}

/** Implements Linux syscall readv(2). */
export function sysReadv(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  return transfer(ctx, file, iovecSegments(ctx, ctx.addr(1), ctx.int(2), 'write'), readOp, 0, POLLIN);
}

/** Implements Linux syscall writev(2). */
export function sysWritev(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  return writeTransfer(ctx, () => transfer(ctx, file, iovecSegments(ctx, ctx.addr(1), ctx.int(2), 'read'), writeOp, 0, POLLOUT));
}

/** Implements Linux syscall lseek(2). */
export function sysLseek(ctx: SyscallContext) {
  return ctx.process.fds.get(ctx.int(0)).seek(Number(ctx.long(1)), ctx.int(2));
}
