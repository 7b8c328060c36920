/**
 * inotify: inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch, over linux-object's
 * `FsEvents` (the VFS's watches) and `InotifyFile` (an instance, read for its events).
 *
 * @module
 */
import {
  Errno, IN_DONT_FOLLOW, InotifyFile, KernelError, MAY_READ, O_CLOEXEC, O_NONBLOCK, checkInodeAccess, checkWatchMask, fsIds,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

function init(ctx: SyscallContext, flags: number): number {
  if ((flags & ~(O_NONBLOCK | O_CLOEXEC)) !== 0) throw new KernelError(Errno.EINVAL);
  const file = new InotifyFile(ctx.process.fs.vfs.events, flags);
  return ctx.process.fds.install(file, { cloexec: (flags & O_CLOEXEC) !== 0 });
}

/** Implements Linux syscall inotify_init(2). */
export function sysInotifyInit(ctx: SyscallContext) {
  return init(ctx, 0);
}

/** Implements Linux syscall inotify_init1(2): IN_NONBLOCK, IN_CLOEXEC. */
export function sysInotifyInit1(ctx: SyscallContext) {
  return init(ctx, ctx.int(0));
}

/** The inotify instance `fd` is: EINVAL for any other file. */
function instanceOf(ctx: SyscallContext, fd: number): InotifyFile {
  const file = ctx.process.fds.get(fd);
  if (!(file instanceof InotifyFile)) throw new KernelError(Errno.EINVAL);
  return file;
}

/** Implements Linux syscall inotify_add_watch(2): a watch on the file `path` names, which the caller may read. */
export function sysInotifyAddWatch(ctx: SyscallContext) {
  const mask = ctx.uint(2);
  checkWatchMask(mask);
  const instance = instanceOf(ctx, ctx.int(0));
  const path = ctx.path(1);
  const ids = fsIds(ctx.process.cred);
  const ref = ctx.process.fs.lookup(path, { followLast: (mask & IN_DONT_FOLLOW) === 0, ids });
  checkInodeAccess(ids, ref.inode, MAY_READ);
  return ctx.process.fs.vfs.events.add(instance, ref, mask);
}

/** Implements Linux syscall inotify_rm_watch(2). */
export function sysInotifyRmWatch(ctx: SyscallContext) {
  instanceOf(ctx, ctx.int(0)).removeWatch(ctx.int(1));
  return 0;
}
