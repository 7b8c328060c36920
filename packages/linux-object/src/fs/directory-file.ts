/**
 * Open directories: getdents64 over a list of entries, with a position that survives calls.
 *
 * @module
 */
import { SEEK_CUR, SEEK_SET } from '../abi/fcntl.js';
import type { Stat } from '../abi/stat.js';
import { writeDirent64 } from '../abi/dirent.js';
import { Errno, KernelError } from '../errno.js';
import type { DirEntry, INode } from './inode.js';
import { FileBase } from './open-file.js';

/**
 * Write `entries[start…]` into `buf` as `linux_dirent64` records whose d_off is the index of the
 * next entry (`firstIndex` is the index of `entries[0]`). Returns the bytes written and how many
 * entries went in; stops at the first entry that does not fit.
 */
export function fillDirents(
  buf: Uint8Array,
  entries: readonly DirEntry[],
  start: number,
  firstIndex = 0,
): { bytes: number; count: number } {
  let bytes = 0;
  let i = start;
  for (; i < entries.length; i++) {
    const e = entries[i];
    const n = writeDirent64(buf, bytes, {
      ino: e.ino, off: BigInt(firstIndex + i + 1), type: e.type, name: e.name,
    });
    if (n === 0) break;
    bytes += n;
  }
  return { bytes, count: i - start };
}

/** lseek(2) on a directory whose position is an entry index: the new position, or EINVAL. */
export function directorySeek(pos: number, offset: number, whence: number): number {
  let next: number;
  if (whence === SEEK_SET) next = offset;
  else if (whence === SEEK_CUR) next = pos + offset;
  else throw new KernelError(Errno.EINVAL);
  if (next < 0) throw new KernelError(Errno.EINVAL);
  return next;
}

/**
 * An open directory whose entries come from `inode.readdir()`, listed when reading starts (and
 * again after a rewind). The position is an entry index; telldir/seekdir use it.
 */
export class DirectoryFile extends FileBase {
  #entries: DirEntry[] | null = null;
  #pos = 0;

  constructor(
    path: string,
    flags: number,
    readonly inode: INode,
  ) {
    super(path, flags);
  }

  override read(_buf: Uint8Array): number {
    this.checkReadable();
    throw new KernelError(Errno.EISDIR);
  }

  override pread(_buf: Uint8Array, _offset: number): number {
    this.checkReadable();
    throw new KernelError(Errno.EISDIR);
  }

  override getdents64(buf: Uint8Array): number {
    this.#entries ??= this.inode.readdir();
    const { bytes, count } = fillDirents(buf, this.#entries, this.#pos);
    // Entries remain but not even one fits: EINVAL, as Linux.
    if (count === 0 && this.#pos < this.#entries.length) throw new KernelError(Errno.EINVAL);
    this.#pos += count;
    return bytes;
  }

  override seek(offset: number, whence: number): number {
    const next = directorySeek(this.#pos, offset, whence);
    if (next === 0) this.#entries = null; // rewinddir sees new entries
    this.#pos = next;
    return next;
  }

  override stat(): Stat {
    return this.inode.stat();
  }
}
