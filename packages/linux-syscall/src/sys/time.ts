/**
 * Time: clock_gettime, clock_getres, gettimeofday, time, nanosleep, clock_nanosleep, alarm,
 * setitimer, getitimer, times, getrusage. With a vDSO (docs/platform.md) guests read the clocks
 * themselves and only other clocks, or guests that make the syscall directly, come here; both see
 * the kernel's clock.
 *
 * @module
 */
import {
  CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW,
  CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_REALTIME_COARSE, CLOCK_TAI,
  CLOCK_THREAD_CPUTIME_ID, ERESTART_RESTARTBLOCK, Errno, KernelError, SI_KERNEL, Signo, StructBuffer, TIMER_ABSTIME,
  TICK_MICROS, hostCounts, hostCpuNs, hostCpuTime, hostMaxRssKb, sendSignal, setI64, type Kernel, type Usage,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { readTimespec } from './timespec.js';

/** Whole seconds of CLOCK_REALTIME (the times System V IPC objects keep). */
export function realtimeSeconds(kernel: Kernel): number {
  return Number(clockNow(kernel, CLOCK_REALTIME) / 1_000_000_000n);
}

/**
 * Nanoseconds on `clock`; EINVAL for clocks Linux does not have. The CPU-time clocks answer the
 * monotonic clock here, for what only needs them valid (clock_getres, a sleep's deadline):
 * clock_gettime reads them from the caller's host tasks.
 */
export function clockNow(kernel: Kernel, clock: number): bigint {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_REALTIME_ALARM:
    case CLOCK_TAI:
      return kernel.clock.now() + kernel.realtimeOffset;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_BOOTTIME_ALARM:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
      return kernel.clock.now();
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

/** A struct timespec or timeval on its way out (time calls are the most frequent of many programs). */
const timeOut = new StructBuffer(16);

/** Write `ns` at `addr` as seconds and the rest in units of `unit` ns (timespec: 1, timeval: 1000). */
function writeTime(ctx: SyscallContext, addr: number, ns: bigint, unit = 1n): void {
  const sec = ns / 1_000_000_000n;
  setI64(timeOut.view, 0, Number(sec));
  setI64(timeOut.view, 8, Number((ns - sec * 1_000_000_000n) / unit));
  ctx.mem.write(addr, timeOut.bytes);
}


/** Implements Linux syscall clock_gettime(2); the CPU-time clocks read the caller's host tasks. */
export function sysClockGettime(ctx: SyscallContext) {
  const clock = ctx.int(0);
  let ns: bigint;
  if (clock === CLOCK_PROCESS_CPUTIME_ID) {
    ns = BigInt(hostCpuNs(ctx.kernel.platform, ctx.process.hostPid).total);
  } else if (clock === CLOCK_THREAD_CPUTIME_ID) {
    const t = hostCounts(ctx.process.hostPid, ctx.thread.hostTid);
    ns = BigInt(t.user + t.system) * 1000n;
  } else {
    ns = clockNow(ctx.kernel, clock);
  }
  writeTime(ctx, ctx.addr(1), ns);
  return 0;
}

/** Implements Linux syscall clock_getres(2). */
export function sysClockGetres(ctx: SyscallContext) {
  const clock = ctx.int(0);
  clockNow(ctx.kernel, clock);
  if (ctx.addr(1) !== 0) writeTime(ctx, ctx.addr(1), clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE ? 4_000_000n : 1n);
  return 0;
}

/** Implements Linux syscall gettimeofday(2). */
export function sysGettimeofday(ctx: SyscallContext) {
  const now = clockNow(ctx.kernel, CLOCK_REALTIME);
  if (ctx.addr(0) !== 0) writeTime(ctx, ctx.addr(0), now, 1000n);
  if (ctx.addr(1) !== 0) ctx.mem.writeU64(ctx.addr(1), 0n);
  return 0;
}

/** Implements Linux syscall time(2). */
export function sysTime(ctx: SyscallContext) {
  const sec = clockNow(ctx.kernel, CLOCK_REALTIME) / 1_000_000_000n;
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
  const now = clockNow(ctx.kernel, clock);
  const wait = flags & TIMER_ABSTIME ? t - now : t;
  return sleepUntil(ctx, ctx.kernel.timers.clock.now() + (wait > 0n ? wait : 0n));
}

const ITIMER_REAL = 0;
const NS_PER_SEC = 1_000_000_000n;
const NS_PER_USEC = 1000n;

/** The soonest a periodic timer with a shorter period fires again (a ns period must not keep the kernel firing it). */
const MIN_REARM_NS = 1_000_000n;

/**
 * A periodic timer's next expiry after the one due at `deadline`: the first of its period past
 * `now` (the ones a late wake-up skipped are not made up, one signal stands for them), and at
 * least MIN_REARM_NS ahead.
 */
function nextExpiry(deadline: bigint, interval: bigint, now: bigint): bigint {
  let next = deadline + interval;
  if (next <= now) next += ((now - next) / interval + 1n) * interval;
  const floor = now + MIN_REARM_NS;
  if (next < floor) next += ((floor - next + interval - 1n) / interval) * interval;
  return next;
}

/** Arm (or, with 0, disarm) the process's real-time timer; returns what was left of the old one. */
function armRealTimer(ctx: SyscallContext, value: bigint, interval: bigint): { left: bigint; interval: bigint } {
  const proc = ctx.process;
  const timers = ctx.kernel.timers;
  const now = timers.clock.now();
  const old = proc.realTimer;
  const left = old ? (old.deadline > now ? old.deadline - now : 1n) : 0n;
  old?.timer.cancel();
  proc.realTimer = null;
  if (value > 0n) {
    const fire = (deadline: bigint): void => {
      const timer = timers.add(deadline, () => {
        sendSignal(ctx.kernel, proc, { signo: Signo.SIGALRM, code: SI_KERNEL });
        if (interval > 0n && !proc.dead) fire(nextExpiry(deadline, interval, timers.clock.now()));
        else proc.realTimer = null;
      });
      proc.realTimer = { timer, deadline, interval };
    };
    fire(now + value);
  }
  return { left, interval: old?.interval ?? 0n };
}

/** Implements Linux syscall alarm(2). */
export function sysAlarm(ctx: SyscallContext) {
  const { left } = armRealTimer(ctx, BigInt(ctx.uint(0)) * NS_PER_SEC, 0n);
  return Number((left + NS_PER_SEC - 1n) / NS_PER_SEC); // rounded up, as Linux
}

function readTimeval(ctx: SyscallContext, addr: number): bigint {
  const sec = BigInt.asIntN(64, ctx.mem.readU64(addr));
  const usec = BigInt.asIntN(64, ctx.mem.readU64(addr + 8));
  if (sec < 0n || usec < 0n || usec >= 1_000_000n) throw new KernelError(Errno.EINVAL);
  return sec * NS_PER_SEC + usec * NS_PER_USEC;
}

function writeItimerval(ctx: SyscallContext, addr: number, interval: bigint, value: bigint): void {
  const us = (ns: bigint) => (ns + NS_PER_USEC - 1n) / NS_PER_USEC;
  ctx.mem.writeU64(addr, us(interval) / 1_000_000n);
  ctx.mem.writeU64(addr + 8, us(interval) % 1_000_000n);
  ctx.mem.writeU64(addr + 16, us(value) / 1_000_000n);
  ctx.mem.writeU64(addr + 24, us(value) % 1_000_000n);
}

/** Implements Linux syscall setitimer(2) for ITIMER_REAL (CPU-time timers are not counted yet). */
export function sysSetitimer(ctx: SyscallContext) {
  if (ctx.int(0) !== ITIMER_REAL) throw new KernelError(Errno.EINVAL, 'only ITIMER_REAL is supported');
  const newAddr = ctx.addr(1);
  const interval = newAddr ? readTimeval(ctx, newAddr) : 0n;
  const value = newAddr ? readTimeval(ctx, newAddr + 16) : 0n;
  const old = armRealTimer(ctx, value, interval);
  if (ctx.addr(2) !== 0) writeItimerval(ctx, ctx.addr(2), old.interval, old.left);
  return 0;
}

/** Implements Linux syscall getitimer(2) for ITIMER_REAL. */
export function sysGetitimer(ctx: SyscallContext) {
  if (ctx.int(0) !== ITIMER_REAL) throw new KernelError(Errno.EINVAL, 'only ITIMER_REAL is supported');
  const t = ctx.process.realTimer;
  const now = ctx.kernel.timers.clock.now();
  writeItimerval(ctx, ctx.addr(1), t?.interval ?? 0n, t ? (t.deadline > now ? t.deadline - now : 1n) : 0n);
  return 0;
}

/** Implements Linux syscall times(2): the process's and its waited-for children's CPU times. */
export function sysTimes(ctx: SyscallContext) {
  if (ctx.addr(0) !== 0) {
    const own = hostCpuTime(ctx.kernel.platform, ctx.process.hostPid);
    const children = ctx.process.childrenUsage;
    const buf = new Uint8Array(32);
    const v = new DataView(buf.buffer);
    [own.user, own.system, children.user, children.system].forEach((us, i) => {
      v.setBigInt64(i * 8, BigInt(Math.floor(us / TICK_MICROS)), true);
    });
    ctx.mem.write(ctx.addr(0), buf);
  }
  return (process.hrtime.bigint() / 10_000_000n) & 0x7fff_ffffn; // clock ticks (100 Hz) since an arbitrary point
}

const RUSAGE_SELF = 0;
const RUSAGE_CHILDREN = -1;
const RUSAGE_THREAD = 1;

/** `struct rusage` with its CPU times, ru_maxrss (KiB) and page faults; the other counters are 0. */
export function encodeRusage(usage: Usage): Uint8Array {
  const buf = new Uint8Array(144);
  const v = new DataView(buf.buffer);
  const timeval = (off: number, us: number) => {
    v.setBigInt64(off, BigInt(Math.floor(us / 1_000_000)), true);
    v.setBigInt64(off + 8, BigInt(us % 1_000_000), true);
  };
  timeval(0, usage.user);
  timeval(16, usage.system);
  v.setBigInt64(32, BigInt(usage.maxRssKb), true);
  v.setBigInt64(64, BigInt(usage.minorFaults), true);
  v.setBigInt64(72, BigInt(usage.majorFaults), true);
  return buf;
}

/**
 * Implements Linux syscall getrusage(2): CPU times, peak memory and page faults, from the host
 * tasks for the caller and from its waited-for children for RUSAGE_CHILDREN; the I/O and
 * context-switch counters are 0 (the host's would count the traps, not the program's own).
 */
export function sysGetrusage(ctx: SyscallContext) {
  const who = ctx.int(0);
  let usage: Usage;
  if (who === RUSAGE_CHILDREN) usage = ctx.process.childrenUsage;
  else if (who !== RUSAGE_SELF && who !== RUSAGE_THREAD) throw new KernelError(Errno.EINVAL);
  else {
    const pid = ctx.process.hostPid;
    // The process's CPU time from its clock (finer than /proc's ticks); a thread's from /proc.
    const counts = who === RUSAGE_SELF
      ? { ...hostCounts(pid), ...hostCpuTime(ctx.kernel.platform, pid) }
      : hostCounts(pid, ctx.thread.hostTid);
    usage = { ...counts, maxRssKb: hostMaxRssKb(pid) }; // the process's peak for a thread too, as Linux's
  }
  ctx.mem.write(ctx.addr(1), encodeRusage(usage));
  return 0;
}
