/**
 * ptrace(2)'s tracing relationship between a tracer process and the threads it traces: attaching,
 * the stops a tracee makes for its tracer (signal-delivery-stops, and the exec event), resuming
 * and detaching, and what happens when either side is gone. The requests themselves are
 * linux-syscall's (sys/ptrace.ts); the run loop makes the stops.
 *
 * The tracer is a process, not one of its threads: any of its threads may wait for and command
 * its tracees, and the tracees are let go when the process ends (Linux ties them to the thread
 * that attached).
 *
 * @module
 */
import { Signo } from '../abi/signal.js';
import type { Kernel } from './kernel.js';
import type { LinuxProcess, LinuxThread } from './process.js';
import {
  CLD_EXITED, CLD_KILLED, SA_NOCLDSTOP, SIG_IGN, SI_KERNEL, sendSignal, wakeForSignal, type SigInfo,
} from './signals.js';

export const PTRACE_O_TRACESYSGOOD = 0x1;
export const PTRACE_O_TRACEEXEC = 0x10;
export const PTRACE_O_EXITKILL = 0x10_0000;
/** Every option Linux knows (PTRACE_O_MASK). */
export const PTRACE_O_MASK = 0x30_00ff;
export const PTRACE_EVENT_EXEC = 4;
/** si_code of the SIGCHLD a tracer gets for a tracee's stop. */
export const CLD_TRAPPED = 4;

/** A stop a tracee is in, for its tracer. */
export interface PtraceStop {
  /** wait's status word for it. */
  readonly status: number;
  /** Whether it is a signal-delivery-stop: only those take a signal from the tracer's resume. */
  readonly signal: boolean;
  /** Its siginfo (PTRACE_GETSIGINFO): the signal's, or an event's; null in a group-stop. */
  info: SigInfo | null;
  /** Whether the stop came as a syscall returned: its restart is decided when the tracee goes on. */
  readonly atSyscall: boolean;
  /** Whether the tracer's wait has collected it. */
  reported: boolean;
}

/** A thread's tracing: who traces it and how, and the stop it is in. */
export class Tracing {
  /** The stop it is in (null while it runs or waits in a syscall). */
  stop: PtraceStop | null = null;
  /** Its wait status once it is gone, until the tracer's wait collects it. */
  exitStatus: number | null = null;
  /** A PTRACE_GETEVENTMSG's answer: the exec event's former thread id. */
  eventMessage = 0;
  /** An event stop's wait status, made as the thread next returns to guest code (0: none). */
  pendingEvent = 0;

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
 * stopped with a SIGSTOP (PTRACE_ATTACH's), as Linux's does; a thread already held by a group
 * stop reports that stop at once.
 */
export function attach(
  kernel: Kernel, tracer: LinuxProcess, thread: LinuxThread, how: { seize: boolean; stop: boolean; options: number },
): void {
  thread.ptrace = new Tracing(tracer, how.seize, how.options);
  tracer.tracees.add(thread);
  if (!how.stop) return;
  const info: SigInfo = { signo: Signo.SIGSTOP, code: SI_KERNEL };
  const parked = thread.process.parked.indexOf(thread);
  if (parked >= 0) {
    thread.process.parked.splice(parked, 1);
    enterStop(kernel, thread, { status: (Signo.SIGSTOP << 8) | 0x7f, signal: true, info, atSyscall: false, reported: false });
    return;
  }
  thread.pending.add(info);
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

/**
 * An event stop (SIGTRAP with the event in the status's third byte), whose siginfo carries the
 * status as its code, as Linux's ptrace_do_notify.
 */
export function eventStop(kernel: Kernel, thread: LinuxThread, status: number, atSyscall: boolean): void {
  const info: SigInfo = { signo: Signo.SIGTRAP, code: status >> 8, pid: thread.tid, uid: thread.process.cred.uid };
  enterStop(kernel, thread, { status, signal: false, info, atSyscall, reported: false });
}

/** A traced thread's part in its process's group stop (job control), reported to its tracer. */
export function groupStop(kernel: Kernel, thread: LinuxThread, signal: number): void {
  enterStop(kernel, thread, { status: (signal << 8) | 0x7f, signal: false, info: null, atSyscall: false, reported: false });
}

/**
 * Let a stopped tracee go on. `signal` (0: none) is delivered in place of the one it stopped for,
 * with that one's siginfo if it is the same signal, as Linux's ptrace_signal; other stops ignore it.
 */
export function resumeTracee(kernel: Kernel, thread: LinuxThread, signal: number): void {
  const tracing = thread.ptrace;
  const stop = tracing?.stop ?? null;
  if (tracing) tracing.stop = null;
  if (stop === null) return;
  let info: SigInfo | null = null;
  if (signal !== 0 && stop.signal) {
    const tracer = tracing!.tracer;
    info = stop.info?.signo === signal ? stop.info : { signo: signal, code: 0, pid: tracer.pid, uid: tracer.cred.uid };
  }
  kernel.resumeTraced?.(thread, info, stop.atSyscall);
}

/** End the tracing of `thread` (PTRACE_DETACH, or its tracer's end); a stopped tracee goes on with `signal`. */
export function detach(kernel: Kernel, thread: LinuxThread, signal: number): void {
  const tracing = thread.ptrace;
  if (!tracing) return;
  tracing.tracer.tracees.delete(thread);
  const stopped = tracing.stop !== null;
  if (stopped) resumeTracee(kernel, thread, signal);
  thread.ptrace = null;
}

/** The tracer is gone: its tracees are let go, or killed with PTRACE_O_EXITKILL. */
export function tracerGone(kernel: Kernel, tracer: LinuxProcess): void {
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
    signo: Signo.SIGCHLD, code: signal ? CLD_KILLED : CLD_EXITED, pid: thread.tid, uid: thread.process.cred.uid, status: signal || (status >> 8) & 0xff,
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
    tracing.pendingEvent = ((Signo.SIGTRAP | (PTRACE_EVENT_EXEC << 8)) << 8) | 0x7f;
  } else if (!tracing.seized) {
    thread.pending.add({ signo: Signo.SIGTRAP, code: 0, pid: thread.process.pid, uid: thread.process.cred.uid });
  }
}
