/**
 * CPU time of guests, read from their host tasks: the host counts what the guest's code and its
 * host calls ran; the kernel's own time for the guest (answering its syscalls) is not in it.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { CpuTime } from './process.js';

/** Microseconds in a clock tick (USER_HZ, 100), the unit of /proc's times. */
export const TICK_MICROS = 10_000;

/**
 * The CPU time of host process `hostPid` (all its threads, gone ones too), or of its thread
 * `hostTid` only; zero when the task is gone. /proc/<pid>/stat of a thread that leads no process
 * reads its process's totals too, hence task/<tid> for a thread.
 */
export function hostCpuTime(hostPid: number, hostTid?: number): CpuTime {
  try {
    const path = hostTid === undefined ? `/proc/${hostPid}/stat` : `/proc/${hostPid}/task/${hostTid}/stat`;
    const stat = readFileSync(path, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime: fields 14 and 15, counted from the state (field 3) here.
    return { user: Number(fields[11]) * TICK_MICROS, system: Number(fields[12]) * TICK_MICROS };
  } catch {
    return { user: 0, system: 0 };
  }
}
