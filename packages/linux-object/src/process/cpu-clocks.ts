/**
 * CPU-time clocks: CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, and the clock ids that
 * clock_getcpuclockid and pthread_getcpuclockid make for a process or a thread (Linux's encoding:
 * the pid or tid as ~id << 3, bit 2 for a thread, the kind in the low two bits). They are read
 * from the guests' host tasks, so they count what a guest's own code and host calls ran, not the
 * kernel's time answering its syscalls.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID } from '../abi/time.js';
import { Errno, KernelError } from '../errno.js';
import { hostCounts, hostCpuNs, hostRunNs, hostThreadRunNs } from './host-usage.js';
import type { TimerClock } from './interval-timer.js';
import type { Kernel } from './kernel.js';
import type { LinuxProcess, LinuxThread } from './process.js';

/** User + system time (setitimer's ITIMER_PROF). */
export const CPUCLOCK_PROF = 0;
/** User time (ITIMER_VIRTUAL). */
export const CPUCLOCK_VIRT = 1;
/** Time run, the only kind finer than a tick (CLOCK_*_CPUTIME_ID's). */
export const CPUCLOCK_SCHED = 2;
type CpuClockKind = typeof CPUCLOCK_PROF | typeof CPUCLOCK_VIRT | typeof CPUCLOCK_SCHED;

/** A CPU-time clock: of a process, or of one of its threads. */
export interface CpuClock {
  process: LinuxProcess;
  thread?: LinuxThread;
  kind: CpuClockKind;
}

/** Ticks of the host's PROF and VIRT clocks (HZ 250, Debian's kernels'): clock_getres's answer for them. */
export const CPU_TICK_NS = 4_000_000n;

/**
 * The CPU-time clock `clockid` names for a call from `caller`; undefined for a clock that is not
 * one. EINVAL, as Linux's lookup_task, for one that names nobody: a thread outside the caller's
 * process, or a pid that is not a process's (the caller's own tid aside).
 */
export function cpuClockOf(kernel: Kernel, caller: LinuxThread, clockid: number): CpuClock | undefined {
  if (clockid === CLOCK_PROCESS_CPUTIME_ID) return { process: caller.process, kind: CPUCLOCK_SCHED };
  if (clockid === CLOCK_THREAD_CPUTIME_ID) return { process: caller.process, thread: caller, kind: CPUCLOCK_SCHED };
  if (clockid >= 0) return undefined;
  const kind = clockid & 3;
  if (kind === 3) throw new KernelError(Errno.EINVAL); // CLOCKFD: a dynamic clock's fd, none here
  const id = ~(clockid >> 3);
  if ((clockid & 4) !== 0) {
    const thread = id === 0 ? caller : caller.process.threads.get(id);
    if (thread === undefined) throw new KernelError(Errno.EINVAL);
    return { process: caller.process, thread, kind: kind as CpuClockKind };
  }
  const process = id === 0 || id === caller.tid ? caller.process : kernel.processes.get(id);
  if (process === undefined) throw new KernelError(Errno.EINVAL);
  return { process, kind: kind as CpuClockKind };
}

/** The reading of `clock` in ns. */
export function readCpuClock(kernel: Kernel, clock: CpuClock): bigint {
  const { process, thread, kind } = clock;
  if (thread !== undefined) {
    if (kind === CPUCLOCK_SCHED) return BigInt(hostThreadRunNs(process.hostPid, thread.hostTid));
    const t = hostCounts(process.hostPid, thread.hostTid);
    return BigInt(kind === CPUCLOCK_VIRT ? t.user : t.user + t.system) * 1000n;
  }
  if (kind === CPUCLOCK_SCHED) return BigInt(hostRunNs(kernel.platform, process.hostPid));
  const ns = hostCpuNs(kernel.platform, process.hostPid);
  return BigInt(kind === CPUCLOCK_VIRT ? ns.user : ns.total);
}

/** The soonest a CPU-clock timer looks again, and the longest while its clock stands still. */
const MIN_LOOK_NS = 1_000_000n;
const MAX_IDLE_LOOK_NS = 64_000_000n;

/**
 * `clock` as a timer's clock. A thread's clock cannot run faster than the kernel's, nor a
 * process's faster than that times the CPUs its threads can use, so a timer looks at it no sooner
 * than that, and again until the deadline is reached, but at most every millisecond. While the
 * clock stands still (its threads asleep) the looks space out as long as it has stood still, up
 * to 64 ms: an idle guest's armed CPU timer costs a few reads a second, and is that late at most
 * once its threads run again. A tick-counting clock (PROF, VIRT) moves every tick while its
 * threads run, so it never looks idle longer than a tick then.
 */
export function cpuTimerClock(kernel: Kernel, clock: CpuClock): TimerClock {
  let last = -1n;
  let changedAt = 0n;
  return {
    now: () => readCpuClock(kernel, clock),
    lookAt(deadline, now) {
      const monotonic = kernel.timers.clock.now();
      if (now !== last) [last, changedAt] = [now, monotonic];
      const still = monotonic - changedAt;
      const idleLook = still < MIN_LOOK_NS ? MIN_LOOK_NS : still > MAX_IDLE_LOOK_NS ? MAX_IDLE_LOOK_NS : still;
      const cpus = clock.thread ? 1 : Math.max(1, Math.min(clock.process.threads.size, availableParallelism()));
      const soonest = (deadline - now) / BigInt(cpus);
      return monotonic + (soonest > idleLook ? soonest : idleLook);
    },
    live: () => !clock.process.dead && (clock.thread === undefined || clock.process.threads.get(clock.thread.tid) === clock.thread),
  };
}
