/**
 * A process's view of the file tree: its root, its working directory and its umask.
 *
 * Methods taking `ids` check the permission of that caller (see `permission.ts`); without them
 * they act for the kernel and check nothing.
 *
 * @module
 */
import { S_IFSOCK } from '../abi/mode.js';
import { Errno, KernelError } from '../errno.js';
import { FileType } from './file-type.js';
import type { OpenFile } from './open-file.js';
import type { PathRef } from './path-ref.js';
import { CAP_SYS_CHROOT } from '../process/capabilities.js';
import { MAY_EXEC, checkAccess, hasCapability, type AccessIds } from './permission.js';
import type { UnixSocket } from './unix-socket.js';
import type { LookupOptions, Vfs } from './vfs.js';

/** Per-process file system state (Linux's `struct fs_struct`): root, cwd, umask. */
export class FsContext {
  /** The process's root (chroot): absolute paths start here, '..' stops here. */
  root: PathRef;
  /** The working directory: relative paths start here. */
  cwd: PathRef;
  /** Permission bits cleared from the mode of files the process creates. */
  umask: number;

  constructor(
    readonly vfs: Vfs,
    root: PathRef = vfs.root,
    cwd: PathRef = root,
    umask = 0o022,
  ) {
    this.root = root;
    this.cwd = cwd;
    this.umask = umask;
  }

  /**
   * Resolve `path` relative to `dir` (default: the cwd) under this process's root; `opts.ids`
   * must be able to search every directory on the way.
   */
  lookup(path: string, opts: Omit<LookupOptions, 'root'>, dir: PathRef = this.cwd): PathRef {
    const { followLast, directory, ids, resolve } = opts;
    return this.vfs.lookup(dir, path, { followLast, directory, root: this.root, ids, resolve });
  }

  /**
   * Open `path` relative to `dir` (default: the cwd); the umask applies to created files.
   * `resolve`: openat2's RESOLVE_* flags.
   */
  open(path: string, flags: number, mode: number, dir: PathRef = this.cwd, ids?: AccessIds, resolve = 0): OpenFile {
    return this.vfs.open(dir, path, flags, mode & ~this.umask, this.root, ids, resolve);
  }

  /** mkdir(2) of `path` relative to `dir` (default: the cwd); the umask applies. */
  mkdir(path: string, mode: number, dir: PathRef = this.cwd, ids?: AccessIds): PathRef {
    return this.vfs.mkdir(dir, path, mode & ~this.umask, this.root, ids);
  }

  /** mknod(2) of a FIFO or regular file, relative to `dir` (default: cwd); `mode` before the umask. */
  mknod(path: string, mode: number, dir: PathRef = this.cwd, ids?: AccessIds): void {
    this.vfs.mknod(dir, path, mode & ~this.umask, this.root, ids);
  }

  /** bind(2)'s socket file for `socket` at `path`, relative to the cwd; 0777 less the umask. */
  bindSocket(path: string, socket: UnixSocket, ids?: AccessIds): void {
    this.vfs.mknod(this.cwd, path, S_IFSOCK | (0o777 & ~this.umask), this.root, ids, socket);
  }

  /** chdir(2): the directory must be searchable (EACCES). */
  chdir(path: string, ids?: AccessIds): void {
    const dir = this.lookup(path, { followLast: true, directory: true, ids });
    checkAccess(ids, dir.inode.stat(), MAY_EXEC);
    this.cwd = dir;
  }

  /** fchdir(2) to where an open file is. ENOTDIR unless it is a directory, EACCES unless searchable. */
  fchdir(file: OpenFile, ids?: AccessIds): void {
    const ref = file.location;
    if (ref === undefined || ref.inode.type !== FileType.Directory) {
      throw new KernelError(Errno.ENOTDIR);
    }
    checkAccess(ids, ref.inode.stat(), MAY_EXEC);
    this.cwd = ref;
  }

  /** chroot(2). The cwd is left as is (as Linux). EACCES unless searchable, EPERM without CAP_SYS_CHROOT. */
  chroot(path: string, ids?: AccessIds): void {
    const dir = this.lookup(path, { followLast: true, directory: true, ids });
    checkAccess(ids, dir.inode.stat(), MAY_EXEC);
    if (!hasCapability(ids, CAP_SYS_CHROOT)) throw new KernelError(Errno.EPERM);
    this.root = dir;
  }

  /**
   * getcwd(2): the cwd's path as seen from the root, or prefixed with "(unreachable)" when the
   * cwd is outside the root, as Linux.
   */
  getcwd(): string {
    const root = this.root.path;
    const cwd = this.cwd.path;
    if (root === '/') return cwd;
    if (cwd === root) return '/';
    if (cwd.startsWith(`${root}/`)) return cwd.slice(root.length);
    return `(unreachable)${cwd}`;
  }

  /** umask(2): set the mask, return the old one. */
  setUmask(mask: number): number {
    const old = this.umask;
    this.umask = mask & 0o777;
    return old;
  }

  /** A copy for a child process (fork without CLONE_FS). */
  fork(): FsContext {
    return new FsContext(this.vfs, this.root, this.cwd, this.umask);
  }
}
