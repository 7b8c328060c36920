/**
 * Futexes: wait queues keyed as Linux keys them. A word in shared memory (MAP_SHARED, System V
 * shm) by its physical (pmem) address, so processes sharing it meet on one key; a word in private
 * memory by its address space and virtual address, so the threads of a process meet on it whatever
 * memory lies under it (a copy-on-write copy made between a wait and its wake moves the word), and
 * a forked child, whose memory is a copy, never meets its parent there.
 *
 * @module
 */
import { markProgress, type TimerQueue } from '@rvisor/async-executor';
import { Errno, KernelError } from '../errno.js';
import type { LinuxProcess } from './process.js';

/** Where a futex word's waiters queue: a queue map (the shared one, or an address space's) and the word's key in it. */
export interface FutexKey {
  readonly queues: Map<number, Waiter[]>;
  readonly offset: number;
}

/** FUTEX_BITSET_MATCH_ANY: what plain WAIT and WAKE use. */
export const FUTEX_BITSET_ANY = 0xffff_ffff;

export interface Waiter {
  key: FutexKey;
  bitset: number;
  wake: () => void;
}

/** How a futex wait ended. */
export type FutexWaitResult = 'woken' | 'timeout';

/** The futex wait queues of a kernel. */
export class Futexes {
  /** Words in shared memory, by physical address. */
  readonly #shared = new Map<number, Waiter[]>();
  /** Words in private memory, per address space (a process's VMAR, shared by its threads), by address. */
  readonly #private = new WeakMap<object, Map<number, Waiter[]>>();

  constructor(private readonly timers: TimerQueue) {}

  /** The key of the futex word at `addr` in `proc`: EINVAL if unaligned, EFAULT if unmapped. */
  key(proc: LinuxProcess, addr: number): FutexKey {
    if (addr % 4 !== 0) throw new KernelError(Errno.EINVAL);
    const vmar = proc.vmar;
    const m = vmar.mappingAt(addr);
    if (!m || m.vmo === null) throw new KernelError(Errno.EFAULT); // unmapped, or reserved address space
    if (m.shared) return { queues: this.#shared, offset: m.vmo.pmemOffset + m.offset + (addr - m.start) };
    let queues = this.#private.get(vmar);
    if (!queues) this.#private.set(vmar, (queues = new Map()));
    return { queues, offset: addr };
  }

  /**
   * Sleep on `key` until woken with an overlapping bitset, until `deadline` (monotonic ns), or
   * until `signal` aborts (the rejection carries its reason).
   */
  wait(key: FutexKey, bitset: number, deadline: bigint | null, signal?: AbortSignal): Promise<FutexWaitResult> {
    return new Promise<FutexWaitResult>((resolve, reject) => {
      const timer = deadline === null ? undefined : this.timers.add(deadline, () => done('timeout'));
      const onAbort = () => {
        this.#remove(waiter);
        timer?.cancel();
        reject(signal!.reason);
      };
      const done = (how: FutexWaitResult) => {
        this.#remove(waiter);
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        resolve(how);
      };
      const waiter: Waiter = { key, bitset, wake: () => done('woken') };
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      const q = key.queues.get(key.offset);
      if (q) q.push(waiter);
      else key.queues.set(key.offset, [waiter]);
    });
  }

  /** Wake up to `n` waiters on `key` whose bitset overlaps `bitset`; returns how many. */
  wake(key: FutexKey, n: number, bitset = FUTEX_BITSET_ANY): number {
    const q = key.queues.get(key.offset);
    if (!q) return 0;
    let woken = 0;
    for (const w of [...q]) {
      if (woken >= n) break;
      if ((w.bitset & bitset) === 0) continue;
      w.wake();
      woken++;
    }
    if (woken > 0) markProgress();
    return woken;
  }

  /** Wake up to `n` waiters on `from`, move up to `m` of the rest to `to`; returns both counts summed. */
  requeue(from: FutexKey, n: number, to: FutexKey, m: number): number {
    const woken = this.wake(from, n);
    const q = from.queues.get(from.offset);
    if (!q || m <= 0) return woken;
    const moved = q.splice(0, m);
    for (const w of moved) w.key = to;
    if (q.length === 0) from.queues.delete(from.offset);
    const dest = to.queues.get(to.offset);
    if (dest) dest.push(...moved);
    else to.queues.set(to.offset, moved);
    return woken + moved.length;
  }

  #remove(w: Waiter): void {
    const { queues, offset } = w.key;
    const q = queues.get(offset);
    if (!q) return;
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) queues.delete(offset);
  }
}
