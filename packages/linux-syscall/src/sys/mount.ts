/**
 * mount and umount2 inside a container: new tmpfs, proc and sysfs instances on existing directories.
 * Host file systems are never reachable (bind, move and other types fail).
 *
 * @module
 */
import {
  CAP_SYS_ADMIN, capable, Errno, FileType, KernelError, MqueueFs, ProcFs, SysFs, TmpFs, type FileSystem, type Kernel,
  type LinuxProcess, type Mount, type PathRef,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** mount(2) flags this file uses (include/uapi/linux/mount.h). */
export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MS_MOVE = 8192;
export const MS_REC = 16384;
export const MS_SILENT = 32768;
export const MS_UNBINDABLE = 1 << 17;
export const MS_PRIVATE = 1 << 18;
export const MS_SLAVE = 1 << 19;
export const MS_SHARED = 1 << 20;
const MS_PROPAGATION = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;
/** Magic a caller may put in the top half of the flags (pre-2.4 ABI); ignored, as Linux. */
const MS_MGC_MSK = 0xffff0000;
const MS_MGC_VAL = 0xc0ed0000;

/** umount2(2) flags. */
export const MNT_FORCE = 1;
export const MNT_DETACH = 2;
export const MNT_EXPIRE = 4;
export const UMOUNT_NOFOLLOW = 8;

/** The longest fstype or data string read (Linux copies at most a page). */
const PAGE = 4096;

/** Read an optional string argument (NULL: undefined). */
function optionalString(ctx: SyscallContext, i: number): string | undefined {
  const addr = ctx.addr(i);
  return addr === 0 ? undefined : ctx.mem.readString(addr, PAGE);
}

/** Mounting needs CAP_SYS_ADMIN in the container. */
function checkPrivileged(proc: LinuxProcess): void {
  if (!capable(proc.cred, CAP_SYS_ADMIN)) throw new KernelError(Errno.EPERM);
}

/** The tmpfs `mode=` option (octal), else undefined; EINVAL for a malformed one. */
function tmpfsRootMode(data: string | undefined): number | undefined {
  let mode: number | undefined;
  for (const opt of (data ?? '').split(',')) {
    if (!opt.startsWith('mode=')) continue;
    const text = opt.slice(5);
    if (!/^[0-7]+$/.test(text)) throw new KernelError(Errno.EINVAL);
    mode = parseInt(text, 8) & 0o7777;
  }
  return mode;
}

/** A new file system of type `fstype`; ENODEV for types a container cannot mount. */
function newFileSystem(kernel: Kernel, fstype: string | undefined, data: string | undefined): FileSystem {
  switch (fstype) {
    case 'tmpfs':
      return new TmpFs({ allocator: kernel.allocator, account: kernel.memoryAccount, rootMode: tmpfsRootMode(data) });
    case 'proc':
      return new ProcFs(kernel);
    case 'sysfs':
      return new SysFs({ cpus: () => kernel.cpus });
    case 'mqueue':
      return new MqueueFs(kernel.mqueues);
    case undefined:
      throw new KernelError(Errno.EFAULT);
    default:
      throw new KernelError(Errno.ENODEV);
  }
}

/** The mount whose root `ref` is, or undefined. */
function mountRootAt(kernel: Kernel, ref: PathRef): Mount | undefined {
  return kernel.vfs.mounts().find((m) => m.path === ref.path && ref.inode === m.fs.root);
}

/** Implements Linux syscall mount(2) for tmpfs, proc and sysfs (propagation changes are accepted). */
export function sysMount(ctx: SyscallContext) {
  const kernel = ctx.kernel;
  let flags = ctx.uint(3);
  if ((flags & MS_MGC_MSK) >>> 0 === MS_MGC_VAL) flags &= ~MS_MGC_MSK;
  const target = ctx.process.fs.lookup(ctx.path(1), { followLast: true });
  checkPrivileged(ctx.process);
  if ((flags & MS_PROPAGATION) !== 0) {
    // No peer groups exist in a sandbox: nothing propagates, whatever the mode.
    if ((flags & ~(MS_PROPAGATION | MS_REC | MS_SILENT)) !== 0) throw new KernelError(Errno.EINVAL);
    return 0;
  }
  if ((flags & MS_REMOUNT) !== 0) {
    if (mountRootAt(kernel, target) === undefined) throw new KernelError(Errno.EINVAL);
    if ((flags & MS_RDONLY) !== 0) throw new KernelError(Errno.EPERM);
    return 0; // options of tmpfs, proc and sysfs have nothing to change yet
  }
  if ((flags & (MS_BIND | MS_MOVE)) !== 0) throw new KernelError(Errno.EPERM);
  const fs = newFileSystem(kernel, optionalString(ctx, 2), optionalString(ctx, 4));
  if (target.inode.type !== FileType.Directory) {
    fs.release();
    throw new KernelError(Errno.ENOTDIR);
  }
  if ((flags & MS_RDONLY) !== 0) {
    fs.release();
    throw new KernelError(Errno.EPERM);
  }
  try {
    kernel.vfs.mount(target.path, fs, { nosuid: (flags & MS_NOSUID) !== 0 });
  } catch (err) {
    fs.release();
    throw err;
  }
  return 0;
}

/** Whether container path `path` is `mountPath` or below it. */
function within(path: string, mountPath: string): boolean {
  return path === mountPath || path.startsWith(mountPath === '/' ? '/' : `${mountPath}/`);
}

/** Whether a process works in, is rooted in, or holds an open file under `mountPath`. */
function inUse(kernel: Kernel, mountPath: string): boolean {
  for (const proc of kernel.processes.values()) {
    if (proc.dead) continue;
    if (within(proc.fs.cwd.path, mountPath) || within(proc.fs.root.path, mountPath)) return true;
    const fds = proc.fds;
    let left = fds.count;
    for (let fd = 0; left > 0; fd++) {
      if (!fds.has(fd)) continue;
      left--;
      const at = fds.get(fd).location;
      if (at !== undefined && within(at.path, mountPath)) return true;
    }
  }
  return false;
}

/**
 * Implements Linux syscall umount2(2): EINVAL unless the target is the root of a mount, EBUSY
 * while a process has files open, its cwd or its root under it, or something is mounted below
 * it (unless MNT_DETACH, which unmounts at once and lets open files finish).
 */
export function sysUmount2(ctx: SyscallContext) {
  const kernel = ctx.kernel;
  const flags = ctx.int(1);
  if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) !== 0) throw new KernelError(Errno.EINVAL);
  if ((flags & MNT_EXPIRE) !== 0 && (flags & (MNT_FORCE | MNT_DETACH)) !== 0) throw new KernelError(Errno.EINVAL);
  const target = ctx.process.fs.lookup(ctx.path(0), { followLast: (flags & UMOUNT_NOFOLLOW) === 0 });
  checkPrivileged(ctx.process);
  const mount = mountRootAt(kernel, target);
  if (mount === undefined || mount.path === '/') throw new KernelError(Errno.EINVAL);
  if ((flags & MNT_EXPIRE) !== 0) throw new KernelError(Errno.EAGAIN); // first call only marks it
  if ((flags & MNT_DETACH) === 0) {
    const nested = kernel.vfs.mounts().some((m) => m !== mount && within(m.path, mount.path));
    if (nested || inUse(kernel, mount.path)) throw new KernelError(Errno.EBUSY);
  }
  kernel.vfs.unmount(mount.path);
  return 0;
}
