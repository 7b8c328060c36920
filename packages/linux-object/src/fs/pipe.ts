/**
 * Pipes: a ring buffer (64 KiB unless F_SETPIPE_SZ changes it) shared by a read end and a write
 * end, with Linux's semantics —
 * reads block while the pipe is empty and a writer exists (EOF once none does), writes block
 * while it is full, writes of at most PIPE_BUF bytes are atomic, and writing with no reader left
 * fails with EPIPE.
 *
 * @module
 */
import { WaitQueue } from '@rvisor/async-executor';
import { O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } from '../abi/fcntl.js';
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

/** A pipe's shared buffer and its state (both ends refer to it as `pipe`). */
export class PipeBuffer {
  data = new Uint8Array(PIPE_CAPACITY);
  head = 0; // next byte to read
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
    return this.data.length;
  }

  get space(): number {
    return this.capacity - this.length;
  }

  /**
   * F_SETPIPE_SZ: round `size` up to a power-of-two number of pages; EINVAL past 2^31, EPERM
   * when growing past pipe-max-size (containers lack CAP_SYS_RESOURCE), EBUSY when what the pipe
   * holds would not fit. Returns the new capacity.
   */
  resize(size: number): number {
    if (size > 2 ** 31) throw new KernelError(Errno.EINVAL);
    let rounded = PAGE_SIZE;
    while (rounded < size) rounded *= 2;
    if (rounded > this.capacity && rounded > PIPE_MAX_SIZE) throw new KernelError(Errno.EPERM);
    if (rounded < this.length) throw new KernelError(Errno.EBUSY);
    if (rounded === this.capacity) return rounded;
    const data = new Uint8Array(rounded);
    const held = this.length;
    this.take(data.subarray(0, held)); // unrolls the ring to the start of the new buffer
    this.data = data;
    this.head = 0;
    this.length = held;
    this.writable.wakeAll();
    this.writeChanged();
    return rounded;
  }

  /** Copy out up to `buf.length` bytes. */
  take(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.length);
    const first = Math.min(n, this.capacity - this.head);
    buf.set(this.data.subarray(this.head, this.head + first), 0);
    if (n > first) buf.set(this.data.subarray(0, n - first), first);
    this.head = (this.head + n) % this.capacity;
    this.length -= n;
    if (n > 0) {
      this.writable.wakeAll();
      this.writeChanged();
    }
    return n;
  }

  /** Copy up to `buf.length` bytes from `skip` bytes in, leaving them in the pipe (tee). */
  peek(buf: Uint8Array, skip = 0): number {
    const n = Math.max(0, Math.min(buf.length, this.length - skip));
    for (let i = 0; i < n; i++) buf[i] = this.data[(this.head + skip + i) % this.capacity];
    return n;
  }

  /** Copy in up to the free space. */
  put(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.space);
    const tail = (this.head + this.length) % this.capacity;
    const first = Math.min(n, this.capacity - tail);
    this.data.set(buf.subarray(0, first), tail);
    if (n > first) this.data.set(buf.subarray(first, n), 0);
    this.length += n;
    if (n > 0) {
      this.readable.wakeAll();
      this.readChanged();
    }
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
  const mode = flags & O_ACCMODE;
  if (mode === O_RDONLY) return new PipeReadEnd(pipe, flags);
  if (mode === O_WRONLY) return new PipeWriteEnd(pipe, flags);
  return new PipeBothEnds(pipe, flags);
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
    if (p.length > 0) return p.take(buf);
    if (p.writers === 0) return 0;
    if (this.statusFlags & O_NONBLOCK) throw new KernelError(Errno.EAGAIN);
    return this.#readBlocking(buf, waiter?.interruption());
  }

  async #readBlocking(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    const p = this.pipe;
    while (p.length === 0 && p.writers > 0) await p.readable.wait(signal);
    return p.take(buf);
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

/** The write end of a pipe. */
export class PipeWriteEnd extends PipeFile {
  constructor(pipe: PipeBuffer, flags: number) {
    super(pipe, O_WRONLY | (flags & O_NONBLOCK));
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
    // Small writes go in whole or not at all; large ones may be split.
    const atomic = buf.length <= PIPE_BUF;
    if (atomic ? p.space >= buf.length : p.space > 0) {
      const n = p.put(buf);
      if (n === buf.length || this.statusFlags & O_NONBLOCK) return n;
      return this.#writeBlocking(buf, n, waiter?.interruption());
    }
    if (this.statusFlags & O_NONBLOCK) throw new KernelError(Errno.EAGAIN);
    return this.#writeBlocking(buf, 0, waiter?.interruption());
  }

  /** A blocking write returns once every byte is in (or with what went in, when readers vanish). */
  async #writeBlocking(buf: Uint8Array, done: number, signal: AbortSignal | undefined): Promise<number> {
    const p = this.pipe;
    const atomic = buf.length <= PIPE_BUF;
    while (done < buf.length) {
      while (p.readers > 0 && (atomic ? p.space < buf.length : p.space === 0)) {
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
      done += p.put(buf.subarray(done));
    }
    return done;
  }

  override poll(events: number): number {
    const p = this.pipe;
    let r = 0;
    if (p.space >= PIPE_BUF) r |= POLLOUT;
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

/** pipe(2): a new pipe's two ends. `flags` may hold O_NONBLOCK (O_CLOEXEC is the fd table's). */
export function createPipe(flags: number): [PipeReadEnd, PipeWriteEnd] {
  const buffer = new PipeBuffer();
  return [new PipeReadEnd(buffer, flags), new PipeWriteEnd(buffer, flags)];
}
