/**
 * O_TMPFILE: an unnamed regular file in a directory, gone when its last descriptor closes unless
 * linkat gives it a name.
 *
 * @module
 */
import { O_ACCMODE, O_CREAT, O_RDWR, O_TMPFILE, O_WRONLY } from '../abi/fcntl.js';
import { Errno, KernelError } from '../errno.js';
import type { INode } from './inode.js';
import type { OpenFile } from './open-file.js';
import { unnamedPath } from './mapped-names.js';
import type { PathRef } from './path-ref.js';
import { TmpDir, TmpFile } from './tmpfs.js';

/** O_TMPFILE without its O_DIRECTORY part (Linux's __O_TMPFILE). */
const TMPFILE_BIT = O_TMPFILE & ~0o200000;

/** A directory of a file system that makes unnamed files itself (hostfs, with the host's O_TMPFILE). */
export interface UnnamedFileMaker {
  /** Open a new unnamed regular file with permission bits `mode` in this directory. */
  openUnnamed(flags: number, mode: number, path: string): OpenFile;
}

function makesUnnamedFiles(inode: INode): inode is INode & UnnamedFileMaker {
  return typeof (inode as Partial<UnnamedFileMaker>).openUnnamed === 'function';
}

/** Whether open(2)'s `flags` ask for O_TMPFILE (whole or in part, which is EINVAL). */
export function isTmpFileOpen(flags: number): boolean {
  return (flags & TMPFILE_BIT) !== 0;
}

/**
 * Linux's checks of O_TMPFILE's flags, made before the path is resolved: it needs O_DIRECTORY,
 * no O_CREAT, and write access.
 */
export function checkTmpFileFlags(flags: number): void {
  const mode = flags & O_ACCMODE;
  if ((flags & (O_TMPFILE | O_CREAT)) !== O_TMPFILE || (mode !== O_WRONLY && mode !== O_RDWR)) {
    throw new KernelError(Errno.EINVAL);
  }
}

/**
 * Open an unnamed regular file in the directory `dir` (O_TMPFILE, flags checked already). tmpfs
 * makes one in memory; other file systems answer EOPNOTSUPP unless they can make one themselves.
 */
export function openTmpFile(dir: PathRef, flags: number, mode: number): OpenFile {
  if (dir.mount.fs.readOnly) throw new KernelError(Errno.EROFS);
  const fileFlags = flags & ~O_TMPFILE;
  const inode = dir.inode;
  if (inode instanceof TmpDir) {
    const file = new TmpFile(inode.fs, mode & 0o7777);
    const open = file.open(fileFlags, unnamedPath(dir.path, file.ino));
    file.dropLink(); // no name: its data go with the last close
    return open;
  }
  if (makesUnnamedFiles(inode)) return inode.openUnnamed(fileFlags, mode & 0o7777, dir.path);
  throw new KernelError(Errno.EOPNOTSUPP);
}
