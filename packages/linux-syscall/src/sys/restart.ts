/**
 * restart_syscall(2) and restart blocks. A sleep that a signal interrupts returns
 * ERESTART_RESTARTBLOCK and leaves here how to go on: with a handler the caller gets EINTR, and
 * without one (a stop and a continue, an ignored signal) the run loop restarts the call as
 * restart_syscall, which sleeps on to the sleep's own deadline instead of starting it again. A
 * handler's sigreturn drops what was left, as Linux's does.
 *
 * @module
 */
import { Errno, KernelError } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** What restart_syscall runs in the context's thread if its interrupted call is restarted. */
export function setRestart(ctx: SyscallContext, restart: (ctx: SyscallContext) => number | Promise<number>): void {
  ctx.restart = restart;
}

/** Nothing to restart (a sigreturn). */
export function clearRestart(ctx: SyscallContext): void {
  ctx.restart = null;
}

/** Implements Linux syscall restart_syscall(2): EINTR when nothing was left to restart. */
export function sysRestartSyscall(ctx: SyscallContext) {
  const restart = ctx.restart;
  if (restart === null) throw new KernelError(Errno.EINTR);
  ctx.restart = null;
  return restart(ctx);
}
