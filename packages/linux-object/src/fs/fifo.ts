/**
 * FIFOs (named pipes): every open of one FIFO inode shares one kernel pipe while any is open.
 *
 * Inode opens are synchronous here, so the wait Linux makes in open(2) for the other side happens
 * at the first read or write instead: a reader's first read waits until a writer has opened (it
 * does not see EOF before), a writer's first write waits until a reader has. What open can answer
 * at once it does: O_WRONLY | O_NONBLOCK with no reader fails with ENXIO.
 *
 * @module
 */
import { O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } from '../abi/fcntl.js';
import { POLLIN, POLLOUT } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { FileBase, type Interruptible, type OpenFile } from './open-file.js';
import { PipeBuffer, PipeReadEnd, PipeWriteEnd, pipeIoctl, refuseDirectOpen } from './pipe.js';
import type { Readiness } from './readiness.js';

/** The state of one FIFO inode: its pipe while open, and how many times each side has opened. */
export class FifoState {
  /**
   * @param onLastClose called when the last opener closes, for a file system that keeps the
   * states of its FIFOs by identity (hostfs) and may forget an idle one.
   */
  constructor(readonly onLastClose?: () => void) {}

  /** The pipe shared by the current openers (none while nobody has the FIFO open). */
  pipe: PipeBuffer | null = null;
  openers = 0;
  readerOpens = 0;
  writerOpens = 0;

  /** Open the FIFO; `stat` answers fstat (the FIFO inode's attributes). */
  open(flags: number, path: string, stat: () => Stat): OpenFile {
    const mode = flags & O_ACCMODE;
    if (mode !== O_RDONLY && mode !== O_WRONLY && mode !== O_RDWR) throw new KernelError(Errno.EINVAL);
    const pipe = this.pipe ?? new PipeBuffer();
    if (mode === O_WRONLY && (flags & O_NONBLOCK) !== 0 && pipe.readers === 0) throw new KernelError(Errno.ENXIO);
    refuseDirectOpen(flags);
    this.pipe = pipe;
    this.openers++;
    return new FifoFile(this, pipe, flags, path, stat);
  }

  /** @internal An opener closed: the pipe (and what it held) goes with the last one. */
  closed(): void {
    if (--this.openers !== 0) return;
    this.pipe = null;
    this.onLastClose?.();
  }
}

/** An open FIFO: a read end, a write end or (O_RDWR) both over the FIFO's pipe. */
class FifoFile extends FileBase {
  readonly #reader: PipeReadEnd | undefined;
  readonly #writer: PipeWriteEnd | undefined;
  /** The other side's open count when this one opened: the first I/O waits until it changes. */
  readonly #peerOpensAtOpen: number;
  /** The other side was open when this one opened: Linux's open would not have waited at all. */
  readonly #peerWasOpen: boolean;
  #closed = false;

  constructor(
    readonly state: FifoState,
    readonly pipe: PipeBuffer,
    flags: number,
    path: string,
    readonly statInode: () => Stat,
  ) {
    super(path, flags);
    const mode = flags & O_ACCMODE;
    const nonBlocking = flags & O_NONBLOCK;
    this.#peerWasOpen = mode === O_RDONLY ? pipe.writers > 0 : mode === O_WRONLY ? pipe.readers > 0 : true;
    if (mode !== O_WRONLY) {
      this.#reader = new PipeReadEnd(pipe, nonBlocking);
      state.readerOpens++;
      pipe.writable.wakeAll(); // writers waiting for a reader
    }
    if (mode !== O_RDONLY) {
      this.#writer = new PipeWriteEnd(pipe, nonBlocking);
      state.writerOpens++;
      pipe.readable.wakeAll(); // readers waiting for a writer
    }
    this.#peerOpensAtOpen = mode === O_RDONLY ? state.writerOpens : mode === O_WRONLY ? state.readerOpens : -1;
  }

  get readiness(): Readiness {
    if (this.#reader !== undefined && this.#writer !== undefined) return this.pipe.bothSides;
    return this.#reader !== undefined ? this.pipe.readSide : this.pipe.writeSide;
  }

  /** Whether no peer has opened since this file did (Linux would still be waiting in open). */
  get #awaitingPeer(): boolean {
    if (this.#peerWasOpen) return false;
    const peers = this.#reader !== undefined ? this.state.writerOpens : this.state.readerOpens;
    const open = this.#reader !== undefined ? this.pipe.writers : this.pipe.readers;
    return open === 0 && peers === this.#peerOpensAtOpen;
  }

  override setStatusFlags(flags: number): void {
    super.setStatusFlags(flags);
    this.#reader?.setStatusFlags(flags);
    this.#writer?.setStatusFlags(flags);
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    if (this.#reader === undefined) throw new KernelError(Errno.EBADF);
    if (!this.#awaitingPeer || (this.statusFlags & O_NONBLOCK) !== 0) return this.#reader.read(buf, waiter);
    return this.#waitForPeer(waiter).then(() => this.#reader!.read(buf, waiter));
  }

  override write(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    if (this.#writer === undefined) throw new KernelError(Errno.EBADF);
    if (!this.#awaitingPeer) return this.#writer.write(buf, waiter);
    return this.#waitForPeer(waiter).then(() => this.#writer!.write(buf, waiter));
  }

  async #waitForPeer(waiter?: Interruptible): Promise<void> {
    const queue = this.#reader !== undefined ? this.pipe.readable : this.pipe.writable;
    while (this.#awaitingPeer) await queue.wait(waiter?.interruption());
  }

  override ioctl(request: number, arg: Uint8Array): number {
    return pipeIoctl(this.pipe, request, arg) ?? super.ioctl(request, arg);
  }

  override stat(): Stat {
    return this.statInode();
  }

  override poll(events: number): number {
    let r = 0;
    if (this.#reader !== undefined) r |= this.#awaitingPeer ? 0 : this.#reader.poll(events);
    if (this.#writer !== undefined) r |= this.#writer.poll(events);
    return r & (events | ~(POLLIN | POLLOUT));
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader?.close();
    this.#writer?.close();
    this.state.closed();
  }
}
