/**
 * Open files of hostfs, each over a host fd of its own.
 *
 * @module
 */
import {
  AT_EMPTY_PATH, Errno, FIONREAD, FileBase, KernelError, O_APPEND, SEEK_CUR, SEEK_END, SEEK_SET,
  directorySeek, fillDirents,
  type DirEntry, type FileChanges, type SetAttr, type Stat,
} from '@rvisor/linux-object';
import { fdTarget, setHostAttr } from './host-attrs.js';
import { nextHostDirents } from './host-dirents.js';
import { hostResult } from './host-errors.js';
import { hostStat } from './host-stat.js';
import type { HostFs } from './host-fs.js';
import type { HostDirectory } from './host-inode.js';

/** Base of hostfs open files: owns one host fd, closed exactly once. */
abstract class HostFdFile extends FileBase {
  #closed = false;

  constructor(
    protected readonly fs: HostFs,
    protected readonly fd: number,
    path: string,
    flags: number,
  ) {
    super(path, flags);
  }

  override stat(): Stat {
    return hostStat(this.fs.ops, this.fd, '', AT_EMPTY_PATH);
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.fs.closeFd(this.fd);
  }
}

/**
 * A regular file of the host tree. Changes go through its own fd, so they reach the file even
 * once its name is gone.
 */
export class HostRegularFile extends HostFdFile implements FileChanges {
  override write(buf: Uint8Array): number {
    this.checkWritable();
    // O_APPEND is kept here, not on the host fd (F_SETFL changes it); the kernel is one thread,
    // so nothing writes between the seek and the write.
    if ((this.statusFlags & O_APPEND) !== 0) hostResult(this.fs.ops.lseek(this.fd, 0, SEEK_END));
    return hostResult(this.fs.ops.write(this.fd, buf));
  }

  override pwrite(buf: Uint8Array, offset: number): number {
    this.checkWritable();
    if (offset < 0) throw new KernelError(Errno.EINVAL);
    // Linux's pwrite on an O_APPEND file appends, whatever the offset.
    if ((this.statusFlags & O_APPEND) !== 0) {
      const pos = hostResult(this.fs.ops.lseek(this.fd, 0, SEEK_CUR));
      const end = hostResult(this.fs.ops.lseek(this.fd, 0, SEEK_END));
      try {
        return hostResult(this.fs.ops.pwrite(this.fd, buf, end));
      } finally {
        this.fs.ops.lseek(this.fd, pos, SEEK_SET);
      }
    }
    return hostResult(this.fs.ops.pwrite(this.fd, buf, offset));
  }

  setAttr(attr: SetAttr): void {
    if (this.fs.readOnly) throw new KernelError(Errno.EROFS);
    if (attr.size !== undefined) {
      // ftruncate(2) needs a descriptor open for writing.
      if (!this.writable) throw new KernelError(Errno.EINVAL);
      hostResult(this.fs.ops.ftruncate(this.fd, attr.size));
    }
    if (attr.mode !== undefined) hostResult(this.fs.ops.fchmod(this.fd, attr.mode & 0o7777));
    setHostAttr(this.fs.ops, fdTarget(this.fd), attr, false);
  }

  sync(dataOnly: boolean): void {
    hostResult(dataOnly ? this.fs.ops.fdatasync(this.fd) : this.fs.ops.fsync(this.fd));
  }

  allocate(mode: number, offset: number, length: number): void {
    if (this.fs.readOnly) throw new KernelError(Errno.EROFS);
    if (!this.writable) throw new KernelError(Errno.EBADF);
    hostResult(this.fs.ops.fallocate(this.fd, mode, offset, length));
  }

  override read(buf: Uint8Array): number {
    this.checkReadable();
    return hostResult(this.fs.ops.read(this.fd, buf));
  }

  override pread(buf: Uint8Array, offset: number): number {
    this.checkReadable();
    if (offset < 0) throw new KernelError(Errno.EINVAL);
    return hostResult(this.fs.ops.pread(this.fd, buf, offset));
  }

  override seek(offset: number, whence: number): number {
    return hostResult(this.fs.ops.lseek(this.fd, offset, whence));
  }

  override ioctl(request: number, arg: Uint8Array): number {
    if (request === FIONREAD && arg.byteLength >= 4) {
      // Linux answers FIONREAD on regular files with the bytes left before the end.
      const pos = hostResult(this.fs.ops.lseek(this.fd, 0, SEEK_CUR));
      const left = Math.max(0, this.stat().size - pos);
      new DataView(arg.buffer, arg.byteOffset, 4).setInt32(0, Math.min(left, 0x7fffffff), true);
      return 0;
    }
    return super.ioctl(request, arg);
  }
}

/**
 * A host directory open for getdents64. Entries are read from the host in batches and
 * re-encoded; those that did not fit in the guest's buffer wait for the next call, so nothing is
 * skipped or repeated however small the buffer. The position (d_off, lseek) is an entry index.
 */
export class HostDirectoryFile extends HostFdFile {
  #pending: DirEntry[] = [];
  #next = 0; // index in #pending of the next entry to hand out
  #pos = 0; // entries handed out since the start
  #eof = false;

  constructor(fs: HostFs, readonly dir: HostDirectory, fd: number, path: string, flags: number) {
    super(fs, fd, path, flags);
  }

  override read(_buf: Uint8Array): number {
    this.checkReadable();
    throw new KernelError(Errno.EISDIR);
  }

  override pread(_buf: Uint8Array, _offset: number): number {
    this.checkReadable();
    throw new KernelError(Errno.EISDIR);
  }

  /** Make sure an entry is pending unless the directory is exhausted. */
  #fill(): boolean {
    if (this.#next < this.#pending.length) return true;
    if (this.#eof) return false;
    this.#pending = nextHostDirents(this.fs.ops, this.fd);
    this.#next = 0;
    if (this.#pending.length === 0) {
      this.#eof = true;
      return false;
    }
    return this.#pending.length > 0;
  }

  override getdents64(buf: Uint8Array): number {
    let bytes = 0;
    while (this.#fill()) {
      const first = this.#pos - this.#next; // entry index of #pending[0]
      const { bytes: n, count } = fillDirents(buf.subarray(bytes), this.#pending, this.#next, first);
      bytes += n;
      this.#next += count;
      this.#pos += count;
      if (this.#next < this.#pending.length) break; // the buffer is full
    }
    // Entries remain but not even one fits: EINVAL, as Linux.
    if (bytes === 0 && this.#next < this.#pending.length) throw new KernelError(Errno.EINVAL);
    return bytes;
  }

  override seek(offset: number, whence: number): number {
    const target = directorySeek(this.#pos, offset, whence);
    if (target < this.#pos) this.#rewind();
    while (this.#pos < target && this.#fill()) {
      this.#next++;
      this.#pos++;
    }
    this.#pos = target; // past the end stays past the end, as ext4's hash positions do
    return target;
  }

  #rewind(): void {
    hostResult(this.fs.ops.lseek(this.fd, 0, SEEK_SET));
    this.#pending = [];
    this.#next = 0;
    this.#pos = 0;
    this.#eof = false;
  }
}
