/**
 * Time: clock_gettime, clock_getres, gettimeofday, time, nanosleep, clock_nanosleep, alarm,
 * setitimer, getitimer, times, getrusage. With a vDSO (docs/platform.md) guests read the clocks
 * themselves and only other clocks, or guests that make the syscall directly, come here; both see
 * the kernel's clock.
 *
 * @module
 */
import {
  CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME,
  CLOCK_REALTIME_ALARM, CLOCK_REALTIME_COARSE, CLOCK_TAI, CPUCLOCK_PROF, CPUCLOCK_SCHED, CPUCLOCK_VIRT, CPU_TICK_NS,
  ERESTARTNOHAND, ERESTART_RESTARTBLOCK, Errno, IntervalTimer, KernelError, SI_KERNEL, Signo, TIMER_ABSTIME, TICK_MICROS,
  cpuClockOf, cpuTimerClock, hostCounts, hostCpuTime, hostMaxRssKb, monotonicTimerClock, readCpuClock, sendSignal,
  type CpuClock, type Kernel, type LinuxProcess, type Usage,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { setRestart } from './restart.js';
import { readTimespec, writeTime } from './timespec.js';

/** Whole seconds of CLOCK_REALTIME (the times System V IPC objects keep). */
export function realtimeSeconds(kernel: Kernel): number {
  return Number(clockNow(kernel, CLOCK_REALTIME) / 1_000_000_000n);
}

/**
 * Nanoseconds on `clock`; EINVAL for clocks Linux does not have, and for the CPU-time clocks,
 * which only the calls that take them read (cpuClockOf).
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
      return kernel.clock.now();
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

/** Implements Linux syscall clock_gettime(2); the CPU-time clocks read the guest's host tasks. */
export function sysClockGettime(ctx: SyscallContext) {
  const clock = ctx.int(0);
  const cpu = cpuClockOf(ctx.kernel, ctx.thread, clock);
  writeTime(ctx, ctx.addr(1), cpu ? readCpuClock(ctx.kernel, cpu) : clockNow(ctx.kernel, clock));
  return 0;
}

/** Implements Linux syscall clock_getres(2). */
export function sysClockGetres(ctx: SyscallContext) {
  const clock = ctx.int(0);
  const cpu = cpuClockOf(ctx.kernel, ctx.thread, clock);
  if (!cpu) clockNow(ctx.kernel, clock);
  let res = 1n;
  if (clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE) res = 4_000_000n;
  else if (cpu && cpu.kind !== CPUCLOCK_SCHED) res = CPU_TICK_NS;
  if (ctx.addr(1) !== 0) writeTime(ctx, ctx.addr(1), res);
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

/**
 * A relative sleep to `deadline` of `clock` (`until` sleeps there): interrupted, it writes what
 * is left at `remAddr` (if not 0) and leaves a restart block that sleeps on to the same deadline.
 */
async function sleepFor(ctx: SyscallContext, clock: () => bigint, deadline: bigint, remAddr: number, until: Restart): Promise<number> {
  const r = await until(ctx);
  if (r !== -ERESTART_RESTARTBLOCK) return r;
  if (remAddr !== 0) {
    const left = deadline - clock();
    writeTime(ctx, remAddr, left > 0n ? left : 0n);
  }
  setRestart(ctx, (c) => sleepFor(c, clock, deadline, remAddr, until));
  return r;
}

type Restart = (ctx: SyscallContext) => Promise<number>;

/** Implements Linux syscall nanosleep(2). */
export function sysNanosleep(ctx: SyscallContext) {
  const ns = readTimespec(ctx, ctx.addr(0));
  const clock = () => ctx.kernel.timers.clock.now();
  const deadline = clock() + ns;
  return sleepFor(ctx, clock, deadline, ctx.addr(1), (c) => sleepUntil(c, deadline));
}

/**
 * Implements Linux syscall clock_nanosleep(2). On a process's CPU-time clock the caller sleeps
 * until that process has run for the time; on its own thread's, which cannot run meanwhile, it
 * gets EINVAL. An interrupted absolute sleep is restarted as it was; a relative one is a
 * nanosleep's.
 */
export function sysClockNanosleep(ctx: SyscallContext) {
  const clockid = ctx.int(0);
  const absolute = (ctx.int(1) & TIMER_ABSTIME) !== 0;
  const cpu = cpuClockOf(ctx.kernel, ctx.thread, clockid);
  if (cpu?.thread === ctx.thread) throw new KernelError(Errno.EINVAL);
  const t = readTimespec(ctx, ctx.addr(2));
  const kernelClock = () => ctx.kernel.timers.clock.now();
  const clock = cpu ? () => readCpuClock(ctx.kernel, cpu) : () => clockNow(ctx.kernel, clockid);
  const now = clock();
  const deadline = absolute ? t : now + t;
  // The kernel's timers count its monotonic clock: a deadline on another clock is moved onto it.
  const until: Restart = cpu
    ? (c) => sleepOnCpuClock(c, cpu, deadline)
    : (c) => sleepUntil(c, kernelClock() + (deadline - clock()));
  if (absolute) return until(ctx).then((r) => (r === -ERESTART_RESTARTBLOCK ? -ERESTARTNOHAND : r));
  return sleepFor(ctx, clock, deadline, ctx.addr(3), until);
}

/** Sleep until CPU-time clock `cpu` reads `deadline` (or what it measures is gone). */
async function sleepOnCpuClock(ctx: SyscallContext, cpu: CpuClock, deadline: bigint): Promise<number> {
  const clock = cpuTimerClock(ctx.kernel, cpu);
  for (let now = clock.now(); now < deadline && clock.live(); now = clock.now()) {
    const r = await sleepUntil(ctx, clock.lookAt(deadline, now));
    if (r !== 0) return r;
  }
  return 0;
}

const ITIMER_REAL = 0;
const ITIMER_VIRTUAL = 1;
const ITIMER_PROF = 2;
const NS_PER_SEC = 1_000_000_000n;
const NS_PER_USEC = 1000n;

/**
 * setitimer's timer `which` of `proc`, made on first use: ITIMER_REAL counts the kernel's clock
 * and sends SIGALRM, ITIMER_VIRTUAL the process's user time (SIGVTALRM), ITIMER_PROF its user and
 * system time (SIGPROF); each signal to the process, SI_KERNEL, as Linux sends them.
 */
function itimer(kernel: Kernel, proc: LinuxProcess, which: number): IntervalTimer {
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) throw new KernelError(Errno.EINVAL);
  const existing = proc.itimers[which];
  if (existing) return existing;
  const clock = which === ITIMER_REAL
    ? monotonicTimerClock(kernel.timers)
    : cpuTimerClock(kernel, { process: proc, kind: which === ITIMER_VIRTUAL ? CPUCLOCK_VIRT : CPUCLOCK_PROF });
  const signo = [Signo.SIGALRM, Signo.SIGVTALRM, Signo.SIGPROF][which];
  const timer = new IntervalTimer(kernel.timers, clock, () => {
    sendSignal(kernel, proc, { signo, code: SI_KERNEL });
    return !proc.dead;
  });
  proc.itimers[which] = timer;
  return timer;
}

/** Arm `timer` to expire after `value` ns (0: disarm) and then every `interval`; returns what was left of it. */
function rearm(timer: IntervalTimer, value: bigint, interval: bigint): { value: bigint; interval: bigint } {
  const old = timer.remaining();
  timer.arm(value > 0n ? timer.clock.now() + value : 0n, interval);
  return old;
}

/** Implements Linux syscall alarm(2). */
export function sysAlarm(ctx: SyscallContext) {
  const old = rearm(itimer(ctx.kernel, ctx.process, ITIMER_REAL), BigInt(ctx.uint(0)) * NS_PER_SEC, 0n);
  return Number((old.value + NS_PER_SEC - 1n) / NS_PER_SEC); // rounded up, as Linux
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

/** Implements Linux syscall setitimer(2). */
export function sysSetitimer(ctx: SyscallContext) {
  const timer = itimer(ctx.kernel, ctx.process, ctx.int(0));
  const newAddr = ctx.addr(1);
  const interval = newAddr ? readTimeval(ctx, newAddr) : 0n;
  const value = newAddr ? readTimeval(ctx, newAddr + 16) : 0n;
  // Disarmed, ITIMER_REAL forgets its interval and the CPU-time timers keep theirs, as in Linux.
  const old = rearm(timer, value, value > 0n || ctx.int(0) !== ITIMER_REAL ? interval : 0n);
  if (ctx.addr(2) !== 0) writeItimerval(ctx, ctx.addr(2), old.interval, old.value);
  return 0;
}

/** Implements Linux syscall getitimer(2). */
export function sysGetitimer(ctx: SyscallContext) {
  const left = itimer(ctx.kernel, ctx.process, ctx.int(0)).remaining();
  writeItimerval(ctx, ctx.addr(1), left.interval, left.value);
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

/**
 * `struct rusage` with its CPU times, ru_maxrss (KiB), page faults and voluntary context switches;
 * the other counters are 0.
 */
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
  v.setBigInt64(128, BigInt(usage.voluntarySwitches), true);
  return buf;
}

/**
 * Implements Linux syscall getrusage(2): CPU times, peak memory and page faults, from the host
 * tasks for the caller and from its waited-for children for RUSAGE_CHILDREN, and the voluntary
 * context switches the kernel counts (each syscall that waited). The I/O counters and ru_nivcsw
 * are 0: the host's would count the traps, not the program's own.
 */
export function sysGetrusage(ctx: SyscallContext) {
  const who = ctx.int(0);
  let usage: Usage;
  if (who === RUSAGE_CHILDREN) usage = ctx.process.childrenUsage;
  else if (who !== RUSAGE_SELF && who !== RUSAGE_THREAD) throw new KernelError(Errno.EINVAL);
  else {
    const pid = ctx.process.hostPid;
    const faults = hostCounts(pid, who === RUSAGE_SELF ? undefined : ctx.thread.hostTid);
    // The process's CPU time from its clock (finer than /proc's ticks); a thread's from /proc.
    const cpu = who === RUSAGE_SELF ? hostCpuTime(ctx.kernel.platform, pid) : faults;
    usage = {
      user: cpu.user, system: cpu.system, minorFaults: faults.minorFaults, majorFaults: faults.majorFaults,
      maxRssKb: hostMaxRssKb(pid), // the process's peak for a thread too, as Linux's
      voluntarySwitches: who === RUSAGE_SELF ? ctx.process.voluntarySwitches() : ctx.thread.voluntarySwitches,
    };
  }
  ctx.mem.write(ctx.addr(1), encodeRusage(usage));
  return 0;
}
