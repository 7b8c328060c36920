/**
 * eventfd, eventfd2, timerfd_create, timerfd_settime, timerfd_gettime, signalfd, signalfd4:
 * the file-descriptor faces of counters, timers and signals.
 *
 * @module
 */
import {
  CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, Errno, EventFdFile,
  KernelError, SFD_CLOEXEC, SFD_NONBLOCK, SignalFdFile, TFD_CLOEXEC, TFD_NONBLOCK, TFD_TIMER_ABSTIME,
  TFD_TIMER_CANCEL_ON_SET, TimerFdFile,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { clockNow } from './time.js';
import { readTimespec, writeItimerspec } from './timespec.js';

function eventfd(ctx: SyscallContext, initval: number, flags: number): number {
  if ((flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC)) !== 0) throw new KernelError(Errno.EINVAL);
  return ctx.process.fds.install(new EventFdFile(initval, flags), { cloexec: (flags & EFD_CLOEXEC) !== 0 });
}

/** Implements Linux syscall eventfd2(2). */
export function sysEventfd2(ctx: SyscallContext) {
  return eventfd(ctx, ctx.uint(0), ctx.int(1));
}

/** Implements Linux syscall eventfd(2). */
export function sysEventfd(ctx: SyscallContext) {
  return eventfd(ctx, ctx.uint(0), 0);
}

/** Implements Linux syscall timerfd_create(2) (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME). */
export function sysTimerfdCreate(ctx: SyscallContext) {
  const clock = ctx.int(0);
  const flags = ctx.int(1);
  if (clock !== CLOCK_REALTIME && clock !== CLOCK_MONOTONIC && clock !== CLOCK_BOOTTIME) throw new KernelError(Errno.EINVAL);
  if ((flags & ~(TFD_NONBLOCK | TFD_CLOEXEC)) !== 0) throw new KernelError(Errno.EINVAL);
  const file = new TimerFdFile(ctx.kernel.timers, () => clockNow(ctx.kernel, clock), flags);
  return ctx.process.fds.install(file, { cloexec: (flags & TFD_CLOEXEC) !== 0 });
}

function timerfdOf(ctx: SyscallContext, fd: number): TimerFdFile {
  const file = ctx.process.fds.get(fd);
  if (!(file instanceof TimerFdFile)) throw new KernelError(Errno.EINVAL);
  return file;
}

/** Implements Linux syscall timerfd_settime(2) (TFD_TIMER_CANCEL_ON_SET is accepted: the clock is never set). */
export function sysTimerfdSettime(ctx: SyscallContext) {
  const file = timerfdOf(ctx, ctx.int(0));
  const flags = ctx.int(1);
  if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) !== 0) throw new KernelError(Errno.EINVAL);
  const addr = ctx.addr(2);
  const interval = readTimespec(ctx, addr);
  const value = readTimespec(ctx, addr + 16);
  const old = file.set({ value, interval }, (flags & TFD_TIMER_ABSTIME) !== 0);
  if (ctx.addr(3) !== 0) writeItimerspec(ctx, ctx.addr(3), old.interval, old.value);
  return 0;
}

/** Implements Linux syscall timerfd_gettime(2). */
export function sysTimerfdGettime(ctx: SyscallContext) {
  const left = timerfdOf(ctx, ctx.int(0)).get();
  writeItimerspec(ctx, ctx.addr(1), left.interval, left.value);
  return 0;
}

function signalfd(ctx: SyscallContext, fd: number, maskAddr: number, size: number, flags: number): number {
  if ((flags & ~(SFD_NONBLOCK | SFD_CLOEXEC)) !== 0) throw new KernelError(Errno.EINVAL);
  if (size !== 8) throw new KernelError(Errno.EINVAL);
  const mask = ctx.mem.readU64(maskAddr);
  if (fd !== -1) {
    const file = ctx.process.fds.get(fd);
    if (!(file instanceof SignalFdFile)) throw new KernelError(Errno.EINVAL);
    file.setMask(mask);
    return fd;
  }
  const file = new SignalFdFile(ctx.process, mask, flags, ctx.kernel.signalArrivals);
  return ctx.process.fds.install(file, { cloexec: (flags & SFD_CLOEXEC) !== 0 });
}

/** Implements Linux syscall signalfd4(2). */
export function sysSignalfd4(ctx: SyscallContext) {
  return signalfd(ctx, ctx.int(0), ctx.addr(1), ctx.addr(2), ctx.int(3));
}

/** Implements Linux syscall signalfd(2). */
export function sysSignalfd(ctx: SyscallContext) {
  return signalfd(ctx, ctx.int(0), ctx.addr(1), ctx.addr(2), 0);
}
