/**
 * The kernel's task executor: runs async kernel tasks on the one kernel thread.
 *
 * @module
 */
import { markProgress, progressEpoch } from './progress.js';

/** Receives errors that escaped a spawned task. */
export type TaskErrorHandler = (error: unknown, taskName: string) => void;

/** A running kernel task. */
export interface Task {
  readonly name: string;
  /** Settles when the task ends; never rejects (errors go to the executor's handler). */
  readonly done: Promise<void>;
}

/** Options of {@link Executor}. */
export interface ExecutorOptions {
  /** Called with errors that escaped a task. Default: print them with `console.error`. */
  onError?: TaskErrorHandler;
  /**
   * Microtask turns without progress after which {@link Executor.drain} considers the kernel
   * quiet. Default 16: deep enough for the usual chains of nested `async` handlers.
   */
  quietTurns?: number;
}

const defaultErrorHandler: TaskErrorHandler = (error, name) => {
  console.error(`kernel task ${name} failed:`, error);
};

/**
 * Runs kernel tasks (async syscall handlers that block on wait queues and timers).
 *
 * Tasks are plain promises; the executor counts them, reports their escaped errors, and lets the
 * run loop wait until their continuations have run ({@link Executor.drain}) before it blocks again.
 */
export class Executor {
  readonly #onError: TaskErrorHandler;
  readonly #quietTurns: number;
  #live = 0;
  #spawned = 0;

  constructor(options: ExecutorOptions = {}) {
    this.#onError = options.onError ?? defaultErrorHandler;
    this.#quietTurns = options.quietTurns ?? 16;
  }

  /** Number of tasks that have not finished. */
  get liveTasks(): number {
    return this.#live;
  }

  /**
   * Start `fn` now (it runs synchronously up to its first `await`). Errors it throws or rejects
   * with go to the error handler, never to the caller.
   */
  spawn(fn: () => Promise<void>, name = `task-${this.#spawned}`): Task {
    this.#spawned++;
    this.#live++;
    markProgress();
    let promise: Promise<void>;
    try {
      promise = fn();
    } catch (error) {
      promise = Promise.reject(error);
    }
    const done = promise.then(
      () => this.#finish(),
      (error: unknown) => {
        this.#finish();
        this.#onError(error, name);
      },
    );
    return { name, done };
  }

  /** Let other ready continuations run before the caller continues. */
  async yieldNow(): Promise<void> {
    markProgress();
    await Promise.resolve();
  }

  /**
   * Let pending promise continuations run until the kernel is quiet: returns once `quietTurns`
   * microtask turns have passed without a wake-up, timer, spawn or task end. Uses microtasks only,
   * so it never lets the host event loop in.
   */
  async drain(): Promise<void> {
    let quiet = 0;
    while (quiet < this.#quietTurns) {
      const before = progressEpoch();
      await Promise.resolve();
      quiet = progressEpoch() === before ? quiet + 1 : 0;
    }
  }

  #finish(): void {
    this.#live--;
    markProgress();
  }
}
