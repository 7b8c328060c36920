/**
 * Wait queues: where kernel tasks sleep until another task or a timer wakes them.
 *
 * @module
 */
import { markProgress } from './progress.js';
import { abortReason, type Timer, type TimerQueue } from './timer-queue.js';

/** What a wait with a deadline resolves to when the deadline passes first. */
export const TIMED_OUT = Symbol('TIMED_OUT');

/** Options of {@link WaitQueue.wait}. */
export interface WaitOptions {
  /** Abort the wait: the promise rejects with the signal's reason and the waiter leaves the queue. */
  signal?: AbortSignal;
  /** Monotonic ns deadline (needs a TimerQueue); the wait then resolves to {@link TIMED_OUT}. */
  deadline?: bigint;
}

interface Waiter<T> {
  queue: WaitQueue<T>;
  settle(value: T | typeof TIMED_OUT): void;
}

/**
 * A FIFO queue of sleeping kernel tasks (futex, pipe, wait4…), woken in arrival order.
 *
 * A waiter that is aborted or times out leaves the queue, so it never absorbs a later wake-up.
 */
export class WaitQueue<T = void> {
  /** Sets iterate in insertion order: FIFO with O(1) removal. */
  #waiters = new Set<Waiter<T>>();
  readonly #timers: TimerQueue | undefined;

  /** @param timers needed only for waits with a deadline */
  constructor(timers?: TimerQueue) {
    this.#timers = timers;
  }

  /** Number of tasks waiting. */
  get size(): number {
    return this.#waiters.size;
  }

  /** Sleep until woken; resolves with the value passed to the wake. */
  wait(signal?: AbortSignal): Promise<T>;
  /** Sleep until woken, aborted, or `deadline` passes (then resolves to {@link TIMED_OUT}). */
  wait(options: WaitOptions): Promise<T | typeof TIMED_OUT>;
  wait(arg?: AbortSignal | WaitOptions): Promise<T | typeof TIMED_OUT> {
    const { signal, deadline } = toOptions(arg);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (deadline !== undefined && this.#timers === undefined) {
      throw new TypeError('WaitQueue: a wait with a deadline needs a TimerQueue');
    }
    return new Promise((resolve, reject) => {
      let timer: Timer | undefined;
      const onAbort = (): void => {
        if (!this.#leave(waiter)) return;
        timer?.cancel();
        markProgress();
        reject(abortReason(signal!));
      };
      const waiter: Waiter<T> = {
        queue: this,
        settle: (value) => {
          timer?.cancel();
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
      };
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined) {
        timer = this.#timers!.add(deadline, () => {
          const queue = waiter.queue;
          if (queue.#leave(waiter)) waiter.settle(TIMED_OUT);
        });
      }
    });
  }

  /** Sleep until `pred()` holds, re-checking after every wake-up. Returns at once if it holds. */
  waitUntil(pred: () => boolean, signal?: AbortSignal): Promise<void>;
  /** As above with a deadline: resolves to {@link TIMED_OUT} if it passes before `pred()` holds. */
  waitUntil(pred: () => boolean, options: WaitOptions): Promise<void | typeof TIMED_OUT>;
  async waitUntil(pred: () => boolean, arg?: AbortSignal | WaitOptions): Promise<void | typeof TIMED_OUT> {
    const options = toOptions(arg);
    while (!pred()) {
      if ((await this.wait(options)) === TIMED_OUT) return pred() ? undefined : TIMED_OUT;
    }
  }

  /** Wake the oldest waiter with `value`. Returns whether a waiter was woken. */
  wakeOne(value: T): boolean {
    return this.wakeN(1, value) === 1;
  }

  /** Wake every waiter with `value`. Returns how many were woken. */
  wakeAll(value: T): number {
    return this.wakeN(Infinity, value);
  }

  /** Wake up to `n` oldest waiters with `value`. Returns how many were woken. */
  wakeN(n: number, value: T): number {
    let woken = 0;
    for (const waiter of this.#waiters) {
      if (woken >= n) break;
      this.#waiters.delete(waiter);
      waiter.settle(value);
      woken++;
    }
    if (woken > 0) markProgress();
    return woken;
  }

  /**
   * Move up to `n` oldest waiters to the tail of `target` without waking them (FUTEX_REQUEUE).
   * Returns how many moved.
   */
  requeue(target: WaitQueue<T>, n: number): number {
    if (target === this) return 0;
    let moved = 0;
    for (const waiter of this.#waiters) {
      if (moved >= n) break;
      this.#waiters.delete(waiter);
      waiter.queue = target;
      target.#waiters.add(waiter);
      moved++;
    }
    return moved;
  }

  /** Remove `waiter` from whichever queue holds it now. */
  #leave(waiter: Waiter<T>): boolean {
    return waiter.queue.#waiters.delete(waiter);
  }
}

function toOptions(arg: AbortSignal | WaitOptions | undefined): WaitOptions {
  if (arg === undefined) return {};
  if (arg instanceof AbortSignal) return { signal: arg };
  return arg;
}
