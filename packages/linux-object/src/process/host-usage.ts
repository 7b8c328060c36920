/**
 * What guests use, read from their host tasks: CPU time (the host counts what the guest's code and
 * its host calls ran; the kernel's own time for the guest, answering its syscalls, is not in it)
 * and resident memory (the guest's pmem pages its host process maps, shared ones included, as
 * Linux counts a process's shared pages in its RSS).
 *
 * @module
 */
import type { Platform } from '@rvisor/zircon-object';
import { readFileSync } from 'node:fs';
import type { CpuTime, Faults } from './process.js';

/** Microseconds in a clock tick (USER_HZ, 100), the unit of /proc's times. */
export const TICK_MICROS = 10_000;

/**
 * The CPU time of host process `hostPid` (all its threads, gone ones too), in nanoseconds, user
 * and user + system: from the platform's CPU clock when it has one, else /proc's ticks; zero once
 * it is gone.
 */
export function hostCpuNs(platform: Platform, hostPid: number): { user: number; total: number } {
  const total = platform.processCpuClock?.(hostPid, 0);
  const user = platform.processCpuClock?.(hostPid, 1);
  if (total !== undefined && user !== undefined) return { user, total };
  const t = hostCounts(hostPid);
  return { user: t.user * 1000, total: (t.user + t.system) * 1000 };
}

/** How long host process `hostPid`'s threads have run, in ns (CLOCK_PROCESS_CPUTIME_ID's time). */
export function hostRunNs(platform: Platform, hostPid: number): number {
  return platform.processCpuClock?.(hostPid, 2) ?? hostCpuNs(platform, hostPid).total;
}

/**
 * How long host thread `hostTid` of process `hostPid` has run, in ns (CLOCK_THREAD_CPUTIME_ID's
 * time): its scheduler statistics, finer than /proc's ticks; zero once it is gone.
 */
export function hostThreadRunNs(hostPid: number, hostTid: number): number {
  try {
    const stat = readFileSync(`/proc/${hostPid}/task/${hostTid}/schedstat`, 'latin1');
    return Number(stat.slice(0, stat.indexOf(' ')));
  } catch {
    const t = hostCounts(hostPid, hostTid);
    return (t.user + t.system) * 1000;
  }
}

/** {@link hostCpuNs} as user and system time in microseconds. */
export function hostCpuTime(platform: Platform, hostPid: number): CpuTime {
  const ns = hostCpuNs(platform, hostPid);
  return { user: Math.floor(ns.user / 1000), system: Math.floor((ns.total - ns.user) / 1000) };
}

/**
 * What the host counts of process `hostPid` (all its threads, gone ones too), or of its thread
 * `hostTid` alone, from one read of its /proc stat: CPU time in microseconds (whole clock ticks)
 * and page faults; zero once it is gone. A thread's CPU clock can be read only from its own
 * process, hence /proc; /proc/<tid>/stat of a thread that leads no process reads its process's
 * totals, hence task/<tid>.
 */
export function hostCounts(hostPid: number, hostTid?: number): CpuTime & Faults {
  const path = hostTid === undefined ? `/proc/${hostPid}/stat` : `/proc/${hostPid}/task/${hostTid}/stat`;
  try {
    const stat = readFileSync(path, 'latin1');
    // Counted from the state (field 3): minflt 10, majflt 12, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      user: Number(f[11]) * TICK_MICROS,
      system: Number(f[12]) * TICK_MICROS,
      minorFaults: Number(f[7]) || 0,
      majorFaults: Number(f[9]) || 0,
    };
  } catch {
    return { user: 0, system: 0, minorFaults: 0, majorFaults: 0 };
  }
}

/** Pages of host process `hostPid` that are resident (/proc/<pid>/statm); zero once it is gone. */
export function hostResidentPages(hostPid: number): number {
  try {
    return Number(readFileSync(`/proc/${hostPid}/statm`, 'latin1').split(' ')[1]) || 0;
  } catch {
    return 0;
  }
}

/** The largest resident set host process `hostPid` has had (VmHWM), in KiB; zero once it is gone. */
export function hostMaxRssKb(hostPid: number): number {
  try {
    const status = readFileSync(`/proc/${hostPid}/status`, 'latin1');
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
