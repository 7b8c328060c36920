/**
 * Process creation and reaping: fork, vfork, clone (new processes), wait4, waitid.
 *
 * @module
 */
import {
  CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_FILES, CLONE_FS, CLONE_INTO_CGROUP, CLONE_PARENT_SETTID,
  CLONE_PIDFD, CLONE_SETTLS, CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD, CLONE_VFORK, CLONE_VM, WCONTINUED, WEXITED, WNOHANG,
  WNOWAIT, WUNTRACED, __WALL, __WCLONE, __WNOTHREAD,
  CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, Errno, KernelError, Signo, cloneThread,
  NO_USAGE, O_NONBLOCK, addUsage, defaultAction, fork, type LinuxProcess, type LinuxThread, type Usage,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { installPidFd, pidFdOf } from './pidfd.js';
import { encodeRusage } from './time.js';

/** What clone can do so far: a new process with its own copy of everything, or a vfork child. */
const SUPPORTED_CLONE = 0xff | CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID
  | CLONE_PIDFD;


/** Implements Linux syscall fork(2). */
export function sysFork(ctx: SyscallContext) {
  ctx.kernel.checkTaskLimit();
  return withSiblingsHeld(ctx, () => fork(ctx.kernel, ctx.thread, ctx.regs).process.pid);
}

/**
 * Run `copy` (a fork that copies memory) with the caller's sibling threads out of guest code, so
 * that the child's copy is of one instant, as Linux's. A single-threaded caller, or one whose
 * siblings all wait in the kernel, copies at once.
 */
function withSiblingsHeld<T>(ctx: SyscallContext, copy: () => T): T | Promise<T> {
  let siblingsRun = false;
  for (const t of ctx.process.threads.values()) if (t !== ctx.thread && t.running) siblingsRun = true;
  if (!siblingsRun) return copy();
  const kernel = ctx.kernel;
  return kernel.holdSiblings(ctx.process, ctx.thread, ctx.interruption()).then(copy).finally(() => kernel.releaseForkHold(ctx.process));
}

/**
 * Implements Linux syscall vfork(2): the child shares the parent's memory and the parent sleeps
 * until the child execs or exits, as Linux.
 */
export function sysVfork(ctx: SyscallContext) {
  ctx.kernel.checkTaskLimit();
  const child = fork(ctx.kernel, ctx.thread, ctx.regs, { shareMemory: true }).process;
  return waitVfork(ctx, child);
}

/** The flags pthread_create passes: a thread sharing everything. */
const THREAD_FLAGS = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;

/** clone's arguments, from clone(2)'s registers or clone3(2)'s struct. */
interface CloneArgs {
  flags: number;
  stack: bigint;
  parentTid: number;
  childTid: number;
  tls: bigint;
  /** Where CLONE_PIDFD stores the child's pidfd (clone(2): parent_tid's place). */
  pidfd: number;
}

/** Implements Linux syscall clone(2): new processes, and threads (CLONE_THREAD with everything shared). */
export function sysClone(ctx: SyscallContext) {
  return cloneWith(ctx, {
    flags: Number(ctx.arg(0) & 0xffff_ffffn),
    stack: ctx.arg(1),
    parentTid: ctx.addr(2),
    childTid: ctx.addr(3),
    tls: ctx.arg(4),
    pidfd: ctx.addr(2),
  });
}

const CLONE_ARGS_SIZE_VER0 = 64;

/** Implements Linux syscall clone3(2) (no set_tid or cgroup). */
export function sysClone3(ctx: SyscallContext) {
  const size = ctx.addr(1);
  if (size < CLONE_ARGS_SIZE_VER0 || size > 4096) throw new KernelError(Errno.EINVAL);
  const raw = ctx.mem.read(ctx.addr(0), Math.min(size, 88));
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const u64 = (off: number) => (off + 8 <= raw.length ? v.getBigUint64(off, true) : 0n);
  const flags = u64(0);
  const exitSignal = u64(32);
  // cgroup is read only with CLONE_INTO_CGROUP, which we refuse.
  if (flags & CLONE_INTO_CGROUP) throw new KernelError(Errno.ENOSYS, 'cgroups are not supported yet');
  if (flags > 0xffff_ffffn || exitSignal > 64n || u64(64) !== 0n || u64(72) !== 0n) throw new KernelError(Errno.EINVAL);
  const stack = u64(40);
  const stackSize = u64(48);
  return cloneWith(ctx, {
    flags: Number(flags) | Number(exitSignal),
    stack: stack === 0n ? 0n : stack + stackSize, // clone3 gives the lowest address and a size
    parentTid: Number(u64(24)),
    childTid: Number(u64(16)),
    tls: u64(56),
    pidfd: Number(u64(8)),
  });
}

function cloneWith(ctx: SyscallContext, args: CloneArgs) {
  ctx.kernel.checkTaskLimit();
  const flags = args.flags;
  // clone(2) stores the pidfd where the parent's tid would go: both cannot be had.
  if (flags & CLONE_PIDFD && (flags & CLONE_THREAD || (flags & CLONE_PARENT_SETTID && args.pidfd === args.parentTid))) {
    throw new KernelError(Errno.EINVAL);
  }
  if (flags & CLONE_THREAD) return newThread(ctx, args);
  // CLONE_VM comes only with CLONE_VFORK here (posix_spawn's and Go's way to start a program).
  const sharesMemory = (flags & CLONE_VM) !== 0;
  if (flags & (CLONE_SIGHAND | CLONE_FS | CLONE_FILES | CLONE_SETTLS) || flags & ~SUPPORTED_CLONE
    || (sharesMemory && !(flags & CLONE_VFORK))) {
    throw new KernelError(Errno.ENOSYS, 'clone sharing state without CLONE_THREAD is not supported yet');
  }
  if ((flags & 0xff) !== Signo.SIGCHLD && (flags & 0xff) !== 0) throw new KernelError(Errno.EINVAL);
  const start = (): LinuxThread => {
    const child = fork(ctx.kernel, ctx.thread, ctx.regs, { shareMemory: sharesMemory, stack: args.stack });
    const pid = child.process.pid;
    if (flags & CLONE_PARENT_SETTID) ctx.mem.writeU32(args.parentTid, pid);
    if (flags & CLONE_CHILD_SETTID) child.process.memory.writeU32(args.childTid, pid);
    if (flags & CLONE_CHILD_CLEARTID) child.clearChildTid = args.childTid;
    if (flags & CLONE_PIDFD) ctx.mem.writeU32(args.pidfd, installPidFd(ctx, child.process));
    return child;
  };
  const finish = (child: LinuxThread) => (flags & CLONE_VFORK ? waitVfork(ctx, child.process) : child.process.pid);
  if (sharesMemory) return finish(start()); // nothing is copied
  const child = withSiblingsHeld(ctx, start);
  return child instanceof Promise ? child.then(finish) : finish(child);
}

/** clone(CLONE_THREAD…): a thread; the sharing flags must come as pthread_create gives them. */
function newThread(ctx: SyscallContext, args: CloneArgs): number {
  const flags = args.flags;
  if ((flags & THREAD_FLAGS) !== THREAD_FLAGS) {
    // Linux demands CLONE_SIGHAND with CLONE_THREAD and CLONE_VM with CLONE_SIGHAND.
    if (!(flags & CLONE_SIGHAND) || !(flags & CLONE_VM)) throw new KernelError(Errno.EINVAL);
    throw new KernelError(Errno.ENOSYS, 'threads that do not share files and fs are not supported yet');
  }
  if (flags & CLONE_VFORK) throw new KernelError(Errno.ENOSYS, 'CLONE_VFORK with CLONE_THREAD');
  const child = cloneThread(ctx.kernel, ctx.thread, ctx.regs, {
    stack: args.stack,
    tls: flags & CLONE_SETTLS ? args.tls : undefined,
  });
  if (flags & CLONE_PARENT_SETTID) ctx.mem.writeU32(args.parentTid, child.tid);
  if (flags & CLONE_CHILD_SETTID) ctx.mem.writeU32(args.childTid, child.tid);
  if (flags & CLONE_CHILD_CLEARTID) child.clearChildTid = args.childTid;
  if (flags & CLONE_SYSVSEM) ctx.kernel.sysvSem.shareUndoList(ctx.process.pid); // what kcmp's KCMP_SYSVSEM sees
  return child.tid;
}

/**
 * The parent's side of a vfork: asleep until the child execs or exits. Memory the child changed
 * meanwhile (a VMO moved by its brk, say) is then mapped again in the parent's host process.
 */
async function waitVfork(ctx: SyscallContext, child: LinuxProcess): Promise<number> {
  while (!child.releasedVfork) await child.vforkDone.wait();
  ctx.kernel.syncMemory(ctx.thread, ctx.regs);
  return child.pid;
}

/** The children `pid` selects, as wait4 reads it. */
function selected(parent: LinuxProcess, pid: number): LinuxProcess[] {
  const all = [...parent.children];
  if (pid > 0) return all.filter((c) => c.pid === pid);
  if (pid === -1) return all;
  const pgid = pid === 0 ? parent.pgid : -pid;
  return all.filter((c) => c.pgid === pgid);
}

/** A child's state change that wait4/waitid report. */
interface ChildEvent {
  child: LinuxProcess;
  /** wait4's status word. */
  status: number;
  /** waitid's si_code and si_status. */
  code: number;
  info: number;
  /** What the child and its waited-for children used (nothing for a stop or continue). */
  usage: Usage;
}

/**
 * The first reportable change among the children `pid` selects: a death (the child is reaped
 * unless WNOWAIT), or with WUNTRACED/WCONTINUED a stop or continue (collected once). Null if none;
 * ECHILD if no child is selected.
 */
function childEvent(ctx: SyscallContext, pid: number, options: number, wantExited: boolean): ChildEvent | null {
  const candidates = selected(ctx.process, pid);
  if (candidates.length === 0) throw new KernelError(Errno.ECHILD);
  const keep = (options & WNOWAIT) !== 0;
  for (const child of candidates) {
    if (child.dead && wantExited) {
      const usage = addUsage(child.usage, child.childrenUsage);
      if (!keep) {
        ctx.kernel.reap(child);
        // As Linux's: a child's usage counts for its parent once it is waited for.
        ctx.process.childrenUsage = addUsage(ctx.process.childrenUsage, usage);
      }
      const exit = child.exit ?? { code: 0, signal: 0 };
      const code = exit.signal ? (defaultAction(exit.signal) === 'core' ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED;
      return { child, status: child.waitStatus, code, info: exit.signal || exit.code, usage };
    }
    const report = child.jobReport;
    if (!report || child.dead) continue;
    if (report.kind === 'stopped' && options & WUNTRACED) {
      if (!keep) child.jobReport = null;
      return { child, status: (report.signal << 8) | 0x7f, code: CLD_STOPPED, info: report.signal, usage: NO_USAGE };
    }
    if (report.kind === 'continued' && options & WCONTINUED) {
      if (!keep) child.jobReport = null;
      return { child, status: 0xffff, code: CLD_CONTINUED, info: Signo.SIGCONT, usage: NO_USAGE };
    }
  }
  return null;
}

/** A child event, waiting for one unless WNOHANG; synchronous when no wait is needed. */
function waitChild(ctx: SyscallContext, pid: number, options: number, wantExited: boolean): ChildEvent | null | Promise<ChildEvent> {
  const ev = childEvent(ctx, pid, options, wantExited);
  if (ev || options & WNOHANG) return ev;
  return (async () => {
    for (;;) {
      await ctx.process.childEvents.wait(ctx.interruption());
      const e = childEvent(ctx, pid, options, wantExited);
      if (e) return e;
    }
  })();
}

/** Implements Linux syscall wait4(2). */
export function sysWait4(ctx: SyscallContext) {
  const pid = ctx.int(0);
  const statusAddr = ctx.addr(1);
  const options = ctx.int(2);
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE) || pid === -0x8000_0000) {
    throw new KernelError(Errno.EINVAL);
  }
  const finish = (ev: ChildEvent | null) => {
    if (!ev) return 0;
    if (statusAddr !== 0) ctx.mem.writeU32(statusAddr, ev.status);
    if (ctx.addr(3) !== 0) ctx.mem.write(ctx.addr(3), encodeRusage(ev.usage));
    return ev.child.pid;
  };
  const ev = waitChild(ctx, pid, options, true);
  return ev instanceof Promise ? ev.then(finish) : finish(ev);
}

const P_ALL = 0;
const P_PID = 1;
const P_PGID = 2;
const P_PIDFD = 3;

/**
 * The pid a waitid(P_PIDFD) waits for: the pidfd's process, which must be a child (ECHILD). A
 * non-blocking pidfd does not wait (EAGAIN) for a child that has not changed state.
 */
function pidfdChild(ctx: SyscallContext, fd: number, options: number): { pid: number; options: number; nonblocking: boolean } {
  const pidfd = pidFdOf(ctx, fd);
  const nonblocking = (pidfd.statusFlags & O_NONBLOCK) !== 0 && (options & WNOHANG) === 0;
  return { pid: pidfd.process.pid, options: nonblocking ? options | WNOHANG : options, nonblocking };
}

/** Implements Linux syscall waitid(2). */
export function sysWaitid(ctx: SyscallContext) {
  const idtype = ctx.int(0);
  const id = ctx.int(1);
  const infoAddr = ctx.addr(2);
  const options = ctx.int(3);
  const kinds = WEXITED | WUNTRACED | WCONTINUED;
  if (!(options & kinds) || options & ~(WNOHANG | kinds | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE)) {
    throw new KernelError(Errno.EINVAL);
  }
  let pid = idtype === P_ALL ? -1 : idtype === P_PID ? id : idtype === P_PGID ? (id === 0 ? 0 : -id) : NaN;
  let waitOptions = options;
  let nonblocking = false;
  if (idtype === P_PIDFD) ({ pid, options: waitOptions, nonblocking } = pidfdChild(ctx, id, options));
  if (Number.isNaN(pid)) throw new KernelError(Errno.EINVAL);
  const finish = (ev: ChildEvent | null) => {
    if (!ev && nonblocking) throw new KernelError(Errno.EAGAIN);
    // Linux's waitid takes a struct rusage too, as its fifth argument, written for a child found.
    if (ev && ctx.addr(4) !== 0) ctx.mem.write(ctx.addr(4), encodeRusage(ev.usage));
    if (infoAddr === 0) return 0;
    const info = new Uint8Array(128);
    if (ev) {
      const v = new DataView(info.buffer);
      v.setInt32(0, Signo.SIGCHLD, true); // si_signo
      v.setInt32(8, ev.code, true); // si_code
      v.setInt32(16, ev.child.pid, true); // si_pid
      v.setInt32(20, ev.child.cred.uid, true); // si_uid
      v.setInt32(24, ev.info, true); // si_status
    }
    ctx.mem.write(infoAddr, info);
    return 0;
  };
  const ev = waitChild(ctx, pid, waitOptions, (options & WEXITED) !== 0);
  return ev instanceof Promise ? ev.then(finish) : finish(ev);
}
