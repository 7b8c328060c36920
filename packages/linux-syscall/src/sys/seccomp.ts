/**
 * seccomp(2) and prctl's PR_SET_SECCOMP: a thread's own filters (linux-object's process/seccomp.ts
 * checks and runs them), and what their verdict does to each call the thread makes, as Linux's
 * kernel/seccomp.c. No listener fds (SECCOMP_FILTER_FLAG_NEW_LISTENER is EINVAL), so
 * SECCOMP_RET_USER_NOTIF answers ENOSYS, as Linux does without one. SECCOMP_RET_TRACE stops the
 * call for a tracer that asked for PTRACE_O_TRACESECCOMP, and answers ENOSYS without one.
 *
 * @module
 */
import {
  AUDIT_ARCH_X86_64, BPF_MAXINSNS, CAP_SYS_ADMIN, Errno, KernelError, SECCOMP_ACTIONS, SECCOMP_MODE_FILTER, SECCOMP_MODE_STRICT,
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG,
  PTRACE_O_TRACESECCOMP, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, SIG_DFL, SIG_IGN, STRICT_SYSCALLS, Signo,
  compileFilter,
  hasCap, hasFilter, runFilters, sigbit, type SeccompState,
} from '@rvisor/linux-object';
import { Reg } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';

const SECCOMP_SET_MODE_STRICT = 0;
const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_GET_ACTION_AVAIL = 2;
const SECCOMP_GET_NOTIF_SIZES = 3;

const FILTER_FLAG_TSYNC = 1;
const FILTER_FLAG_LOG = 2;
const FILTER_FLAG_SPEC_ALLOW = 4;
const FILTER_FLAG_NEW_LISTENER = 8;
const FILTER_FLAG_TSYNC_ESRCH = 16;
const FILTER_FLAG_WAIT_KILLABLE_RECV = 32;
const FILTER_FLAGS = FILTER_FLAG_TSYNC | FILTER_FLAG_LOG | FILTER_FLAG_SPEC_ALLOW | FILTER_FLAG_NEW_LISTENER
  | FILTER_FLAG_TSYNC_ESRCH | FILTER_FLAG_WAIT_KILLABLE_RECV;

/** si_code of a seccomp SIGSYS. */
const SYS_SECCOMP = 1;
/** The largest errno SECCOMP_RET_ERRNO passes on (Linux's MAX_ERRNO). */
const MAX_ERRNO = 4095;
/** struct seccomp_notif, seccomp_notif_resp and seccomp_data's sizes (SECCOMP_GET_NOTIF_SIZES). */
const NOTIF_SIZES = new Uint8Array([80, 0, 24, 0, 64, 0]);

const ARG_REGS = [Reg.rdi, Reg.rsi, Reg.rdx, Reg.r10, Reg.r8, Reg.r9] as const;

/** Implements Linux syscall seccomp(2): (op, flags, args). */
export function sysSeccomp(ctx: SyscallContext) {
  const flags = ctx.uint(1);
  const args = ctx.addr(2);
  switch (ctx.uint(0)) {
    case SECCOMP_SET_MODE_STRICT:
      if (flags !== 0 || args !== 0) throw new KernelError(Errno.EINVAL);
      return setStrict(ctx);
    case SECCOMP_SET_MODE_FILTER:
      return setFilter(ctx, flags, args);
    case SECCOMP_GET_ACTION_AVAIL:
      if (flags !== 0) throw new KernelError(Errno.EINVAL);
      if (!SECCOMP_ACTIONS.has(ctx.mem.readU32(args))) throw new KernelError(Errno.EOPNOTSUPP);
      return 0;
    case SECCOMP_GET_NOTIF_SIZES:
      if (flags !== 0) throw new KernelError(Errno.EINVAL);
      ctx.mem.write(args, NOTIF_SIZES);
      return 0;
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

/** prctl(PR_SET_SECCOMP, mode, filter): seccomp(2) with no flags (strict mode ignores `filter`). */
export function prctlSetSeccomp(ctx: SyscallContext, mode: bigint, filter: number): number {
  if (mode === BigInt(SECCOMP_MODE_STRICT)) return setStrict(ctx);
  if (mode === BigInt(SECCOMP_MODE_FILTER)) return setFilter(ctx, 0, filter);
  throw new KernelError(Errno.EINVAL);
}

/** A thread already in the other mode cannot change (EINVAL). */
function checkMode(ctx: SyscallContext, mode: number): void {
  const current = ctx.thread.seccomp;
  if (current !== null && current.mode !== mode) throw new KernelError(Errno.EINVAL);
}

function setStrict(ctx: SyscallContext): number {
  checkMode(ctx, SECCOMP_MODE_STRICT);
  ctx.thread.seccomp = { mode: SECCOMP_MODE_STRICT, filter: null };
  return 0;
}

/**
 * Add the struct sock_fprog at `addr` to the thread's filters (with TSYNC, to every thread of its
 * process, whose filters must be the caller's or some of them: else the first other thread's id,
 * or ESRCH with TSYNC_ESRCH). Needs no_new_privs or CAP_SYS_ADMIN (EACCES).
 */
function setFilter(ctx: SyscallContext, flags: number, addr: number): number {
  if ((flags & ~FILTER_FLAGS) !== 0) throw new KernelError(Errno.EINVAL);
  if ((flags & (FILTER_FLAG_NEW_LISTENER | FILTER_FLAG_WAIT_KILLABLE_RECV)) !== 0) throw new KernelError(Errno.EINVAL);
  const prog = ctx.mem.read(addr, 16);
  const v = new DataView(prog.buffer, prog.byteOffset, 16);
  const length = v.getUint16(0, true);
  if (length === 0 || length > BPF_MAXINSNS) throw new KernelError(Errno.EINVAL);
  const proc = ctx.process;
  if (!proc.noNewPrivs && !hasCap(proc.cred.capEffective, CAP_SYS_ADMIN)) throw new KernelError(Errno.EACCES);
  const insns = ctx.mem.read(Number(v.getBigUint64(8, true)), length * 8);
  checkMode(ctx, SECCOMP_MODE_FILTER);
  const current = ctx.thread.seccomp?.filter ?? null;
  const state: SeccompState = { mode: SECCOMP_MODE_FILTER, filter: compileFilter(insns, current) };
  const others = (flags & FILTER_FLAG_TSYNC) !== 0 ? [...proc.threads.values()].filter((t) => t !== ctx.thread) : [];
  for (const t of others) {
    if (t.seccomp === null || (t.seccomp.mode === SECCOMP_MODE_FILTER && hasFilter(current, t.seccomp.filter))) continue;
    if ((flags & FILTER_FLAG_TSYNC_ESRCH) !== 0) throw new KernelError(Errno.ESRCH);
    return t.tid;
  }
  ctx.thread.seccomp = state;
  for (const t of others) t.seccomp = state;
  return 0;
}

/** struct seccomp_data for the call in `ctx`, as 16 little-endian words (one buffer: one call at a time). */
const data = new Uint32Array(16);

function seccompData(ctx: SyscallContext): Uint32Array {
  const w = ctx.words;
  data[0] = w[2 * Reg.orig_rax]!;
  data[1] = AUDIT_ARCH_X86_64;
  data[2] = w[2 * Reg.rip]!;
  data[3] = w[2 * Reg.rip + 1]!;
  for (let i = 0; i < 6; i++) {
    data[4 + 2 * i] = w[2 * ARG_REGS[i]!]!;
    data[5 + 2 * i] = w[2 * ARG_REGS[i]! + 1]!;
  }
  return data;
}

/** seccompVerdict's answer for a call its tracer sees first (a PTRACE_EVENT_SECCOMP stop). */
export const TRACER_FIRST = 'tracer first';

/**
 * What the thread's seccomp `state` makes of the call in `ctx`, before any handler sees it:
 * undefined to make the call; a number to answer it with instead (SECCOMP_RET_ERRNO's errno,
 * ENOSYS, or for SECCOMP_RET_TRAP the call's own number, as Linux rolls rax back, with SIGSYS
 * pending); null when the calling thread has ended (a kill of one thread of several);
 * TRACER_FIRST when it stops for its tracer (the filter's data is the event's message). A kill of
 * the process answers 0: the host ends it before it runs again.
 */
export function seccompVerdict(ctx: SyscallContext, state: SeccompState): number | null | undefined | typeof TRACER_FIRST {
  const nr = ctx.nr;
  if (state.mode === SECCOMP_MODE_STRICT) return STRICT_SYSCALLS.has(nr) ? undefined : kill(ctx, Signo.SIGKILL, true);
  const verdict = runFilters(state.filter!, seccompData(ctx));
  const reason = verdict & SECCOMP_RET_DATA;
  switch ((verdict & SECCOMP_RET_ACTION_FULL) >>> 0) {
    case SECCOMP_RET_ALLOW:
    case SECCOMP_RET_LOG:
      return undefined;
    case SECCOMP_RET_ERRNO:
      return -Math.min(reason, MAX_ERRNO);
    case SECCOMP_RET_TRACE: {
      if (ctx.seccompTraced) return undefined; // its tracer has seen it: let through (recheck_after_trace)
      const tracing = ctx.thread.ptrace;
      if (tracing === null || (tracing.options & PTRACE_O_TRACESECCOMP) === 0) return -Errno.ENOSYS;
      tracing.eventMessage = reason;
      return TRACER_FIRST;
    }
    case SECCOMP_RET_USER_NOTIF:
      return -Errno.ENOSYS;
    case SECCOMP_RET_TRAP:
      trap(ctx, nr, reason);
      return nr;
    case SECCOMP_RET_KILL_THREAD:
      return kill(ctx, Signo.SIGSYS, true);
    default: // SECCOMP_RET_KILL_PROCESS, and any action Linux does not know
      return kill(ctx, Signo.SIGSYS, false);
  }
}

/**
 * End the calling thread (`threadOnly`) or its process with `signal`. The last thread of a
 * process takes the process with it, as Linux's do_exit of a thread group's last one does.
 */
function kill(ctx: SyscallContext, signal: number, threadOnly: boolean): number | null {
  const { kernel, thread } = ctx;
  if (threadOnly && thread.process.threads.size > 1) {
    kernel.endThread(thread, ctx.regs);
    return null;
  }
  kernel.killProcess(thread.process, signal);
  return 0;
}

/**
 * SECCOMP_RET_TRAP: SIGSYS for the thread, forced as Linux's force_sig_seccomp (blocked or
 * ignored, or with no handler, it ends the process), carrying the call's number, address and
 * arch and the filter's 16 bits of data in si_errno.
 */
function trap(ctx: SyscallContext, nr: number, reason: number): void {
  const { thread } = ctx;
  const act = thread.process.sigaction(Signo.SIGSYS);
  if (act.handler === SIG_DFL || act.handler === SIG_IGN || (thread.signalMask & sigbit(Signo.SIGSYS)) !== 0n) {
    ctx.kernel.killProcess(thread.process, Signo.SIGSYS);
    return;
  }
  const callAddr = ctx.regs[Reg.rip]!;
  thread.pending.put({ signo: Signo.SIGSYS, code: SYS_SECCOMP, errno: reason, sys: { callAddr, syscall: nr, arch: AUDIT_ARCH_X86_64 } });
}
