/**
 * Open files of hostfs, each over a host fd of its own.
 *
 * @module
 */
import {
  AT_EMPTY_PATH, DT_SOCK, Errno, FileBase, KernelError, O_APPEND, SEEK_CUR, SEEK_END, SEEK_SET,
  dirent64RecLen, directorySeek, writeDirent64,
  type FileChanges, type SetAttr, type Stat, type XattrStore,
} from '@rvisor/linux-object';
import type { Vmo } from '@rvisor/zircon-object';
import { fdTarget, setHostAttr } from './host-attrs.js';
import { nextHostDirentRecords } from './host-dirents.js';
import { hostResult } from './host-errors.js';
import { hostStat, identityKey } from './host-stat.js';
import { hostGetXattr, hostListXattrs, hostRemoveXattr, hostSetXattr } from './host-xattrs.js';
import type { HostFs } from './host-fs.js';
import type { PageWriter } from './shared-pages.js';
import type { HostDirectory } from './host-inode.js';

// fallocate(2) modes after which the range reads zeros.
const FALLOC_FL_PUNCH_HOLE = 0x02;
const FALLOC_FL_ZERO_RANGE = 0x10;

/** Base of hostfs open files: owns one host fd, closed exactly once. */
abstract class HostFdFile extends FileBase {
  #closed = false;
  /** The last fstat, and the file system's attrVersion then (kept as the inodes' are: HostFs.attrVersion). */
  #stat: Stat | undefined = undefined;
  #statVersion = -1;

  constructor(
    protected readonly fs: HostFs,
    protected readonly fd: number,
    path: string,
    flags: number,
  ) {
    super(path, flags);
  }

  #xattrs: XattrStore | undefined;

  /** Its file's extended attributes through the host fd, which still reaches it once its name is gone. */
  get xattrs(): XattrStore {
    const { ops } = this.fs;
    const fd = this.fd;
    return (this.#xattrs ??= {
      getXattr: (name) => hostGetXattr(ops, fd, '', name),
      setXattr: (name, value, flags) => hostSetXattr(ops, fd, '', name, value, flags),
      removeXattr: (name) => hostRemoveXattr(ops, fd, '', name),
      listXattrs: () => hostListXattrs(ops, fd, ''),
    });
  }

  /** fstat of the host fd; in an exclusive tree kept until a host call may have changed it. */
  override stat(): Stat {
    const version = this.fs.attrVersion;
    if (version >= 0 && version === this.#statVersion) return this.#stat!;
    return this.keepStat(hostStat(this.fs.ops, this.fd, '', AT_EMPTY_PATH));
  }

  /** @internal `s`, an fstat of the fd just taken, is fstat's answer until the next change. */
  keepStat(s: Stat): Stat {
    this.#stat = s;
    this.#statVersion = this.fs.attrVersion;
    return s;
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.releaseFd();
  }

  /** Give the host fd back: closed here; kept for a later open by a file opened to be. */
  protected releaseFd(): void {
    this.fs.closeFd(this.fd);
  }
}

/** The largest position a seek sets without asking the host (below any file system's limit). */
const SEEK_HERE_MAX = 2 ** 40;

/**
 * A regular file of the host tree. Changes go through its own fd, so they reach the file even
 * once its name is gone.
 */
export class HostRegularFile extends HostFdFile implements FileChanges, PageWriter {
  /** The host file's identity key, read when first asked. */
  #key: string | undefined;
  /** Whether its fd, plain read-only, is kept for the next open of the file once it is closed. */
  readonly #keepFd: boolean;

  /**
   * `identity`: the host file's identity key when the opener knows it. `keepFd`: the fd is plain
   * read-only (IdleReadFds), so it may serve the next open of the file.
   */
  constructor(fs: HostFs, fd: number, path: string, flags: number, identity?: string, keepFd = false) {
    super(fs, fd, path, flags);
    this.#key = identity;
    this.#keepFd = keepFd && identity !== undefined;
  }

  protected override releaseFd(): void {
    if (this.#keepFd) this.fs.closeReadFd(this.#key!, this.fd);
    else super.releaseFd();
  }

  /** The host fd (shared pages write back through it). */
  get hostFd(): number {
    return this.fd;
  }

  get regularHostFd(): number {
    return this.fd;
  }

  /** @internal The host file's identity key (`identityKey`). */
  identityKey(): string {
    if (this.#key === undefined) {
      const s = hostStat(this.fs.ops, this.fd, '', AT_EMPTY_PATH);
      this.#key = identityKey(s.dev, s.ino);
    }
    return this.#key;
  }

  hostSize(): number {
    return this.stat().size;
  }

  /**
   * MAP_SHARED: the file's shared pages, made when the file is open for reading and writing;
   * undefined otherwise, unless a writable mapping made them already.
   */
  sharedMemory(end: number): Vmo | undefined {
    return this.fs.sharePages(this, end, this.writable)?.vmo;
  }

  /**
   * The file position, kept here: the host fd's own is never used, so that a kept fd serves the
   * next open without a seek (IdleReadFds), and a write needs no seek to learn where it went.
   */
  #pos = 0;

  override write(buf: Uint8Array): number {
    this.checkWritable();
    // O_APPEND is kept here, not on the host fd (F_SETFL changes it); the kernel is one thread,
    // so nothing writes between the seek and the write.
    if ((this.statusFlags & O_APPEND) !== 0) this.#pos = hostResult(this.fs.ops.lseek(this.fd, 0, SEEK_END));
    const n = this.#pwrite(buf, this.#pos);
    this.#pos += n;
    return n;
  }

  override pwrite(buf: Uint8Array, offset: number): number {
    this.checkWritable();
    if (offset < 0) throw new KernelError(Errno.EINVAL);
    // Linux's pwrite on an O_APPEND file appends, whatever the offset (and leaves the position).
    if ((this.statusFlags & O_APPEND) !== 0) return this.#pwrite(buf, hostResult(this.fs.ops.lseek(this.fd, 0, SEEK_END)));
    return this.#pwrite(buf, offset);
  }

  #pwrite(buf: Uint8Array, offset: number): number {
    const n = hostResult(this.fs.ops.pwrite(this.fd, buf, offset));
    this.fs.sharedPagesOf(this)?.writeOver(buf.subarray(0, n), offset);
    return n;
  }

  setAttr(attr: SetAttr): void {
    if (this.fs.readOnly) throw new KernelError(Errno.EROFS);
    if (attr.size !== undefined) {
      // ftruncate(2) needs a descriptor open for writing.
      if (!this.writable) throw new KernelError(Errno.EINVAL);
      const pages = this.fs.sharedPagesOf(this);
      const old = pages === undefined ? 0 : this.hostSize();
      hostResult(this.fs.ops.ftruncate(this.fd, attr.size));
      pages?.resized(old, attr.size);
    }
    if (attr.mode !== undefined) hostResult(this.fs.ops.fchmod(this.fd, attr.mode & 0o7777));
    setHostAttr(this.fs.ops, fdTarget(this.fd), attr, false);
  }

  sync(dataOnly: boolean): void {
    this.fs.sharedPagesOf(this)?.writeBack(); // what mappings wrote is the file's first
    hostResult(dataOnly ? this.fs.ops.fdatasync(this.fd) : this.fs.ops.fsync(this.fd));
  }

  allocate(mode: number, offset: number, length: number): void {
    if (this.fs.readOnly) throw new KernelError(Errno.EROFS);
    if (!this.writable) throw new KernelError(Errno.EBADF);
    hostResult(this.fs.ops.fallocate(this.fd, mode, offset, length));
    if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) !== 0) this.fs.sharedPagesOf(this)?.zeroRange(offset, length);
  }

  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.#pos);
    this.#pos += n;
    return n;
  }

  override pread(buf: Uint8Array, offset: number): number {
    this.checkReadable();
    if (offset < 0) throw new KernelError(Errno.EINVAL);
    const n = hostResult(this.fs.ops.pread(this.fd, buf, offset));
    this.fs.sharedPagesOf(this)?.readOver(buf, offset, n);
    return n;
  }

  /**
   * lseek(2): SEEK_SET and SEEK_CUR here, up to 1 TiB; past that, where the host's largest file
   * size decides (ext4's is 16 TiB), and SEEK_END, SEEK_DATA and SEEK_HOLE, the host answers.
   */
  override seek(offset: number, whence: number): number {
    let pos: number;
    if (whence === SEEK_SET) pos = offset;
    else if (whence === SEEK_CUR) pos = this.#pos + offset;
    else return (this.#pos = hostResult(this.fs.ops.lseek(this.fd, offset, whence)));
    if (pos < 0) throw new KernelError(Errno.EINVAL);
    if (pos > SEEK_HERE_MAX) pos = hostResult(this.fs.ops.lseek(this.fd, pos, SEEK_SET));
    return (this.#pos = pos);
  }
}

/**
 * A host directory open for getdents64. The host's records are handed on as they are, but for
 * d_off: the position (d_off, lseek) is an entry index, since the host's are 63-bit hash cookies
 * that a JavaScript number cannot carry exactly. Records that did not fit in the guest's buffer
 * are held for the next call, so nothing is skipped or repeated however small the buffer.
 */
export class HostDirectoryFile extends HostFdFile {
  /** Records read from the host and not handed out yet (a copy: the read buffer is shared). */
  #held: Uint8Array | null = null;
  #pos = 0; // entries handed out or skipped since the start
  /** The host's records are all read; the directory's bound sockets come after them, once. */
  #hostDone = false;
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

  /**
   * Records to hand out next: held ones, else the host's next batch, then the sockets bound in
   * the directory (which the host has no file for); empty at the end.
   */
  #records(): Uint8Array {
    if (this.#held !== null) return this.#held;
    if (this.#eof) return EMPTY;
    if (!this.#hostDone) {
      const batch = nextHostDirentRecords(this.fs.ops, this.fd);
      if (batch.length > 0) return batch;
      this.#hostDone = true;
    }
    this.#eof = true;
    return this.#socketRecords();
  }

  /** The directory's bound sockets as linux_dirent64 records (d_off is set as they are handed out). */
  #socketRecords(): Uint8Array {
    const sockets = this.dir.boundSockets();
    if (sockets.length === 0) return EMPTY;
    const out = new Uint8Array(sockets.reduce((n, [name]) => n + dirent64RecLen(name.length), 0));
    let at = 0;
    for (const [name, file] of sockets) at += writeDirent64(out, at, { ino: file.ino, off: 0n, type: DT_SOCK, name });
    return out;
  }

  /** Keep `records[from..]` for the next call (or nothing, if all were used). */
  #hold(records: Uint8Array, from: number): void {
    if (from >= records.length) this.#held = null;
    else this.#held = records === this.#held ? records.subarray(from) : records.slice(from);
  }

  override getdents64(buf: Uint8Array): number {
    let bytes = 0;
    for (;;) {
      const records = this.#records();
      if (records.length === 0) break;
      let used = 0;
      while (used < records.length) {
        const reclen = recordLength(records, used);
        if (bytes + reclen > buf.length) break;
        buf.set(records.subarray(used, used + reclen), bytes);
        this.#pos++;
        setOffset(buf, bytes + 8, this.#pos);
        bytes += reclen;
        used += reclen;
      }
      this.#hold(records, used);
      if (this.#held !== null) break; // the buffer is full
    }
    // Entries remain but not even one fits: EINVAL, as Linux.
    if (bytes === 0 && this.#held !== null) throw new KernelError(Errno.EINVAL);
    return bytes;
  }

  override seek(offset: number, whence: number): number {
    const target = directorySeek(this.#pos, offset, whence);
    if (target < this.#pos) this.#rewind();
    while (this.#pos < target) {
      const records = this.#records();
      if (records.length === 0) break;
      let used = 0;
      while (used < records.length && this.#pos < target) {
        used += recordLength(records, used);
        this.#pos++;
      }
      this.#hold(records, used);
    }
    this.#pos = target; // past the end stays past the end, as ext4's hash positions do
    return target;
  }

  #rewind(): void {
    hostResult(this.fs.ops.lseek(this.fd, 0, SEEK_SET));
    this.#held = null;
    this.#pos = 0;
    this.#hostDone = false;
    this.#eof = false;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * d_reclen of the record at `at`: at least a whole header, and never past the batch (so a bad
 * one from the host ends the batch rather than loop).
 */
function recordLength(records: Uint8Array, at: number): number {
  const reclen = records[at + 16]! | (records[at + 17]! << 8);
  return reclen < 20 ? records.length - at : Math.min(reclen, records.length - at);
}

/** Write position `pos` as a record's d_off (little-endian s64) at `at` of `buf`. */
function setOffset(buf: Uint8Array, at: number, pos: number): void {
  for (let i = 0; i < 8; i++) {
    buf[at + i] = pos % 256;
    pos = Math.floor(pos / 256);
  }
}
