/**
 * POSIX per-process timers: timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete, over linux-object's `PosixTimer`. Clocks: CLOCK_REALTIME, CLOCK_MONOTONIC,
 * CLOCK_BOOTTIME (and their _ALARM and TAI forms), and the CPU-time clocks (cpu-clocks.ts).
 *
 * @module
 */
import {
  CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_TAI, Errno,
  KernelError, NSIG, PosixTimer, SIGEV_NONE, SIGEV_SIGNAL, Signo, TIMER_ABSTIME, cpuClockOf, cpuTimerClock, monotonicTimerClock,
  type TimerClock, type TimerTarget,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { readTimespec, writeItimerspec } from './timespec.js';

const SIGEV_THREAD_ID = 4;
/** Timers one process may have (Linux's limit is RLIMIT_SIGPENDING-bound; this keeps a bad loop from filling memory). */
const MAX_TIMERS = 32768;

/**
 * What a timer on `clockid` counts: the kernel's clock, and whether its absolute times are
 * CLOCK_REALTIME's, or a CPU-time clock. EINVAL for a clock timers do not take.
 */
function timerClock(ctx: SyscallContext, clockid: number): { clock: TimerClock; wall: boolean } {
  switch (clockid) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_ALARM:
    case CLOCK_TAI:
      return { clock: monotonicTimerClock(ctx.kernel.timers), wall: true };
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
    case CLOCK_BOOTTIME_ALARM:
      return { clock: monotonicTimerClock(ctx.kernel.timers), wall: false };
  }
  const cpu = cpuClockOf(ctx.kernel, ctx.thread, clockid);
  if (!cpu) throw new KernelError(Errno.EINVAL);
  return { clock: cpuTimerClock(ctx.kernel, cpu), wall: false };
}

/** The struct sigevent at `addr` (null: SIGALRM to the process, with the timer's id as its value). */
function readSigevent(ctx: SyscallContext, addr: number, id: number): TimerTarget {
  if (addr === 0) return { signo: Signo.SIGALRM, none: false, value: BigInt(id) };
  const raw = ctx.mem.read(addr, 20);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const value = v.getBigUint64(0, true);
  const signo = v.getInt32(8, true);
  const notify = v.getInt32(12, true);
  if (notify === SIGEV_NONE) return { signo: 0, none: true, value };
  if (notify !== SIGEV_SIGNAL && notify !== (SIGEV_SIGNAL | SIGEV_THREAD_ID)) throw new KernelError(Errno.EINVAL);
  if (signo < 1 || signo > NSIG) throw new KernelError(Errno.EINVAL);
  if (notify === SIGEV_SIGNAL) return { signo, none: false, value };
  const thread = ctx.process.threads.get(v.getInt32(16, true));
  if (!thread) throw new KernelError(Errno.EINVAL); // SIGEV_THREAD_ID names a thread of the caller's process
  return { signo, thread, none: false, value };
}

/** Implements Linux syscall timer_create(2). */
export function sysTimerCreate(ctx: SyscallContext) {
  const { clock, wall } = timerClock(ctx, ctx.int(0));
  const timers = ctx.process.posixTimers;
  if (timers.size >= MAX_TIMERS) throw new KernelError(Errno.EAGAIN);
  let id = 0;
  while (timers.has(id)) id++;
  const timer = new PosixTimer(ctx.kernel, ctx.process, id, readSigevent(ctx, ctx.addr(1), id), clock, wall);
  ctx.mem.writeU32(ctx.addr(2), id);
  timers.set(id, timer);
  return 0;
}

function timerOf(ctx: SyscallContext, id: number): PosixTimer {
  const t = ctx.process.posixTimers.get(id);
  if (!t) throw new KernelError(Errno.EINVAL);
  return t;
}

/** Implements Linux syscall timer_settime(2): TIMER_ABSTIME takes a time of the timer's clock. */
export function sysTimerSettime(ctx: SyscallContext) {
  const timer = timerOf(ctx, ctx.int(0));
  const flags = ctx.int(1); // bits other than TIMER_ABSTIME are ignored, as Linux does
  const interval = readTimespec(ctx, ctx.addr(2));
  const value = readTimespec(ctx, ctx.addr(2) + 16);
  const now = timer.clock.now();
  if (ctx.addr(3) !== 0) {
    const old = timer.remaining();
    writeItimerspec(ctx, ctx.addr(3), old.interval, old.value);
  }
  let deadline = 0n;
  if (value > 0n) {
    if ((flags & TIMER_ABSTIME) === 0) deadline = now + value;
    else deadline = timer.wallClock ? value - ctx.kernel.realtimeOffset : value;
    if (deadline <= now) deadline = now + 1n; // already past: expires at once
  }
  timer.arm(deadline, interval);
  return 0;
}

/** Implements Linux syscall timer_gettime(2). */
export function sysTimerGettime(ctx: SyscallContext) {
  const timer = timerOf(ctx, ctx.int(0));
  const left = timer.remaining();
  writeItimerspec(ctx, ctx.addr(1), left.interval, left.value);
  return 0;
}

/** Implements Linux syscall timer_getoverrun(2). */
export function sysTimerGetoverrun(ctx: SyscallContext) {
  return timerOf(ctx, ctx.int(0)).overrun;
}

/** Implements Linux syscall timer_delete(2). */
export function sysTimerDelete(ctx: SyscallContext) {
  const timer = timerOf(ctx, ctx.int(0));
  timer.disarm();
  ctx.process.posixTimers.delete(timer.id);
  return 0;
}
