/**
 * An in-memory {@link Platform} for unit tests of the kernel: no ptrace, no guests.
 *
 * @module
 */
import { PAGE_SIZE, REG_COUNT, StopKind } from './platform.js';
import type { InjectedSyscall, PhysicalMemory, Platform, Registers, StopEvent } from './platform.js';

/** Physical memory in a plain ArrayBuffer; `release` zero-fills, as a hole punch reads as zeros. */
export class FakePhysicalMemory implements PhysicalMemory {
  readonly size: number;
  readonly chunkSize: number;
  readonly #chunks: Uint8Array[] = [];
  readonly #bytes: Uint8Array;
  /** Every `release(offset, length)` call, in order. */
  readonly released: [offset: number, length: number][] = [];

  /** @param size total bytes (default 64 MiB) @param chunkSize bytes per chunk (default 16 MiB) */
  constructor(size = 64 * 2 ** 20, chunkSize = 16 * 2 ** 20) {
    if (chunkSize % PAGE_SIZE !== 0 || size % chunkSize !== 0) throw new RangeError('bad pmem geometry');
    this.size = size;
    this.chunkSize = chunkSize;
    const buffer = new ArrayBuffer(size);
    this.#bytes = new Uint8Array(buffer);
    for (let off = 0; off < size; off += chunkSize) this.#chunks.push(new Uint8Array(buffer, off, chunkSize));
  }

  chunk(index: number): Uint8Array {
    const chunk = this.#chunks[index];
    if (!chunk) throw new RangeError(`no pmem chunk ${index}`);
    return chunk;
  }

  copy(from: number, to: number, length: number): void {
    this.#bytes.copyWithin(to, from, from + length);
  }

  overwrite(from: number, to: number, length: number): void {
    this.copy(from, to, length); // which writes every byte here
  }

  release(offset: number, length: number): void {
    this.released.push([offset, length]);
    let off = offset;
    const end = offset + length;
    while (off < end) {
      const within = off % this.chunkSize;
      const n = Math.min(end - off, this.chunkSize - within);
      this.chunk(Math.floor(off / this.chunkSize)).fill(0, within, within + n);
      off += n;
    }
  }
}

/** A mutable stop event (what the fake reports). */
export interface FakeStopEvent {
  kind: StopKind;
  tid: number;
  status: number;
  signal: number;
  signalCode: number;
  faultAddr: bigint;
  newTid: number;
  userMicros: number;
  systemMicros: number;
  maxRssKb: number;
  minorFaults: number;
  majorFaults: number;
}

/** One `resumeAndWait` call as the fake saw it. */
export interface FakeResume {
  tid: number;
  regs: Registers | null;
  signal: number;
  timeoutNs: number;
}

/**
 * A {@link Platform} in memory. `inject` records its calls and answers 0; `spawn` returns
 * increasing tids; `resumeAndWait` reports the events queued with `queueEvent` (loading their
 * registers), or a Wake when none is queued.
 */
export class FakePlatform implements Platform {
  readonly pmem: FakePhysicalMemory;
  readonly regs: Registers = new BigUint64Array(REG_COUNT);
  readonly event: FakeStopEvent = emptyEvent(StopKind.Wake);
  readonly reserved = { start: 0x7fff_ff00_0000n, end: 0x7fff_ff00_1000n };
  readonly pmemGuestFd = 1023;
  readonly maxMappings = 65530;
  readonly counters = { injections: 0, injectedSyscalls: 0 };
  /** Every `inject` call, in order. */
  readonly injected: { tid: number; calls: InjectedSyscall[] }[] = [];
  /** Every `resumeAndWait` call, in order. */
  readonly resumes: FakeResume[] = [];
  /** Watched host fds and their poll events. */
  readonly watched = new Map<number, number>();
  /** Tids passed to `kill`. */
  readonly killed: number[] = [];
  readonly #queue: { event: Partial<FakeStopEvent> & { kind: StopKind }; regs?: Registers }[] = [];
  #nextTid = 1000;

  constructor(pmem: FakePhysicalMemory = new FakePhysicalMemory()) {
    this.pmem = pmem;
  }

  spawn(): number {
    return this.#nextTid++;
  }

  /** Queue an event for a later `resumeAndWait`, with the registers it should load. */
  queueEvent(event: Partial<FakeStopEvent> & { kind: StopKind }, regs?: Registers): void {
    this.#queue.push({ event, regs });
  }

  resumeAndWait(tid: number, regs: Registers | null, signal: number, timeoutNs: number): StopKind {
    this.resumes.push({ tid, regs: regs && this.saveRegisters(regs), signal, timeoutNs });
    const next = this.#queue.shift();
    Object.assign(this.event, emptyEvent(StopKind.Wake), next?.event ?? {});
    if (next?.regs) this.regs.set(next.regs);
    return this.event.kind;
  }

  fetchRegisters(_tid: number, _result: bigint): 0 {
    return 0; // the fake always reports whole registers
  }

  inject(tid: number, _regs: Registers, calls: readonly InjectedSyscall[]): bigint[] {
    this.counters.injections++;
    this.counters.injectedSyscalls += calls.length;
    this.injected.push({ tid, calls: calls.map((c) => ({ nr: c.nr, args: [...c.args] })) });
    return calls.map(() => 0n);
  }

  watch(fd: number, events: number): void {
    this.watched.set(fd, events);
  }

  unwatch(fd: number): void {
    this.watched.delete(fd);
  }

  kill(tid: number): void {
    this.killed.push(tid);
    this.queueEvent({ kind: StopKind.Exited, tid, signal: 9 });
  }

  readonly interruptSignal = 23;
  /** Interrupted tids, in order. */
  readonly interrupted: number[] = [];
  /** FPU state per tid (512 bytes each), as get/setFpregs see it. */
  readonly fpregs = new Map<number, Uint8Array>();

  interrupt(tid: number): void {
    this.interrupted.push(tid);
    this.queueEvent({ kind: StopKind.Signal, tid, signal: this.interruptSignal });
  }

  getFpregs(tid: number, buf: Uint8Array): void {
    buf.set(this.fpregs.get(tid) ?? new Uint8Array(512));
  }

  setFpregs(tid: number, buf: Uint8Array): void {
    this.fpregs.set(tid, buf.slice(0, 512));
  }

  /** No register set beyond the FPU's here. */
  regset(): number {
    return -22; // EINVAL, as Linux for a set it does not know
  }

  saveRegisters(regs: Registers, into?: Registers): Registers {
    const out = into ?? new BigUint64Array(REG_COUNT);
    out.set(regs);
    return out;
  }
}

function emptyEvent(kind: StopKind): FakeStopEvent {
  return { kind, tid: 0, status: 0, signal: 0, signalCode: 0, faultAddr: 0n, newTid: 0, userMicros: 0, systemMicros: 0, maxRssKb: 0, minorFaults: 0, majorFaults: 0 };
}

/** Type check: the fake's event satisfies the contract's read-only view. */
const _eventShape: (e: FakeStopEvent) => StopEvent = (e) => e;
void _eventShape;
