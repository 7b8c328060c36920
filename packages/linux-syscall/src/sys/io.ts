/**
 * Transfers between open files and guest memory: read, write, readv, writev, pread64, pwrite64.
 * Data moves straight between the file and pmem views of the guest buffer (no copy through a JS
 * buffer). Partial transfers follow Linux: bytes moved beat a later fault.
 *
 * @module
 */
import {
  Errno, IN_ACCESS, IN_MODIFY, KernelError, fsIds, POLLIN, POLLOUT, SEEK_CUR, SI_KERNEL, Signo, isKernelError, sendSignal, type Interruptible, type LinuxProcess, type LinuxThread, type OpenFile,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { iovecSegments } from './iovec.js';
import { timed } from './socket-timeout.js';

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
    if (typeof r !== 'number') return i === 0 ? timed(ctx, file, readiness === POLLIN ? 'receive' : 'send', r) : r.then((n) => done + n);
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

/** A write that may settle later: SIGPIPE if it fails with EPIPE. */
function piped(ctx: SyscallContext, r: number | Promise<number>): number | Promise<number> {
  return typeof r === 'number' ? r : r.catch((err: unknown) => sigpipe(ctx, err));
}

/** A write-side transfer, with SIGPIPE on a broken pipe. */
function writeTransfer(ctx: SyscallContext, file: OpenFile, segs: Uint8Array[], op: Transfer, offset: number): number | Promise<number> {
  let r: number | Promise<number>;
  try {
    r = piped(ctx, transfer(ctx, file, segs, op, offset, POLLOUT));
  } catch (err) {
    sigpipe(ctx, err);
  }
  return written(ctx, file, r);
}

/**
 * The result `r` of a write to `file` (a call counted, syscw): see {@link wrote}. The process and
 * thread are taken now, for a write that settles later.
 */
export function written(ctx: SyscallContext, file: OpenFile, r: number | Promise<number>): number | Promise<number> {
  const { thread, process } = ctx;
  thread.io.writeCalls++;
  return typeof r === 'number' ? wrote(thread, process, file, r) : r.then((n) => wrote(thread, process, file, n));
}

/**
 * What `n` bytes written to `file` do: they are counted (wchar); to a file of the tree, they are
 * an inotify IN_MODIFY and take its file capabilities and, from a caller without CAP_FSETID, its
 * set-ID bits away.
 */
function wrote(thread: LinuxThread, process: LinuxProcess, file: OpenFile, n: number): number {
  if (n <= 0) return n;
  thread.io.writtenChars += n;
  const location = file.location;
  if (location === undefined) return n;
  const { privileges, events } = process.fs.vfs;
  const cred = process.cred;
  if (privileges.mayTake(cred.capEffective)) privileges.written(file, fsIds(cred));
  if (events.active) events.changed(location, IN_MODIFY);
  return n;
}

/** The result `r` of a read from `file` (a call counted, syscr): see {@link wasRead}. */
export function readFrom(ctx: SyscallContext, file: OpenFile, r: number | Promise<number>): number | Promise<number> {
  const { thread, process } = ctx;
  thread.io.readCalls++;
  return typeof r === 'number' ? wasRead(thread, process, file, r) : r.then((n) => wasRead(thread, process, file, n));
}

/** What `n` bytes read from `file` do: they are counted (rchar); from a file of the tree, an inotify IN_ACCESS. */
function wasRead(thread: LinuxThread, process: LinuxProcess, file: OpenFile, n: number): number {
  if (n <= 0) return n;
  thread.io.readChars += n;
  const events = process.fs.vfs.events;
  if (events.active && file.location !== undefined) events.changed(file.location, IN_ACCESS);
  return n;
}

function checkOffset(off: number): number {
  if (off < 0) throw new KernelError(Errno.EINVAL);
  return off;
}

/** Implements Linux syscall read(2). */
export function sysRead(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  return readFrom(ctx, file, transfer(ctx, file, ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'write'), readOp, 0, POLLIN));
}

/** Implements Linux syscall write(2). */
export function sysWrite(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  return writeTransfer(ctx, file, ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'read'), writeOp, 0);
}

/** Implements Linux syscall pread64(2). */
export function sysPread64(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  const off = checkOffset(ctx.offset(3));
  return readFrom(ctx, file, transfer(ctx, file, ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'write'), preadOp, off, POLLIN));
}

/** Implements Linux syscall pwrite64(2). */
export function sysPwrite64(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  const off = checkOffset(ctx.offset(3));
  return writeTransfer(ctx, file, ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'read'), pwriteOp, off);
}

/** Implements Linux syscall readv(2). */
export function sysReadv(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  return readFrom(ctx, file, transfer(ctx, file, iovecSegments(ctx, ctx.addr(1), ctx.int(2), 'write'), readOp, 0, POLLIN));
}

/** Implements Linux syscall writev(2). */
export function sysWritev(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  return writeTransfer(ctx, file, iovecSegments(ctx, ctx.addr(1), ctx.int(2), 'read'), writeOp, 0);
}

/** Implements Linux syscall lseek(2). */
export function sysLseek(ctx: SyscallContext) {
  return ctx.process.fds.get(ctx.int(0)).seek(ctx.offset(1), ctx.int(2));
}

type Chunked = (buf: Uint8Array, at: number) => number | Promise<number>;

/** A copy between two files: its ends, how much to move, and how to hand back bytes read but not written. */
interface Copy {
  read: Chunked;
  write: Chunked;
  count: number;
  /** Return `bytes` read from the source but not written (rewind its position; nothing for a pread). */
  giveBack: (bytes: number) => void;
}

/**
 * Move up to `count` bytes from `read` to `write` through the thread's transfer buffer, a chunk at
 * a time (`at` counts the bytes moved before the chunk); stops early when a read comes back short.
 * Only the first read may block, so a transfer that moved bytes returns rather than waits. A write
 * that fails after bytes moved (a full non-blocking socket) ends the copy with what moved, as
 * Linux's does. Synchronous unless a read or write blocks.
 */
function copyBetween(ctx: SyscallContext, copy: Copy): number | Promise<number> {
  return copyOn(ctx.thread.transferBuffer(), copy, 0, -1, 0);
}

/**
 * {@link copyBetween} from where it is: `done` bytes moved, and the chunk after them holding `n`
 * bytes in `buf` (-1: not read yet), `written` of them written. A blocked call resumes here.
 */
function copyOn(buf: Uint8Array, copy: Copy, done: number, n: number, written: number): number | Promise<number> {
  for (;;) {
    const asked = Math.min(buf.length, copy.count - done);
    if (n < 0) {
      if (asked <= 0) return done;
      const r = copy.read(buf.subarray(0, asked), done);
      if (typeof r !== 'number') return done > 0 ? done : r.then((m) => copyOn(buf, copy, done, m, 0));
      n = r;
      written = 0;
    }
    if (n <= 0) return done;
    while (written < n) {
      let w: number | Promise<number>;
      try {
        w = copy.write(buf.subarray(written, n), done + written);
      } catch (err) {
        return stopped(copy, err, n - written, done + written);
      }
      if (typeof w !== 'number') {
        const at = written;
        const got = n;
        return w.then((m) => copyOn(buf, copy, done, got, at + m), (err) => stopped(copy, err, got - at, done + at));
      }
      written += w;
    }
    done += n;
    if (n < asked) return done;
    n = -1;
  }
}

/**
 * A copy's write failed with `err`, `unwritten` bytes of its chunk unwritten and `moved` moved in
 * all: the source goes back to where the copy stopped; the bytes moved are the answer, or the
 * error when there are none.
 */
function stopped(copy: Copy, err: unknown, unwritten: number, moved: number): number {
  copy.giveBack(unwritten);
  if (moved === 0) throw err;
  return moved;
}

/** An optional in/out offset argument (a guest loff_t*). */
function offsetArg(ctx: SyscallContext, addr: number): number | null {
  return addr === 0 ? null : checkOffset(Number(BigInt.asIntN(64, ctx.mem.readU64(addr))));
}

/**
 * A copy of up to `count` bytes to `write` from `from` at offset `off`, or at its position, which
 * moves by what is read and goes back by what was read but not written (in_fd of sendfile and
 * copy_file_range is a file). One literal: a spread of the source's fields took V8 ~1 µs.
 */
function copyFrom(ctx: SyscallContext, from: OpenFile, off: number | null, write: Chunked, count: number): Copy {
  if (off !== null) return { read: (b, at) => from.pread(b, off + at), write, count, giveBack: () => {} };
  return {
    read: (b) => from.read(b, ctx),
    write,
    count,
    giveBack: (n) => {
      if (n > 0) from.seek(-n, SEEK_CUR);
    },
  };
}

/** Implements Linux syscall sendfile(2) (through a kernel buffer). */
export function sysSendfile(ctx: SyscallContext) {
  const to = ctx.process.fds.get(ctx.int(0));
  const from = ctx.process.fds.get(ctx.int(1));
  const offAddr = ctx.addr(2);
  const off = offsetArg(ctx, offAddr);
  const moved = (n: number) => {
    if (off !== null) ctx.mem.writeU64(offAddr, BigInt(off + n));
    return n;
  };
  try {
    const r = copyBetween(ctx, copyFrom(ctx, from, off, (b) => to.write(b, ctx), ctx.count(3)));
    return written(ctx, to, piped(ctx, readFrom(ctx, from, typeof r === 'number' ? moved(r) : r.then(moved))));
  } catch (err) {
    sigpipe(ctx, err); // a broken pipe found without waiting
  }
}

/** Implements Linux syscall copy_file_range(2) (through a kernel buffer). */
export function sysCopyFileRange(ctx: SyscallContext) {
  const from = ctx.process.fds.get(ctx.int(0));
  const to = ctx.process.fds.get(ctx.int(2));
  if (ctx.int(5) !== 0) throw new KernelError(Errno.EINVAL);
  const [inAddr, outAddr] = [ctx.addr(1), ctx.addr(3)];
  const [inOff, outOff] = [offsetArg(ctx, inAddr), offsetArg(ctx, outAddr)];
  const write: Chunked = outOff === null ? (b) => to.write(b, ctx) : (b, at) => to.pwrite(b, outOff + at);
  const moved = (n: number) => {
    if (inOff !== null) ctx.mem.writeU64(inAddr, BigInt(inOff + n));
    if (outOff !== null) ctx.mem.writeU64(outAddr, BigInt(outOff + n));
    return n;
  };
  const r = copyBetween(ctx, copyFrom(ctx, from, inOff, write, ctx.count(4)));
  return written(ctx, to, readFrom(ctx, from, typeof r === 'number' ? moved(r) : r.then(moved)));
}
