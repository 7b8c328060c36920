/**
 * O_PATH files: an fd that names a file without opening it.
 *
 * @module
 */
import type { Stat } from '../abi/stat.js';
import { POLLNVAL } from '../abi/poll.js';
import { Errno, KernelError } from '../errno.js';
import type { INode } from './inode.js';
import { FileBase } from './open-file.js';

/**
 * What open(O_PATH) returns: usable for fstat, fchdir, *at dirfds and /proc links; read, write,
 * lseek, getdents64 and ioctl fail with EBADF. The file system is never asked to open the file.
 */
export class PathOnlyFile extends FileBase {
  constructor(
    path: string,
    flags: number,
    readonly inode: INode,
  ) {
    super(path, flags);
  }

  override seek(_offset: number, _whence: number): number {
    throw new KernelError(Errno.EBADF);
  }

  override stat(): Stat {
    return this.inode.stat();
  }

  override poll(_events: number): number {
    return POLLNVAL;
  }
}
