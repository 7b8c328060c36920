/**
 * POSIX per-process timers (timer_create): each counts down on its clock (an IntervalTimer) and,
 * when it expires, sends its signal (SI_TIMER, with its id and sigev_value) to the process or to one
 * thread, or nothing (SIGEV_NONE). An expiry while its last signal is still pending adds to that
 * signal's overrun instead of sending another, as Linux does.
 *
 * @module
 */
import type { Kernel } from './kernel.js';
import { IntervalTimer, type TimerClock } from './interval-timer.js';
import type { LinuxProcess, LinuxThread } from './process.js';
import { SI_TIMER, sendSignal, type PendingSignals, type SigInfo } from './signals.js';

/** Overruns stop counting here (Linux's DELAYTIMER_MAX, INT_MAX). */
const DELAYTIMER_MAX = 0x7fff_ffff;

/** Where a timer's expiry goes: a signal to the process or to one of its threads, or nowhere. */
export interface TimerTarget {
  signo: number;
  /** The thread of SIGEV_THREAD_ID; undefined: the process. */
  thread?: LinuxThread;
  /** SIGEV_NONE: no signal. */
  none: boolean;
  /** sigev_value, handed to the handler in si_value. */
  value: bigint;
}

export class PosixTimer {
  readonly #timer: IntervalTimer;
  /** The last signal sent, which an expiry while it is pending adds its overrun to. */
  #sent: SigInfo | null = null;
  /** The overrun of the last signal delivered (timer_getoverrun's answer). */
  #delivered = 0;

  /**
   * A timer on `clock`; `wallClock`: that clock keeps wall time, so an absolute time it is given
   * is CLOCK_REALTIME's.
   */
  constructor(
    private readonly kernel: Kernel,
    private readonly proc: LinuxProcess,
    readonly id: number,
    private readonly target: TimerTarget,
    readonly clock: TimerClock,
    readonly wallClock: boolean,
  ) {
    this.#timer = new IntervalTimer(kernel.timers, clock, (overruns) => {
      this.#expire();
      this.#addOverrun(overruns);
      return !this.proc.dead;
    });
  }

  /** Arm it to expire at `deadline` (its clock's ns) and then every `interval` ns; a 0 deadline disarms it. */
  arm(deadline: bigint, interval: bigint): void {
    this.disarm();
    this.#timer.arm(deadline, deadline === 0n ? 0n : interval); // a disarmed one reports no interval
  }

  /**
   * Stop it; a signal of its still pending goes too, as Linux drops a timer's signal that was
   * queued before the timer was re-armed or deleted.
   */
  disarm(): void {
    this.#timer.disarm();
    if (this.#sent !== null) {
      if (!this.#pending.remove(this.#sent)) this.#delivered = this.#sent.timer!.overrun;
      this.#sent = null;
    }
  }

  /** What is left until it expires (0: disarmed), and its period. */
  remaining(): { value: bigint; interval: bigint } {
    return this.#timer.remaining();
  }

  /** timer_getoverrun: the extra expirations its last delivered signal stood for. */
  get overrun(): number {
    if (this.#sent !== null && !this.#pending.includes(this.#sent)) this.#delivered = this.#sent.timer!.overrun;
    return this.#delivered;
  }

  get #pending(): PendingSignals {
    return (this.target.thread ?? this.proc).pending;
  }

  #expire(): void {
    if (this.target.none) return;
    if (this.#sent !== null) {
      if (this.#pending.includes(this.#sent)) {
        this.#addOverrun(1); // its last signal is not delivered yet
        return;
      }
      this.#delivered = this.#sent.timer!.overrun;
    }
    this.#sent = { signo: this.target.signo, code: SI_TIMER, timer: { id: this.id, overrun: 0, value: this.target.value } };
    sendSignal(this.kernel, this.proc, this.#sent, this.target.thread);
  }

  #addOverrun(n: number): void {
    const t = this.#sent?.timer;
    if (t) t.overrun = Math.min(DELAYTIMER_MAX, t.overrun + n);
  }
}
