/**
 * What a handler sees: the kernel, the calling thread and its registers, with typed access to the
 * six syscall arguments read straight from the register view. Numbers are read as 32-bit words:
 * reading the BigUint64Array's elements makes a BigInt each, an allocation per argument.
 *
 * @module
 */
import {
  Errno, KernelError, hasDeliverable, type Interruptible, type Kernel, type LinuxProcess, type LinuxThread, type UserMemory,
} from '@rvisor/linux-object';
import { Reg, type Registers } from '@rvisor/zircon-object';

const ARG_REGS = [Reg.rdi, Reg.rsi, Reg.rdx, Reg.r10, Reg.r8, Reg.r9] as const;

function wordsOf(regs: Registers): Uint32Array {
  return new Uint32Array(regs.buffer, regs.byteOffset, regs.length * 2);
}

/**
 * The syscall context the run loop keeps on `thread` once it has made a syscall: on the thread, as
 * its `ext`, not in a WeakMap (`LinuxThread.ext` says why).
 */
export function contextOf(thread: LinuxThread): SyscallContext | undefined {
  return thread.ext as SyscallContext | undefined;
}

/** The per-thread syscall context (reused for every syscall of the thread). */
export class SyscallContext implements Interruptible {
  #regs: Registers;
  /** The same registers as 32-bit words, low word first. */
  #words: Uint32Array;
  /**
   * Set by a handler that lets the host make the call as the guest made it (exit, exit_group: the
   * host thread or process must really end; an mprotect the host's own is the same call); the run
   * loop then resumes the thread unchanged, and the host's result is the guest's.
   */
  passthrough = false;
  /** The number of the thread's last syscall (to restart it after a signal). */
  lastNr = 0;
  /** The call the thread waits in, while its handler's promise is pending; 0 otherwise. */
  blockedIn = 0;
  /**
   * Set while the call runs after its tracer saw it at a seccomp event: the filters check it again,
   * and SECCOMP_RET_TRACE then lets it through (Linux's recheck_after_trace).
   */
  seccompTraced = false;
  /**
   * How an interrupted sleep goes on if the run loop restarts it as restart_syscall
   * (`sys/restart.ts`); null when nothing is left to restart.
   */
  restart: ((ctx: SyscallContext) => number | Promise<number>) | null = null;

  constructor(
    readonly kernel: Kernel,
    readonly thread: LinuxThread,
    regs: Registers,
  ) {
    this.#regs = regs;
    this.#words = wordsOf(regs);
  }

  /** The thread's registers: the platform's view while the call runs, the thread's copy once it waits. */
  get regs(): Registers {
    return this.#regs;
  }

  set regs(regs: Registers) {
    if (regs === this.#regs) return;
    this.#regs = regs;
    this.#words = wordsOf(regs);
  }

  /**
   * Finish the call with `result` (|result| < 2^53): rax holds it in two's complement, and
   * orig_rax says no syscall is pending, as the return path expects.
   */
  setReturn(result: number): void {
    const w = this.#words;
    w[2 * Reg.rax] = result >>> 0; // ToUint32 takes the value modulo 2^32: the low word
    w[2 * Reg.rax + 1] = Math.floor(result / 0x1_0000_0000) >>> 0;
    w[2 * Reg.orig_rax] = 0xffff_ffff;
    w[2 * Reg.orig_rax + 1] = 0xffff_ffff;
  }

  /** Register `reg` as a number (past 2^53 rounded, as Number(bigint) rounds). */
  #number(reg: number): number {
    return this.#words[2 * reg + 1]! * 0x1_0000_0000 + this.#words[2 * reg]!;
  }

  /**
   * The AbortSignal a blocking handler waits with: a signal for this thread aborts it (already
   * aborted if one is pending), and the call then fails with EINTR or restarts.
   */
  interruption(): AbortSignal {
    let blocker = this.thread.blocker;
    if (!blocker) {
      blocker = this.thread.spareBlocker ?? new AbortController();
      this.thread.spareBlocker = null;
      this.thread.blocker = blocker;
      if (hasDeliverable(this.thread)) blocker.abort(new KernelError(Errno.EINTR));
    }
    return blocker.signal;
  }

  get process(): LinuxProcess {
    return this.thread.process;
  }

  get mem(): UserMemory {
    return this.thread.process.memory;
  }

  /** The registers as 32-bit words, each register's low word first (seccomp's data is read from them). */
  get words(): Uint32Array {
    return this.#words;
  }

  /** The syscall number. */
  get nr(): number {
    return this.#number(Reg.orig_rax);
  }

  /** Argument `i` as the raw unsigned 64-bit register. */
  arg(i: number): bigint {
    return this.regs[ARG_REGS[i]];
  }

  /** Argument `i` as a signed 32-bit int (fds, flags, modes: the kernel's `int`). */
  int(i: number): number {
    return this.#words[2 * ARG_REGS[i]!]! | 0;
  }

  /** Argument `i` as an unsigned 32-bit int. */
  uint(i: number): number {
    return this.#words[2 * ARG_REGS[i]!]!;
  }

  /** Argument `i` as a signed 64-bit value (offsets, `long`). */
  long(i: number): bigint {
    return BigInt.asIntN(64, this.regs[ARG_REGS[i]]);
  }

  /**
   * Argument `i` as a signed 64-bit number (an off_t): exact up to 2^53 either way, past it
   * rounded, still far beyond any file.
   */
  offset(i: number): number {
    const r = ARG_REGS[i]!;
    return (this.#words[2 * r + 1]! | 0) * 0x1_0000_0000 + this.#words[2 * r]!;
  }

  /**
   * Argument `i` as an address or size. Values past 2^53 come out inexact but still beyond
   * every user address, so range checks reject them (EFAULT / EINVAL) as they should.
   */
  addr(i: number): number {
    return this.#number(ARG_REGS[i]!);
  }

  /** Argument `i` as a size_t length, clamped like Linux's MAX_RW_COUNT for transfers. */
  count(i: number): number {
    const v = this.#number(ARG_REGS[i]!);
    return v > 0x7fff_f000 ? 0x7fff_f000 : v;
  }

  /** A path argument: a NUL-terminated string in guest memory (EFAULT, ENAMETOOLONG). */
  path(i: number): string {
    const addr = this.addr(i);
    if (addr === 0) throw new KernelError(Errno.EFAULT);
    return this.mem.readString(addr, 4096);
  }
}
