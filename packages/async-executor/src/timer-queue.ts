/**
 * Kernel timers: a binary heap of deadlines that the run loop fires when it wakes.
 *
 * @module
 */
import { monotonicClock, type Clock } from './clock.js';
import { markProgress } from './progress.js';

/** A scheduled callback; `cancel()` removes it if it has not fired yet. */
export interface Timer {
  readonly deadline: bigint;
  /** Remove the timer. Returns false if it already fired or was cancelled. */
  cancel(): boolean;
}

interface Entry extends Timer {
  readonly seq: number;
  readonly callback: () => void;
  /** Position in the heap array, -1 once it left the heap. */
  index: number;
}

/** The reason a promise rejects when `signal` aborts (Node's default reason is an AbortError). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Pending kernel timers ordered by deadline (ties fire in the order they were added).
 *
 * Nothing here polls: the run loop asks {@link TimerQueue.nextDeadline} how long it may block,
 * then calls {@link TimerQueue.fireDue} after waking.
 */
export class TimerQueue {
  readonly clock: Clock;
  #heap: Entry[] = [];
  #seq = 0;

  constructor(clock: Clock = monotonicClock) {
    this.clock = clock;
  }

  /** Number of pending timers. */
  get size(): number {
    return this.#heap.length;
  }

  /** Call `callback` once the clock reaches `deadline` (at the first `fireDue` at or after it). */
  add(deadline: bigint, callback: () => void): Timer {
    const entry: Entry = {
      deadline,
      seq: this.#seq++,
      callback,
      index: this.#heap.length,
      cancel: () => this.#remove(entry),
    };
    this.#heap.push(entry);
    this.#siftUp(entry.index);
    return entry;
  }

  /**
   * Resolve at `deadline` (monotonic ns). Rejects with the signal's reason if `signal` aborts first;
   * the timer then leaves the queue.
   */
  sleepUntil(deadline: bigint, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        timer.cancel();
        markProgress();
        reject(abortReason(signal!));
      };
      const timer = this.add(deadline, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Resolve `ns` nanoseconds from now. */
  sleep(ns: bigint | number, signal?: AbortSignal): Promise<void> {
    return this.sleepUntil(this.clock.now() + BigInt(ns), signal);
  }

  /** The earliest pending deadline, or null when no timer is pending. */
  nextDeadline(): bigint | null {
    return this.#heap.length > 0 ? this.#heap[0].deadline : null;
  }

  /**
   * Nanoseconds until the earliest deadline, clamped to [0, MAX_SAFE_INTEGER], or -1 when no timer
   * is pending: the timeout argument a blocking platform wait expects.
   */
  timeoutNs(now?: bigint): number {
    const next = this.nextDeadline();
    if (next === null) return -1; // the common case: no clock read on the syscall path
    const left = next - (now ?? this.clock.now());
    if (left <= 0n) return 0;
    return left > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(left);
  }

  /** Fire every timer whose deadline is <= `now`, earliest first. Returns how many fired. */
  fireDue(now: bigint = this.clock.now()): number {
    let fired = 0;
    while (this.#heap.length > 0 && this.#heap[0].deadline <= now) {
      const entry = this.#heap[0];
      this.#remove(entry);
      fired++;
      entry.callback();
    }
    if (fired > 0) markProgress();
    return fired;
  }

  #less(a: Entry, b: Entry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  #remove(entry: Entry): boolean {
    const i = entry.index;
    if (i < 0) return false;
    const last = this.#heap.pop()!;
    entry.index = -1;
    if (last !== entry) {
      this.#heap[i] = last;
      last.index = i;
      this.#siftUp(i);
      this.#siftDown(last.index);
    }
    return true;
  }

  #swap(i: number, j: number): void {
    const heap = this.#heap;
    [heap[i], heap[j]] = [heap[j], heap[i]];
    heap[i].index = i;
    heap[j].index = j;
  }

  #siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(this.#heap[i], this.#heap[parent])) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #siftDown(i: number): void {
    const n = this.#heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && this.#less(this.#heap[l], this.#heap[min])) min = l;
      if (r < n && this.#less(this.#heap[r], this.#heap[min])) min = r;
      if (min === i) return;
      this.#swap(i, min);
      i = min;
    }
  }
}
