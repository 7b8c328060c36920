/**
 * A minimal kernel run loop: block in the platform until the next timer, then fire due timers.
 *
 * @module
 */
import type { Executor } from './executor.js';
import type { TimerQueue } from './timer-queue.js';

/** The blocking wait the platform provides (e.g. `resumeAndWait(0, null, 0, timeoutNs)`). */
export interface EventSource {
  /** Block until an event arrives or `timeoutNs` passes (-1: no limit). */
  waitForEvents(timeoutNs: number): void;
}

/**
 * Drives one kernel: each {@link RunLoop.step} blocks in the platform no longer than the next
 * timer deadline, then fires the timers that are due. The real sandbox loop also dispatches
 * guest stops; this helper is the timer part of it and a harness for tests.
 */
export class RunLoop {
  readonly #events: EventSource;
  readonly #timers: TimerQueue;
  readonly #executor: Executor | undefined;

  constructor(events: EventSource, timers: TimerQueue, executor?: Executor) {
    this.#events = events;
    this.#timers = timers;
    this.#executor = executor;
  }

  /** The timeout for the next wait: ns until the next deadline, 0 if due, -1 if no timer. */
  timeoutNs(): number {
    return this.#timers.timeoutNs();
  }

  /** Wait for events (at most until the next deadline), then fire due timers. Returns how many fired. */
  step(): number {
    this.#events.waitForEvents(this.timeoutNs());
    return this.#timers.fireDue();
  }

  /**
   * Step and drain the executor until `done()` holds, or until nothing can happen any more (no
   * timer pending and no live task) — which would otherwise block forever.
   */
  async runUntil(done: () => boolean): Promise<void> {
    await this.#executor?.drain();
    while (!done()) {
      if (this.#timers.size === 0 && (this.#executor?.liveTasks ?? 0) === 0) return;
      this.step();
      await this.#executor?.drain();
    }
  }
}
