/**
 * Changing the file tree: mkdir, mkdirat, mknod, mknodat, rmdir, unlink, unlinkat, rename, renameat, renameat2,
 * link, linkat, symlink, symlinkat, chmod, fchmod, fchmodat, fchmodat2, chown, fchown, lchown, fchownat,
 * truncate, ftruncate, fallocate, utimensat, utime, utimes, futimesat, fsync, fdatasync, sync,
 * syncfs, statfs, fstatfs. Legacy calls decode their arguments and call the `*at` implementation.
 *
 * @module
 */
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, Errno, KernelError,
  IN_MODIFY, O_PATH, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK, checkAttrType, checkSetAttr, fsIds, setInodeAttr, statfsCodec, viewOf,
  type AccessIds, type FileChanges, type OpenFile, type PathRef, type SetAttr, type SetTime,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { startDir } from './start-dir.js';

/** utimensat's nanosecond values meaning "now" and "leave as is". */
const UTIME_NOW = 0x3fffffff;
const UTIME_OMIT = 0x3ffffffe;

function vfsOf(ctx: SyscallContext) {
  return ctx.process.fs.vfs;
}

/** The ids the caller's file permission checks use. */
function idsOf(ctx: SyscallContext): AccessIds {
  return fsIds(ctx.process.cred);
}

function mkdirAt(ctx: SyscallContext, dirfd: number, path: string, mode: number): number {
  ctx.process.fs.mkdir(path, mode, startDir(ctx, dirfd, path), idsOf(ctx));
  return 0;
}

/** Implements Linux syscall mkdirat(2). */
export function sysMkdirat(ctx: SyscallContext) {
  return mkdirAt(ctx, ctx.int(0), ctx.path(1), ctx.uint(2) & 0o7777);
}

/** Implements Linux syscall mkdir(2). */
export function sysMkdir(ctx: SyscallContext) {
  return mkdirAt(ctx, AT_FDCWD, ctx.path(0), ctx.uint(1) & 0o7777);
}

/** The file types mknod(2) knows (0 is a regular file); a directory is EPERM, as Linux. */
const MKNOD_TYPES = new Set([0, S_IFREG, S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK]);

function mknodAt(ctx: SyscallContext, dirfd: number, path: string, mode: number): number {
  const type = mode & S_IFMT;
  if (type === S_IFDIR) throw new KernelError(Errno.EPERM);
  if (!MKNOD_TYPES.has(type)) throw new KernelError(Errno.EINVAL);
  ctx.process.fs.mknod(path, type | (mode & 0o7777), startDir(ctx, dirfd, path), idsOf(ctx));
  return 0;
}

/** Implements Linux syscall mknodat(2): FIFOs, regular files and socket files; devices EPERM. */
export function sysMknodat(ctx: SyscallContext) {
  return mknodAt(ctx, ctx.int(0), ctx.path(1), ctx.uint(2));
}

/** Implements Linux syscall mknod(2). */
export function sysMknod(ctx: SyscallContext) {
  return mknodAt(ctx, AT_FDCWD, ctx.path(0), ctx.uint(1));
}

function unlinkAt(ctx: SyscallContext, dirfd: number, path: string, flags: number): number {
  if ((flags & ~AT_REMOVEDIR) !== 0) throw new KernelError(Errno.EINVAL);
  const dir = startDir(ctx, dirfd, path);
  if ((flags & AT_REMOVEDIR) !== 0) vfsOf(ctx).rmdir(dir, path, ctx.process.fs.root, idsOf(ctx));
  else vfsOf(ctx).unlink(dir, path, ctx.process.fs.root, idsOf(ctx));
  return 0;
}

/** Implements Linux syscall unlinkat(2). */
export function sysUnlinkat(ctx: SyscallContext) {
  return unlinkAt(ctx, ctx.int(0), ctx.path(1), ctx.int(2));
}

/** Implements Linux syscall unlink(2). */
export function sysUnlink(ctx: SyscallContext) {
  return unlinkAt(ctx, AT_FDCWD, ctx.path(0), 0);
}

/** Implements Linux syscall rmdir(2). */
export function sysRmdir(ctx: SyscallContext) {
  return unlinkAt(ctx, AT_FDCWD, ctx.path(0), AT_REMOVEDIR);
}

function renameAt(
  ctx: SyscallContext, olddirfd: number, oldPath: string, newdirfd: number, newPath: string, flags: number,
): number {
  vfsOf(ctx).rename(
    startDir(ctx, olddirfd, oldPath), oldPath, startDir(ctx, newdirfd, newPath), newPath, flags,
    ctx.process.fs.root, idsOf(ctx),
  );
  return 0;
}

/** Implements Linux syscall renameat2(2): RENAME_NOREPLACE and RENAME_EXCHANGE. */
export function sysRenameat2(ctx: SyscallContext) {
  return renameAt(ctx, ctx.int(0), ctx.path(1), ctx.int(2), ctx.path(3), ctx.uint(4));
}

/** Implements Linux syscall renameat(2). */
export function sysRenameat(ctx: SyscallContext) {
  return renameAt(ctx, ctx.int(0), ctx.path(1), ctx.int(2), ctx.path(3), 0);
}

/** Implements Linux syscall rename(2). */
export function sysRename(ctx: SyscallContext) {
  return renameAt(ctx, AT_FDCWD, ctx.path(0), AT_FDCWD, ctx.path(1), 0);
}

function linkAt(
  ctx: SyscallContext, olddirfd: number, oldPath: string, newdirfd: number, newPath: string, flags: number,
): number {
  if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) !== 0) throw new KernelError(Errno.EINVAL);
  vfsOf(ctx).link(
    startDir(ctx, olddirfd, oldPath), oldPath, startDir(ctx, newdirfd, newPath), newPath,
    (flags & AT_SYMLINK_FOLLOW) !== 0, ctx.process.fs.root, idsOf(ctx),
  );
  return 0;
}

/** Implements Linux syscall linkat(2). AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH: ENOENT here. */
export function sysLinkat(ctx: SyscallContext) {
  return linkAt(ctx, ctx.int(0), ctx.path(1), ctx.int(2), ctx.path(3), ctx.int(4));
}

/** Implements Linux syscall link(2). */
export function sysLink(ctx: SyscallContext) {
  return linkAt(ctx, AT_FDCWD, ctx.path(0), AT_FDCWD, ctx.path(1), 0);
}

function symlinkAt(ctx: SyscallContext, target: string, newdirfd: number, path: string): number {
  vfsOf(ctx).symlink(target, startDir(ctx, newdirfd, path), path, ctx.process.fs.root, idsOf(ctx));
  return 0;
}

/** Implements Linux syscall symlinkat(2). */
export function sysSymlinkat(ctx: SyscallContext) {
  return symlinkAt(ctx, ctx.path(0), ctx.int(1), ctx.path(2));
}

/** Implements Linux syscall symlink(2). */
export function sysSymlink(ctx: SyscallContext) {
  return symlinkAt(ctx, ctx.path(0), AT_FDCWD, ctx.path(1));
}

/** The flags (argument `i`) of a call that takes AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH: checked before its path, as Linux does. */
function atFlags(ctx: SyscallContext, i: number): number {
  const flags = ctx.int(i);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) throw new KernelError(Errno.EINVAL);
  return flags;
}

/**
 * Change the attributes of what `path` names (from `dirfd`), or of the open file `dirfd` when
 * the path is empty and `flags` has AT_EMPTY_PATH.
 */
function setAttrAt(ctx: SyscallContext, dirfd: number, path: string, flags: number, attr: SetAttr): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) throw new KernelError(Errno.EINVAL);
  if (path === '' && (flags & AT_EMPTY_PATH) !== 0) {
    if (dirfd === AT_FDCWD) return setRefAttr(ctx, ctx.process.fs.cwd, attr);
    return setFileAttr(ctx, ctx.process.fds.get(dirfd), attr);
  }
  const ref = ctx.process.fs.lookup(
    path, { followLast: (flags & AT_SYMLINK_NOFOLLOW) === 0, ids: idsOf(ctx) }, startDir(ctx, dirfd, path),
  );
  return setRefAttr(ctx, ref, attr);
}

function setRefAttr(ctx: SyscallContext, ref: PathRef, attr: SetAttr): number {
  vfsOf(ctx).setAttr(ref, attr, idsOf(ctx));
  return 0;
}

/**
 * Change the attributes of an open file: through the file itself when it can (so an unlinked
 * file still changes), else through the inode it was opened at. Files of no file system (pipes,
 * sockets) keep no attributes here: the change is accepted and forgotten.
 */
function setFileAttr(ctx: SyscallContext, file: OpenFile, wanted: SetAttr): number {
  if (file.location !== undefined) checkAttrType(file.location.inode, wanted);
  // Who may change what is checked against the file's owner (read only when that matters); an
  // open fd's own size is not.
  const attr = checkSetAttr(idsOf(ctx), () => file.stat(), wanted);
  const changes = file as OpenFile & FileChanges;
  if (changes.setAttr !== undefined) changes.setAttr(attr);
  else if (file.location !== undefined) {
    const { inode, mount } = file.location;
    setInodeAttr(inode, mount.fs, attr);
  } else if (attr.size !== undefined) throw new KernelError(Errno.EINVAL);
  if (file.location !== undefined) vfsOf(ctx).attrsChanged(file.location, attr, idsOf(ctx), file);
  return 0;
}

/** The open file of `fd` for an fd-level change: O_PATH descriptors cannot (EBADF). */
function fileForChange(ctx: SyscallContext, fd: number): OpenFile {
  const file = ctx.process.fds.get(fd);
  if ((file.statusFlags & O_PATH) !== 0) throw new KernelError(Errno.EBADF);
  return file;
}

/** Implements Linux syscall fchmodat(2). */
export function sysFchmodat(ctx: SyscallContext) {
  return setAttrAt(ctx, ctx.int(0), ctx.path(1), 0, { mode: ctx.uint(2) & 0o7777 });
}

/**
 * Implements Linux syscall fchmodat2(2): fchmodat with flags. A symlink's own mode cannot change
 * (EOPNOTSUPP, from the file system's rules).
 */
export function sysFchmodat2(ctx: SyscallContext) {
  const flags = atFlags(ctx, 3);
  return setAttrAt(ctx, ctx.int(0), ctx.path(1), flags, { mode: ctx.uint(2) & 0o7777 });
}

/** Implements Linux syscall chmod(2). */
export function sysChmod(ctx: SyscallContext) {
  return setAttrAt(ctx, AT_FDCWD, ctx.path(0), 0, { mode: ctx.uint(1) & 0o7777 });
}

/** Implements Linux syscall fchmod(2). */
export function sysFchmod(ctx: SyscallContext) {
  return setFileAttr(ctx, fileForChange(ctx, ctx.int(0)), { mode: ctx.uint(1) & 0o7777 });
}

/**
 * The (uid, gid) of a chown call, -1 leaving an id as is: both always there, since a chown that
 * changes neither still is one (it takes a file's capabilities away, and updates its ctime).
 */
function owner(ctx: SyscallContext, i: number): SetAttr {
  return { uid: ctx.int(i), gid: ctx.int(i + 1) };
}

/** Implements Linux syscall fchownat(2). */
export function sysFchownat(ctx: SyscallContext) {
  const flags = atFlags(ctx, 4);
  return setAttrAt(ctx, ctx.int(0), ctx.path(1), flags, owner(ctx, 2));
}

/** Implements Linux syscall chown(2). */
export function sysChown(ctx: SyscallContext) {
  return setAttrAt(ctx, AT_FDCWD, ctx.path(0), 0, owner(ctx, 1));
}

/** Implements Linux syscall lchown(2). */
export function sysLchown(ctx: SyscallContext) {
  return setAttrAt(ctx, AT_FDCWD, ctx.path(0), AT_SYMLINK_NOFOLLOW, owner(ctx, 1));
}

/** Implements Linux syscall fchown(2). */
export function sysFchown(ctx: SyscallContext) {
  return setFileAttr(ctx, fileForChange(ctx, ctx.int(0)), owner(ctx, 1));
}

/** A truncate length: EINVAL if negative. */
function length(ctx: SyscallContext, i: number): number {
  const n = ctx.long(i);
  if (n < 0n) throw new KernelError(Errno.EINVAL);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new KernelError(Errno.EFBIG);
  return Number(n);
}

/** Implements Linux syscall truncate(2). */
export function sysTruncate(ctx: SyscallContext) {
  const path = ctx.path(0);
  return setAttrAt(ctx, AT_FDCWD, path, 0, { size: length(ctx, 1) });
}

/** Implements Linux syscall ftruncate(2): EINVAL unless the fd is open for writing. */
export function sysFtruncate(ctx: SyscallContext) {
  const file = fileForChange(ctx, ctx.int(0));
  const size = length(ctx, 1);
  if ((file.statusFlags & 3) === 0) throw new KernelError(Errno.EINVAL);
  return setFileAttr(ctx, file, { size });
}

/** Implements Linux syscall fallocate(2) for files that can (others: EOPNOTSUPP, ESPIPE). */
export function sysFallocate(ctx: SyscallContext) {
  const file = fileForChange(ctx, ctx.int(0));
  const offset = ctx.long(2);
  const len = ctx.long(3);
  if (offset < 0n || len <= 0n) throw new KernelError(Errno.EINVAL);
  if (offset + len > BigInt(Number.MAX_SAFE_INTEGER)) throw new KernelError(Errno.EFBIG);
  const changes = file as OpenFile & FileChanges;
  if (changes.allocate !== undefined) {
    changes.allocate(ctx.int(1), Number(offset), Number(len));
    if (file.location !== undefined) vfsOf(ctx).events.changed(file.location, IN_MODIFY);
    return 0;
  }
  if ((file.statusFlags & 3) === 0) throw new KernelError(Errno.EBADF);
  throw new KernelError(file.location === undefined ? Errno.ESPIPE : Errno.EOPNOTSUPP);
}

/** One utimensat time from a guest timespec: UTIME_OMIT gives undefined. */
function setTime(sec: number, nsec: number): SetTime | undefined {
  if (nsec === UTIME_NOW) return 'now';
  if (nsec === UTIME_OMIT) return undefined;
  if (nsec < 0 || nsec > 999_999_999) throw new KernelError(Errno.EINVAL);
  return { sec, nsec };
}

/** Set the times of `path` (or of `dirfd` itself when the path pointer is null, as utimensat). */
function utimesAt(
  ctx: SyscallContext, dirfd: number, pathAddr: number, flags: number,
  times: [SetTime | undefined, SetTime | undefined],
): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) throw new KernelError(Errno.EINVAL);
  const attr: SetAttr = {};
  if (times[0]) attr.atime = times[0];
  if (times[1]) attr.mtime = times[1];
  if (pathAddr === 0) {
    if (dirfd === AT_FDCWD) throw new KernelError(Errno.EFAULT);
    if (attr.atime === undefined && attr.mtime === undefined) return 0;
    return setFileAttr(ctx, ctx.process.fds.get(dirfd), attr);
  }
  const path = ctx.mem.readString(pathAddr, 4096);
  if (attr.atime === undefined && attr.mtime === undefined) {
    // Nothing to change: Linux still resolves the path.
    const followLast = (flags & AT_SYMLINK_NOFOLLOW) === 0;
    ctx.process.fs.lookup(path, { followLast, ids: idsOf(ctx) }, startDir(ctx, dirfd, path));
    return 0;
  }
  return setAttrAt(ctx, dirfd, path, flags, attr);
}

/** Times from `count` pairs of 64-bit words at `addr` (`scale` turns the second into ns). */
function guestTimes(ctx: SyscallContext, addr: number, scale: number): [SetTime | undefined, SetTime | undefined] {
  if (addr === 0) return ['now', 'now'];
  const v = viewOf(ctx.mem.read(addr, 32));
  const word = (i: number) => Number(v.getBigInt64(i * 8, true));
  if (scale === 1) return [setTime(word(0), word(1)), setTime(word(2), word(3))];
  const usec = (i: number) => {
    const us = word(i);
    if (us < 0 || us > 999_999) throw new KernelError(Errno.EINVAL);
    return us * scale;
  };
  return [{ sec: word(0), nsec: usec(1) }, { sec: word(2), nsec: usec(3) }];
}

/** Implements Linux syscall utimensat(2). */
export function sysUtimensat(ctx: SyscallContext) {
  return utimesAt(ctx, ctx.int(0), ctx.addr(1), ctx.int(3), guestTimes(ctx, ctx.addr(2), 1));
}

/** Implements Linux syscall futimesat(2). */
export function sysFutimesat(ctx: SyscallContext) {
  return utimesAt(ctx, ctx.int(0), ctx.addr(1), 0, guestTimes(ctx, ctx.addr(2), 1000));
}

/** Implements Linux syscall utimes(2). */
export function sysUtimes(ctx: SyscallContext) {
  return utimesAt(ctx, AT_FDCWD, ctx.addr(0), 0, guestTimes(ctx, ctx.addr(1), 1000));
}

/** Implements Linux syscall utime(2): whole seconds (`struct utimbuf`). */
export function sysUtime(ctx: SyscallContext) {
  const addr = ctx.addr(1);
  let times: [SetTime, SetTime] = ['now', 'now'];
  if (addr !== 0) {
    const v = viewOf(ctx.mem.read(addr, 16));
    times = [
      { sec: Number(v.getBigInt64(0, true)), nsec: 0 }, { sec: Number(v.getBigInt64(8, true)), nsec: 0 },
    ];
  }
  return utimesAt(ctx, AT_FDCWD, ctx.addr(0), 0, times);
}

function syncFile(ctx: SyscallContext, dataOnly: boolean): number {
  const file = fileForChange(ctx, ctx.int(0));
  const changes = file as OpenFile & FileChanges;
  if (changes.sync !== undefined) changes.sync(dataOnly);
  // Files of in-memory file systems have nothing to write; pipes and sockets cannot sync.
  else if (file.location === undefined) throw new KernelError(Errno.EINVAL);
  return 0;
}

/** Implements Linux syscall fsync(2). */
export function sysFsync(ctx: SyscallContext) {
  return syncFile(ctx, false);
}

/** Implements Linux syscall fdatasync(2). */
export function sysFdatasync(ctx: SyscallContext) {
  return syncFile(ctx, true);
}

/** Implements Linux syscall sync(2). */
export function sysSync(ctx: SyscallContext) {
  vfsOf(ctx).sync();
  return 0;
}

/** Implements Linux syscall syncfs(2). */
export function sysSyncfs(ctx: SyscallContext) {
  ctx.process.fds.get(ctx.int(0)).location?.mount.fs.sync?.();
  return 0;
}

function writeStatfs(ctx: SyscallContext, ref: PathRef, addr: number): number {
  const buf = new Uint8Array(statfsCodec.size);
  statfsCodec.write(viewOf(buf), 0, vfsOf(ctx).statfs(ref));
  ctx.mem.write(addr, buf);
  return 0;
}

/** Implements Linux syscall statfs(2). */
export function sysStatfs(ctx: SyscallContext) {
  return writeStatfs(ctx, ctx.process.fs.lookup(ctx.path(0), { followLast: true, ids: idsOf(ctx) }), ctx.addr(1));
}

/** Implements Linux syscall fstatfs(2). Pipes and sockets report an empty file system. */
export function sysFstatfs(ctx: SyscallContext) {
  const ref = ctx.process.fds.get(ctx.int(0)).location;
  if (ref !== undefined) return writeStatfs(ctx, ref, ctx.addr(1));
  ctx.mem.write(ctx.addr(1), new Uint8Array(statfsCodec.size));
  return 0;
}
