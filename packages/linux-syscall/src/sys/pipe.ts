/**
 * pipe and pipe2.
 *
 * @module
 */
import { Errno, KernelError, O_CLOEXEC, O_DIRECT, O_NONBLOCK, createPipe } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { installPair } from './fd-pair.js';

function pipe2(ctx: SyscallContext, fdsAddr: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) throw new KernelError(Errno.EINVAL);
  const [r, w] = createPipe(flags);
  return installPair(ctx, r, w, (flags & O_CLOEXEC) !== 0, fdsAddr);
}

/** Implements Linux syscall pipe2(2). */
export function sysPipe2(ctx: SyscallContext) {
  return pipe2(ctx, ctx.addr(0), ctx.int(1));
}

/** Implements Linux syscall pipe(2). */
export function sysPipe(ctx: SyscallContext) {
  return pipe2(ctx, ctx.addr(0), 0);
}
