/**
 * Where a magic link (/proc/<pid>/fd/N) leads when its open file has no place in the tree (a
 * pipe's end, host stdio, a socket): the open file itself, as an inode. stat shows the file's
 * own attributes (`[ -p /dev/stdin ]` sees a pipe), and open(2) reopens it.
 *
 * @module
 */
import { Errno, KernelError } from '../errno.js';
import { fileTypeOfMode, type FileType } from './file-type.js';
import { INodeBase, type FileSystem } from './inode.js';
import type { OpenFile } from './open-file.js';
import type { Stat } from '../abi/stat.js';

export class OpenFileInode extends INodeBase {
  readonly type: FileType;
  readonly ino: bigint;

  constructor(
    readonly file: OpenFile,
    readonly fs: FileSystem,
  ) {
    super();
    const st = file.stat();
    this.type = fileTypeOfMode(st.mode);
    this.ino = st.ino;
  }

  stat(): Stat {
    return this.file.stat();
  }

  /** A new open file on the same object; ENXIO where Linux refuses one (a socket). */
  open(flags: number): OpenFile {
    if (this.file.reopen === undefined) throw new KernelError(Errno.ENXIO);
    return this.file.reopen(flags);
  }
}
