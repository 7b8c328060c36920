/**
 * File descriptor tables, and the reference counts that keep open files alive across dup and fork.
 *
 * @module
 */
import { Sharers } from '@rvisor/zircon-object';
import { O_CLOEXEC } from '../abi/fcntl.js';
import { dirNotifyClosed } from './dnotify.js';
import { fileClosed } from './inotify.js';
import { Errno, KernelError } from '../errno.js';
import { fileLocks } from './locks.js';
import type { OpenFile } from './open-file.js';

/** close_range(2) flag: set close-on-exec instead of closing. */
export const CLOSE_RANGE_CLOEXEC = 1 << 2;
/** close_range(2) flag: unshare the fd table first (one shared with another process, clone's CLONE_FILES). */
export const CLOSE_RANGE_UNSHARE = 1 << 1;

// How many references (fds in any table, or other holders) each open file has.
const references = new WeakMap<OpenFile, number>();

/** Take a reference to `file` (an fd, a mapping, an in-flight message) so it stays open. */
export function retainFile(file: OpenFile): void {
  references.set(file, (references.get(file) ?? 0) + 1);
}

/** Drop a reference taken by {@link retainFile}; the last one closes the file. */
export function releaseFile(file: OpenFile): void {
  const n = references.get(file) ?? 0;
  if (n > 1) {
    references.set(file, n - 1);
    return;
  }
  references.delete(file);
  fileLocks.released(file);
  file.close();
  fileClosed(file);
  dirNotifyClosed(file);
}

/** How many references `file` has (0 once closed). */
export function fileReferences(file: OpenFile): number {
  return references.get(file) ?? 0;
}

interface Slot {
  readonly file: OpenFile;
  cloexec: boolean;
}

/** close_range(2)'s checks: EINVAL for unknown flags or `first` > `last`. */
export function checkCloseRange(first: number, last: number, flags: number): void {
  if ((flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE)) !== 0 || first > last) throw new KernelError(Errno.EINVAL);
}

/** Default RLIMIT_NOFILE soft limit, as Linux. */
export const DEFAULT_NOFILE = 1024;

/**
 * A process's fd table: fds are allocated lowest-first below `limit` (RLIMIT_NOFILE); each
 * holds a reference to a shared open file and its own close-on-exec flag.
 */
export class FdTable {
  #slots: (Slot | undefined)[] = [];
  #limit: number;
  /** The processes using this table: more than one after a clone with CLONE_FILES and no CLONE_THREAD. */
  readonly sharers = new Sharers();

  constructor(limit = DEFAULT_NOFILE) {
    this.#limit = limit;
  }

  /** RLIMIT_NOFILE: fds must be below it. */
  get limit(): number {
    return this.#limit;
  }

  /** setrlimit(RLIMIT_NOFILE). Existing fds above the new limit stay open, as Linux. */
  setLimit(limit: number): void {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new KernelError(Errno.EINVAL);
    this.#limit = limit;
  }

  /** Number of open fds. */
  get count(): number {
    let n = 0;
    for (const s of this.#slots) if (s !== undefined) n++;
    return n;
  }

  /** The open file of `fd`; EBADF if it is not open. */
  get(fd: number): OpenFile {
    return this.#slot(fd).file;
  }

  /** Whether `fd` is open. */
  has(fd: number): boolean {
    return Number.isInteger(fd) && fd >= 0 && this.#slots[fd] !== undefined;
  }

  #slot(fd: number): Slot {
    const slot = Number.isInteger(fd) && fd >= 0 ? this.#slots[fd] : undefined;
    if (slot === undefined) throw new KernelError(Errno.EBADF);
    return slot;
  }

  /** The lowest free fd ≥ `min`; EMFILE if none is below the limit. */
  #lowestFree(min: number): number {
    for (let fd = min; fd < this.#limit; fd++) if (this.#slots[fd] === undefined) return fd;
    throw new KernelError(Errno.EMFILE);
  }

  #put(fd: number, file: OpenFile, cloexec: boolean): void {
    retainFile(file);
    const old = this.#slots[fd];
    this.#slots[fd] = { file, cloexec };
    if (old !== undefined) this.#release(old.file);
  }

  /**
   * The fd {@link install} would give now; EMFILE if the table is full. For calls that, as Linux's,
   * take the fd before they make anything that outlives a failure (mq_open's queue).
   */
  nextFree(minFd = 0): number {
    return this.#lowestFree(minFd);
  }

  /**
   * Give `file` the lowest free fd ≥ `minFd` and return it. The table takes its own reference:
   * a caller that opened the file and keeps no reference of its own should pass it straight here.
   */
  install(file: OpenFile, opts: { cloexec?: boolean; minFd?: number } = {}): number {
    const fd = this.#lowestFree(opts.minFd ?? 0);
    this.#put(fd, file, opts.cloexec ?? false);
    return fd;
  }

  /** close(2). EBADF if `fd` is not open. */
  close(fd: number): void {
    const slot = this.#slot(fd);
    this.#slots[fd] = undefined;
    this.#release(slot.file);
  }

  /** An fd of `file` went: the table's record locks on its inode go too (POSIX), then the reference. */
  #release(file: OpenFile): void {
    fileLocks.closedBy(this, file);
    releaseFile(file);
  }

  /**
   * close_range(2): close (or, with CLOSE_RANGE_CLOEXEC, mark close-on-exec) every open fd from
   * `first` to `last`; EINVAL for unknown flags or `first` > `last`.
   */
  closeRange(first: number, last: number, flags: number): void {
    checkCloseRange(first, last, flags);
    const end = Math.min(last, this.#slots.length - 1);
    for (let fd = first; fd <= end; fd++) {
      const slot = this.#slots[fd];
      if (slot === undefined) continue;
      if ((flags & CLOSE_RANGE_CLOEXEC) !== 0) slot.cloexec = true;
      else this.close(fd);
    }
  }

  /** dup(2) and fcntl(F_DUPFD / F_DUPFD_CLOEXEC): EINVAL if `minFd` is out of range. */
  dup(fd: number, minFd = 0, cloexec = false): number {
    const slot = this.#slot(fd);
    if (!Number.isInteger(minFd) || minFd < 0 || minFd >= this.#limit) {
      throw new KernelError(Errno.EINVAL);
    }
    return this.install(slot.file, { cloexec, minFd });
  }

  /** dup2(2): `newFd` refers to `oldFd`'s file (closing what it had); same fd → just a check. */
  dup2(oldFd: number, newFd: number): number {
    const slot = this.#slot(oldFd);
    if (!Number.isInteger(newFd) || newFd < 0 || newFd >= this.#limit) {
      throw new KernelError(Errno.EBADF);
    }
    if (oldFd === newFd) return newFd;
    this.#put(newFd, slot.file, false);
    return newFd;
  }

  /** dup3(2): like dup2 but EINVAL when the fds are equal; `flags` may hold only O_CLOEXEC. */
  dup3(oldFd: number, newFd: number, flags: number): number {
    if ((flags & ~O_CLOEXEC) !== 0) throw new KernelError(Errno.EINVAL);
    const slot = this.#slot(oldFd);
    if (oldFd === newFd) throw new KernelError(Errno.EINVAL);
    if (!Number.isInteger(newFd) || newFd < 0 || newFd >= this.#limit) {
      throw new KernelError(Errno.EBADF);
    }
    this.#put(newFd, slot.file, (flags & O_CLOEXEC) !== 0);
    return newFd;
  }

  /** The close-on-exec flag of `fd` (F_GETFD). */
  getCloexec(fd: number): boolean {
    return this.#slot(fd).cloexec;
  }

  /** Set or clear the close-on-exec flag of `fd` (F_SETFD, FIOCLEX, FIONCLEX). */
  setCloexec(fd: number, cloexec: boolean): void {
    this.#slot(fd).cloexec = cloexec;
  }

  /** execve: close every close-on-exec fd. */
  closeOnExec(): void {
    this.#slots.forEach((slot, fd) => {
      if (slot?.cloexec === true) this.close(fd);
    });
  }

  /** Close every fd (the process exits). */
  closeAll(): void {
    this.#slots.forEach((slot, fd) => {
      if (slot !== undefined) this.close(fd);
    });
    this.#slots = [];
  }

  /** A copy for a child process (fork without CLONE_FILES): same files, same flags. */
  fork(): FdTable {
    const copy = new FdTable(this.#limit);
    this.#slots.forEach((slot, fd) => {
      if (slot !== undefined) copy.#put(fd, slot.file, slot.cloexec);
    });
    return copy;
  }

  /** The open fds in increasing order, with their files (for /proc/<pid>/fd). */
  *entries(): IterableIterator<[fd: number, file: OpenFile]> {
    for (let fd = 0; fd < this.#slots.length; fd++) {
      const slot = this.#slots[fd];
      if (slot !== undefined) yield [fd, slot.file];
    }
  }
}
