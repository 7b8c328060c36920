/**
 * Advisory file locks, kept by inode identity (st_dev, st_ino) for every guest of the sandbox:
 * flock(2) locks, owned by an open file description, and fcntl(2) record locks, owned either by
 * a process's fd table (F_SETLK: "process-associated") or by an open file description
 * (F_OFD_SETLK). As on Linux, flock locks and record locks never conflict with each other, while
 * process-associated and OFD record locks do.
 *
 * @module
 */
import { WaitQueue } from '@rvisor/async-executor';
import { F_RDLCK, F_UNLCK, F_WRLCK } from '../abi/fcntl.js';
import { Errno, KernelError } from '../errno.js';
import { fileIdentity, type OpenFile } from './open-file.js';

/** A record lock's type: F_RDLCK (shared) or F_WRLCK (exclusive). */
export type LockType = typeof F_RDLCK | typeof F_WRLCK;

/** One record lock over the bytes `start` … `end` (inclusive; `Infinity`: to the end of file and beyond). */
export interface RecordLock {
  /** Who holds it: a process's fd table, or the open file (OFD locks). */
  readonly owner: object;
  /** Whether it is an open-file-description lock (F_GETLK then reports pid -1). */
  readonly ofd: boolean;
  /** The pid F_GETLK reports for a process-associated lock. */
  readonly pid: number;
  readonly type: LockType;
  readonly start: number;
  readonly end: number;
}

/** A request for a record lock (or an unlock, with type F_UNLCK). */
export interface LockRequest {
  owner: object;
  ofd: boolean;
  pid: number;
  type: LockType | typeof F_UNLCK;
  start: number;
  end: number;
}

/** The locks of one inode. */
class InodeLocks {
  records: RecordLock[] = [];
  /** flock(2) locks: the open file holding each, shared or exclusive. */
  readonly flocks = new Map<OpenFile, 'shared' | 'exclusive'>();
  /** Woken whenever a lock here is released or changed. */
  readonly released = new WaitQueue();

  get empty(): boolean {
    return this.records.length === 0 && this.flocks.size === 0;
  }
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start <= b.end && b.start <= a.end;
}

function conflicts(held: RecordLock, want: LockRequest): boolean {
  return held.owner !== want.owner && overlaps(held, want) && (held.type === F_WRLCK || want.type === F_WRLCK);
}

/**
 * The lock key of an open file: its inode's identity (without a host call where the inode knows
 * it: closing any file of a process holding locks asks this).
 */
function inodeKey(file: OpenFile): string {
  const { dev, ino } = fileIdentity(file);
  return `${dev}:${ino}`;
}

/** Every advisory lock of the sandbox. */
export class FileLocks {
  readonly #inodes = new Map<string, InodeLocks>();
  readonly #keys = new WeakMap<OpenFile, string>();
  /** The inodes on which each process-associated owner holds record locks (to release on close). */
  readonly #ownerInodes = new Map<object, Set<string>>();
  /** Which owner each blocked process-associated owner waits for (deadlock detection). */
  readonly #waitsFor = new Map<object, object>();

  #key(file: OpenFile): string {
    let key = this.#keys.get(file);
    if (key === undefined) {
      key = inodeKey(file);
      this.#keys.set(file, key);
    }
    return key;
  }

  #locks(key: string): InodeLocks {
    let locks = this.#inodes.get(key);
    if (locks === undefined) {
      locks = new InodeLocks();
      this.#inodes.set(key, locks);
    }
    return locks;
  }

  #forget(key: string, locks: InodeLocks): void {
    if (locks.empty && locks.released.size === 0) this.#inodes.delete(key);
  }

  /** F_GETLK / F_OFD_GETLK: the first lock that would block `want`, or null. */
  test(file: OpenFile, want: LockRequest): RecordLock | null {
    const locks = this.#inodes.get(this.#key(file));
    return locks?.records.find((held) => conflicts(held, want)) ?? null;
  }

  /**
   * F_SETLK / F_OFD_SETLK (`wait` false: EAGAIN on a conflict) and F_SETLKW / F_OFD_SETLKW
   * (`wait` true: a Promise that waits, interrupted by `signal`; EDEADLK when two
   * process-associated owners would wait for each other).
   */
  set(file: OpenFile, want: LockRequest, wait: boolean, signal?: AbortSignal): void | Promise<void> {
    const key = this.#key(file);
    const locks = this.#locks(key);
    if (want.type === F_UNLCK) {
      this.#replace(key, locks, want);
      return;
    }
    const blocker = locks.records.find((held) => conflicts(held, want));
    if (blocker === undefined) {
      this.#replace(key, locks, want);
      return;
    }
    if (!wait) throw new KernelError(Errno.EAGAIN);
    return this.#waitAndSet(key, want, signal);
  }

  async #waitAndSet(key: string, want: LockRequest, signal?: AbortSignal): Promise<void> {
    try {
      for (;;) {
        const locks = this.#locks(key);
        const blocker = locks.records.find((held) => conflicts(held, want));
        if (blocker === undefined) break;
        if (!want.ofd && !blocker.ofd) {
          if (this.#wouldDeadlock(want.owner, blocker.owner)) throw new KernelError(Errno.EDEADLK);
          this.#waitsFor.set(want.owner, blocker.owner);
        }
        await locks.released.wait(signal);
      }
    } finally {
      this.#waitsFor.delete(want.owner);
    }
    this.#replace(key, this.#locks(key), want);
  }

  /** Whether `owner` waiting for `holder` closes a cycle of waiting owners. */
  #wouldDeadlock(owner: object, holder: object): boolean {
    for (let h: object | undefined = holder, steps = 0; h !== undefined && steps < 64; steps++) {
      if (h === owner) return true;
      h = this.#waitsFor.get(h);
    }
    return false;
  }

  /** Set `want` over its range for its owner (or clear the range, for F_UNLCK), merging as Linux. */
  #replace(key: string, locks: InodeLocks, want: LockRequest): void {
    const kept: RecordLock[] = [];
    let merged = want.type === F_UNLCK ? null : { ...want, type: want.type };
    for (const held of locks.records) {
      if (held.owner !== want.owner) {
        kept.push(held);
        continue;
      }
      const touches = held.start <= want.end + 1 && want.start <= held.end + 1;
      if (merged !== null && held.type === merged.type && touches) {
        merged = { ...merged, start: Math.min(merged.start, held.start), end: Math.max(merged.end, held.end) };
        continue;
      }
      if (!overlaps(held, want)) {
        kept.push(held);
        continue;
      }
      // Keep the parts of the old lock outside the new range.
      if (held.start < want.start) kept.push({ ...held, end: want.start - 1 });
      if (held.end > want.end) kept.push({ ...held, start: want.end + 1 });
    }
    if (merged !== null) {
      kept.push({ owner: merged.owner, ofd: merged.ofd, pid: merged.pid, type: merged.type, start: merged.start, end: merged.end });
    }
    kept.sort((a, b) => a.start - b.start);
    locks.records = kept;
    if (!want.ofd) this.#noteOwner(key, want.owner, kept.some((l) => l.owner === want.owner));
    locks.released.wakeAll();
    this.#forget(key, locks);
  }

  #noteOwner(key: string, owner: object, holds: boolean): void {
    let keys = this.#ownerInodes.get(owner);
    if (holds) {
      if (keys === undefined) this.#ownerInodes.set(owner, (keys = new Set()));
      keys.add(key);
    } else if (keys !== undefined) {
      keys.delete(key);
      if (keys.size === 0) this.#ownerInodes.delete(owner);
    }
  }

  /** flock(2): take (or convert to) a shared or exclusive lock; EWOULDBLOCK with `nonBlocking`. */
  flock(file: OpenFile, kind: 'shared' | 'exclusive', nonBlocking: boolean, signal?: AbortSignal): void | Promise<void> {
    const key = this.#key(file);
    const locks = this.#locks(key);
    if (locks.flocks.get(file) === kind) return;
    // Linux converts by dropping the old lock first: a waiter may slip in.
    if (locks.flocks.delete(file)) locks.released.wakeAll();
    const blocked = (): boolean => {
      for (const [other, held] of this.#locks(key).flocks) {
        if (other !== file && (held === 'exclusive' || kind === 'exclusive')) return true;
      }
      return false;
    };
    if (!blocked()) {
      locks.flocks.set(file, kind);
      return;
    }
    if (nonBlocking) {
      this.#forget(key, locks);
      throw new KernelError(Errno.EWOULDBLOCK);
    }
    return (async () => {
      while (blocked()) await this.#locks(key).released.wait(signal);
      this.#locks(key).flocks.set(file, kind);
    })();
  }

  /** flock(LOCK_UN). */
  unflock(file: OpenFile): void {
    const key = this.#keys.get(file);
    const locks = key === undefined ? undefined : this.#inodes.get(key);
    if (key === undefined || locks === undefined) return;
    if (locks.flocks.delete(file)) locks.released.wakeAll();
    this.#forget(key, locks);
  }

  /**
   * A process closed an fd of `file`: its process-associated locks on that inode go, whichever fd
   * they were taken through (POSIX's rule).
   */
  closedBy(owner: object, file: OpenFile): void {
    const keys = this.#ownerInodes.get(owner);
    if (keys === undefined) return;
    let key: string;
    try {
      key = this.#key(file);
    } catch {
      return; // a file that cannot be stat'ed holds no locks
    }
    const locks = this.#inodes.get(key);
    if (!keys.has(key) || locks === undefined) return;
    this.#replace(key, locks, { owner, ofd: false, pid: 0, type: F_UNLCK, start: 0, end: Infinity });
  }

  /** The last reference to `file` went: its flock and OFD locks go. */
  released(file: OpenFile): void {
    const key = this.#keys.get(file);
    const locks = key === undefined ? undefined : this.#inodes.get(key);
    if (key === undefined || locks === undefined) return;
    locks.flocks.delete(file);
    locks.records = locks.records.filter((l) => l.owner !== file);
    locks.released.wakeAll();
    this.#forget(key, locks);
  }
}

/** The sandbox's locks (one kernel per sandbox process). */
export const fileLocks = new FileLocks();
