/**
 * ptrace(2)'s tracing relationship between a tracer process and the threads it traces: attaching,
 * the stops a tracee makes for its tracer (signal-delivery, group, syscall and event stops),
 * resuming and detaching, and what happens when either side is gone. The requests themselves are
 * linux-syscall's (sys/ptrace.ts); the run loop makes the stops.
 *
 * The tracer is a process, not one of its threads: any of its threads may wait for and command
 * its tracees, and the tracees are let go when the process ends (Linux ties them to the thread
 * that attached).
 *
 * @module
 */
import { CLONE_PTRACE, CLONE_UNTRACED } from '../abi/process.js';
import {
  CLD_TRAPPED, PTRACE_EVENT_EXIT, PTRACE_EVENT_EXEC, PTRACE_EVENT_SECCOMP, PTRACE_EVENT_STOP, PTRACE_O_EXITKILL,
  PTRACE_O_TRACEEXEC, PTRACE_O_TRACEEXIT, PTRACE_O_TRACESYSGOOD,
} from '../abi/ptrace.js';
import { Signo } from '../abi/signal.js';
import type { Kernel } from './kernel.js';
import type { LinuxProcess, LinuxThread } from './process.js';
import {
  SA_NOCLDSTOP, SIG_IGN, SI_KERNEL, exitCode, sendSignal, wakeForSignal, type SigInfo,
} from './signals.js';

/** A stop a tracee is in, for its tracer. */
export interface PtraceStop {
  /** wait's status word for it. */
  readonly status: number;
  /** Whether it is a signal-delivery-stop: only those take a signal from the tracer's resume. */
  readonly signal: boolean;
  /**
   * A syscall-enter-stop or seccomp event ('enter': the call runs when the tracee goes on, as its
   * registers then say) or syscall-exit-stop.
   */
  readonly syscall?: 'enter' | 'exit';
  /** The seccomp event's stop (PTRACE_GET_SYSCALL_INFO's SECCOMP op). */
  readonly seccomp?: boolean;
  /**
   * The exit event's stop: the host makes the exit the thread stopped in when it goes on, or, for
   * a thread its process's group exit ends (`byGroupExit`), the exit_group of the thread that made it.
   */
  readonly exiting?: boolean;
  readonly byGroupExit?: boolean;
  /** Its siginfo (PTRACE_GETSIGINFO): the signal's, or an event's; null in a group-stop. */
  info: SigInfo | null;
  /** Whether the stop came as a syscall returned: its restart is decided when the tracee goes on. */
  readonly atSyscall: boolean;
  /** Whether the tracer's wait has collected it. */
  reported: boolean;
  /** PTRACE_LISTEN: it stays in its group stop, its tracer told again when the group stop ends. */
  listening?: boolean;
}

/** A thread's tracing: who traces it and how, and the stop it is in. */
export class Tracing {
  /** The stop it is in (null while it runs or waits in a syscall). */
  stop: PtraceStop | null = null;
  /** Its wait status once it is gone, until the tracer's wait collects it. */
  exitStatus: number | null = null;
  /** PTRACE_GETEVENTMSG's answer: a new child's id, the exec event's former thread id, an exit's status. */
  eventMessage = 0;
  /** An event stop's wait status, made as the thread next returns to guest code (0: none). */
  pendingEvent = 0;
  /** Resumed with PTRACE_SYSCALL: it stops at its next syscall's entry and exit. */
  syscallStops = false;
  /** It made a syscall-enter-stop: the call's exit makes the exit stop. */
  exitStopDue = false;
  /**
   * Its current call came on the notification path and stopped at entry: its host thread is past
   * the syscall instruction, so the host can no longer make the call itself.
   */
  pastSyscall = false;
  /** Its process's group exit ends it: it makes its exit event at its next stop. */
  exitEventDue = false;
  /** Resumed with PTRACE_SINGLESTEP: its trap flag is the tracer's, cleared at the next resume. */
  stepping = false;
  /**
   * Its debug registers, as the tracer wrote them (PTRACE_POKEUSER): kept and read back, but no
   * hardware breakpoint is armed, so DR7 may only be 0.
   */
  readonly debugRegs = new BigUint64Array(8);

  constructor(
    readonly tracer: LinuxProcess,
    /** Attached by PTRACE_SEIZE (no SIGSTOP; no SIGTRAP after execve). */
    readonly seized: boolean,
    /** PTRACE_O_* options. */
    public options: number,
  ) {}
}

/**
 * Make `tracer` trace `thread`: seized (PTRACE_SEIZE) or not (PTRACE_ATTACH, PTRACE_TRACEME), and
 * stopped with a SIGSTOP (PTRACE_ATTACH's), as Linux's does. A thread already held by a group
 * stop reports that stop at once, either way.
 */
export function attach(
  kernel: Kernel, tracer: LinuxProcess, thread: LinuxThread, how: { seize: boolean; stop: boolean; options: number },
): void {
  thread.ptrace = new Tracing(tracer, how.seize, how.options);
  tracer.tracees.add(thread);
  const proc = thread.process;
  const parked = proc.parked.indexOf(thread);
  if (parked >= 0) {
    proc.parked.splice(parked, 1);
    groupStop(kernel, thread, proc.stopSignal); // in a group stop: its tracer sees it at once
    return;
  }
  if (!how.stop) return;
  thread.pending.add({ signo: Signo.SIGSTOP, code: SI_KERNEL });
  wakeForSignal(kernel, thread);
}

/**
 * `thread` stops for its tracer (its registers kept in `savedRegs` by the caller): the tracer's
 * wait is woken and it gets SIGCHLD, unless it ignores it or asked for no stop reports.
 */
export function enterStop(kernel: Kernel, thread: LinuxThread, stop: PtraceStop): void {
  const tracing = thread.ptrace!;
  tracing.stop = stop;
  const tracer = tracing.tracer;
  tracer.childEvents.wakeAll();
  const act = tracer.sigaction(Signo.SIGCHLD);
  if (act.handler === SIG_IGN || (act.flags & SA_NOCLDSTOP) !== 0) return;
  sendSignal(kernel, tracer, {
    signo: Signo.SIGCHLD, code: CLD_TRAPPED, pid: thread.tid, uid: thread.process.cred.uid, status: (stop.status >> 8) & 0xff,
  });
}

/** A signal-delivery-stop for `info`, taken from the thread's pending signals. */
export function signalStop(kernel: Kernel, thread: LinuxThread, info: SigInfo, atSyscall: boolean): void {
  enterStop(kernel, thread, { status: (info.signo << 8) | 0x7f, signal: true, info, atSyscall, reported: false });
}

/** wait's status word for event `event`'s stop: SIGTRAP, with the event above it. */
export function eventStatus(event: number): number {
  return ((Signo.SIGTRAP | (event << 8)) << 8) | 0x7f;
}

/** What marks a stop besides its status: what the tracee does when it goes on. */
type StopMarks = Pick<PtraceStop, 'syscall' | 'seccomp' | 'exiting' | 'byGroupExit'>;

/**
 * A SIGTRAP stop with wait status `status` (an event's, or a syscall-stop's), whose siginfo
 * carries the status as its code, as Linux's ptrace_do_notify.
 */
export function eventStop(kernel: Kernel, thread: LinuxThread, status: number, atSyscall: boolean, kind: StopMarks = {}): void {
  const info: SigInfo = { signo: Signo.SIGTRAP, code: status >> 8, pid: thread.tid, uid: thread.process.cred.uid };
  enterStop(kernel, thread, { status, signal: false, info, atSyscall, reported: false, ...kind });
}

/**
 * A syscall-enter-stop or syscall-exit-stop: SIGTRAP, with 0x80 under PTRACE_O_TRACESYSGOOD. The
 * caller has set the registers as Linux shows them there (orig_rax the call, rax -ENOSYS at entry
 * and the result at exit).
 */
export function syscallStop(kernel: Kernel, thread: LinuxThread, which: 'enter' | 'exit'): void {
  const tracing = thread.ptrace!;
  const trap = Signo.SIGTRAP | ((tracing.options & PTRACE_O_TRACESYSGOOD) !== 0 ? 0x80 : 0);
  tracing.exitStopDue = which === 'enter';
  eventStop(kernel, thread, (trap << 8) | 0x7f, which === 'exit', { syscall: which });
}

/**
 * A traced thread with PTRACE_O_TRACEEXIT is about to exit (`status` as wait shows it), by its own
 * exit or exit_group, or by its process's group exit (`byGroupExit`): it stops first, alive, its
 * status the event's message. False if it does not stop.
 */
export function exitStop(kernel: Kernel, thread: LinuxThread, status: number, byGroupExit = false): boolean {
  const tracing = thread.ptrace;
  if (tracing === null || (tracing.options & PTRACE_O_TRACEEXIT) === 0) return false;
  tracing.eventMessage = status;
  tracing.exitEventDue = false;
  eventStop(kernel, thread, eventStatus(PTRACE_EVENT_EXIT), false, { exiting: true, byGroupExit });
  return true;
}

/**
 * A filter's SECCOMP_RET_TRACE for a tracee whose tracer asked for PTRACE_O_TRACESECCOMP: it stops
 * before the call, the filter's 16 bits of data the event's message. The caller has set the
 * registers as at a syscall-enter-stop.
 */
export function seccompStop(kernel: Kernel, thread: LinuxThread, data: number): void {
  thread.ptrace!.eventMessage = data;
  eventStop(kernel, thread, eventStatus(PTRACE_EVENT_SECCOMP), false, { syscall: 'enter', seccomp: true });
}

/**
 * A traced thread's part in its process's group stop (job control), reported to its tracer: as
 * PTRACE_EVENT_STOP with the stop signal when seized.
 */
export function groupStop(kernel: Kernel, thread: LinuxThread, signal: number): void {
  if (!thread.ptrace!.seized) {
    enterStop(kernel, thread, { status: (signal << 8) | 0x7f, signal: false, info: null, atSyscall: false, reported: false });
    return;
  }
  const code = signal | (PTRACE_EVENT_STOP << 8);
  const info: SigInfo = { signo: signal, code, pid: thread.tid, uid: thread.process.cred.uid };
  enterStop(kernel, thread, { status: (code << 8) | 0x7f, signal: false, info, atSyscall: false, reported: false });
}

/**
 * The group stop of `proc` ended (SIGCONT): each of its tracees that listens (PTRACE_LISTEN) stops
 * again, with PTRACE_EVENT_STOP and SIGTRAP, for its tracer to see.
 */
export function groupContinued(kernel: Kernel, proc: LinuxProcess): void {
  for (const thread of proc.threads.values()) {
    const stop = thread.ptrace?.stop;
    if (stop?.listening) eventStop(kernel, thread, eventStatus(PTRACE_EVENT_STOP), stop.atSyscall);
  }
}

/**
 * Let a stopped tracee go on. `signal` (0: none) is delivered in place of the one it stopped for,
 * with that one's siginfo if it is the same signal, as Linux's ptrace_signal; other stops ignore it.
 */
export function resumeTracee(kernel: Kernel, thread: LinuxThread, signal: number, syscallStops = false): void {
  const tracing = thread.ptrace;
  if (tracing !== null) release(kernel, thread, tracing, signal, syscallStops);
}

/** resumeTracee for `tracing`, which detach has already taken from the thread. */
function release(kernel: Kernel, thread: LinuxThread, tracing: Tracing, signal: number, syscallStops: boolean): void {
  const stop = tracing.stop;
  tracing.stop = null;
  tracing.syscallStops = syscallStops;
  if (!syscallStops) tracing.exitStopDue = false; // PTRACE_CONT from a syscall-enter-stop: no exit stop
  if (stop === null) return;
  let info: SigInfo | null = null;
  if (signal !== 0 && stop.signal) {
    const tracer = tracing.tracer;
    info = stop.info?.signo === signal ? stop.info : { signo: signal, code: 0, pid: tracer.pid, uid: tracer.cred.uid };
  } else if (signal !== 0 && stop.syscall !== undefined) {
    // Sent, as Linux's ptrace_report_syscall does with a syscall-stop's signal.
    thread.pending.add({ signo: signal, code: SI_KERNEL });
  }
  kernel.resumeTraced?.(thread, info, stop);
}

/** End the tracing of `thread` (PTRACE_DETACH, or its tracer's end); a stopped tracee goes on with `signal`. */
export function detach(kernel: Kernel, thread: LinuxThread, signal: number): void {
  const tracing = thread.ptrace;
  if (!tracing) return;
  tracing.tracer.tracees.delete(thread);
  thread.ptrace = null;
  // One its process's group exit waits for counts as having made its exit event.
  if (tracing.stop === null && tracing.exitEventDue) kernel.resumeTraced?.(thread, null, GROUP_EXIT_LET_GO);
  else release(kernel, thread, tracing, signal, false);
}

/** What a group exit sees of a thread let go before it made its exit event. */
const GROUP_EXIT_LET_GO: PtraceStop = {
  status: 0, signal: false, exiting: true, byGroupExit: true, info: null, atSyscall: false, reported: true,
};

/** The tracer is gone: its tracees are let go, or killed with PTRACE_O_EXITKILL. */
export function tracerGone(kernel: Kernel, tracer: LinuxProcess): void {
  if (tracer.tracees.size === 0) return;
  for (const thread of [...tracer.tracees]) {
    const tracing = thread.ptrace;
    tracer.tracees.delete(thread);
    if (!tracing || tracing.exitStatus !== null) continue;
    if ((tracing.options & PTRACE_O_EXITKILL) !== 0) kernel.killProcess(thread.process, Signo.SIGKILL);
    detach(kernel, thread, 0);
  }
}

/**
 * A traced thread is gone, with wait status `status`. Its tracer collects the exit with wait,
 * except a process leader's when the tracer is the process's parent: that is the child's exit,
 * reported once, as such.
 */
export function traceeGone(kernel: Kernel, thread: LinuxThread, status: number): void {
  const tracing = thread.ptrace;
  if (!tracing) return;
  const tracer = tracing.tracer;
  tracing.stop = null;
  if (tracer.dead || (thread.process.parent === tracer && thread.tid === thread.process.pid)) {
    tracer.tracees.delete(thread);
    thread.ptrace = null;
    return;
  }
  tracing.exitStatus = status;
  tracer.childEvents.wakeAll();
  const act = tracer.sigaction(Signo.SIGCHLD);
  if (act.handler === SIG_IGN) return;
  const signal = status & 0x7f;
  sendSignal(kernel, tracer, {
    signo: Signo.SIGCHLD, code: exitCode(signal), pid: thread.tid, uid: thread.process.cred.uid, status: signal || (status >> 8) & 0xff,
  });
}

/**
 * A traced thread's execve succeeded: with PTRACE_O_TRACEEXEC it makes an exec event stop on its
 * way back; traced by PTRACE_ATTACH or PTRACE_TRACEME without it, it gets SIGTRAP, as Linux's.
 */
export function execDone(thread: LinuxThread): void {
  const tracing = thread.ptrace;
  if (tracing === null) return;
  if ((tracing.options & PTRACE_O_TRACEEXEC) !== 0) {
    tracing.eventMessage = thread.tid;
    tracing.pendingEvent = eventStatus(PTRACE_EVENT_EXEC);
  } else if (!tracing.seized) {
    thread.pending.add({ signo: Signo.SIGTRAP, code: 0, pid: thread.process.pid, uid: thread.process.cred.uid });
  }
}

/**
 * A traced thread made a new process or thread (`event`: PTRACE_EVENT_FORK, _VFORK or _CLONE).
 * With the matching PTRACE_O_TRACE* option, or CLONE_PTRACE, the child is traced too, by the same
 * tracer with the same options, and starts with a stop (PTRACE_EVENT_STOP if seized, else a
 * SIGSTOP); with the option, the parent makes the event stop on its way back, its message the
 * child's id. CLONE_UNTRACED in `cloneFlags` keeps the child untraced.
 */
export function childCreated(parent: LinuxThread, child: LinuxThread, event: number, cloneFlags: number): void {
  const tracing = parent.ptrace;
  if (tracing === null || (cloneFlags & CLONE_UNTRACED) !== 0) return;
  const reported = (tracing.options & (1 << event)) !== 0;
  if (!reported && (cloneFlags & CLONE_PTRACE) === 0) return;
  child.ptrace = new Tracing(tracing.tracer, tracing.seized, tracing.options);
  tracing.tracer.tracees.add(child);
  if (tracing.seized) child.ptrace.pendingEvent = eventStatus(PTRACE_EVENT_STOP);
  else child.pending.add({ signo: Signo.SIGSTOP, code: SI_KERNEL });
  if (!reported) return;
  tracing.pendingEvent = eventStatus(event);
  tracing.eventMessage = child.tid;
}
