/**
 * Nodes of the file systems whose contents the kernel generates when they are read (procfs,
 * sysfs): directories whose entries are computed on lookup, files whose text is made at open,
 * and symlinks whose target is computed when read.
 *
 * @module
 */
import { stringToBytes } from '@rvisor/zircon-object';
import { timespecNow } from '../abi/codec.js';
import { S_IFDIR, S_IFLNK, S_IFREG } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { DirectoryFile } from './directory-file.js';
import { FileType } from './file-type.js';
import { INodeBase, type DirEntry, type FileSystem, type INode } from './inode.js';
import { FileBase, seekPosition, type OpenFile } from './open-file.js';

export type Generate = () => string;
export type Children = () => [string, INode][];

/** A file system of generated nodes: what they need of it. */
export interface GeneratedFs extends FileSystem {
  readonly dev: bigint;
}

/** Base of generated inodes: owned by root, times of the moment they were made. */
export abstract class GeneratedInode extends INodeBase {
  readonly #time = timespecNow();

  constructor(readonly fs: GeneratedFs, readonly ino: bigint, readonly mode: number) {
    super();
  }

  override stat(): Stat {
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: this.type === FileType.Directory ? 2 : 1,
      uid: 0, gid: 0, rdev: 0n, size: this.size(), blksize: 1024, blocks: 0,
      atime: this.#time, mtime: this.#time, ctime: this.#time,
    };
  }

  protected size(): number {
    return 0;
  }
}

/** A directory whose entries are computed on each lookup and listing. */
export class GeneratedDir extends GeneratedInode {
  override readonly type = FileType.Directory;

  /** @param find the entry `name` without listing them all (undefined: none), when that is cheaper */
  constructor(
    fs: GeneratedFs, ino: bigint, readonly parentIno: bigint, readonly children: Children,
    readonly find?: (name: string) => INode | undefined,
  ) {
    super(fs, ino, S_IFDIR | 0o555);
  }

  override lookup(name: string): INode {
    const found = this.find ? this.find(name) : this.children().find(([n]) => n === name)?.[1];
    if (found === undefined) throw new KernelError(Errno.ENOENT);
    return found;
  }

  override readdir(): DirEntry[] {
    return [
      { name: '.', ino: this.ino, type: FileType.Directory },
      { name: '..', ino: this.parentIno, type: FileType.Directory },
      ...this.children().map(([name, inode]) => ({ name, ino: inode.ino, type: inode.type })),
    ];
  }

  override open(flags: number, path: string): OpenFile {
    return new DirectoryFile(path, flags, this);
  }
}

/**
 * A file whose text is generated when it is opened (st_size 0, as Linux's /proc and /sys files). Root may
 * open it for writing, as on Linux; writes then fail with EINVAL.
 */
export class GeneratedFile extends GeneratedInode {
  override readonly type = FileType.Regular;

  constructor(fs: GeneratedFs, ino: bigint, mode: number, readonly generate: Generate) {
    super(fs, ino, S_IFREG | mode);
  }

  override open(flags: number, path: string): OpenFile {
    return new GeneratedFileHandle(path, flags, this, stringToBytes(this.generate()));
  }
}

/** A /proc/sys setting: opened by its mode alone, root included (Linux's sysctl_perm). */
export class SysctlFile extends GeneratedFile {
  readonly modeBitsOnly = true;
}

/**
 * A symlink whose target is computed when read; ENOENT when there is none. A magic link when it
 * leads to an open file (`magicFile`) or is said to be one.
 */
export class GeneratedSymlink extends GeneratedInode {
  override readonly type = FileType.Symlink;
  readonly magicLink: boolean;

  constructor(
    fs: GeneratedFs, ino: bigint, readonly target: () => string, readonly magicFile?: () => OpenFile,
    magic = false,
  ) {
    super(fs, ino, S_IFLNK | 0o777);
    this.magicLink = magic || magicFile !== undefined;
  }

  override readlink(): string {
    return this.target();
  }

  protected override size(): number {
    try {
      return this.target().length;
    } catch {
      return 0;
    }
  }

  override open(_flags: number, _path: string): OpenFile {
    throw new KernelError(Errno.ELOOP); // the VFS follows links before opening
  }
}

/** An open generated file: a snapshot of its text taken at open, read with a position. */
export class GeneratedFileHandle extends FileBase {
  #pos = 0;

  constructor(path: string, flags: number, readonly inode: GeneratedFile, readonly text: Uint8Array) {
    super(path, flags);
  }

  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.#pos);
    this.#pos += n;
    return n;
  }

  override pread(buf: Uint8Array, offset: number): number {
    this.checkReadable();
    if (offset < 0) throw new KernelError(Errno.EINVAL);
    const part = this.text.subarray(Math.min(offset, this.text.length), offset + buf.length);
    buf.set(part);
    return part.length;
  }

  override seek(offset: number, whence: number): number {
    this.#pos = seekPosition(this.#pos, this.text.length, offset, whence);
    return this.#pos;
  }

  override stat(): Stat {
    return this.inode.stat();
  }
}
