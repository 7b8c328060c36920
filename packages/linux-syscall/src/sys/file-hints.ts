/**
 * Advice about a file's caching: fadvise64, readahead, sync_file_range. Host files' bytes are in
 * the host's page cache already and tmpfs files' in memory, so the kernel checks the arguments as
 * Linux does and has nothing more to do (sync_file_range promises no durability either).
 *
 * @module
 */
import { Errno, KernelError, O_ACCMODE, O_PATH, O_WRONLY, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, type OpenFile } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

const POSIX_FADV_NOREUSE = 5;
const SYNC_FILE_RANGE_ALL = 1 | 2 | 4; // WAIT_BEFORE, WRITE, WAIT_AFTER

/** The file `fd` names, EBADF for an O_PATH one (as for every call on the file itself). */
function fileOf(ctx: SyscallContext, fd: number): OpenFile {
  const file = ctx.process.fds.get(fd);
  if ((file.statusFlags & O_PATH) !== 0) throw new KernelError(Errno.EBADF);
  return file;
}

/** The file type bits of `file` (a pipe or socket without a stat of its own reads as a FIFO). */
function typeOf(file: OpenFile): number {
  return file.location === undefined ? S_IFIFO : file.stat().mode & S_IFMT;
}

/** Implements Linux syscall fadvise64(2). */
export function sysFadvise64(ctx: SyscallContext) {
  const file = fileOf(ctx, ctx.int(0));
  const len = ctx.long(2);
  const advice = ctx.int(3);
  if (typeOf(file) === S_IFIFO) throw new KernelError(Errno.ESPIPE);
  if (len < 0n || advice < 0 || advice > POSIX_FADV_NOREUSE) throw new KernelError(Errno.EINVAL);
  return 0;
}

/** Implements Linux syscall readahead(2): a regular file open for reading (EBADF, EINVAL otherwise). */
export function sysReadahead(ctx: SyscallContext) {
  const file = fileOf(ctx, ctx.int(0));
  if ((file.statusFlags & O_ACCMODE) === O_WRONLY) throw new KernelError(Errno.EBADF);
  if (typeOf(file) !== S_IFREG) throw new KernelError(Errno.EINVAL);
  return 0;
}

/** Implements Linux syscall sync_file_range(2). */
export function sysSyncFileRange(ctx: SyscallContext) {
  const file = fileOf(ctx, ctx.int(0));
  const offset = ctx.long(1);
  const nbytes = ctx.long(2);
  const flags = ctx.uint(3);
  if ((flags & ~SYNC_FILE_RANGE_ALL) !== 0 || offset < 0n || nbytes < 0n || offset + nbytes < offset) {
    throw new KernelError(Errno.EINVAL);
  }
  const type = typeOf(file);
  if (type !== S_IFREG && type !== S_IFDIR && type !== S_IFLNK) throw new KernelError(Errno.ESPIPE);
  return 0;
}
