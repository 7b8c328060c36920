/**
 * ptrace(2) within the container: a guest traces other guest threads, as LeakSanitizer does to
 * stop the world and read its threads' registers, and as strace and gdb do. The tracee's
 * registers are those the kernel keeps for it while it is stopped (its FPU and extended state
 * its host thread's), its memory is read and written through its address space, and its stops are
 * the kernel's (linux-object's process/ptrace.ts).
 *
 * Not here yet: the vfork-done event, PTRACE_PEEKSIGINFO and PTRACE_SYSEMU answer EIO, as Linux
 * does for what it does not know; hardware breakpoints (DR7 stays 0).
 *
 * @module
 */
import {
  PTRACE_TRACEME, PTRACE_PEEKTEXT, PTRACE_PEEKDATA, PTRACE_PEEKUSR, PTRACE_POKETEXT, PTRACE_POKEDATA, PTRACE_POKEUSR, PTRACE_CONT, PTRACE_KILL, PTRACE_SINGLESTEP, PTRACE_GETREGS, PTRACE_SETREGS, PTRACE_GETFPREGS, PTRACE_SETFPREGS, PTRACE_ATTACH, PTRACE_DETACH, PTRACE_SYSCALL, PTRACE_SETOPTIONS, PTRACE_GETEVENTMSG, PTRACE_GETSIGINFO, PTRACE_SETSIGINFO, PTRACE_GETREGSET, PTRACE_SETREGSET, PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_LISTEN, PTRACE_GETSIGMASK, PTRACE_SETSIGMASK, PTRACE_GET_SYSCALL_INFO,
  Errno, KernelError, PTRACE_EVENT_STOP, PTRACE_O_MASK, SIGINFO_SIZE, Signo, UNBLOCKABLE, attach, detach, encodeSigInfo, groupContinued,
  eventStatus, mayInspect, resumeTracee, sendSignal, wakeForSignal, type LinuxThread, type SigInfo,
} from '@rvisor/linux-object';
import { REG_COUNT, Reg } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';

const PTRACE_SYSCALL_INFO_NONE = 0;
const PTRACE_SYSCALL_INFO_ENTRY = 1;
const PTRACE_SYSCALL_INFO_EXIT = 2;
const PTRACE_SYSCALL_INFO_SECCOMP = 3;
const AUDIT_ARCH_X86_64 = 0xc000_003e;

/** GETREGSET's register sets: the general registers and the FPU's (fxsave) area. */
const NT_PRSTATUS = 1;
const NT_PRFPREG = 2;
const NT_X86_XSTATE = 0x202;
const XSTATE_MAX = 64 * 1024;
const REGS_SIZE = REG_COUNT * 8;
const FPREGS_SIZE = 512;
/** The kernel's `struct user`: its size, and where its debug registers are (PEEKUSR reads them as 0). */
const USER_SIZE = 928;
const USER_DEBUGREG = 848;
/** The eflags bits a tracer may change (Linux's FLAG_MASK). */
const FLAG_MASK = 0x44dd5n;
const EFLAGS_TF = 0x100n;
const TASK_SIZE_MAX = 0x7fff_ffff_f000n;

/** Implements Linux syscall ptrace(2) (request, pid, addr, data). */
export function sysPtrace(ctx: SyscallContext): number {
  const request = Number(ctx.long(0));
  if (request === PTRACE_TRACEME) return traceMe(ctx);
  const target = ctx.kernel.processOfThread(ctx.int(1))?.threads.get(ctx.int(1));
  if (target === undefined) throw new KernelError(Errno.ESRCH);
  if (request === PTRACE_ATTACH || request === PTRACE_SEIZE) return attachTo(ctx, target, request === PTRACE_SEIZE);
  const tracing = target.ptrace;
  if (tracing === null || tracing.tracer !== ctx.process || tracing.exitStatus !== null) throw new KernelError(Errno.ESRCH);
  if (request === PTRACE_KILL) {
    sendSignal(ctx.kernel, target.process, { signo: Signo.SIGKILL, code: 0, pid: ctx.process.pid, uid: ctx.process.cred.uid });
    return 0;
  }
  if (request === PTRACE_INTERRUPT) return interrupt(ctx, target);
  // The other requests need the tracee stopped for this tracer, not listening (ptrace_check_attach).
  if (tracing.stop === null || tracing.stop.listening) throw new KernelError(Errno.ESRCH);
  if (request === PTRACE_LISTEN) return listen(ctx, target);
  return stoppedRequest(ctx, target, request);
}

/** PTRACE_TRACEME: the parent traces the caller. */
function traceMe(ctx: SyscallContext): number {
  const parent = ctx.process.parent;
  if (ctx.thread.ptrace !== null || parent === null || parent.dead) throw new KernelError(Errno.EPERM);
  attach(ctx.kernel, parent, ctx.thread, { seize: false, stop: false, options: 0 });
  return 0;
}

/** PTRACE_ATTACH and PTRACE_SEIZE (addr 0, data the options). */
function attachTo(ctx: SyscallContext, target: LinuxThread, seize: boolean): number {
  const options = Number(ctx.arg(3) & 0xffff_ffffn);
  if (seize && (ctx.arg(2) !== 0n || ctx.arg(3) > 0xffff_ffffn || (options & ~PTRACE_O_MASK) !== 0)) throw new KernelError(Errno.EIO);
  const proc = target.process;
  if (proc === ctx.process || target.ptrace !== null || proc.dead || !mayInspect(ctx.process, proc)) {
    throw new KernelError(Errno.EPERM);
  }
  attach(ctx.kernel, ctx.process, target, { seize, stop: !seize, options: seize ? options : 0 });
  return 0;
}

/**
 * PTRACE_INTERRUPT: a seized tracee that runs or waits stops with PTRACE_EVENT_STOP; one that
 * listens stops again, as it is.
 */
function interrupt(ctx: SyscallContext, target: LinuxThread): number {
  const tracing = target.ptrace!;
  if (!tracing.seized) throw new KernelError(Errno.EIO);
  const stop = tracing.stop;
  if (stop?.listening) {
    stop.listening = false;
    stop.reported = false;
    tracing.tracer.childEvents.wakeAll();
  } else if (stop === null && tracing.pendingEvent === 0) {
    tracing.pendingEvent = eventStatus(PTRACE_EVENT_STOP);
    wakeForSignal(ctx.kernel, target);
  }
  return 0;
}

/**
 * PTRACE_LISTEN: a seized tracee in an event stop (a group stop's) stays stopped, but no longer for
 * requests; its tracer's wait sees it again when the group stop ends (or at once if it has).
 */
function listen(ctx: SyscallContext, target: LinuxThread): number {
  const tracing = target.ptrace!;
  const stop = tracing.stop!;
  if (!tracing.seized || stop.info === null || stop.info.code >> 8 !== PTRACE_EVENT_STOP) throw new KernelError(Errno.EIO);
  stop.listening = true;
  if (!target.process.stopped) groupContinued(ctx.kernel, target.process);
  return 0;
}

/**
 * Single-step the tracee from its resume on (its trap flag set: the host traps after one
 * instruction, and that SIGTRAP stops it for its tracer), or stop a single step.
 */
function step(target: LinuxThread, on: boolean): void {
  const tracing = target.ptrace!;
  if (on) target.savedRegs[Reg.eflags] |= EFLAGS_TF;
  else if (tracing.stepping) target.savedRegs[Reg.eflags] &= ~EFLAGS_TF;
  tracing.stepping = on;
}

/** A signal number for a resume (0: none); EIO past the last signal, as Linux's valid_signal. */
function resumeSignal(data: bigint): number {
  if (data > 64n) throw new KernelError(Errno.EIO);
  return Number(data);
}

function stoppedRequest(ctx: SyscallContext, target: LinuxThread, request: number): number {
  const tracing = target.ptrace!;
  const addr = ctx.arg(2);
  const data = ctx.arg(3);
  const regs = target.savedRegs;
  switch (request) {
    case PTRACE_PEEKTEXT:
    case PTRACE_PEEKDATA: {
      let word: Uint8Array;
      try {
        word = target.process.vmar.peek(Number(addr), 8);
      } catch {
        throw new KernelError(Errno.EIO);
      }
      ctx.mem.write(Number(data), word);
      return 0;
    }
    case PTRACE_POKETEXT:
    case PTRACE_POKEDATA: {
      const word = new Uint8Array(8);
      new DataView(word.buffer).setBigUint64(0, data, true);
      const vmar = target.process.vmar;
      try {
        vmar.poke(Number(addr), word);
      } catch {
        throw new KernelError(Errno.EIO);
      }
      // A page given its own copy (a breakpoint in text) is mapped before the tracee runs again.
      if (vmar.pendingHostOps !== 0) ctx.kernel.syncMemory(target, target.savedRegs);
      return 0;
    }
    case PTRACE_PEEKUSR: {
      if ((addr & 7n) !== 0n || addr >= BigInt(USER_SIZE)) throw new KernelError(Errno.EIO);
      const at = Number(addr);
      const debugReg = (at - USER_DEBUGREG) / 8;
      ctx.mem.writeU64(Number(data), at < REGS_SIZE ? regs[at / 8]! : debugReg >= 0 && debugReg < 8 ? tracing.debugRegs[debugReg]! : 0n);
      return 0;
    }
    case PTRACE_POKEUSR: {
      if ((addr & 7n) !== 0n) throw new KernelError(Errno.EIO);
      const at = Number(addr);
      if (at < REGS_SIZE) setRegister(regs, at / 8, data);
      else setDebugRegister(tracing.debugRegs, (at - USER_DEBUGREG) / 8, data);
      return 0;
    }
    case PTRACE_GETREGS:
      ctx.mem.write(Number(data), new Uint8Array(regs.buffer, regs.byteOffset, REGS_SIZE).slice());
      return 0;
    case PTRACE_SETREGS:
      setRegisters(regs, ctx.mem.read(Number(data), REGS_SIZE));
      return 0;
    case PTRACE_GETFPREGS:
      ctx.mem.write(Number(data), fpRegisters(ctx, target));
      return 0;
    case PTRACE_SETFPREGS:
      ctx.kernel.platform.setFpregs(target.hostTid, ctx.mem.read(Number(data), FPREGS_SIZE));
      return 0;
    case PTRACE_GETREGSET:
    case PTRACE_SETREGSET:
      return regset(ctx, target, Number(addr), Number(data), request === PTRACE_SETREGSET);
    case PTRACE_SETOPTIONS:
      if ((data & ~BigInt(PTRACE_O_MASK)) !== 0n) throw new KernelError(Errno.EINVAL);
      tracing.options = Number(data);
      return 0;
    case PTRACE_GETEVENTMSG:
      ctx.mem.writeU64(Number(data), BigInt(tracing.eventMessage));
      return 0;
    case PTRACE_GETSIGINFO: {
      const info = tracing.stop!.info;
      if (info === null) throw new KernelError(Errno.EINVAL);
      ctx.mem.write(Number(data), encodeSigInfo(info));
      return 0;
    }
    case PTRACE_SETSIGINFO: {
      const bytes = ctx.mem.read(Number(data), SIGINFO_SIZE);
      if (tracing.stop!.info === null) throw new KernelError(Errno.EINVAL);
      tracing.stop!.info = decodeSigInfo(bytes);
      return 0;
    }
    case PTRACE_GETSIGMASK:
      if (addr !== 8n) throw new KernelError(Errno.EINVAL);
      ctx.mem.writeU64(Number(data), target.signalMask);
      return 0;
    case PTRACE_SETSIGMASK:
      if (addr !== 8n) throw new KernelError(Errno.EINVAL);
      target.signalMask = ctx.mem.readU64(Number(data)) & ~UNBLOCKABLE;
      return 0;
    case PTRACE_CONT:
    case PTRACE_SYSCALL:
    case PTRACE_SINGLESTEP: {
      const signal = resumeSignal(data);
      step(target, request === PTRACE_SINGLESTEP);
      resumeTracee(ctx.kernel, target, signal, request === PTRACE_SYSCALL);
      return 0;
    }
    case PTRACE_GET_SYSCALL_INFO:
      return syscallInfo(ctx, target, Number(addr), Number(data));
    case PTRACE_DETACH: {
      const signal = resumeSignal(data);
      step(target, false);
      detach(ctx.kernel, target, signal);
      return 0;
    }
    default:
      throw new KernelError(Errno.EIO);
  }
}

/**
 * A siginfo a tracer gives: its first 32 bytes come back as they were (pid and uid, or a fault's
 * address, then si_value or a status), which is all the kernel's own siginfos use.
 */
function decodeSigInfo(bytes: Uint8Array): SigInfo {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    signo: v.getInt32(0, true), errno: v.getInt32(4, true), code: v.getInt32(8, true),
    pid: v.getInt32(16, true), uid: v.getInt32(20, true), value: v.getBigUint64(24, true),
  };
}

/**
 * PTRACE_GET_SYSCALL_INFO: what the tracee's syscall-stop is about (its call and arguments at
 * entry and at a seccomp event, with the filter's data there; its result at exit; nothing at
 * other stops), `size` bytes of it at `addr`. Returns the
 * whole struct's size.
 */
function syscallInfo(ctx: SyscallContext, target: LinuxThread, size: number, addr: number): number {
  const regs = target.savedRegs;
  const stop = target.ptrace!.stop!;
  const which = stop.syscall;
  const info = new Uint8Array(88);
  const v = new DataView(info.buffer);
  const op = stop.seccomp ? PTRACE_SYSCALL_INFO_SECCOMP : which === 'enter' ? PTRACE_SYSCALL_INFO_ENTRY
    : which === 'exit' ? PTRACE_SYSCALL_INFO_EXIT : PTRACE_SYSCALL_INFO_NONE;
  v.setUint8(0, op);
  v.setUint32(4, AUDIT_ARCH_X86_64, true);
  v.setBigUint64(8, regs[Reg.rip]!, true);
  v.setBigUint64(16, regs[Reg.rsp]!, true);
  let length = 24;
  if (which === 'enter') {
    v.setBigUint64(24, regs[Reg.orig_rax]!, true);
    [Reg.rdi, Reg.rsi, Reg.rdx, Reg.r10, Reg.r8, Reg.r9].forEach((r, i) => v.setBigUint64(32 + 8 * i, regs[r]!, true));
    length = 80;
    if (stop.seccomp) {
      v.setUint32(80, target.ptrace!.eventMessage, true); // ret_data
      length = 84;
    }
  } else if (which === 'exit') {
    const rval = BigInt.asIntN(64, regs[Reg.rax]!);
    v.setBigInt64(24, rval, true);
    v.setUint8(32, rval < 0n && rval >= -4095n ? 1 : 0);
    length = 33;
  }
  if (size > 0) ctx.mem.write(addr, info.subarray(0, Math.min(size, length)));
  return length;
}

/** The tracee's FPU state, as fxsave lays it out. */
function fpRegisters(ctx: SyscallContext, target: LinuxThread): Uint8Array {
  const fp = new Uint8Array(FPREGS_SIZE);
  ctx.kernel.platform.getFpregs(target.hostTid, fp);
  return fp;
}

/**
 * PTRACE_GETREGSET and PTRACE_SETREGSET: `iovAddr` is a struct iovec whose length must be a whole
 * number of the set's words; a read shortens it to what the set holds.
 */
function regset(ctx: SyscallContext, target: LinuxThread, type: number, iovAddr: number, set: boolean): number {
  const base = Number(ctx.mem.readU64(iovAddr));
  const len = Number(ctx.mem.readU64(iovAddr + 8));
  if (type === NT_X86_XSTATE) return extendedState(ctx, target, base, len, iovAddr, set);
  const size = type === NT_PRSTATUS ? REGS_SIZE : type === NT_PRFPREG ? FPREGS_SIZE : 0;
  if (size === 0 || len % 8 !== 0) throw new KernelError(Errno.EINVAL);
  const n = Math.min(len, size);
  const regs = target.savedRegs;
  if (set) {
    const bytes = ctx.mem.read(base, n);
    if (type === NT_PRSTATUS) setRegisters(regs, bytes);
    else {
      const fp = fpRegisters(ctx, target);
      fp.set(bytes);
      ctx.kernel.platform.setFpregs(target.hostTid, fp);
    }
  } else {
    const all = type === NT_PRSTATUS ? new Uint8Array(regs.buffer, regs.byteOffset, REGS_SIZE) : fpRegisters(ctx, target);
    ctx.mem.write(base, all.slice(0, n));
  }
  ctx.mem.writeU64(iovAddr + 8, BigInt(n));
  return 0;
}

/**
 * NT_X86_XSTATE: the thread's XSAVE area (AVX and later registers), which is the host thread's as
 * the guest runs on the CPU itself; the host checks what a write holds. At most 64 KiB a call.
 */
function extendedState(ctx: SyscallContext, target: LinuxThread, base: number, len: number, iovAddr: number, set: boolean): number {
  if (len % 8 !== 0) throw new KernelError(Errno.EINVAL);
  const buf = set ? ctx.mem.read(base, Math.min(len, XSTATE_MAX)) : new Uint8Array(Math.min(len, XSTATE_MAX));
  const n = ctx.kernel.platform.regset(target.hostTid, NT_X86_XSTATE, buf, set);
  if (n < 0) throw new KernelError(-n as Errno);
  if (!set) ctx.mem.write(base, buf.subarray(0, n));
  ctx.mem.writeU64(iovAddr + 8, BigInt(n));
  return 0;
}

/**
 * A debug register, as POKEUSER writes it: DR0–DR3 must hold user addresses and DR6 is kept; DR7,
 * which would arm them, may only be 0 (no hardware breakpoints here: a debugger falls back to
 * software watchpoints). DR4, DR5 and what lies outside the debug registers: EIO.
 */
function setDebugRegister(debugRegs: BigUint64Array, i: number, value: bigint): void {
  const ok = (i >= 0 && i < 4 && value < TASK_SIZE_MAX) || i === 6 || (i === 7 && value === 0n);
  if (!ok) throw new KernelError(Errno.EIO);
  debugRegs[i] = value;
}

/** SETREGS and a NT_PRSTATUS SETREGSET: the registers given, each checked as POKEUSR checks it. */
function setRegisters(regs: BigUint64Array, bytes: Uint8Array): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const next = regs.slice();
  for (let i = 0; i * 8 < bytes.length; i++) setRegister(next, i, v.getBigUint64(i * 8, true));
  regs.set(next); // all or none
}

/**
 * One register, as Linux's putreg: eflags keeps the bits a program may not set, the TLS bases
 * must be user addresses, and the selectors user ones. A 64-bit guest has one code and one stack
 * segment here, so cs and ss cannot change.
 */
function setRegister(regs: BigUint64Array, i: number, value: bigint): void {
  switch (i) {
    case Reg.eflags:
      regs[i] = (regs[i]! & ~FLAG_MASK) | (value & FLAG_MASK);
      return;
    case Reg.fs_base:
    case Reg.gs_base:
      if (value >= TASK_SIZE_MAX) throw new KernelError(Errno.EIO);
      break;
    case Reg.cs:
    case Reg.ss:
      if (value !== regs[i]) throw new KernelError(Errno.EIO);
      break;
    case Reg.ds:
    case Reg.es:
    case Reg.fs:
    case Reg.gs:
      if (value >= 0x10000n || (value !== 0n && (value & 3n) !== 3n)) throw new KernelError(Errno.EIO);
      break;
  }
  regs[i] = value;
}
