/**
 * Files and descriptors: openat, openat2, open, creat, close, the stat family, getdents64, readlink,
 * access, getcwd, chdir, fchdir, chroot, ioctl, fcntl, dup, dup2, dup3, umask.
 * Legacy calls decode their arguments and call the `*at` implementation.
 *
 * @module
 */
import {
  AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, Errno, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL,
  F_SETFD, F_SETFL, FD_CLOEXEC, F_ADD_SEALS, F_GET_SEALS, F_GETLK, F_GETPIPE_SZ, F_OFD_GETLK, F_OFD_SETLK,
  F_GETOWN, F_GETOWN_EX, F_GETSIG, F_NOTIFY, F_OFD_SETLKW, F_SETLK, F_SETLKW, F_SETOWN, F_SETOWN_EX, F_SETPIPE_SZ, F_SETSIG, FIOASYNC, FIOCLEX, FIONBIO, FIONCLEX, FIONREAD, IN_ACCESS, KernelError,
  NSIG, O_ACCMODE, O_ASYNC, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_NONBLOCK, O_PATH, O_PATH_FLAGS, O_RDONLY, O_TMPFILE, O_TRUNC, O_WRONLY,
  RESOLVE_BENEATH, RESOLVE_CACHED, RESOLVE_IN_ROOT, S_IFDIR, VALID_OPEN_FLAGS, VALID_RESOLVE_FLAGS, S_IFLNK, S_IFMT, S_IFREG, SEEK_CUR, SEEK_SET, fsIds, realIds, statCodec, statxCodec, ownerProcesses, setDirNotify, statxFromStat, terminalIoctlArgSize, terminalIoctlByValue, viewOf,
  type FileOwner, type OpenFile, type PathRef, type Stat,
} from '@rvisor/linux-object';
import { stringToBytes } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';
import { fcntlPipeSize, fcntlRecordLock, fcntlSeals } from './fd-extra.js';
import { interfaceIoctl, isInterfaceIoctl } from './interface-ioctl.js';
import { readSizedStruct } from './sized-struct.js';
import { dirOf, startDir } from './start-dir.js';

/** ioctl: the bytes allocated to a regular file, directory or symlink. */
const FIOQSIZE = 0x5460;

/** `resolve`: openat2's RESOLVE_* flags (RESOLVE_IN_ROOT resolves an absolute path from `dirfd` too). */
function openAt(ctx: SyscallContext, dirfd: number, path: string, flags: number, mode: number, resolve = 0): number {
  const fromRoot = path.startsWith('/') && (resolve & RESOLVE_IN_ROOT) === 0;
  const dir = fromRoot ? ctx.process.fs.cwd : dirOf(ctx, dirfd);
  const file = ctx.process.fs.open(path, flags, mode, dir, fsIds(ctx.process.cred), resolve);
  try {
    return ctx.process.fds.install(file, { cloexec: (flags & O_CLOEXEC) !== 0 });
  } catch (err) {
    file.close();
    throw err;
  }
}

/** Implements Linux syscall openat(2). */
export function sysOpenat(ctx: SyscallContext) {
  return openAt(ctx, ctx.int(0), ctx.path(1), ctx.int(2), ctx.uint(3) & 0o7777);
}

/** struct open_how: flags, mode and resolve, a u64 each. */
interface OpenHow {
  flags: bigint;
  mode: bigint;
  resolve: bigint;
}

/** The size of struct open_how (OPEN_HOW_SIZE_VER0, the only version so far). */
const OPEN_HOW_SIZE = 24;

/** O_TMPFILE without the O_DIRECTORY it includes (Linux's __O_TMPFILE). */
const TMPFILE_BIT = O_TMPFILE & ~O_DIRECTORY;

/** openat2's struct open_how of `size` bytes at `addr`. */
function readOpenHow(ctx: SyscallContext, addr: number, size: number): OpenHow {
  const v = readSizedStruct(ctx, addr, size, OPEN_HOW_SIZE);
  return { flags: v.getBigUint64(0, true), mode: v.getBigUint64(8, true), resolve: v.getBigUint64(16, true) };
}

/**
 * Linux's build_open_flags for openat2, which refuses what openat ignores: unknown flags or
 * resolve flags, a mode without O_CREAT or O_TMPFILE or beyond 07777, both scoping flags
 * (EINVAL); RESOLVE_CACHED with an open that may create or truncate (EAGAIN).
 */
function checkOpenHow(how: OpenHow): void {
  if ((how.flags & ~BigInt(VALID_OPEN_FLAGS)) !== 0n || (how.resolve & ~BigInt(VALID_RESOLVE_FLAGS)) !== 0n) {
    throw new KernelError(Errno.EINVAL);
  }
  const flags = Number(how.flags);
  const resolve = Number(how.resolve);
  if ((resolve & RESOLVE_BENEATH) !== 0 && (resolve & RESOLVE_IN_ROOT) !== 0) throw new KernelError(Errno.EINVAL);
  const creates = (flags & (O_CREAT | TMPFILE_BIT)) !== 0;
  if (creates ? (how.mode & ~0o7777n) !== 0n : how.mode !== 0n) throw new KernelError(Errno.EINVAL);
  if ((flags & (O_DIRECTORY | O_CREAT)) === (O_DIRECTORY | O_CREAT)) throw new KernelError(Errno.EINVAL);
  if ((flags & TMPFILE_BIT) !== 0 && ((flags & O_DIRECTORY) === 0 || (flags & O_ACCMODE) === O_RDONLY)) {
    throw new KernelError(Errno.EINVAL);
  }
  if ((flags & O_PATH) !== 0 && (flags & ~O_PATH_FLAGS) !== 0) throw new KernelError(Errno.EINVAL);
  // Every lookup here is as good as cached; only what may change a file cannot promise that.
  if ((resolve & RESOLVE_CACHED) !== 0 && (flags & (O_TRUNC | O_CREAT | TMPFILE_BIT)) !== 0) {
    throw new KernelError(Errno.EAGAIN);
  }
}

/** Implements Linux syscall openat2(2): openat with its arguments checked strictly, and RESOLVE_* limits on the walk. */
export function sysOpenat2(ctx: SyscallContext) {
  const how = readOpenHow(ctx, ctx.addr(2), ctx.addr(3));
  checkOpenHow(how);
  return openAt(ctx, ctx.int(0), ctx.path(1), Number(how.flags), Number(how.mode), Number(how.resolve));
}

/** Implements Linux syscall open(2). */
export function sysOpen(ctx: SyscallContext) {
  return openAt(ctx, AT_FDCWD, ctx.path(0), ctx.int(1), ctx.uint(2) & 0o7777);
}

/** Implements Linux syscall creat(2). */
export function sysCreat(ctx: SyscallContext) {
  return openAt(ctx, AT_FDCWD, ctx.path(0), O_CREAT | O_WRONLY | O_TRUNC, ctx.uint(1) & 0o7777);
}

/** Implements Linux syscall close(2). */
export function sysClose(ctx: SyscallContext) {
  ctx.process.fds.close(ctx.int(0));
  return 0;
}

function statAt(ctx: SyscallContext, dirfd: number, pathAddr: number, flags: number): Stat {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 | 0x6000)) !== 0) throw new KernelError(Errno.EINVAL);
  const path = pathAddr === 0 && (flags & AT_EMPTY_PATH) ? '' : ctx.mem.readString(pathAddr, 4096);
  if (path === '') {
    if (!(flags & AT_EMPTY_PATH)) throw new KernelError(Errno.ENOENT);
    if (dirfd === AT_FDCWD) return ctx.process.fs.cwd.inode.stat();
    return ctx.process.fds.get(dirfd).stat();
  }
  const dir = startDir(ctx, dirfd, path);
  return ctx.process.fs.vfs.stat(
    dir, path, (flags & AT_SYMLINK_NOFOLLOW) === 0, ctx.process.fs.root, fsIds(ctx.process.cred),
  );
}

/** The `struct stat` the stat calls encode before copying it out, reused: the kernel is one thread. */
const statBuf = new Uint8Array(statCodec.size);
const statView = viewOf(statBuf);

function writeStat(ctx: SyscallContext, addr: number, st: Stat): number {
  statCodec.write(statView, 0, st);
  ctx.mem.write(addr, statBuf);
  return 0;
}

/** Implements Linux syscall newfstatat(2). */
export function sysNewfstatat(ctx: SyscallContext) {
  return writeStat(ctx, ctx.addr(2), statAt(ctx, ctx.int(0), ctx.addr(1), ctx.int(3)));
}

/** Implements Linux syscall fstat(2). */
export function sysFstat(ctx: SyscallContext) {
  return writeStat(ctx, ctx.addr(1), ctx.process.fds.get(ctx.int(0)).stat());
}

/** Implements Linux syscall stat(2). */
export function sysStat(ctx: SyscallContext) {
  return writeStat(ctx, ctx.addr(1), statAt(ctx, AT_FDCWD, ctx.addr(0), 0));
}

/** Implements Linux syscall lstat(2). */
export function sysLstat(ctx: SyscallContext) {
  return writeStat(ctx, ctx.addr(1), statAt(ctx, AT_FDCWD, ctx.addr(0), AT_SYMLINK_NOFOLLOW));
}

/** Implements Linux syscall statx(2). */
export function sysStatx(ctx: SyscallContext) {
  const st = statAt(ctx, ctx.int(0), ctx.addr(1), ctx.int(2));
  const buf = new Uint8Array(statxCodec.size);
  statxCodec.write(viewOf(buf), 0, statxFromStat(st));
  ctx.mem.write(ctx.addr(4), buf);
  return 0;
}

/** Implements Linux syscall getdents64(2). */
export function sysGetdents64(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  const count = Math.min(ctx.count(2), 1 << 20);
  // Straight into the guest's buffer when it is one writable view (it can then not fault);
  // otherwise through a copy, so that a fault loses no entries.
  const direct = count > 0 ? ctx.process.vmar.view(ctx.addr(1), count, 'write') : undefined;
  if (direct !== undefined) return listed(ctx, file, file.getdents64(direct));
  return direntsThroughCopy(ctx, file, count, false);
}

/**
 * Implements Linux syscall getdents(2), of programs older than getdents64: its struct
 * linux_dirent is as long as linux_dirent64 for every name, with d_type after the name instead of
 * before it, so getdents64's records are rewritten in place.
 */
export function sysGetdents(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  return direntsThroughCopy(ctx, file, Math.min(ctx.count(2), 1 << 20), true);
}

/** Directory entries into the guest's buffer through a copy, so that a fault loses none, as on Linux. */
function direntsThroughCopy(ctx: SyscallContext, file: OpenFile, count: number, legacy: boolean): number {
  const tmp = new Uint8Array(count);
  const before = file.seek(0, SEEK_CUR);
  const n = file.getdents64(tmp);
  if (n > 0) {
    if (legacy) toLinuxDirents(tmp.subarray(0, n));
    try {
      ctx.mem.write(ctx.addr(1), tmp.subarray(0, n));
    } catch (err) {
      file.seek(before, SEEK_SET);
      throw err;
    }
  }
  return listed(ctx, file, n);
}

/** linux_dirent64 records (ino, off, reclen, type, name) to linux_dirent ones (ino, off, reclen, name, type last). */
function toLinuxDirents(b: Uint8Array): void {
  for (let at = 0; at < b.length; ) {
    const reclen = b[at + 16]! | (b[at + 17]! << 8);
    const type = b[at + 18]!;
    const end = b.indexOf(0, at + 19);
    b.copyWithin(at + 18, at + 19, end + 1); // the name and its NUL, one byte down
    b[at + reclen - 1] = type;
    at += reclen;
  }
}

/** A directory read through `file` is an inotify IN_ACCESS, its end included (Linux's iterate_dir). */
function listed(ctx: SyscallContext, file: OpenFile, n: number): number {
  const events = ctx.process.fs.vfs.events;
  if (events.active && file.location !== undefined) events.changed(file.location, IN_ACCESS);
  return n;
}

function readlinkAt(ctx: SyscallContext, dirfd: number, path: string, bufAddr: number, size: number): number {
  if (size <= 0) throw new KernelError(Errno.EINVAL);
  const dir = startDir(ctx, dirfd, path);
  const link = ctx.process.fs.vfs.readlink(dir, path, ctx.process.fs.root, fsIds(ctx.process.cred));
  const target = stringToBytes(link);
  const n = Math.min(size, target.length);
  ctx.mem.write(bufAddr, target.subarray(0, n));
  return n;
}

/** Implements Linux syscall readlinkat(2). */
export function sysReadlinkat(ctx: SyscallContext) {
  return readlinkAt(ctx, ctx.int(0), ctx.path(1), ctx.addr(2), ctx.int(3));
}

/** Implements Linux syscall readlink(2). */
export function sysReadlink(ctx: SyscallContext) {
  return readlinkAt(ctx, AT_FDCWD, ctx.path(0), ctx.addr(1), ctx.int(2));
}

/** access(2) checks with the real ids; faccessat2's AT_EACCESS with the effective ones. */
function accessAt(ctx: SyscallContext, dirfd: number, path: string, mode: number, flags: number): number {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) !== 0) throw new KernelError(Errno.EINVAL);
  if ((mode & ~7) !== 0) throw new KernelError(Errno.EINVAL);
  const dir = startDir(ctx, dirfd, path);
  const cred = ctx.process.cred;
  const ids = (flags & AT_EACCESS) !== 0 ? fsIds(cred) : realIds(cred);
  ctx.process.fs.vfs.access(dir, path, mode, (flags & AT_SYMLINK_NOFOLLOW) === 0, ctx.process.fs.root, ids);
  return 0;
}

/** Implements Linux syscall faccessat(2). */
export function sysFaccessat(ctx: SyscallContext) {
  return accessAt(ctx, ctx.int(0), ctx.path(1), ctx.int(2), 0);
}

/** Implements Linux syscall faccessat2(2). */
export function sysFaccessat2(ctx: SyscallContext) {
  return accessAt(ctx, ctx.int(0), ctx.path(1), ctx.int(2), ctx.int(3));
}

/** Implements Linux syscall access(2). */
export function sysAccess(ctx: SyscallContext) {
  return accessAt(ctx, AT_FDCWD, ctx.path(0), ctx.int(1), 0);
}

/** Implements Linux syscall getcwd(2). */
export function sysGetcwd(ctx: SyscallContext) {
  const cwd = stringToBytes(ctx.process.fs.getcwd() + '\0');
  if (ctx.addr(1) < cwd.length) throw new KernelError(Errno.ERANGE);
  ctx.mem.write(ctx.addr(0), cwd);
  return cwd.length;
}

/** Implements Linux syscall chdir(2). */
export function sysChdir(ctx: SyscallContext) {
  ctx.process.fs.chdir(ctx.path(0), fsIds(ctx.process.cred));
  return 0;
}

/** Implements Linux syscall fchdir(2). */
export function sysFchdir(ctx: SyscallContext) {
  ctx.process.fs.fchdir(ctx.process.fds.get(ctx.int(0)), fsIds(ctx.process.cred));
  return 0;
}

/** Implements Linux syscall chroot(2): inside the container root only; needs root (CAP_SYS_CHROOT). */
export function sysChroot(ctx: SyscallContext) {
  ctx.process.fs.chroot(ctx.path(0), fsIds(ctx.process.cred));
  return 0;
}

/** Implements Linux syscall ioctl(2): fd-level requests here, the rest by the file (ENOTTY if unknown). */
export function sysIoctl(ctx: SyscallContext) {
  const fd = ctx.int(0);
  const req = ctx.uint(1);
  const file = ctx.process.fds.get(fd);
  // What every file takes, as Linux's do_vfs_ioctl answers it before the file's own ioctl.
  switch (req) {
    case FIOCLEX:
    case FIONCLEX:
      ctx.process.fds.setCloexec(fd, req === FIOCLEX);
      return 0;
    case FIONBIO:
    case FIOASYNC: {
      // The status flag F_SETFL sets, from the int the argument points to.
      const flag = req === FIONBIO ? O_NONBLOCK : O_ASYNC;
      const on = ctx.mem.readU32(ctx.addr(2)) !== 0;
      file.setStatusFlags(on ? file.statusFlags | flag : file.statusFlags & ~flag);
      return 0;
    }
    case FIONREAD: {
      // A regular file's bytes after the offset, as an int (negative past the end); other files answer themselves.
      const st = file.stat();
      if ((st.mode & S_IFMT) !== S_IFREG) break;
      ctx.mem.writeU32(ctx.addr(2), (st.size - file.seek(0, SEEK_CUR)) >>> 0);
      return 0;
    }
    case FIOQSIZE: {
      const st = file.stat();
      const type = st.mode & S_IFMT;
      if (type !== S_IFREG && type !== S_IFDIR && type !== S_IFLNK) throw new KernelError(Errno.ENOTTY);
      ctx.mem.writeU64(ctx.addr(2), BigInt(st.blocks) * 512n); // inode_get_bytes: what is allocated
      return 0;
    }
  }
  if (isInterfaceIoctl(file, req)) return interfaceIoctl(ctx, file, req);
  if (terminalIoctlByValue(req)) {
    const value = new Uint8Array(4);
    new DataView(value.buffer).setInt32(0, ctx.int(2), true);
    return file.ioctl(req, value);
  }
  const size = terminalIoctlArgSize(req);
  if (size === undefined) return file.ioctl(req, new Uint8Array(0));
  const argAddr = ctx.addr(2);
  const arg = size > 0 ? ctx.mem.read(argAddr, size) : new Uint8Array(0);
  const r = file.ioctl(req, arg);
  if (size > 0) ctx.mem.write(argAddr, arg);
  return r;
}

/** Implements Linux syscall fcntl(2) (descriptor and status flags; locks come with read-write files). */
export function sysFcntl(ctx: SyscallContext) {
  const fd = ctx.int(0);
  const cmd = ctx.int(1);
  const fds = ctx.process.fds;
  const file = fds.get(fd);
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      const min = ctx.int(2);
      if (min < 0) throw new KernelError(Errno.EINVAL);
      return fds.dup(fd, min, cmd === F_DUPFD_CLOEXEC);
    }
    case F_GETFD:
      return fds.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      fds.setCloexec(fd, (ctx.int(2) & FD_CLOEXEC) !== 0);
      return 0;
    case F_GETFL:
      return file.statusFlags;
    case F_SETFL:
      file.setStatusFlags(ctx.int(2));
      return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
      return fcntlRecordLock(ctx, file, cmd);
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
      return fcntlPipeSize(ctx, file, cmd);
    case F_GET_SEALS:
    case F_ADD_SEALS:
      return fcntlSeals(ctx, file, cmd);
    case F_GETOWN:
      return file.owner.type === 'group' ? -file.owner.id : file.owner.id;
    case F_SETOWN: {
      const who = ctx.int(2);
      file.owner = checkOwner(ctx, who < 0 ? { type: 'group', id: -who } : { type: 'process', id: who });
      return 0;
    }
    case F_GETOWN_EX: {
      const out = new DataView(new ArrayBuffer(8));
      out.setInt32(0, OWNER_TYPES.indexOf(file.owner.type), true);
      out.setInt32(4, file.owner.id, true);
      ctx.mem.write(ctx.addr(2), new Uint8Array(out.buffer));
      return 0;
    }
    case F_SETOWN_EX: {
      const raw = ctx.mem.read(ctx.addr(2), 8);
      const v = new DataView(raw.buffer, raw.byteOffset, 8);
      const type = OWNER_TYPES[v.getInt32(0, true)];
      if (type === undefined) throw new KernelError(Errno.EINVAL);
      file.owner = checkOwner(ctx, { type, id: v.getInt32(4, true) });
      return 0;
    }
    case F_GETSIG:
      return file.ownerSignal;
    case F_SETSIG: {
      const sig = ctx.int(2);
      if (sig < 0 || sig > NSIG) throw new KernelError(Errno.EINVAL);
      file.ownerSignal = sig;
      return 0;
    }
    case F_NOTIFY:
      setDirNotify(ctx.kernel, ctx.process.fs.vfs.events, file, fd, ctx.uint(2), ctx.process.pid);
      return 0;
    default:
      return -Errno.EINVAL;
  }
}

/** struct f_owner_ex's types, by their F_OWNER_TID, F_OWNER_PID and F_OWNER_PGRP numbers. */
const OWNER_TYPES: readonly FileOwner['type'][] = ['thread', 'process', 'group'];

/** A new owner for F_SETOWN and F_SETOWN_EX, as Linux's f_setown checks it: ESRCH if it names no one (id 0 is no owner). */
function checkOwner(ctx: SyscallContext, owner: FileOwner): FileOwner {
  if (owner.id !== 0 && ownerProcesses(ctx.kernel, owner).length === 0) throw new KernelError(Errno.ESRCH);
  return owner;
}

/** Implements Linux syscall dup(2). */
export function sysDup(ctx: SyscallContext) {
  return ctx.process.fds.dup(ctx.int(0));
}

/** Implements Linux syscall dup2(2). */
export function sysDup2(ctx: SyscallContext) {
  return ctx.process.fds.dup2(ctx.int(0), ctx.int(1));
}

/** Implements Linux syscall dup3(2). */
export function sysDup3(ctx: SyscallContext) {
  const flags = ctx.int(2);
  if ((flags & ~O_CLOEXEC) !== 0) throw new KernelError(Errno.EINVAL);
  return ctx.process.fds.dup3(ctx.int(0), ctx.int(1), flags);
}

/** Implements Linux syscall umask(2). */
export function sysUmask(ctx: SyscallContext) {
  return ctx.process.fs.setUmask(ctx.uint(0) & 0o777);
}

