/**
 * restart_syscall(2) and restart blocks. A sleep that a signal interrupts returns
 * ERESTART_RESTARTBLOCK and leaves here how to go on: with a handler the caller gets EINTR, and
 * without one (a stop and a continue, an ignored signal) the run loop restarts the call as
 * restart_syscall, which sleeps on to the sleep's own deadline instead of starting it again. A
 * handler's sigreturn drops what was left, as Linux's does.
 *
 * @module
 */
import { Errno, KernelError, type LinuxThread } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

type Restart = (ctx: SyscallContext) => number | Promise<number>;

const blocks = new WeakMap<LinuxThread, Restart>();

/** What restart_syscall runs in `thread` if its interrupted call is restarted. */
export function setRestart(thread: LinuxThread, restart: Restart): void {
  blocks.set(thread, restart);
}

/** Nothing to restart (a sigreturn). */
export function clearRestart(thread: LinuxThread): void {
  blocks.delete(thread);
}

/** Implements Linux syscall restart_syscall(2): EINTR when nothing was left to restart. */
export function sysRestartSyscall(ctx: SyscallContext) {
  const restart = blocks.get(ctx.thread);
  if (restart === undefined) throw new KernelError(Errno.EINTR);
  blocks.delete(ctx.thread);
  return restart(ctx);
}
