/**
 * More descriptor features: close_range, flock, fcntl record locks and pipe sizes (helpers of
 * sys/file.ts's fcntl), memfd_create, preadv, pwritev, preadv2,
 * pwritev2, splice, tee, vmsplice.
 *
 * @module
 */
import {
  CLOSE_RANGE_UNSHARE, Errno, F_GET_SEALS, F_GETLK, F_GETPIPE_SZ, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_RDLCK, F_SETLKW,
  F_UNLCK, F_WRLCK, KernelError, O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY, SI_KERNEL, Signo, TmpFile, TmpFileHandle,
  F_SEAL_EXEC, F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE, PROT_WRITE,
  TmpFs, StructBuffer, checkCloseRange, fileLocks, getI64, isKernelError,
  pipeBufferOf, sendSignal, setI64, type Kernel, type LockRequest, type OpenFile, type PipeBuffer,
} from '@rvisor/linux-object';
import type { Vmo } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';
import { iovecSegments } from './iovec.js';
import { readFrom, written } from './io.js';

/** Implements Linux syscall close_range(2). */
export function sysCloseRange(ctx: SyscallContext) {
  const [first, last, flags] = [ctx.uint(0), ctx.uint(1), ctx.uint(2)];
  checkCloseRange(first, last, flags);
  if (flags & CLOSE_RANGE_UNSHARE) ctx.process.unshareFiles();
  ctx.process.fds.closeRange(first, last, flags);
  return 0;
}

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/** Implements Linux syscall flock(2). */
export function sysFlock(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  const op = ctx.int(1);
  switch (op & ~LOCK_NB) {
    case LOCK_UN:
      fileLocks.unflock(file);
      return 0;
    case LOCK_SH:
    case LOCK_EX: {
      const kind = (op & ~LOCK_NB) === LOCK_EX ? 'exclusive' : 'shared';
      const nonBlocking = (op & LOCK_NB) !== 0;
      const r = fileLocks.flock(file, kind, nonBlocking, nonBlocking ? undefined : ctx.interruption());
      return r === undefined ? 0 : r.then(() => 0);
    }
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

// struct flock: short l_type, l_whence; off_t l_start, l_len; pid_t l_pid.
const flock = new StructBuffer(32);

/**
 * The byte range `l_start`/`l_len` name, from `whence`, as inclusive start and end (offsets past
 * 2^53, some 9 PB, are rounded to a double's precision).
 */
function lockRange(file: OpenFile, whence: number, start: number, len: number): { start: number; end: number } {
  let base: number;
  switch (whence) {
    case 0: base = 0; break;
    case 1: base = file.seek(0, 1); break;
    case 2: base = file.stat().size; break;
    default: throw new KernelError(Errno.EINVAL);
  }
  let from = base + start;
  let end: number;
  if (len > 0) end = from + len - 1;
  else if (len === 0) end = Infinity; // to the end of file, however it grows
  else {
    end = from - 1;
    from += len;
  }
  if (from < 0) throw new KernelError(Errno.EINVAL);
  return { start: from, end };
}

/**
 * fcntl's record-lock commands: F_GETLK, F_SETLK, F_SETLKW (owned by the process's fd table, as
 * Linux's `current->files`) and F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW (owned by the open file).
 */
export function fcntlRecordLock(ctx: SyscallContext, file: OpenFile, cmd: number): number | Promise<number> {
  const addr = ctx.addr(2);
  ctx.mem.readInto(addr, flock.bytes);
  const view = flock.view;
  const type = view.getInt16(0, true);
  const whence = view.getInt16(2, true);
  const ofd = cmd === F_OFD_GETLK || cmd === F_OFD_SETLK || cmd === F_OFD_SETLKW;
  if (ofd && view.getInt32(24, true) !== 0) throw new KernelError(Errno.EINVAL);
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) throw new KernelError(Errno.EINVAL);
  const { start, end } = lockRange(file, whence, getI64(view, 8), getI64(view, 16));
  const want: LockRequest = { owner: ofd ? file : ctx.process.fds, ofd, pid: ctx.process.pid, type, start, end };
  if (cmd === F_GETLK || cmd === F_OFD_GETLK) {
    if (type === F_UNLCK) throw new KernelError(Errno.EINVAL);
    const held = fileLocks.test(file, want);
    if (held === null) {
      view.setInt16(0, F_UNLCK, true);
    } else {
      view.setInt16(0, held.type, true);
      view.setInt16(2, 0, true);
      setI64(view, 8, held.start);
      setI64(view, 16, held.end === Infinity ? 0 : held.end - held.start + 1);
      view.setInt32(24, held.ofd ? -1 : held.pid, true);
    }
    ctx.mem.write(addr, flock.bytes);
    return 0;
  }
  // Linux checks the access mode against the lock wanted.
  const mode = file.statusFlags & O_ACCMODE;
  if ((type === F_RDLCK && mode === O_WRONLY) || (type === F_WRLCK && mode === O_RDONLY)) {
    throw new KernelError(Errno.EBADF);
  }
  const wait = cmd === F_SETLKW || cmd === F_OFD_SETLKW;
  const r = fileLocks.set(file, want, wait, wait ? ctx.interruption() : undefined);
  return r === undefined ? 0 : r.then(() => 0);
}

/** F_GETPIPE_SZ and F_SETPIPE_SZ: EBADF off a pipe, as Linux. */
export function fcntlPipeSize(ctx: SyscallContext, file: OpenFile, cmd: number): number {
  const pipe = pipeBufferOf(file);
  if (pipe === undefined) throw new KernelError(Errno.EBADF);
  return cmd === F_GETPIPE_SZ ? pipe.capacity : pipe.resize(ctx.uint(2));
}

const MFD_CLOEXEC = 1;
const MFD_ALLOW_SEALING = 2;
const MFD_NOEXEC_SEAL = 8;
const MFD_EXEC = 0x10;
const MFD_NAME_MAX = 249;
const ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC;

/**
 * F_GET_SEALS and F_ADD_SEALS, on tmpfs files and memfds (EINVAL on others): seals go only onto
 * a file open for writing (EPERM) and not sealed against them (F_SEAL_SEAL: EPERM); F_SEAL_WRITE
 * waits for no shared mapping of it to be writable (EBUSY).
 */
export function fcntlSeals(ctx: SyscallContext, file: OpenFile, cmd: number): number {
  if (!(file instanceof TmpFileHandle)) throw new KernelError(Errno.EINVAL);
  const inode = file.inode;
  if (cmd === F_GET_SEALS) return inode.seals;
  const add = ctx.uint(2);
  if ((add & ~ALL_SEALS) !== 0) throw new KernelError(Errno.EINVAL);
  if (!file.canWrite) throw new KernelError(Errno.EPERM);
  if ((inode.seals & F_SEAL_SEAL) !== 0) throw new KernelError(Errno.EPERM);
  if ((add & F_SEAL_WRITE) !== 0 && inode.memory !== null && writablyMapped(ctx.kernel, inode.memory)) {
    throw new KernelError(Errno.EBUSY);
  }
  inode.seals |= add;
  return 0;
}

/** Whether some process maps `vmo` shared with writes allowed (now or after an mprotect). */
function writablyMapped(kernel: Kernel, vmo: Vmo): boolean {
  for (const proc of kernel.processes.values()) {
    if (proc.vmar.mappings().some((m) => m.vmo === vmo && m.shared && (m.maxProt & PROT_WRITE) !== 0)) return true;
  }
  return false;
}

/** Each kernel's hidden tmpfs holding memfd data (charged to the container's memory). */
const memfdFs = new WeakMap<Kernel, TmpFs>();

/** Implements Linux syscall memfd_create(2): a tmpfs file in no directory. */
export function sysMemfdCreate(ctx: SyscallContext) {
  const name = ctx.mem.readString(ctx.addr(0), MFD_NAME_MAX + 1);
  const flags = ctx.uint(1);
  if ((flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) !== 0) {
    throw new KernelError(Errno.EINVAL); // MFD_HUGETLB included: no huge pages here
  }
  if ((flags & MFD_NOEXEC_SEAL) !== 0 && (flags & MFD_EXEC) !== 0) throw new KernelError(Errno.EINVAL);
  if (name.length > MFD_NAME_MAX) throw new KernelError(Errno.EINVAL);
  const kernel = ctx.kernel;
  let fs = memfdFs.get(kernel);
  if (fs === undefined) {
    fs = new TmpFs({ allocator: kernel.allocator, account: kernel.memoryAccount });
    memfdFs.set(kernel, fs);
  }
  // MFD_NOEXEC_SEAL: not executable, and never made so; sealing allowed.
  const noExec = (flags & MFD_NOEXEC_SEAL) !== 0;
  const inode = new TmpFile(fs, noExec ? 0o666 : 0o777);
  inode.nlink = 0; // in no directory: its data go with its last open file
  inode.seals = noExec ? F_SEAL_EXEC : (flags & MFD_ALLOW_SEALING) !== 0 ? 0 : F_SEAL_SEAL;
  const file = inode.open(O_RDWR, `/memfd:${name} (deleted)`);
  try {
    return ctx.process.fds.install(file, { cloexec: (flags & MFD_CLOEXEC) !== 0 });
  } catch (err) {
    file.close();
    throw err;
  }
}

type SegmentOp = (seg: Uint8Array, done: number) => number | Promise<number>;

/** Run `op` over the segments until one comes back short; bytes moved beat a later error. */
async function eachSegment(segs: Uint8Array[], op: SegmentOp): Promise<number> {
  let done = 0;
  for (const seg of segs) {
    let n: number;
    try {
      const r = op(seg, done);
      n = typeof r === 'number' ? r : await r;
    } catch (err) {
      if (done > 0) return done;
      throw err;
    }
    done += n;
    if (n < seg.length) break;
  }
  return done;
}

const RWF_HIPRI = 1;
const RWF_DSYNC = 2;
const RWF_SYNC = 4;
/** RWF_* flags honoured: HIPRI is a hint, and data written here reach the file before the call returns. */
const RWF_SUPPORTED = RWF_HIPRI | RWF_DSYNC | RWF_SYNC;

/** A SIGPIPE for a write that found no reader, as write(2). */
function withSigpipe<T>(ctx: SyscallContext, p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    if (isKernelError(err) && err.errno === Errno.EPIPE) {
      sendSignal(ctx.kernel, ctx.process, { signo: Signo.SIGPIPE, code: SI_KERNEL }, ctx.thread);
    }
    throw err;
  });
}

function vectored(ctx: SyscallContext, write: boolean, offset: bigint, flags: number, allowCurrent: boolean) {
  const file = ctx.process.fds.get(ctx.int(0));
  if ((flags & ~RWF_SUPPORTED) !== 0) throw new KernelError(Errno.EOPNOTSUPP);
  if (offset < 0n && !(allowCurrent && offset === -1n)) throw new KernelError(Errno.EINVAL);
  const segs = iovecSegments(ctx, ctx.addr(1), ctx.int(2), write ? 'read' : 'write');
  const at = Number(offset);
  let op: SegmentOp;
  if (offset === -1n) op = write ? (s) => file.write(s, ctx) : (s) => file.read(s, ctx);
  else op = write ? (s, done) => file.pwrite(s, at + done) : (s, done) => file.pread(s, at + done);
  return write ? written(ctx, file, withSigpipe(ctx, eachSegment(segs, op))) : readFrom(ctx, file, eachSegment(segs, op));
}

/** Implements Linux syscall preadv(2). */
export function sysPreadv(ctx: SyscallContext) {
  return vectored(ctx, false, ctx.long(3), 0, false);
}

/** Implements Linux syscall pwritev(2). */
export function sysPwritev(ctx: SyscallContext) {
  return vectored(ctx, true, ctx.long(3), 0, false);
}

/** Implements Linux syscall preadv2(2): offset -1 reads at the current position. */
export function sysPreadv2(ctx: SyscallContext) {
  return vectored(ctx, false, ctx.long(3), ctx.int(5), true);
}

/** Implements Linux syscall pwritev2(2): offset -1 writes at the current position. */
export function sysPwritev2(ctx: SyscallContext) {
  return vectored(ctx, true, ctx.long(3), ctx.int(5), true);
}

const SPLICE_F_NONBLOCK = 2;
const SPLICE_FLAGS = 0xf; // MOVE, NONBLOCK, MORE, GIFT
const SPLICE_CHUNK = 64 * 1024;

/** Wait until `pipe` holds data or has no writer left; EAGAIN instead with `nonBlocking`. */
async function pipeReadable(pipe: PipeBuffer, nonBlocking: boolean, signal: () => AbortSignal): Promise<void> {
  while (pipe.length === 0 && pipe.writers > 0) {
    if (nonBlocking) throw new KernelError(Errno.EAGAIN);
    await pipe.readable.wait(signal());
  }
}

/** Wait until `pipe` has room (EPIPE once no reader is left); EAGAIN instead with `nonBlocking`. */
async function pipeWritable(pipe: PipeBuffer, nonBlocking: boolean, signal: () => AbortSignal): Promise<void> {
  for (;;) {
    if (pipe.readers === 0) throw new KernelError(Errno.EPIPE);
    if (!pipe.full) return;
    if (nonBlocking) throw new KernelError(Errno.EAGAIN);
    await pipe.writable.wait(signal());
  }
}

/** Implements Linux syscall splice(2) (through a kernel buffer). */
export function sysSplice(ctx: SyscallContext) {
  const fds = ctx.process.fds;
  const from = fds.get(ctx.int(0));
  const to = fds.get(ctx.int(2));
  const [inAddr, outAddr] = [ctx.addr(1), ctx.addr(3)];
  const len = ctx.count(4);
  const flags = ctx.uint(5);
  if ((flags & ~SPLICE_FLAGS) !== 0) throw new KernelError(Errno.EINVAL);
  const inPipe = pipeBufferOf(from);
  const outPipe = pipeBufferOf(to);
  if (inPipe === undefined && outPipe === undefined) throw new KernelError(Errno.EINVAL);
  if ((inPipe !== undefined && inAddr !== 0) || (outPipe !== undefined && outAddr !== 0)) throw new KernelError(Errno.ESPIPE);
  if (inPipe !== undefined && inPipe === outPipe) throw new KernelError(Errno.EINVAL);
  checkOpenMode(from, true);
  checkOpenMode(to, false);
  const inOff = inAddr === 0 ? null : offsetAt(ctx, inAddr);
  const outOff = outAddr === 0 ? null : offsetAt(ctx, outAddr);
  if (len === 0) return 0;
  const nonBlocking = (flags & SPLICE_F_NONBLOCK) !== 0;
  const signal = () => ctx.interruption();
  return written(ctx, to, readFrom(ctx, from, withSigpipe(ctx, (async () => {
    if (inPipe !== undefined) await pipeReadable(inPipe, nonBlocking, signal);
    if (outPipe !== undefined) await pipeWritable(outPipe, nonBlocking, signal);
    if (inPipe !== undefined && outPipe !== undefined) return inPipe.moveTo(outPipe, len);
    let want = Math.min(len, SPLICE_CHUNK);
    if (inPipe !== undefined) want = Math.min(want, inPipe.length);
    if (outPipe !== undefined) want = Math.min(want, outPipe.room);
    const buf = new Uint8Array(want);
    let n: number;
    if (inPipe !== undefined) n = inPipe.take(buf);
    else n = await (inOff === null ? from.read(buf, ctx) : from.pread(buf, inOff));
    if (outPipe !== undefined) outPipe.put(buf.subarray(0, n), 'pages');
    else {
      for (let written = 0; written < n; ) {
        const chunk = buf.subarray(written, n);
        written += await (outOff === null ? to.write(chunk, ctx) : to.pwrite(chunk, outOff + written));
      }
    }
    if (inOff !== null) ctx.mem.writeU64(inAddr, BigInt(inOff + n));
    if (outOff !== null) ctx.mem.writeU64(outAddr, BigInt(outOff + n));
    return n;
  })())));
}

/** splice needs its input open for reading and its output for writing (EBADF otherwise). */
function checkOpenMode(file: OpenFile, reading: boolean): void {
  const mode = file.statusFlags & O_ACCMODE;
  if (reading ? mode === O_WRONLY : mode === O_RDONLY) throw new KernelError(Errno.EBADF);
}

function offsetAt(ctx: SyscallContext, addr: number): number {
  const off = BigInt.asIntN(64, ctx.mem.readU64(addr));
  if (off < 0n) throw new KernelError(Errno.EINVAL);
  return Number(off);
}

/** Implements Linux syscall tee(2): copy bytes from one pipe to another, leaving them in the first. */
export function sysTee(ctx: SyscallContext) {
  const fds = ctx.process.fds;
  const from = fds.get(ctx.int(0));
  const to = fds.get(ctx.int(1));
  const len = ctx.count(2);
  const flags = ctx.uint(3);
  if ((flags & ~SPLICE_FLAGS) !== 0) throw new KernelError(Errno.EINVAL);
  const inPipe = pipeBufferOf(from);
  const outPipe = pipeBufferOf(to);
  if (inPipe === undefined || outPipe === undefined || inPipe === outPipe) throw new KernelError(Errno.EINVAL);
  checkOpenMode(from, true);
  checkOpenMode(to, false);
  if (len === 0) return 0;
  const nonBlocking = (flags & SPLICE_F_NONBLOCK) !== 0;
  const signal = () => ctx.interruption();
  return withSigpipe(ctx, (async () => {
    await pipeReadable(inPipe, nonBlocking, signal);
    await pipeWritable(outPipe, nonBlocking, signal);
    return inPipe.copyTo(outPipe, len);
  })());
}

/** Implements Linux syscall vmsplice(2): guest memory into a pipe's write end, or out of its read end. */
export function sysVmsplice(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  const flags = ctx.uint(3);
  if ((flags & ~SPLICE_FLAGS) !== 0) throw new KernelError(Errno.EINVAL);
  const pipe = pipeBufferOf(file);
  if (pipe === undefined) throw new KernelError(Errno.EBADF);
  const mode = file.statusFlags & O_ACCMODE;
  const toPipe = mode === O_WRONLY;
  const segs = iovecSegments(ctx, ctx.addr(1), ctx.int(2), toPipe ? 'read' : 'write');
  const nonBlocking = (flags & SPLICE_F_NONBLOCK) !== 0;
  const signal = () => ctx.interruption();
  if (toPipe) {
    return withSigpipe(ctx, eachSegment(segs, async (seg, done) => {
      let put = 0;
      while (put < seg.length) {
        try {
          await pipeWritable(pipe, nonBlocking || done + put > 0, signal);
        } catch (err) {
          if (done + put > 0 && isKernelError(err) && err.errno === Errno.EAGAIN) return put;
          throw err;
        }
        put += pipe.put(seg.subarray(put), 'pages');
      }
      return put;
    }));
  }
  return eachSegment(segs, async (seg, done) => {
    if (done > 0 && pipe.length === 0) return 0;
    await pipeReadable(pipe, nonBlocking, signal);
    return pipe.take(seg);
  });
}
