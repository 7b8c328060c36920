/**
 * Signals: dispositions (sigaction), generation (pending sets, default actions), and delivery to
 * a handler by building Linux's x86-64 `rt_sigframe` on the guest stack; rt_sigreturn undoes it.
 *
 * @module
 */
import { markProgress } from '@rvisor/async-executor';
import { Reg, type Registers } from '@rvisor/zircon-object';
import { Signo, NSIG } from '../abi/signal.js';
import { RLIMIT_SIGPENDING } from '../abi/process.js';
import { Errno, KernelError } from '../errno.js';
import type { Kernel } from './kernel.js';
import { processLimit, type LinuxProcess, type LinuxThread } from './process.js';

export const SIG_DFL = 0n;
export const SIG_IGN = 1n;
export const SA_NOCLDSTOP = 0x1;
export const SA_NOCLDWAIT = 0x2;
export const SA_SIGINFO = 0x4;
export const SA_RESTORER = 0x0400_0000;
export const SA_ONSTACK = 0x0800_0000;
export const SA_RESTART = 0x1000_0000;
export const SA_NODEFER = 0x4000_0000;
export const SA_RESETHAND = 0x8000_0000;

/** Errors a blocked syscall returns when a signal interrupts it; delivery turns them into EINTR or a restart. */
export const ERESTARTSYS = 512;
export const ERESTARTNOINTR = 513;
export const ERESTARTNOHAND = 514;
export const ERESTART_RESTARTBLOCK = 516;

/** si_code values. */
export const SI_USER = 0;
export const SI_TKILL = -6;
/** si_code of a POSIX timer's expiry. */
export const SI_TIMER = -2;
export const SI_KERNEL = 0x80;
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

/** A disposition, as `struct sigaction` (kernel layout: handler, flags, restorer, mask). */
export interface SigAction {
  handler: bigint;
  flags: number;
  restorer: bigint;
  mask: bigint;
}

export const SIGACTION_SIZE = 32;
export const DEFAULT_ACTION: SigAction = { handler: SIG_DFL, flags: 0, restorer: 0n, mask: 0n };

export function decodeSigAction(b: Uint8Array): SigAction {
  const v = new DataView(b.buffer, b.byteOffset, SIGACTION_SIZE);
  return {
    handler: v.getBigUint64(0, true),
    flags: Number(v.getBigUint64(8, true) & 0xffff_ffffn),
    restorer: v.getBigUint64(16, true),
    mask: v.getBigUint64(24, true),
  };
}

/** `a` as the guest's `struct sigaction`, in `into` (a new array by default). */
export function encodeSigAction(a: SigAction, into: Uint8Array = new Uint8Array(SIGACTION_SIZE)): Uint8Array {
  const b = into;
  const v = new DataView(b.buffer, b.byteOffset, SIGACTION_SIZE);
  v.setBigUint64(0, a.handler, true);
  v.setBigUint64(8, BigInt(a.flags >>> 0), true);
  v.setBigUint64(16, a.restorer, true);
  v.setBigUint64(24, a.mask, true);
  return b;
}

/** What a signal does by default. */
export type DefaultAction = 'terminate' | 'core' | 'ignore' | 'stop' | 'continue';

const CORE = new Set<number>([
  Signo.SIGQUIT, Signo.SIGILL, Signo.SIGTRAP, Signo.SIGABRT, Signo.SIGBUS, Signo.SIGFPE, Signo.SIGSEGV,
  Signo.SIGXCPU, Signo.SIGXFSZ, Signo.SIGSYS,
]);
const STOP = new Set<number>([Signo.SIGSTOP, Signo.SIGTSTP, Signo.SIGTTIN, Signo.SIGTTOU]);
const IGNORE = new Set<number>([Signo.SIGCHLD, Signo.SIGURG, Signo.SIGWINCH]);

export function defaultAction(sig: number): DefaultAction {
  if (CORE.has(sig)) return 'core';
  if (STOP.has(sig)) return 'stop';
  if (IGNORE.has(sig)) return 'ignore';
  if (sig === Signo.SIGCONT) return 'continue';
  return 'terminate';
}

/** The si_code of a SIGCHLD (and waitid) for an exit by `signal` (0: an exit call). */
export function exitCode(signal: number): number {
  if (signal === 0) return CLD_EXITED;
  return defaultAction(signal) === 'core' ? CLD_DUMPED : CLD_KILLED;
}

/** The bit of `sig` in a sigset. */
export const sigbit = (sig: number): bigint => 1n << BigInt(sig - 1);
/** Signals no mask can block. */
export const UNBLOCKABLE = sigbit(Signo.SIGKILL) | sigbit(Signo.SIGSTOP);

/** What a pending signal carries (the fields of siginfo the kernel fills). */
export interface SigInfo {
  signo: number;
  code: number;
  pid?: number;
  uid?: number;
  status?: number;
  addr?: bigint;
  /** A POSIX timer's (SI_TIMER): its id, the expirations since this signal was sent, its sigev_value. */
  timer?: { id: number; overrun: number; value: bigint };
  /** sigqueue's si_value (rt_sigqueueinfo's siginfo carries it). */
  value?: bigint;
  /** An I/O signal's (POLL_*): the poll events (si_band) and the fd. */
  poll?: { band: number; fd: number };
  /** si_errno: a seccomp SIGSYS carries its filter's 16 bits of data there. */
  errno?: number;
  /** A seccomp SIGSYS's (SYS_SECCOMP): where the call was made, its number and its arch. */
  sys?: { callAddr: bigint; syscall: number; arch: number };
}

/** The first real-time signal: from it on, each sending queues one more instance. */
export const SIGRTMIN_KERNEL = 32;

/**
 * The signals pending for a thread or a process, as Linux keeps them: a standard signal (1–31)
 * once however often it is sent, each real-time one (32–64) queued as often as it is sent. They
 * are taken lowest number first, and a real-time signal's instances in the order they came.
 */
export class PendingSignals {
  readonly #bySigno = new Map<number, SigInfo[]>();
  #count = 0;

  /** How many instances are pending (/proc's SigQ). */
  get size(): number {
    return this.#count;
  }

  has(sig: number): boolean {
    return this.#bySigno.has(sig);
  }

  /** Whether `info` itself is still pending (a POSIX timer asks of its last signal). */
  includes(info: SigInfo): boolean {
    return this.#bySigno.get(info.signo)?.includes(info) ?? false;
  }

  /** Queue `info`; a standard signal already pending stays as it is (false then). */
  add(info: SigInfo): boolean {
    const queue = this.#bySigno.get(info.signo);
    if (queue === undefined) this.#bySigno.set(info.signo, [info]);
    else if (info.signo >= SIGRTMIN_KERNEL) queue.push(info);
    else return false;
    this.#count++;
    return true;
  }

  /** Make `info` its signal's only pending instance (a fault's own siginfo wins). */
  put(info: SigInfo): void {
    this.delete(info.signo);
    this.add(info);
  }

  /** Take `info` itself out, if it is still pending (a re-armed or deleted POSIX timer's signal). */
  remove(info: SigInfo): boolean {
    const queue = this.#bySigno.get(info.signo);
    const at = queue?.indexOf(info) ?? -1;
    if (at < 0) return false;
    queue!.splice(at, 1);
    if (queue!.length === 0) this.#bySigno.delete(info.signo);
    this.#count--;
    return true;
  }

  /** Discard every pending instance of `sig`. */
  delete(sig: number): void {
    const queue = this.#bySigno.get(sig);
    if (queue === undefined) return;
    this.#count -= queue.length;
    this.#bySigno.delete(sig);
  }

  /** The pending signals as a sigset (bit sig-1). */
  get mask(): bigint {
    let set = 0n;
    for (const sig of this.#bySigno.keys()) set |= sigbit(sig);
    return set;
  }

  /** Take the first instance of the lowest-numbered pending signal in `set`, if any. */
  take(set: bigint): SigInfo | undefined {
    let lowest = 0;
    for (const sig of this.#bySigno.keys()) if ((set & sigbit(sig)) !== 0n && (lowest === 0 || sig < lowest)) lowest = sig;
    if (lowest === 0) return undefined;
    const queue = this.#bySigno.get(lowest)!;
    const info = queue.shift()!;
    if (queue.length === 0) this.#bySigno.delete(lowest);
    this.#count--;
    return info;
  }
}

export const SIGINFO_SIZE = 128;

export function encodeSigInfo(info: SigInfo): Uint8Array {
  const b = new Uint8Array(SIGINFO_SIZE);
  const v = new DataView(b.buffer);
  v.setInt32(0, info.signo, true);
  if (info.errno !== undefined) v.setInt32(4, info.errno, true);
  v.setInt32(8, info.code, true);
  if (info.sys !== undefined) {
    v.setBigUint64(16, info.sys.callAddr, true);
    v.setInt32(24, info.sys.syscall, true);
    v.setUint32(28, info.sys.arch, true);
  } else if (info.addr !== undefined) {
    v.setBigUint64(16, info.addr, true);
  } else if (info.poll !== undefined) {
    v.setBigInt64(16, BigInt(info.poll.band), true);
    v.setInt32(24, info.poll.fd, true);
  } else if (info.timer !== undefined) {
    v.setInt32(16, info.timer.id, true);
    v.setInt32(20, info.timer.overrun, true);
    v.setBigUint64(24, info.timer.value, true);
  } else {
    v.setInt32(16, info.pid ?? 0, true);
    v.setInt32(20, info.uid ?? 0, true);
    if (info.status !== undefined) v.setInt32(24, info.status, true);
    else if (info.value !== undefined) v.setBigUint64(24, info.value, true);
  }
  return b;
}

/** Whether `sig` sent to `proc` now would be discarded (ignored, explicitly or by default). */
function isIgnored(proc: LinuxProcess, sig: number): boolean {
  const act = proc.sigaction(sig);
  if (act.handler === SIG_IGN) return true;
  return act.handler === SIG_DFL && (defaultAction(sig) === 'ignore' || defaultAction(sig) === 'continue');
}

const STOP_SIGNALS = [Signo.SIGSTOP, Signo.SIGTSTP, Signo.SIGTTIN, Signo.SIGTTOU];

/** Job control at generation: SIGCONT continues a stopped process; a stop signal taking its default action stops it. Returns true if the signal is used up. */
function jobControl(kernel: Kernel, proc: LinuxProcess, sig: number, threads: LinuxThread[], traced: boolean): boolean {
  if (sig === Signo.SIGCONT) {
    for (const s of STOP_SIGNALS) proc.pending.delete(s);
    if (proc.stopped) kernel.continueProcess(proc);
    return false; // SIGCONT is then delivered like any other signal (usually ignored)
  }
  // A traced thread's tracer sees the stop signal first, at its delivery.
  if (defaultAction(sig) !== 'stop' || traced) return false;
  const act = proc.sigaction(sig);
  const blockedEverywhere = threads.every((t) => (t.signalMask & sigbit(sig)) !== 0n);
  if (sig !== Signo.SIGSTOP && (act.handler !== SIG_DFL || blockedEverywhere)) return false;
  proc.pending.delete(Signo.SIGCONT);
  if (!proc.stopped) kernel.stopProcess(proc, sig);
  return true;
}

/**
 * Generate `info.signo` for `proc` (or for one `thread` of it): discarded if ignored, fatal at once
 * if its default action ends the process and nothing blocks it, otherwise made pending and the
 * thread that can take it is woken (an interrupted syscall, or a running thread made to stop).
 *
 * Past RLIMIT_SIGPENDING, as in Linux (`__send_signal_locked`): a real-time signal sent with a
 * code other than kill's SI_USER (sigqueue's SI_QUEUE, tgkill's SI_TKILL) is refused, and the
 * function returns false for the caller's EAGAIN; any other is pending without its siginfo. A
 * standard signal from kill or the kernel, and a POSIX timer's, are queued past the limit.
 */
export function sendSignal(kernel: Kernel, proc: LinuxProcess, info: SigInfo, thread?: LinuxThread): boolean {
  const sig = info.signo;
  if (proc.dead || sig < 1 || sig > NSIG) return true;
  if (sig === Signo.SIGKILL) {
    kernel.killProcess(proc, sig);
    return true;
  }
  const blocked = (t: LinuxThread) => (t.signalMask & sigbit(sig)) !== 0n;
  const threads = thread ? [thread] : [...proc.threads.values()];
  // A tracer sees every signal but SIGKILL at its delivery, ignored or fatal (Linux's sig_ignored).
  const traced = anyTraced(threads);
  if (jobControl(kernel, proc, sig, threads, traced)) return true;
  if (!traced && isIgnored(proc, sig) && !threads.every(blocked)) return true;
  const act = proc.sigaction(sig);
  const fatal = act.handler === SIG_DFL && (defaultAction(sig) === 'terminate' || defaultAction(sig) === 'core');
  if (fatal && !traced && !threads.every(blocked)) {
    kernel.killProcess(proc, sig);
    return true;
  }
  const pending = thread ? thread.pending : proc.pending;
  if (!overridesLimit(info) && BigInt(queuedSignals(proc)) >= processLimit(proc, RLIMIT_SIGPENDING).cur) {
    if (sig >= SIGRTMIN_KERNEL && info.code !== SI_USER) return false;
    // Made pending all the same, without its siginfo (a second instance of a pending one is lost).
    if (pending.has(sig)) return true;
    info = { signo: sig, code: SI_USER, pid: 0, uid: 0 };
  }
  pending.add(info);
  kernel.signalArrivals.notify();
  // A thread that can take it, or one waiting for it in rt_sigtimedwait.
  const target = threads.find((t) => !blocked(t)) ?? threads.find((t) => (t.sigwaitSet & sigbit(sig)) !== 0n);
  if (target) wakeForSignal(kernel, target);
  return true;
}

function anyTraced(threads: LinuxThread[]): boolean {
  for (const t of threads) if (t.ptrace !== null) return true;
  return false;
}

/** Make `thread` notice a pending signal: interrupt its blocked syscall or stop it if running. */
export function wakeForSignal(kernel: Kernel, thread: LinuxThread): void {
  if (thread.blocker) {
    thread.blocker.abort(new KernelError(Errno.EINTR));
    markProgress(); // the aborted wait's continuation must run before the kernel blocks again
  } else if (thread.running) {
    kernel.platform.interrupt(thread.hostTid);
  }
}

/** The first pending signal `thread` does not block (its own before the process's), taken. */
export function takeDeliverable(thread: LinuxThread): SigInfo | undefined {
  const open = ~thread.signalMask;
  return thread.pending.take(open) ?? thread.process.pending.take(open);
}

/** Whether `thread` has a pending signal it does not block. */
export function hasDeliverable(thread: LinuxThread): boolean {
  if (thread.pending.size === 0 && thread.process.pending.size === 0) return false;
  return ((thread.pending.mask | thread.process.pending.mask) & ~thread.signalMask) !== 0n;
}

/** Whether `info` is queued past RLIMIT_SIGPENDING (Linux's `override_rlimit`, and a timer's own entry). */
function overridesLimit(info: SigInfo): boolean {
  return info.code === SI_TIMER || (info.signo < SIGRTMIN_KERNEL && info.code >= 0);
}

/** Real-time signal instances queued for `proc` and its threads (RLIMIT_SIGPENDING bounds them). */
function queuedSignals(proc: LinuxProcess): number {
  let n = proc.pending.size;
  for (const t of proc.threads.values()) n += t.pending.size;
  return n;
}

// rt_sigframe layout (arch/x86/include/asm/sigframe.h): pretcode, then ucontext, then siginfo.
const UC = 8;
const UC_STACK = UC + 16;
const MCONTEXT = UC + 40;
const UC_SIGMASK = MCONTEXT + 256;
const INFO = UC_SIGMASK + 8;
const FRAME_SIZE = INFO + SIGINFO_SIZE;
const FPSTATE_SIZE = 512;
const REDZONE = 128;
/** sigcontext's general registers, in its order, as indices into a register view. */
const SIGCONTEXT_REGS = [
  Reg.r8, Reg.r9, Reg.r10, Reg.r11, Reg.r12, Reg.r13, Reg.r14, Reg.r15, Reg.rdi, Reg.rsi, Reg.rbp,
  Reg.rbx, Reg.rdx, Reg.rax, Reg.rcx, Reg.rsp, Reg.rip, Reg.eflags,
];
/** eflags bits a signal handler may change through the frame (Linux's FIX_EFLAGS). */
const FIX_EFLAGS = 0x0004_0dd5n; // AC OF DF TF SF ZF AF PF CF RF

/**
 * The alternate signal stack of a thread (sigaltstack).
 */
export interface AltStack {
  sp: number;
  size: number;
  flags: number;
}
export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;

/**
 * Deliver `info` to its handler: save the thread's registers, FPU state and mask in a frame on its
 * stack (or its alternate stack), and point it at the handler. Faults writing the frame kill the
 * process with SIGSEGV, as Linux's force_sigsegv.
 */
export function setupFrame(kernel: Kernel, thread: LinuxThread, regs: Registers, info: SigInfo, act: SigAction): void {
  const proc = thread.process;
  const sig = info.signo;
  if ((act.flags & SA_RESTORER) === 0 || act.restorer === 0n) {
    kernel.killProcess(proc, Signo.SIGSEGV); // x86-64 needs a restorer to return through
    return;
  }
  let sp = Number(regs[Reg.rsp]);
  const alt = thread.altStack;
  const onAlt = alt !== null && (alt.flags & SS_DISABLE) === 0 && sp > alt.sp && sp <= alt.sp + alt.size;
  if ((act.flags & SA_ONSTACK) !== 0 && alt !== null && (alt.flags & SS_DISABLE) === 0 && !onAlt) {
    sp = alt.sp + alt.size;
  } else {
    sp -= REDZONE;
  }
  const fpAddr = Math.floor((sp - FPSTATE_SIZE) / 64) * 64;
  const frame = Math.floor((fpAddr - FRAME_SIZE) / 16) * 16 - 8;

  const fp = new Uint8Array(FPSTATE_SIZE);
  kernel.platform.getFpregs(thread.hostTid, fp);
  const f = new Uint8Array(FRAME_SIZE);
  const v = new DataView(f.buffer);
  v.setBigUint64(0, act.restorer, true);
  if (alt) {
    v.setBigUint64(UC_STACK, BigInt(alt.sp), true);
    v.setInt32(UC_STACK + 8, onAlt ? SS_ONSTACK : alt.flags, true);
    v.setBigUint64(UC_STACK + 16, BigInt(alt.size), true);
  } else {
    v.setInt32(UC_STACK + 8, SS_DISABLE, true);
  }
  SIGCONTEXT_REGS.forEach((r, i) => v.setBigUint64(MCONTEXT + i * 8, regs[r], true));
  v.setBigUint64(MCONTEXT + 144, (regs[Reg.cs] & 0xffffn) | ((regs[Reg.ss] & 0xffffn) << 48n), true);
  v.setBigUint64(MCONTEXT + 184, BigInt(fpAddr), true);
  v.setBigUint64(UC_SIGMASK, thread.suspendedMask ?? thread.signalMask, true);
  f.set(encodeSigInfo(info), INFO);
  try {
    proc.memory.write(fpAddr, fp);
    proc.memory.write(frame, f);
  } catch {
    kernel.killProcess(proc, Signo.SIGSEGV);
    return;
  }
  thread.suspendedMask = null;
  thread.signalMask |= act.mask | ((act.flags & SA_NODEFER) === 0 ? sigbit(sig) : 0n);
  thread.signalMask &= ~UNBLOCKABLE;
  if ((act.flags & SA_RESETHAND) !== 0) proc.sigactions.delete(sig);
  regs[Reg.rsp] = BigInt(frame);
  regs[Reg.rip] = act.handler;
  regs[Reg.rdi] = BigInt(sig);
  regs[Reg.rsi] = BigInt(frame + INFO);
  regs[Reg.rdx] = BigInt(frame + UC);
  regs[Reg.rax] = 0n;
  regs[Reg.eflags] &= ~0x0004_0500n; // TF DF AC clear in the handler
}

/**
 * rt_sigreturn: restore what {@link setupFrame} saved (registers, FPU state, mask). The frame is
 * at rsp - 8 (the handler's `ret` popped pretcode). A bad frame kills with SIGSEGV.
 */
export function sigreturn(kernel: Kernel, thread: LinuxThread, regs: Registers): void {
  const proc = thread.process;
  const frame = Number(regs[Reg.rsp]) - 8;
  let f: Uint8Array;
  let fp: Uint8Array | undefined;
  try {
    f = proc.memory.read(frame, FRAME_SIZE);
    const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
    const fpAddr = Number(v.getBigUint64(MCONTEXT + 184, true));
    if (fpAddr !== 0) fp = proc.memory.read(fpAddr, FPSTATE_SIZE);
  } catch {
    kernel.killProcess(proc, Signo.SIGSEGV);
    return;
  }
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const eflags = regs[Reg.eflags];
  SIGCONTEXT_REGS.forEach((r, i) => (regs[r] = v.getBigUint64(MCONTEXT + i * 8, true)));
  regs[Reg.eflags] = (eflags & ~FIX_EFLAGS) | (regs[Reg.eflags] & FIX_EFLAGS);
  regs[Reg.orig_rax] = 0xffff_ffff_ffff_ffffn;
  thread.signalMask = v.getBigUint64(UC_SIGMASK, true) & ~UNBLOCKABLE;
  if (fp) kernel.platform.setFpregs(thread.hostTid, fp);
}
