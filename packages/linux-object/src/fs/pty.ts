/**
 * In-kernel pseudo-terminals: opening /dev/ptmx makes a master and the slave /dev/pts/N, with the
 * line discipline between them. What the master writes is the slave's typed input; what the
 * slave writes, after output processing, the master reads.
 *
 * @module
 */
import { AbortScope } from '@rvisor/async-executor';
import { O_NOCTTY, O_NONBLOCK } from '../abi/fcntl.js';
import {
  FIONREAD, TCFLSH, TCGETS, TCOFLUSH, TCSBRK, TCSBRKP, TCSETS, TCSETSF, TCSETSW, TCXONC, TIOCGPGRP, TIOCGPTN, TIOCGWINSZ,
  TIOCOUTQ, TIOCSPGRP, TIOCSPTLCK, TIOCSWINSZ, WINSIZE_SIZE, terminalIoctlValue,
} from '../abi/ioctl.js';
import { POLLERR, POLLHUP, POLLIN, POLLOUT } from '../abi/poll.js';
import { Signo } from '../abi/signal.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import type { Kernel } from '../process/kernel.js';
import type { LinuxProcess } from '../process/process.js';
import { LineDiscipline, VMIN, VTIME, decodeTermios, encodeTermios } from './line-discipline.js';
import { FileBase, type Interruptible } from './open-file.js';
import { Readiness, waitUntilReady } from './readiness.js';
import {
  acquiresTerminal, attachControllingTerminal, detachControllingTerminal, signalForeground, type Terminal,
} from './tty.js';

/** Major device number of pty slaves (UNIX98_PTY_SLAVE_MAJOR). */
export const PTY_SLAVE_MAJOR = 136;
/** How many pseudo-terminals may be open at once (Linux's default kernel.pty.max is 4096). */
export const PTY_MAX = 4096;

/** What a pseudo-terminal needs from the kernel around it. */
export interface PtyEnvironment {
  /** For job-control signals (^C, ^Z, ^\, SIGWINCH); without it none are sent. */
  kernel?: Kernel;
  /** The process making the current syscall (controlling terminals on open). */
  current?: () => LinuxProcess | undefined;
}

/** One pseudo-terminal pair: the state both sides share. */
export class Pty implements Terminal {
  session: number | undefined = undefined;
  foregroundPgrp: number | undefined = undefined;
  /** unlockpt(3) clears it; a locked slave cannot be opened (EIO). */
  locked = true;
  masterOpen = true;
  slaveOpens = 0;
  #slaveEverOpened = false;
  /** Bytes the master reads: the slave's processed output and the echo. */
  readonly #toMaster: number[] = [];
  /** rows, cols, xpixel, ypixel. */
  readonly winsize = new Uint8Array(WINSIZE_SIZE);
  readonly masterSide = new Readiness();
  readonly slaveSide = new Readiness();
  readonly ldisc: LineDiscipline;

  constructor(
    readonly index: number,
    readonly env: PtyEnvironment,
    /** Opens the slave again (for /dev/tty); set by whoever makes the slave node. */
    readonly openSlave: (flags: number, path: string) => PtySlaveFile,
  ) {
    this.ldisc = new LineDiscipline({
      output: (bytes) => this.#queueForMaster(bytes),
      signal: (signo) => this.#signal(signo),
      inputReady: () => this.slaveSide.notify(),
    });
  }

  reopen(flags: number, path: string): PtySlaveFile {
    return this.openSlave(flags, path);
  }

  /** Whether the slave side has been opened and every slave file closed since (the master sees EIO/POLLHUP). */
  get slaveHungUp(): boolean {
    return this.#slaveEverOpened && this.slaveOpens === 0;
  }

  slaveOpened(): void {
    this.slaveOpens++;
    this.#slaveEverOpened = true;
  }

  slaveClosed(): void {
    this.slaveOpens--;
    if (this.slaveOpens === 0) this.masterSide.notify();
  }

  masterClosed(): void {
    this.masterOpen = false;
    if (this.env.kernel && this.session !== undefined) {
      signalForeground(this.env.kernel, this, Signo.SIGHUP);
      signalForeground(this.env.kernel, this, Signo.SIGCONT);
      detachControllingTerminal(this.env.kernel, this);
    }
    this.slaveSide.notify();
  }

  #queueForMaster(bytes: readonly number[]): void {
    if (bytes.length === 0) return;
    this.#toMaster.push(...bytes);
    this.masterSide.notify();
  }

  #signal(signo: number): void {
    if (this.env.kernel) signalForeground(this.env.kernel, this, signo);
  }

  /** Bytes waiting for the master to read. */
  get pendingForMaster(): number {
    return this.#toMaster.length;
  }

  takeForMaster(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.#toMaster.length);
    const taken = this.#toMaster.splice(0, n);
    buf.set(taken);
    return n;
  }

  /** What the slave writes, after output processing. */
  writeFromSlave(buf: Uint8Array): void {
    this.#queueForMaster(this.ldisc.processOutput(buf));
  }

  /** Make this terminal the caller's controlling terminal when Linux would on open. */
  maybeAcquire(flags: number): void {
    const kernel = this.env.kernel;
    const proc = this.env.current?.();
    if (!kernel || !proc || (flags & O_NOCTTY) !== 0) return;
    if (acquiresTerminal(kernel, proc, this)) attachControllingTerminal(kernel, proc, this);
  }

  /**
   * The ioctls both sides answer; undefined when `request` is not one of them. `master`: asked
   * of the master, whose input is what the slave wrote.
   */
  commonIoctl(request: number, arg: Uint8Array, master: boolean): number | undefined {
    const view = (): DataView => new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    switch (request) {
      case TCGETS:
        encodeTermios(this.ldisc.termios, arg);
        return 0;
      case TCSETSF:
        this.ldisc.flushInput();
        this.ldisc.setTermios(decodeTermios(arg));
        return 0;
      case TCSETS:
      case TCSETSW: // output is never held back here: nothing to drain
        this.ldisc.setTermios(decodeTermios(arg));
        return 0;
      case TIOCGWINSZ:
        arg.set(this.winsize);
        return 0;
      case TIOCSWINSZ: {
        const changed = arg.some((b, i) => i < WINSIZE_SIZE && b !== this.winsize[i]);
        this.winsize.set(arg.subarray(0, WINSIZE_SIZE));
        if (changed) this.#signal(Signo.SIGWINCH);
        return 0;
      }
      case TIOCGPGRP:
        view().setInt32(0, this.foregroundPgrp ?? 0, true);
        return 0;
      case TIOCSPGRP: {
        const pgrp = view().getInt32(0, true);
        if (pgrp < 0) throw new KernelError(Errno.EINVAL);
        this.foregroundPgrp = pgrp;
        return 0;
      }
      case TCFLSH: {
        // Each side's input: what the other side wrote and it has not read. Output goes across at
        // once, so there is no output queue to flush (as Linux's pty_flush_buffer flushes none).
        if (terminalIoctlValue(request, arg) !== TCOFLUSH) {
          if (master) this.#toMaster.length = 0;
          else this.ldisc.flushInput();
        }
        return 0;
      }
      case TCXONC: // output is never held back here, so there is nothing to stop or restart
      case TCSBRK: // tcdrain, and a break: nothing waits to be sent
      case TCSBRKP:
        terminalIoctlValue(request, arg);
        return 0;
    }
    return undefined;
  }
}

/** The master side of a pseudo-terminal (an open of /dev/ptmx). */
export class PtyMasterFile extends FileBase {
  constructor(
    readonly pty: Pty,
    flags: number,
    readonly statNode: () => Stat,
    readonly onClose: () => void,
  ) {
    super('/dev/ptmx', flags);
  }

  /** Job-control requests on a master concern its slave's terminal. */
  get terminal(): Terminal {
    return this.pty;
  }

  get readiness(): Readiness {
    return this.pty.masterSide;
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    this.checkReadable();
    if (buf.length === 0) return 0;
    if (this.pty.pendingForMaster > 0) return this.pty.takeForMaster(buf);
    if (this.pty.slaveHungUp) throw new KernelError(Errno.EIO);
    if (this.statusFlags & O_NONBLOCK) throw new KernelError(Errno.EAGAIN);
    return this.#readBlocking(buf, waiter?.interruption());
  }

  async #readBlocking(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    const pty = this.pty;
    await waitUntilReady(pty.masterSide, () => pty.pendingForMaster > 0 || pty.slaveHungUp, signal);
    if (pty.pendingForMaster === 0) throw new KernelError(Errno.EIO);
    return pty.takeForMaster(buf);
  }

  override write(buf: Uint8Array): number {
    this.checkWritable();
    this.pty.ldisc.receive(buf);
    return buf.length;
  }

  override stat(): Stat {
    return this.statNode();
  }

  override ioctl(request: number, arg: Uint8Array): number {
    const view = (): DataView => new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    switch (request) {
      case TIOCGPTN:
        view().setUint32(0, this.pty.index, true);
        return 0;
      case TIOCSPTLCK:
        this.pty.locked = view().getInt32(0, true) !== 0;
        return 0;
      case FIONREAD:
        view().setInt32(0, this.pty.pendingForMaster, true);
        return 0;
      case TIOCOUTQ:
        view().setInt32(0, 0, true);
        return 0;
    }
    return this.pty.commonIoctl(request, arg, true) ?? super.ioctl(request, arg);
  }

  override poll(events: number): number {
    let r = POLLOUT;
    if (this.pty.pendingForMaster > 0) r |= POLLIN;
    if (this.pty.slaveHungUp) r |= POLLHUP;
    return r & (events | POLLHUP | POLLERR);
  }

  override close(): void {
    this.pty.masterClosed();
    this.onClose();
  }
}

/** The slave side of a pseudo-terminal (an open of /dev/pts/N): the terminal programs use. */
export class PtySlaveFile extends FileBase {
  constructor(
    readonly pty: Pty,
    flags: number,
    path: string,
    readonly statNode: () => Stat,
  ) {
    super(path, flags);
    pty.slaveOpened();
  }

  get terminal(): Terminal {
    return this.pty;
  }

  get readiness(): Readiness {
    return this.pty.slaveSide;
  }

  /** Whether a read returns now: a line (canonical), VMIN bytes (raw), or end of file (hangup). */
  #readNow(want: number): boolean {
    const { ldisc } = this.pty;
    if (!this.pty.masterOpen || ldisc.canonical) return !this.pty.masterOpen || ldisc.readable;
    const min = ldisc.termios.cc[VMIN]!;
    return ldisc.available >= Math.max(1, Math.min(min, want));
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    this.checkReadable();
    if (buf.length === 0) return 0;
    const { ldisc } = this.pty;
    if (this.#readNow(buf.length)) return ldisc.take(buf);
    const cc = ldisc.termios.cc;
    if (!ldisc.canonical && cc[VMIN] === 0 && cc[VTIME] === 0) return 0; // a pure poll
    if (this.statusFlags & O_NONBLOCK) throw new KernelError(Errno.EAGAIN);
    return this.#readBlocking(buf, waiter?.interruption());
  }

  async #readBlocking(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    const { ldisc } = this.pty;
    const time = ldisc.canonical ? 0 : ldisc.termios.cc[VTIME]!;
    if (time > 0 && ldisc.termios.cc[VMIN] === 0) {
      // VTIME alone: wait up to VTIME tenths of a second for any input.
      const wait = new AbortScope(signal);
      let timedOut = false;
      const expire = () => {
        timedOut = true;
        wait.abort();
      };
      // The kernel's timer queue, whose deadlines the run loop sleeps until; it never wakes for a
      // Node timer. (A pty with no kernel has no run loop either: unit tests.)
      const timers = this.pty.env.kernel?.timers;
      const cancel = timers
        ? timers.add(timers.clock.now() + BigInt(time) * 100_000_000n, expire).cancel
        : clearTimeout.bind(null, setTimeout(expire, time * 100));
      try {
        await waitUntilReady(this.pty.slaveSide, () => ldisc.available > 0 || !this.pty.masterOpen, wait.signal);
      } catch (err) {
        if (signal?.aborted || !timedOut) throw err;
      } finally {
        cancel();
        wait.dispose();
      }
      return ldisc.take(buf);
    }
    await waitUntilReady(this.pty.slaveSide, () => this.#readNow(buf.length), signal);
    return ldisc.take(buf);
  }

  override write(buf: Uint8Array): number {
    this.checkWritable();
    if (!this.pty.masterOpen) throw new KernelError(Errno.EIO);
    this.pty.writeFromSlave(buf);
    return buf.length;
  }

  override stat(): Stat {
    return this.statNode();
  }

  override ioctl(request: number, arg: Uint8Array): number {
    if (request === FIONREAD) {
      new DataView(arg.buffer, arg.byteOffset, arg.byteLength).setInt32(0, this.pty.ldisc.available, true);
      return 0;
    }
    if (request === TIOCOUTQ) {
      new DataView(arg.buffer, arg.byteOffset, arg.byteLength).setInt32(0, 0, true);
      return 0;
    }
    return this.pty.commonIoctl(request, arg, false) ?? super.ioctl(request, arg);
  }

  override poll(events: number): number {
    const pty = this.pty;
    if (!pty.masterOpen) return (POLLIN | POLLOUT | POLLHUP) & (events | POLLHUP);
    let r = POLLOUT;
    if (pty.ldisc.canonical ? pty.ldisc.readable : pty.ldisc.available > 0) r |= POLLIN;
    return r & (events | POLLHUP | POLLERR);
  }

  override close(): void {
    this.pty.slaveClosed();
  }
}
