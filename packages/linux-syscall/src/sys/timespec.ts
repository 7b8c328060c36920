/**
 * The guest's struct timespec and struct itimerspec, read and written in ns: one reader for every
 * call that takes a time, so each checks it as Linux does.
 *
 * @module
 */
import { Errno, KernelError, StructBuffer, setI64 } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

const NS_PER_SEC = 1_000_000_000n;

/** The struct timespec at `addr` in ns; EINVAL when it is negative or its nanoseconds reach a second. */
export function readTimespec(ctx: SyscallContext, addr: number): bigint {
  const sec = BigInt.asIntN(64, ctx.mem.readU64(addr));
  const nsec = BigInt.asIntN(64, ctx.mem.readU64(addr + 8));
  if (sec < 0n || nsec < 0n || nsec >= NS_PER_SEC) throw new KernelError(Errno.EINVAL);
  return sec * NS_PER_SEC + nsec;
}

/** A timeout argument: null (wait without end) for a null pointer, else the timespec at `addr`. */
export function readTimeout(ctx: SyscallContext, addr: number): bigint | null {
  return addr === 0 ? null : readTimespec(ctx, addr);
}

/** Write a struct itimerspec (interval, then value) at `addr`. */
export function writeItimerspec(ctx: SyscallContext, addr: number, interval: bigint, value: bigint): void {
  ctx.mem.writeU64(addr, interval / NS_PER_SEC);
  ctx.mem.writeU64(addr + 8, interval % NS_PER_SEC);
  ctx.mem.writeU64(addr + 16, value / NS_PER_SEC);
  ctx.mem.writeU64(addr + 24, value % NS_PER_SEC);
}

/** A struct timespec or timeval on its way out (time calls are the most frequent of many programs). */
const timeOut = new StructBuffer(16);

/** Write `ns` at `addr` as seconds and the rest in units of `unit` ns (timespec: 1, timeval: 1000). */
export function writeTime(ctx: SyscallContext, addr: number, ns: bigint, unit = 1n): void {
  const sec = ns / NS_PER_SEC;
  setI64(timeOut.view, 0, Number(sec));
  setI64(timeOut.view, 8, Number((ns - sec * NS_PER_SEC) / unit));
  ctx.mem.write(addr, timeOut.bytes);
}
