/**
 * A bounded cache of host directory fds: directories are reopened on demand, so a walk over a
 * large tree never holds more than `capacity` fds.
 *
 * @module
 */

/** Least-recently-used host fds by key; evicted fds are closed. */
export class DirFdCache {
  readonly #fds = new Map<string, number>();

  constructor(
    readonly capacity: number,
    private readonly closeFd: (fd: number) => void,
  ) {}

  /** The fd cached for `key`, now the most recently used; undefined if absent. */
  get(key: string): number | undefined {
    const fd = this.#fds.get(key);
    if (fd !== undefined) {
      this.#fds.delete(key);
      this.#fds.set(key, fd);
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
    while (this.#fds.size >= this.capacity) {
      const [oldestKey, oldestFd] = this.#fds.entries().next().value as [string, number];
      this.#fds.delete(oldestKey);
      this.closeFd(oldestFd);
    }
    this.#fds.set(key, fd);
  }

  /** Number of fds held. */
  get size(): number {
    return this.#fds.size;
  }

  /** Close every cached fd. */
  clear(): void {
    for (const fd of this.#fds.values()) this.closeFd(fd);
    this.#fds.clear();
  }
}
