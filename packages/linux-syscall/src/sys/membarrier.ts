/**
 * membarrier(2). A barrier interrupts the CPUs that run a process's threads, which only the host
 * can do, and guest threads are host threads: so the calling thread makes the call itself, as made
 * (a passthrough), and the host answers it, for the guest's host process (its registrations,
 * PRIVATE_EXPEDITED, which a fork inherits as Linux's does) or for the whole host (GLOBAL, which
 * any Linux process may ask). The call touches no memory, file or other process of the host.
 *
 * @module
 */
import { ERESTARTNOINTR, hasDeliverable } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/**
 * Implements Linux syscall membarrier(2). A signal due first is delivered before it, and the call
 * made again after its handler (ERESTARTNOINTR): a passthrough returns to the guest with none.
 */
export function sysMembarrier(ctx: SyscallContext) {
  if (hasDeliverable(ctx.thread)) return -ERESTARTNOINTR;
  ctx.passthrough = true;
  return 0;
}
