/**
 * A bounded cache of host directory fds: directories are reopened on demand, so a walk over a
 * large tree never holds more than `capacity` fds.
 *
 * @module
 */

/** Least-recently-used host fds by key; evicted fds are closed. */
export class DirFdCache {
  readonly #fds = new Map<string, number>();
  readonly #pinned = new Map<string, number>();
  /** The most recently used key (the last in `#fds`), if known. */
  #newest: string | undefined;

  constructor(
    readonly capacity: number,
    private readonly closeFd: (fd: number) => void,
  ) {}

  /** The fd cached for `key`, now the most recently used; undefined if absent. */
  get(key: string): number | undefined {
    const fd = this.#fds.get(key);
    // A walk asks for the same directory again and again: the newest needs no reordering.
    if (fd !== undefined && key !== this.#newest) {
      this.#fds.delete(key);
      this.#fds.set(key, fd);
      this.#newest = key;
    }
    return fd;
  }

  /** Cache `fd` for `key`, closing the least recently used fd if the cache is full. */
  add(key: string, fd: number): void {
    const old = this.#fds.get(key);
    if (old !== undefined) {
      this.#fds.delete(key);
      if (old !== fd) this.closeFd(old);
    }
    for (const [k, oldFd] of this.#fds) {
      if (this.#fds.size < this.capacity) break;
      if (this.#pinned.has(k)) continue; // in use by a call that needs two directories
      this.#fds.delete(k);
      this.closeFd(oldFd);
    }
    this.#fds.set(key, fd);
    this.#newest = key;
  }

  /** Forget and close the fd of `key` (its directory was removed or replaced). */
  delete(key: string): void {
    const fd = this.#fds.get(key);
    if (fd === undefined) return;
    this.#fds.delete(key);
    if (key === this.#newest) this.#newest = undefined;
    this.closeFd(fd);
  }

  /** Keep `key`'s fd from eviction until as many `unpin` calls. */
  pin(key: string): void {
    this.#pinned.set(key, (this.#pinned.get(key) ?? 0) + 1);
  }

  /** Undo one `pin`. */
  unpin(key: string): void {
    const n = (this.#pinned.get(key) ?? 0) - 1;
    if (n > 0) this.#pinned.set(key, n);
    else this.#pinned.delete(key);
  }

  /** Number of fds held. */
  get size(): number {
    return this.#fds.size;
  }

  /** Close every cached fd. */
  clear(): void {
    for (const fd of this.#fds.values()) this.closeFd(fd);
    this.#fds.clear();
    this.#newest = undefined;
  }
}
