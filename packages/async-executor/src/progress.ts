/**
 * A counter of kernel progress: every wake-up, timer, spawn and task end bumps it, so
 * `Executor.drain` can tell whether promise continuations are still doing work.
 *
 * @module
 */

let epoch = 0;

/**
 * Record that something happened that may let a kernel task continue (a wake-up, a completed
 * task). Code outside this package calls it when it resolves promises that kernel tasks await.
 */
export function markProgress(): void {
  epoch++;
}

/** The current progress count: unchanged means no kernel task can have become runnable. */
export function progressEpoch(): number {
  return epoch;
}
