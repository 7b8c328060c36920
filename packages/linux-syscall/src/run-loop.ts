/**
 * The kernel's run loop: one native call resumes the last stopped guest thread and waits for the
 * next stop; the syscall table answers it. Blocking handlers are async: their thread stays stopped
 * while the loop serves others, and is resumed when the handler settles.
 *
 * @module
 */
import { markProgress, progressEpoch } from '@rvisor/async-executor';
import {
  ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, ERESTART_RESTARTBLOCK, Errno, SA_RESTART, SIG_DFL, SIG_IGN,
  Signo, defaultAction, eventStop, exitStop, groupStop, hasDeliverable, isKernelError, seccompStop, setupFrame, sigbit, signalStop,
  syscallStop,
  takeDeliverable,
  PTRACE_O_TRACEEXIT, wakeForSignal, type Kernel, type LinuxProcess, type LinuxThread, type PtraceStop, type SigInfo,
} from '@rvisor/linux-object';
import { Reg, StopKind, type Platform, type Registers, type StopEvent } from '@rvisor/zircon-object';
import { SyscallContext, contextOf } from './context.js';
import { SYS } from './generated/numbers.js';
import { formatCall, straceMemory } from './strace/index.js';
import { TRACER_FIRST, seccompVerdict } from './sys/seccomp.js';
import { syscallTable } from './syscall-table.js';
import { createUnknownSyscall, type SyscallLogger } from './table/index.js';
import type { SyscallArgs } from './table/types.js';

/** Host signals that mean the guest itself faulted. */
const FAULT_SIGNALS: ReadonlySet<number> = new Set([
  Signo.SIGILL, Signo.SIGTRAP, Signo.SIGBUS, Signo.SIGFPE, Signo.SIGSEGV, Signo.SIGSYS,
]);
const NO_SYSCALL = 0xffff_ffff_ffff_ffffn;
/** One drain of woken handlers in this many yields to libuv's loop (see `run`). */
const DRAINS_PER_TURN = 32;

// What #step asks the run loop to do before it serves more stops. Plain constants rather than an
// object's properties: reading a property on a path V8 had not seen when it optimised #step (the
// first wake-up) would make it throw that code away.
/** Serve the next stop. */
const GO_ON = 0;
/** Let pending promise chains run (process.nextTick). */
const TICK = 1;
/** Give libuv's loop a turn (setImmediate). */
const TURN = 2;
/** The wait ended for host I/O or a deadline: check them, then give libuv a turn. */
const WOKEN = 3;
/** Every guest has exited. */
const DONE = 4;
type Pause = typeof GO_ON | typeof TICK | typeof TURN | typeof WOKEN | typeof DONE;

/** Whether a raw syscall result is one of the -ERESTART* codes of an interrupted call. */
function isRestart(rax: bigint): boolean {
  return isRestartErrno(-Number(BigInt.asIntN(64, rax)));
}

function isRestartErrno(err: number): boolean {
  return err === ERESTARTSYS || err === ERESTARTNOINTR || err === ERESTARTNOHAND || err === ERESTART_RESTARTBLOCK;
}

/** Options of {@link KernelRunner}. */
export interface RunOptions {
  /** Receives one line per syscall, like `runsc --strace`. */
  strace?: (line: string) => void;
  /** Kernel log (unsupported syscalls, internal errors). */
  log?: SyscallLogger;
}

interface Completion {
  kernel: Kernel;
  thread: LinuxThread;
  result: number | bigint;
}

/** A tracee its tracer let go on: the stop it leaves, and the signal to deliver first (the tracer's). */
interface TraceeResumption {
  kernel: Kernel;
  thread: LinuxThread;
  signal: SigInfo | null;
  stop: PtraceStop;
}

/** Turn what a handler threw into -errno; anything but a KernelError is a kernel bug, logged. */
function errnoOf(err: unknown, log: SyscallLogger): number {
  if (isKernelError(err)) return -err.errno;
  log.warn(`internal error in a syscall handler: ${(err as Error)?.stack ?? String(err)}`);
  return -Errno.EFAULT;
}

/**
 * Drives the guests of one or more kernels on one platform (the containers of a sandbox) until
 * none is left. Each host tid belongs to one kernel; all share the platform's single wait.
 */
export class KernelRunner {
  readonly #platform: Platform;
  readonly #kernels: Kernel[];
  readonly #options: RunOptions;
  readonly #log: SyscallLogger;
  readonly #unknown: (nr: number) => number;
  readonly #ready: Completion[] = [];
  readonly #resumedTracees: TraceeResumption[] = [];
  /**
   * Group exits waiting for traced threads to make their exit events first, by process: those
   * threads, and what ends the process once they are let go: the thread whose exit_group the host
   * makes, or (a fatal signal) a kill.
   */
  readonly #groupExits = new Map<LinuxProcess, { waiting: Set<LinuxThread>; exiter: LinuxThread | null; kill: number }>();
  #pending = 0;
  #epoch = 0;
  #drains = 0;
  /** Resumed with the next wait, with `#resumeRegs` (null: unchanged). */
  #next: LinuxThread | null = null;
  #resumeRegs: Registers | null = null;

  constructor(kernel: Kernel, options: RunOptions = {}) {
    this.#platform = kernel.platform;
    this.#kernels = [kernel];
    this.#options = options;
    this.#log = options.log ?? { warn: () => {} };
    this.#unknown = createUnknownSyscall(this.#log);
    this.#serveTracees(kernel);
  }

  /** Let `kernel`'s tracer resume its tracees through this loop. */
  #serveTracees(kernel: Kernel): void {
    kernel.resumeTraced = (thread, signal, stop) => {
      this.#resumedTracees.push({ kernel, thread, signal, stop });
      markProgress();
    };
  }

  /** Run the guests of another kernel on the same platform too (another container of the sandbox). */
  addKernel(kernel: Kernel): void {
    if (kernel.platform !== this.#platform) throw new Error('KernelRunner: kernels must share one platform');
    if (this.#kernels.includes(kernel)) return;
    this.#kernels.push(kernel);
    this.#serveTracees(kernel);
  }

  /** Stop running the guests of `kernel` (it has none left). */
  removeKernel(kernel: Kernel): void {
    const i = this.#kernels.indexOf(kernel);
    if (i >= 0) this.#kernels.splice(i, 1);
  }

  /**
   * Let a thread stopped in a syscall (e.g. a new process after execve) run, returning `result`.
   * `kernel` is the thread's (default: the first).
   */
  start(thread: LinuxThread, result = 0, kernel = this.#kernels[0]!): void {
    this.addKernel(kernel);
    this.#ready.push({ kernel, thread, result });
    markProgress(); // a loop blocked in the host wait notices at its next wake-up
  }

  /** The kernel owning host task `tid`, and its thread. */
  #lookup(tid: number): [Kernel, LinuxThread] | undefined {
    for (const kernel of this.#kernels) {
      const thread = kernel.threadsByHostTid.get(tid);
      if (thread) return [kernel, thread];
    }
    return undefined;
  }

  #hasThreads(): boolean {
    return this.#kernels.some((k) => k.threadsByHostTid.size > 0);
  }

  #timeoutNs(): number {
    let t = -1; // no deadline
    for (const k of this.#kernels) {
      const kt = k.timers.timeoutNs();
      if (kt >= 0 && (t < 0 || kt < t)) t = kt;
    }
    return t;
  }

  #context(kernel: Kernel, thread: LinuxThread, regs: Registers): SyscallContext {
    let ctx = contextOf(thread);
    if (!ctx) {
      ctx = new SyscallContext(kernel, thread, regs);
      thread.ext = ctx;
    }
    ctx.regs = regs;
    ctx.passthrough = false;
    return ctx;
  }

  /** Run until every guest has exited. */
  async run(): Promise<void> {
    for (;;) {
      const pause = this.#serve();
      if (pause === DONE) return;
      if (pause === WOKEN) this.#woken();
      if (pause === TICK) await new Promise<void>((resolve) => process.nextTick(resolve));
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Serve stops until the loop must give the event loop a turn; which turn it needs. One stop per
   * `#step`: V8 then optimises the step as an ordinary function, instead of recompiling one large
   * loop on the stack (OSR) each time a branch it had not seen is taken.
   */
  #serve(): Pause {
    for (;;) {
      const pause = this.#step();
      if (pause !== GO_ON) return pause;
    }
  }

  /** Resume what is ready, wait for the next stop and answer it. */
  #step(): Pause {
    const platform = this.#platform;
    if (this.#resumedTracees.length > 0) this.#resumeTracees();
    // Threads whose async handlers finished: resume all but one now, fuse the last with the wait.
    while (this.#ready.length > 0) {
      const c = this.#ready.shift()!;
      if (!c.kernel.threadsByHostTid.has(c.thread.hostTid)) continue;
      const r = this.#finishSyscall(c.kernel, this.#context(c.kernel, c.thread, c.thread.savedRegs), c.result);
      if (this.#parked(c.kernel, c.thread, r)) continue;
      if (this.#next === null && this.#ready.length === 0) {
        this.#next = c.thread;
        this.#resumeRegs = r;
      } else {
        platform.resumeAndWait(c.thread.hostTid, r, 0, 0);
        c.thread.running = true;
      }
    }
    if (!this.#hasThreads()) return DONE;
    // A wake-up may have let blocked handlers continue: let their promise chains run out before
    // blocking in the host again. process.nextTick runs once every pending microtask has, without
    // a turn of libuv's loop (which costs more than a syscall); every DRAINS_PER_TURN-th drain is
    // a setImmediate instead, so that libuv's timers and I/O get their turn however busy guests are.
    const epoch = progressEpoch();
    if (this.#pending > 0 && epoch !== this.#epoch) {
      this.#epoch = epoch;
      const next = this.#next;
      if (next !== null) {
        platform.resumeAndWait(next.hostTid, this.#resumeRegs, 0, 0); // resume now; nothing to wait for yet
        next.running = true;
        this.#next = null;
        this.#resumeRegs = null;
      }
      return ++this.#drains % DRAINS_PER_TURN === 0 ? TURN : TICK;
    }
    const next = this.#next;
    const kind = platform.resumeAndWait(next?.hostTid ?? 0, this.#resumeRegs, 0, this.#timeoutNs());
    if (next !== null) next.running = true;
    this.#next = null;
    this.#resumeRegs = null;
    // Rare, and left to `run`, which is small: V8 recompiles it cheaply once it sees the branch.
    if (kind === StopKind.Wake) return WOKEN;
    const ev = platform.event;
    if (kind === StopKind.Exited) {
      this.#exited(ev);
      return GO_ON;
    }
    // The thread the event is about, looked up once (a handler may rewrite `ev`).
    const found = this.#lookup(ev.tid);
    if (found === undefined) {
      if (kind === StopKind.Clone) platform.kill(ev.newTid);
      platform.kill(ev.tid); // not ours: never let it run
      return GO_ON;
    }
    const [kernel, thread] = found;
    thread.running = false;
    if (thread.afterHostCall !== null) kernel.hostCallMade(thread);
    if (kind === StopKind.Syscall) this.#onSyscall(kernel, thread, platform.regs);
    else if (kind === StopKind.Signal) this.#onSignal(kernel, thread, platform.regs);
    else if (kind === StopKind.Clone) {
      // Guests cannot clone natively (clone traps); a new host task here is not ours.
      platform.kill(ev.newTid);
      this.#next = thread;
    }
    return GO_ON;
  }

  /**
   * Tracees let go by their tracer: from a syscall-enter-stop the call runs (as the tracer left
   * the registers: orig_rax -1 skips it, leaving rax); from the exit event the host makes the exit;
   * from other stops what is due is delivered (a stop may come again at once). Then they resume.
   */
  #resumeTracees(): void {
    for (const r of this.#resumedTracees.splice(0)) {
      const { kernel, thread, stop } = r;
      if (!kernel.threadsByHostTid.has(thread.hostTid)) continue;
      const saved = thread.savedRegs;
      let regs: Registers | null | undefined;
      if (stop.byGroupExit) {
        this.#exitEventMade(kernel, thread); // it ends with its process, and never runs again
        continue;
      } else if (stop.exiting) {
        this.#hostExit(kernel, thread, saved);
        continue;
      } else if (stop.syscall !== 'enter') {
        saved[Reg.orig_rax] = NO_SYSCALL; // shown as the call at a syscall stop; never to be restarted by the host
        regs = this.#deliver(kernel, thread, saved, stop.atSyscall, r.signal);
      } else if (saved[Reg.orig_rax] === NO_SYSCALL) {
        regs = this.#finishSyscall(kernel, this.#context(kernel, thread, saved), saved[Reg.rax]);
      } else {
        const ctx = this.#context(kernel, thread, saved);
        ctx.seccompTraced = stop.seccomp === true;
        regs = this.#syscall(kernel, thread, saved);
        ctx.seccompTraced = false;
        if (regs === null) {
          this.#hostExit(kernel, thread, saved);
          continue;
        }
      }
      if (regs === undefined || this.#parked(kernel, thread, regs)) continue;
      // Its tracer may have written memory a fork shares (process_vm_writev, /proc/<pid>/mem):
      // the copy is mapped before it runs.
      if (thread.process.vmar.pendingHostOps !== 0) this.#remap(kernel, thread, regs);
      this.#platform.resumeAndWait(thread.hostTid, regs, 0, 0);
      thread.running = true;
    }
  }

  /**
   * Let the host make the exit or exit_group a tracee stopped in (at its syscall-enter-stop or exit
   * event): resumed at its syscall. A thread past its syscall instruction (a notified call its
   * tracer turned into an exit) ends by an injected exit if it is not a leader with threads left,
   * else with its process: waiting for a leader's own exit would wait for its threads.
   */
  #hostExit(kernel: Kernel, thread: LinuxThread, regs: Registers): void {
    const proc = thread.process;
    if (this.#heldForExitEvents(thread, regs)) return;
    if (thread.ptrace?.pastSyscall !== true) {
      this.#platform.resumeAndWait(thread.hostTid, regs, 0, 0);
      thread.running = true;
    } else if (Number(regs[Reg.orig_rax]) === SYS.exit && (thread.tid !== proc.pid || proc.threads.size === 1)) {
      try {
        this.#platform.inject(thread.hostTid, regs, [{ nr: SYS.exit, args: [regs[Reg.rdi], 0, 0, 0, 0, 0] }]);
      } catch {
        // expected: the host thread exited; its exit comes through the platform's wait
      }
    } else {
      kernel.killProcess(proc, Signo.SIGKILL); // its status is the one its exit call recorded
    }
  }

  /**
   * A group exit of `thread`'s process, by its exit_group (`kill` 0) or by fatal signal `kill`:
   * the process's traced threads with PTRACE_O_TRACEEXIT (but the exit_group's caller, which makes
   * its own) make their exit events before the host ends them all, as each thread a group exit
   * ends makes one on Linux. A thread in the kernel, in a stop or held makes it at once; one that
   * runs or waits is made to stop and makes it there. False if no thread has one to make.
   */
  #exitEventsFirst(kernel: Kernel, thread: LinuxThread, kill = 0): boolean {
    const proc = thread.process;
    const waiting = new Set<LinuxThread>();
    for (const t of proc.threads.values()) {
      const tracing = t.ptrace;
      if ((t === thread && kill === 0) || tracing === null || (tracing.options & PTRACE_O_TRACEEXIT) === 0) continue;
      waiting.add(t);
      const held = [proc.parked, proc.forkHeld, kernel.frozenThreads].find((list) => list.includes(t));
      if (held) held.splice(held.indexOf(t), 1);
      if (t === thread || tracing.stop !== null || held) exitStop(kernel, t, proc.waitStatus, true);
      else {
        tracing.exitEventDue = true;
        wakeForSignal(kernel, t);
      }
    }
    if (waiting.size > 0) this.#groupExits.set(proc, { waiting, exiter: null, kill });
    return waiting.size > 0;
  }

  /** Whether `thread`'s exit_group waits for its process's threads' exit events (its registers kept). */
  #heldForExitEvents(thread: LinuxThread, regs: Registers): boolean {
    const group = this.#groupExits.get(thread.process);
    if (group === undefined || group.waiting.size === 0) return false;
    if (regs !== thread.savedRegs) thread.savedRegs.set(regs);
    group.exiter = thread;
    return true;
  }

  /**
   * A thread its group exit ends was let go from its exit event, or is gone: the last one lets the
   * exit_group be made.
   */
  #exitEventMade(kernel: Kernel, thread: LinuxThread): void {
    const group = this.#groupExits.get(thread.process);
    if (group === undefined || !group.waiting.delete(thread) || group.waiting.size > 0) return;
    if (group.kill !== 0) {
      this.#groupExits.delete(thread.process);
      kernel.killProcess(thread.process, group.kill);
      return;
    }
    if (group.exiter === null) return;
    this.#groupExits.delete(thread.process);
    this.#hostExit(kernel, group.exiter, group.exiter.savedRegs);
  }

  /**
   * A thread stops for its tracer before its call runs: resumed with PTRACE_SYSCALL, or at a
   * filter's SECCOMP_RET_TRACE (`seccomp`). A notified call is answered first (with anything: the
   * answer is overwritten) to have the thread stop just past its syscall instruction with all its
   * registers, as a traced call's does.
   */
  #stopBeforeCall(kernel: Kernel, thread: LinuxThread, regs: Registers, seccomp: boolean): void {
    const nr = regs[Reg.orig_rax];
    const fetched = this.#platform.fetchRegisters(thread.hostTid, 0n);
    if (fetched < 0) return; // gone
    if (fetched > 0 && regs !== this.#platform.regs) regs.set(this.#platform.regs);
    thread.ptrace!.pastSyscall = fetched > 0;
    regs[Reg.orig_rax] = nr;
    regs[Reg.rax] = BigInt.asUintN(64, BigInt(-Errno.ENOSYS)); // as Linux shows a call not yet made
    if (seccomp) seccompStop(kernel, thread, thread.ptrace!.eventMessage);
    else syscallStop(kernel, thread, 'enter');
    this.#parked(kernel, thread, regs);
  }

  /** Host fds the kernel watches may be ready, or a deadline passed. */
  #woken(): void {
    for (const kernel of this.#kernels) {
      kernel.readiness.check();
      kernel.timers.fireDue();
    }
  }

  /** Resume `thread` with `regs` at the next wait, unless it must stay stopped. */
  #resumeNext(kernel: Kernel, thread: LinuxThread, regs: Registers): void {
    if (this.#parked(kernel, thread, regs)) return;
    this.#next = thread;
    this.#resumeRegs = regs;
  }

  /** A thread stopped in a syscall. */
  #onSyscall(kernel: Kernel, thread: LinuxThread, regs: Registers): void {
    if (thread.exiting) {
      kernel.endThread(thread, regs); // another thread is in execve
      return;
    }
    const tracing = thread.ptrace;
    if (tracing !== null) {
      tracing.pastSyscall = false; // a new call, at its seccomp stop or notification
      if (tracing.syscallStops) {
        this.#stopBeforeCall(kernel, thread, regs, false);
        return;
      }
    }
    // The handler may resume other threads (SIGCONT), which rewrites `ev`: use the thread's tid.
    const r = this.#syscall(kernel, thread, regs);
    if (r === null) {
      this.#next = thread; // the host finishes the call
      this.#resumeRegs = null;
    } else if (r !== undefined) {
      this.#resumeNext(kernel, thread, r);
    }
  }

  /** A thread stopped at a host signal: a forked child's first stop, a fault, or host noise. */
  #onSignal(kernel: Kernel, thread: LinuxThread, regs: Registers): void {
    const ev = this.#platform.event;
    if (kernel.unstartedThreads.has(thread)) {
      this.#startForked(kernel, thread);
    } else if (ev.signal === Signo.SIGSEGV && this.#demandFault(kernel, thread, regs, ev.faultAddr)) {
      // Memory made where it was first touched: the guest runs its instruction again.
    } else if (this.#hostSignal(kernel, thread, ev.signal, ev.signalCode, ev.faultAddr)) {
      this.#resumeNext(kernel, thread, this.#deliver(kernel, thread, regs, false));
    }
  }

  /**
   * Answer one syscall. Returns the registers to resume with, null to resume the thread unchanged
   * (the host finishes the call), or undefined if the thread waits in an async handler.
   */
  #syscall(kernel: Kernel, thread: LinuxThread, regs: Registers): Registers | null | undefined {
    const ctx = this.#context(kernel, thread, regs);
    const nr = ctx.nr;
    const entry = syscallTable.get(nr);
    const strace = this.#options.strace;
    const args = strace ? this.#args(regs) : undefined;
    // A successful execve replaces the memory its arguments point into: read them before.
    const execLine = strace && (nr === SYS.execve || nr === SYS.execveat) ? this.#format(thread, nr, args!, 0) : undefined;
    let result: number | bigint | Promise<number | bigint>;
    kernel.caller = thread;
    try {
      // A thread with seccomp filters of its own: their verdict comes first (sys/seccomp.ts).
      const verdict = thread.seccomp === null ? undefined : seccompVerdict(ctx, thread.seccomp);
      if (verdict === null) return undefined; // the thread has ended
      if (verdict === TRACER_FIRST) {
        this.#stopBeforeCall(kernel, thread, regs, true);
        return undefined;
      }
      result = verdict ?? (entry ? entry.handler(ctx) : this.#unknown(nr));
    } catch (err) {
      result = errnoOf(err, this.#log);
    }
    ctx.lastNr = nr;
    if (typeof result === 'object') {
      // Blocking: keep the registers; the thread stays stopped until the promise settles.
      kernel.platform.saveRegisters(regs, thread.savedRegs);
      ctx.regs = thread.savedRegs;
      thread.voluntarySwitches++; // it waits, as a Linux task that sleeps in a syscall
      ctx.blockedIn = nr;
      this.#pending++;
      markProgress(); // it may settle without any wake-up: drain before the next blocking wait
      result
        .catch((err: unknown) => {
          // Interrupted by a signal: delivery decides between EINTR and a restart. (A socket's
          // timeout aborts the wait with EAGAIN, which is the call's answer.)
          const blocker = thread.blocker;
          const errno = errnoOf(err, this.#log);
          return blocker?.signal.aborted && err === blocker.signal.reason && errno === -Errno.EINTR ? -ERESTARTSYS : errno;
        })
        .then((res) => {
          this.#pending--;
          ctx.blockedIn = 0;
          if (strace) this.#trace(thread, nr, args!, res, execLine);
          this.#ready.push({ kernel, thread, result: res });
        });
      return undefined;
    }
    if (ctx.passthrough && thread.ptrace !== null && thread.ptrace.exitStopDue && nr !== SYS.exit && nr !== SYS.exit_group) {
      result = this.#makeHostCall(kernel, ctx); // its tracer stops it as the call returns
    }
    const exits = ctx.passthrough && (nr === SYS.exit || nr === SYS.exit_group);
    if (strace) this.#trace(thread, nr, args!, exits ? undefined : result, execLine);
    if (exits && nr === SYS.exit_group && thread.process.threads.size > 1) this.#exitEventsFirst(kernel, thread);
    if (exits && thread.ptrace !== null && exitStop(kernel, thread, thread.process.waitStatus)) {
      this.#parked(kernel, thread, regs);
      return undefined; // its tracer lets it go on, and the host then makes the exit
    }
    if (exits && this.#heldForExitEvents(thread, regs)) return undefined;
    if (ctx.passthrough) return null;
    return this.#finishSyscall(kernel, ctx, result);
  }

  /**
   * Make a call the handler left to the host (a passthrough) now, by injection, for a result the
   * kernel returns itself: a traced thread's syscall-exit-stop must come after the call.
   */
  #makeHostCall(kernel: Kernel, ctx: SyscallContext): bigint {
    const regs = ctx.regs;
    const call = { nr: ctx.nr, args: this.#args(regs) };
    ctx.passthrough = false;
    try {
      return this.#platform.inject(ctx.thread.hostTid, regs, [call])[0]!;
    } finally {
      kernel.hostCallMade(ctx.thread); // what the call unmapped may be freed now
    }
  }

  /** Complete a syscall with `result` and deliver what signals are due; the registers to resume with. */
  #finishSyscall(kernel: Kernel, ctx: SyscallContext, result: number | bigint): Registers {
    const { thread, regs } = ctx;
    const blocker = thread.blocker;
    if (blocker !== null) {
      if (!blocker.signal.aborted) thread.spareBlocker = blocker;
      thread.blocker = null;
    }
    // Memory the process maps moved meanwhile (a tmpfs file it maps grew): remap it before it
    // runs, unless it is being killed (an execve that failed past its point of no return).
    const remap = thread.process.vmar.pendingHostOps !== 0 && thread.process.exit === null;
    const tracing = thread.ptrace;
    const event = tracing !== null && (tracing.pendingEvent !== 0 || tracing.exitStopDue || tracing.exitEventDue);
    // The common case, without a BigInt: a number, nothing to deliver and no restart.
    if (typeof result === 'number' && !remap && !isRestartErrno(-result) && !hasDeliverable(thread) && !event) {
      ctx.setReturn(result);
      return regs;
    }
    // A BigInt result, a restart, a signal to deliver, a tracer's event or memory to remap.
    const rax = BigInt.asUintN(64, BigInt(result));
    const more = hasDeliverable(thread) || isRestart(rax) || event;
    if (more || remap) {
      // Delivery, a restart or an injection needs more than rax: the thread's whole registers.
      const fetched = this.#platform.fetchRegisters(thread.hostTid, rax);
      if (fetched < 0) return regs; // gone: nothing to deliver to
      if (fetched > 0 && regs !== this.#platform.regs) regs.set(this.#platform.regs);
    }
    regs[Reg.rax] = rax;
    regs[Reg.orig_rax] = NO_SYSCALL;
    if (remap) this.#remap(kernel, thread, regs);
    return more ? this.#deliver(kernel, thread, regs, true) : regs;
  }

  /** Make the thread's pending host ops before it runs on. */
  #remap(kernel: Kernel, thread: LinuxThread, regs: Registers): void {
    try {
      kernel.syncMemory(thread, regs);
    } catch (err) {
      // syncMemory has killed it: its exit comes through the platform.
      this.#log.warn(`cannot remap the memory of process ${thread.process.pid}: ${(err as Error).message}`);
      thread.process.exit ??= { code: 0, signal: 9 };
    }
  }

  /**
   * Deliver the first deliverable signal as the thread returns to guest code: its default action,
   * or a frame for its handler. At a syscall return, an interrupted call (-ERESTART*) becomes EINTR
   * or is restarted, as Linux's handle_signal/restart rules say.
   */
  #deliver(kernel: Kernel, thread: LinuxThread, regs: Registers, atSyscall: boolean, injected: SigInfo | null = null): Registers {
    const tracing = thread.ptrace;
    if (tracing !== null && injected === null && this.#traceStop(kernel, thread, regs, atSyscall)) return regs;
    if (injected === null && !hasDeliverable(thread) && !(atSyscall && isRestart(regs[Reg.rax]))) return regs;
    const proc = thread.process;
    for (let info = injected ?? takeDeliverable(thread); info; info = takeDeliverable(thread)) {
      // A traced thread stops for its tracer first, which decides what is delivered (ptrace_signal).
      if (tracing !== null && info !== injected && info.signo !== Signo.SIGKILL) {
        signalStop(kernel, thread, info, atSyscall);
        return regs;
      }
      // A signal the tracer gave that the thread now blocks waits as a pending one.
      if (info === injected && (thread.signalMask & sigbit(info.signo)) !== 0n) {
        thread.pending.add(info);
        continue;
      }
      const act = proc.sigaction(info.signo);
      if (act.handler === SIG_IGN) continue;
      if (act.handler === SIG_DFL) {
        const d = defaultAction(info.signo);
        if (d === 'terminate' || d === 'core') {
          // Traced threads make their exit events first; the kill comes once they are let go.
          proc.exit ??= { code: 0, signal: info.signo };
          if (!this.#exitEventsFirst(kernel, thread, info.signo)) kernel.killProcess(proc, info.signo);
          return regs;
        }
        if (d === 'stop') kernel.stopProcess(proc, info.signo); // it was blocked when sent
        continue;
      }
      if (atSyscall) this.#restartOrEintr(thread, regs, (act.flags & SA_RESTART) !== 0);
      setupFrame(kernel, thread, regs, info, act);
      // The frame went to memory a fork left shared copy-on-write: the host maps the copy first.
      if (proc.vmar.pendingHostOps !== 0) this.#remap(kernel, thread, regs);
      return regs;
    }
    if (atSyscall) this.#restartOrEintr(thread, regs, true, true);
    return regs;
  }

  /**
   * The stops a traced thread makes on its way back to guest code before any signal, in Linux's
   * order: an event (exec, fork, PTRACE_INTERRUPT), then the syscall-exit-stop. True if it stopped.
   */
  #traceStop(kernel: Kernel, thread: LinuxThread, regs: Registers, atSyscall: boolean): boolean {
    const tracing = thread.ptrace!;
    if (tracing.exitEventDue) {
      if (exitStop(kernel, thread, thread.process.waitStatus, true)) return true;
      tracing.exitEventDue = false; // its tracer dropped PTRACE_O_TRACEEXIT meanwhile
      this.#exitEventMade(kernel, thread);
    }
    if (tracing.pendingEvent !== 0) {
      eventStop(kernel, thread, tracing.pendingEvent, atSyscall);
      tracing.pendingEvent = 0;
      return true;
    }
    if (!atSyscall || !tracing.exitStopDue) return false;
    regs[Reg.orig_rax] = BigInt(contextOf(thread)?.lastNr ?? 0); // the call, as the exit stop shows it
    syscallStop(kernel, thread, 'exit');
    return true;
  }

  /** Apply Linux's restart rules to an interrupted syscall's result in `regs`. */
  #restartOrEintr(thread: LinuxThread, regs: Registers, saRestart: boolean, noHandler = false): void {
    const err = -Number(BigInt.asIntN(64, regs[Reg.rax]));
    let restart: boolean;
    if (err === ERESTARTNOINTR) restart = true;
    else if (err === ERESTARTSYS) restart = saRestart;
    else if (err === ERESTARTNOHAND || err === ERESTART_RESTARTBLOCK) restart = noHandler;
    else return;
    if (restart) {
      // A call that left a restart block goes on through restart_syscall (sys/restart.ts).
      const nr = err === ERESTART_RESTARTBLOCK ? SYS.restart_syscall : contextOf(thread)?.lastNr ?? 0;
      regs[Reg.rax] = BigInt(nr);
      regs[Reg.rip] -= 2n; // back onto the syscall instruction
    } else {
      regs[Reg.rax] = BigInt.asUintN(64, BigInt(-Errno.EINTR));
    }
  }

  /**
   * A thread of a stopped process does not return to guest code: it waits in the process's
   * `parked` list, with `regs` kept, until SIGCONT. A thread told to end (execve in another
   * thread) ends instead. True if the thread must not be resumed.
   */
  #parked(kernel: Kernel, thread: LinuxThread, regs: Registers): boolean {
    const proc = thread.process;
    if (thread.exiting) {
      kernel.endThread(thread, regs); // another thread is in execve: this one ends here
      return true;
    }
    if (thread.ptrace !== null && thread.ptrace.stop !== null) {
      if (regs !== thread.savedRegs) thread.savedRegs.set(regs);
      return true; // stopped for its tracer, which resumes it (Kernel.resumeTraced)
    }
    if (proc.heldForFork) {
      if (regs !== thread.savedRegs) thread.savedRegs.set(regs);
      proc.forkHeld.push(thread); // a sibling is forking: this one waits out the copy
      proc.forkHoldChanged.wakeAll();
      return true;
    }
    if (kernel.frozen && !proc.stopped) {
      if (regs !== thread.savedRegs) thread.savedRegs.set(regs);
      kernel.frozenThreads.push(thread);
      return true;
    }
    if (!proc.stopped) return false;
    if (regs !== thread.savedRegs) thread.savedRegs.set(regs);
    // A traced thread's group stop is its tracer's to see and end.
    if (thread.ptrace !== null) groupStop(kernel, thread, proc.stopSignal);
    else proc.parked.push(thread);
    return true;
  }

  #args(regs: Registers): SyscallArgs {
    return [regs[Reg.rdi], regs[Reg.rsi], regs[Reg.rdx], regs[Reg.r10], regs[Reg.r8], regs[Reg.r9]];
  }

  /** Print a finished call; `ifSucceeded` is its line formatted before it ran, as if it returned 0. */
  #trace(thread: LinuxThread, nr: number, args: SyscallArgs, result: number | bigint | undefined, ifSucceeded?: string): void {
    const succeeded = result === 0 || result === 0n;
    this.#options.strace!(succeeded && ifSucceeded !== undefined ? ifSucceeded : this.#format(thread, nr, args, result));
  }

  #format(thread: LinuxThread, nr: number, args: SyscallArgs, result: number | bigint | undefined): string {
    const who = { pid: thread.process.pid, tid: thread.tid };
    return formatCall(nr, args, result, straceMemory(thread.process.vmar), who);
  }

  /** A host thread is gone; when it was the process's last, the process has exited. */
  #exited(ev: StopEvent): void {
    const found = this.#lookup(ev.tid);
    if (!found) return;
    const [kernel, thread] = found;
    const proc = thread.process;
    // A thread its process's group exit ended reports the group's status, not the host's kill.
    kernel.reapHostThread(ev.tid, proc.exit ? proc.waitStatus : ev.signal ? ev.signal & 0x7f : (ev.status & 0xff) << 8);
    if (this.#groupExits.size > 0) this.#exitEventMade(kernel, thread); // gone before its exit event
    if (proc.threads.size > 0) return;
    this.#groupExits.delete(proc);
    proc.exit ??= ev.signal ? { code: 0, signal: ev.signal } : { code: ev.status, signal: 0 };
    // The last thread's exit reports the whole host process's time.
    proc.usage = {
      user: ev.userMicros, system: ev.systemMicros, maxRssKb: ev.maxRssKb, minorFaults: ev.minorFaults, majorFaults: ev.majorFaults,
      voluntarySwitches: proc.endedThreadsSwitches,
    };
    kernel.processDied(proc);
  }

  /** A forked child's first stop: give it its memory, then let it return 0 from fork. */
  #startForked(kernel: Kernel, thread: LinuxThread): void {
    try {
      kernel.startForkedThread(thread);
      // Signals sent before its first stop are delivered now, as it returns from fork.
      const r = this.#deliver(kernel, thread, thread.savedRegs, false);
      if (this.#parked(kernel, thread, r)) return;
      kernel.platform.resumeAndWait(thread.hostTid, r, 0, 0);
      thread.running = true;
    } catch (err) {
      this.#log.warn(`cannot start forked process ${thread.process.pid}: ${(err as Error).message}`);
      thread.process.exit ??= { code: 0, signal: 9 };
      kernel.platform.kill(thread.hostTid);
    }
  }

  /**
   * A fault in memory made on first touch (a MAP_NORESERVE reservation) or shared copy-on-write by
   * a fork (`Vmar.commitOnFault`): make or copy it and resume the thread, which runs the faulting
   * instruction again. With no memory left the process is killed, as Linux's OOM killer would. A
   * fault where writable private memory is now (a sibling thread's touch made or copied it after
   * this one faulted) is retried too, again only if the host's mappings have changed since the
   * last retry there. False for any other fault.
   */
  #demandFault(kernel: Kernel, thread: LinuxThread, regs: Registers, addr: bigint): boolean {
    const vmar = thread.process.vmar;
    const at = Number(addr);
    try {
      if (!vmar.commitOnFault(at)) {
        // The thread may have faulted before another thread's touch made or copied this memory.
        const m = vmar.mappingAt(at);
        const made = m !== undefined && m.vmo !== null && m.prot !== 0 && !m.shared;
        if (!made || (thread.faultRetried === at && thread.faultRetriedChanges === vmar.hostChanges)) {
          thread.faultRetried = -1;
          return false;
        }
        thread.faultRetried = at;
        thread.faultRetriedChanges = vmar.hostChanges;
      }
      kernel.syncMemory(thread, regs);
    } catch (err) {
      this.#log.warn(`process ${thread.process.pid}: no memory for its fault at 0x${addr.toString(16)}: ${(err as Error).message}`);
      kernel.killProcess(thread.process, Signo.SIGKILL);
      return true;
    }
    this.#resumeNext(kernel, thread, regs);
    return true;
  }

  /**
   * A host signal stopped a guest thread. The platform's interrupt (the kernel wanted it to stop)
   * and host noise are suppressed; a fault becomes the guest's own signal, forced as Linux's
   * force_sig does (a blocked or ignored fault kills). Returns false if the thread must not resume.
   */
  #hostSignal(kernel: Kernel, thread: LinuxThread, signal: number, code: number, addr: bigint): boolean {
    if (!FAULT_SIGNALS.has(signal)) return true;
    const proc = thread.process;
    const act = proc.sigaction(signal);
    const forced = act.handler === SIG_IGN || (thread.signalMask & sigbit(signal)) !== 0n;
    if (thread.ptrace !== null) {
      // A tracee's fault (a breakpoint's SIGTRAP, a step's) goes to its tracer first, forced as
      // Linux's force_sig_info: unblocked, and fatal if it was blocked or ignored.
      if (forced) {
        proc.sigactions.delete(signal);
        thread.signalMask &= ~sigbit(signal);
      }
    } else if (forced || act.handler === SIG_DFL) {
      kernel.killProcess(proc, signal);
      return false;
    }
    thread.pending.put({ signo: signal, code, addr });
    return true;
  }
}

