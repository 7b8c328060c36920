/**
 * The platform: what the kernel needs from the machine it runs on.
 *
 * The kernel packages depend on these interfaces only. `@rvisor/trap-native` implements them for
 * x86-64 Linux with ptrace + seccomp; `FakePlatform` (tests) implements them in memory.
 *
 * @module
 */

/** Size of a page (and of a pmem frame) in bytes. */
export const PAGE_SIZE = 4096;

/**
 * Physical memory: one large sparse region (the sandbox's pmem memfd) shared by the kernel and
 * every guest. The kernel hands out ranges of it as VMO backing; guests map those ranges.
 */
export interface PhysicalMemory {
  /** Total size in bytes (a multiple of `chunkSize`). */
  readonly size: number;
  /** Size in bytes of each view returned by `chunk` (a power of two, a multiple of PAGE_SIZE). */
  readonly chunkSize: number;
  /** A byte view of chunk `index`, i.e. of pmem bytes [index*chunkSize, (index+1)*chunkSize). */
  chunk(index: number): Uint8Array;
  /**
   * Copy [from, from+length) to [to, to+length), whose bytes must be zero (fresh frames); pages
   * the source never touched may be skipped, so they stay free on the host too.
   */
  copy(from: number, to: number, length: number): void;
  /** Copy [from, from+length) over [to, to+length): every byte, whatever the destination held. */
  overwrite(from: number, to: number, length: number): void;
  /**
   * Copy up to `length` bytes of host file `fd` from `fileOffset` into [to, to+length), inside the
   * host (no page of the kernel's view is touched). Returns the bytes copied, fewer at the file's
   * end, or -errno. Absent where pmem has no host file behind it (tests' in-memory pmem).
   */
  fill?(to: number, fd: number, fileOffset: number, length: number): number;
  /** Give the host back the memory behind [offset, offset+length) (page aligned); reads then see zeros. */
  release(offset: number, length: number): void;
}

/** Index of each register in a {@link Registers} view (Linux's `struct user_regs_struct`). */
export const Reg = {
  r15: 0, r14: 1, r13: 2, r12: 3, rbp: 4, rbx: 5, r11: 6, r10: 7, r9: 8, r8: 9,
  rax: 10, rcx: 11, rdx: 12, rsi: 13, rdi: 14, orig_rax: 15, rip: 16, cs: 17, eflags: 18,
  rsp: 19, ss: 20, fs_base: 21, gs_base: 22, ds: 23, es: 24, fs: 25, gs: 26,
} as const;

/** Number of 64-bit registers in a {@link Registers} view. */
export const REG_COUNT = 27;

/** A guest thread's general registers, laid out as `struct user_regs_struct`. */
export type Registers = BigUint64Array;

/** What stopped a guest thread (the `kind` field of a {@link StopEvent}). */
export const StopKind = {
  /** The thread entered a syscall; registers hold its number and arguments. */
  Syscall: 1,
  /** A signal is about to be delivered to the thread (`signal`; fault details in `faultAddr`). */
  Signal: 2,
  /** The thread is gone: exited (`status` = exit code) or killed (`signal`). */
  Exited: 3,
  /** The thread created a new host thread or process (`newTid`) through clone/fork/vfork. */
  Clone: 4,
  /** The kernel's wait ended without a guest stop: a deadline passed or host I/O became ready. */
  Wake: 5,
} as const;
export type StopKind = (typeof StopKind)[keyof typeof StopKind];

/** The last stop reported by {@link Platform.resumeAndWait}. Overwritten by the next wait. */
export interface StopEvent {
  readonly kind: StopKind;
  /** Host tid of the stopped thread (0 for Wake). */
  readonly tid: number;
  /** Exit code (Exited, not killed). */
  readonly status: number;
  /** Signal number (Signal; Exited when killed by a signal). */
  readonly signal: number;
  /** si_code of the pending signal (Signal). */
  readonly signalCode: number;
  /** si_addr of a fault signal (Signal). */
  readonly faultAddr: bigint;
  /** Host tid of the new thread or process (Clone). */
  readonly newTid: number;
  /**
   * CPU time of the exited thread's process so far, user and system, in microseconds (Exited):
   * on its last thread's exit, the whole process's.
   */
  readonly userMicros: number;
  readonly systemMicros: number;
  /** The exited thread's process's largest resident set so far, in KiB (Exited). */
  readonly maxRssKb: number;
  /** Its page faults so far, minor and major (Exited). */
  readonly minorFaults: number;
  readonly majorFaults: number;
}

/** Running totals of a platform's costly operations. */
export interface PlatformCounters {
  /** Calls of `inject` (each runs one or more syscalls in a guest, one ptrace stop per syscall). */
  injections: number;
  /** Syscalls run by those injections. */
  injectedSyscalls: number;
}

/**
 * Time guests read without a trap: a vDSO whose code computes CLOCK_MONOTONIC from the CPU's
 * time-stamp counter and a time page the platform keeps current, with the same integers as the
 * kernel's own {@link GuestTime.clock}, so the two always agree.
 */
export interface GuestTime {
  /** The kernel's CLOCK_MONOTONIC in ns: the time guests read through the vDSO. */
  readonly clock: { now(): bigint };
  /** CLOCK_REALTIME minus CLOCK_MONOTONIC in ns, fixed for the platform's life. */
  readonly realtimeOffset: bigint;
  /**
   * The vDSO's ELF image (a shared object whose code reads the page mapped right before it), or
   * null when guests must trap for time (a counter the host does not trust).
   */
  readonly vdso: Uint8Array | null;
  /** Keep the page of pmem at `offset` a current time page, until {@link GuestTime.releasePage}. */
  keepPage(offset: number): void;
  releasePage(offset: number): void;
}

/** A native syscall to run inside a guest's host process (see {@link Platform.inject}). */
export interface InjectedSyscall {
  nr: number;
  args: readonly (bigint | number)[];
}

/**
 * Control of guest host processes. One tracer: every method is called from the kernel's thread.
 */
export interface Platform {
  /** The sandbox's physical memory. */
  readonly pmem: PhysicalMemory;
  /** How many CPUs guests may run on at once: the CPUs the sandbox shows them. Absent: one. */
  readonly cpus?: number;
  /** The CPUs the process may run on changed (it joined a cpuset cgroup): place the kernel again. */
  repin?(): void;
  /** Time without traps; absent: the kernel reads the host's clock and guests trap for time. */
  readonly time?: GuestTime;
  /**
   * Registers of the thread named by the last event (a view over native memory). Valid until the
   * next `resumeAndWait`; copy them (`saveRegisters`) to keep a thread stopped across waits.
   */
  readonly regs: Registers;
  /** The last event; its fields change with every `resumeAndWait`. */
  readonly event: StopEvent;
  /**
   * A CPU clock of host process `hostPid`, all its threads' (gone ones too), in ns: `which` 0 user +
   * system, 1 user, 2 time run (Linux's CPUCLOCK_PROF, _VIRT and _SCHED; the first two count
   * whole ticks). Undefined when the process is gone or the platform cannot tell.
   */
  processCpuClock?(hostPid: number, which: 0 | 1 | 2): number | undefined;
  /**
   * Start a new, empty guest address space: a host process under the syscall trap, stopped at a
   * syscall stop, with nothing mapped but the platform's trampoline page. Returns its host tid.
   */
  spawn(): number;
  /** Address range [start, end) that guests can never map (holds the trampoline). */
  readonly reserved: { readonly start: bigint; readonly end: bigint };
  /** The guest-side fd number of pmem in every guest host process (for injected mmap). */
  readonly pmemGuestFd: number;
  /** Most mappings a guest host process may have (the host's vm.max_map_count). */
  readonly maxMappings: number;
  /** What the platform has done so far, for benchmarks and `--debug`. */
  readonly counters: PlatformCounters;
  /**
   * Resume the stopped thread `tid` (0: resume nothing) with `regs` written first (null: keep),
   * delivering `signal` (0: none), then block until the next stop of any guest thread, or until
   * `timeoutNs` has passed (-1: no limit), or host I/O the kernel waits for is ready. One native call.
   */
  resumeAndWait(tid: number, regs: Registers | null, signal: number, timeoutNs: number): StopKind;
  /**
   * Run syscalls natively in the stopped thread `tid` (its host process), in order, returning each
   * raw result (negative errno on failure). `regs` are the thread's registers; they are left
   * unchanged and must be passed again when the thread is resumed.
   */
  inject(tid: number, regs: Registers, calls: readonly InjectedSyscall[]): bigint[];
  /**
   * A syscall stop may come without the thread's registers: the platform answers the calls that
   * need only their number, arguments and result through a cheaper channel (a seccomp
   * notification), and `regs` then holds just those. Before anything else of them is changed (a
   * signal frame, a restart), the kernel calls this with the syscall's `result`: the call returns
   * it, the thread stops right after, and its registers are read into `regs`. Returns 1 if so, 0
   * if `regs` were the thread's already (nothing done), -1 if the thread died (its exit is
   * reported by a later wait). `inject` does it by itself, with the result in `regs`' rax.
   */
  fetchRegisters(tid: number, result: bigint): -1 | 0 | 1;
  /**
   * Also end `resumeAndWait` when host fd `fd` is ready for `events` (poll(2) bits), until
   * `unwatch(fd)`. Level-triggered: the kernel checks readiness itself after a Wake.
   */
  watch(fd: number, events: number): void;
  unwatch(fd: number): void;
  /** Kill a guest host process (SIGKILL). Its exit is reported by a later wait. */
  kill(tid: number): void;
  /**
   * Make a running guest thread stop soon: it then reports a Signal stop with `interruptSignal`,
   * which the kernel suppresses (used to deliver the guest's own signals).
   */
  interrupt(tid: number): void;
  /** The host signal number `interrupt` makes a thread stop with. */
  readonly interruptSignal: number;
  /** Read a stopped thread's FPU/SSE state (512 bytes, fxsave layout). */
  getFpregs(tid: number, buf: Uint8Array): void;
  /** Write a stopped thread's FPU/SSE state (512 bytes, fxsave layout). */
  setFpregs(tid: number, buf: Uint8Array): void;
  /**
   * Read (`set` false) or write register set `nt` (an NT_* type, NT_X86_XSTATE for a guest's
   * debugger) of a stopped thread, in `buf`: the bytes the set took or gave, or -errno.
   */
  regset(tid: number, nt: number, buf: Uint8Array, set: boolean): number;
  /** Copy a register view (to keep it while the thread stays stopped). */
  saveRegisters(regs: Registers, into?: Registers): Registers;
}
