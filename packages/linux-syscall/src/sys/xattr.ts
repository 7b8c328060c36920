/**
 * Extended attributes: setxattr, lsetxattr, fsetxattr, getxattr, lgetxattr, fgetxattr, listxattr,
 * llistxattr, flistxattr, removexattr, lremovexattr, fremovexattr. The arguments are read as
 * Linux's fs/xattr.c reads them (the name and value before the path); the rules are linux-object's
 * fs/xattr.ts.
 *
 * @module
 */
import {
  Errno, KernelError, O_PATH, XATTR_CREATE, XATTR_LIST_MAX, XATTR_NAME_MAX, XATTR_REPLACE, XATTR_SIZE_MAX, fsIds,
  getXattr, listXattrs, removeXattr, setXattr, stringBytesInto, type AccessIds, type XattrTarget,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** Where listxattr builds its answer (the kernel is single-threaded: one buffer serves every call). */
const listScratch = new Uint8Array(XATTR_LIST_MAX);

function idsOf(ctx: SyscallContext): AccessIds {
  return fsIds(ctx.process.cred);
}

/** The attribute name argument: EFAULT, and ERANGE for an empty one or one past 255 bytes. */
function nameArg(ctx: SyscallContext, i: number): string {
  const addr = ctx.addr(i);
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

/** How an xattr call names its file: a path followed to its end, a path not (l…), an fd (f…). */
type Names = 'path' | 'link' | 'fd';

/**
 * The file argument 0 names, read after the name and value as Linux reads them: through a path,
 * or an fd (EBADF for O_PATH fds; a pipe's or socket's has no file system: `ref` undefined).
 */
function target(ctx: SyscallContext, names: Names): XattrTarget {
  const vfs = ctx.process.fs.vfs;
  if (names !== 'fd') return { vfs, ref: ctx.process.fs.lookup(ctx.path(0), { followLast: names === 'path', ids: idsOf(ctx) }) };
  const file = ctx.process.fds.get(ctx.int(0));
  if ((file.statusFlags & O_PATH) !== 0) throw new KernelError(Errno.EBADF);
  return { vfs, ref: file.location, store: file.xattrs };
}

/** setxattr(path or fd, name, value, size, flags). */
function set(ctx: SyscallContext, names: Names): number {
  const flags = ctx.int(4);
  if ((flags & ~(XATTR_CREATE | XATTR_REPLACE)) !== 0) throw new KernelError(Errno.EINVAL);
  const name = nameArg(ctx, 1);
  const size = ctx.addr(3);
  if (size > XATTR_SIZE_MAX) throw new KernelError(Errno.E2BIG);
  const value = size === 0 ? new Uint8Array(0) : ctx.mem.read(ctx.addr(2), size);
  setXattr(target(ctx, names), name, value, flags, idsOf(ctx));
  return 0;
}

/** getxattr(path or fd, name, buf, size): the value's length; with size 0, the length alone. */
function get(ctx: SyscallContext, names: Names): number {
  const name = nameArg(ctx, 1);
  return answer(ctx, getXattr(target(ctx, names), name, idsOf(ctx)), 2, XATTR_SIZE_MAX);
}

/** listxattr(path or fd, buf, size): the names, each NUL-terminated; with size 0, their length alone. */
function list(ctx: SyscallContext, names: Names): number {
  let length = 0;
  for (const name of listXattrs(target(ctx, names), idsOf(ctx))) {
    if (length + name.length + 1 > XATTR_LIST_MAX) throw new KernelError(Errno.E2BIG);
    length += stringBytesInto(name, listScratch.subarray(length));
    listScratch[length++] = 0;
  }
  return answer(ctx, listScratch.subarray(0, length), 1, XATTR_LIST_MAX);
}

/** removexattr(path or fd, name). */
function remove(ctx: SyscallContext, names: Names): number {
  const name = nameArg(ctx, 1);
  removeXattr(target(ctx, names), name, idsOf(ctx));
  return 0;
}

/**
 * `bytes` into the guest's buffer (argument `bufArg`, its size the next one, taken as `max` at
 * most): their length. Size 0 asks the length alone; a buffer too small is ERANGE, E2BIG when it
 * already was `max`.
 */
function answer(ctx: SyscallContext, bytes: Uint8Array, bufArg: number, max: number): number {
  const size = Math.min(ctx.addr(bufArg + 1), max);
  if (size === 0 || bytes.length === 0) return bytes.length;
  if (bytes.length > size) throw new KernelError(size >= max ? Errno.E2BIG : Errno.ERANGE);
  ctx.mem.write(ctx.addr(bufArg), bytes);
  return bytes.length;
}

/** Implements Linux syscall setxattr(2). */
export const sysSetxattr = (ctx: SyscallContext) => set(ctx, 'path');
/** Implements Linux syscall lsetxattr(2). */
export const sysLsetxattr = (ctx: SyscallContext) => set(ctx, 'link');
/** Implements Linux syscall fsetxattr(2). */
export const sysFsetxattr = (ctx: SyscallContext) => set(ctx, 'fd');
/** Implements Linux syscall getxattr(2). */
export const sysGetxattr = (ctx: SyscallContext) => get(ctx, 'path');
/** Implements Linux syscall lgetxattr(2). */
export const sysLgetxattr = (ctx: SyscallContext) => get(ctx, 'link');
/** Implements Linux syscall fgetxattr(2). */
export const sysFgetxattr = (ctx: SyscallContext) => get(ctx, 'fd');
/** Implements Linux syscall listxattr(2). */
export const sysListxattr = (ctx: SyscallContext) => list(ctx, 'path');
/** Implements Linux syscall llistxattr(2). */
export const sysLlistxattr = (ctx: SyscallContext) => list(ctx, 'link');
/** Implements Linux syscall flistxattr(2). */
export const sysFlistxattr = (ctx: SyscallContext) => list(ctx, 'fd');
/** Implements Linux syscall removexattr(2). */
export const sysRemovexattr = (ctx: SyscallContext) => remove(ctx, 'path');
/** Implements Linux syscall lremovexattr(2). */
export const sysLremovexattr = (ctx: SyscallContext) => remove(ctx, 'link');
/** Implements Linux syscall fremovexattr(2). */
export const sysFremovexattr = (ctx: SyscallContext) => remove(ctx, 'fd');
