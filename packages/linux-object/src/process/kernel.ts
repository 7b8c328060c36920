/**
 * The kernel's shared state: the platform, physical memory, the file tree, timers, and every
 * process and thread, with their guest (virtual) ids and host ids.
 *
 * @module
 */
import { totalmem } from 'node:os';
import { TimerQueue, monotonicClock, type Clock } from '@rvisor/async-executor';
import {
  Job, PmemAllocator, MemoryAccount, Process, Thread, Vmar, Vmo,
  type Platform, type Registers,
} from '@rvisor/zircon-object';
import { Errno, KernelError } from '../errno.js';
import type { FdTable } from '../fs/fd-table.js';
import { FsContext } from '../fs/fs-context.js';
import { HostReadiness } from '../fs/host-readiness.js';
import { Readiness } from '../fs/readiness.js';
import type { FileSystem } from '../fs/inode.js';
import { Vfs } from '../fs/vfs.js';
import { MMAP_BASE, USER_BASE, USER_END } from './layout.js';
import { LinuxProcess, LinuxThread, type Credentials } from './process.js';
import { Futexes } from './futex.js';
import { SysvShm } from '../ipc/shm.js';
import { SysvSem } from '../ipc/sem.js';
import { SysvMsg } from '../ipc/msg.js';
import { MessageQueues } from '../ipc/mqueue.js';
import type { FileContents } from './file-contents.js';
import { ImageCache, KeptFiles } from './image-cache.js';
import { VdsoImage } from './vdso.js';
import { LoopbackNetwork } from '../net/loopback.js';
import {
  CLD_CONTINUED, CLD_STOPPED, SA_NOCLDSTOP, SA_NOCLDWAIT, SIG_IGN, SI_USER, exitCode, sendSignal, type SigInfo,
} from './signals.js';
import { groupContinued, traceeGone, tracerGone, type PtraceStop } from './ptrace.js';
import { Signo } from '../abi/signal.js';

const SYS_EXIT = 60;

/** The Linux release guests see (uname, /proc/version). */
export const KERNEL_RELEASE = '6.1.0-rvisor';

/** Options of {@link Kernel}. */
export interface KernelOptions {
  platform: Platform;
  /** The CPUs the container sees, at most the platform's (a cpuset's count). Default: the platform's. */
  cpus?: number;
  /** The container's root file system. */
  rootFs: FileSystem;
  /** The container's hostname (uname, /proc/sys/kernel/hostname). */
  hostname?: string;
  /** Memory limit for all guest memory in bytes (undefined: only pmem's size). */
  memoryLimit?: number;
  /** Host readiness probe for watched host fds (poll with a zero timeout). */
  pollNow?: (fd: number, events: number) => number;
  /**
   * Physical memory shared with other kernels on the same platform (the containers of one
   * sandbox); default: a new allocator over all of the platform's pmem.
   */
  allocator?: PmemAllocator;
  /** The most tasks (threads of all processes) the container may have; fork and clone give EAGAIN past it. */
  pidsLimit?: number;
  /** The network the container joins (the other containers of its pod share it); default: one of its own. */
  loopback?: LoopbackNetwork;
}

/** The kernel of one sandbox. */
export class Kernel {
  readonly platform: Platform;
  /**
   * The CPUs the container's cpuset holds (linux.resources.cpu.cpus), which it sees at most;
   * Infinity for no cpuset. An update of the cpuset changes it.
   */
  cpuLimit: number;
  readonly allocator: PmemAllocator;
  readonly memoryAccount: MemoryAccount;
  readonly vfs: Vfs;
  /** CLOCK_MONOTONIC, the one every guest-visible time comes from (the vDSO's, when there is one). */
  readonly clock: Clock;
  /** CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns. */
  readonly realtimeOffset: bigint;
  readonly timers: TimerQueue;
  readonly futexes: Futexes;
  /** System V shared memory segments, semaphore sets and message queues (the container's IPC namespace). */
  readonly sysvShm: SysvShm;
  readonly sysvSem: SysvSem;
  readonly sysvMsg = new SysvMsg();
  /** POSIX message queues (mq_open). */
  readonly mqueues: MessageQueues;
  /** The container's network: its loopback interface (AF_INET and AF_INET6 sockets), maybe its pod's. */
  readonly loopback: LoopbackNetwork;
  /** What execve maps for time without traps; null: guests trap for time. */
  readonly vdso: VdsoImage | null;
  readonly readiness: HostReadiness;
  /** Notified whenever a signal becomes pending anywhere: what a signalfd's poll waits on. */
  readonly signalArrivals = new Readiness();
  /** ELF images kept between execs (charged to the container; dropped when it runs short). */
  readonly images = new ImageCache();
  /** The bytes of files guests map, kept between mappings (charged and dropped the same way). */
  readonly mappedFiles = new KeptFiles<FileContents>();
  readonly rootJob = Job.createRoot();
  readonly processes = new Map<number, LinuxProcess>();
  /** The user and system time, in µs, of the container's processes that have exited (/proc/stat). */
  readonly endedCpu = { user: 0, system: 0 };
  readonly threadsByHostTid = new Map<number, LinuxThread>();
  /** Forked threads whose host task has not stopped yet: their memory is set up at that stop. */
  readonly unstartedThreads = new Set<LinuxThread>();
  /** The container's hostname and NIS domain name (its UTS namespace): sethostname and setdomainname change them. */
  hostname: string;
  domainname = '(none)';
  /**
   * The memory guests see as the machine's (sysinfo's totalram, /proc/meminfo's MemTotal): the
   * container's limit, or the host's memory when there is none or the limit is larger.
   */
  get memoryTotal(): number {
    return Math.min(this.memoryAccount.limit, totalmem());
  }

  /** The task limit (a pids cgroup's pids.max); undefined: none. */
  pidsLimit: number | undefined;
  /** Paused (a cgroup freezer's FROZEN): no guest thread returns to guest code until thawed. */
  frozen = false;
  /** Threads that stopped while frozen, with their registers saved; resumed by {@link thaw}. */
  readonly frozenThreads: LinuxThread[] = [];
  /**
   * Let a tracee stopped for its tracer go on (the run loop's): from a syscall-enter-stop its call
   * runs; otherwise `signal` is delivered first, and at a syscall's return the restart rules apply.
   */
  resumeTraced: ((thread: LinuxThread, signal: SigInfo | null, stop: PtraceStop) => void) | null = null;
  /**
   * The thread whose syscall is being answered, set by the run loop before each handler: not
   * always the thread at the platform's last stop (a tracee's call runs when its tracer resumes it).
   */
  caller: LinuxThread | null = null;

  /** The calling thread (what /proc/self, /proc/thread-self and /dev/tty mean). */
  callingThread(): LinuxThread | undefined {
    return this.caller ?? this.threadsByHostTid.get(this.platform.event.tid);
  }

  /** Told when a process has exited (its last thread is gone), after its parent was told. */
  onProcessDied: ((proc: LinuxProcess) => void) | null = null;
  #nextPid = 1;

  /**
   * The CPUs the container sees (/proc/cpuinfo, /sys, sched_getaffinity): those its guests may
   * run on at once (the platform's, which a new cpuset may change), at most {@link cpuLimit}.
   */
  get cpus(): number {
    return Math.max(1, Math.min(this.platform.cpus ?? 1, this.cpuLimit));
  }

  constructor(options: KernelOptions) {
    this.platform = options.platform;
    this.cpuLimit = options.cpus ?? Infinity;
    this.allocator = options.allocator ?? new PmemAllocator(options.platform.pmem);
    this.pidsLimit = options.pidsLimit;
    this.memoryAccount = new MemoryAccount(options.memoryLimit);
    this.memoryAccount.reclaim = () => {
      const images = this.images.clear();
      return this.mappedFiles.clear() || images;
    };
    const time = options.platform.time;
    this.clock = time?.clock ?? monotonicClock;
    this.realtimeOffset = time?.realtimeOffset ?? BigInt(Date.now()) * 1_000_000n - this.clock.now();
    this.timers = new TimerQueue(this.clock);
    this.futexes = new Futexes(this.timers);
    this.sysvShm = new SysvShm({ allocator: this.allocator, account: this.memoryAccount });
    this.sysvSem = new SysvSem(this.timers);
    this.mqueues = new MessageQueues(this.timers);
    this.vdso = time?.vdso ? new VdsoImage(time, time.vdso, this.allocator, this.memoryAccount) : null;
    this.vfs = new Vfs(options.rootFs);
    this.loopback = options.loopback ?? new LoopbackNetwork();
    this.hostname = options.hostname ?? 'rvisor';
    this.readiness = new HostReadiness(options.platform, options.pollNow ?? (() => 0));
  }

  /** A fresh, empty guest address space. */
  newVmar(): Vmar {
    const r = this.platform.reserved;
    return new Vmar({
      base: USER_BASE,
      size: USER_END - USER_BASE,
      pmemGuestFd: this.platform.pmemGuestFd,
      reserved: [{ start: r.start, end: r.end }],
      mmapBase: MMAP_BASE,
      demandMemory: (len) => Vmo.create(this.allocator, len, { account: this.memoryAccount }),
    });
  }

  /**
   * Create a process with one thread in a new guest host process (the container's init when
   * `parent` is null). The thread is stopped at a syscall stop, ready for execve.
   */
  createProcess(options: { parent: LinuxProcess | null; fds: FdTable; fs: FsContext; cred: Credentials; name: string }): LinuxThread {
    const hostTid = this.platform.spawn();
    const pid = this.allocatePid();
    const zxProcess = new Process(this.rootJob, options.name, { vmar: this.newVmar() });
    const proc = new LinuxProcess(zxProcess, pid, options.parent, options.fds, options.fs, options.cred);
    proc.hostPid = hostTid;
    options.parent?.children.add(proc);
    this.processes.set(pid, proc);
    const zxThread = new Thread(zxProcess, options.name);
    const thread = new LinuxThread(zxThread, pid, hostTid, proc);
    this.threadsByHostTid.set(hostTid, thread);
    this.platform.saveRegisters(this.platform.regs, thread.savedRegs);
    return thread;
  }

  /**
   * Throw EAGAIN if one more task would pass the task limit (what fork and clone check first):
   * live threads and zombies count, as in a pids cgroup.
   */
  checkTaskLimit(): void {
    if (this.pidsLimit === undefined || this.threadsByHostTid.size < this.pidsLimit - this.processes.size) return;
    // As a pids cgroup, a zombie holds its pid until it is reaped.
    let zombies = 0;
    for (const p of this.processes.values()) if (p.dead) zombies++;
    if (this.threadsByHostTid.size + zombies >= this.pidsLimit) {
      throw new KernelError(Errno.EAGAIN, `task limit ${this.pidsLimit} reached`);
    }
  }

  /**
   * Pause every guest thread: running ones are interrupted, and the run loop keeps each thread
   * that stops in {@link frozenThreads} instead of resuming it. Handlers already blocked go on
   * waiting; their threads freeze when they finish.
   */
  freeze(): void {
    this.frozen = true;
    for (const t of this.threadsByHostTid.values()) if (t.running) this.platform.interrupt(t.hostTid);
  }

  /** Undo {@link freeze}: the frozen threads go on from where they stopped. */
  thaw(): void {
    this.frozen = false;
    for (const t of this.frozenThreads.splice(0)) {
      if (!this.threadsByHostTid.has(t.hostTid)) continue;
      if (t.process.stopped) {
        t.process.parked.push(t); // stopped by a signal meanwhile: SIGCONT resumes it
        continue;
      }
      this.platform.resumeAndWait(t.hostTid, t.savedRegs, 0, 0);
      t.running = true;
    }
  }

  /** The next guest pid. */
  allocatePid(): number {
    return this.#nextPid++;
  }

  /**
   * A forked thread's host task stopped for the first time: map its copied memory over what the
   * host cloned. The caller then resumes it with `thread.savedRegs`.
   */
  startForkedThread(thread: LinuxThread): void {
    this.unstartedThreads.delete(thread);
    this.syncMemory(thread, thread.savedRegs);
  }

  /**
   * The last thread of `proc` is gone: free its memory and files, hand its children to init, and
   * tell its parent. It stays a zombie (in `processes`) until reaped. When init dies, every other
   * process of the container is killed, as in a pid namespace.
   */
  processDied(proc: LinuxProcess): void {
    proc.dead = true;
    this.endedCpu.user += proc.usage?.user ?? 0;
    this.endedCpu.system += proc.usage?.system ?? 0;
    proc.exitReadiness?.notify(); // its pidfds poll readable
    for (const t of proc.itimers) t?.disarm();
    this.sysvSem.exited(proc.pid); // its SEM_UNDO adjustments
    for (const t of proc.posixTimers.values()) t.disarm();
    proc.posixTimers.clear();
    this.releaseProcess(proc);
    tracerGone(this, proc);
    // Out of the root job's list: otherwise every process the kernel ever ran stays reachable.
    proc.zx.exit(proc.exit?.code ?? 0);
    proc.releaseVfork();
    // Orphans go to the nearest living ancestor that is a child subreaper, else to init.
    let reaper = this.processes.get(1);
    for (let p = proc.parent; p; p = p.parent) {
      if (p.childSubreaper && !p.dead) {
        reaper = p;
        break;
      }
    }
    for (const child of proc.children) {
      if (child.parentDeathSignal !== 0 && !child.dead) {
        sendSignal(this, child, { signo: child.parentDeathSignal, code: SI_USER, pid: proc.pid, uid: proc.cred.uid });
      }
      if (reaper && reaper !== proc) {
        child.parent = reaper;
        reaper.children.add(child);
        if (child.dead) reaper.childEvents.wakeAll();
      } else {
        child.parent = null;
      }
    }
    proc.children.clear();
    if (proc.pid === 1) {
      for (const t of this.threadsByHostTid.values()) this.platform.kill(t.hostTid);
      this.images.close(); // the container is over: no more execs
      this.mappedFiles.close();
      this.vdso?.close();
    }
    const parent = proc.parent;
    if (parent) {
      // A parent that ignores SIGCHLD, or set SA_NOCLDWAIT, leaves no zombie to reap (Linux's
      // autoreap): its wait blocks until every child is gone, then fails with ECHILD.
      // Only a child whose exit signal is SIGCHLD is reaped so, as in Linux's do_notify_parent.
      const action = parent.sigaction(Signo.SIGCHLD);
      const sigchld = proc.exitSignal === Signo.SIGCHLD;
      const ignored = sigchld && action.handler === SIG_IGN;
      if (ignored || (sigchld && (action.flags & SA_NOCLDWAIT) !== 0)) this.reap(proc);
      parent.childEvents.wakeAll();
      const exit = proc.exit ?? { code: 0, signal: 0 };
      if (!ignored && proc.exitSignal !== 0) {
        sendSignal(this, parent, {
          signo: proc.exitSignal,
          code: exitCode(exit.signal),
          pid: proc.pid,
          uid: proc.cred.uid,
          status: exit.signal || exit.code,
        });
      }
    } else {
      this.processes.delete(proc.pid); // nobody will reap it
    }
    this.onProcessDied?.(proc);
  }

  /**
   * End `proc` as a signal's default action would: it dies with `signal` as its status. The host
   * tasks get SIGKILL, which takes effect before any of them runs guest code again.
   */
  killProcess(proc: LinuxProcess, signal: number): void {
    for (const t of proc.itimers) t?.disarm();
    proc.exit ??= { code: 0, signal };
    for (const t of proc.threads.values()) this.platform.kill(t.hostTid);
  }

  /**
   * Keep `proc`'s threads other than `forking` out of guest code, for a fork: Linux copies an
   * address space at one instant for all its threads, and the copy here takes time, during which
   * a running sibling would write into it. Running siblings are interrupted; each is held at its
   * next stop (the run loop's gate) until {@link releaseForkHold}. Resolves once none runs.
   */
  async holdSiblings(proc: LinuxProcess, forking: LinuxThread, signal?: AbortSignal): Promise<void> {
    proc.heldForFork = true;
    const running = () => [...proc.threads.values()].filter((t) => t !== forking && t.running);
    for (const t of running()) this.platform.interrupt(t.hostTid);
    while (running().length > 0) await proc.forkHoldChanged.wait(signal);
  }

  /** Let the threads {@link holdSiblings} held go on (or wait on, if the process stopped or froze meanwhile). */
  releaseForkHold(proc: LinuxProcess): void {
    proc.heldForFork = false;
    for (const t of proc.forkHeld.splice(0)) {
      if (!this.threadsByHostTid.has(t.hostTid)) continue;
      if (proc.stopped) proc.parked.push(t);
      else if (this.frozen) this.frozenThreads.push(t);
      else {
        this.platform.resumeAndWait(t.hostTid, t.savedRegs, 0, 0);
        t.running = true;
      }
    }
  }

  /**
   * Job control: stop `proc` (its running threads are made to stop, and every thread is parked at
   * its next return to guest code) and tell the parent.
   */
  stopProcess(proc: LinuxProcess, signal: number): void {
    proc.stopped = true;
    proc.stopSignal = signal;
    proc.jobReport = { kind: 'stopped', signal };
    for (const t of proc.threads.values()) if (t.running) this.platform.interrupt(t.hostTid);
    this.#notifyParent(proc, CLD_STOPPED, signal);
  }

  /** Job control: let a stopped `proc` run again and tell the parent. */
  continueProcess(proc: LinuxProcess): void {
    proc.stopped = false;
    proc.jobReport = { kind: 'continued', signal: Signo.SIGCONT };
    groupContinued(this, proc);
    for (const t of proc.parked.splice(0)) {
      if (!this.threadsByHostTid.has(t.hostTid)) continue;
      this.platform.resumeAndWait(t.hostTid, t.savedRegs, 0, 0);
      t.running = true;
    }
    this.#notifyParent(proc, CLD_CONTINUED, Signo.SIGCONT);
  }

  /** Wake the parent's wait4 and send it SIGCHLD for a stop or continue (unless SA_NOCLDSTOP). */
  #notifyParent(proc: LinuxProcess, code: number, signal: number): void {
    const parent = proc.parent;
    if (!parent || parent.dead) return;
    parent.childEvents.wakeAll();
    if ((parent.sigaction(Signo.SIGCHLD).flags & SA_NOCLDSTOP) !== 0) return;
    sendSignal(this, parent, { signo: Signo.SIGCHLD, code, pid: proc.pid, uid: proc.cred.uid, status: signal });
  }

  /**
   * End one thread of a process that goes on (execve's other threads): a native exit is injected
   * into its host thread, stopped at `regs`. The injection cannot return; the thread is then gone.
   */
  endThread(thread: LinuxThread, regs: Registers): void {
    try {
      this.platform.inject(thread.hostTid, regs, [{ nr: SYS_EXIT, args: [0] }]);
    } catch {
      // expected: the host thread exited during the injection
    }
    this.reapHostThread(thread.hostTid);
  }

  /**
   * execve's first step in a multithreaded process (Linux's de_thread): every other thread ends.
   * Threads stopped in the kernel end now; running ones are made to stop and end there.
   */
  async endOtherThreads(thread: LinuxThread): Promise<void> {
    const proc = thread.process;
    for (const t of [...proc.threads.values()]) {
      if (t === thread) continue;
      t.exiting = true;
      if (t.running) this.platform.interrupt(t.hostTid);
      else if (t.blocker) t.blocker.abort(new KernelError(Errno.EINTR));
    }
    while (proc.threads.size > 1) await proc.threadExits.wait();
  }

  /** The live process that has a thread `tid` (thread ids are the container's, as pids are). */
  processOfThread(tid: number): LinuxProcess | undefined {
    for (const proc of this.processes.values()) if (!proc.dead && proc.threads.has(tid)) return proc;
    return undefined;
  }

  /** wait4's reaping: the zombie disappears. */
  reap(proc: LinuxProcess): void {
    proc.parent?.children.delete(proc);
    this.processes.delete(proc.pid);
    proc.exitReadiness?.notify(); // its pidfds hang up
  }

  /** A new fs context at the container root. */
  newFsContext(): FsContext {
    return new FsContext(this.vfs);
  }

  /**
   * Make the guest's host process match its VMAR: run the pending mmap/munmap/mprotect calls in it
   * (the thread must be stopped, with `regs` its registers). A failure here means the host refused a
   * mapping the kernel already granted; the guest cannot go on consistently, so it is killed.
   */
  syncMemory(thread: LinuxThread, regs: Registers): void {
    const vmar = thread.process.vmar;
    const ops = vmar.takeHostOps();
    if (ops.length === 0) {
      vmar.hostOpsMade();
      return;
    }
    let results: bigint[];
    try {
      results = this.platform.inject(thread.hostTid, regs, ops);
    } catch (err) {
      throw new KernelError(Errno.EFAULT, `cannot update guest memory: ${(err as Error).message}`);
    }
    results.forEach((r, i) => {
      if (r < 0n && r > -4096n) {
        const op = ops[i];
        this.platform.kill(thread.hostTid);
        throw new KernelError(Errno.ENOMEM, `host refused ${op.nr}(${op.args.join(', ')}): errno ${-r}`);
      }
    });
    vmar.hostOpsMade(); // on a failure, the frames wait for the process's end (Vmar.destroy)
  }

  /** `thread` has stopped since it was resumed to make a call on its own: finish what waited for it. */
  hostCallMade(thread: LinuxThread): void {
    const after = thread.afterHostCall;
    thread.afterHostCall = null;
    after?.();
  }

  /**
   * Forget an exited host thread; returns it if it was ours. A thread that leaves others behind
   * clears its clear_child_tid word and wakes a futex waiter there (what pthread_join waits on).
   */
  reapHostThread(hostTid: number, status = 0): LinuxThread | undefined {
    const t = this.threadsByHostTid.get(hostTid);
    if (!t) return undefined;
    if (t.ptrace !== null) traceeGone(this, t, status);
    this.hostCallMade(t); // or never will: the host thread is gone either way
    this.threadsByHostTid.delete(hostTid);
    this.unstartedThreads.delete(t);
    // A wait it was in ends with it: left behind, a futex waiter would take a wake-up meant for
    // whoever later sleeps on the same pmem word (its frames go to another process's memory).
    t.blocker?.abort(new KernelError(Errno.EINTR));
    t.zx.exit(); // and out of its Zircon process's list, or every thread a process ever had stays
    const proc = t.process;
    if (proc.threads.delete(t.tid)) {
      proc.endedThreadsSwitches += t.voluntarySwitches;
      proc.endedThreadsIo.add(t.io);
    }
    proc.threadExits.wakeAll();
    if (t.clearChildTid !== 0 && proc.threads.size > 0) {
      try {
        proc.memory.writeU32(t.clearChildTid, 0);
        this.futexes.wake(this.futexes.key(proc, t.clearChildTid), 1);
      } catch {
        // a bad address is the thread's own problem, as in Linux
      }
    }
    return t;
  }

  /** Release a process that has exited: its memory, fds and file system references. */
  releaseProcess(proc: LinuxProcess): void {
    // What another process shares (clone with CLONE_VM or CLONE_FILES) stays whole for it.
    if (!proc.vmar.sharers.many) proc.vmar.destroy();
    if (proc.fds.sharers.leave()) proc.fds.closeAll();
  }
}
