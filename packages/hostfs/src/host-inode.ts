/**
 * Inodes of a host directory tree. Each names its file as (parent directory, one name) and reaches
 * it only through fd-relative host calls on the parent's fd, never through a host path.
 *
 * @module
 */
import {
  AT_EMPTY_PATH, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, Errno, FileType, KernelError, NAME_MAX,
  O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_DSYNC, O_EXCL, O_NOCTTY, O_NOFOLLOW,
  O_NONBLOCK, O_RDONLY, O_SYNC, O_TMPFILE, O_TRUNC, O_WRONLY, PATH_MAX, RENAME_EXCHANGE, S_IFIFO, S_IFMT, S_ISGID,
  INodeBase, bytesToString, fileTypeOfMode, unnamedPath,
  type DirEntry, type INode, type OpenFile, type SetAttr, type Stat, type UnixSocket,
} from '@rvisor/linux-object';
import { setHostAttr } from './host-attrs.js';
import { nextHostDirents } from './host-dirents.js';
import { hostResult } from './host-errors.js';
import { HostDirectoryFile, HostRegularFile } from './host-files.js';
import { hostStat, identityKey, tryHostIdentity, tryHostStat, type HostIdentity } from './host-stat.js';
import type { HostFs } from './host-fs.js';
import { hostGetXattr, hostListXattrs, hostRemoveXattr, hostSetXattr } from './host-xattrs.js';
import { HostSocketFile } from './socket-names.js';

/** Where readlink's host call writes (calls are synchronous, so one buffer serves them all). */
const linkScratch = new Uint8Array(PATH_MAX);


/**
 * The host open(2) flags of a guest open of a regular file with `flags`: its access mode and sync
 * flags only. O_APPEND is the open file's (F_SETFL may change it), so the host fd never has it.
 * O_NONBLOCK: should the name have become a FIFO since the lookup, the open must not block.
 */
function hostOpenFlags(flags: number): number {
  return (flags & (O_ACCMODE | O_SYNC | O_DSYNC)) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
}

/** The host flags of a plain read-only open, whose fd may serve the next one. */
const PLAIN_READ = hostOpenFlags(O_RDONLY);

/** Throws unless `name` is one plain component: the host must never see '/', '.' or '..'. */
function checkName(name: string): void {
  if (name.length === 0) throw new KernelError(Errno.ENOENT);
  if (name.includes('/') || name === '.' || name === '..' || name.includes('\0')) {
    throw new KernelError(Errno.EINVAL, `not a single path component: ${JSON.stringify(name)}`);
  }
  if (name.length > NAME_MAX) { // a byte string: one char per byte
    throw new KernelError(Errno.ENAMETOOLONG);
  }
}

/** What every host inode has: its file system, its identity and type. */
export abstract class HostInode extends INodeBase {
  constructor(
    readonly fs: HostFs,
    readonly dev: bigint,
    readonly ino: bigint,
    readonly type: FileType,
  ) {
    super();
  }

  /** Throws EROFS if the file system is read-only. */
  protected checkWritableFs(): void {
    if (this.fs.readOnly) throw new KernelError(Errno.EROFS);
  }

  /** The last stat, and the file system's attrVersion when it was taken (see HostFs.attrVersion). */
  #stat: Stat | undefined = undefined;
  #statVersion = -1;

  /** The stat kept from before, if no host call since may have changed it (exclusive trees only). */
  protected keptStat(): Stat | undefined {
    const version = this.fs.attrVersion;
    return version >= 0 && version === this.#statVersion ? this.#stat : undefined;
  }

  /** Keep `s` until the next host call that may change attributes. */
  protected keep(s: Stat): Stat {
    this.#stat = s;
    this.#statVersion = this.fs.attrVersion;
    return s;
  }

  #identity: string | undefined;

  /** This file's identity key on the host (see {@link identityKey}), computed once. */
  get identity(): string {
    return (this.#identity ??= identityKey(this.dev, this.ino));
  }

  /** The directory fd through which host calls reach this file's own attributes. */
  protected abstract ownDirFd(): number;
  /** This file's name in {@link ownDirFd}; '' for that directory itself. */
  protected abstract get ownName(): string;

  getXattr(name: string): Uint8Array {
    return hostGetXattr(this.fs.ops, this.ownDirFd(), this.ownName, name);
  }

  setXattr(name: string, value: Uint8Array, flags: number): void {
    this.checkWritableFs();
    hostSetXattr(this.fs.ops, this.ownDirFd(), this.ownName, name, value, flags);
  }

  removeXattr(name: string): void {
    this.checkWritableFs();
    hostRemoveXattr(this.fs.ops, this.ownDirFd(), this.ownName, name);
  }

  listXattrs(): string[] {
    return hostListXattrs(this.fs.ops, this.ownDirFd(), this.ownName);
  }

  /** Throws ESTALE if `s` is not this inode's file any more (it was replaced on the host). */
  protected checkSame(s: Stat): Stat {
    if (s.ino !== this.ino || s.dev !== this.dev || fileTypeOfMode(s.mode) !== this.type) {
      throw new KernelError(Errno.ESTALE);
    }
    return s;
  }
}

/**
 * A host directory. Its O_PATH fd is opened on demand (relative to the parent's fd, with
 * O_NOFOLLOW) and kept in the file system's bounded fd cache; the root's fd is held for good.
 */
export class HostDirectory extends HostInode {
  constructor(
    fs: HostFs,
    dev: bigint,
    ino: bigint,
    /** The directory it was found in and its name there (null for the root). */
    readonly parent: { dir: HostDirectory; name: string } | null,
  ) {
    super(fs, dev, ino, FileType.Directory);
  }

  /** An O_PATH fd of this directory, valid until the next host call that may open a directory. */
  fd(): number {
    return this.fs.directoryFd(this);
  }

  protected ownDirFd(): number {
    return this.fd();
  }

  protected get ownName(): string {
    return '';
  }


  override stat(): Stat {
    return this.keptStat() ?? this.keep(this.#readStat());
  }

  /**
   * By name in the parent while that still names this directory, so that no fd of it is opened
   * just to stat it (rmdir in a sticky /tmp stats its victim first, and closing the last fd of a
   * removed directory costs the host more than the rmdir). After a rename, through its own fd.
   */
  #readStat(): Stat {
    const p = this.parent;
    if (p !== null) {
      try {
        const s = tryHostStat(this.fs.ops, p.dir.fd(), p.name, AT_SYMLINK_NOFOLLOW);
        if (s !== undefined && s.ino === this.ino && s.dev === this.dev) return s;
      } catch {
        // the parent moved or went away: ask the directory itself
      }
    }
    return this.checkSame(hostStat(this.fs.ops, this.fd(), '', AT_EMPTY_PATH));
  }

  /** This directory's key in the file system's table of socket files. */
  get #key(): string {
    return this.identity;
  }

  override lookup(name: string): INode {
    const found = this.find(name);
    if (found === undefined) throw new KernelError(Errno.ENOENT);
    return found;
  }

  find(name: string): INode | undefined {
    checkName(name);
    const socket = this.fs.socketNames.get(this.#key, name);
    if (socket !== undefined) return socket;
    const cached = this.fs.cachedLookup(this.#key, name);
    if (cached !== undefined) return cached ?? undefined; // null: known not to exist
    const s = tryHostIdentity(this.fs.ops, this.fd(), name, AT_SYMLINK_NOFOLLOW);
    if (s === -Errno.ENOENT) {
      this.#absent(name);
      return undefined;
    }
    if (typeof s === 'number') throw new KernelError(-s as Errno);
    return this.#remember(name, this.#child(name, s));
  }

  /** A lookup and the child's stat from one host fstatat (the VFS's stat of a path). */
  lookupStat(name: string): { inode: INode; stat: Stat } {
    checkName(name);
    const socket = this.fs.socketNames.get(this.#key, name);
    if (socket !== undefined) return { inode: socket, stat: socket.stat() };
    const cached = this.#cached(name);
    if (cached !== undefined) {
      try {
        return { inode: cached, stat: cached.stat() };
      } catch {
        this.#forget(name); // changed behind our back after all: look again
      }
    }
    const s = this.#absentIfMissing(name, () => this.#childStat(name));
    return { inode: this.#remember(name, this.#child(name, s)), stat: s };
  }

  // ---- cached lookups (exclusive file systems, kept by HostFs) ------------------------------

  /** The cached child `name` (ENOENT if it is known not to exist), or undefined. */
  #cached(name: string): HostInode | undefined {
    const found = this.fs.cachedLookup(this.#key, name);
    if (found === null) throw new KernelError(Errno.ENOENT);
    return found;
  }

  #remember(name: string, child: HostInode): HostInode {
    this.fs.cacheLookup(this.#key, name, child);
    return child;
  }

  /** `ask()`, remembering an ENOENT from the host as the name's absence. */
  #absentIfMissing<T>(name: string, ask: () => T): T {
    try {
      return ask();
    } catch (e) {
      if (e instanceof KernelError && e.errno === Errno.ENOENT) this.#absent(name);
      throw e;
    }
  }

  /** Remember that `name` does not exist (the host said so, or this file system removed it). */
  #absent(name: string): void {
    this.fs.cacheLookup(this.#key, name, null);
  }

  /** Drop the cached lookup of `name`: this directory is about to change what it names. */
  #forget(name: string): void {
    this.fs.forgetLookup(this.#key, name);
  }

  /** The stat of child `name` (not following a symlink). */
  #childStat(name: string): Stat {
    return hostStat(this.fs.ops, this.fd(), name, AT_SYMLINK_NOFOLLOW);
  }

  /** The inode of child `name` as `s` describes it. */
  #child(name: string, s: HostIdentity): HostInode {
    const type = fileTypeOfMode(s.mode);
    if (type === FileType.Directory) return new HostDirectory(this.fs, s.dev, s.ino, { dir: this, name });
    return new HostLeaf(this.fs, s.dev, s.ino, type, this, name);
  }

  /**
   * One open(O_CREAT | O_EXCL) on the host with the guest's access mode, whose fd the open file
   * keeps; then the exact mode: the host's umask must not change what the guest asked for (the
   * guest's umask is applied already).
   */
  create(name: string, mode: number, flags: number, path: string): { inode: INode; file: OpenFile; stat: Stat } {
    checkName(name);
    this.checkWritableFs();
    this.#forget(name);
    const perm = mode & 0o7777;
    const fd = hostResult(this.fs.ops.openat(this.fd(), name, O_CREAT | O_EXCL | hostOpenFlags(flags), perm));
    this.fs.fdOpened();
    try {
      let stat = hostStat(this.fs.ops, fd, '', AT_EMPTY_PATH);
      const file = new HostRegularFile(this.fs, fd, path, flags);
      if ((stat.mode & 0o7777) !== perm) {
        hostResult(this.fs.ops.fchmod(fd, perm));
        stat = { ...stat, mode: (stat.mode & ~0o7777) | perm };
      } else {
        file.keepStat(stat); // the guest's fstat next, as fopen's, needs no host call
      }
      const inode = this.#remember(name, this.#child(name, stat));
      return { inode, file, stat };
    } catch (e) {
      this.fs.closeFd(fd);
      throw e;
    }
  }

  mkdir(name: string, mode: number): { inode: INode; stat: Stat } {
    checkName(name);
    this.checkWritableFs();
    this.#forget(name);
    const perm = mode & 0o1777; // mkdir keeps the permission bits and the sticky bit
    hostResult(this.fs.ops.mkdirat(this.fd(), name, perm));
    let s = this.#childStat(name);
    // S_ISGID is the host's, inherited from a set-group-ID parent as Linux does: kept.
    if ((s.mode & 0o1777) !== perm) {
      hostResult(this.fs.ops.fchmodat(this.fd(), name, perm | (s.mode & S_ISGID), AT_SYMLINK_NOFOLLOW));
      s = this.#childStat(name);
    }
    return { inode: this.#remember(name, this.#child(name, s)), stat: s };
  }

  /**
   * mknod(2) of a FIFO: a real FIFO node on the host, with the exact mode asked for. Other types
   * (devices, sockets) are refused with EPERM: a container may not make them.
   */
  mknod(name: string, mode: number): INode {
    checkName(name);
    this.checkWritableFs();
    this.#forget(name);
    if ((mode & S_IFMT) !== S_IFIFO) throw new KernelError(Errno.EPERM);
    const perm = mode & 0o7777;
    hostResult(this.fs.ops.mknodat(this.fd(), name, S_IFIFO | perm, 0));
    let s = this.#childStat(name);
    if ((s.mode & 0o7777) !== perm) {
      hostResult(this.fs.ops.fchmodat(this.fd(), name, perm, AT_SYMLINK_NOFOLLOW));
      s = this.#childStat(name);
    }
    return this.#child(name, s);
  }

  /**
   * O_TMPFILE here: the host's own unnamed file in this directory (EOPNOTSUPP where the host file
   * system has none), with the exact mode asked for.
   */
  openUnnamed(flags: number, mode: number, path: string): OpenFile {
    this.checkWritableFs();
    const hostFlags = O_TMPFILE | (flags & (O_ACCMODE | O_SYNC | O_DSYNC)) | O_CLOEXEC | O_NOCTTY;
    const fd = hostResult(this.fs.ops.openat(this.fd(), '.', hostFlags, mode & 0o7777));
    this.fs.fdOpened();
    const r = this.fs.ops.fchmod(fd, mode & 0o7777);
    if (r < 0) {
      this.fs.closeFd(fd);
      hostResult(r);
    }
    // Named as Linux names it: '#<inode>' in this directory, deleted.
    return new HostRegularFile(this.fs, fd, unnamedPath(path, hostStat(this.fs.ops, fd, '', AT_EMPTY_PATH).ino), flags);
  }

  /**
   * bind(2) of an AF_UNIX socket here: a socket file the kernel keeps (no host file is made).
   * EEXIST if the name is taken on the host or by another socket file.
   */
  bindSocket(name: string, socket: UnixSocket | undefined, mode: number): INode {
    checkName(name);
    this.checkWritableFs();
    this.#forget(name);
    if (this.fs.socketNames.get(this.#key, name) !== undefined) throw new KernelError(Errno.EEXIST);
    try {
      this.#childStat(name);
      throw new KernelError(Errno.EEXIST);
    } catch (e) {
      if (!(e instanceof KernelError && e.errno === Errno.ENOENT)) throw e;
    }
    const file = new HostSocketFile(this.fs, this.dev, mode, socket);
    this.fs.socketNames.add(this.#key, name, file);
    return file;
  }

  unlink(name: string): void {
    checkName(name);
    this.checkWritableFs();
    const known = this.fs.cachedLookup(this.#key, name);
    this.#forget(name);
    if (this.fs.socketNames.remove(this.#key, name)) return;
    // Which file goes, so that no fd of it stays kept (and its blocks allocated).
    const gone = !this.fs.keepsReadFds ? undefined : known ? known.identity : this.#identityOf(name);
    hostResult(this.fs.ops.unlinkat(this.fd(), name, 0));
    this.#absent(name);
    if (gone !== undefined) this.fs.fileNameGone(gone);
  }

  /** The identity key of the file `name` names now; undefined if the host cannot say. */
  #identityOf(name: string): string | undefined {
    const s = tryHostIdentity(this.fs.ops, this.fd(), name, AT_SYMLINK_NOFOLLOW);
    return typeof s === 'number' ? undefined : identityKey(s.dev, s.ino);
  }

  rmdir(name: string): void {
    checkName(name);
    this.checkWritableFs();
    if (this.fs.socketNames.get(this.#key, name) !== undefined) throw new KernelError(Errno.ENOTDIR);
    // An exclusive tree's cached child is what the name holds; otherwise ask the host.
    const child = this.#cached(name) ?? this.#child(name, this.#childStat(name));
    if (child.type !== FileType.Directory) throw new KernelError(Errno.ENOTDIR);
    // Socket files the host does not see still make the directory non-empty.
    const key = identityKey(child.dev, child.ino);
    if (this.fs.socketNames.has(key)) throw new KernelError(Errno.ENOTEMPTY);
    this.#forget(name);
    hostResult(this.fs.ops.unlinkat(this.fd(), name, AT_REMOVEDIR));
    this.#absent(name);
    this.fs.directoryRemoved(key);
  }

  rename(name: string, newDir: INode, newName: string, flags: number): void {
    checkName(name);
    checkName(newName);
    this.checkWritableFs();
    if (!(newDir instanceof HostDirectory) || newDir.fs !== this.fs) throw new KernelError(Errno.EXDEV);
    this.#forget(name);
    newDir.#forget(newName);
    const moving = this.#childStat(name);
    let replaced: Stat | undefined;
    try {
      replaced = newDir.#childStat(newName);
    } catch (e) {
      if (!(e instanceof KernelError && e.errno === Errno.ENOENT)) throw e;
    }
    this.fs.withDirFds(this, newDir, (from, to) => {
      hostResult(this.fs.ops.renameat2(from, name, to, newName, flags));
    });
    const isDir = (s: Stat) => fileTypeOfMode(s.mode) === FileType.Directory;
    if (isDir(moving)) this.fs.directoryMoved(identityKey(moving.dev, moving.ino), newDir, newName);
    if (replaced !== undefined && isDir(replaced)) {
      const key = identityKey(replaced.dev, replaced.ino);
      if ((flags & RENAME_EXCHANGE) !== 0) this.fs.directoryMoved(key, this, name);
      else this.fs.directoryRemoved(key);
    } else if (replaced !== undefined && (flags & RENAME_EXCHANGE) === 0) {
      this.fs.fileNameGone(identityKey(replaced.dev, replaced.ino));
    }
  }

  link(name: string, target: INode): void {
    checkName(name);
    this.checkWritableFs();
    if (!(target instanceof HostLeaf) || target.fs !== this.fs) throw new KernelError(Errno.EXDEV);
    this.#forget(name);
    this.fs.withDirFds(target.dir, this, (from, to) => {
      hostResult(this.fs.ops.linkat(from, target.name, to, name, 0));
    });
  }

  symlink(name: string, target: string): INode {
    checkName(name);
    this.checkWritableFs();
    this.#forget(name);
    hostResult(this.fs.ops.symlinkat(target, this.fd(), name));
    return this.#child(name, this.#childStat(name));
  }

  setAttr(attr: SetAttr): void {
    this.checkWritableFs();
    // '.' of the directory's own fd: the host resolves no name the guest gave.
    setHostAttr(this.fs.ops, { dirfd: this.fd(), name: '.', flags: 0 }, attr);
  }

  /** A fresh readable fd of this directory (for getdents64), opened through its O_PATH fd. */
  openForReading(): number {
    const fd = hostResult(this.fs.ops.openat(this.fd(), '.', O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
    this.fs.fdOpened();
    return fd;
  }

  /** The sockets bound in this directory (kept in the kernel, not on the host), by name. */
  boundSockets(): [string, HostSocketFile][] {
    return this.fs.socketNames.entries(this.#key);
  }

  override readdir(): DirEntry[] {
    const fd = this.openForReading();
    try {
      const entries: DirEntry[] = [];
      for (;;) {
        const batch = nextHostDirents(this.fs.ops, fd);
        if (batch.length === 0) {
          for (const [name, file] of this.boundSockets()) entries.push({ name, ino: file.ino, type: FileType.Socket });
          return entries;
        }
        for (const e of batch) entries.push(e);
      }
    } finally {
      this.fs.closeFd(fd);
    }
  }

  override open(flags: number, path: string): OpenFile {
    if ((flags & O_ACCMODE) !== O_RDONLY) throw new KernelError(Errno.EISDIR);
    return new HostDirectoryFile(this.fs, this, this.openForReading(), path, flags);
  }
}

/** A host file that is not a directory: a regular file, a symlink, a device node, a fifo … */
export class HostLeaf extends HostInode {
  constructor(
    fs: HostFs,
    dev: bigint,
    ino: bigint,
    type: FileType,
    readonly dir: HostDirectory,
    readonly name: string,
  ) {
    super(fs, dev, ino, type);
  }

  override stat(): Stat {
    return this.keptStat() ?? this.keep(this.checkSame(hostStat(this.fs.ops, this.dir.fd(), this.name, AT_SYMLINK_NOFOLLOW)));
  }

  protected ownDirFd(): number {
    return this.dir.fd();
  }

  protected get ownName(): string {
    return this.name;
  }

  /** A symlink's target, kept once read in an exclusive tree: no call changes a symlink in place. */
  #target: string | undefined;

  override readlink(): string {
    if (this.type !== FileType.Symlink) throw new KernelError(Errno.EINVAL);
    if (this.#target !== undefined) return this.#target;
    const n = hostResult(this.fs.ops.readlinkat(this.dir.fd(), this.name, linkScratch));
    const target = bytesToString(linkScratch.subarray(0, n));
    if (this.fs.cachesLookups) this.#target = target;
    return target;
  }

  override open(flags: number, path: string): OpenFile {
    switch (this.type) {
      case FileType.Regular:
        break;
      case FileType.CharDevice:
      case FileType.BlockDevice:
        // The rootfs is mounted nodev: its device nodes must never open host devices.
        throw new KernelError(Errno.EACCES);
      case FileType.Socket:
        throw new KernelError(Errno.ENXIO);
      case FileType.Symlink:
        throw new KernelError(Errno.ELOOP);
      case FileType.Fifo:
        return this.#openFifo(flags, path);
      default:
        throw new KernelError(Errno.EOPNOTSUPP);
    }
    const writing = (flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0;
    if (writing) this.checkWritableFs();
    const hostFlags = hostOpenFlags(flags);
    // A plain read-only open takes a kept fd of the file if there is one, and its own is kept for
    // the next open when it is closed (an exclusive tree's; see IdleReadFds).
    const keepFd = hostFlags === PLAIN_READ && (flags & O_TRUNC) === 0 && this.fs.keepsReadFds;
    const fd = (keepFd ? this.fs.takeReadFd(this.identity) : undefined) ?? this.#openHost(hostFlags);
    if ((flags & O_TRUNC) !== 0 && (flags & O_ACCMODE) === O_RDONLY) {
      // O_RDONLY | O_TRUNC truncates on Linux too (the caller may write the file).
      const r = this.#truncateByName(0);
      if (r < 0) {
        this.fs.closeFd(fd);
        hostResult(r);
      }
    } else if ((flags & O_TRUNC) !== 0) {
      const r = this.fs.ops.ftruncate(fd, 0);
      if (r < 0) {
        this.fs.closeFd(fd);
        hostResult(r);
      }
    }
    return new HostRegularFile(this.fs, fd, path, flags, this.identity, keepFd);
  }

  /**
   * A FIFO opens the kernel's pipe of that host inode: opening the host FIFO itself could block
   * the kernel until the other side opened.
   */
  #openFifo(flags: number, path: string): OpenFile {
    let last = this.stat(); // still this FIFO (ESTALE otherwise)
    // fstat keeps answering after the name is gone, with what was last seen.
    const statNow = (): Stat => {
      try {
        return (last = this.stat());
      } catch {
        return { ...last, nlink: 0 };
      }
    };
    const state = this.fs.fifo(this.dev, this.ino);
    try {
      return state.open(flags, path, statNow);
    } catch (e) {
      this.fs.fifoUnused(this.dev, this.ino, state);
      throw e;
    }
  }

  /** Open the host file with `hostFlags`, checked to be this inode's file unless the tree is exclusive. */
  #openHost(hostFlags: number): number {
    const fd = hostResult(this.fs.ops.openat(this.dir.fd(), this.name, hostFlags, 0));
    this.fs.fdOpened();
    // Only this file system changes an exclusive tree, and it forgets every name it changes, so
    // the name still holds this inode. (Confinement never rests on this check: see openat above.)
    if (this.fs.cachesLookups) return fd;
    try {
      this.checkSame(hostStat(this.fs.ops, fd, '', AT_EMPTY_PATH));
    } catch (e) {
      this.fs.closeFd(fd);
      throw e;
    }
    return fd;
  }

  /** truncate(2) through a write-only fd of its own; returns 0 or -errno. */
  #truncateByName(size: number): number {
    const fd = this.#openHost(hostOpenFlags(O_WRONLY));
    try {
      return this.fs.ops.ftruncate(fd, size);
    } finally {
      this.fs.closeFd(fd);
    }
  }

  setAttr(attr: SetAttr): void {
    this.checkWritableFs();
    if (attr.size !== undefined) {
      if (this.type !== FileType.Regular) throw new KernelError(Errno.EINVAL);
      hostResult(this.#truncateByName(attr.size));
    }
    setHostAttr(this.fs.ops, { dirfd: this.dir.fd(), name: this.name, flags: AT_SYMLINK_NOFOLLOW }, attr);
  }
}
