/**
 * Signals so far: rt_sigaction and rt_sigprocmask record what the guest asks and answer with what
 * it set before; kill carries out default actions. Delivery to handlers (signal frames) comes next.
 *
 * @module
 */
import { Errno, KernelError, NSIG, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, Signo, type LinuxProcess } from '@rvisor/linux-object';
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

/** Signals whose default action is to do nothing. */
const DEFAULT_IGNORED: ReadonlySet<number> = new Set([Signo.SIGCHLD, Signo.SIGURG, Signo.SIGWINCH, Signo.SIGCONT]);
/** Signals whose default action stops the process (job control comes with signals). */
const STOP_SIGNALS: ReadonlySet<number> = new Set([Signo.SIGSTOP, Signo.SIGTSTP, Signo.SIGTTIN, Signo.SIGTTOU]);

/** The processes kill(2)'s `pid` names. */
function killTargets(ctx: SyscallContext, pid: number): LinuxProcess[] {
  const live = [...ctx.kernel.processes.values()].filter((p) => !p.dead);
  if (pid > 0) return live.filter((p) => p.pid === pid);
  if (pid === -1) return live.filter((p) => p.pid !== 1 && p !== ctx.process);
  const pgid = pid === 0 ? ctx.process.pgid : -pid;
  return live.filter((p) => p.pgid === pgid);
}

/**
 * Implements Linux syscall kill(2) for what needs no signal frame: signal 0 (existence), SIGKILL,
 * and signals the target leaves at their default action (terminate, or ignore). A signal the
 * target catches, or a stop signal, answers ENOSYS until signal delivery exists.
 */
export function sysKill(ctx: SyscallContext) {
  const pid = ctx.int(0);
  const sig = ctx.int(1);
  if (sig < 0 || sig > NSIG || pid === -0x8000_0000) throw new KernelError(Errno.EINVAL);
  const targets = killTargets(ctx, pid);
  if (targets.length === 0) throw new KernelError(Errno.ESRCH);
  if (sig === 0) return 0;
  for (const proc of targets) {
    const thread = proc.threads.values().next().value;
    if (!thread) continue;
    if (sig !== Signo.SIGKILL && !proc.takesDefaultAction(sig, thread)) {
      const act = proc.sigactions.get(sig);
      const ignored = act !== undefined && new DataView(act.buffer, act.byteOffset, 8).getBigUint64(0, true) === 1n;
      if (ignored) continue;
      throw new KernelError(Errno.ENOSYS, 'delivering a caught or blocked signal is not supported yet');
    }
    if (DEFAULT_IGNORED.has(sig)) continue;
    if (STOP_SIGNALS.has(sig)) throw new KernelError(Errno.ENOSYS, 'job control is not supported yet');
    ctx.kernel.killProcess(proc, sig);
  }
  return 0;
}
