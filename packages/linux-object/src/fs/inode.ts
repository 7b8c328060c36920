/**
 * The interfaces a file system implements for the VFS.
 *
 * Inode operations are synchronous: host files (through fd-relative host calls), devices and
 * in-memory files all answer at once. Errors are thrown as `KernelError`.
 *
 * @module
 */
import { timespecNow, type Timespec } from '../abi/codec.js';
import { S_IFMT } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import type { FileType } from './file-type.js';
import type { OpenFile } from './open-file.js';
import type { UnixSocket } from './unix-socket.js';

/** One directory entry, as readdir reports it. */
export interface DirEntry {
  name: string;
  ino: bigint;
  type: FileType;
}

/**
 * A time to set with {@link INode.setAttr}: a time, or 'now' (the current time, as UTIME_NOW).
 * An absent time is left as is (UTIME_OMIT).
 */
export type SetTime = Timespec | 'now';

/** Attribute changes (Linux's `struct iattr`): each present field is changed. */
export interface SetAttr {
  /** Permission bits (07777); the file type is kept. */
  mode?: number;
  /** New owner; -1 or absent leaves it. */
  uid?: number;
  /** New group; -1 or absent leaves it. */
  gid?: number;
  /** New size (truncate(2)). */
  size?: number;
  atime?: SetTime;
  mtime?: SetTime;
}

/** The attributes a file system keeps in memory for a file: what {@link applySetAttr} changes. */
export interface KeptAttrs {
  mode: number;
  uid: number;
  gid: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
}

/**
 * chmod, chown and utimensat on attributes kept in memory (tmpfs, a kernel-kept socket file):
 * the mode's permission bits (its file type stays), the owner, the times; ctime becomes now. A
 * size is the caller's to apply.
 */
export function applySetAttr(a: KeptAttrs, attr: SetAttr): void {
  const t = timespecNow();
  if (attr.mode !== undefined) a.mode = (a.mode & S_IFMT) | (attr.mode & 0o7777);
  if (attr.uid !== undefined && attr.uid !== -1) a.uid = attr.uid;
  if (attr.gid !== undefined && attr.gid !== -1) a.gid = attr.gid;
  if (attr.atime !== undefined) a.atime = attr.atime === 'now' ? t : attr.atime;
  if (attr.mtime !== undefined) a.mtime = attr.mtime === 'now' ? t : attr.mtime;
  a.ctime = t;
}

/** What statfs(2) reports of a file system (Linux's `struct statfs`). */
export interface StatFs {
  type: number;
  bsize: number;
  blocks: bigint;
  bfree: bigint;
  bavail: bigint;
  files: bigint;
  ffree: bigint;
  fsid: [number, number];
  namelen: number;
  frsize: number;
  flags: number;
}

/**
 * Changes an open file may make through its own descriptor (ftruncate, fsync, fallocate, fchmod,
 * fchown, futimens), so they reach the file even after its name is gone. An open file without
 * them is changed through the inode it was opened at.
 */
export interface FileChanges {
  /** Change attributes through the open file. */
  setAttr?(attr: SetAttr): void;
  /** fsync(2) (`dataOnly`: fdatasync(2)). */
  sync?(dataOnly: boolean): void;
  /** fallocate(2). */
  allocate?(mode: number, offset: number, length: number): void;
}

/** rename(2)'s flags a file system may be asked to honour. */
export const RENAME_NOREPLACE = 1;
/** Swap the two names atomically. */
export const RENAME_EXCHANGE = 2;

/** A mounted file system. */
export interface FileSystem {
  /** The file system type as /proc/mounts shows it (`'hostfs'`, `'devtmpfs'`, …). */
  readonly type: string;
  /** Its root directory. */
  readonly root: INode;
  /** Whether every change fails with EROFS. */
  readonly readOnly: boolean;
  /**
   * Whether a name its directories lack is an error rather than room for a new file, as in
   * Linux's procfs, whose lookup fails (ENOENT) where others give a negative dentry: creating a
   * name there (open O_CREAT, mkdir, mknod, bind, symlink, link, rename to it) answers ENOENT
   * before any other check. Absent: false.
   */
  readonly noNewNames?: boolean;
  /** Release what the file system holds (host fds). Called when it is unmounted. */
  release(): void;
  /** statfs(2) of the file system; absent: the VFS reports zeroed counts. */
  statfs?(): StatFs;
  /** Write what is cached to storage (sync(2), syncfs(2)); absent: nothing to write. */
  sync?(): void;
}

/** A file in a {@link FileSystem}: a directory, a regular file, a symlink, a device … */
export interface INode {
  readonly fs: FileSystem;
  /** Inode number, unique within `fs`. */
  readonly ino: bigint;
  /**
   * st_dev, when the inode knows it without a stat (hostfs): the VFS then identifies the file
   * (for locks) without asking the host.
   */
  readonly dev?: bigint;
  readonly type: FileType;
  /** Current attributes. */
  stat(): Stat;
  /**
   * The child called `name` of this directory. `name` is one component: never empty, never
   * containing '/', never '.' or '..' (the VFS resolves those). ENOENT if absent, ENOTDIR if this
   * is not a directory.
   */
  lookup(name: string): INode;
  /**
   * `lookup(name)` with undefined where lookup throws ENOENT: what a create asks, expecting the
   * name to be free, without an exception (a throw costs V8 microseconds). Optional: the VFS
   * catches lookup's ENOENT otherwise.
   */
  find?(name: string): INode | undefined;
  /**
   * `lookup(name)` and that child's `stat()` at once, for a file system that learns both from one
   * host call (hostfs). Optional: the VFS's stat otherwise looks up, then stats.
   */
  lookupStat?(name: string): { inode: INode; stat: Stat };
  /** The target of this symlink; EINVAL if it is not one. */
  readlink(): string;
  /**
   * Open this file. `flags` are open(2)'s (access mode and status flags; path-resolution flags
   * are already handled by the VFS). `path` is the absolute container path, for the file's `path`.
   */
  open(flags: number, path: string): OpenFile;
  /** The entries of this directory, including '.' and '..'; ENOTDIR if it is not one. */
  readdir(): DirEntry[];
  /**
   * Create a regular file `name` in this directory and open it with open(2) `flags` (O_CREAT):
   * opened as asked whatever `mode` says, as Linux opens a file it just created. `path` is as for
   * `open`. `stat`: the new file's attributes, when creating it told them (saves the VFS asking).
   * Absent on file systems that cannot; the VFS then fails with EROFS or EPERM.
   */
  create?(name: string, mode: number, flags: number, path: string): { inode: INode; file: OpenFile; stat?: Stat };
  /*
   * Changes to a directory's entries. Each is absent on file systems that cannot make it; the VFS
   * then fails with EROFS (read-only file systems) or EPERM. `name` is one plain component, as
   * for `lookup`. Errors are Linux's: EEXIST, ENOENT, ENOTEMPTY, EISDIR, ENOTDIR, EMLINK …
   */
  /**
   * mkdir(2): a new directory `name` with permission bits `mode`. `stat`: its attributes, when
   * making it told them (as for `create`).
   */
  mkdir?(name: string, mode: number): { inode: INode; stat?: Stat };
  /** unlink(2) of the non-directory `name` (EISDIR for a directory). */
  unlink?(name: string): void;
  /** rmdir(2) of the empty directory `name` (ENOTDIR, ENOTEMPTY). */
  rmdir?(name: string): void;
  /**
   * rename(2) of `name` here to `newName` in `newDir`, a directory of the same file system.
   * `flags` are renameat2's RENAME_NOREPLACE or RENAME_EXCHANGE.
   */
  rename?(name: string, newDir: INode, newName: string, flags: number): void;
  /** link(2): a new name `name` here for `target`, a non-directory of the same file system. */
  link?(name: string, target: INode): void;
  /** symlink(2): a new symlink `name` here pointing at `target`. */
  symlink?(name: string, target: string): INode;
  /** Change attributes: chmod, chown, truncate, utimensat. */
  setAttr?(attr: SetAttr): void;
  /**
   * bind(2) of an AF_UNIX socket to the new name `name` here (permission bits `mode`, umask
   * applied): a socket file that connect(2) finds through {@link INode.socket}; without a socket
   * (mknod(2) of S_IFSOCK), one that nobody listens on. EEXIST if taken. Absent on file systems
   * that cannot hold socket files.
   */
  bindSocket?(name: string, socket: UnixSocket | undefined, mode: number): INode;
  /** mknod(2) of a FIFO (`mode`: S_IFIFO and the permission bits). Absent where FIFOs cannot live. */
  mknod?(name: string, mode: number): INode;
  /*
   * Extended attributes, by full name ('user.mime_type'), once fs/xattr.ts has checked the name's
   * namespace and the caller's rights. Absent on file systems that keep none (EOPNOTSUPP).
   */
  /** The value of `name` (ENODATA if it has none): a view that may last only until the next call. */
  getXattr?(name: string): Uint8Array;
  /** Set `name`; `flags`: XATTR_CREATE (EEXIST if set), XATTR_REPLACE (ENODATA if not). */
  setXattr?(name: string, value: Uint8Array, flags: number): void;
  /** Remove `name` (ENODATA if it has none). */
  removeXattr?(name: string): void;
  /** The names it has. */
  listXattrs?(): string[];
  /** The socket a socket file was bound by (absent on other files, and on a socket file mknod made). */
  readonly socket?: UnixSocket;
  /**
   * A magic link's open file (/proc/<pid>/fd/N): following the link reaches that file itself, by
   * its place when it has one; open(2) of a file without one (a pipe, host stdio) reopens it.
   */
  readonly magicFile?: () => OpenFile;
  /**
   * A magic link of /proc (fd/N, exe, cwd, root), which Linux follows to an object rather than by
   * its text: openat2's RESOLVE_NO_MAGICLINKS refuses it, and RESOLVE_BENEATH and RESOLVE_IN_ROOT.
   */
  readonly magicLink?: boolean;
  /**
   * Its mode bits alone decide who may open it: capabilities override nothing (Linux's
   * sysctl_perm for /proc/sys, where root too gets EACCES writing a read-only setting).
   */
  readonly modeBitsOnly?: boolean;
}

/**
 * A base for inodes: the operations a file of one type lacks answer what Linux answers (lookup and
 * readdir ENOTDIR off directories, readlink EINVAL off symlinks). Subclasses override what they have.
 */
export abstract class INodeBase implements INode {
  abstract readonly fs: FileSystem;
  abstract readonly ino: bigint;
  abstract readonly type: FileType;
  abstract stat(): Stat;
  abstract open(flags: number, path: string): OpenFile;

  lookup(_name: string): INode {
    throw new KernelError(Errno.ENOTDIR);
  }

  readlink(): string {
    throw new KernelError(Errno.EINVAL);
  }

  readdir(): DirEntry[] {
    throw new KernelError(Errno.ENOTDIR);
  }
}
