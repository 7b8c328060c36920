/**
 * The sandbox's own stdin/stdout/stderr (or any host fd handed to a guest) as an open file.
 *
 * @module
 */
import { AT_EMPTY_PATH, O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import {
  FIONREAD, TCFLSH, TCGETS, TCSBRK, TCSBRKP, TCSETS, TCSETSF, TCSETSW, TCXONC, TERMIOS_SIZE, TIOCGPGRP,
  TIOCGWINSZ, TIOCOUTQ, TIOCSPGRP, TIOCSWINSZ, terminalIoctlValue,
} from '../abi/ioctl.js';
import { POLLERR, POLLIN, POLLNVAL, POLLOUT, POLLPRI } from '../abi/poll.js';
import { statCodec, type Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import type { HostReadiness } from './host-readiness.js';
import { FileBase, type OpenFile } from './open-file.js';
import { Readiness } from './readiness.js';
import { HostTerminal, type Terminal } from './tty.js';

/**
 * The fd-level host calls, each returning a non-negative result or -errno (never throwing): what a
 * {@link HostStreamFile} needs, and the base of hostfs's `HostOps`. `buf` may be a view into pmem.
 */
export interface HostStreamOps {
  /** read(2) / write(2) at the current offset. */
  read(fd: number, buf: Uint8Array): number;
  write(fd: number, buf: Uint8Array): number;
  /** pread64(2) / pwrite64(2). */
  pread(fd: number, buf: Uint8Array, offset: number): number;
  pwrite(fd: number, buf: Uint8Array, offset: number): number;
  /** lseek(2). */
  lseek(fd: number, offset: number, whence: number): number;
  /** poll(2) on one fd with a zero timeout: the ready events, 0, or -errno. */
  pollNow(fd: number, events: number): number;
  /** ioctl(2) with a pointer argument `arg` (in/out bytes). */
  ioctl(fd: number, request: number, arg: Uint8Array): number;
  /** fstatat(2) into `statBuf` (144 bytes, x86-64 `struct stat`); `path` may be "" with AT_EMPTY_PATH. */
  fstatat(dirfd: number, path: string, flags: number, statBuf: Uint8Array): number;
  /** close(2). */
  close(fd: number): number;
}

/** Options of a {@link HostStreamFile}. */
export interface HostStreamFileOptions {
  /** open(2)-style flags: access mode and O_NONBLOCK (default O_RDWR). */
  flags?: number;
  /** Name shown in /proc (default `host:[<fd>]`). */
  path?: string;
  /** Close the host fd when the file is closed (default false: the sandbox owns its stdio). */
  ownsFd?: boolean;
  /**
   * The terminal's foreground process group as guests see it (virtual pids). TIOCGPGRP reports
   * it and TIOCSPGRP sets it; the host's own process groups are never shown to a guest. Unset:
   * those requests fail with ENOTTY. Ignored when `terminal` is given.
   */
  foregroundPgrp?: number;
  /**
   * The host terminal this fd is one of, shared by every file wrapping it (so fds 0, 1 and 2
   * agree on the foreground group and the session it controls). Used only if the fd is a tty.
   */
  terminal?: HostTerminal;
  /**
   * The attributes fstat shows instead of the host fd's: a host terminal appears as the
   * container's /dev/console (so ttyname finds it, and no host device number shows).
   */
  statAs?: () => Stat;
}

// Terminal requests whose pointer argument can go to the host fd as is (no pids inside).
const PASSED_TO_HOST: ReadonlySet<number> = new Set([
  TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, TIOCOUTQ,
]);

function check(result: number): number {
  if (result < 0) throw new KernelError(-result as Errno);
  return result;
}

/**
 * A host fd (a pipe, a file or a terminal) seen by guests as a stream. Reads that would block
 * return a Promise that resolves when the fd becomes readable; writes loop over partial writes
 * and wait on EAGAIN. Terminal ioctls go to the host fd only when it is a terminal.
 */
export class HostStreamFile extends FileBase {
  readonly #ops: HostStreamOps;
  readonly #fd: number;
  readonly #readiness: HostReadiness;
  readonly #ownsFd: boolean;
  readonly #statAs: (() => Stat) | undefined;
  #isTty: boolean | undefined;
  readonly #terminal: HostTerminal | undefined;
  /** Notified when the host fd becomes ready for what a poll found it not ready for. */
  readonly readiness = new Readiness();
  /** The events a pending host wait covers (0: none pending). */
  #watching = 0;

  constructor(ops: HostStreamOps, hostFd: number, readiness: HostReadiness, options: HostStreamFileOptions = {}) {
    super(options.path ?? `host:[${hostFd}]`, options.flags ?? O_RDWR);
    this.#ops = ops;
    this.#fd = hostFd;
    this.#readiness = readiness;
    this.#ownsFd = options.ownsFd ?? false;
    this.#statAs = options.statAs;
    this.#terminal = options.terminal;
    if (!this.#terminal && options.foregroundPgrp !== undefined) {
      this.#terminal = new HostTerminal(
        (flags, path) => new HostStreamFile(ops, hostFd, readiness, { flags, path, terminal: this.#terminal }),
        options.foregroundPgrp,
      );
    }
  }

  /** The host terminal for job control (TIOCSCTTY, TIOCSPGRP …), when the fd is one. */
  get terminal(): Terminal | undefined {
    return this.isTty ? this.#terminal : undefined;
  }

  /** open(2) of /proc/<pid>/fd/N (/dev/stdout, /dev/stdin): another file over the same host fd. */
  reopen(flags: number): OpenFile {
    return new HostStreamFile(this.#ops, this.#fd, this.#readiness, { flags, path: this.path, terminal: this.#terminal, statAs: this.#statAs });
  }

  /** The host fd behind this file. */
  get hostFd(): number {
    return this.#fd;
  }

  /** Whether the host fd is a terminal (asked once, with TCGETS). */
  get isTty(): boolean {
    this.#isTty ??= this.#ops.ioctl(this.#fd, TCGETS, new Uint8Array(TERMIOS_SIZE)) >= 0;
    return this.#isTty;
  }

  get #nonBlocking(): boolean {
    return (this.statusFlags & O_NONBLOCK) !== 0;
  }

  /** One read attempt: bytes read, or null when the host says EAGAIN. */
  #tryRead(buf: Uint8Array): number | null {
    const r = this.#ops.read(this.#fd, buf);
    if (r === -Errno.EAGAIN) return null;
    return check(r);
  }

  override read(buf: Uint8Array): number | Promise<number> {
    this.checkReadable();
    if (buf.byteLength === 0) return 0;
    if (check(this.#ops.pollNow(this.#fd, POLLIN)) !== 0) {
      const n = this.#tryRead(buf);
      if (n !== null) return n;
    }
    if (this.#nonBlocking) throw new KernelError(Errno.EAGAIN);
    return this.#readWhenReady(buf);
  }

  async #readWhenReady(buf: Uint8Array): Promise<number> {
    for (;;) {
      await this.#readiness.wait(this.#fd, POLLIN);
      const n = this.#tryRead(buf);
      if (n !== null) return n;
    }
  }

  override write(buf: Uint8Array): number | Promise<number> {
    this.checkWritable();
    if (buf.byteLength === 0) return check(this.#ops.write(this.#fd, buf));
    const first = this.#writeSome(buf, 0);
    if (!first.blocked) return first.done;
    if (this.#nonBlocking) {
      if (first.done > 0) return first.done;
      throw new KernelError(Errno.EAGAIN);
    }
    return this.#writeWhenReady(buf, first.done);
  }

  /**
   * Write `buf` from byte `done` on until all is written, the host says EAGAIN (`blocked`), or
   * an error comes after some bytes went out (those bytes are the result, as Linux).
   */
  #writeSome(buf: Uint8Array, done: number): { done: number; blocked: boolean } {
    while (done < buf.byteLength) {
      const r = this.#ops.write(this.#fd, buf.subarray(done));
      if (r === -Errno.EAGAIN) return { done, blocked: true };
      if (r < 0 && done === 0) throw new KernelError(-r as Errno);
      if (r <= 0) break;
      done += r;
    }
    return { done, blocked: false };
  }

  async #writeWhenReady(buf: Uint8Array, done: number): Promise<number> {
    for (;;) {
      await this.#readiness.wait(this.#fd, POLLOUT);
      const next = this.#writeSome(buf, done);
      if (!next.blocked) return next.done;
      done = next.done;
    }
  }

  override pread(buf: Uint8Array, offset: number): number {
    this.checkReadable();
    return check(this.#ops.pread(this.#fd, buf, offset));
  }

  override pwrite(buf: Uint8Array, offset: number): number {
    this.checkWritable();
    return check(this.#ops.pwrite(this.#fd, buf, offset));
  }

  override seek(offset: number, whence: number): number {
    return check(this.#ops.lseek(this.#fd, offset, whence));
  }

  override stat(): Stat {
    if (this.#statAs) return this.#statAs();
    const buf = new Uint8Array(statCodec.size);
    check(this.#ops.fstatat(this.#fd, '', AT_EMPTY_PATH, buf));
    return statCodec.read(new DataView(buf.buffer), 0);
  }

  override ioctl(request: number, arg: Uint8Array): number {
    if (!this.isTty) return super.ioctl(request, arg);
    if (PASSED_TO_HOST.has(request)) return check(this.#ops.ioctl(this.#fd, request, arg));
    const view = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
    switch (request) {
      case TIOCGPGRP:
        if (this.#terminal === undefined || arg.byteLength < 4) break;
        view.setInt32(0, this.#terminal.foregroundPgrp ?? 0, true);
        return 0;
      case TIOCSPGRP: {
        if (this.#terminal === undefined || arg.byteLength < 4) break;
        const pgrp = view.getInt32(0, true);
        if (pgrp < 0) throw new KernelError(Errno.EINVAL);
        this.#terminal.foregroundPgrp = pgrp;
        return 0;
      }
      case TCSBRK: // tcdrain / tcsendbreak: nothing to wait for here
      case TCSBRKP:
      case TCXONC:
      case TCFLSH:
        terminalIoctlValue(request, arg);
        return 0;
    }
    return super.ioctl(request, arg);
  }

  override poll(events: number): number {
    const r = this.#ops.pollNow(this.#fd, events);
    if (r < 0) return POLLNVAL | POLLERR;
    if (r === 0) this.#watch(events & (POLLIN | POLLOUT | POLLPRI));
    return r;
  }

  /**
   * Have the host say when the fd is ready for `events`, which it is not now: `readiness` is then
   * notified, and a poll or epoll waiting on this file wakes, with no timer. One host wait is
   * pending at a time for the events asked so far.
   */
  #watch(events: number): void {
    if (events === 0 || (this.#watching & events) === events) return;
    this.#watching |= events;
    void this.#readiness.wait(this.#fd, this.#watching).then(() => {
      this.#watching = 0;
      this.readiness.notify();
    });
  }

  override close(): void {
    if (this.#ownsFd) this.#ops.close(this.#fd);
  }
}
