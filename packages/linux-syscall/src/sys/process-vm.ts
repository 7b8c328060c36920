/**
 * process_vm_readv(2) and process_vm_writev(2): copies between the caller's memory and another
 * process's of the same container, with ptrace's attach check (profilers and debuggers read
 * their targets so). The other process's memory is reached through its address space as the
 * process itself would: protections hold.
 *
 * @module
 */
import { Errno, KernelError, mayInspect } from '@rvisor/linux-object';
import type { Vmar } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';
import { IOV_MAX, readIovecs, type Iovec } from './iovec.js';

/** Implements Linux syscall process_vm_readv(2). */
export function sysProcessVmReadv(ctx: SyscallContext): number {
  return transfer(ctx, false);
}

/** Implements Linux syscall process_vm_writev(2). */
export function sysProcessVmWritev(ctx: SyscallContext): number {
  return transfer(ctx, true);
}

/**
 * (pid, local_iov, liovcnt, remote_iov, riovcnt, flags): the bytes copied, in iovec order on both
 * sides, up to the first byte either side cannot give or take (EFAULT if that is the first).
 * EINVAL for flags or a count past IOV_MAX, ESRCH for no such live process, EPERM unless the
 * caller may attach to it.
 */
function transfer(ctx: SyscallContext, toRemote: boolean): number {
  // In Linux's order: flags, the local iovecs (nothing to copy answers 0 at once), the remote ones.
  if (ctx.arg(5) !== 0n || ctx.addr(2) > IOV_MAX) throw new KernelError(Errno.EINVAL);
  const local = readIovecs(ctx, ctx.addr(1), ctx.addr(2));
  if (total(local) === 0) return 0;
  if (ctx.addr(4) > IOV_MAX) throw new KernelError(Errno.EINVAL);
  const remote = readIovecs(ctx, ctx.addr(3), ctx.addr(4));
  const target = ctx.kernel.processOfThread(ctx.int(0));
  if (target === undefined) throw new KernelError(Errno.ESRCH);
  if (!mayInspect(ctx.process, target)) throw new KernelError(Errno.EPERM);
  const [from, to] = toRemote ? [ctx.process.vmar, target.vmar] : [target.vmar, ctx.process.vmar];
  const [fromIovs, toIovs] = toRemote ? [local, remote] : [remote, local];
  const copied = copyAcross(from, fromIovs, to, toIovs);
  if (copied === 0 && total(remote) > 0) throw new KernelError(Errno.EFAULT);
  return copied;
}

function total(iovs: Iovec[]): number {
  let n = 0;
  for (const v of iovs) n += v.len;
  return n;
}

/** Copy from `fromIovs` in `from` to `toIovs` in `to`, in order, until either side ends or faults. */
function copyAcross(from: Vmar, fromIovs: Iovec[], to: Vmar, toIovs: Iovec[]): number {
  let copied = 0;
  let fi = 0;
  let fOff = 0;
  let ti = 0;
  let tOff = 0;
  while (fi < fromIovs.length && ti < toIovs.length) {
    const f = fromIovs[fi]!;
    const t = toIovs[ti]!;
    const n = Math.min(f.len - fOff, t.len - tOff);
    if (n === 0) {
      if (f.len === fOff) [fi, fOff] = [fi + 1, 0];
      if (t.len === tOff) [ti, tOff] = [ti + 1, 0];
      continue;
    }
    const m = Math.min(from.accessibleLength(f.base + fOff, n, 'read'), to.accessibleLength(t.base + tOff, n, 'write'));
    if (m > 0) to.write(t.base + tOff, from.read(f.base + fOff, m));
    copied += m;
    if (m < n) break;
    fOff += n;
    tOff += n;
  }
  return copied;
}
