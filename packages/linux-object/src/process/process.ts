/**
 * Linux processes and threads, attached to zircon-object's Process and Thread (the Linux state
 * extends the Zircon objects rather than copying them).
 *
 * @module
 */
import { allCpus } from '../abi/cpus.js';
import { Signo } from '../abi/signal.js';
import type { SeccompState } from './seccomp.js';
import type { Tracing } from './ptrace.js';
import type { CapabilitySets } from './capabilities.js';
import { WaitQueue } from '@rvisor/async-executor';
import {
  RLIMIT_CORE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_SIGPENDING, RLIMIT_STACK,
} from '../abi/process.js';
import { REG_COUNT, type Process, type Registers, type Thread } from '@rvisor/zircon-object';
import type { FdTable } from '../fs/fd-table.js';
import type { FsContext } from '../fs/fs-context.js';
import type { Readiness } from '../fs/readiness.js';
import { DEFAULT_ACTION, PendingSignals, SIG_IGN, type AltStack, type SigAction } from './signals.js';
import { UserMemory } from './user-memory.js';
import type { IntervalTimer } from './interval-timer.js';
import type { PosixTimer } from './posix-timer.js';

/** The container identity a process runs as (virtual: never the host's). */
export interface Credentials extends CapabilitySets {
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  /** Saved set-user-ID and set-group-ID (setresuid, setresgid). */
  suid: number;
  sgid: number;
  /** The ids file access checks use: they follow the effective ones, but setfsuid and setfsgid set them alone. */
  fsuid: number;
  fsgid: number;
  groups: number[];
}

/** A resource limit pair (RLIM_INFINITY is 2^64-1). */
export interface RLimit {
  cur: bigint;
  max: bigint;
}

export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

/** The limits a container starts with (Linux's defaults for a root login); others are unlimited. */
export const DEFAULT_RLIMITS: ReadonlyMap<number, RLimit> = new Map([
  [RLIMIT_STACK, { cur: 8n * 1024n * 1024n, max: RLIM_INFINITY }],
  [RLIMIT_CORE, { cur: 0n, max: RLIM_INFINITY }],
  [RLIMIT_NPROC, { cur: 127_000n, max: 127_000n }],
  [RLIMIT_NOFILE, { cur: 1024n, max: 4096n }],
  [RLIMIT_MEMLOCK, { cur: 8n * 1024n * 1024n, max: 8n * 1024n * 1024n }],
  [RLIMIT_SIGPENDING, { cur: 127_000n, max: 127_000n }],
  [RLIMIT_MSGQUEUE, { cur: 819_200n, max: 819_200n }],
]);

/** The limit of `resource` in force for `proc` (getrlimit). */
export function processLimit(proc: LinuxProcess, resource: number): RLimit {
  return proc.rlimits.get(resource) ?? DEFAULT_RLIMITS.get(resource) ?? { cur: RLIM_INFINITY, max: RLIM_INFINITY };
}

/** User and system CPU time, in microseconds. */
export interface CpuTime {
  user: number;
  system: number;
}

/** Page faults: minor ones (the page was in memory) and major ones (it had to be read). */
export interface Faults {
  minorFaults: number;
  majorFaults: number;
}

/**
 * What a process used: its CPU time, its largest resident set in KiB, its page faults, and how
 * often it gave up the CPU to wait (its blocking syscalls: ru_nvcsw).
 */
export interface Usage extends CpuTime, Faults {
  maxRssKb: number;
  voluntarySwitches: number;
}

/** Nothing used yet. */
/**
 * What a task read and wrote through read- and write-like calls (Linux's task_io_accounting, as
 * /proc/<pid>/io shows it): bytes and calls. Calls that go no further than their arguments'
 * checks are not counted, as Linux counts none before the file's own operation.
 */
export class IoCounts {
  /** Bytes read (rchar). */
  readChars = 0;
  /** Bytes written (wchar). */
  writtenChars = 0;
  /** Read calls (syscr). */
  readCalls = 0;
  /** Write calls (syscw). */
  writeCalls = 0;

  add(other: IoCounts): void {
    this.readChars += other.readChars;
    this.writtenChars += other.writtenChars;
    this.readCalls += other.readCalls;
    this.writeCalls += other.writeCalls;
  }
}

export const NO_USAGE: Usage = Object.freeze({ user: 0, system: 0, maxRssKb: 0, minorFaults: 0, majorFaults: 0, voluntarySwitches: 0 });

/**
 * `a` and `b` together, as Linux adds a waited-for child's usage to its parent's: times and faults
 * summed, the larger peak.
 */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    user: a.user + b.user,
    system: a.system + b.system,
    maxRssKb: Math.max(a.maxRssKb, b.maxRssKb),
    minorFaults: a.minorFaults + b.minorFaults,
    majorFaults: a.majorFaults + b.majorFaults,
    voluntarySwitches: a.voluntarySwitches + b.voluntarySwitches,
  };
}

/** A Linux process: a zircon Process plus fds, fs context, identity, memory layout and exit state. */
export class LinuxProcess {
  /** The guest-visible (virtual) process id. */
  readonly pid: number;
  parent: LinuxProcess | null;
  readonly threads = new Map<number, LinuxThread>();
  readonly children = new Set<LinuxProcess>();
  readonly memory: UserMemory;
  /** Program break: [brkStart, brk) is the heap. */
  brkStart = 0;
  brk = 0;
  /** argv/envp of the current image (for /proc and ps). */
  argv: string[] = [];
  envp: string[] = [];
  /** The current image's auxiliary vector, as its stack got it (/proc/<pid>/auxv). */
  auxv: Uint8Array = new Uint8Array(16);
  /** Absolute path of the current executable. */
  exe = '';
  /** personality(2)'s execution domain and flags, reported and inherited (none of them changes how programs run here). */
  personality = 0;
  /** Exit status once the process is gone: code, or killing signal. */
  exit: { code: number; signal: number } | null = null;
  /** The host process its threads run in (0 until it has one). */
  hostPid = 0;
  /** When it was made (fork; execve keeps it), in ms since the epoch. */
  readonly startedMs = Date.now();
  /** What the process used, once it is gone (its host process's). */
  usage: Usage = NO_USAGE;
  /** The voluntary switches (ru_nvcsw) of its threads that are gone. */
  endedThreadsSwitches = 0;
  /** What its threads that are gone read and wrote. */
  readonly endedThreadsIo = new IoCounts();

  /** What its threads read and wrote so far, gone ones' too (/proc/<pid>/io). */
  ioCounts(): IoCounts {
    const sum = new IoCounts();
    sum.add(this.endedThreadsIo);
    for (const t of this.threads.values()) sum.add(t.io);
    return sum;
  }

  /** Its threads' voluntary switches so far, gone ones' too (getrusage's RUSAGE_SELF). */
  voluntarySwitches(): number {
    let n = this.endedThreadsSwitches;
    for (const t of this.threads.values()) n += t.voluntarySwitches;
    return n;
  }
  /** What the children it has waited for used, with theirs (RUSAGE_CHILDREN, times' cutime). */
  childrenUsage: Usage = NO_USAGE;
  /** setitimer's timers (alarm's is ITIMER_REAL's), by `which`, made on first use. */
  readonly itimers: (IntervalTimer | undefined)[] = [];
  /** prctl(PR_SET_PDEATHSIG): the signal this process gets when its parent dies (0: none). */
  parentDeathSignal = 0;
  /** Told when the process exits and when it is reaped; made by the first pidfd for it. */
  exitReadiness: Readiness | null = null;
  /** timer_create's timers, by id (neither fork nor execve keeps them). */
  readonly posixTimers = new Map<number, PosixTimer>();
  /** prctl(PR_SET_NO_NEW_PRIVS): set for good, kept across fork and execve. */
  noNewPrivs = false;
  /** prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants become its children, not init's (not inherited). */
  childSubreaper = false;
  /** prctl(PR_SET_DUMPABLE) and PR_SET_KEEPCAPS: execve sets them back to 1 and false. */
  dumpable = 1;
  keepCaps = false;
  /** prctl(PR_SET_TIMERSLACK), in ns (inherited), and PR_SET_THP_DISABLE (inherited, kept across execve). */
  timerSlack = 50_000;
  thpDisable = false;
  /** Stopped by a stop signal (job control) until SIGCONT; its threads wait in `parked`. */
  stopped = false;
  /** The signal that stopped it last. */
  stopSignal = 0;
  /** Threads kept from running while the process is stopped. */
  readonly parked: LinuxThread[] = [];
  /** While one thread forks: the others stay out of guest code (see `Kernel.holdSiblings`). */
  heldForFork = false;
  /** Threads kept from running while one of their siblings forks, and a queue woken as each stops. */
  readonly forkHeld: LinuxThread[] = [];
  readonly forkHoldChanged = new WaitQueue();
  /** A stop or continue the parent has not collected with wait4(WUNTRACED/WCONTINUED) yet. */
  jobReport: { kind: 'stopped' | 'continued'; signal: number } | null = null;
  /** The threads this process traces (ptrace), gone ones too until its wait collects their exit. */
  readonly tracees = new Set<LinuxThread>();
  /** Set when the last thread is gone: a zombie until the parent reaps it with wait4. */
  dead = false;
  /** Woken when a child of this process dies (wait4 sleeps here). */
  readonly childEvents = new WaitQueue();
  /** Woken when one of its threads is gone (execve waits here for the others to end). */
  readonly threadExits = new WaitQueue();
  /** Woken when this process execs or dies: the end of a vfork for its parent. */
  readonly vforkDone = new WaitQueue();
  /** Whether this process has exec'd or died since it was forked (vfork waits for it). */
  releasedVfork = false;
  /** Signal dispositions other than the default (rt_sigaction); shared by clone's CLONE_SIGHAND. */
  sigactions = new Map<number, SigAction>();
  /** The signal its parent gets when it exits (clone's exit signal; 0: none). */
  exitSignal: number = Signo.SIGCHLD;
  /** Process-directed signals waiting for a thread that does not block them. */
  readonly pending = new PendingSignals();
  pgid: number;
  sid: number;
  readonly rlimits = new Map<number, RLimit>();

  constructor(
    readonly zx: Process,
    pid: number,
    parent: LinuxProcess | null,
    public fds: FdTable,
    public fs: FsContext,
    public cred: Credentials,
  ) {
    this.pid = pid;
    this.parent = parent;
    this.pgid = parent?.pgid ?? pid;
    this.sid = parent?.sid ?? pid;
    this.memory = new UserMemory(zx.vmar);
    zx.ext = this;
  }

  get vmar() {
    return this.zx.vmar;
  }

  /** Take a copy of an fd table shared with another process (execve, CLOSE_RANGE_UNSHARE). */
  unshareFiles(): void {
    if (!this.fds.sharers.many) return;
    const own = this.fds.fork();
    this.fds.sharers.leave();
    this.fds = own;
  }

  get ppid(): number {
    return this.parent?.pid ?? 0;
  }

  /**
   * New effective ids (set*uid, set*gid, a set-id execve), as Linux's commit_creds: the process
   * becomes undumpable (fs.suid_dumpable's default) and loses its parent-death signal.
   */
  effectiveIdsChanged(): void {
    this.dumpable = 0;
    this.parentDeathSignal = 0;
  }

  /** The disposition of `sig`. */
  sigaction(sig: number): SigAction {
    return this.sigactions.get(sig) ?? DEFAULT_ACTION;
  }

  /** execve: caught signals go back to their default action; ignored ones stay ignored. */
  resetSignalHandlers(): void {
    // A new table: one shared by clone's CLONE_SIGHAND stays as it is for the others, as Linux's de_thread.
    const kept = new Map<number, SigAction>();
    for (const [sig, act] of this.sigactions) if (act.handler === SIG_IGN) kept.set(sig, act);
    this.sigactions = kept;
  }

  /** The wait status of a dead process, as wait4 reports it. */
  get waitStatus(): number {
    const exit = this.exit ?? { code: 0, signal: 0 };
    return exit.signal ? exit.signal & 0x7f : (exit.code & 0xff) << 8;
  }

  /** End a vfork: the parent may run again. */
  releaseVfork(): void {
    if (this.releasedVfork) return;
    this.releasedVfork = true;
    this.vforkDone.wakeAll();
  }
}

/** A Linux thread: a zircon Thread plus the host thread that runs it and its saved registers. */
/**
 * A thread's scheduling attributes, as setpriority, sched_setscheduler and ioprio_set set them.
 * They are recorded and reported, not applied: the guest's host threads keep the host's default.
 */
export interface Scheduling {
  /** The nice value, -20 to 19. */
  readonly nice: number;
  /** SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH or SCHED_IDLE. */
  readonly policy: number;
  /** The static priority: 1 to 99 for SCHED_FIFO and SCHED_RR, else 0. */
  readonly priority: number;
  /** SCHED_RESET_ON_FORK: children start at SCHED_OTHER, and with no negative nice. */
  readonly resetOnFork: boolean;
  /** The I/O priority (ioprio_set's class << 13 | level). */
  readonly ioprio: number;
}

/** What a thread starts with: SCHED_OTHER, nice 0, no I/O priority. */
export const DEFAULT_SCHEDULING: Scheduling = { nice: 0, policy: 0, priority: 0, resetOnFork: false, ioprio: 0 };

/**
 * What a child of a thread with `sched` starts with (fork and thread creation alike): the same,
 * but with SCHED_RESET_ON_FORK a real-time policy becomes SCHED_OTHER and a negative nice 0.
 */
export function inheritedScheduling(sched: Scheduling): Scheduling {
  if (!sched.resetOnFork) return sched;
  const realtime = sched.policy === 1 || sched.policy === 2; // SCHED_FIFO, SCHED_RR
  return {
    ...sched,
    policy: realtime ? 0 : sched.policy,
    priority: realtime ? 0 : sched.priority,
    nice: Math.max(sched.nice, 0),
    resetOnFork: false,
  };
}

export class LinuxThread {
  /** Registers kept while the thread waits in an async handler. */
  readonly savedRegs: Registers = new BigUint64Array(REG_COUNT);
  /** Times it waited in a syscall (Linux's voluntary context switches, ru_nvcsw). */
  voluntarySwitches = 0;
  /** What it read and wrote (/proc/<pid>/task/<tid>/io). */
  readonly io = new IoCounts();
  /** set_tid_address(2): cleared and futex-woken when the thread exits. */
  clearChildTid = 0;
  robustList = 0;
  /** Blocked signals (rt_sigprocmask). */
  signalMask = 0n;
  /** Scheduling attributes (replaced whole on a change, so children may share them). */
  sched: Scheduling = DEFAULT_SCHEDULING;
  /** Signals rt_sigtimedwait waits for (0n when not waiting). */
  sigwaitSet = 0n;
  /** While rt_sigsuspend waits: the mask to restore after the handler runs. */
  suspendedMask: bigint | null = null;
  /** Thread-directed signals (tkill, tgkill). */
  readonly pending = new PendingSignals();
  /** sigaltstack(2), or null when none was set. */
  altStack: AltStack | null = null;
  /** Set when execve in another thread means this one must end at its next stop. */
  exiting = false;
  /**
   * sched_setaffinity's mask (CPU i as bit i; null: every CPU shown), which its children inherit.
   * Recorded and reported, never applied: the platform places the guests (docs/platform.md).
   */
  affinity: bigint | null = null;
  /** Its seccomp mode and filters (null: none), which its children share and execve keeps. */
  seccomp: SeccompState | null = null;
  /**
   * The address of its last fault that the run loop let it retry (-1: none), and the VMAR's
   * `hostChanges` then: a fault in memory another thread's touch made, or copied, meanwhile is
   * retried; a second one there with the host's mappings unchanged since is real.
   */
  faultRetried = -1;
  faultRetriedChanges = 0;
  /** Its tracing (ptrace), or null when no process traces it. */
  ptrace: Tracing | null = null;
  /** Set while the thread runs guest code (so a signal must make it stop). */
  running = false;
  /** Set while the thread waits in a blocking syscall; aborting it interrupts the call. */
  blocker: AbortController | null = null;
  /**
   * A blocker no signal aborted, kept for the thread's next blocking syscall: one controller per
   * blocking call was a tenth of a pipe ping-pong's time. Nothing may stay registered on it once
   * its call ends (every wait removes its abort listener when it settles).
   */
  spareBlocker: AbortController | null = null;
  /**
   * What to do once the host has made the call the thread was resumed to make on its own (freeing
   * what its munmap unmapped): done at the thread's next stop, which comes after that call.
   */
  afterHostCall: (() => void) | null = null;
  /**
   * The syscall layer's own state for this thread (linux-syscall keeps its syscall context here),
   * as this object is the Zircon thread's `ext`. A field, not a WeakMap keyed by the thread: with
   * the contexts (which refer to their threads) in a WeakMap, every exited thread, its process and
   * its address space survived V8's young-generation collections until the next full one
   * (docs/benchmarks.md, "Garbage collection").
   */
  ext: unknown = undefined;

  #transfer: Uint8Array | undefined;

  /**
   * The thread's buffer for copies between two files (sendfile, copy_file_range), made on first
   * use: a thread makes one syscall at a time, so a transfer that blocks keeps it to itself, and a
   * 64 KiB allocation per call (calloc and memset) was a third of a small file's sendfile.
   */
  transferBuffer(): Uint8Array {
    return (this.#transfer ??= new Uint8Array(64 * 1024));
  }

  constructor(
    readonly zx: Thread,
    readonly tid: number,
    readonly hostTid: number,
    readonly process: LinuxProcess,
  ) {
    zx.ext = this;
    process.threads.set(tid, this);
  }
}

/** The CPUs `thread` may run on among `cpus` shown: its affinity, or all when it has none (or none of them is shown now). */
export function cpuAffinity(thread: LinuxThread, cpus: number): bigint {
  const all = allCpus(cpus);
  const mine = thread.affinity === null ? all : thread.affinity & all;
  return mine === 0n ? all : mine;
}
