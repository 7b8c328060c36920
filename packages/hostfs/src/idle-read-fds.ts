/**
 * Read-only host fds of regular files whose guest files were closed, kept for the next plain
 * read-only open of the same file: that open then costs a seek instead of a host open and close.
 * Programs open the same files again and again (a shell's scripts, an interpreter's modules, a
 * compiler's headers), and a host open made right after a guest's trap costs several times what
 * it does in a loop of its own (caches and TLB are the guest's).
 *
 * Only an exclusive tree keeps them: there the file system sees every change to a name, and drops
 * a file's fds when its name goes (unlink, a rename over it), so that no fd keeps a deleted file's
 * blocks allocated on the host.
 *
 * @module
 */

/** How many gone files are remembered. */
const GONE_MAX = 4096;

/** Idle fds by file identity (`identityKey`), the least recently parked closed first. */
export class IdleReadFds {
  /** Each fd, by the order it was parked, with its file's identity. */
  readonly #parked = new Map<number, string>();
  readonly #byFile = new Map<string, number[]>();
  /** Files whose name went while a guest still had them open: their fds are closed, not parked. */
  readonly #gone = new Set<string>();

  constructor(
    readonly capacity: number,
    private readonly closeFd: (fd: number) => void,
  ) {}

  /** An idle fd of the file, now the caller's; undefined if none. */
  take(key: string): number | undefined {
    const fds = this.#byFile.get(key);
    const fd = fds?.pop();
    if (fd === undefined) return undefined;
    if (fds!.length === 0) this.#byFile.delete(key);
    this.#parked.delete(fd);
    return fd;
  }

  /**
   * Keep `fd`, the file's, for a later open; the least recently parked goes if there is no room.
   * The fd of a file whose name went is closed.
   */
  park(key: string, fd: number): void {
    if (this.#gone.has(key)) {
      this.closeFd(fd);
      return;
    }
    for (const [oldest, oldKey] of this.#parked) {
      if (this.#parked.size < this.capacity) break;
      this.#remove(oldest, oldKey);
      this.closeFd(oldest);
    }
    this.#parked.set(fd, key);
    const fds = this.#byFile.get(key);
    if (fds === undefined) this.#byFile.set(key, [fd]);
    else fds.push(fd);
  }

  /** The file's name went: close its idle fds, and those still open when they are closed. */
  drop(key: string): void {
    // Bounded: past it, a deleted file's fd may be parked, and is closed when it is the oldest.
    if (this.#gone.size >= GONE_MAX) this.#gone.clear();
    this.#gone.add(key);
    const fds = this.#byFile.get(key);
    if (fds === undefined) return;
    this.#byFile.delete(key);
    for (const fd of fds) {
      this.#parked.delete(fd);
      this.closeFd(fd);
    }
  }

  /** Close every idle fd. */
  clear(): void {
    for (const fd of this.#parked.keys()) this.closeFd(fd);
    this.#parked.clear();
    this.#byFile.clear();
  }

  #remove(fd: number, key: string): void {
    this.#parked.delete(fd);
    const fds = this.#byFile.get(key)!;
    fds.splice(fds.indexOf(fd), 1);
    if (fds.length === 0) this.#byFile.delete(key);
  }
}
