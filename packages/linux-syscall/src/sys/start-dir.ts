/**
 * Where a `*at` call's path starts: the directory `dirfd` names, or the cwd for AT_FDCWD.
 *
 * @module
 */
import { AT_FDCWD, Errno, KernelError, type PathRef } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** The directory `dirfd` names, the cwd for AT_FDCWD (EBADF; ENOTDIR for an fd of no file system). */
export function dirOf(ctx: SyscallContext, dirfd: number): PathRef {
  if (dirfd === AT_FDCWD) return ctx.process.fs.cwd;
  const ref = ctx.process.fds.get(dirfd).location;
  if (!ref) throw new KernelError(Errno.ENOTDIR);
  return ref;
}

/** The directory a `*at` call resolves `path` from: an absolute path never looks at `dirfd`, as in Linux. */
export function startDir(ctx: SyscallContext, dirfd: number, path: string): PathRef {
  return path.startsWith('/') ? ctx.process.fs.cwd : dirOf(ctx, dirfd);
}
