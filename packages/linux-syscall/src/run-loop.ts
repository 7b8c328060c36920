/**
 * The kernel's run loop: one native call resumes the last stopped guest thread and waits for the
 * next stop; the syscall table answers it. Blocking handlers are async: their thread stays stopped
 * while the loop serves others, and is resumed when the handler settles.
 *
 * @module
 */
import { progressEpoch } from '@rvisor/async-executor';
import { isKernelError, Errno, Signo, type Kernel, type LinuxThread } from '@rvisor/linux-object';
import { Reg, StopKind, type Registers } from '@rvisor/zircon-object';
import { SyscallContext } from './context.js';
import { formatCall, type StraceMemory } from './strace/index.js';
import { syscallTable } from './syscall-table.js';
import { createUnknownSyscall, type SyscallLogger } from './table/index.js';
import type { SyscallArgs } from './table/types.js';

/** Host signals that mean the guest itself faulted. */
const FAULT_SIGNALS: ReadonlySet<number> = new Set([
  Signo.SIGILL, Signo.SIGTRAP, Signo.SIGBUS, Signo.SIGFPE, Signo.SIGSEGV, Signo.SIGSYS,
]);
const NO_SYSCALL = 0xffff_ffff_ffff_ffffn;

/** Options of {@link KernelRunner}. */
export interface RunOptions {
  /** Receives one line per syscall, like `runsc --strace`. */
  strace?: (line: string) => void;
  /** Kernel log (unsupported syscalls, internal errors). */
  log?: SyscallLogger;
}

interface Completion {
  thread: LinuxThread;
  result: number | bigint;
}

/** Turn what a handler threw into -errno; anything but a KernelError is a kernel bug, logged. */
function errnoOf(err: unknown, log: SyscallLogger): number {
  if (isKernelError(err)) return -err.errno;
  log.warn(`internal error in a syscall handler: ${(err as Error)?.stack ?? String(err)}`);
  return -Errno.EFAULT;
}

/** Drives the guests of one kernel until none is left. */
export class KernelRunner {
  readonly #kernel: Kernel;
  readonly #options: RunOptions;
  readonly #log: SyscallLogger;
  readonly #unknown: (nr: number) => number;
  readonly #contexts = new WeakMap<LinuxThread, SyscallContext>();
  readonly #ready: Completion[] = [];
  #pending = 0;
  #epoch = 0;

  constructor(kernel: Kernel, options: RunOptions = {}) {
    this.#kernel = kernel;
    this.#options = options;
    this.#log = options.log ?? { warn: () => {} };
    this.#unknown = createUnknownSyscall(this.#log);
  }

  /** Let a thread stopped in a syscall (e.g. a new process after execve) run, returning `result`. */
  start(thread: LinuxThread, result = 0): void {
    this.#ready.push({ thread, result });
  }

  #context(thread: LinuxThread, regs: Registers): SyscallContext {
    let ctx = this.#contexts.get(thread);
    if (!ctx) {
      ctx = new SyscallContext(this.#kernel, thread, regs);
      this.#contexts.set(thread, ctx);
    }
    ctx.regs = regs;
    ctx.passthrough = false;
    return ctx;
  }

  /** Run until every guest has exited. */
  async run(): Promise<void> {
    const kernel = this.#kernel;
    const platform = kernel.platform;
    const ev = platform.event;
    const regs = platform.regs;
    let tid = 0;
    let resumeRegs: Registers | null = null;
    while (kernel.threadsByHostTid.size > 0) {
      // Threads whose async handlers finished: resume all but one now, fuse the last with the wait.
      while (this.#ready.length > 0) {
        const c = this.#ready.shift()!;
        if (!kernel.threadsByHostTid.has(c.thread.hostTid)) continue;
        const r = c.thread.savedRegs;
        r[Reg.rax] = BigInt.asUintN(64, BigInt(c.result));
        r[Reg.orig_rax] = NO_SYSCALL;
        if (tid === 0 && this.#ready.length === 0) {
          tid = c.thread.hostTid;
          resumeRegs = r;
        } else {
          platform.resumeAndWait(c.thread.hostTid, r, 0, 0);
        }
      }
      if (kernel.threadsByHostTid.size === 0) break;
      const kind = platform.resumeAndWait(tid, resumeRegs, 0, kernel.timers.timeoutNs());
      tid = 0;
      resumeRegs = null;
      switch (kind) {
        case StopKind.Syscall: {
          const thread = kernel.threadsByHostTid.get(ev.tid);
          if (!thread) {
            platform.kill(ev.tid); // not ours: never let it run
            break;
          }
          const r = this.#syscall(thread, regs);
          if (r !== undefined) {
            tid = ev.tid;
            resumeRegs = r;
          }
          break;
        }
        case StopKind.Exited:
          this.#exited(ev.tid, ev.status, ev.signal);
          break;
        case StopKind.Signal: {
          const thread = kernel.threadsByHostTid.get(ev.tid);
          if (!thread) {
            platform.kill(ev.tid);
          } else if (kernel.unstartedThreads.has(thread)) {
            this.#startForked(thread);
          } else if (this.#signal(thread, ev.signal)) {
            tid = ev.tid;
          }
          break;
        }
        case StopKind.Clone:
          // Guests cannot clone natively (clone traps); a new host task here is not ours.
          platform.kill(ev.newTid);
          tid = ev.tid;
          break;
        case StopKind.Wake:
          kernel.readiness.check();
          kernel.timers.fireDue();
          await new Promise<void>((resolve) => setImmediate(resolve));
          break;
      }
      // A wake-up may have let blocked handlers continue: let their promise chains run out
      // (setImmediate comes after every pending microtask) before blocking in the host again.
      const epoch = progressEpoch();
      if (this.#pending > 0 && epoch !== this.#epoch) await new Promise<void>((resolve) => setImmediate(resolve));
      this.#epoch = epoch;
    }
  }

  /**
   * Answer one syscall. Returns the registers to resume with, null to resume the thread unchanged
   * (the host finishes the call), or undefined if the thread waits in an async handler.
   */
  #syscall(thread: LinuxThread, regs: Registers): Registers | null | undefined {
    const ctx = this.#context(thread, regs);
    const nr = Number(regs[Reg.orig_rax]);
    const entry = syscallTable.get(nr);
    const strace = this.#options.strace;
    const args = strace ? this.#args(regs) : undefined;
    let result: number | bigint | Promise<number | bigint>;
    try {
      result = entry ? entry.handler(ctx) : this.#unknown(nr);
    } catch (err) {
      result = errnoOf(err, this.#log);
    }
    if (typeof result === 'object') {
      // Blocking: keep the registers; the thread stays stopped until the promise settles.
      this.#kernel.platform.saveRegisters(regs, thread.savedRegs);
      ctx.regs = thread.savedRegs;
      this.#pending++;
      result
        .catch((err: unknown) => errnoOf(err, this.#log))
        .then((res) => {
          this.#pending--;
          if (strace) this.#trace(thread, nr, args!, res);
          this.#ready.push({ thread, result: res });
        });
      return undefined;
    }
    if (strace) this.#trace(thread, nr, args!, ctx.passthrough ? undefined : result);
    if (ctx.passthrough) return null;
    regs[Reg.rax] = BigInt.asUintN(64, BigInt(result));
    regs[Reg.orig_rax] = NO_SYSCALL;
    return regs;
  }

  #args(regs: Registers): SyscallArgs {
    return [regs[Reg.rdi], regs[Reg.rsi], regs[Reg.rdx], regs[Reg.r10], regs[Reg.r8], regs[Reg.r9]];
  }

  #trace(thread: LinuxThread, nr: number, args: SyscallArgs, result: number | bigint | undefined): void {
    const mem = thread.process.memory;
    const view: StraceMemory = {
      readString: (addr, max) => {
        try {
          return thread.process.vmar.readCString(addr, max);
        } catch {
          return null;
        }
      },
      readBytes: (addr, len) => {
        try {
          return mem.read(addr, len);
        } catch {
          return null;
        }
      },
    };
    this.#options.strace!(formatCall(nr, args, result, view, { pid: thread.process.pid, tid: thread.tid }));
  }

  /** A host thread is gone; when it was the process's last, the process has exited. */
  #exited(hostTid: number, status: number, signal: number): void {
    const kernel = this.#kernel;
    const thread = kernel.reapHostThread(hostTid);
    if (!thread) return;
    const proc = thread.process;
    if (proc.threads.size > 0) return;
    proc.exit ??= signal ? { code: 0, signal } : { code: status, signal: 0 };
    kernel.processDied(proc);
  }

  /** A forked child's first stop: give it its memory, then let it return 0 from fork. */
  #startForked(thread: LinuxThread): void {
    try {
      this.#kernel.startForkedThread(thread);
      this.#kernel.platform.resumeAndWait(thread.hostTid, thread.savedRegs, 0, 0);
    } catch (err) {
      this.#log.warn(`cannot start forked process ${thread.process.pid}: ${(err as Error).message}`);
      thread.process.exit ??= { code: 0, signal: 9 };
      this.#kernel.platform.kill(thread.hostTid);
    }
  }

  /** A host signal stopped a guest thread. Faults kill the guest (default action); others are host noise. */
  #signal(thread: LinuxThread, signal: number): boolean {
    if (FAULT_SIGNALS.has(signal)) {
      this.#kernel.killProcess(thread.process, signal);
      return false;
    }
    return true; // resume with the signal suppressed
  }
}

