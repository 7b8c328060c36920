/**
 * A timer that expires when its clock reaches a deadline, and then every `interval`, on the
 * kernel's timer queue: what setitimer's three timers and timer_create's are made of. Its clock
 * is the kernel's own or a CPU-time clock (cpu-clocks.ts), which only says, from its reading, when
 * the timer should look at it again.
 *
 * @module
 */
import type { Timer, TimerQueue } from '@rvisor/async-executor';

/**
 * The soonest a timer with a shorter period fires again after an expiry; the expirations skipped
 * meanwhile count as overruns. Without it a period of a few ns would keep the kernel firing it,
 * as Linux guards against by pushing such a timer a jiffy ahead.
 */
const MIN_REARM_NS = 1_000_000n;
/** Overruns stop counting here (Linux's DELAYTIMER_MAX, INT_MAX). */
const DELAYTIMER_MAX = 0x7fff_ffff;

/** What a timer counts on. */
export interface TimerClock {
  /** Its reading, in ns. */
  now(): bigint;
  /**
   * The kernel's monotonic time at which to look again for `deadline`, given that the clock read
   * `now`: the deadline itself for the kernel's clock, no later than the soonest the clock can
   * reach it for a CPU-time clock.
   */
  lookAt(deadline: bigint, now: bigint): bigint;
  /** False once what it measures is gone (a CPU clock's process or thread): the timer stops. */
  live(): boolean;
}

/** The kernel's monotonic clock as a timer's clock. */
export function monotonicTimerClock(timers: TimerQueue): TimerClock {
  return { now: () => timers.clock.now(), lookAt: (deadline) => deadline, live: () => true };
}

export class IntervalTimer {
  #timer: Timer | null = null;
  /** When it next expires (its clock's time), and its period (0: once). */
  #deadline = 0n;
  #interval = 0n;
  /** Counts disarms, so that an expiry whose signal disarmed or re-armed the timer does not arm it again. */
  #arming = 0;

  /**
   * `onExpiry` runs at each expiry with the expirations a late look skipped (0 if none); it
   * returns false to stop a periodic timer (its process is gone).
   */
  constructor(
    private readonly timers: TimerQueue,
    readonly clock: TimerClock,
    private readonly onExpiry: (overruns: number) => boolean,
  ) {}

  /**
   * Arm it to expire at `deadline` (its clock's time) and then every `interval` ns. A 0 deadline
   * disarms it, and the interval is still reported (as Linux's CPU-time itimers keep theirs).
   */
  arm(deadline: bigint, interval: bigint): void {
    this.disarm();
    this.#interval = interval;
    if (deadline !== 0n) this.#schedule(deadline, this.clock.now());
  }

  /** Stop it and forget its interval. */
  disarm(): void {
    this.#arming++;
    this.#timer?.cancel();
    this.#timer = null;
    this.#interval = 0n;
  }

  /** What is left until it expires (0: disarmed; 1 ns: due), and its period. */
  remaining(): { value: bigint; interval: bigint } {
    if (this.#timer === null) return { value: 0n, interval: this.#interval };
    const now = this.clock.now();
    return { value: this.#deadline > now ? this.#deadline - now : 1n, interval: this.#interval };
  }

  #schedule(deadline: bigint, now: bigint): void {
    this.#deadline = deadline;
    this.#timer = this.timers.add(this.clock.lookAt(deadline, now), () => this.#look());
  }

  #look(): void {
    this.#timer = null;
    if (!this.clock.live()) return;
    const now = this.clock.now();
    const deadline = this.#deadline;
    if (now < deadline) return this.#schedule(deadline, now);
    const interval = this.#interval;
    if (interval === 0n) {
      this.onExpiry(0);
      return;
    }
    // The first period past now, at least MIN_REARM_NS ahead: what a late look skipped is an overrun.
    let next = deadline + interval;
    let skipped = 0n;
    if (next <= now) {
      const missed = (now - deadline) / interval;
      skipped += missed;
      next = deadline + (missed + 1n) * interval;
    }
    if (interval < MIN_REARM_NS && next < now + MIN_REARM_NS) {
      const more = (now + MIN_REARM_NS - next + interval - 1n) / interval;
      skipped += more;
      next += more * interval;
    }
    const arming = this.#arming;
    const overruns = Number(skipped > BigInt(DELAYTIMER_MAX) ? BigInt(DELAYTIMER_MAX) : skipped);
    if (this.onExpiry(overruns) && this.#arming === arming) this.#schedule(next, now);
  }
}
