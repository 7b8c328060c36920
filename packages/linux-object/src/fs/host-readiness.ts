/**
 * Waiting for host fds (the sandbox's stdin/stdout/stderr) without blocking the kernel.
 *
 * @module
 */
import { POLLERR, POLLHUP, POLLNVAL } from '../abi/poll.js';

/** What the platform offers to wake the kernel loop when host fds become ready. */
export interface HostWatcher {
  /** Wake the kernel loop when `fd` is ready for `events` (poll bits), until `unwatch`. */
  watch(fd: number, events: number): void;
  unwatch(fd: number): void;
}

/** poll(2) of one host fd with a zero timeout: ready events, 0, or -errno. */
export type PollNow = (fd: number, events: number) => number;

interface Waiter {
  readonly events: number;
  readonly resolve: () => void;
}

// Conditions that end every wait on an fd, whatever events it asked for.
const ALWAYS = POLLERR | POLLHUP | POLLNVAL;

/**
 * Host fds that kernel tasks wait on. `wait` registers the fd with the platform's watcher; the
 * kernel loop calls `check` when it wakes, which polls each waited fd and resolves the waits
 * that are ready (level-triggered: a woken task retries its operation and may wait again).
 */
export class HostReadiness {
  readonly #waiters = new Map<number, Waiter[]>();
  readonly #watched = new Map<number, number>();

  constructor(
    private readonly watcher: HostWatcher,
    private readonly pollNow: PollNow,
  ) {}

  /** Resolves once `fd` is ready for `events` (or has an error or hangup). */
  wait(fd: number, events: number): Promise<void> {
    const ready = this.pollNow(fd, events);
    if (ready !== 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const list = this.#waiters.get(fd);
      if (list === undefined) this.#waiters.set(fd, [{ events, resolve }]);
      else list.push({ events, resolve });
      this.#updateWatch(fd);
    });
  }

  /** Poll every waited fd and resolve the ready waits. */
  check(): void {
    for (const [fd, list] of [...this.#waiters]) {
      const ready = this.pollNow(fd, this.#eventsOf(list));
      if (ready === 0) continue;
      const still: Waiter[] = [];
      for (const w of list) {
        if (ready < 0 || (ready & (w.events | ALWAYS)) !== 0) w.resolve();
        else still.push(w);
      }
      if (still.length === 0) this.#waiters.delete(fd);
      else this.#waiters.set(fd, still);
      this.#updateWatch(fd);
    }
  }

  /** How many fds are being waited on. */
  get waitedFds(): number {
    return this.#waiters.size;
  }

  #eventsOf(list: readonly Waiter[]): number {
    let events = 0;
    for (const w of list) events |= w.events;
    return events;
  }

  /** Keep the platform's watch in step with what is waited for. */
  #updateWatch(fd: number): void {
    const list = this.#waiters.get(fd);
    const events = list === undefined ? 0 : this.#eventsOf(list);
    if (events === (this.#watched.get(fd) ?? 0)) return;
    if (events === 0) {
      this.#watched.delete(fd);
      this.watcher.unwatch(fd);
    } else {
      this.#watched.set(fd, events);
      this.watcher.watch(fd, events);
    }
  }
}
