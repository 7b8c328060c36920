/**
 * System V semaphores: the semaphore sets of one container. semop applies all of its operations
 * or none, and waits while one of them cannot be applied; the adjustments of SEM_UNDO operations
 * are kept per process and undone when it exits, as Linux does.
 *
 * @module
 */
import { WaitQueue, type TimerQueue } from '@rvisor/async-executor';
import type { Credentials } from '../process/process.js';
import { Errno, KernelError } from '../errno.js';
import { IPC_NOWAIT, IPC_PRIVATE, IpcPerm } from './perm.js';
import { IpcTable } from './table.js';

/** Largest semaphore value (SEMVMX), most semaphores in a set (SEMMSL), sets (SEMMNI), operations in one semop (SEMOPM). */
export const SEMVMX = 32767;
export const SEMMSL = 32000;
export const SEMMNI = 32000;
export const SEMOPM = 500;
/** The sem_flg bit that undoes the operation when the process exits. */
export const SEM_UNDO = 0x1000;

/** One struct sembuf. */
export interface SemOp {
  num: number;
  op: number;
  flags: number;
}

/** A semop waiting on a set: what it waits for, for GETNCNT and GETZCNT. */
interface Waiting {
  num: number;
  /** Waiting for the value to become zero (else to grow). */
  zero: boolean;
}

/** One semaphore set. */
export class SemSet extends IpcPerm {
  readonly values: Uint16Array;
  /** The pid of the last operation on each semaphore. */
  readonly pids: Int32Array;
  /** Seconds since the epoch of the last semop, and of the last change. */
  otime = 0;
  ctime: number;
  /** Set once IPC_RMID removed it: its waiters fail with EIDRM. */
  removed = false;
  /** Woken whenever a value changes or the set is removed. */
  readonly changed: WaitQueue;
  readonly #waiting = new Set<Waiting>();

  constructor(readonly id: number, key: number, nsems: number, mode: number, cred: Credentials, now: number, timers: TimerQueue) {
    super(key, mode, cred);
    this.changed = new WaitQueue(timers); // semtimedop's deadlines
    this.values = new Uint16Array(nsems);
    this.pids = new Int32Array(nsems);
    this.ctime = now;
  }

  get nsems(): number {
    return this.values.length;
  }

  /**
   * Apply `ops` if none has to wait, and return null; else change nothing and return the one that
   * has to (EAGAIN if it has IPC_NOWAIT). ERANGE past SEMVMX or for an undo out of range.
   */
  apply(ops: readonly SemOp[], pid: number, undo: Int16Array | undefined, now: number): SemOp | null {
    const next = Uint16Array.from(this.values);
    for (const o of ops) {
      const value = next[o.num]! + o.op;
      if (o.op === 0 ? next[o.num] !== 0 : value < 0) {
        if ((o.flags & IPC_NOWAIT) !== 0) throw new KernelError(Errno.EAGAIN);
        return o;
      }
      if (value > SEMVMX) throw new KernelError(Errno.ERANGE);
      next[o.num] = value;
    }
    if (undo) {
      const adjusted = Int16Array.from(undo);
      for (const o of ops) {
        if ((o.flags & SEM_UNDO) === 0 || o.op === 0) continue;
        const adj = adjusted[o.num]! - o.op;
        if (adj < -(SEMVMX + 1) || adj > SEMVMX) throw new KernelError(Errno.ERANGE);
        adjusted[o.num] = adj;
      }
      undo.set(adjusted);
    }
    const changed = ops.some((o) => o.op !== 0);
    this.values.set(next);
    for (const o of ops) this.pids[o.num] = pid;
    this.otime = now;
    if (changed) this.changed.wakeAll();
    return null;
  }

  /** Count `op`, which has to wait, until `done` (GETNCNT and GETZCNT report such waiters). */
  waitingFor(op: SemOp): () => void {
    const w: Waiting = { num: op.num, zero: op.op === 0 };
    this.#waiting.add(w);
    return () => this.#waiting.delete(w);
  }

  /** GETNCNT (`zero` false) and GETZCNT (`zero` true) of semaphore `num`. */
  waiters(num: number, zero: boolean): number {
    let n = 0;
    for (const w of this.#waiting) if (w.num === num && w.zero === zero) n++;
    return n;
  }

  /** SETVAL and SETALL: new values (ERANGE past SEMVMX), waking whoever waits. */
  setValues(from: number, values: ArrayLike<number>, pid: number, now: number): void {
    for (let i = 0; i < values.length; i++) if (values[i]! < 0 || values[i]! > SEMVMX) throw new KernelError(Errno.ERANGE);
    for (let i = 0; i < values.length; i++) {
      this.values[from + i] = values[i]!;
      this.pids[from + i] = pid;
    }
    this.ctime = now;
    this.changed.wakeAll();
  }
}

/** The semaphore sets of a container, and its processes' SEM_UNDO adjustments. */
export class SysvSem extends IpcTable<SemSet> {
  /** By pid, then set id: what each semaphore gets back when the process exits. */
  readonly #undo = new Map<number, Map<number, Int16Array>>();

  /** `timers` serve semtimedop's deadlines. */
  constructor(private readonly timers: TimerQueue) {
    super(SEMMNI);
  }

  /** semget: the set `key` names, or a new one; EINVAL for a count out of range or past the set's. */
  get(key: number, nsems: number, create: boolean, exclusive: boolean, mode: number, cred: Credentials, now: number): SemSet {
    if (nsems < 0 || nsems > SEMMSL) throw new KernelError(Errno.EINVAL);
    return this.obtain(key, create, exclusive, mode, cred, (found) => {
      if (nsems > found.nsems) throw new KernelError(Errno.EINVAL);
    }, (id) => {
      if (nsems === 0) throw new KernelError(Errno.EINVAL);
      return new SemSet(id, key, nsems, mode, cred, now, this.timers);
    });
  }

  /** IPC_RMID: the set goes, and its waiters fail with EIDRM. */
  remove(set: SemSet): void {
    this.delete(set);
    set.removed = true;
    set.key = IPC_PRIVATE;
    set.changed.wakeAll();
    for (const adjust of this.#undo.values()) adjust.delete(set.id);
  }

  /** Process `pid`'s SEM_UNDO adjustments for `set`, made when first needed. */
  undoOf(pid: number, set: SemSet): Int16Array {
    const sets = this.shareUndoList(pid);
    let adjust = sets.get(set.id);
    if (!adjust) sets.set(set.id, (adjust = new Int16Array(set.nsems)));
    return adjust;
  }

  /**
   * Process `pid`'s undo list (Linux's sysvsem.undo_list), made by its first SEM_UNDO operation or
   * by a thread that shares it (CLONE_SYSVSEM, {@link shareUndoList}); kcmp compares them.
   */
  undoList(pid: number): object | undefined {
    return this.#undo.get(pid);
  }

  /** Process `pid`'s undo list, made now if it has none: Linux makes it when a thread is to share it. */
  shareUndoList(pid: number): Map<number, Int16Array> {
    let sets = this.#undo.get(pid);
    if (!sets) this.#undo.set(pid, (sets = new Map()));
    return sets;
  }

  /** SETVAL and SETALL clear every process's adjustment of the semaphores they set. */
  clearUndo(set: SemSet, from: number, count: number): void {
    for (const sets of this.#undo.values()) sets.get(set.id)?.fill(0, from, from + count);
  }

  /** Process `pid` exited: apply its adjustments (each value kept within 0..SEMVMX), and forget them. */
  exited(pid: number): void {
    const sets = this.#undo.get(pid);
    if (!sets) return;
    this.#undo.delete(pid);
    for (const [id, adjust] of sets) {
      const set = this.find(id);
      if (!set || adjust.every((a) => a === 0)) continue;
      for (let i = 0; i < adjust.length; i++) {
        set.values[i] = Math.min(SEMVMX, Math.max(0, set.values[i]! + adjust[i]!));
        if (adjust[i] !== 0) set.pids[i] = pid;
      }
      set.changed.wakeAll();
    }
  }
}
