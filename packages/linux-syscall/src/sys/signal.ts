/**
 * Signal bookkeeping: rt_sigaction and rt_sigprocmask record what the guest asks and answer with
 * what it set before. Delivery (frames, default actions, kill) comes with the next milestone.
 *
 * @module
 */
import { Errno, KernelError, NSIG, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, Signo } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

const { SIGKILL, SIGSTOP } = Signo;
const SIGACTION_SIZE = 32; // handler, flags, restorer, mask (8-byte sigset)
const UNBLOCKABLE = (1n << BigInt(SIGKILL - 1)) | (1n << BigInt(SIGSTOP - 1));

/** Implements Linux syscall rt_sigaction(2) (recorded; delivery: next milestone). */
export function sysRtSigaction(ctx: SyscallContext) {
  const sig = ctx.int(0);
  if (sig < 1 || sig > NSIG || ctx.addr(3) !== 8) throw new KernelError(Errno.EINVAL);
  const actAddr = ctx.addr(1);
  const oldAddr = ctx.addr(2);
  if (actAddr !== 0 && (sig === SIGKILL || sig === SIGSTOP)) throw new KernelError(Errno.EINVAL);
  const act = actAddr !== 0 ? ctx.mem.read(actAddr, SIGACTION_SIZE) : undefined;
  if (oldAddr !== 0) ctx.mem.write(oldAddr, ctx.process.sigactions.get(sig) ?? new Uint8Array(SIGACTION_SIZE));
  if (act) ctx.process.sigactions.set(sig, act);
  return 0;
}

/** Implements Linux syscall rt_sigprocmask(2). */
export function sysRtSigprocmask(ctx: SyscallContext) {
  const how = ctx.int(0);
  if (ctx.addr(3) !== 8) throw new KernelError(Errno.EINVAL);
  const setAddr = ctx.addr(1);
  const oldAddr = ctx.addr(2);
  const old = ctx.thread.signalMask;
  if (setAddr !== 0) {
    const set = ctx.mem.readU64(setAddr);
    let mask: bigint;
    if (how === SIG_BLOCK) mask = old | set;
    else if (how === SIG_UNBLOCK) mask = old & ~set;
    else if (how === SIG_SETMASK) mask = set;
    else throw new KernelError(Errno.EINVAL);
    ctx.thread.signalMask = mask & ~UNBLOCKABLE;
  }
  if (oldAddr !== 0) ctx.mem.writeU64(oldAddr, old);
  return 0;
}
