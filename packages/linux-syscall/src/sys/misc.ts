/**
 * getrandom.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';
import { Errno, GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM, KernelError } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** Implements Linux syscall getrandom(2). */
export function sysGetrandom(ctx: SyscallContext) {
  if ((ctx.int(2) & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) !== 0) throw new KernelError(Errno.EINVAL);
  let n = 0;
  for (const seg of ctx.mem.buffer(ctx.addr(0), ctx.count(1), 'write')) {
    randomFillSync(seg);
    n += seg.length;
  }
  return n;
}
