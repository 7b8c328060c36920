// A tiny read-only in-memory file system for VFS tests.
import { S_IFDIR, S_IFLNK, S_IFREG } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { DirectoryFile } from './directory-file.js';
import { FileType } from './file-type.js';
import type { DirEntry, FileSystem, INode } from './inode.js';
import { FileBase, type OpenFile } from './open-file.js';

/** Tree spec: a string is a file's content, `{ link }` a symlink, an object a directory. */
export type Tree = { [name: string]: string | { link: string } | Tree };

let nextIno = 1n;

class MemNode implements INode {
  readonly ino = nextIno++;
  readonly children = new Map<string, MemNode>();
  constructor(
    readonly fs: MemFs,
    readonly type: FileType,
    readonly content: string,
    readonly parent: MemNode | null,
  ) {}
  stat(): Stat {
    const mode = this.type === FileType.Directory ? S_IFDIR | 0o755
      : this.type === FileType.Symlink ? S_IFLNK | 0o777 : S_IFREG | 0o644;
    const t = { sec: 0, nsec: 0 };
    return {
      dev: 1n, ino: this.ino, mode, nlink: 1, uid: 0, gid: 0, rdev: 0n, size: this.content.length,
      blksize: 4096, blocks: 0, atime: t, mtime: t, ctime: t,
    };
  }
  lookup(name: string): INode {
    if (this.type !== FileType.Directory) throw new KernelError(Errno.ENOTDIR);
    if (name.includes('/') || name === '.' || name === '..') throw new Error(`bad name ${name}`);
    const c = this.children.get(name);
    if (c === undefined) throw new KernelError(Errno.ENOENT);
    return c;
  }
  readlink(): string {
    if (this.type !== FileType.Symlink) throw new KernelError(Errno.EINVAL);
    return this.content;
  }
  readdir(): DirEntry[] {
    if (this.type !== FileType.Directory) throw new KernelError(Errno.ENOTDIR);
    return [
      { name: '.', ino: this.ino, type: FileType.Directory },
      { name: '..', ino: (this.parent ?? this).ino, type: FileType.Directory },
      ...[...this.children].map(([name, c]) => ({ name, ino: c.ino, type: c.type })),
    ];
  }
  open(flags: number, path: string): OpenFile {
    if (this.type === FileType.Directory) return new DirectoryFile(path, flags, this);
    if ((flags & 3) !== 0) throw new KernelError(Errno.EROFS);
    return new MemFile(path, flags, this);
  }
}

class MemFile extends FileBase {
  #pos = 0;
  constructor(path: string, flags: number, readonly node: MemNode) {
    super(path, flags);
  }
  override read(buf: Uint8Array): number {
    this.checkReadable();
    const bytes = new TextEncoder().encode(this.node.content).subarray(this.#pos);
    const n = Math.min(bytes.length, buf.length);
    buf.set(bytes.subarray(0, n));
    this.#pos += n;
    return n;
  }
  override stat(): Stat {
    return this.node.stat();
  }
}

export class MemFs implements FileSystem {
  readonly type = 'memfs';
  readonly readOnly = true;
  readonly root: MemNode;
  constructor(tree: Tree) {
    this.root = new MemNode(this, FileType.Directory, '', null);
    this.#fill(this.root, tree);
  }
  #fill(dir: MemNode, tree: Tree): void {
    for (const [name, v] of Object.entries(tree)) {
      if (typeof v === 'string') dir.children.set(name, new MemNode(this, FileType.Regular, v, dir));
      else if ('link' in v && typeof v.link === 'string') {
        dir.children.set(name, new MemNode(this, FileType.Symlink, v.link, dir));
      } else {
        const sub = new MemNode(this, FileType.Directory, '', dir);
        dir.children.set(name, sub);
        this.#fill(sub, v as Tree);
      }
    }
  }
  release(): void {}
}
