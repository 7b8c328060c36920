/**
 * Monotonic time for the kernel, in nanoseconds.
 *
 * @module
 */

/** A source of monotonic time in nanoseconds. Injectable so tests control time. */
export interface Clock {
  /** Current monotonic time in nanoseconds. */
  now(): bigint;
}

/** The host's monotonic clock (`process.hrtime.bigint()`). */
export const monotonicClock: Clock = {
  now: () => process.hrtime.bigint(),
};

/** A clock that moves only when told to: deterministic time for tests. */
export class ManualClock implements Clock {
  #now: bigint;

  /** @param start initial time in nanoseconds */
  constructor(start = 0n) {
    this.#now = start;
  }

  now(): bigint {
    return this.#now;
  }

  /** Move time forward by `ns` nanoseconds (negative steps are refused: the clock is monotonic). */
  advance(ns: bigint | number): bigint {
    const step = BigInt(ns);
    if (step < 0n) throw new RangeError('ManualClock cannot go backwards');
    this.#now += step;
    return this.#now;
  }

  /** Set the time to `ns` (must not be earlier than now). */
  set(ns: bigint): void {
    if (ns < this.#now) throw new RangeError('ManualClock cannot go backwards');
    this.#now = ns;
  }
}
