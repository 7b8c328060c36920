/**
 * Signals: rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, rt_sigreturn, sigaltstack,
 * kill, tkill, tgkill. Delivery itself (frames) happens in the run loop when a thread returns to
 * guest code; see linux-object's `signals` module.
 *
 * @module
 */
import {
  CAP_KILL, ERESTARTNOHAND, Errno, capable, KernelError, NSIG, SIGACTION_SIZE, SIG_BLOCK, SIG_SETMASK,
  SIG_UNBLOCK, SI_TKILL, SI_USER, SS_DISABLE, SS_ONSTACK, Signo, UNBLOCKABLE, decodeSigAction,
  encodeSigAction, encodeSigInfo, hasDeliverable, sendSignal, sigreturn, type LinuxProcess, type SigAction, type SigInfo,
} from '@rvisor/linux-object';
import { Reg } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';
import { clearRestart } from './restart.js';
import { readTimeout } from './timespec.js';

const SIGSET_SIZE = 8;
const MINSIGSTKSZ = 2048;

function checkSignal(sig: number): void {
  if (sig < 1 || sig > NSIG) throw new KernelError(Errno.EINVAL);
}

/**
 * Where rt_sigaction's struct passes through: one buffer for every call (the kernel is one thread),
 * since a fresh small array costs V8 a move off its heap the first time a DataView sees it.
 */
const sigactionBuf = new Uint8Array(SIGACTION_SIZE);

/** Implements Linux syscall rt_sigaction(2). */
export function sysRtSigaction(ctx: SyscallContext) {
  const sig = ctx.int(0);
  checkSignal(sig);
  if (ctx.addr(3) !== SIGSET_SIZE) throw new KernelError(Errno.EINVAL);
  const actAddr = ctx.addr(1);
  const oldAddr = ctx.addr(2);
  if (actAddr !== 0 && (sig === Signo.SIGKILL || sig === Signo.SIGSTOP)) throw new KernelError(Errno.EINVAL);
  let act: SigAction | undefined;
  if (actAddr !== 0) {
    ctx.mem.readInto(actAddr, sigactionBuf);
    act = decodeSigAction(sigactionBuf);
  }
  if (oldAddr !== 0) ctx.mem.write(oldAddr, encodeSigAction(ctx.process.sigaction(sig), sigactionBuf));
  if (act) {
    act.mask &= ~UNBLOCKABLE;
    ctx.process.sigactions.set(sig, act);
    // Setting SIG_IGN (or SIG_DFL for a default-ignored signal) discards what is pending.
    if (act.handler === 1n) {
      ctx.process.pending.delete(sig);
      for (const t of ctx.process.threads.values()) t.pending.delete(sig);
    }
  }
  return 0;
}

/** Implements Linux syscall rt_sigprocmask(2). */
export function sysRtSigprocmask(ctx: SyscallContext) {
  const how = ctx.int(0);
  if (ctx.addr(3) !== SIGSET_SIZE) throw new KernelError(Errno.EINVAL);
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

/** Implements Linux syscall rt_sigpending(2). */
export function sysRtSigpending(ctx: SyscallContext) {
  if (ctx.addr(1) !== SIGSET_SIZE) throw new KernelError(Errno.EINVAL);
  const set = ctx.thread.pending.mask | ctx.process.pending.mask;
  ctx.mem.writeU64(ctx.addr(0), set & ctx.thread.signalMask);
  return 0;
}

/** Implements Linux syscall rt_sigsuspend(2): wait with a temporary mask until a signal is delivered. */
export function sysRtSigsuspend(ctx: SyscallContext) {
  if (ctx.addr(1) !== SIGSET_SIZE) throw new KernelError(Errno.EINVAL);
  const mask = ctx.mem.readU64(ctx.addr(0));
  const thread = ctx.thread;
  thread.suspendedMask ??= thread.signalMask; // kept when the call is restarted
  thread.signalMask = mask & ~UNBLOCKABLE;
  return untilSignal(ctx); // the frame saves suspendedMask; sigreturn restores it
}

/** Sleep until a signal is delivered to the thread. */
async function untilSignal(ctx: SyscallContext): Promise<number> {
  const signal = ctx.interruption();
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  return -ERESTARTNOHAND;
}

/** Implements Linux syscall pause(2). */
export function sysPause(ctx: SyscallContext) {
  return untilSignal(ctx);
}

/** Take the first pending signal of `set` for `thread` (thread-directed first), or undefined. */
function takeFrom(ctx: SyscallContext, set: bigint): SigInfo | undefined {
  return ctx.thread.pending.take(set) ?? ctx.process.pending.take(set);
}

/** Implements Linux syscall rt_sigtimedwait(2). */
export function sysRtSigtimedwait(ctx: SyscallContext) {
  if (ctx.addr(3) !== SIGSET_SIZE) throw new KernelError(Errno.EINVAL);
  const set = ctx.mem.readU64(ctx.addr(0)) & ~UNBLOCKABLE;
  const infoAddr = ctx.addr(1);
  const timeout = readTimeout(ctx, ctx.addr(2));
  const answer = (info: SigInfo) => {
    if (infoAddr !== 0) ctx.mem.write(infoAddr, encodeSigInfo(info));
    return info.signo;
  };
  const now = takeFrom(ctx, set);
  if (now) return answer(now);
  if (timeout === 0n) return -Errno.EAGAIN;
  return (async () => {
    const thread = ctx.thread;
    const timers = ctx.kernel.timers;
    const deadline = timeout === null ? null : timers.clock.now() + timeout;
    thread.sigwaitSet = set;
    try {
      for (;;) {
        try {
          if (deadline === null) await new Promise<never>((_, reject) => whenAborted(ctx.interruption(), reject));
          else await timers.sleepUntil(deadline, ctx.interruption());
        } catch (err) {
          if (!thread.blocker?.signal.aborted) throw err;
        }
        const info = takeFrom(ctx, set);
        if (info) return answer(info);
        if (hasDeliverable(thread)) return -ERESTARTNOHAND; // another signal: its handler runs
        if (deadline !== null && timers.clock.now() >= deadline) return -Errno.EAGAIN;
        thread.blocker = null; // woken for nothing of ours: wait again
      }
    } finally {
      thread.sigwaitSet = 0n;
    }
  })();
}

function whenAborted(signal: AbortSignal, reject: (reason: unknown) => void): void {
  if (signal.aborted) reject(signal.reason);
  else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
}

/**
 * The siginfo rt_sigqueueinfo and rt_tgsigqueueinfo pass along (at `addr`: EFAULT first), si_value
 * included. Not even root may pass a code of the kernel's (si_code >= 0) or tkill's, but to the
 * calling thread itself (`toSelf`: Linux compares its thread id with the target's id), EPERM.
 */
function queuedInfo(ctx: SyscallContext, addr: number, sig: number, toSelf: boolean): SigInfo {
  const raw = ctx.mem.read(addr, 128);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const code = v.getInt32(8, true);
  if ((code >= 0 || code === SI_TKILL) && !toSelf) throw new KernelError(Errno.EPERM);
  return { signo: sig, code, pid: v.getInt32(16, true), uid: v.getInt32(20, true), value: v.getBigUint64(24, true) };
}

/**
 * Implements Linux syscall rt_sigqueueinfo(2): EAGAIN when a real-time signal cannot be queued;
 * signal 0 only checks.
 */
export function sysRtSigqueueinfo(ctx: SyscallContext) {
  const pid = ctx.int(0);
  const sig = ctx.int(1);
  const info = queuedInfo(ctx, ctx.addr(2), sig, pid === ctx.thread.tid);
  const target = pid > 0 ? killTargets(ctx, pid)[0] : undefined;
  if (!target) throw new KernelError(Errno.ESRCH);
  if (sig < 0 || sig > NSIG) throw new KernelError(Errno.EINVAL);
  if (!maySignal(ctx.process, target, sig)) throw new KernelError(Errno.EPERM);
  if (target.dead || sig === 0) return 0; // a zombie takes it and drops it
  if (!sendSignal(ctx.kernel, target, info)) throw new KernelError(Errno.EAGAIN);
  return 0;
}

/** Implements Linux syscall rt_tgsigqueueinfo(2): rt_sigqueueinfo to thread `tid` of process `tgid`. */
export function sysRtTgsigqueueinfo(ctx: SyscallContext) {
  const tgid = ctx.int(0);
  const tid = ctx.int(1);
  const sig = ctx.int(2);
  const raw = ctx.addr(3);
  if (tid <= 0 || tgid <= 0) {
    ctx.mem.read(raw, 128); // EFAULT first
    throw new KernelError(Errno.EINVAL);
  }
  return signalThread(ctx, tgid, tid, queuedInfo(ctx, raw, sig, tid === ctx.thread.tid));
}

/** Implements Linux syscall rt_sigreturn(2). */
export function sysRtSigreturn(ctx: SyscallContext) {
  sigreturn(ctx.kernel, ctx.thread, ctx.regs);
  clearRestart(ctx); // what a handler interrupted is not restarted, as Linux's restore_sigcontext
  return ctx.regs[Reg.rax]; // as restored: the interrupted code's own value
}

/** Implements Linux syscall sigaltstack(2). */
export function sysSigaltstack(ctx: SyscallContext) {
  const ssAddr = ctx.addr(0);
  const oldAddr = ctx.addr(1);
  const thread = ctx.thread;
  const alt = thread.altStack;
  const sp = Number(ctx.regs[Reg.rsp]);
  const onStack = alt !== null && (alt.flags & SS_DISABLE) === 0 && sp > alt.sp && sp <= alt.sp + alt.size;
  if (oldAddr !== 0) {
    const out = new Uint8Array(24);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, BigInt(alt?.sp ?? 0), true);
    v.setInt32(8, onStack ? SS_ONSTACK : alt ? alt.flags : SS_DISABLE, true);
    v.setBigUint64(16, BigInt(alt?.size ?? 0), true);
    ctx.mem.write(oldAddr, out);
  }
  if (ssAddr !== 0 && onStack) throw new KernelError(Errno.EPERM); // no change while running on it
  if (ssAddr !== 0) {
    const raw = ctx.mem.read(ssAddr, 24);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const flags = v.getInt32(8, true);
    if (flags & ~(SS_DISABLE | SS_ONSTACK | 0x8000_0000)) throw new KernelError(Errno.EINVAL);
    if (flags & SS_DISABLE) {
      thread.altStack = { sp: 0, size: 0, flags: SS_DISABLE };
    } else {
      const size = Number(v.getBigUint64(16, true));
      if (size < MINSIGSTKSZ) throw new KernelError(Errno.ENOMEM);
      thread.altStack = { sp: Number(v.getBigUint64(0, true)), size, flags: 0 };
    }
  }
  return 0;
}

/**
 * Linux's kill_ok_by_cred: the sender's real or effective uid is the target's real or saved one,
 * or the sender holds CAP_KILL; SIGCONT may also go to any process of the sender's session.
 */
export function maySignal(sender: LinuxProcess, target: LinuxProcess, sig: number): boolean {
  const s = sender.cred;
  const t = target.cred;
  if (capable(s, CAP_KILL) || s.euid === t.suid || s.euid === t.uid || s.uid === t.suid || s.uid === t.uid) return true;
  return sig === Signo.SIGCONT && sender.sid === target.sid;
}

/** The processes kill(2)'s `pid` names. Zombies count, as Linux's: they hold their pid until reaped. */
function killTargets(ctx: SyscallContext, pid: number): LinuxProcess[] {
  const all = [...ctx.kernel.processes.values()];
  if (pid > 0) return all.filter((p) => p.pid === pid);
  if (pid === -1) return all.filter((p) => p.pid !== 1 && p !== ctx.process);
  const pgid = pid === 0 ? ctx.process.pgid : -pid;
  return all.filter((p) => p.pgid === pgid);
}

/** Implements Linux syscall kill(2). */
export function sysKill(ctx: SyscallContext) {
  const pid = ctx.int(0);
  const sig = ctx.int(1);
  if (sig < 0 || sig > NSIG || pid === -0x8000_0000) throw new KernelError(Errno.EINVAL);
  const named = killTargets(ctx, pid);
  if (named.length === 0) throw new KernelError(Errno.ESRCH);
  // Of a group, those it may signal get it; EPERM when it may signal none.
  const targets = named.filter((p) => maySignal(ctx.process, p, sig));
  if (targets.length === 0) throw new KernelError(Errno.EPERM);
  if (sig === 0) return 0;
  for (const proc of targets) {
    // A zombie takes the signal and drops it.
    if (!proc.dead) sendSignal(ctx.kernel, proc, { signo: sig, code: SI_USER, pid: ctx.process.pid, uid: ctx.process.cred.uid });
  }
  return 0;
}

function threadKill(ctx: SyscallContext, tgid: number, tid: number, sig: number): number {
  if (sig < 0 || sig > NSIG || tid <= 0) throw new KernelError(Errno.EINVAL);
  return signalThread(ctx, tgid, tid, { signo: sig, code: SI_TKILL, pid: ctx.process.pid, uid: ctx.process.cred.uid });
}

/**
 * Send `info` to thread `tid` (of process `tgid`, unless it is -1), as Linux's do_send_specific:
 * ESRCH, then EINVAL for a signal past NSIG, EPERM, EAGAIN when it cannot be queued; signal 0
 * only checks.
 */
function signalThread(ctx: SyscallContext, tgid: number, tid: number, info: SigInfo): number {
  const proc = ctx.kernel.processOfThread(tid);
  const thread = proc?.threads.get(tid);
  if (!proc || !thread || (tgid >= 0 && proc.pid !== tgid)) throw new KernelError(Errno.ESRCH);
  const sig = info.signo;
  if (sig < 0 || sig > NSIG) throw new KernelError(Errno.EINVAL);
  if (!maySignal(ctx.process, proc, sig)) throw new KernelError(Errno.EPERM);
  if (sig === 0) return 0;
  if (!sendSignal(ctx.kernel, proc, info, thread)) throw new KernelError(Errno.EAGAIN);
  return 0;
}

/** Implements Linux syscall tgkill(2). */
export function sysTgkill(ctx: SyscallContext) {
  if (ctx.int(0) <= 0) throw new KernelError(Errno.EINVAL);
  return threadKill(ctx, ctx.int(0), ctx.int(1), ctx.int(2));
}

/** Implements Linux syscall tkill(2). */
export function sysTkill(ctx: SyscallContext) {
  return threadKill(ctx, -1, ctx.int(0), ctx.int(1));
}
