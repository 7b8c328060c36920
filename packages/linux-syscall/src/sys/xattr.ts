/**
 * Extended attributes: setxattr, lsetxattr, fsetxattr, setxattrat, getxattr, lgetxattr, fgetxattr,
 * getxattrat, listxattr, llistxattr, flistxattr, listxattrat, removexattr, lremovexattr,
 * fremovexattr, removexattrat. The arguments are read as Linux's fs/xattr.c reads them (the name
 * and value before the path); the rules are linux-object's fs/xattr.ts.
 *
 * @module
 */
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, Errno, KernelError, O_PATH, XATTR_CREATE, XATTR_LIST_MAX, XATTR_NAME_MAX,
  XATTR_REPLACE, XATTR_SIZE_MAX, fsIds, getXattr, listXattrs, removeXattr, setXattr, stringBytesInto,
  type AccessIds, type XattrTarget,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { readSizedStruct } from './sized-struct.js';
import { startDir } from './start-dir.js';

/** Where listxattr builds its answer (the kernel is single-threaded: one buffer serves every call). */
const listScratch = new Uint8Array(XATTR_LIST_MAX);

/** The size of struct xattr_args { u64 value; u32 size; u32 flags; } (XATTR_ARGS_SIZE_VER0). */
const XATTR_ARGS_SIZE = 16;

function idsOf(ctx: SyscallContext): AccessIds {
  return fsIds(ctx.process.cred);
}

/** The attribute name at `addr`: EFAULT, and ERANGE for an empty one or one past 255 bytes. */
function nameAt(ctx: SyscallContext, addr: number): string {
  let name: string;
  try {
    name = ctx.mem.readString(addr, XATTR_NAME_MAX + 1);
  } catch (err) {
    if (err instanceof KernelError && err.errno === Errno.ENAMETOOLONG) throw new KernelError(Errno.ERANGE);
    throw err;
  }
  if (name.length === 0) throw new KernelError(Errno.ERANGE);
  return name;
}

/** The file an xattr call names, found only after its name and value are read, as Linux finds it. */
type FileArg = (ctx: SyscallContext) => XattrTarget;

/** The file the path argument 0 names, its last symlink followed (or not: `link`). */
function pathTarget(ctx: SyscallContext, link: boolean): XattrTarget {
  return { vfs: ctx.process.fs.vfs, ref: ctx.process.fs.lookup(ctx.path(0), { followLast: !link, ids: idsOf(ctx) }) };
}

/** An open file (EBADF for O_PATH fds; a pipe's or socket's has no file system: `ref` undefined). */
function fdTarget(ctx: SyscallContext, fd: number): XattrTarget {
  const file = ctx.process.fds.get(fd);
  if ((file.statusFlags & O_PATH) !== 0) throw new KernelError(Errno.EBADF);
  return { vfs: ctx.process.fs.vfs, ref: file.location, store: file.xattrs };
}

const byPath: FileArg = (ctx) => pathTarget(ctx, false);
const byLink: FileArg = (ctx) => pathTarget(ctx, true);
const byFd: FileArg = (ctx) => fdTarget(ctx, ctx.int(0));

/**
 * The file a *xattrat call names: `pathname` (argument 1) from `dirfd` (argument 0), its last
 * symlink followed unless AT_SYMLINK_NOFOLLOW; with AT_EMPTY_PATH and a NULL or empty path, the
 * open file `dirfd`. For that last case, set and get (`cwdForEmpty`) take AT_FDCWD as the cwd, as
 * Linux does since 6.15, where list and remove answer EBADF.
 */
function atTarget(ctx: SyscallContext, cwdForEmpty: boolean): XattrTarget {
  const dirfd = ctx.int(0);
  const flags = ctx.int(2);
  const path = (flags & AT_EMPTY_PATH) !== 0 && ctx.addr(1) === 0 ? '' : ctx.path(1);
  if (path === '' && (flags & AT_EMPTY_PATH) !== 0) {
    if (!(cwdForEmpty && dirfd === AT_FDCWD)) return fdTarget(ctx, dirfd);
    return { vfs: ctx.process.fs.vfs, ref: ctx.process.fs.cwd };
  }
  const ref = ctx.process.fs.lookup(
    path, { followLast: (flags & AT_SYMLINK_NOFOLLOW) === 0, ids: idsOf(ctx) }, startDir(ctx, dirfd, path),
  );
  return { vfs: ctx.process.fs.vfs, ref };
}

const atSetGet: FileArg = (ctx) => atTarget(ctx, true);
const atListRemove: FileArg = (ctx) => atTarget(ctx, false);

/** A *xattrat call's flags (argument 2): AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH, else EINVAL. */
function checkAtFlags(ctx: SyscallContext): void {
  if ((ctx.int(2) & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) throw new KernelError(Errno.EINVAL);
}

/** The struct xattr_args (argument 4, its size argument 5) of setxattrat and getxattrat. */
function xattrArgs(ctx: SyscallContext): { value: number; size: number; flags: number } {
  const v = readSizedStruct(ctx, ctx.addr(4), ctx.addr(5), XATTR_ARGS_SIZE);
  return { value: Number(v.getBigUint64(0, true)), size: v.getUint32(8, true), flags: v.getUint32(12, true) };
}

/** Set attribute `nameAddr` of `file` to the `size` bytes at `valueAddr`. */
function set(ctx: SyscallContext, file: FileArg, nameAddr: number, valueAddr: number, size: number, flags: number): number {
  if ((flags & ~(XATTR_CREATE | XATTR_REPLACE)) !== 0) throw new KernelError(Errno.EINVAL);
  const name = nameAt(ctx, nameAddr);
  if (size > XATTR_SIZE_MAX) throw new KernelError(Errno.E2BIG);
  const value = size === 0 ? new Uint8Array(0) : ctx.mem.read(valueAddr, size);
  setXattr(file(ctx), name, value, flags, idsOf(ctx));
  return 0;
}

/** The value's length, the value written to the `size` bytes at `buf`; with size 0, the length alone. */
function get(ctx: SyscallContext, file: FileArg, nameAddr: number, buf: number, size: number): number {
  const name = nameAt(ctx, nameAddr);
  return answer(ctx, getXattr(file(ctx), name, idsOf(ctx)), buf, size, XATTR_SIZE_MAX);
}

/** The names, each NUL-terminated, into the `size` bytes at `buf`; with size 0, their length alone. */
function list(ctx: SyscallContext, file: FileArg, buf: number, size: number): number {
  let length = 0;
  for (const name of listXattrs(file(ctx), idsOf(ctx))) {
    if (length + name.length + 1 > XATTR_LIST_MAX) throw new KernelError(Errno.E2BIG);
    length += stringBytesInto(name, listScratch.subarray(length));
    listScratch[length++] = 0;
  }
  return answer(ctx, listScratch.subarray(0, length), buf, size, XATTR_LIST_MAX);
}

function remove(ctx: SyscallContext, file: FileArg, nameAddr: number): number {
  const name = nameAt(ctx, nameAddr);
  removeXattr(file(ctx), name, idsOf(ctx));
  return 0;
}

/**
 * `bytes` into the guest's buffer of `size` bytes at `buf` (taken as `max` at most): their length.
 * Size 0 asks the length alone; a buffer too small is ERANGE, E2BIG when it already was `max`.
 */
function answer(ctx: SyscallContext, bytes: Uint8Array, buf: number, wanted: number, max: number): number {
  const size = Math.min(wanted, max);
  if (size === 0 || bytes.length === 0) return bytes.length;
  if (bytes.length > size) throw new KernelError(size >= max ? Errno.E2BIG : Errno.ERANGE);
  ctx.mem.write(buf, bytes);
  return bytes.length;
}

/** setxattr(path or fd, name, value, size, flags). */
const setArgs = (ctx: SyscallContext, file: FileArg) => set(ctx, file, ctx.addr(1), ctx.addr(2), ctx.addr(3), ctx.int(4));
/** getxattr(path or fd, name, buf, size). */
const getArgs = (ctx: SyscallContext, file: FileArg) => get(ctx, file, ctx.addr(1), ctx.addr(2), ctx.addr(3));
/** listxattr(path or fd, buf, size). */
const listArgs = (ctx: SyscallContext, file: FileArg) => list(ctx, file, ctx.addr(1), ctx.addr(2));

/** Implements Linux syscall setxattr(2). */
export const sysSetxattr = (ctx: SyscallContext) => setArgs(ctx, byPath);
/** Implements Linux syscall lsetxattr(2). */
export const sysLsetxattr = (ctx: SyscallContext) => setArgs(ctx, byLink);
/** Implements Linux syscall fsetxattr(2). */
export const sysFsetxattr = (ctx: SyscallContext) => setArgs(ctx, byFd);
/** Implements Linux syscall getxattr(2). */
export const sysGetxattr = (ctx: SyscallContext) => getArgs(ctx, byPath);
/** Implements Linux syscall lgetxattr(2). */
export const sysLgetxattr = (ctx: SyscallContext) => getArgs(ctx, byLink);
/** Implements Linux syscall fgetxattr(2). */
export const sysFgetxattr = (ctx: SyscallContext) => getArgs(ctx, byFd);
/** Implements Linux syscall listxattr(2). */
export const sysListxattr = (ctx: SyscallContext) => listArgs(ctx, byPath);
/** Implements Linux syscall llistxattr(2). */
export const sysLlistxattr = (ctx: SyscallContext) => listArgs(ctx, byLink);
/** Implements Linux syscall flistxattr(2). */
export const sysFlistxattr = (ctx: SyscallContext) => listArgs(ctx, byFd);
/** Implements Linux syscall removexattr(2). */
export const sysRemovexattr = (ctx: SyscallContext) => remove(ctx, byPath, ctx.addr(1));
/** Implements Linux syscall lremovexattr(2). */
export const sysLremovexattr = (ctx: SyscallContext) => remove(ctx, byLink, ctx.addr(1));
/** Implements Linux syscall fremovexattr(2). */
export const sysFremovexattr = (ctx: SyscallContext) => remove(ctx, byFd, ctx.addr(1));

/** Implements Linux syscall setxattrat(2): (dirfd, path, at_flags, name, struct xattr_args *, its size). */
export function sysSetxattrat(ctx: SyscallContext) {
  const args = xattrArgs(ctx);
  checkAtFlags(ctx);
  return set(ctx, atSetGet, ctx.addr(3), args.value, args.size, args.flags);
}

/** Implements Linux syscall getxattrat(2): (dirfd, path, at_flags, name, struct xattr_args *, its size). */
export function sysGetxattrat(ctx: SyscallContext) {
  const args = xattrArgs(ctx);
  if (args.flags !== 0) throw new KernelError(Errno.EINVAL);
  checkAtFlags(ctx);
  return get(ctx, atSetGet, ctx.addr(3), args.value, args.size);
}

/** Implements Linux syscall listxattrat(2): (dirfd, path, at_flags, list, size). */
export function sysListxattrat(ctx: SyscallContext) {
  checkAtFlags(ctx);
  return list(ctx, atListRemove, ctx.addr(3), ctx.addr(4));
}

/** Implements Linux syscall removexattrat(2): (dirfd, path, at_flags, name). */
export function sysRemovexattrat(ctx: SyscallContext) {
  checkAtFlags(ctx);
  return remove(ctx, atListRemove, ctx.addr(3));
}
