import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadNative, type NativeBinding } from './native.js';

const REG_COUNT = 27;
/** The host signal `interrupt` sends (SIGURG: ignored by default, so never fatal to a guest). */
const INTERRUPT_SIGNAL = 23;
const CALL_SLOTS = 7;

/** Options of {@link createTrapPlatform}. */
export interface TrapPlatformOptions {
  /** Size of pmem in bytes: virtual and sparse, only touched pages cost memory. Default 256 GiB. */
  pmemSize?: number;
  /**
   * Size of each ArrayBuffer view of pmem. Default 16 MiB. V8 counts an ArrayBuffer's bytes as
   * external memory, and 64 MiB more of it than after the last full GC starts one: a 1 GiB view
   * cost every kernel a full GC at its first guest (docs/platform.md).
   */
  chunkSize?: number;
  /**
   * The CPU the kernel's thread and every guest run on, or false to leave scheduling to the host.
   * Default: one of the CPUs the process may run on (its affinity mask), chosen by process id. A trapped syscall wakes the tracer and then the guest;
   * on one CPU those are plain context switches, across CPUs each costs an inter-processor wake-up
   * (measured here: 4.4 µs vs 50 µs per getppid round trip; docs/platform.md).
   */
  pinCpu?: number | false;
  /**
   * Base the kernel's clock on the CPU's time-stamp counter and give guests a vDSO that reads the
   * time without a trap (docs/platform.md, "Time and the vDSO"). Default true; either way only when
   * the host's own clock runs on an invariant TSC.
   */
  vdso?: boolean;
  /**
   * Wait for the guests' ptrace events with an io_uring (IORING_OP_WAITID, Linux 6.7) where the
   * kernel allows it, instead of a watcher thread: two context switches fewer per traced syscall
   * (docs/platform.md, "Waiting"). Default true; false: the thread, always.
   */
  waitRing?: boolean;
  /**
   * Move a guest thread that computes beside another at the pinned CPU to the process's other CPUs,
   * until its next stop (native/src/spill.rs; docs/platform.md, "Spilling"). Default true; only
   * with `pinCpu` and more than one CPU allowed.
   */
  spill?: boolean;
}

/** The last stop, read straight from native memory. */
class NativeEvent {
  readonly #i32: Int32Array;
  readonly #u64: BigUint64Array;
  constructor(shared: ArrayBuffer) {
    this.#i32 = new Int32Array(shared, 256, 6);
    this.#u64 = new BigUint64Array(shared, 280, 6);
  }
  get kind() { return this.#i32[0] as 1 | 2 | 3 | 4 | 5; }
  get tid() { return this.#i32[1]; }
  get status() { return this.#i32[2]; }
  get signal() { return this.#i32[3]; }
  get signalCode() { return this.#i32[4]; }
  get newTid() { return this.#i32[5]; }
  get faultAddr() { return this.#u64[0]; }
  get userMicros() { return Number(this.#u64[1]); }
  get systemMicros() { return Number(this.#u64[2]); }
  get maxRssKb() { return Number(this.#u64[3]); }
  get minorFaults() { return Number(this.#u64[4]); }
  get majorFaults() { return Number(this.#u64[5]); }
}

/** pmem as seen from JavaScript: lazily created ArrayBuffer views, one per chunk. */
class NativePhysicalMemory {
  readonly #chunks: Uint8Array[] = [];
  constructor(
    private readonly native: NativeBinding,
    readonly size: number,
    readonly chunkSize: number,
  ) {}
  chunk(index: number): Uint8Array {
    let c = this.#chunks[index];
    if (!c) {
      if (index < 0 || (index + 1) * this.chunkSize > this.size) throw new RangeError(`pmem chunk ${index} out of range`);
      c = new Uint8Array(this.native.pmemChunk(index * this.chunkSize, this.chunkSize));
      this.#chunks[index] = c;
    }
    return c;
  }
  copy(from: number, to: number, length: number): void {
    const r = this.native.pmemCopy(from, to, length);
    if (r < 0) throw new Error(`pmem copy [${from}, +${length}) -> ${to} failed: errno ${-r}`);
  }
  overwrite(from: number, to: number, length: number): void {
    const r = this.native.pmemOverwrite(from, to, length);
    if (r < 0) throw new Error(`pmem overwrite [${from}, +${length}) -> ${to} failed: errno ${-r}`);
  }
  fill(to: number, fd: number, fileOffset: number, length: number): number {
    return this.native.pmemFill(to, fd, fileOffset, length);
  }
  release(offset: number, length: number): void {
    const r = this.native.pmemRelease(offset, length);
    if (r < 0) throw new Error(`pmem release [${offset}, +${length}) failed: errno ${-r}`);
  }
}

/**
 * The guests' time: the native clock over the TSC (native/src/tsc.rs) and its vDSO
 * (native/vdso). Structurally implements `GuestTime` from `@rvisor/zircon-object`.
 */
class TscTime {
  readonly clock: { now(): bigint };
  readonly realtimeOffset: bigint;
  readonly vdso: Uint8Array | null;
  readonly #native: NativeBinding;

  constructor(native: NativeBinding) {
    this.#native = native;
    this.clock = { now: native.clockNow };
    this.realtimeOffset = native.clockRealtimeOffset();
    const image = native.vdso();
    this.vdso = image ? new Uint8Array(image) : null;
  }

  keepPage(offset: number): void {
    this.#native.timePage(offset, 1);
  }

  releasePage(offset: number): void {
    this.#native.timePage(offset, 0);
  }
}

/** A syscall to run natively in a guest's host process. */
export interface NativeInjectedSyscall {
  nr: number;
  args: readonly (bigint | number)[];
}

/** Linux's default vm.max_map_count. */
const DEFAULT_MAX_MAP_COUNT = 65530;

/** The host's vm.max_map_count (Linux's default when it cannot be read). */
function hostMaxMappings(): number {
  try {
    const n = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'));
    return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_MAP_COUNT;
  } catch {
    return DEFAULT_MAX_MAP_COUNT;
  }
}

/**
 * The ptrace + seccomp platform for x86-64 Linux. Structurally implements `Platform` from
 * `@rvisor/zircon-object`. One per process: the calling thread becomes the tracer of every guest.
 */
export class TrapPlatform {
  readonly pmem: NativePhysicalMemory;
  readonly regs: BigUint64Array;
  readonly event: NativeEvent;
  readonly reserved: { readonly start: bigint; readonly end: bigint };
  readonly pmemGuestFd: number;
  /** Whether ptrace events are waited for by an io_uring (TrapPlatformOptions.waitRing) rather than a thread. */
  readonly waitsWithRing: boolean;
  readonly maxMappings = hostMaxMappings();
  readonly interruptSignal = INTERRUPT_SIGNAL;
  /** Whether the kernel's thread is pinned, and whether computing guests spill (the options). */
  readonly #pinned: boolean;
  readonly #spill: boolean;
  #cpus: number;
  readonly counters = { injections: 0, injectedSyscalls: 0 };
  readonly time: TscTime;
  readonly #native: NativeBinding;
  #calls = new BigInt64Array(CALL_SLOTS * 16);

  constructor(options: TrapPlatformOptions = {}) {
    const native = loadNative();
    const chunkSize = options.chunkSize ?? 2 ** 24;
    const size = options.pmemSize ?? 2 ** 38;
    if (size % chunkSize !== 0) throw new RangeError('pmemSize must be a multiple of chunkSize');
    const cpu = options.pinCpu === false ? -1 : options.pinCpu ?? native.allowedCpu(process.pid);
    this.#pinned = cpu >= 0;
    this.#spill = options.spill !== false;
    this.#cpus = this.#cpusShown(availableParallelism()); // before init pins this thread
    const shared = native.init(size, cpu, options.vdso === false ? 0 : 1, options.waitRing === false ? 0 : 1, this.#spill ? 1 : 0);
    this.#native = native;
    this.regs = new BigUint64Array(shared, 0, REG_COUNT);
    this.event = new NativeEvent(shared);
    this.pmem = new NativePhysicalMemory(native, size, chunkSize);
    const k = new Float64Array(native.constants());
    this.reserved = { start: BigInt(k[0]), end: BigInt(k[1]) };
    this.pmemGuestFd = k[2];
    this.waitsWithRing = k[3] === 1;
    this.time = new TscTime(native);
  }

  /** The CPUs guests may use at once: those the process may run on, unless pinned without spilling. */
  get cpus(): number {
    return this.#cpus;
  }

  /** What `cpus` is when the process may run on `allowed` CPUs. */
  #cpusShown(allowed: number): number {
    return this.#pinned && !this.#spill ? 1 : allowed;
  }

  /**
   * The CPUs this process may run on changed: it joined a cpuset cgroup, which may give the
   * kernel's pinned thread all of them, or none but its own while others were added. Pin that
   * thread again, to one of them, spill to the rest, and count them.
   */
  repin(): void {
    if (!this.#pinned) return;
    this.#cpus = this.#cpusShown(this.#native.repin(process.pid, this.#spill ? 1 : 0));
  }

  processCpuClock(hostPid: number, which: 0 | 1 | 2): number | undefined {
    const ns = this.#native.processCpuNs(hostPid, which);
    return ns < 0 ? undefined : ns;
  }

  spawn(): number {
    return this.#native.spawn();
  }

  resumeAndWait(tid: number, regs: BigUint64Array | null, signal: number, timeoutNs: number) {
    return this.#native.resumeAndWait(tid, regs, signal, timeoutNs) as 1 | 2 | 3 | 4 | 5;
  }

  inject(tid: number, regs: BigUint64Array, calls: readonly NativeInjectedSyscall[]): bigint[] {
    if (calls.length === 0) return [];
    if (this.#calls.length < calls.length * CALL_SLOTS) this.#calls = new BigInt64Array(calls.length * CALL_SLOTS);
    const buf = this.#calls.subarray(0, calls.length * CALL_SLOTS);
    buf.fill(0n);
    calls.forEach((c, i) => {
      buf[i * CALL_SLOTS] = BigInt(c.nr);
      c.args.forEach((a, j) => (buf[i * CALL_SLOTS + 1 + j] = BigInt.asIntN(64, BigInt(a))));
    });
    this.#native.inject(tid, regs, buf);
    this.counters.injections++;
    this.counters.injectedSyscalls += calls.length;
    return calls.map((_, i) => buf[i * CALL_SLOTS]);
  }

  fetchRegisters(tid: number, result: bigint): -1 | 0 | 1 {
    return this.#native.stopNotified(tid, Number(BigInt.asIntN(64, result))) as -1 | 0 | 1;
  }

  watch(fd: number, events: number): void {
    const r = this.#native.watch(fd, events);
    if (r < 0) throw new Error(`cannot watch host fd ${fd}: errno ${-r}`);
  }

  unwatch(fd: number): void {
    this.#native.unwatch(fd);
  }

  kill(tid: number): void {
    this.#native.kill(tid);
  }

  interrupt(tid: number): void {
    this.#native.interrupt(tid, INTERRUPT_SIGNAL);
  }

  getFpregs(tid: number, buf: Uint8Array): void {
    const r = this.#native.fpregs(tid, buf, 0);
    if (r < 0) throw new Error(`cannot read the FPU state of guest ${tid}: errno ${-r}`);
  }

  setFpregs(tid: number, buf: Uint8Array): void {
    const r = this.#native.fpregs(tid, buf, 1);
    if (r < 0) throw new Error(`cannot write the FPU state of guest ${tid}: errno ${-r}`);
  }

  regset(tid: number, nt: number, buf: Uint8Array, set: boolean): number {
    return this.#native.regset(tid, nt, buf, set ? 1 : 0);
  }

  saveRegisters(regs: BigUint64Array, into?: BigUint64Array): BigUint64Array {
    const out = into ?? new BigUint64Array(REG_COUNT);
    out.set(regs);
    return out;
  }

  /** Stop the platform's anchor process. Guests die with the tracer (PTRACE_O_EXITKILL). */
  shutdown(): void {
    this.#native.shutdown();
  }
}

/** Create the platform for this process (once). */
export function createTrapPlatform(options?: TrapPlatformOptions): TrapPlatform {
  return new TrapPlatform(options);
}
