/**
 * POSIX per-process timers (timer_create): each counts down on the kernel's timer queue and, when
 * it expires, sends its signal (SI_TIMER, with its id and sigev_value) to the process or to one
 * thread, or nothing (SIGEV_NONE). An expiry while its last signal is still pending adds to that
 * signal's overrun instead of sending another, as Linux does.
 *
 * @module
 */
import type { Timer } from '@rvisor/async-executor';
import type { Kernel } from './kernel.js';
import type { LinuxProcess, LinuxThread } from './process.js';
import { SI_TIMER, sendSignal, type PendingSignals, type SigInfo } from './signals.js';

/** Overruns stop counting here (Linux's DELAYTIMER_MAX, INT_MAX). */
const DELAYTIMER_MAX = 0x7fff_ffff;
/**
 * The soonest a timer with a shorter period fires again after an expiry; the expirations skipped
 * meanwhile count as overruns. Without it a period of a few ns would keep the kernel firing it,
 * as Linux guards against by pushing such a timer a jiffy ahead.
 */
const MIN_REARM_NS = 1_000_000n;

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
  #timer: Timer | null = null;
  /** When it next expires (the kernel's monotonic ns), and its period (0: once). */
  #deadline = 0n;
  #interval = 0n;
  /** The last signal sent, which an expiry while it is pending adds its overrun to. */
  #sent: SigInfo | null = null;
  /** The overrun of the last signal delivered (timer_getoverrun's answer). */
  #delivered = 0;

  /** `wallClock`: its clock keeps wall time, so an absolute time it is given is CLOCK_REALTIME's. */
  constructor(
    private readonly kernel: Kernel,
    private readonly proc: LinuxProcess,
    readonly id: number,
    private readonly target: TimerTarget,
    readonly wallClock: boolean,
  ) {}

  /** Arm it to expire at `deadline` (monotonic ns) and then every `interval` ns; a 0 deadline disarms it. */
  arm(deadline: bigint, interval: bigint): void {
    this.disarm();
    if (deadline === 0n) return;
    this.#interval = interval;
    this.#schedule(deadline);
  }

  /**
   * Stop it; a signal of its still pending goes too, as Linux drops a timer's signal that was
   * queued before the timer was re-armed or deleted.
   */
  disarm(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#interval = 0n;
    if (this.#sent !== null) {
      if (!this.#pending.remove(this.#sent)) this.#delivered = this.#sent.timer!.overrun;
      this.#sent = null;
    }
  }

  /** What is left until it expires (0: disarmed), and its period. */
  remaining(now: bigint): { value: bigint; interval: bigint } {
    if (this.#timer === null) return { value: 0n, interval: this.#interval };
    return { value: this.#deadline > now ? this.#deadline - now : 1n, interval: this.#interval };
  }

  /** timer_getoverrun: the extra expirations its last delivered signal stood for. */
  get overrun(): number {
    if (this.#sent !== null && !this.#pending.includes(this.#sent)) this.#delivered = this.#sent.timer!.overrun;
    return this.#delivered;
  }

  get #pending(): PendingSignals {
    return (this.target.thread ?? this.proc).pending;
  }

  #schedule(deadline: bigint): void {
    this.#deadline = deadline;
    this.#timer = this.kernel.timers.add(deadline, () => {
      this.#timer = null;
      this.#expire();
      // A period catches up on what the kernel slept through: every missed expiry is an overrun.
      if (this.#interval > 0n && !this.proc.dead) {
        const now = this.kernel.timers.clock.now();
        let next = deadline + this.#interval;
        if (next <= now) {
          const missed = (now - deadline) / this.#interval;
          this.#addOverrun(Number(missed > BigInt(DELAYTIMER_MAX) ? BigInt(DELAYTIMER_MAX) : missed));
          next = deadline + (missed + 1n) * this.#interval;
        }
        if (this.#interval < MIN_REARM_NS && next < now + MIN_REARM_NS) {
          const skipped = (now + MIN_REARM_NS - next) / this.#interval;
          this.#addOverrun(Number(skipped > BigInt(DELAYTIMER_MAX) ? BigInt(DELAYTIMER_MAX) : skipped));
          next += skipped * this.#interval;
          if (next < now + MIN_REARM_NS) next += this.#interval;
        }
        this.#schedule(next);
      }
    });
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
