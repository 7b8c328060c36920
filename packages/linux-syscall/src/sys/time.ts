/**
 * Time: clock_gettime, clock_getres, gettimeofday, time, nanosleep, clock_nanosleep. Guests get no
 * vDSO (see docs/platform.md), so every time call traps here.
 *
 * @module
 */
import {
  CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW,
  CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_REALTIME_COARSE, CLOCK_TAI,
  CLOCK_THREAD_CPUTIME_ID, ERESTART_RESTARTBLOCK, Errno, KernelError, TIMER_ABSTIME,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

const realtimeOffset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Nanoseconds on `clock`; EINVAL for clocks Linux does not have. */
export function clockNow(clock: number): bigint {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_REALTIME_ALARM:
    case CLOCK_TAI:
      return process.hrtime.bigint() + realtimeOffset;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_BOOTTIME_ALARM:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
      return process.hrtime.bigint();
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

function writeTimespec(ctx: SyscallContext, addr: number, ns: bigint): void {
  ctx.mem.writeU64(addr, ns / 1_000_000_000n);
  ctx.mem.writeU64(addr + 8, ns % 1_000_000_000n);
}

function readTimespec(ctx: SyscallContext, addr: number): bigint {
  const sec = BigInt.asIntN(64, ctx.mem.readU64(addr));
  const nsec = BigInt.asIntN(64, ctx.mem.readU64(addr + 8));
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) throw new KernelError(Errno.EINVAL);
  return sec * 1_000_000_000n + nsec;
}

/** Implements Linux syscall clock_gettime(2). */
export function sysClockGettime(ctx: SyscallContext) {
  writeTimespec(ctx, ctx.addr(1), clockNow(ctx.int(0)));
  return 0;
}

/** Implements Linux syscall clock_getres(2). */
export function sysClockGetres(ctx: SyscallContext) {
  const clock = ctx.int(0);
  clockNow(clock);
  if (ctx.addr(1) !== 0) writeTimespec(ctx, ctx.addr(1), clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE ? 4_000_000n : 1n);
  return 0;
}

/** Implements Linux syscall gettimeofday(2). */
export function sysGettimeofday(ctx: SyscallContext) {
  const now = clockNow(CLOCK_REALTIME);
  if (ctx.addr(0) !== 0) {
    ctx.mem.writeU64(ctx.addr(0), now / 1_000_000_000n);
    ctx.mem.writeU64(ctx.addr(0) + 8, (now % 1_000_000_000n) / 1000n);
  }
  if (ctx.addr(1) !== 0) ctx.mem.writeU64(ctx.addr(1), 0n);
  return 0;
}

/** Implements Linux syscall time(2). */
export function sysTime(ctx: SyscallContext) {
  const sec = clockNow(CLOCK_REALTIME) / 1_000_000_000n;
  if (ctx.addr(0) !== 0) ctx.mem.writeU64(ctx.addr(0), sec);
  return sec;
}

/** Sleep until `deadline`; a signal interrupts it (EINTR with a handler, a restart without). */
async function sleepUntil(ctx: SyscallContext, deadline: bigint): Promise<number> {
  try {
    await ctx.kernel.timers.sleepUntil(deadline, ctx.interruption());
  } catch (err) {
    if (ctx.thread.blocker?.signal.aborted) return -ERESTART_RESTARTBLOCK;
    throw err;
  }
  return 0;
}

/** Implements Linux syscall nanosleep(2) (the remaining time is not reported yet). */
export function sysNanosleep(ctx: SyscallContext) {
  const ns = readTimespec(ctx, ctx.addr(0));
  return sleepUntil(ctx, ctx.kernel.timers.clock.now() + ns);
}

/** Implements Linux syscall clock_nanosleep(2). */
export function sysClockNanosleep(ctx: SyscallContext) {
  const clock = ctx.int(0);
  const flags = ctx.int(1);
  const t = readTimespec(ctx, ctx.addr(2));
  const now = clockNow(clock);
  const wait = flags & TIMER_ABSTIME ? t - now : t;
  return sleepUntil(ctx, ctx.kernel.timers.clock.now() + (wait > 0n ? wait : 0n));
}
