/**
 * Futexes: wait queues keyed by the physical (pmem) address of a 32-bit word, so threads of one
 * process and processes sharing memory meet on the same key, and private copies never do.
 *
 * @module
 */
import { markProgress, type TimerQueue } from '@rvisor/async-executor';
import { Errno, KernelError } from '../errno.js';
import type { LinuxProcess } from './process.js';

/** FUTEX_BITSET_MATCH_ANY: what plain WAIT and WAKE use. */
export const FUTEX_BITSET_ANY = 0xffff_ffff;

interface Waiter {
  key: number;
  bitset: number;
  wake: () => void;
}

/** How a futex wait ended. */
export type FutexWaitResult = 'woken' | 'timeout';

/** The futex wait queues of a kernel. */
export class Futexes {
  readonly #queues = new Map<number, Waiter[]>();

  constructor(private readonly timers: TimerQueue) {}

  /** The key of the futex word at `addr` in `proc`: EINVAL if unaligned, EFAULT if unmapped. */
  key(proc: LinuxProcess, addr: number): number {
    if (addr % 4 !== 0) throw new KernelError(Errno.EINVAL);
    const m = proc.vmar.mappingAt(addr);
    if (!m || m.vmo === null) throw new KernelError(Errno.EFAULT); // unmapped, or reserved address space
    return m.vmo.pmemOffset + m.offset + (addr - m.start);
  }

  /**
   * Sleep on `key` until woken with an overlapping bitset, until `deadline` (monotonic ns), or
   * until `signal` aborts (the rejection carries its reason).
   */
  wait(key: number, bitset: number, deadline: bigint | null, signal?: AbortSignal): Promise<FutexWaitResult> {
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
      const q = this.#queues.get(key);
      if (q) q.push(waiter);
      else this.#queues.set(key, [waiter]);
    });
  }

  /** Wake up to `n` waiters on `key` whose bitset overlaps `bitset`; returns how many. */
  wake(key: number, n: number, bitset = FUTEX_BITSET_ANY): number {
    const q = this.#queues.get(key);
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
  requeue(from: number, n: number, to: number, m: number): number {
    const woken = this.wake(from, n);
    const q = this.#queues.get(from);
    if (!q || m <= 0) return woken;
    const moved = q.splice(0, m);
    for (const w of moved) w.key = to;
    if (q.length === 0) this.#queues.delete(from);
    const dest = this.#queues.get(to);
    if (dest) dest.push(...moved);
    else this.#queues.set(to, moved);
    return woken + moved.length;
  }

  #remove(w: Waiter): void {
    const q = this.#queues.get(w.key);
    if (!q) return;
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) this.#queues.delete(w.key);
  }
}
