/**
 * Extended attributes: setxattr, lsetxattr, fsetxattr, getxattr, lgetxattr, fgetxattr, listxattr,
 * llistxattr, flistxattr, removexattr, lremovexattr, fremovexattr. The arguments are read as
 * Linux's fs/xattr.c reads them (the name and value before the path); the rules are linux-object's
 * fs/xattr.ts.
 *
 * @module
 */
import {
  Errno, IN_ATTRIB, KernelError, O_PATH, XATTR_CREATE, XATTR_LIST_MAX, XATTR_NAME_CAPS, XATTR_NAME_MAX, XATTR_REPLACE,
  XATTR_SIZE_MAX, fsIds, getXattr, listXattrs, removeXattr, setXattr, stringBytesInto, unnamedXattr,
  type AccessIds, type PathRef,
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

/** The file a path argument names, following a last symlink or not. */
function pathArg(ctx: SyscallContext, i: number, follow: boolean): PathRef {
  return ctx.process.fs.lookup(ctx.path(i), { followLast: follow, ids: idsOf(ctx) });
}

/**
 * The file an fd argument is open at (EBADF for O_PATH fds); undefined for a pipe or a socket,
 * which no file system keeps attributes for.
 */
function fdArg(ctx: SyscallContext, i: number): PathRef | undefined {
  const file = ctx.process.fds.get(ctx.int(i));
  if ((file.statusFlags & O_PATH) !== 0) throw new KernelError(Errno.EBADF);
  return file.location;
}

// ---- set ---------------------------------------------------------------------------------------

/** setxattr's name, value and flags, read before the file is looked up. */
function setArgs(ctx: SyscallContext): { name: string; value: Uint8Array; flags: number } {
  const flags = ctx.int(4);
  if ((flags & ~(XATTR_CREATE | XATTR_REPLACE)) !== 0) throw new KernelError(Errno.EINVAL);
  const name = nameArg(ctx, 1);
  const size = ctx.addr(3);
  if (size > XATTR_SIZE_MAX) throw new KernelError(Errno.E2BIG);
  const value = size === 0 ? new Uint8Array(0) : ctx.mem.read(ctx.addr(2), size);
  return { name, value, flags };
}

function setAt(ctx: SyscallContext, ref: PathRef | undefined, a: { name: string; value: Uint8Array; flags: number }): number {
  if (ref === undefined) unnamedXattr(a.name, true);
  setXattr(ref.inode, ref.mount.fs.readOnly, a.name, a.value, a.flags, idsOf(ctx));
  const vfs = ctx.process.fs.vfs;
  if (a.name === XATTR_NAME_CAPS) {
    if (a.value.length > 0) vfs.privileges.addCaps(ref.inode);
    else vfs.privileges.dropCaps(ref.inode);
  }
  vfs.events.changed(ref, IN_ATTRIB);
  return 0;
}

/** Implements Linux syscall setxattr(2). */
export function sysSetxattr(ctx: SyscallContext) {
  const a = setArgs(ctx);
  return setAt(ctx, pathArg(ctx, 0, true), a);
}

/** Implements Linux syscall lsetxattr(2). */
export function sysLsetxattr(ctx: SyscallContext) {
  const a = setArgs(ctx);
  return setAt(ctx, pathArg(ctx, 0, false), a);
}

/** Implements Linux syscall fsetxattr(2). */
export function sysFsetxattr(ctx: SyscallContext) {
  const a = setArgs(ctx);
  return setAt(ctx, fdArg(ctx, 0), a);
}

// ---- get ---------------------------------------------------------------------------------------

/** The value into the guest's buffer (args 2, 3): its length; with size 0, the length alone. */
function getAt(ctx: SyscallContext, ref: PathRef | undefined, name: string): number {
  if (ref === undefined) unnamedXattr(name, false);
  const value = getXattr(ref.inode, name, idsOf(ctx));
  if (name === XATTR_NAME_CAPS && value.length > 0) ctx.process.fs.vfs.privileges.addCaps(ref.inode);
  return answer(ctx, value, 2, XATTR_SIZE_MAX);
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

/** Implements Linux syscall getxattr(2). */
export function sysGetxattr(ctx: SyscallContext) {
  const name = nameArg(ctx, 1);
  return getAt(ctx, pathArg(ctx, 0, true), name);
}

/** Implements Linux syscall lgetxattr(2). */
export function sysLgetxattr(ctx: SyscallContext) {
  const name = nameArg(ctx, 1);
  return getAt(ctx, pathArg(ctx, 0, false), name);
}

/** Implements Linux syscall fgetxattr(2). */
export function sysFgetxattr(ctx: SyscallContext) {
  const name = nameArg(ctx, 1);
  return getAt(ctx, fdArg(ctx, 0), name);
}

// ---- list --------------------------------------------------------------------------------------

/** The names, each NUL-terminated, into the guest's buffer (args 1, 2): their length; with size 0, the length alone. */
function listAt(ctx: SyscallContext, ref: PathRef | undefined): number {
  if (ref === undefined) return 0;
  let length = 0;
  for (const name of listXattrs(ref.inode, idsOf(ctx))) {
    if (length + name.length + 1 > XATTR_LIST_MAX) throw new KernelError(Errno.E2BIG);
    length += stringBytesInto(name, listScratch.subarray(length));
    listScratch[length++] = 0;
  }
  return answer(ctx, listScratch.subarray(0, length), 1, XATTR_LIST_MAX);
}

/** Implements Linux syscall listxattr(2). */
export function sysListxattr(ctx: SyscallContext) {
  return listAt(ctx, pathArg(ctx, 0, true));
}

/** Implements Linux syscall llistxattr(2). */
export function sysLlistxattr(ctx: SyscallContext) {
  return listAt(ctx, pathArg(ctx, 0, false));
}

/** Implements Linux syscall flistxattr(2). */
export function sysFlistxattr(ctx: SyscallContext) {
  return listAt(ctx, fdArg(ctx, 0));
}

// ---- remove ------------------------------------------------------------------------------------

function removeAt(ctx: SyscallContext, ref: PathRef | undefined, name: string): number {
  if (ref === undefined) unnamedXattr(name, true);
  removeXattr(ref.inode, ref.mount.fs.readOnly, name, idsOf(ctx));
  if (name === XATTR_NAME_CAPS) ctx.process.fs.vfs.privileges.dropCaps(ref.inode);
  ctx.process.fs.vfs.events.changed(ref, IN_ATTRIB);
  return 0;
}

/** Implements Linux syscall removexattr(2). */
export function sysRemovexattr(ctx: SyscallContext) {
  const name = nameArg(ctx, 1);
  return removeAt(ctx, pathArg(ctx, 0, true), name);
}

/** Implements Linux syscall lremovexattr(2). */
export function sysLremovexattr(ctx: SyscallContext) {
  const name = nameArg(ctx, 1);
  return removeAt(ctx, pathArg(ctx, 0, false), name);
}

/** Implements Linux syscall fremovexattr(2). */
export function sysFremovexattr(ctx: SyscallContext) {
  const name = nameArg(ctx, 1);
  return removeAt(ctx, fdArg(ctx, 0), name);
}
