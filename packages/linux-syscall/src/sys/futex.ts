/**
 * futex(2): WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET, WAKE_BITSET (private or shared; the key
 * is the word's physical address, see linux-object's `Futexes`).
 *
 * @module
 */
import { CLOCK_MONOTONIC, CLOCK_REALTIME, Errno, FUTEX_BITSET_ANY, KernelError, type FutexKey } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { clockNow } from './time.js';
import { readTimespec } from './timespec.js';

const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const FUTEX_REQUEUE = 3;
const FUTEX_CMP_REQUEUE = 4;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_WAKE_BITSET = 10;
const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;
const INT_MAX = 0x7fff_ffff;

/** The monotonic deadline of a wait: relative for WAIT, absolute (on the chosen clock) for WAIT_BITSET. */
function deadlineOf(ctx: SyscallContext, cmd: number, realtime: boolean): bigint | null {
  const addr = ctx.addr(3);
  if (addr === 0) return null;
  const t = readTimespec(ctx, addr);
  const now = ctx.kernel.timers.clock.now();
  if (cmd === FUTEX_WAIT) return now + t;
  const clockNowNs = clockNow(ctx.kernel, realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC);
  return now + (t - clockNowNs);
}

async function wait(ctx: SyscallContext, key: FutexKey, bitset: number, deadline: bigint | null): Promise<number> {
  const how = await ctx.kernel.futexes.wait(key, bitset, deadline, ctx.interruption());
  return how === 'timeout' ? -Errno.ETIMEDOUT : 0;
}

/** Implements Linux syscall futex(2). */
export function sysFutex(ctx: SyscallContext) {
  const op = ctx.int(1);
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const realtime = (op & FUTEX_CLOCK_REALTIME) !== 0;
  const futexes = ctx.kernel.futexes;
  const proc = ctx.process;
  const addr = ctx.addr(0);
  const val = ctx.uint(2);
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      if (realtime && cmd === FUTEX_WAIT) throw new KernelError(Errno.ENOSYS);
      const bitset = cmd === FUTEX_WAIT ? FUTEX_BITSET_ANY : ctx.uint(5);
      if (bitset === 0) throw new KernelError(Errno.EINVAL);
      const key = futexes.key(proc, addr);
      const deadline = deadlineOf(ctx, cmd, realtime);
      if (proc.memory.readU32(addr) !== val) return -Errno.EAGAIN;
      return wait(ctx, key, bitset, deadline);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      const bitset = cmd === FUTEX_WAKE ? FUTEX_BITSET_ANY : ctx.uint(5);
      if (bitset === 0) throw new KernelError(Errno.EINVAL);
      return futexes.wake(futexes.key(proc, addr), Math.min(val, INT_MAX), bitset);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      const n = ctx.int(2);
      const m = Number(ctx.arg(3) & 0x7fff_ffffn); // val2 travels in the timeout slot
      if (n < 0 || m < 0) throw new KernelError(Errno.EINVAL);
      const from = futexes.key(proc, addr);
      const to = futexes.key(proc, ctx.addr(4));
      if (cmd === FUTEX_CMP_REQUEUE && proc.memory.readU32(addr) !== ctx.uint(5)) return -Errno.EAGAIN;
      return futexes.requeue(from, n, to, m);
    }
    default:
      throw new KernelError(Errno.ENOSYS, `futex op ${cmd} is not supported`);
  }
}
