/**
 * kcmp(2): whether two processes share a kernel object (an open file, their memory, fd table, fs
 * context, signal handlers, I/O context or System V undo list). CRIU, systemd and graphics
 * libraries ask it to tell whether two descriptors are one open file.
 *
 * @module
 */
import { EpollFile, Errno, KernelError, mayInspect, type LinuxThread, type OpenFile } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

export const KCMP_FILE = 0;
export const KCMP_VM = 1;
export const KCMP_FILES = 2;
export const KCMP_FS = 3;
export const KCMP_SIGHAND = 4;
export const KCMP_IO = 5;
export const KCMP_SYSVSEM = 6;
export const KCMP_EPOLL_TFD = 7;

/**
 * A number for each object kcmp has compared, in the order it first saw them: the order kcmp
 * reports, which Linux takes from obfuscated kernel addresses, so that callers can sort by it.
 */
const order = new WeakMap<object, number>();
let nextOrder = 1;

function rank(o: object | undefined): number {
  if (o === undefined) return 0; // Linux's NULL: two processes without one share "it"
  let n = order.get(o);
  if (n === undefined) order.set(o, (n = nextOrder++));
  return n;
}

/** 0 for one object, 1 when the first comes before the second, 2 when after. */
function compare(a: object | undefined, b: object | undefined): number {
  const x = rank(a);
  const y = rank(b);
  return x === y ? 0 : x < y ? 1 : 2;
}

/** The live thread `tid` names, of any process (kcmp takes thread ids). */
function threadOf(ctx: SyscallContext, tid: number): LinuxThread | undefined {
  return ctx.kernel.processOfThread(tid)?.threads.get(tid);
}

/** The open file at `fd` (an unsigned int, as Linux reads the index) in `thread`'s table, or undefined (kcmp's EBADF). */
function fileAt(thread: LinuxThread, fd: number): OpenFile | undefined {
  const fds = thread.process.fds;
  return fds.has(fd) ? fds.get(fd) : undefined;
}

/**
 * Implements Linux syscall kcmp(2): (pid1, pid2, type, idx1, idx2). ESRCH unless both threads
 * exist, EPERM unless the caller may inspect both (ptrace's read check), EINVAL for an unknown
 * type. Memory is compared by address space, so a vfork child before its execve, which has an
 * address space of its own here mapping its parent's memory, differs from its parent.
 */
export function sysKcmp(ctx: SyscallContext): number {
  const t1 = threadOf(ctx, ctx.int(0));
  const t2 = threadOf(ctx, ctx.int(1));
  if (t1 === undefined || t2 === undefined) throw new KernelError(Errno.ESRCH);
  const p1 = t1.process;
  const p2 = t2.process;
  if (!mayInspect(ctx.process, p1) || !mayInspect(ctx.process, p2)) throw new KernelError(Errno.EPERM);
  switch (ctx.int(2)) {
    case KCMP_FILE: {
      const a = fileAt(t1, ctx.uint(3));
      const b = fileAt(t2, ctx.uint(4));
      if (a === undefined || b === undefined) throw new KernelError(Errno.EBADF);
      return compare(a, b);
    }
    case KCMP_VM:
      return compare(p1.vmar, p2.vmar);
    case KCMP_FILES:
      return compare(p1.fds, p2.fds);
    case KCMP_FS:
      return compare(p1.fs, p2.fs);
    case KCMP_SIGHAND:
      return compare(p1.sigactions, p2.sigactions);
    case KCMP_IO:
      return 0; // no task has an I/O context here, and Linux compares two absent ones as one
    case KCMP_SYSVSEM:
      return compare(ctx.kernel.sysvSem.undoList(p1.pid), ctx.kernel.sysvSem.undoList(p2.pid));
    case KCMP_EPOLL_TFD:
      return compareEpollTarget(ctx, t1, t2);
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

/**
 * KCMP_EPOLL_TFD: idx1 is a file of the first thread's; idx2 points at a struct kcmp_epoll_slot
 * (efd, tfd, toff: an epoll fd of the second thread's, and which of its entries for fd number tfd).
 */
function compareEpollTarget(ctx: SyscallContext, t1: LinuxThread, t2: LinuxThread): number {
  const slot = ctx.addr(4);
  const efd = ctx.mem.readU32(slot);
  const tfd = ctx.mem.readU32(slot + 4);
  const toff = ctx.mem.readU32(slot + 8);
  const file = fileAt(t1, ctx.uint(3));
  if (file === undefined) throw new KernelError(Errno.EBADF);
  const epoll = fileAt(t2, efd);
  if (epoll === undefined) throw new KernelError(Errno.EBADF);
  if (!(epoll instanceof EpollFile)) throw new KernelError(Errno.EINVAL);
  const target = epoll.target(tfd, toff);
  if (target === undefined) throw new KernelError(Errno.ENOENT);
  return compare(file, target);
}
