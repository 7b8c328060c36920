/**
 * Readiness notification: how poll, select and epoll learn that a file's readiness may have
 * changed without re-checking it on a timer. A file owns a {@link Readiness} and calls
 * `notify()` whenever what its `poll()` answers could change (data arrived, space freed, a peer
 * closed); waiters then re-check `poll()` themselves (level-triggered), and epoll's edge-triggered
 * entries count each notification as an edge.
 *
 * @module
 */
import { abortReason, markProgress } from '@rvisor/async-executor';

/** A callback run on every notification; see {@link Readiness.subscribe}. */
export type ReadinessListener = () => void;

/**
 * The readiness events of one file (or one side of a shared object such as a pipe). Nothing
 * here knows which events changed: listeners re-check the file's `poll()`.
 */
export class Readiness {
  readonly #listeners = new Set<ReadinessListener>();

  /** Number of current subscribers (waits in progress included). */
  get size(): number {
    return this.#listeners.size;
  }

  /**
   * Call `listener` on every notification until the returned function is called. epoll keeps
   * one subscription per interest-list entry.
   */
  subscribe(listener: ReadinessListener): () => void {
    // A wrapper, so one listener subscribed twice is two subscriptions.
    const entry = (): void => listener();
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Tell every subscriber the file's readiness may have changed. */
  notify(): void {
    if (this.#listeners.size === 0) return;
    for (const listener of [...this.#listeners]) listener();
    markProgress();
  }

  /**
   * Resolve at the next notification; reject with the signal's reason if `signal` aborts first
   * (the wait then unsubscribes, so abandoned waits never pile up).
   */
  next(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        unsubscribe();
        reject(abortReason(signal!));
      };
      const unsubscribe = this.subscribe(() => {
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * Wait until `ready()` holds, re-checking it at each notification of `readiness`. Rejects with
 * the signal's reason when `signal` aborts first.
 */
export async function waitUntilReady(readiness: Readiness, ready: () => boolean, signal?: AbortSignal): Promise<void> {
  while (!ready()) await readiness.next(signal);
}
