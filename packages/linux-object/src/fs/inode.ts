/**
 * The interfaces a file system implements for the VFS.
 *
 * Inode operations are synchronous: host files (through fd-relative host calls), devices and
 * in-memory files all answer at once. Errors are thrown as `KernelError`.
 *
 * @module
 */
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import type { FileType } from './file-type.js';
import type { OpenFile } from './open-file.js';

/** One directory entry, as readdir reports it. */
export interface DirEntry {
  name: string;
  ino: bigint;
  type: FileType;
}

/** A mounted file system. */
export interface FileSystem {
  /** The file system type as /proc/mounts shows it (`'hostfs'`, `'devtmpfs'`, …). */
  readonly type: string;
  /** Its root directory. */
  readonly root: INode;
  /** Whether every change fails with EROFS. */
  readonly readOnly: boolean;
  /** Release what the file system holds (host fds). Called when it is unmounted. */
  release(): void;
}

/** A file in a {@link FileSystem}: a directory, a regular file, a symlink, a device … */
export interface INode {
  readonly fs: FileSystem;
  /** Inode number, unique within `fs`. */
  readonly ino: bigint;
  readonly type: FileType;
  /** Current attributes. */
  stat(): Stat;
  /**
   * The child called `name` of this directory. `name` is one component: never empty, never
   * containing '/', never '.' or '..' (the VFS resolves those). ENOENT if absent, ENOTDIR if this
   * is not a directory.
   */
  lookup(name: string): INode;
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
   * Create a regular file `name` in this directory (O_CREAT). Absent on file systems that cannot;
   * the VFS then fails with EROFS or EPERM.
   */
  create?(name: string, mode: number): INode;
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
