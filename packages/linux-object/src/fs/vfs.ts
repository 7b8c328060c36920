/**
 * The VFS: a mount table and Linux path resolution, done by the kernel one component at a time.
 *
 * File systems only ever see single names (never '/', '.' or '..'), so a symlink or '..' can never
 * take a lookup outside the container root: absolute symlinks restart at the caller's root, and
 * '..' at that root stays there.
 *
 * @module
 */
import { ALL_CAPS, CAP_DAC_OVERRIDE, CAP_FOWNER } from '../process/capabilities.js';
import {
  O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_RDONLY, O_TRUNC,
  O_WRONLY, RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS,
  RESOLVE_NO_XDEV, W_OK,
} from '../abi/fcntl.js';
import { MAXSYMLINKS, NAME_MAX, PATH_MAX } from '../abi/limits.js';
import type { Stat } from '../abi/stat.js';
import { S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK, S_ISGID, S_ISUID } from '../abi/mode.js';
import { Errno, KernelError } from '../errno.js';
import { FileType } from './file-type.js';
import { FilePrivileges } from './file-privileges.js';
import { FsEvents, IN_ATTRIB, IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_MODIFY, IN_MOVE_SELF, IN_MOVED_FROM, IN_MOVED_TO } from './inotify.js';
import {
  RENAME_EXCHANGE, RENAME_NOREPLACE, type FileSystem, type INode, type SetAttr, type StatFs,
} from './inode.js';
import type { OpenFile } from './open-file.js';
import { OpenFileInode } from './magic-link.js';
import { PathOnlyFile } from './path-file.js';
import type { UnixSocket } from './unix-socket.js';
import { checkTmpFileFlags, isTmpFileOpen, openTmpFile } from './tmpfile.js';
import {
  MAY_EXEC, MAY_READ, MAY_WRITE, checkAccess, checkInodeAccess, checkHardlinkSource, checkSetAttr, checkSticky,
  hasCapability, newFileOwner, type AccessIds,
} from './permission.js';
import { joinPath, sameRef, type Mount, type PathRef } from './path-ref.js';

/** How {@link Vfs.lookup} treats the last component. */
export interface LookupOptions {
  /** Follow a symlink in the last component (stat vs lstat, open without O_NOFOLLOW). */
  followLast: boolean;
  /** The result must be a directory (ENOTDIR otherwise). A trailing '/' implies this. */
  directory?: boolean;
  /** The caller's root (chroot): absolute paths start here, '..' stops here. Default: the VFS root. */
  root?: PathRef;
  /** Whose permission the walk needs (search on every directory); absent: the kernel's own. */
  ids?: AccessIds;
  /**
   * openat2's RESOLVE_* flags: limits on what the walk may cross or follow. With RESOLVE_BENEATH
   * or RESOLVE_IN_ROOT, `root` is the starting directory.
   */
  resolve?: number;
}

/**
 * A walk's running state: symlinks followed so far, whose permissions apply, openat2's RESOLVE_*
 * flags (0 for every other call) and, for stat, the stat the last component's lookup brought
 * along (null: wanted, none yet; absent: not wanted).
 */
interface WalkState {
  links: number;
  ids: AccessIds | undefined;
  resolve: number;
  /**
   * Whether Linux would have fetched the walk's root by now (a scoped walk, an absolute path, a
   * '..'): until then RESOLVE_NO_XDEV refuses any absolute symlink, its root's mount unknown.
   */
  rootKnown: boolean;
  stat?: { inode: INode; stat: Stat } | null;
}

/** The resolve flags that make the starting directory the walk's root. */
const RESOLVE_SCOPED = RESOLVE_BENEATH | RESOLVE_IN_ROOT;

/** A fresh walk's state, for `ids` and openat2's `resolve` flags. */
function newWalk(ids: AccessIds | undefined, resolve: number): WalkState {
  return { links: 0, ids, resolve, rootKnown: (resolve & RESOLVE_SCOPED) !== 0 };
}

/**
 * openat2's limits on a jump to the walk's root, by an absolute path or symlink (Linux's
 * nd_jump_root): none under RESOLVE_BENEATH, none from another mount under RESOLVE_NO_XDEV
 * (`from` null: the path the call was given, which may start anywhere).
 */
function checkJumpToRoot(state: WalkState, from: PathRef | null, root: PathRef): void {
  if ((state.resolve & RESOLVE_BENEATH) !== 0) throw new KernelError(Errno.EXDEV);
  if ((state.resolve & RESOLVE_NO_XDEV) !== 0 && from !== null
    && (!state.rootKnown || from.mount !== root.mount)) {
    throw new KernelError(Errno.EXDEV);
  }
}

/** The child `name` of `dir`, or undefined: its file system's `find`, or lookup's ENOENT caught. */
function findChild(dir: INode, name: string): INode | undefined {
  if (dir.find !== undefined) return dir.find(name);
  try {
    return dir.lookup(name);
  } catch (e) {
    if (e instanceof KernelError && e.errno === Errno.ENOENT) return undefined;
    throw e;
  }
}

/** '/' as a char code. */
const SLASH = 0x2f;

/** Throws what Linux throws for an unusable path (a byte string: its length is its bytes): ENOENT if empty, ENAMETOOLONG if too long. */
export function checkPath(path: string): void {
  if (path.length === 0) throw new KernelError(Errno.ENOENT);
  if (path.length > PATH_MAX - 1) throw new KernelError(Errno.ENAMETOOLONG);
}

/** Where `path` ends without its trailing slashes ('a/b//' → 3, '/' → 0). */
function endWithoutSlashes(path: string): number {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === SLASH) end--;
  return end;
}

/** Split a path into its last component and the rest ('a/b/c' → ['a/b', 'c']; '/x' → ['/', 'x']). */
function splitLast(path: string): { dir: string; name: string; trailingSlash: boolean } {
  const end = endWithoutSlashes(path);
  const trailingSlash = end !== path.length;
  const trimmed = trailingSlash ? path.slice(0, end) : path;
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return { dir: '.', name: trimmed, trailingSlash };
  return { dir: i === 0 ? '/' : trimmed.slice(0, i), name: trimmed.slice(i + 1), trailingSlash };
}

/** The directory holding a path's last component, and that component. */
interface Entry {
  parent: PathRef;
  /** The last component: '' when the path is the root, or '.' / '..' as written. */
  name: string;
  trailingSlash: boolean;
}

/** Whether `name` is an ordinary component (not the root, '.' or '..'). */
function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..';
}

/**
 * Throws EROFS on a read-only file system, EPERM when the inode lacks the operation `op`; the
 * caller then calls it as the inode's method (no bound function per call).
 */
function required(op: unknown, fs: FileSystem): void {
  if (fs.readOnly) throw new KernelError(Errno.EROFS);
  if (op === undefined) throw new KernelError(Errno.EPERM);
}

/**
 * EROFS where `ref` is on a read-only mount (Linux's mnt_want_write): unlink, rmdir and rename
 * ask before looking up the name they change, link before comparing the mounts, and open of a
 * regular file for writing once its permission is checked, in Linux's order.
 */
function checkWritable(ref: PathRef): void {
  if (ref.mount.fs.readOnly) throw new KernelError(Errno.EROFS);
}

/**
 * Where a magic link (/proc/<pid>/fd/N) leads: its open file, where that file is, or as an inode
 * of its own when it has no place (a pipe, host stdio). Undefined for any other link.
 */
function magicTarget(link: PathRef): PathRef | undefined {
  const file = link.inode.magicFile?.();
  if (file === undefined) return undefined;
  return file.location ?? { ...link, inode: new OpenFileInode(file, link.mount.fs) };
}

/** A mount table with one root file system, and path resolution over it. */
export class Vfs {
  readonly #mounts = new Map<string, Mount>();
  #nextMountId = 1;
  /** The root of the mount tree: '/' of the container. */
  readonly root: PathRef;

  /** inotify's watches, and what changes here report to them. */
  readonly events = new FsEvents();
  /** What a write, a truncate or a chown takes from a file (set-ID bits, file capabilities). */
  readonly privileges = new FilePrivileges();

  constructor(rootFs: FileSystem) {
    const mount: Mount = { id: this.#nextMountId++, fs: rootFs, path: '/', nosuid: false };
    this.#mounts.set('/', mount);
    this.root = { mount, inode: rootFs.root, path: '/', parent: null };
  }

  /**
   * Mount `fs` on the directory at absolute `path` (e.g. devfs on '/dev'), or a file system whose
   * root is a file on a file. The mount point need not exist in the file system below (as gVisor's
   * synthetic mount points), but its parent must.
   * `nosuid` is MS_NOSUID. EBUSY if something is mounted there already.
   */
  mount(path: string, fs: FileSystem, options: { nosuid?: boolean } = {}): Mount {
    if (!path.startsWith('/')) throw new KernelError(Errno.EINVAL);
    const { dir, name } = splitLast(path);
    if (name === '' || name === '.' || name === '..') throw new KernelError(Errno.EBUSY);
    const parent = this.lookup(this.root, dir, { followLast: true, directory: true });
    const at = joinPath(parent.path, name);
    if (this.#mounts.has(at)) throw new KernelError(Errno.EBUSY);
    try {
      // A directory goes on a directory; a file (a bind-mounted host file) on a non-directory.
      const below = this.lookup(parent, name, { followLast: true });
      const isDir = fs.root.type === FileType.Directory;
      if (isDir && below.inode.type !== FileType.Directory) throw new KernelError(Errno.ENOTDIR);
      if (!isDir && below.inode.type === FileType.Directory) throw new KernelError(Errno.EISDIR);
    } catch (e) {
      if (!(e instanceof KernelError && e.errno === Errno.ENOENT)) throw e;
    }
    const mount: Mount = { id: this.#nextMountId++, fs, path: at, nosuid: options.nosuid === true };
    this.#mounts.set(at, mount);
    return mount;
  }

  /** Unmount the file system mounted at `path` and release it. EINVAL if nothing is mounted there. */
  unmount(path: string): void {
    const mount = this.#mounts.get(path);
    if (mount === undefined || path === '/') throw new KernelError(Errno.EINVAL);
    this.#mounts.delete(path);
    mount.fs.release();
  }

  /** The mounts, root first (for /proc/mounts). */
  mounts(): Mount[] {
    return [...this.#mounts.values()].sort((a, b) => a.path.length - b.path.length);
  }

  /** Release every mounted file system (the sandbox is going away). */
  release(): void {
    for (const m of this.mounts().reverse()) m.fs.release();
    this.#mounts.clear();
  }

  /**
   * Resolve `path` from directory `start` (relative paths) or from the root (absolute ones).
   * Fails as Linux: ENOENT, ENOTDIR, ELOOP (more than 40 symlinks), ENAMETOOLONG, and EACCES
   * when `opts.ids` may not search a directory on the way.
   */
  lookup(start: PathRef, path: string, opts: LookupOptions): PathRef {
    checkPath(path);
    const state = newWalk(opts.ids, opts.resolve ?? 0);
    return this.#lookup(start, path, opts.followLast, opts.directory ?? false, opts.root ?? this.root, state);
  }

  /** {@link Vfs.lookup} of a checked path, in a walk whose `state` the caller may go on with. */
  #lookup(
    start: PathRef, path: string, followLast: boolean, mustBeDir: boolean, root: PathRef, state: WalkState,
  ): PathRef {
    if (state.resolve !== 0 && path.startsWith('/') && (state.resolve & RESOLVE_IN_ROOT) === 0) {
      checkJumpToRoot(state, null, root);
    }
    return this.#walk(start, path, followLast, mustBeDir, root, state);
  }

  #walk(
    start: PathRef,
    path: string,
    followLast: boolean,
    mustBeDir: boolean,
    root: PathRef,
    state: WalkState,
  ): PathRef {
    let cur = start;
    if (path.startsWith('/')) {
      cur = root;
      state.rootKnown = true;
    }
    // The components one by one (no array of them): the last one ends at `end`.
    const end = endWithoutSlashes(path);
    const trailingSlash = end > 0 && end < path.length;
    let from = 0;
    while (from < end) {
      let to = path.indexOf('/', from);
      if (to < 0 || to > end) to = end;
      if (to === from) {
        from++; // an empty component ('//')
        continue;
      }
      const name = path.slice(from, to);
      const last = to === end;
      from = to + 1;
      if (cur.inode.type !== FileType.Directory) throw new KernelError(Errno.ENOTDIR);
      if (state.ids !== undefined) checkInodeAccess(state.ids, cur.inode, MAY_EXEC);
      if (name.length > NAME_MAX) throw new KernelError(Errno.ENAMETOOLONG);
      if (name === '.') continue;
      if (name === '..') {
        state.rootKnown = true;
        if (sameRef(cur, root) || cur.parent === null) {
          // '..' stays at the root; RESOLVE_BENEATH refuses to try.
          if ((state.resolve & RESOLVE_BENEATH) !== 0) throw new KernelError(Errno.EXDEV);
        } else {
          if ((state.resolve & RESOLVE_NO_XDEV) !== 0 && cur.parent.mount !== cur.mount) {
            throw new KernelError(Errno.EXDEV);
          }
          cur = cur.parent;
        }
        continue;
      }
      const next = this.#child(cur, name, last ? state : undefined);
      if ((state.resolve & RESOLVE_NO_XDEV) !== 0 && next.mount !== cur.mount) {
        throw new KernelError(Errno.EXDEV);
      }
      if (next.inode.type === FileType.Symlink && (!last || followLast || trailingSlash)) {
        if (++state.links > MAXSYMLINKS) throw new KernelError(Errno.ELOOP);
        if (state.resolve !== 0) this.#checkFollow(state, cur, next, root);
        const magic = magicTarget(next);
        if (magic !== undefined) {
          cur = magic;
          continue;
        }
        const target = next.inode.readlink();
        if (target.length === 0) throw new KernelError(Errno.ENOENT);
        cur = this.#walk(cur, target, true, false, root, state);
        continue;
      }
      cur = next;
    }
    if ((mustBeDir || trailingSlash) && cur.inode.type !== FileType.Directory) {
      throw new KernelError(Errno.ENOTDIR);
    }
    return cur;
  }

  /**
   * openat2's limits on following the symlink `link` found in directory `dir`, in Linux's order
   * (pick_link, nd_jump_link, nd_jump_root): ELOOP for any symlink under RESOLVE_NO_SYMLINKS and
   * a magic one under RESOLVE_NO_MAGICLINKS; EXDEV for a magic link to another mount under
   * RESOLVE_NO_XDEV or any under RESOLVE_BENEATH and RESOLVE_IN_ROOT, and as
   * {@link checkJumpToRoot} says for an absolute one.
   */
  #checkFollow(state: WalkState, dir: PathRef, link: PathRef, root: PathRef): void {
    const resolve = state.resolve;
    if ((resolve & RESOLVE_NO_SYMLINKS) !== 0) throw new KernelError(Errno.ELOOP);
    if (link.inode.magicLink === true) {
      if ((resolve & RESOLVE_NO_MAGICLINKS) !== 0) throw new KernelError(Errno.ELOOP);
      if ((resolve & RESOLVE_NO_XDEV) !== 0 && this.#magicLinkMount(link, root) !== dir.mount) {
        throw new KernelError(Errno.EXDEV);
      }
      if ((resolve & RESOLVE_SCOPED) !== 0) throw new KernelError(Errno.EXDEV);
    } else if (link.inode.readlink().startsWith('/')) {
      checkJumpToRoot(state, dir, root);
    }
  }

  /**
   * The mount a magic link leads into: its open file's, or, for a link followed by its text
   * (exe, cwd), that of the path it names; undefined for a file with no place in the tree (a
   * pipe or socket, on a mount of Linux's own that no path reaches).
   */
  #magicLinkMount(link: PathRef, root: PathRef): Mount | undefined {
    const file = link.inode.magicFile?.();
    if (file !== undefined) return file.location?.mount;
    return this.lookup(root, link.inode.readlink(), { followLast: true, root }).mount;
  }

  /**
   * Step from directory `dir` to its child `name`, entering a file system mounted there. With a
   * `state` that wants it, the child's stat comes along when its file system can give both at once.
   */
  #child(dir: PathRef, name: string, state?: WalkState): PathRef {
    const path = joinPath(dir.path, name);
    const mount = this.#mounts.get(path);
    if (mount !== undefined) return { mount, inode: mount.fs.root, path, parent: dir };
    if (state?.stat !== undefined && dir.inode.lookupStat !== undefined) {
      const found = dir.inode.lookupStat(name);
      state.stat = found;
      return { mount: dir.mount, inode: found.inode, path, parent: dir };
    }
    return { mount: dir.mount, inode: dir.inode.lookup(name), path, parent: dir };
  }

  /**
   * open(2) / openat(2) after the dirfd is known: resolve, check the flags against the file as
   * Linux does, and ask its inode to open it. O_CLOEXEC is the caller's (an fd flag).
   */
  open(
    start: PathRef, path: string, flags: number, mode: number, root?: PathRef, ids?: AccessIds,
    resolve = 0,
  ): OpenFile {
    const followLast = (flags & O_NOFOLLOW) === 0;
    const wantDir = (flags & O_DIRECTORY) !== 0;
    // Ambiguous, so refused before anything is looked up (Linux since 6.4).
    if (wantDir && (flags & O_CREAT) !== 0) throw new KernelError(Errno.EINVAL);
    if ((resolve & RESOLVE_SCOPED) !== 0) root = start;
    if ((flags & O_PATH) !== 0) {
      const ref = this.lookup(start, path, { followLast, directory: wantDir, root, ids, resolve });
      return this.#located(new PathOnlyFile(ref.path, flags, ref.inode), ref);
    }
    if (isTmpFileOpen(flags)) {
      checkTmpFileFlags(flags);
      const dir = this.lookup(start, path, { followLast: true, directory: true, root, ids, resolve });
      return openTmpFile(dir, flags, mode);
    }
    let ref: PathRef;
    if ((flags & O_CREAT) !== 0) {
      const found = this.#openCreate(start, path, flags, mode, root ?? this.root, newWalk(ids, resolve));
      if ('file' in found) return this.#openedAt(found.file, found.ref);
      ref = found.ref;
    } else {
      ref = this.lookup(start, path, { followLast, directory: wantDir, root, ids, resolve });
    }
    const type = ref.inode.type;
    if (type === FileType.Symlink) throw new KernelError(Errno.ELOOP);
    if (wantDir && type !== FileType.Directory) throw new KernelError(Errno.ENOTDIR);
    if (type === FileType.Directory
      && ((flags & O_ACCMODE) !== O_RDONLY || (flags & (O_CREAT | O_TRUNC)) !== 0)) {
      throw new KernelError(Errno.EISDIR);
    }
    const access = openAccess(flags);
    checkInodeAccess(ids, ref.inode, access);
    // A regular file opened for writing on a read-only mount (Linux's mnt_want_write at open).
    if ((access & MAY_WRITE) !== 0 && type === FileType.Regular) checkWritable(ref);
    const file = this.#openedAt(ref.inode.open(flags, ref.path), ref);
    if ((flags & O_TRUNC) !== 0 && type === FileType.Regular) {
      this.privileges.truncated(ref.inode, ref.mount.fs, ids, file);
      this.events.changed(ref, IN_MODIFY);
    }
    return file;
  }

  /** `file`, just opened at `ref`: located there, and IN_OPEN reported. */
  #openedAt(file: OpenFile, ref: PathRef): OpenFile {
    this.#located(file, ref);
    this.events.opened(file, ref);
    return file;
  }

  /**
   * The O_CREAT part of open: find the last component, or create it and open it (then `file` is
   * the open file). One walk `state` through the symlinks it follows.
   */
  #openCreate(
    start: PathRef, path: string, flags: number, mode: number, root: PathRef, state: WalkState,
  ): { ref: PathRef } | { ref: PathRef; file: OpenFile } {
    checkPath(path);
    const { dir, name, trailingSlash } = splitLast(path);
    if (trailingSlash || name === '' || name === '.' || name === '..') {
      throw new KernelError(Errno.EISDIR);
    }
    const ids = state.ids;
    const parent = this.#lookup(start, dir, true, true, root, state);
    if (ids !== undefined) checkInodeAccess(ids, parent.inode, MAY_EXEC);
    if (name.length > NAME_MAX) throw new KernelError(Errno.ENAMETOOLONG);
    const existing = this.#maybeChild(parent, name);
    if (existing !== undefined) {
      if ((state.resolve & RESOLVE_NO_XDEV) !== 0 && existing.mount !== parent.mount) {
        throw new KernelError(Errno.EXDEV);
      }
      if ((flags & O_EXCL) !== 0) throw new KernelError(Errno.EEXIST);
      if (existing.inode.type !== FileType.Symlink || (flags & O_NOFOLLOW) !== 0) {
        return { ref: existing };
      }
      if (++state.links > MAXSYMLINKS) throw new KernelError(Errno.ELOOP);
      if (state.resolve !== 0) this.#checkFollow(state, parent, existing, root);
      // /proc/<pid>/fd/N (and /dev/stdout through it): the open file, which exists.
      const magic = magicTarget(existing);
      if (magic !== undefined) return { ref: magic };
      // A symlink, dangling or not: O_CREAT creates its target, as Linux.
      const target = existing.inode.readlink();
      return this.#openCreate(parent, target, flags, mode, root, state);
    }
    if (parent.inode.create === undefined) {
      throw new KernelError(parent.mount.fs.readOnly ? Errno.EROFS : Errno.EACCES);
    }
    if (parent.mount.fs.readOnly) throw new KernelError(Errno.EROFS);
    checkInodeAccess(ids, parent.inode, MAY_WRITE | MAY_EXEC);
    const childPath = joinPath(parent.path, name);
    // Not truncated (Linux's FMODE_CREATED): a host file system would otherwise see a truncate,
    // and ext4 then flushes the file's data on close, as after replacing a file's contents.
    const { inode, file, stat } = parent.inode.create(name, mode, flags & ~O_TRUNC, childPath);
    try {
      giveToCreator(inode, parent.inode, ids, stat);
    } catch (e) {
      file.close();
      throw e;
    }
    this.events.child(parent, name, IN_CREATE, false);
    return { ref: { mount: parent.mount, inode, path: childPath, parent }, file };
  }

  /**
   * Resolve everything but the last component of `path`, which must lead to a directory that
   * `ids` may search (the last component is looked up in it).
   */
  #entry(start: PathRef, path: string, root?: PathRef, ids?: AccessIds): Entry {
    checkPath(path);
    const { dir, name, trailingSlash } = splitLast(path);
    const parent = this.lookup(start, dir, { followLast: true, directory: true, root, ids });
    if (name !== '' && ids !== undefined) checkInodeAccess(ids, parent.inode, MAY_EXEC);
    if (name.length > NAME_MAX) throw new KernelError(Errno.ENAMETOOLONG);
    return { parent, name, trailingSlash };
  }

  /** Linux's may_create: EROFS on a read-only mount, EACCES unless `ids` may write and search `dir`. */
  #mayCreate(dir: PathRef, ids: AccessIds | undefined): void {
    if (dir.mount.fs.readOnly) throw new KernelError(Errno.EROFS);
    checkInodeAccess(ids, dir.inode, MAY_WRITE | MAY_EXEC);
  }

  /** Linux's may_delete: as {@link Vfs.#mayCreate}, then the sticky-bit rule (EPERM). */
  #mayDelete(dir: PathRef, victim: PathRef, ids: AccessIds | undefined): void {
    if (dir.mount.fs.readOnly) throw new KernelError(Errno.EROFS);
    // DAC override, and the sticky bit binds no one with CAP_FOWNER: no stat needed.
    if (hasCapability(ids, CAP_DAC_OVERRIDE) && hasCapability(ids, CAP_FOWNER)) return;
    const dirStat = dir.inode.stat();
    checkAccess(ids, dirStat, MAY_WRITE | MAY_EXEC);
    checkSticky(ids, dirStat, victim.inode.stat());
  }

  /**
   * The child `name` of `dir`, or undefined if there is none; ENOENT instead where no name can be
   * made (`FileSystem.noNewNames`: procfs), as Linux's lookup there fails before a create.
   */
  #maybeChild(dir: PathRef, name: string): PathRef | undefined {
    const path = joinPath(dir.path, name);
    const mount = this.#mounts.get(path);
    if (mount !== undefined) return { mount, inode: mount.fs.root, path, parent: dir };
    const inode = findChild(dir.inode, name);
    if (inode === undefined && dir.mount.fs.noNewNames === true) throw new KernelError(Errno.ENOENT);
    return inode === undefined ? undefined : { mount: dir.mount, inode, path, parent: dir };
  }


  /** Throws EBUSY if `ref` is the root of a mount (it cannot be removed or renamed). */
  #checkNotMountRoot(ref: PathRef): void {
    if (ref.inode === ref.mount.fs.root) throw new KernelError(Errno.EBUSY);
  }

  /**
   * mknod(2) of a FIFO, an empty regular file or a socket file: `mode` is its type and permission
   * bits, the umask applied already. A socket file names `socket` (bind(2) makes it so, and
   * answers EADDRINUSE for the EEXIST here); mknod's names none, and a connect there is refused.
   * EEXIST if the name exists or is '.', '..' or the root; ENOENT if it is new but ends in '/'.
   * Device nodes need a capability no guest holds, and file systems that cannot keep a type of
   * file (socket files on procfs, devfs) refuse it: EPERM.
   */
  mknod(start: PathRef, path: string, mode: number, root?: PathRef, ids?: AccessIds, socket?: UnixSocket): void {
    const { parent, name, trailingSlash } = this.#entry(start, path, root, ids);
    if (!isPlainName(name) || this.#maybeChild(parent, name) !== undefined) {
      throw new KernelError(Errno.EEXIST);
    }
    if (trailingSlash) throw new KernelError(Errno.ENOENT); // only a directory's name may end in /
    this.#mayCreate(parent, ids);
    const type = mode & S_IFMT;
    const perms = mode & 0o7777;
    const dir = parent.inode;
    let inode: INode;
    if (type === S_IFIFO) {
      if (dir.mknod === undefined) throw new KernelError(Errno.EPERM);
      inode = dir.mknod(name, S_IFIFO | perms);
    } else if (type === S_IFSOCK) {
      if (dir.bindSocket === undefined) throw new KernelError(Errno.EPERM);
      inode = dir.bindSocket(name, socket, perms);
    } else if (type === S_IFREG || type === 0) {
      if (dir.create === undefined) throw new KernelError(Errno.EPERM);
      const made = dir.create(name, perms, O_RDONLY, joinPath(parent.path, name));
      made.file.close();
      inode = made.inode;
    } else {
      throw new KernelError(Errno.EPERM);
    }
    giveToCreator(inode, dir, ids);
    this.events.child(parent, name, IN_CREATE, false);
  }

  /** mkdir(2): `mode` has the umask applied already. */
  mkdir(start: PathRef, path: string, mode: number, root?: PathRef, ids?: AccessIds): PathRef {
    const { parent, name } = this.#entry(start, path, root, ids);
    if (!isPlainName(name) || this.#maybeChild(parent, name) !== undefined) {
      throw new KernelError(Errno.EEXIST);
    }
    this.#mayCreate(parent, ids);
    required(parent.inode.mkdir, parent.mount.fs);
    const { inode, stat } = parent.inode.mkdir!(name, mode & 0o7777);
    giveToCreator(inode, parent.inode, ids, stat);
    this.events.child(parent, name, IN_CREATE, true);
    return { mount: parent.mount, inode, path: joinPath(parent.path, name), parent };
  }

  /** unlink(2) / unlinkat(2) without AT_REMOVEDIR. */
  unlink(start: PathRef, path: string, root?: PathRef, ids?: AccessIds): void {
    const { parent, name, trailingSlash } = this.#entry(start, path, root, ids);
    if (!isPlainName(name)) throw new KernelError(Errno.EISDIR);
    checkWritable(parent);
    const ref = this.#child(parent, name);
    const isDir = ref.inode.type === FileType.Directory;
    if (trailingSlash) throw new KernelError(isDir ? Errno.EISDIR : Errno.ENOTDIR);
    this.#mayDelete(parent, ref, ids);
    if (isDir) throw new KernelError(Errno.EISDIR);
    required(parent.inode.unlink, parent.mount.fs);
    // A watched file's link count, read while the name still reaches it (a host file's stat goes by name).
    const links = this.events.watched(ref) ? ref.inode.stat().nlink : 0;
    parent.inode.unlink!(name);
    this.#reportUnlinked(parent, name, ref, links);
  }

  /**
   * `ref` lost its name `name` in `dir`, one of `links`: IN_ATTRIB to its own watches (its link
   * count changed), IN_DELETE to the directory's, then IN_DELETE_SELF if that was its last name,
   * in Linux's order.
   */
  #reportUnlinked(dir: PathRef, name: string, ref: PathRef, links: number): void {
    if (!this.events.active) return;
    const watched = this.events.watched(ref);
    if (watched) this.events.self(ref, IN_ATTRIB);
    this.events.child(dir, name, IN_DELETE, ref.inode.type === FileType.Directory);
    if (watched && links <= 1) this.events.self(ref, IN_DELETE_SELF);
  }

  /** rmdir(2) / unlinkat(2) with AT_REMOVEDIR. */
  rmdir(start: PathRef, path: string, root?: PathRef, ids?: AccessIds): void {
    const { parent, name } = this.#entry(start, path, root, ids);
    if (name === '.') throw new KernelError(Errno.EINVAL);
    if (name === '..') throw new KernelError(Errno.ENOTEMPTY);
    if (name === '') throw new KernelError(Errno.EBUSY);
    checkWritable(parent);
    const ref = this.#child(parent, name);
    this.#mayDelete(parent, ref, ids);
    if (ref.inode.type !== FileType.Directory) throw new KernelError(Errno.ENOTDIR);
    this.#checkNotMountRoot(ref);
    if (sameRef(ref, root ?? this.root)) throw new KernelError(Errno.EBUSY);
    required(parent.inode.rmdir, parent.mount.fs);
    parent.inode.rmdir!(name);
    this.events.child(parent, name, IN_DELETE, true);
    this.events.self(ref, IN_DELETE_SELF);
  }

  /**
   * renameat2(2): `flags` is 0, RENAME_NOREPLACE or RENAME_EXCHANGE. The VFS makes Linux's
   * checks that need no file system (EXDEV, EBUSY, EINVAL into itself, EISDIR, ENOTDIR); the
   * file system adds ENOTEMPTY.
   */
  rename(
    oldStart: PathRef, oldPath: string, newStart: PathRef, newPath: string, flags: number,
    root?: PathRef, ids?: AccessIds,
  ): void {
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) !== 0
      || flags === (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
      throw new KernelError(Errno.EINVAL);
    }
    const from = this.#entry(oldStart, oldPath, root, ids);
    const to = this.#entry(newStart, newPath, root, ids);
    // Linux's order: the directories' mounts, the names' kinds, a read-only mount, then lookups.
    if (from.parent.mount !== to.parent.mount) throw new KernelError(Errno.EXDEV);
    if (!isPlainName(from.name) || !isPlainName(to.name)) throw new KernelError(Errno.EBUSY);
    checkWritable(from.parent);
    const old = this.#child(from.parent, from.name);
    this.#checkNotMountRoot(old);
    const target = this.#maybeChild(to.parent, to.name);
    if (target !== undefined) this.#checkNotMountRoot(target);
    const oldIsDir = old.inode.type === FileType.Directory;
    const exchange = (flags & RENAME_EXCHANGE) !== 0;
    if (!oldIsDir && (from.trailingSlash || (to.trailingSlash && !exchange))) {
      throw new KernelError(Errno.ENOTDIR);
    }
    if (exchange && target === undefined) throw new KernelError(Errno.ENOENT);
    if (target !== undefined) {
      if ((flags & RENAME_NOREPLACE) !== 0) throw new KernelError(Errno.EEXIST);
      if (sameRef(old, target)) return; // two names of one file: Linux does nothing
    }
    // A directory cannot move below itself (nor, exchanged, the target below the source).
    if (oldIsDir && isWithin(to.parent, old)) throw new KernelError(Errno.EINVAL);
    if (exchange && target?.inode.type === FileType.Directory && isWithin(from.parent, target)) {
      throw new KernelError(Errno.EINVAL);
    }
    this.#mayRename(from.parent, old, to.parent, target, exchange, ids);
    if (target !== undefined && !exchange) {
      const targetIsDir = target.inode.type === FileType.Directory;
      if (oldIsDir && !targetIsDir) throw new KernelError(Errno.ENOTDIR);
      if (!oldIsDir && targetIsDir) throw new KernelError(Errno.EISDIR);
    }
    required(from.parent.inode.rename, from.parent.mount.fs);
    from.parent.inode.rename!(from.name, to.parent.inode, to.name, flags);
    if (!this.events.active) return;
    this.#reportMove(from.parent, from.name, to.parent, to.name, old);
    if (exchange) this.#reportMove(to.parent, to.name, from.parent, from.name, target!);
    else if (target !== undefined && this.events.watched(target)) this.events.self(target, IN_DELETE_SELF);
  }

  /** `moved` went from `fromName` in `fromDir` to `toName` in `toDir`: a cookie pairs the two events. */
  #reportMove(fromDir: PathRef, fromName: string, toDir: PathRef, toName: string, moved: PathRef): void {
    const cookie = this.events.nextCookie();
    const isDir = moved.inode.type === FileType.Directory;
    this.events.child(fromDir, fromName, IN_MOVED_FROM, isDir, cookie);
    this.events.child(toDir, toName, IN_MOVED_TO, isDir, cookie);
    this.events.self(moved, IN_MOVE_SELF);
  }

  /**
   * Linux's permission checks of vfs_rename: the source may leave its directory, the target
   * (if any) may be replaced or the new name created, and a directory moving to another parent
   * must be writable itself (its '..' changes).
   */
  #mayRename(
    fromDir: PathRef, old: PathRef, toDir: PathRef, target: PathRef | undefined, exchange: boolean,
    ids: AccessIds | undefined,
  ): void {
    if (ids === undefined) return;
    this.#mayDelete(fromDir, old, ids);
    if (target === undefined) this.#mayCreate(toDir, ids);
    else this.#mayDelete(toDir, target, ids);
    if (fromDir.inode === toDir.inode) return;
    if (old.inode.type === FileType.Directory) checkInodeAccess(ids, old.inode, MAY_WRITE);
    if (exchange && target?.inode.type === FileType.Directory) {
      checkInodeAccess(ids, target.inode, MAY_WRITE);
    }
  }

  /** linkat(2): `followLast` is AT_SYMLINK_FOLLOW. */
  link(
    oldStart: PathRef, oldPath: string, newStart: PathRef, newPath: string, followLast: boolean,
    root?: PathRef, ids?: AccessIds,
  ): void {
    const old = this.lookup(oldStart, oldPath, { followLast, root, ids });
    const to = this.#entry(newStart, newPath, root, ids);
    if (!isPlainName(to.name) || this.#maybeChild(to.parent, to.name) !== undefined) {
      throw new KernelError(Errno.EEXIST);
    }
    // The new name is checked as any create's (Linux's filename_create) before the mounts are compared.
    if (to.trailingSlash) throw new KernelError(Errno.ENOENT);
    checkWritable(to.parent);
    if (old.mount !== to.parent.mount) throw new KernelError(Errno.EXDEV);
    if (ids !== undefined) checkHardlinkSource(ids, old.inode.stat());
    this.#mayCreate(to.parent, ids);
    if (old.inode.type === FileType.Directory) throw new KernelError(Errno.EPERM);
    required(to.parent.inode.link, to.parent.mount.fs);
    to.parent.inode.link!(to.name, old.inode);
    this.events.self(old, IN_ATTRIB);
    this.events.child(to.parent, to.name, IN_CREATE, false);
  }

  /** symlinkat(2): a symlink at `path` pointing at `target`. */
  symlink(target: string, start: PathRef, path: string, root?: PathRef, ids?: AccessIds): void {
    checkPath(target);
    const { parent, name, trailingSlash } = this.#entry(start, path, root, ids);
    if (!isPlainName(name) || this.#maybeChild(parent, name) !== undefined) {
      throw new KernelError(Errno.EEXIST);
    }
    if (trailingSlash) throw new KernelError(Errno.ENOENT);
    this.#mayCreate(parent, ids);
    required(parent.inode.symlink, parent.mount.fs);
    parent.inode.symlink!(name, target);
    this.events.child(parent, name, IN_CREATE, false);
    if (ids !== undefined) {
      const made = this.#maybeChild(parent, name);
      if (made !== undefined) giveToCreator(made.inode, parent.inode, ids);
    }
  }

  /**
   * chmod, chown, truncate and utimensat of a resolved file: EROFS on a read-only mount, and who
   * may change what as {@link checkSetAttr} says; a truncate by path needs write permission.
   */
  setAttr(ref: PathRef, attr: SetAttr, ids?: AccessIds): void {
    this.#setAttr(ref, attr, ids);
    this.attrsChanged(ref, attr, ids);
  }

  /**
   * What follows a change of `attr` at `ref` by `ids` (through `file` when an fd made it): inotify
   * hears it; a truncate or a chown (whatever ids it gives) takes what it takes from the file
   * (`FilePrivileges`); a chmod that sets a set-ID bit has open files' bits checked again.
   */
  attrsChanged(ref: PathRef, attr: SetAttr, ids: AccessIds | undefined, file?: OpenFile): void {
    if (attr.size !== undefined) this.privileges.truncated(ref.inode, ref.mount.fs, ids, file);
    if (attr.uid !== undefined || attr.gid !== undefined) this.privileges.chowned(ref.inode);
    if (attr.mode !== undefined && (attr.mode & (S_ISUID | S_ISGID)) !== 0) this.privileges.setidChanged();
    this.events.changed(ref, attrEvents(attr));
  }

  #setAttr(ref: PathRef, attr: SetAttr, ids?: AccessIds): void {
    if (ids === undefined) {
      setInodeAttr(ref.inode, ref.mount.fs, attr);
      return;
    }
    checkAttrType(ref.inode, attr);
    // Read once, and only if a check needs it (root's chmod and chown do not).
    let st: Stat | undefined;
    const stat = (): Stat => (st ??= ref.inode.stat());
    if (attr.size !== undefined) {
      if (ref.mount.fs.readOnly) throw new KernelError(Errno.EROFS);
      checkAccess(ids, stat(), MAY_WRITE);
    }
    setInodeAttr(ref.inode, ref.mount.fs, checkSetAttr(ids, stat, attr));
  }

  /** statfs(2) of the file system `ref` is on. */
  statfs(ref: PathRef): StatFs {
    return ref.mount.fs.statfs?.() ?? emptyStatFs();
  }

  /** sync(2): every mounted file system writes what it caches. */
  sync(): void {
    for (const m of this.mounts()) m.fs.sync?.();
  }

  #located(file: OpenFile, ref: PathRef): OpenFile {
    file.location = ref;
    return file;
  }

  /** stat(2) (followLast) / lstat(2) of a path. */
  stat(start: PathRef, path: string, followLast: boolean, root?: PathRef, ids?: AccessIds): Stat {
    checkPath(path);
    // The last lookup may bring the stat along (one host call instead of two); it counts only if
    // the walk ended at that very inode (not past a symlink, '.' or '..').
    const state: WalkState = { links: 0, ids, resolve: 0, rootKnown: false, stat: null };
    const ref = this.#walk(start, path, followLast, false, root ?? this.root, state);
    const found = state.stat;
    return found && found.inode === ref.inode ? found.stat : ref.inode.stat();
  }

  /** readlink(2): the target of the symlink at `path`; EINVAL if it is not a symlink. */
  readlink(start: PathRef, path: string, root?: PathRef, ids?: AccessIds): string {
    const ref = this.lookup(start, path, { followLast: false, root, ids });
    if (ref.inode.type !== FileType.Symlink) throw new KernelError(Errno.EINVAL);
    return ref.inode.readlink();
  }

  /**
   * access(2) / faccessat(2): existence, EROFS for W_OK on a read-only file system, then the
   * permission `ids` have (the real ids for access(2)); absent `ids` are root's, for whom X_OK
   * still needs an execute bit on anything but a directory.
   */
  access(
    start: PathRef, path: string, mode: number, followLast = true, root?: PathRef,
    ids: AccessIds = ROOT_IDS,
  ): void {
    if ((mode & ~7) !== 0) throw new KernelError(Errno.EINVAL);
    const ref = this.lookup(start, path, { followLast, root, ids });
    const type = ref.inode.type;
    if ((mode & W_OK) !== 0 && ref.mount.fs.readOnly
      && (type === FileType.Regular || type === FileType.Directory || type === FileType.Symlink)) {
      throw new KernelError(Errno.EROFS);
    }
    // R_OK, W_OK and X_OK have MAY_READ, MAY_WRITE and MAY_EXEC's values.
    checkInodeAccess(ids, ref.inode, mode);
  }
}

/** Root's ids: what access(2) checks with when given none. */
const ROOT_IDS: AccessIds = { uid: 0, gid: 0, groups: [], caps: ALL_CAPS };

/** What open(2)'s `flags` ask of the file: its access mode, and write for O_TRUNC. */
function openAccess(flags: number): number {
  const acc = flags & O_ACCMODE;
  let want = acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
  if ((flags & O_TRUNC) !== 0) want |= MAY_WRITE;
  return want;
}

/**
 * Make a file just created in `dir` belong to its creator, as Linux creates it: the caller's
 * ids, the directory's group when it is set-group-ID (and a new directory inherits that bit).
 * `known`: the file's attributes as its creation left them, if the file system told them.
 */
function giveToCreator(inode: INode, dir: INode, ids: AccessIds | undefined, known?: Stat): void {
  if (ids === undefined || inode.setAttr === undefined) return;
  const st = known ?? inode.stat();
  // File systems give a new file its directory's group, and a new directory its S_ISGID, by
  // Linux's rule: one already owned by the creator's ids is right, and its directory need not be
  // read.
  if (st.uid === ids.uid && st.gid === ids.gid) return;
  const dirStat = dir.stat();
  const want = newFileOwner(ids, dirStat);
  const attr: SetAttr = {};
  if (st.uid !== want.uid) attr.uid = want.uid;
  if (st.gid !== want.gid) attr.gid = want.gid;
  if (inode.type === FileType.Directory && (dirStat.mode & S_ISGID) !== 0
    && (st.mode & S_ISGID) === 0) {
    attr.mode = (st.mode & 0o7777) | S_ISGID;
  }
  if (Object.keys(attr).length > 0) inode.setAttr(attr);
}

/** Whether `ref` is `dir` or below it, by the path it was reached by. */
function isWithin(ref: PathRef, dir: PathRef): boolean {
  for (let r: PathRef | null = ref; r !== null; r = r.parent) {
    if (sameRef(r, dir)) return true;
  }
  return false;
}

/**
 * What no file of `inode`'s type may change: a symlink's mode (EOPNOTSUPP, as Linux's
 * notify_change refuses it), the size of a directory (EISDIR) or of anything but a regular file
 * (EINVAL).
 */
export function checkAttrType(inode: INode, attr: SetAttr): void {
  if (attr.mode !== undefined && inode.type === FileType.Symlink) throw new KernelError(Errno.EOPNOTSUPP);
  if (attr.size !== undefined) {
    if (inode.type === FileType.Directory) throw new KernelError(Errno.EISDIR);
    if (inode.type !== FileType.Regular) throw new KernelError(Errno.EINVAL);
  }
}

/**
 * Change the attributes of `inode` on `fs`: EROFS on a read-only file system, EPERM when the
 * file system cannot; what its type forbids as {@link checkAttrType} says.
 */
export function setInodeAttr(inode: INode, fs: FileSystem, attr: SetAttr): void {
  checkAttrType(inode, attr);
  required(inode.setAttr, fs);
  inode.setAttr!(attr);
}

/** statfs of a file system that keeps no counts. */
function emptyStatFs(): StatFs {
  return {
    type: 0, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n, fsid: [0, 0],
    namelen: NAME_MAX, frsize: 4096, flags: 0,
  };
}

/**
 * What a change of `attr` reports: IN_MODIFY for a new size, IN_ATTRIB for the rest; a chown that
 * leaves both ids (-1) reports nothing, as Linux's.
 */
function attrEvents(attr: SetAttr): number {
  const others = attr.mode !== undefined || (attr.uid ?? -1) !== -1 || (attr.gid ?? -1) !== -1
    || attr.atime !== undefined || attr.mtime !== undefined;
  return (attr.size !== undefined ? IN_MODIFY : 0) | (others ? IN_ATTRIB : 0);
}
