/**
 * Process creation and reaping: fork, vfork, clone (new processes), wait4, waitid.
 *
 * @module
 */
import {
  CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_FILES, CLONE_FS, CLONE_INTO_CGROUP, CLONE_PARENT_SETTID,
  CLONE_DETACHED, CLONE_IO, CLONE_PIDFD, CLONE_PTRACE, CLONE_SETTLS, CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD,
  CLONE_UNTRACED, CLONE_VFORK, CLONE_VM, WCONTINUED, WEXITED, WNOHANG,
  WNOWAIT, WUNTRACED, __WALL, __WCLONE, __WNOTHREAD,
  CLD_CONTINUED, CLD_STOPPED, CLD_TRAPPED, Errno, KernelError, Signo, cloneThread, NO_USAGE, O_NONBLOCK,
  PTRACE_EVENT_CLONE, PTRACE_EVENT_FORK, PTRACE_EVENT_VFORK, addUsage, childCreated, exitCode, fork,
  type LinuxProcess, type LinuxThread, type Usage,
} from '@rvisor/linux-object';
import { contextOf, type SyscallContext } from '../context.js';
import { SYS } from '../generated/numbers.js';
import { installPidFd, pidFdOf } from './pidfd.js';
import { encodeRusage } from './time.js';

/** What clone can do for a new process (namespaces, CLONE_PARENT and CLONE_SYSVSEM not yet). */
const SUPPORTED_CLONE = 0xff | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PIDFD | CLONE_PTRACE | CLONE_VFORK
  | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO;


/**
 * The calls a thread may wait in while its process forks with memory shared copy-on-write: they
 * write the caller's memory, if at all, only once they end, through the address space as it is
 * then. Others (a read, say) may hold views of the memory they will fill, and a fork meanwhile
 * copies the memory at once, or what they write later would reach the child too.
 */
const WAITS_WITHOUT_VIEWS = new Set<number>([
  SYS.futex, SYS.nanosleep, SYS.clock_nanosleep, SYS.pause, SYS.rt_sigsuspend, SYS.wait4, SYS.waitid,
  SYS.epoll_wait, SYS.epoll_pwait, SYS.epoll_pwait2,
]);

/** Whether the caller's process may fork with its large writable memory shared copy-on-write. */
function mayCopyLazily(ctx: SyscallContext): boolean {
  if (ctx.process.vmar.sharers.many) return false;
  for (const t of ctx.process.threads.values()) {
    const waiting = t === ctx.thread ? 0 : contextOf(t)?.blockedIn ?? 0;
    if (waiting !== 0 && !WAITS_WITHOUT_VIEWS.has(waiting)) return false;
  }
  return true;
}

/** Implements Linux syscall fork(2). */
export function sysFork(ctx: SyscallContext) {
  ctx.kernel.checkTaskLimit();
  return withSiblingsHeld(ctx, () => {
    const child = fork(ctx.kernel, ctx.thread, ctx.regs, { lazyCopies: mayCopyLazily(ctx) });
    childCreated(ctx.thread, child, PTRACE_EVENT_FORK, 0);
    return child.process.pid;
  });
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
  const child = fork(ctx.kernel, ctx.thread, ctx.regs, { memory: 'borrowed' });
  childCreated(ctx.thread, child, PTRACE_EVENT_VFORK, 0);
  return waitVfork(ctx, child.process);
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
  // Linux demands CLONE_VM with CLONE_SIGHAND, and an exit signal that is a signal.
  if ((flags & CLONE_SIGHAND && !(flags & CLONE_VM)) || (flags & 0xff) > 64) throw new KernelError(Errno.EINVAL);
  if (flags & ~SUPPORTED_CLONE) throw new KernelError(Errno.ENOSYS, 'clone with namespaces, CLONE_PARENT or CLONE_SYSVSEM is not supported yet');
  // With CLONE_VFORK the child borrows the memory until it execs (posix_spawn's and Go's way to
  // start a program); without it, the two processes keep one address space (LeakSanitizer's tracer).
  const sharesMemory = (flags & CLONE_VM) !== 0;
  const vfork = (flags & CLONE_VFORK) !== 0;
  const start = (): LinuxThread => {
    const child = fork(ctx.kernel, ctx.thread, ctx.regs, {
      memory: !sharesMemory ? 'copy' : vfork ? 'borrowed' : 'same',
      lazyCopies: !sharesMemory && mayCopyLazily(ctx),
      shareFiles: (flags & CLONE_FILES) !== 0,
      shareFs: (flags & CLONE_FS) !== 0,
      shareSignalHandlers: (flags & CLONE_SIGHAND) !== 0,
      stack: args.stack,
      tls: flags & CLONE_SETTLS ? args.tls : undefined,
      exitSignal: flags & 0xff,
    });
    const pid = child.process.pid;
    if (flags & CLONE_PARENT_SETTID) ctx.mem.writeU32(args.parentTid, pid);
    if (flags & CLONE_CHILD_SETTID) child.process.memory.writeU32(args.childTid, pid);
    if (flags & CLONE_CHILD_CLEARTID) child.clearChildTid = args.childTid;
    if (flags & CLONE_PIDFD) ctx.mem.writeU32(args.pidfd, installPidFd(ctx, child.process));
    const event = vfork ? PTRACE_EVENT_VFORK : (flags & 0xff) !== Signo.SIGCHLD ? PTRACE_EVENT_CLONE : PTRACE_EVENT_FORK;
    childCreated(ctx.thread, child, event, flags);
    return child;
  };
  const finish = (child: LinuxThread) => (vfork ? waitVfork(ctx, child.process) : child.process.pid);
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
  childCreated(ctx.thread, child, PTRACE_EVENT_CLONE, flags);
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

/** Whether `pid`, as wait4 reads it, selects process `pid`'s or thread `tid`'s of process group `pgid`. */
function selects(waiter: LinuxProcess, pid: number, id: number, pgid: number): boolean {
  if (pid > 0) return id === pid;
  return pid === -1 || pgid === (pid === 0 ? waiter.pgid : -pid);
}

/**
 * The children `pid` and `options` select, as wait4 reads them: without __WALL, __WCLONE picks the
 * children whose exit signal is not SIGCHLD, and its absence the others (Linux's eligible_child).
 */
function selected(parent: LinuxProcess, pid: number, options: number): LinuxProcess[] {
  const clone = (options & __WCLONE) !== 0;
  return [...parent.children].filter((c) => selects(parent, pid, c.pid, c.pgid)
    && ((options & __WALL) !== 0 || (c.exitSignal !== Signo.SIGCHLD) === clone));
}

const NO_TRACEES: readonly LinuxThread[] = [];

/** The threads `tracer` traces that `pid` selects (whatever their exit signal). */
function selectedTracees(tracer: LinuxProcess, pid: number): readonly LinuxThread[] {
  if (tracer.tracees.size === 0) return NO_TRACEES;
  return [...tracer.tracees].filter((t) => selects(tracer, pid, t.tid, t.process.pgid));
}

/** A child's state change that wait4/waitid report. */
interface ChildEvent {
  /** The child's pid, or a tracee's tid. */
  pid: number;
  uid: number;
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
  const candidates = selected(ctx.process, pid, options);
  const tracees = selectedTracees(ctx.process, pid);
  if (candidates.length === 0 && tracees.length === 0) throw new KernelError(Errno.ECHILD);
  const keep = (options & WNOWAIT) !== 0;
  const traced = traceeEvent(ctx.process, tracees, keep, wantExited);
  if (traced !== null) return traced;
  for (const child of candidates) {
    if (child.dead && wantExited) {
      const usage = addUsage(child.usage, child.childrenUsage);
      if (!keep) {
        ctx.kernel.reap(child);
        // As Linux's: a child's usage counts for its parent once it is waited for.
        ctx.process.childrenUsage = addUsage(ctx.process.childrenUsage, usage);
      }
      const exit = child.exit ?? { code: 0, signal: 0 };
      const code = exitCode(exit.signal);
      return { pid: child.pid, uid: child.cred.uid, status: child.waitStatus, code, info: exit.signal || exit.code, usage };
    }
    const report = child.jobReport;
    if (!report || child.dead) continue;
    const { pid: id, cred: { uid } } = child;
    if (report.kind === 'stopped' && options & WUNTRACED) {
      if (!keep) child.jobReport = null;
      return { pid: id, uid, status: (report.signal << 8) | 0x7f, code: CLD_STOPPED, info: report.signal, usage: NO_USAGE };
    }
    if (report.kind === 'continued' && options & WCONTINUED) {
      if (!keep) child.jobReport = null;
      return { pid: id, uid, status: 0xffff, code: CLD_CONTINUED, info: Signo.SIGCONT, usage: NO_USAGE };
    }
  }
  return null;
}

/**
 * A tracee's stop not yet collected (reported whatever WUNTRACED says, as Linux's), or the exit
 * of a tracee that is gone, which the wait then forgets unless WNOWAIT.
 */
function traceeEvent(tracer: LinuxProcess, tracees: readonly LinuxThread[], keep: boolean, wantExited: boolean): ChildEvent | null {
  for (const t of tracees) {
    const tracing = t.ptrace!;
    const uid = t.process.cred.uid;
    const status = tracing.exitStatus;
    if (status !== null) {
      if (!wantExited) continue;
      if (!keep) {
        tracer.tracees.delete(t);
        t.ptrace = null;
      }
      const signal = status & 0x7f;
      return { pid: t.tid, uid, status, code: exitCode(signal), info: signal || status >> 8, usage: NO_USAGE };
    }
    const stop = tracing.stop;
    if (stop === null || stop.reported) continue;
    if (!keep) stop.reported = true;
    return { pid: t.tid, uid, status: stop.status, code: CLD_TRAPPED, info: (stop.status >> 8) & 0xff, usage: NO_USAGE };
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
    return ev.pid;
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
      v.setInt32(16, ev.pid, true); // si_pid
      v.setInt32(20, ev.uid, true); // si_uid
      v.setInt32(24, ev.info, true); // si_status
    }
    ctx.mem.write(infoAddr, info);
    return 0;
  };
  const ev = waitChild(ctx, pid, waitOptions, (options & WEXITED) !== 0);
  return ev instanceof Promise ? ev.then(finish) : finish(ev);
}
