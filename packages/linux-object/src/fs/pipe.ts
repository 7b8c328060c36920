/**
 * Pipes: a ring of page-sized slots (64 KiB unless F_SETPIPE_SZ changes it) shared by a read end
 * and a write end, with Linux's semantics —
 * reads block while the pipe is empty and a writer exists (EOF once none does), writes block
 * while it is full, writes of at most PIPE_BUF bytes are atomic, writing with no reader left
 * fails with EPIPE, and a write end in packet mode (O_DIRECT) makes packets a read takes one at a
 * time.
 *
 * @module
 */
import { WaitQueue } from '@rvisor/async-executor';
import { O_ACCMODE, O_DIRECT, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } from '../abi/fcntl.js';
import { FIONREAD } from '../abi/ioctl.js';
import { POLLERR, POLLHUP, POLLIN, POLLOUT } from '../abi/poll.js';
import { S_IFIFO } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { FileBase, type Interruptible, type OpenFile } from './open-file.js';
import { Readiness } from './readiness.js';

/** Linux's default pipe capacity. */
export const PIPE_CAPACITY = 65536;
/** Writes up to this size are atomic. */
export const PIPE_BUF = 4096;
/** /proc/sys/fs/pipe-max-size: the most F_SETPIPE_SZ grants without CAP_SYS_RESOURCE. */
export const PIPE_MAX_SIZE = 1024 * 1024;
const PAGE_SIZE = 4096;

let nextPipeIno = 1n;

/**
 * How a write enters a pipe (Linux's pipe_write and splice): `write` may join its bytes past the
 * last whole page to the newest slot; `more` is the rest of a write that began earlier, which
 * joins nothing; `pages` fills slots no later write joins (splice, vmsplice, tee).
 */
export type PipePut = 'write' | 'more' | 'pages';

/** A slot's flags: a write may join its bytes (Linux's PIPE_BUF_FLAG_CAN_MERGE). */
const JOINS = 1;
/** A slot's flags: it is a packet, which a read takes alone (PIPE_BUF_FLAG_PACKET). */
const PACKET = 2;

/**
 * A pipe's shared buffer and its state (both ends refer to it as `pipe`). As Linux's, it is a
 * ring of page-sized slots (16 unless F_SETPIPE_SZ changes it), each holding part of a page: a
 * write fills free slots a page at a time, and only its bytes past the last whole page may join
 * the newest slot, if that slot takes writes and has room for them. So what a pipe holds before it
 * is full depends on how it was written (64 000 bytes in 1000-byte writes), and a slot is free
 * again only once all of it has been read. A write in packet mode makes each of its slots a
 * packet, which no write joins: a read takes at most one, and drops what it leaves of it.
 */
export class PipeBuffer {
  #data = new Uint8Array(PIPE_CAPACITY);
  /** Per slot: where its bytes start in its page, how many, and its flags (JOINS, PACKET). */
  #start = new Uint16Array(PIPE_CAPACITY / PAGE_SIZE);
  #length = new Uint16Array(PIPE_CAPACITY / PAGE_SIZE);
  #flags = new Uint8Array(PIPE_CAPACITY / PAGE_SIZE);
  /** The oldest slot in use, and how many are. */
  #first = 0;
  #used = 0;
  /** Bytes held. */
  length = 0;
  readers = 0;
  writers = 0;
  readonly readable = new WaitQueue();
  readonly writable = new WaitQueue();
  /** Notified when the read end's poll() may change (data in, last writer gone). */
  readonly readSide = new Readiness();
  /** Notified when the write end's poll() may change (space freed, last reader gone). */
  readonly writeSide = new Readiness();
  /** Notified with either side: what a file holding both ends (an O_RDWR open) waits on. */
  readonly bothSides = new Readiness();
  readonly ino = nextPipeIno++;
  readonly created = Date.now();

  /** The read end's poll() may have changed. */
  readChanged(): void {
    this.readSide.notify();
    this.bothSides.notify();
  }

  /** The write end's poll() may have changed. */
  writeChanged(): void {
    this.writeSide.notify();
    this.bothSides.notify();
  }

  get capacity(): number {
    return this.#data.length;
  }

  /** Whether every slot is in use: a write can then at most join the newest. */
  get full(): boolean {
    return this.#used === this.#length.length;
  }

  /** The bytes the free slots hold. */
  get room(): number {
    return (this.#length.length - this.#used) * PAGE_SIZE;
  }

  /** The slot `i` places after the oldest. */
  #slot(i: number): number {
    return (this.#first + i) % this.#length.length;
  }

  /**
   * F_SETPIPE_SZ: round `size` up to a power-of-two number of pages; EINVAL past 2^31, EPERM
   * when growing past pipe-max-size (containers lack CAP_SYS_RESOURCE), EBUSY when fewer slots
   * than are in use. Returns the new capacity.
   */
  resize(size: number): number {
    if (size > 2 ** 31) throw new KernelError(Errno.EINVAL);
    let rounded = PAGE_SIZE;
    while (rounded < size) rounded *= 2;
    if (rounded > this.capacity && rounded > PIPE_MAX_SIZE) throw new KernelError(Errno.EPERM);
    const slots = rounded / PAGE_SIZE;
    if (slots < this.#used) throw new KernelError(Errno.EBUSY);
    if (rounded === this.capacity) return rounded;
    const [data, start, length, slotFlags] = [new Uint8Array(rounded), new Uint16Array(slots), new Uint16Array(slots), new Uint8Array(slots)];
    for (let i = 0; i < this.#used; i++) {
      const s = this.#slot(i);
      data.set(this.#data.subarray(s * PAGE_SIZE, (s + 1) * PAGE_SIZE), i * PAGE_SIZE);
      [start[i], length[i], slotFlags[i]] = [this.#start[s]!, this.#length[s]!, this.#flags[s]!];
    }
    [this.#data, this.#start, this.#length, this.#flags, this.#first] = [data, start, length, slotFlags, 0];
    this.writable.wakeAll();
    this.writeChanged();
    return rounded;
  }

  /**
   * Copy out up to `buf.length` bytes, oldest first; a slot read to its end is free again. For a
   * read (`byPacket`), a packet ends it, and what it leaves of the packet is dropped; splice and
   * vmsplice take packets' bytes as any others, as Linux's splice_from_pipe does.
   */
  take(buf: Uint8Array, byPacket = false): number {
    let n = 0;
    let dropped = 0;
    while (n < buf.length && this.#used > 0) {
      const s = this.#first;
      const chunk = Math.min(this.#run(), buf.length - n);
      const at = s * PAGE_SIZE + this.#start[s]!;
      buf.set(this.#data.subarray(at, at + chunk), n);
      n += chunk;
      if (byPacket && (this.#flags[s]! & PACKET) !== 0) {
        dropped = this.#length[s]! - chunk;
        this.#consume(this.#length[s]!);
        break;
      }
      this.#consume(chunk);
    }
    this.#removed(n + dropped);
    return n;
  }

  /**
   * The bytes from the oldest slot's first on that lie in one stretch of the buffer: that slot's,
   * and while a slot's bytes reach its page's end, the next one's if it starts its page (one copy
   * for a run of full pages). A packet is a run of its own.
   */
  #run(): number {
    let s = this.#first;
    let bytes = this.#length[s]!;
    if ((this.#flags[s]! & PACKET) !== 0) return bytes;
    for (let i = 1; i < this.#used && (this.#start[s]! + this.#length[s]!) === PAGE_SIZE; i++) {
      if (++s === this.#length.length || this.#start[s] !== 0 || (this.#flags[s]! & PACKET) !== 0) break;
      bytes += this.#length[s]!;
    }
    return bytes;
  }

  /** Drop `n` bytes from the oldest slots, freeing those read to their end. */
  #consume(n: number): void {
    while (n > 0) {
      const s = this.#first;
      const chunk = Math.min(n, this.#length[s]!);
      this.#start[s] += chunk;
      this.#length[s] -= chunk;
      if (this.#length[s] === 0) this.#release();
      n -= chunk;
    }
  }

  #release(): void {
    this.#first = this.#slot(1);
    this.#used--;
  }

  /**
   * Write as Linux does (`how`, above): returns the bytes that went in. A write of at most
   * PIPE_BUF goes in whole or not at all: it joins the newest slot or takes a free one. The slots
   * a write in packet mode (`packet`) takes are packets; whether it joins the newest slot
   * depends, as in Linux, on that slot only.
   */
  put(buf: Uint8Array, how: PipePut = 'write', packet = false): number {
    let n = 0;
    const part = buf.length % PAGE_SIZE;
    if (how === 'write' && part !== 0 && this.#used > 0) {
      const s = this.#slot(this.#used - 1);
      const end = this.#start[s]! + this.#length[s]!;
      if ((this.#flags[s]! & JOINS) !== 0 && end + part <= PAGE_SIZE) {
        this.#data.set(buf.subarray(0, part), s * PAGE_SIZE + end);
        this.#length[s] += part;
        n = part;
      }
    }
    const flags = packet ? PACKET : how === 'pages' ? 0 : JOINS;
    while (n < buf.length && !this.full) n += this.#fill(n === 0 ? buf : buf.subarray(n), flags);
    this.#added(n);
    return n;
  }

  /**
   * Take free slots for the start of `bytes`, a page each, as many as lie in one stretch of the
   * buffer (one copy). Returns the bytes taken.
   */
  #fill(bytes: Uint8Array, flags: number): number {
    const first = this.#slot(this.#used);
    const slots = Math.min(Math.ceil(bytes.length / PAGE_SIZE), this.#length.length - this.#used, this.#length.length - first);
    const n = Math.min(bytes.length, slots * PAGE_SIZE);
    this.#data.set(n === bytes.length ? bytes : bytes.subarray(0, n), first * PAGE_SIZE);
    for (let i = 0; i < slots; i++) {
      this.#start[first + i] = 0;
      this.#length[first + i] = Math.min(PAGE_SIZE, n - i * PAGE_SIZE);
      this.#flags[first + i] = flags;
    }
    this.#used += slots;
    return n;
  }

  #removed(n: number): void {
    this.length -= n;
    if (n > 0) {
      this.writable.wakeAll();
      this.writeChanged();
    }
  }

  #added(n: number): void {
    this.length += n;
    if (n > 0) {
      this.readable.wakeAll();
      this.readChanged();
    }
  }

  /**
   * tee: up to `max` bytes into `to`, a slot there for each slot here, leaving these in place (as
   * Linux shares the pages; no write joins the copies, and packets stay packets).
   */
  copyTo(to: PipeBuffer, max: number): number {
    let n = 0;
    for (let i = 0; i < this.#used && n < max && !to.full; i++) {
      const s = this.#slot(i);
      const at = s * PAGE_SIZE + this.#start[s]!;
      n += to.#fill(this.#data.subarray(at, at + Math.min(this.#length[s]!, max - n)), this.#flags[s]! & PACKET);
    }
    to.#added(n);
    return n;
  }

  /**
   * splice between pipes: up to `max` bytes into `to`, slot by slot. A slot moved whole keeps
   * its flags; part of one is a copy no write joins (a packet's part is a packet).
   */
  moveTo(to: PipeBuffer, max: number): number {
    let n = 0;
    while (this.#used > 0 && n < max && !to.full) {
      const s = this.#first;
      const chunk = Math.min(this.#length[s]!, max - n);
      const at = s * PAGE_SIZE + this.#start[s]!;
      n += to.#fill(this.#data.subarray(at, at + chunk), chunk === this.#length[s] ? this.#flags[s]! : this.#flags[s]! & PACKET);
      this.#consume(chunk);
    }
    this.#removed(n);
    to.#added(n);
    return n;
  }

  stat(): Stat {
    const sec = Math.floor(this.created / 1000);
    const t = { sec, nsec: (this.created % 1000) * 1_000_000 };
    return {
      dev: 0xcn, ino: this.ino, mode: S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0n,
      size: 0, blksize: 4096, blocks: 0, atime: t, mtime: t, ctime: t,
    };
  }
}

/** FIONREAD on either end of a pipe (or a FIFO): the bytes in it. Undefined for other requests. */
export function pipeIoctl(pipe: PipeBuffer, request: number, arg: Uint8Array): number | undefined {
  if (request !== FIONREAD || arg.byteLength < 4) return undefined;
  new DataView(arg.buffer, arg.byteOffset, 4).setInt32(0, pipe.length, true);
  return 0;
}

/**
 * open(2) of /proc/<pid>/fd/N for either end of `pipe`: a new end for the access mode asked,
 * or with O_RDWR both ends in one file, as Linux opens the pipe's inode (its fifo_open).
 */
function reopenPipe(pipe: PipeBuffer, flags: number): OpenFile {
  refuseDirectOpen(flags);
  const mode = flags & O_ACCMODE;
  if (mode === O_RDONLY) return new PipeReadEnd(pipe, flags);
  if (mode === O_WRONLY) return new PipeWriteEnd(pipe, flags);
  return new PipeBothEnds(pipe, flags);
}

/**
 * An open of a pipe or FIFO with O_DIRECT: EINVAL, as Linux's open refuses O_DIRECT to files
 * that cannot do direct I/O. Packet mode comes by pipe2 or F_SETFL only.
 */
export function refuseDirectOpen(flags: number): void {
  if ((flags & O_DIRECT) !== 0) throw new KernelError(Errno.EINVAL);
}

/** What every open file over a pipe's buffer shares: its stat, FIONREAD, and a reopen through /proc. */
export abstract class PipeFile extends FileBase {
  constructor(readonly pipe: PipeBuffer, flags: number) {
    super('pipe:[' + pipe.ino + ']', flags);
  }

  override stat(): Stat {
    return this.pipe.stat();
  }

  override ioctl(request: number, arg: Uint8Array): number {
    return pipeIoctl(this.pipe, request, arg) ?? super.ioctl(request, arg);
  }

  reopen(flags: number): OpenFile {
    return reopenPipe(this.pipe, flags);
  }
}

/** The read end of a pipe. */
export class PipeReadEnd extends PipeFile {
  constructor(pipe: PipeBuffer, flags: number) {
    super(pipe, O_RDONLY | (flags & O_NONBLOCK));
    pipe.readers++;
  }

  get readiness(): Readiness {
    return this.pipe.readSide;
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    this.checkReadable();
    if (buf.length === 0) return 0;
    const p = this.pipe;
    if (p.length > 0) return p.take(buf, true);
    if (p.writers === 0) return 0;
    if (this.statusFlags & O_NONBLOCK) throw new KernelError(Errno.EAGAIN);
    return this.#readBlocking(buf, waiter?.interruption());
  }

  async #readBlocking(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    const p = this.pipe;
    while (p.length === 0 && p.writers > 0) await p.readable.wait(signal);
    return p.take(buf, true);
  }

  override poll(events: number): number {
    const p = this.pipe;
    let r = 0;
    if (p.length > 0) r |= POLLIN;
    if (p.writers === 0) r |= POLLHUP;
    return r & (events | POLLHUP);
  }

  override close(): void {
    const p = this.pipe;
    p.readers--;
    if (p.readers === 0) {
      p.writable.wakeAll(); // writers now fail with EPIPE
      p.writeChanged();
    }
  }
}

/** The write end of a pipe: in packet mode while its status flags hold O_DIRECT. */
export class PipeWriteEnd extends PipeFile {
  constructor(pipe: PipeBuffer, flags: number) {
    super(pipe, O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)));
    pipe.writers++;
  }

  get readiness(): Readiness {
    return this.pipe.writeSide;
  }

  override write(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    this.checkWritable();
    const p = this.pipe;
    if (p.readers === 0) throw new KernelError(Errno.EPIPE);
    if (buf.length === 0) return 0;
    const n = p.put(buf, 'write', (this.statusFlags & O_DIRECT) !== 0);
    if (n === buf.length) return n;
    if (this.statusFlags & O_NONBLOCK) {
      if (n > 0) return n;
      throw new KernelError(Errno.EAGAIN);
    }
    return this.#writeBlocking(buf, n, waiter?.interruption());
  }

  /**
   * A blocking write returns once every byte is in (or with what went in, when readers vanish or
   * a signal comes). It waits for a free slot, as Linux's does.
   */
  async #writeBlocking(buf: Uint8Array, done: number, signal: AbortSignal | undefined): Promise<number> {
    const p = this.pipe;
    while (done < buf.length) {
      while (p.readers > 0 && p.full) {
        try {
          await p.writable.wait(signal);
        } catch (err) {
          if (done > 0) return done; // bytes moved beat the interruption
          throw err;
        }
      }
      if (p.readers === 0) {
        if (done > 0) return done;
        throw new KernelError(Errno.EPIPE);
      }
      done += p.put(buf.subarray(done), 'more', (this.statusFlags & O_DIRECT) !== 0); // only the write's first try joins a slot
    }
    return done;
  }

  override poll(events: number): number {
    const p = this.pipe;
    let r = 0;
    if (!p.full) r |= POLLOUT;
    if (p.readers === 0) r |= POLLERR;
    return r & (events | POLLERR);
  }

  override close(): void {
    const p = this.pipe;
    p.writers--;
    if (p.writers === 0) {
      p.readable.wakeAll(); // readers now see EOF
      p.readChanged();
    }
  }
}

/**
 * Both ends of a pipe in one open file (an O_RDWR open of a pipe through /proc): it reads what
 * any writer wrote and writes for any reader, and, holding a reader and a writer itself, never
 * sees EOF, EPIPE, POLLHUP or POLLERR.
 */
class PipeBothEnds extends PipeFile {
  readonly #reader: PipeReadEnd;
  readonly #writer: PipeWriteEnd;

  constructor(pipe: PipeBuffer, flags: number) {
    super(pipe, O_RDWR | (flags & O_NONBLOCK));
    this.#reader = new PipeReadEnd(pipe, flags);
    this.#writer = new PipeWriteEnd(pipe, flags);
  }

  get readiness(): Readiness {
    return this.pipe.bothSides;
  }

  override setStatusFlags(flags: number): void {
    super.setStatusFlags(flags);
    this.#reader.setStatusFlags(flags);
    this.#writer.setStatusFlags(flags);
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    return this.#reader.read(buf, waiter);
  }

  override write(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    return this.#writer.write(buf, waiter);
  }

  override poll(events: number): number {
    return this.#reader.poll(events) | this.#writer.poll(events);
  }

  override close(): void {
    this.#reader.close();
    this.#writer.close();
  }
}

/** The buffer behind `file` if it is a pipe end or an open FIFO (F_GETPIPE_SZ, splice, tee). */
export function pipeBufferOf(file: OpenFile): PipeBuffer | undefined {
  // Pipe ends and open FIFOs both keep their buffer as `pipe`.
  const pipe = (file as { pipe?: unknown }).pipe;
  return pipe instanceof PipeBuffer ? pipe : undefined;
}

/**
 * pipe(2): a new pipe's two ends. `flags` may hold O_NONBLOCK, and O_DIRECT for a write end in
 * packet mode (O_CLOEXEC is the fd table's).
 */
export function createPipe(flags: number): [PipeReadEnd, PipeWriteEnd] {
  const buffer = new PipeBuffer();
  return [new PipeReadEnd(buffer, flags), new PipeWriteEnd(buffer, flags)];
}
