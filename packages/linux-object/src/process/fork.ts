/**
 * fork: a new process whose memory is a copy of the caller's. The caller's host process runs a
 * native clone (injected in place of its fork), which gives a host process already under the trap
 * and stopped; the kernel copies the VMAR (writable private mappings eagerly, read-only ones shared
 * copy-on-write, shared ones shared) and, when the child first stops, maps the copies over what the
 * host cloned, before the child runs.
 *
 * @module
 */
import { Process, Reg, Thread, ZxError, ZxStatus, type Registers } from '@rvisor/zircon-object';
import { CLONE_PTRACE, CLONE_UNTRACED, CLONE_VM } from '../abi/process.js';
import { Signo } from '../abi/signal.js';
import { Errno, KernelError } from '../errno.js';
import type { Kernel } from './kernel.js';
import { LinuxProcess, LinuxThread, inheritedScheduling } from './process.js';

const SYS_CLONE = 56;
/**
 * Added to every injected clone: the child is traced from its start (CLONE_PTRACE, which inherits
 * the tracer's options), and the parent makes no fork or clone event stop on the way (CLONE_UNTRACED
 * turns the event off, not the tracing). That stop was one more wait for the tracer per fork and
 * per thread; the options that report it stay on, for any clone the kernel did not make.
 */
const TRACED_NO_EVENT = CLONE_UNTRACED | CLONE_PTRACE;

/** How a forked child starts. */
export interface ForkOptions {
  /**
   * The child's memory: a copy of the parent's (the default); 'borrowed', the parent's until the
   * child execs or exits (vfork, and clone with CLONE_VM | CLONE_VFORK: the host clone already maps
   * the same pmem frames); or 'same', the parent's address space itself, for good (clone with
   * CLONE_VM alone: the host clone shares the host's too, so a mapping either makes is both's).
   */
  memory?: 'copy' | 'borrowed' | 'same';
  /**
   * With 'copy': share the large writable memory copy-on-write instead of copying it now
   * (`Vmar.fork`'s `lazyExcept`). Only when no other thread of the process waits in a call that
   * may hold views of its memory, whose later writes would reach the child.
   */
  lazyCopies?: boolean;
  /** Share the parent's fd table (CLONE_FILES), its root, cwd and umask (CLONE_FS), its signal handlers (CLONE_SIGHAND). */
  shareFiles?: boolean;
  shareFs?: boolean;
  shareSignalHandlers?: boolean;
  /** The child's stack pointer (clone's stack argument; 0: the parent's). */
  stack?: bigint;
  /** Its TLS base (CLONE_SETTLS). */
  tls?: bigint;
  /** What its parent gets when it exits (clone's low byte; 0: nothing). SIGCHLD by default. */
  exitSignal?: number;
}

/**
 * Fork the process of `thread`, stopped in a syscall with registers `regs`. Returns the child's
 * only thread, which the kernel starts at its first stop (see {@link Kernel.startForkedThread}).
 */
export function fork(kernel: Kernel, thread: LinuxThread, regs: Registers, options: ForkOptions = {}): LinuxThread {
  const parent = thread.process;
  const same = options.memory === 'same';
  const vmar = same ? parent.vmar : kernel.newVmar();
  const letGo = () => (same ? vmar.sharers.leave() : vmar.destroy());
  if (same) vmar.sharers.add();
  else {
    try {
      // The snapshot, taken while the parent is stopped; the host clone below gives the child the
      // parent's host mappings, so only its copies need mapping at its first stop.
      const lazyExcept = options.lazyCopies ? Number(regs[Reg.rsp]) : undefined; // the caller's stack is copied now
      parent.vmar.fork(vmar, { hostInherits: true, share: options.memory === 'borrowed', lazyExcept });
      // What the fork left pending (copy-on-write's write protection) is made before the host
      // clone, which inherits it.
      kernel.syncMemory(thread, regs);
    } catch (err) {
      letGo();
      if (err instanceof ZxError && err.status === ZxStatus.ERR_NO_MEMORY) throw new KernelError(Errno.ENOMEM);
      throw err;
    }
  }
  const hostFlags = Signo.SIGCHLD | TRACED_NO_EVENT | (same ? CLONE_VM : 0);
  const [res] = kernel.platform.inject(thread.hostTid, regs, [{ nr: SYS_CLONE, args: [hostFlags, same ? options.stack ?? 0n : 0, 0, 0, 0, 0] }]);
  if (res < 0n) {
    letGo();
    throw new KernelError(Number(-res) as Errno, 'host clone failed');
  }
  const zxProcess = new Process(kernel.rootJob, parent.zx.name, { vmar });
  if (options.shareFiles) parent.fds.sharers.add();
  const fds = options.shareFiles ? parent.fds : parent.fds.fork();
  const child = new LinuxProcess(zxProcess, kernel.allocatePid(), parent, fds, options.shareFs ? parent.fs : parent.fs.fork(), {
    ...parent.cred,
    groups: [...parent.cred.groups],
  });
  child.exitSignal = options.exitSignal ?? Signo.SIGCHLD;
  child.hostPid = Number(res);
  child.brkStart = parent.brkStart;
  child.brk = parent.brk;
  child.argv = parent.argv;
  child.auxv = parent.auxv;
  child.envp = parent.envp;
  child.exe = parent.exe;
  child.personality = parent.personality;
  child.noNewPrivs = parent.noNewPrivs;
  child.dumpable = parent.dumpable;
  child.keepCaps = parent.keepCaps;
  child.timerSlack = parent.timerSlack;
  child.thpDisable = parent.thpDisable;
  child.pgid = parent.pgid;
  child.sid = parent.sid;
  if (options.shareSignalHandlers) child.sigactions = parent.sigactions;
  else for (const [sig, act] of parent.sigactions) child.sigactions.set(sig, act);
  for (const [res, lim] of parent.rlimits) child.rlimits.set(res, { ...lim });
  parent.children.add(child);
  kernel.processes.set(child.pid, child);
  const childThread = new LinuxThread(new Thread(zxProcess, thread.zx.name), child.pid, Number(res), child);
  childThread.signalMask = thread.signalMask;
  childThread.sched = inheritedScheduling(thread.sched);
  childThread.altStack = thread.altStack && { ...thread.altStack };
  childThread.seccomp = thread.seccomp;
  childThread.affinity = thread.affinity;
  // The child returns 0 from fork with the parent's registers otherwise.
  childThread.savedRegs.set(regs);
  childThread.savedRegs[Reg.rax] = 0n;
  childThread.savedRegs[Reg.orig_rax] = 0xffff_ffff_ffff_ffffn;
  if (options.stack) childThread.savedRegs[Reg.rsp] = options.stack;
  if (options.tls !== undefined) childThread.savedRegs[Reg.fs_base] = options.tls;
  kernel.threadsByHostTid.set(childThread.hostTid, childThread);
  kernel.unstartedThreads.add(childThread);
  return childThread;
}

/** What a new thread starts with (clone's arguments, already checked by the caller). */
export interface ThreadStart {
  /** The new thread's stack pointer (0: the caller's). */
  stack: bigint;
  /** Its TLS base (fs_base), when CLONE_SETTLS was given. */
  tls?: bigint;
}

/**
 * Create a thread in the process of `thread` (clone with CLONE_VM | CLONE_THREAD): the host
 * process gets a host thread by an injected native clone, so it shares the address space — and
 * with it the VMAR, which is the process's. Returns the new thread, started at its first stop.
 */
export function cloneThread(kernel: Kernel, thread: LinuxThread, regs: Registers, start: ThreadStart): LinuxThread {
  const proc = thread.process;
  // Host-level sharing only; tids, TLS and the tid words are the kernel's to set.
  const HOST_FLAGS = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000; // VM FS FILES SIGHAND THREAD SYSVSEM
  const [res] = kernel.platform.inject(thread.hostTid, regs, [{ nr: SYS_CLONE, args: [HOST_FLAGS | TRACED_NO_EVENT, start.stack, 0, 0, 0, 0] }]);
  if (res < 0n) throw new KernelError(Number(-res) as Errno, 'host clone failed');
  const child = new LinuxThread(new Thread(proc.zx, thread.zx.name), kernel.allocatePid(), Number(res), proc);
  child.signalMask = thread.signalMask;
  child.sched = inheritedScheduling(thread.sched);
  child.seccomp = thread.seccomp;
  child.affinity = thread.affinity;
  child.savedRegs.set(regs);
  child.savedRegs[Reg.rax] = 0n;
  child.savedRegs[Reg.orig_rax] = 0xffff_ffff_ffff_ffffn;
  if (start.stack !== 0n) child.savedRegs[Reg.rsp] = start.stack;
  if (start.tls !== undefined) child.savedRegs[Reg.fs_base] = start.tls;
  kernel.threadsByHostTid.set(child.hostTid, child);
  kernel.unstartedThreads.add(child);
  return child;
}
