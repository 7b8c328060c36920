/**
 * tmpfs: an in-memory file system whose file data live in pmem, one VMO per regular file.
 *
 * @module
 */
import { Vmo, ZxError, pageRoundUp, ZxStatus, type MemoryAccount, type PmemAllocator } from '@rvisor/zircon-object';
import { timespecNow } from '../abi/codec.js';
import {
  F_SEAL_EXEC, F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE, O_APPEND, O_TRUNC,
} from '../abi/fcntl.js';
import { makedev, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, S_IFMT, S_IFSOCK, S_ISGID } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { DirectoryFile } from './directory-file.js';
import { FifoState } from './fifo.js';
import { FileType } from './file-type.js';
import {
  INodeBase, RENAME_EXCHANGE, RENAME_NOREPLACE, applySetAttr, type DirEntry, type FileChanges, type FileSystem, type INode,
  type SetAttr, type StatFs,
} from './inode.js';
import { FileBase, seekPosition, type OpenFile } from './open-file.js';
import { XattrTable } from './xattr.js';
import type { UnixSocket } from './unix-socket.js';

/** statfs(2)'s f_type of a tmpfs. */
export const TMPFS_MAGIC = 0x01021994;

/** The largest file size tmpfs accepts (Linux's MAX_LFS_FILESIZE, capped to what JS counts exactly). */
const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

/** Options of {@link TmpFs}. */
export interface TmpFsOptions {
  /** Where file data are allocated. */
  allocator: PmemAllocator;
  /** The memory account file data are charged to (the container's). */
  account?: MemoryAccount;
  /** st_dev of its files. */
  dev?: bigint;
  /** Permission bits of the root directory (default 01777, as a fresh tmpfs). */
  rootMode?: number;
}

let nextTmpfsMinor = 40;

/**
 * An in-memory file system: directories, regular files (data in pmem VMOs, charged to the
 * container's memory account) and symlinks. Everything goes with it when it is unmounted.
 */
export class TmpFs implements FileSystem {
  readonly type = 'tmpfs';
  readonly readOnly = false;
  readonly dev: bigint;
  readonly root: TmpDir;
  readonly allocator: PmemAllocator;
  readonly account: MemoryAccount | undefined;
  #nextIno = 1n;

  constructor(options: TmpFsOptions) {
    this.allocator = options.allocator;
    this.account = options.account;
    this.dev = options.dev ?? makedev(0, nextTmpfsMinor++);
    this.root = new TmpDir(this, null, (options.rootMode ?? 0o1777) & 0o7777);
  }

  /** @internal A fresh inode number. */
  allocateIno(): bigint {
    return this.#nextIno++;
  }

  /** Total bytes of file data held (for statfs). */
  get bytesUsed(): number {
    let total = 0;
    const walk = (dir: TmpDir): void => {
      for (const child of dir.children.values()) {
        if (child instanceof TmpDir) walk(child);
        else if (child instanceof TmpFile) total += child.capacity;
      }
    };
    walk(this.root);
    return total;
  }

  statfs(): StatFs {
    const used = BigInt(Math.ceil(this.bytesUsed / 4096));
    const limit = this.account?.limit ?? Infinity;
    const total = Number.isFinite(limit) ? BigInt(Math.floor(limit / 4096)) : BigInt(Math.floor(this.allocator.pmem.size / 4096));
    const free = total > used ? total - used : 0n;
    return {
      type: TMPFS_MAGIC, bsize: 4096, blocks: total, bfree: free, bavail: free,
      files: total, ffree: total - (this.#nextIno - 1n > total ? total : this.#nextIno - 1n),
      fsid: [0, 0], namelen: 255, frsize: 4096, flags: 0,
    };
  }

  release(): void {
    const walk = (dir: TmpDir): void => {
      for (const child of dir.children.values()) {
        if (child instanceof TmpDir) walk(child);
        else if (child instanceof TmpFile) child.dropLink();
      }
      dir.children.clear();
    };
    walk(this.root);
  }
}

/** Base of tmpfs inodes: mode, owner and times, kept in memory. */
abstract class TmpInode extends INodeBase {
  readonly ino: bigint;
  mode: number;
  uid = 0;
  gid = 0;
  nlink = 1;
  atime = timespecNow();
  mtime = this.atime;
  ctime = this.atime;

  constructor(readonly fs: TmpFs, mode: number) {
    super();
    this.ino = fs.allocateIno();
    this.mode = mode;
  }

  override stat(): Stat {
    const size = this.size();
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: this.nlink, uid: this.uid, gid: this.gid,
      rdev: 0n, size, blksize: 4096, blocks: this.blocks(),
      atime: this.atime, mtime: this.mtime, ctime: this.ctime,
    };
  }

  protected size(): number {
    return 0;
  }

  protected blocks(): number {
    return 0;
  }

  /** chmod, chown, truncate and utimensat (the VFS has checked the file type for truncate). */
  setAttr(attr: SetAttr): void {
    if (attr.size !== undefined) this.resizeTo(attr.size);
    applySetAttr(this, attr);
  }

  /** truncate(2): only regular files have a size to change. */
  protected resizeTo(_size: number): void {
    throw new KernelError(this.type === FileType.Directory ? Errno.EISDIR : Errno.EINVAL);
  }

  /** Mark a content change. */
  touch(): void {
    this.mtime = this.ctime = timespecNow();
  }

  #xattrs: XattrTable | undefined;

  getXattr(name: string): Uint8Array {
    if (this.#xattrs === undefined) throw new KernelError(Errno.ENODATA);
    return this.#xattrs.get(name);
  }

  setXattr(name: string, value: Uint8Array, flags: number): void {
    (this.#xattrs ??= new XattrTable()).set(name, value, flags);
    this.ctime = timespecNow();
  }

  removeXattr(name: string): void {
    if (this.#xattrs === undefined) throw new KernelError(Errno.ENODATA);
    this.#xattrs.remove(name);
    this.ctime = timespecNow();
  }

  listXattrs(): string[] {
    return this.#xattrs?.names() ?? [];
  }
}

/** A tmpfs directory. Entries keep their insertion order, as readdir lists them. */
export class TmpDir extends TmpInode {
  override readonly type = FileType.Directory;
  /** @internal */
  readonly children = new Map<string, TmpInode>();
  parent: TmpDir | null;

  constructor(fs: TmpFs, parent: TmpDir | null, mode: number) {
    super(fs, S_IFDIR | (mode & 0o7777));
    this.parent = parent;
    this.nlink = 2;
  }

  protected override size(): number {
    return 40 + this.children.size * 20; // a size like Linux's tmpfs reports: grows with entries
  }

  override lookup(name: string): INode {
    const child = this.children.get(name);
    if (child === undefined) throw new KernelError(Errno.ENOENT);
    return child;
  }

  find(name: string): INode | undefined {
    return this.children.get(name);
  }

  override readdir(): DirEntry[] {
    const entries: DirEntry[] = [
      { name: '.', ino: this.ino, type: FileType.Directory },
      { name: '..', ino: (this.parent ?? this).ino, type: FileType.Directory },
    ];
    for (const [name, child] of this.children) entries.push({ name, ino: child.ino, type: child.type });
    return entries;
  }

  override open(flags: number, path: string): OpenFile {
    return new DirectoryFile(path, flags, this);
  }

  #checkFree(name: string): void {
    if (this.children.has(name)) throw new KernelError(Errno.EEXIST);
  }

  #added(name: string, child: TmpInode): void {
    this.children.set(name, child);
    if (child instanceof TmpDir) this.nlink++;
    this.touch();
  }

  /** Create a regular file `name` and open it (O_CREAT); EEXIST if taken. */
  create(name: string, mode: number, flags: number, path: string): { inode: INode; file: OpenFile } {
    this.#checkFree(name);
    const inode = this.#new(new TmpFile(this.fs, mode));
    this.#added(name, inode);
    return { inode, file: inode.open(flags, path) };
  }

  /**
   * A new inode's group, as Linux's inode_init_owner gives it: a set-group-ID directory's group,
   * and that bit too for a new directory. (Its user, the creator's, is the VFS's to set.)
   */
  #new<T extends TmpInode>(child: T): T {
    if ((this.mode & S_ISGID) !== 0) {
      child.gid = this.gid;
      if (child instanceof TmpDir) child.mode |= S_ISGID;
    }
    return child;
  }

  /** mknod(2) of a FIFO (S_IFIFO) or a regular file; other types are the caller's to refuse. */
  mknod(name: string, mode: number): INode {
    this.#checkFree(name);
    const node = this.#new((mode & S_IFMT) === S_IFIFO ? new TmpFifo(this.fs, mode) : new TmpFile(this.fs, mode));
    this.#added(name, node);
    return node;
  }

  /** bind(2) of an AF_UNIX socket: a socket file `name` naming it (none: mknod's socket file). */
  bindSocket(name: string, socket: UnixSocket | undefined, mode: number): INode {
    this.#checkFree(name);
    const node = this.#new(new TmpSocket(this.fs, mode, socket));
    this.#added(name, node);
    return node;
  }

  /** mkdir(2). */
  mkdir(name: string, mode: number): { inode: INode } {
    this.#checkFree(name);
    const dir = this.#new(new TmpDir(this.fs, this, mode));
    this.#added(name, dir);
    return { inode: dir };
  }

  /** symlink(2). */
  symlink(name: string, target: string): INode {
    this.#checkFree(name);
    const link = this.#new(new TmpSymlink(this.fs, target));
    this.#added(name, link);
    return link;
  }

  /** link(2): a new name for `target`, which must be a non-directory of this file system. */
  link(name: string, target: INode): void {
    if (!(target instanceof TmpInode) || target.fs !== this.fs) throw new KernelError(Errno.EXDEV);
    if (target instanceof TmpDir) throw new KernelError(Errno.EPERM);
    this.#checkFree(name);
    target.nlink++;
    target.ctime = timespecNow();
    this.#added(name, target);
  }

  /** unlink(2): EISDIR for a directory (as Linux's unlink on a directory). */
  unlink(name: string): void {
    const child = this.lookup(name) as TmpInode;
    if (child instanceof TmpDir) throw new KernelError(Errno.EISDIR);
    this.children.delete(name);
    this.touch();
    child.ctime = timespecNow();
    if (--child.nlink === 0 && child instanceof TmpFile) child.dropLink();
  }

  /** rmdir(2): ENOTDIR for a non-directory, ENOTEMPTY unless empty. */
  rmdir(name: string): void {
    const child = this.lookup(name) as TmpInode;
    if (!(child instanceof TmpDir)) throw new KernelError(Errno.ENOTDIR);
    if (child.children.size > 0) throw new KernelError(Errno.ENOTEMPTY);
    this.children.delete(name);
    this.nlink--;
    child.nlink = 0;
    this.touch();
  }

  /**
   * rename(2) of `name` here to `newName` in `newDir` (same file system, else EXDEV), replacing a
   * compatible target as Linux does (EISDIR/ENOTDIR/ENOTEMPTY otherwise; EINVAL when a directory
   * would move into itself). `flags`: RENAME_NOREPLACE (EEXIST if the target exists) or
   * RENAME_EXCHANGE (swap the two names; ENOENT if the target is missing).
   */
  rename(name: string, newDir: INode, newName: string, flags = 0): void {
    if (!(newDir instanceof TmpDir) || newDir.fs !== this.fs) throw new KernelError(Errno.EXDEV);
    const child = this.lookup(name) as TmpInode;
    const existing = newDir.children.get(newName);
    for (const moving of (flags & RENAME_EXCHANGE) !== 0 ? [child, existing] : [child]) {
      if (!(moving instanceof TmpDir)) continue;
      const into = moving === child ? newDir : this;
      for (let d: TmpDir | null = into; d !== null; d = d.parent) {
        if (d === moving) throw new KernelError(Errno.EINVAL);
      }
    }
    if ((flags & RENAME_EXCHANGE) !== 0) {
      if (existing === undefined) throw new KernelError(Errno.ENOENT);
      this.#exchange(name, newDir, newName, child, existing);
      return;
    }
    if (existing !== undefined && (flags & RENAME_NOREPLACE) !== 0) throw new KernelError(Errno.EEXIST);
    if (existing === child) return;
    if (existing !== undefined) {
      if (child instanceof TmpDir) {
        if (!(existing instanceof TmpDir)) throw new KernelError(Errno.ENOTDIR);
        if (existing.children.size > 0) throw new KernelError(Errno.ENOTEMPTY);
        newDir.rmdir(newName);
      } else {
        if (existing instanceof TmpDir) throw new KernelError(Errno.EISDIR);
        newDir.unlink(newName);
      }
    }
    this.children.delete(name);
    if (child instanceof TmpDir) {
      this.nlink--;
      child.parent = newDir;
    }
    this.touch();
    newDir.#added(newName, child);
    child.ctime = timespecNow();
  }

  #exchange(name: string, newDir: TmpDir, newName: string, a: TmpInode, b: TmpInode): void {
    this.children.set(name, b);
    newDir.children.set(newName, a);
    if (this !== newDir) {
      // A directory changing parents moves one link ('..') between them.
      const delta = (a instanceof TmpDir ? 1 : 0) - (b instanceof TmpDir ? 1 : 0);
      this.nlink -= delta;
      newDir.nlink += delta;
      if (a instanceof TmpDir) a.parent = newDir;
      if (b instanceof TmpDir) b.parent = this;
    }
    this.touch();
    newDir.touch();
    a.ctime = b.ctime = timespecNow();
  }
}

/** A tmpfs symlink. */
export class TmpSymlink extends TmpInode {
  override readonly type = FileType.Symlink;

  constructor(fs: TmpFs, readonly target: string) {
    super(fs, S_IFLNK | 0o777);
  }

  protected override size(): number {
    return this.target.length; // a byte string: one char per byte
  }

  override readlink(): string {
    return this.target;
  }

  override open(_flags: number, _path: string): OpenFile {
    throw new KernelError(Errno.ELOOP); // the VFS follows links before opening
  }
}

/** Run a VMO operation, answering ENOSPC when the container's memory is used up (as tmpfs). */
const FALLOC_FL_KEEP_SIZE = 0x01;
const FALLOC_FL_PUNCH_HOLE = 0x02;

function withSpace<T>(op: () => T): T {
  try {
    return op();
  } catch (err) {
    if (err instanceof ZxError && err.status === ZxStatus.ERR_NO_MEMORY) throw new KernelError(Errno.ENOSPC);
    throw err;
  }
}

/** A tmpfs FIFO: its opens share one pipe. */
export class TmpFifo extends TmpInode {
  override readonly type = FileType.Fifo;
  readonly #fifo = new FifoState();

  constructor(fs: TmpFs, mode: number) {
    super(fs, S_IFIFO | (mode & 0o7777));
  }

  override open(flags: number, path: string): OpenFile {
    return this.#fifo.open(flags, path, () => this.stat());
  }
}

/** A tmpfs socket file: what connect(2) on its path reaches. It cannot be opened (ENXIO). */
export class TmpSocket extends TmpInode {
  override readonly type = FileType.Socket;

  constructor(fs: TmpFs, mode: number, readonly socket: UnixSocket | undefined) {
    super(fs, S_IFSOCK | (mode & 0o7777));
  }

  override open(_flags: number, _path: string): OpenFile {
    throw new KernelError(Errno.ENXIO);
  }
}

/**
 * A tmpfs regular file: `size` bytes held in a VMO (created on first write, grown by whole
 * pages). Its data stay while a name or an open file refers to it.
 */
export class TmpFile extends TmpInode {
  override readonly type = FileType.Regular;
  #vmo: Vmo | null = null;
  #size = 0;
  #openCount = 0;
  /**
   * Its seals (F_SEAL_*, fcntl F_ADD_SEALS): F_SEAL_SEAL, so none can be added, unless it is a
   * memfd made with MFD_ALLOW_SEALING, as Linux's tmpfs files.
   */
  seals = F_SEAL_SEAL;

  constructor(fs: TmpFs, mode: number) {
    super(fs, S_IFREG | (mode & 0o7777));
  }

  protected override size(): number {
    return this.#size;
  }

  protected override blocks(): number {
    return this.capacity / 512;
  }

  /** Bytes of pmem the file holds. */
  get capacity(): number {
    return this.#vmo?.size ?? 0;
  }

  /** The VMO holding its bytes, if it has any (what its shared mappings map). */
  get memory(): Vmo | null {
    return this.#vmo;
  }

  /** chmod and the rest, but the exec bits stay as they are under F_SEAL_EXEC. */
  override setAttr(attr: SetAttr): void {
    if (attr.mode !== undefined && (this.seals & F_SEAL_EXEC) !== 0 && ((attr.mode ^ this.mode) & 0o111) !== 0) {
      throw new KernelError(Errno.EPERM);
    }
    super.setAttr(attr);
  }

  override open(flags: number, path: string): OpenFile {
    const file = new TmpFileHandle(path, flags, this);
    if ((flags & O_TRUNC) !== 0 && file.canWrite) this.truncate(0);
    this.#openCount++;
    return file;
  }

  /** @internal An open file of it was closed. */
  closed(): void {
    this.#openCount--;
    this.#freeIfGone();
  }

  /** @internal Its last name went (or its file system is unmounted). */
  dropLink(): void {
    this.nlink = 0;
    this.#freeIfGone();
  }

  #freeIfGone(): void {
    if (this.nlink === 0 && this.#openCount === 0 && this.#vmo !== null) {
      this.#vmo.close();
      this.#vmo = null;
      this.#size = 0;
    }
  }

  protected override resizeTo(size: number): void {
    this.truncate(size);
  }

  /** truncate(2) / ftruncate(2). */
  truncate(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new KernelError(Errno.EINVAL);
    if (size > MAX_FILE_SIZE) throw new KernelError(Errno.EFBIG);
    if ((size < this.#size && (this.seals & F_SEAL_SHRINK) !== 0) || (size > this.#size && (this.seals & F_SEAL_GROW) !== 0)) {
      throw new KernelError(Errno.EPERM);
    }
    const vmo = this.#vmo;
    if (vmo !== null && size < vmo.size) {
      // The rest of the last page must read as zeros if the file grows again; resize drops the
      // pages after it.
      vmo.zero(size, Math.min(pageRoundUp(size), vmo.size) - size);
      withSpace(() => vmo.resize(size));
    } else if (vmo !== null && size > this.#size && this.#size < vmo.size) {
      // A shared mapping may have written past the end: the file grows by zeros all the same.
      vmo.zero(this.#size, Math.min(size, vmo.size) - this.#size);
    }
    this.#size = size;
    this.touch();
  }

  /** Read up to `buf.length` bytes at `offset`; returns the count (0 at or past the end). */
  readAt(buf: Uint8Array, offset: number): number {
    const n = Math.max(0, Math.min(buf.length, this.#size - offset));
    if (n === 0) return 0;
    const stored = Math.max(0, Math.min(n, (this.#vmo?.size ?? 0) - offset));
    let at = 0;
    if (stored > 0) {
      for (const seg of this.#vmo!.segments(offset, stored)) {
        buf.set(seg, at);
        at += seg.length;
      }
    }
    buf.fill(0, stored, n); // a hole left by truncate(2) growing the file
    this.atime = timespecNow();
    return n;
  }

  /**
   * fallocate(2) as Linux's tmpfs does it: allocate (mode 0, growing the file unless
   * FALLOC_FL_KEEP_SIZE) or punch a hole (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, which then
   * reads zeros); other modes EOPNOTSUPP.
   */
  allocate(mode: number, offset: number, length: number): void {
    const end = offset + length;
    if (!Number.isSafeInteger(end)) throw new KernelError(Errno.EFBIG);
    if (mode === (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
      if ((this.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) !== 0) throw new KernelError(Errno.EPERM);
      const vmo = this.#vmo;
      const to = Math.min(end, vmo?.size ?? 0);
      if (vmo !== null && to > offset) vmo.zero(offset, to - offset);
      this.touch();
      return;
    }
    if (mode !== 0 && mode !== FALLOC_FL_KEEP_SIZE) throw new KernelError(Errno.EOPNOTSUPP);
    if (end > MAX_FILE_SIZE) throw new KernelError(Errno.EFBIG);
    if (end > this.#size && (this.seals & F_SEAL_GROW) !== 0) throw new KernelError(Errno.EPERM);
    withSpace(() => this.#reserve(end));
    if (mode === 0 && end > this.#size) {
      this.#size = end;
      this.touch();
    }
  }

  /**
   * The VMO holding the file's bytes, grown to at least `end` bytes, for a MAP_SHARED mapping:
   * the mapping and read/write then use the same pages, as Linux's page cache. Pages past the
   * file's end read as zeros there (Linux would raise SIGBUS) and are not the file's.
   * ERR_NO_MEMORY (a ZxError) when pmem or the memory limit is exhausted.
   */
  sharedMemory(end: number): Vmo {
    if (!Number.isSafeInteger(end) || end > MAX_FILE_SIZE) throw new KernelError(Errno.EFBIG);
    return this.#reserve(end);
  }

  /** The file's VMO, created or grown to hold at least `end` bytes. */
  #reserve(end: number): Vmo {
    if (this.#vmo === null) {
      this.#vmo = Vmo.create(this.fs.allocator, end, { account: this.fs.account, name: 'tmpfs', origin: { dev: this.fs.dev, ino: this.ino } });
    }
    else if (this.#vmo.size < end) this.#vmo.resize(end);
    return this.#vmo;
  }

  /** Write `buf` at `offset`, growing the file; returns the count. */
  writeAt(buf: Uint8Array, offset: number): number {
    if ((this.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) !== 0) throw new KernelError(Errno.EPERM);
    if (buf.length === 0) return 0;
    const end = offset + buf.length;
    if (!Number.isSafeInteger(end) || end > MAX_FILE_SIZE) throw new KernelError(Errno.EFBIG);
    if (end > this.#size && (this.seals & F_SEAL_GROW) !== 0) throw new KernelError(Errno.EPERM);
    withSpace(() => this.#reserve(end)).write(offset, buf);
    if (end > this.#size) this.#size = end;
    this.touch();
    return buf.length;
  }
}

/** An open tmpfs regular file: a position over {@link TmpFile}. */
export class TmpFileHandle extends FileBase implements FileChanges {
  #pos = 0;
  #closed = false;

  constructor(path: string, flags: number, readonly inode: TmpFile) {
    super(path, flags);
  }

  /** Whether it was opened for writing. */
  get canWrite(): boolean {
    return this.writable;
  }

  override read(buf: Uint8Array): number {
    this.checkReadable();
    const n = this.inode.readAt(buf, this.#pos);
    this.#pos += n;
    return n;
  }

  override write(buf: Uint8Array): number {
    this.checkWritable();
    if ((this.statusFlags & O_APPEND) !== 0) this.#pos = this.inode.stat().size;
    const n = this.inode.writeAt(buf, this.#pos);
    this.#pos += n;
    return n;
  }

  override pread(buf: Uint8Array, offset: number): number {
    this.checkReadable();
    if (offset < 0) throw new KernelError(Errno.EINVAL);
    return this.inode.readAt(buf, offset);
  }

  override pwrite(buf: Uint8Array, offset: number): number {
    this.checkWritable();
    if (offset < 0) throw new KernelError(Errno.EINVAL);
    // Linux's pwrite on an O_APPEND file appends, whatever the offset.
    const at = (this.statusFlags & O_APPEND) !== 0 ? this.inode.stat().size : offset;
    return this.inode.writeAt(buf, at);
  }

  override seek(offset: number, whence: number): number {
    this.#pos = seekPosition(this.#pos, this.inode.stat().size, offset, whence);
    return this.#pos;
  }

  /** fchmod, fchown, futimens and ftruncate (EINVAL unless open for writing, as Linux). */
  setAttr(attr: SetAttr): void {
    if (attr.size !== undefined && !this.writable) throw new KernelError(Errno.EINVAL);
    this.inode.setAttr(attr);
  }

  /** fsync(2): the data are already where they live. */
  sync(_dataOnly: boolean): void {}

  /** fallocate(2) (EBADF unless open for writing). */
  allocate(mode: number, offset: number, length: number): void {
    this.checkWritable();
    this.inode.allocate(mode, offset, length);
  }

  sharedMemory(end: number): Vmo {
    return this.inode.sharedMemory(end);
  }

  get seals(): number {
    return this.inode.seals;
  }

  override stat(): Stat {
    return this.inode.stat();
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.inode.closed();
  }
}
