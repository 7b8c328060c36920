/**
 * An open file description: what an fd refers to, shared by every fd dup'ed from it.
 *
 * @module
 */
import type { Vmo } from '@rvisor/zircon-object';
import type { Stat } from '../abi/stat.js';
import {
  O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_LARGEFILE, O_NOCTTY, O_NOFOLLOW, O_PATH,
  O_RDONLY, O_TRUNC, O_WRONLY, SETFL_MASK,
} from '../abi/fcntl.js';
import { POLLIN, POLLOUT } from '../abi/poll.js';
import { Errno, KernelError } from '../errno.js';
import type { PathRef } from './path-ref.js';
import type { Readiness } from './readiness.js';
import type { XattrStore } from './xattr.js';

/**
 * An open file, as the syscall layer uses it. Every method throws `KernelError` on failure.
 * `buf` arguments may be zero-copy views into guest memory.
 */
/**
 * The caller of a blocking file operation: asked for an AbortSignal only when the operation is
 * about to wait, so that a signal can interrupt the wait (the syscall then fails or restarts).
 */
export interface Interruptible {
  interruption(): AbortSignal;
}

export interface OpenFile {
  /** The container path it was opened by (for /proc/<pid>/fd and strace). */
  readonly path: string;
  /** The open(2) access mode and status flags (O_APPEND, O_NONBLOCK, …); F_GETFL reports these. */
  readonly statusFlags: number;
  /**
   * Where the file was opened, set by the VFS (undefined for pipes, sockets, host stdio): *at
   * syscalls resolve relative to it, fchdir moves there.
   */
  location: PathRef | undefined;
  /**
   * Its file's extended attributes, when the file reaches them itself rather than through its
   * inode (a host fd, which still reaches a file whose name is gone): f*xattr use these.
   */
  readonly xattrs?: XattrStore;
  /** F_SETFL: replace the changeable status flags (`SETFL_MASK`), keep the others. */
  setStatusFlags(flags: number): void;
  /** F_SETOWN, F_SETOWN_EX: who gets the file's signals (dnotify's); id 0: no one. */
  owner: FileOwner;
  /** F_SETSIG: the signal they get (0: SIGIO, without the fd and band in its siginfo). */
  ownerSignal: number;
  /** read(2) at the current position. A Promise when it has to wait for data. */
  read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number>;
  /** write(2) at the current position (or the end, with O_APPEND). */
  write(buf: Uint8Array, waiter?: Interruptible): number | Promise<number>;
  /** pread64(2): read at `offset` without moving the position. ESPIPE on streams. */
  pread(buf: Uint8Array, offset: number): number | Promise<number>;
  /** pwrite64(2). */
  pwrite(buf: Uint8Array, offset: number): number | Promise<number>;
  /** lseek(2): returns the new position. */
  seek(offset: number, whence: number): number;
  /**
   * getdents64(2): fill `buf` with `linux_dirent64` records from the current position on, and
   * return the bytes written (0 at the end). EINVAL if not even one record fits, ENOTDIR if this
   * is not a directory.
   */
  getdents64(buf: Uint8Array): number;
  /** fstat(2). */
  stat(): Stat;
  /** ioctl(2) with `arg` as in/out bytes; ENOTTY for requests the file does not know. */
  ioctl(request: number, arg: Uint8Array): number;
  /** poll(2) readiness right now: the subset of `events` (plus POLLERR/POLLHUP) that holds. */
  poll(events: number): number;
  /**
   * Notified whenever `poll()`'s answer may change, so poll, select and epoll can sleep until
   * then. A file without it must always be ready.
   */
  readonly readiness?: Readiness;
  /**
   * The memory that holds the file's bytes, grown to at least `end` bytes, for a MAP_SHARED
   * mapping that shares them with the file: a tmpfs file's or memfd's own, a host file's shared
   * pages. Undefined (or absent) where the file has none to give: the mapping is then a copy.
   */
  sharedMemory?(end: number): Vmo | undefined;
  /**
   * The host fd of a regular host file, which the kernel may read into memory without copying
   * through its own pages (`readIntoVmo`). Absent on every other file.
   */
  readonly regularHostFd?: number;
  /** Its seals (F_SEAL_*), for files that have them (tmpfs files and memfds). */
  readonly seals?: number;
  /**
   * A new open file on the same object, as open(2) of /proc/<pid>/fd/N makes one for a file with
   * no path (a pipe's end, host stdio); absent (ENXIO) where Linux refuses it (sockets and the like).
   */
  reopen?(flags: number): OpenFile;
  /** Release the file; called once, when the last fd referring to it is closed. */
  close(): void;
}

/** The owner of an open file (fcntl F_SETOWN_EX): a thread, a process or a process group, by id. */
export interface FileOwner {
  readonly type: 'thread' | 'process' | 'group';
  readonly id: number;
}

/** No owner: what every file starts with (shared, so an open allocates nothing for it). */
const NO_OWNER: FileOwner = Object.freeze({ type: 'process', id: 0 });

/**
 * Defaults for an {@link OpenFile}: status flags, the access-mode checks Linux makes, and the
 * errors of operations a kind of file does not have. Subclasses override what they support.
 */
export abstract class FileBase implements OpenFile {
  #statusFlags: number;
  location: PathRef | undefined = undefined;
  owner = NO_OWNER;
  ownerSignal = 0;

  /** `flags` as given to open(2); the status flags F_GETFL reports are derived from them. */
  constructor(
    readonly path: string,
    flags: number,
  ) {
    this.#statusFlags = openStatusFlags(flags);
  }

  get statusFlags(): number {
    return this.#statusFlags;
  }

  setStatusFlags(flags: number): void {
    this.#statusFlags = (this.#statusFlags & ~SETFL_MASK) | (flags & SETFL_MASK);
  }

  /** Whether the file was opened for reading (EBADF otherwise, as read(2) on O_WRONLY/O_PATH). */
  protected get readable(): boolean {
    const f = this.#statusFlags;
    return (f & O_PATH) === 0 && (f & O_ACCMODE) !== O_WRONLY;
  }

  /** Whether the file was opened for writing. */
  protected get writable(): boolean {
    const f = this.#statusFlags;
    return (f & O_PATH) === 0 && (f & O_ACCMODE) !== O_RDONLY;
  }

  /** Throws EBADF unless the file is readable. */
  protected checkReadable(): void {
    if (!this.readable) throw new KernelError(Errno.EBADF);
  }

  /** Throws EBADF unless the file is writable. */
  protected checkWritable(): void {
    if (!this.writable) throw new KernelError(Errno.EBADF);
  }

  read(_buf: Uint8Array): number | Promise<number> {
    this.checkReadable();
    throw new KernelError(Errno.EINVAL);
  }

  write(_buf: Uint8Array): number | Promise<number> {
    this.checkWritable();
    throw new KernelError(Errno.EINVAL);
  }

  pread(_buf: Uint8Array, _offset: number): number | Promise<number> {
    this.checkReadable();
    throw new KernelError(Errno.ESPIPE);
  }

  pwrite(_buf: Uint8Array, _offset: number): number | Promise<number> {
    this.checkWritable();
    throw new KernelError(Errno.ESPIPE);
  }

  seek(_offset: number, _whence: number): number {
    throw new KernelError(Errno.ESPIPE);
  }

  getdents64(_buf: Uint8Array): number {
    if ((this.#statusFlags & O_PATH) !== 0) throw new KernelError(Errno.EBADF);
    throw new KernelError(Errno.ENOTDIR);
  }

  abstract stat(): Stat;

  ioctl(_request: number, _arg: Uint8Array): number {
    if ((this.#statusFlags & O_PATH) !== 0) throw new KernelError(Errno.EBADF);
    throw new KernelError(Errno.ENOTTY);
  }

  poll(events: number): number {
    return events & (POLLIN | POLLOUT);
  }

  close(): void {}
}

/**
 * New position for lseek(2) on a file of `size` bytes currently at `pos`: EINVAL for an unknown
 * whence or a negative result.
 */
export function seekPosition(pos: number, size: number, offset: number, whence: number): number {
  let base: number;
  switch (whence) {
    case 0: base = 0; break; // SEEK_SET
    case 1: base = pos; break; // SEEK_CUR
    case 2: base = size; break; // SEEK_END
    case 3: // SEEK_DATA: the whole file is data
      if (offset < 0 || offset >= size) throw new KernelError(Errno.ENXIO);
      return offset;
    case 4: // SEEK_HOLE: the only hole is at the end
      if (offset < 0 || offset >= size) throw new KernelError(Errno.ENXIO);
      return size;
    default:
      throw new KernelError(Errno.EINVAL);
  }
  const next = base + offset;
  if (next < 0 || !Number.isSafeInteger(next)) throw new KernelError(Errno.EINVAL);
  return next;
}

/**
 * The status flags an open file description keeps from open(2)'s `flags`, as Linux: creation
 * flags and O_CLOEXEC (an fd flag) go, O_LARGEFILE is implied on 64-bit, O_PATH keeps only
 * O_DIRECTORY and O_NOFOLLOW.
 */
export function openStatusFlags(flags: number): number {
  if ((flags & O_PATH) !== 0) return flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW);
  return (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | O_LARGEFILE;
}

/**
 * The identity (st_dev, st_ino) of the file `file` is open on: from the inode it was opened through
 * when that knows its st_dev (no host call), else from a stat.
 */
export function fileIdentity(file: OpenFile): { dev: bigint; ino: bigint } {
  const inode = file.location?.inode;
  if (inode?.dev !== undefined) return { dev: inode.dev, ino: inode.ino };
  const { dev, ino } = file.stat();
  return { dev, ino };
}

/**
 * Read up to `length` bytes of `file` from `offset` into `vmo` at `vmoOffset`; the bytes read
 * (fewer at the file's end). A regular host file is copied by the host itself (its
 * `regularHostFd`, pmem's fill), its pages untouched by the kernel; any other file, or a host
 * that refuses, through pread into the VMO's pages.
 */
export function readIntoVmo(file: OpenFile, vmo: Vmo, vmoOffset: number, offset: number, length: number): number {
  const fd = file.regularHostFd;
  if (fd !== undefined) {
    const n = vmo.fillFromHost(vmoOffset, fd, offset, length);
    if (n !== undefined && n >= 0) return n;
  }
  let done = 0;
  for (const seg of vmo.segments(vmoOffset, length)) {
    const n = preadFully(file, seg, offset + done);
    done += n;
    if (n < seg.length) break;
  }
  return done;
}

/** pread until `buf` is full or the file ends; returns the bytes read. */
export function preadFully(file: OpenFile, buf: Uint8Array, offset: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = file.pread(buf.subarray(done), offset + done);
    if (typeof n !== 'number') throw new KernelError(Errno.EIO, 'a read of a regular file blocked');
    if (n <= 0) break;
    done += n;
  }
  return done;
}
