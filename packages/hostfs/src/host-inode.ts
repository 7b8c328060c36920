/**
 * Inodes of a host directory tree. Each names its file as (parent directory, one name) and reaches
 * it only through fd-relative host calls on the parent's fd, never through a host path.
 *
 * @module
 */
import {
  AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, Errno, FileType, KernelError, NAME_MAX, O_ACCMODE,
  O_CLOEXEC, O_DIRECTORY, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_TRUNC, PATH_MAX,
  INodeBase, fileTypeOfMode, readDirents64, statCodec,
  type DirEntry, type INode, type OpenFile, type Stat,
} from '@rvisor/linux-object';
import { hostResult } from './host-errors.js';
import { HostDirectoryFile, HostRegularFile } from './host-files.js';
import type { HostFs } from './host-fs.js';

const decoder = new TextDecoder();

/** Decode a host `struct stat`. */
export function decodeStat(buf: Uint8Array): Stat {
  return statCodec.read(new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0);
}

/** Key of a file's identity on the host. */
export function identityKey(dev: bigint, ino: bigint): string {
  return `${dev}:${ino}`;
}

/** Throws unless `name` is one plain component: the host must never see '/', '.' or '..'. */
function checkName(name: string): void {
  if (name.length === 0) throw new KernelError(Errno.ENOENT);
  if (name.includes('/') || name === '.' || name === '..' || name.includes('\0')) {
    throw new KernelError(Errno.EINVAL, `not a single path component: ${JSON.stringify(name)}`);
  }
  if (new TextEncoder().encode(name).length > NAME_MAX) throw new KernelError(Errno.ENAMETOOLONG);
}

/** What every host inode has: its file system, its identity and type. */
abstract class HostInode extends INodeBase {
  constructor(
    readonly fs: HostFs,
    readonly dev: bigint,
    readonly ino: bigint,
    readonly type: FileType,
  ) {
    super();
  }

  /** Throws ESTALE if `s` is not this inode's file any more (it was replaced on the host). */
  protected checkSame(s: Stat): Stat {
    if (s.ino !== this.ino || s.dev !== this.dev || fileTypeOfMode(s.mode) !== this.type) {
      throw new KernelError(Errno.ESTALE);
    }
    return s;
  }
}

/**
 * A host directory. Its O_PATH fd is opened on demand (relative to the parent's fd, with
 * O_NOFOLLOW) and kept in the file system's bounded fd cache; the root's fd is held for good.
 */
export class HostDirectory extends HostInode {
  constructor(
    fs: HostFs,
    dev: bigint,
    ino: bigint,
    /** The directory it was found in and its name there (null for the root). */
    readonly parent: { dir: HostDirectory; name: string } | null,
  ) {
    super(fs, dev, ino, FileType.Directory);
  }

  /** An O_PATH fd of this directory, valid until the next host call that may open a directory. */
  fd(): number {
    return this.fs.directoryFd(this);
  }

  override stat(): Stat {
    const buf = new Uint8Array(statCodec.size);
    hostResult(this.fs.ops.fstatat(this.fd(), '', AT_EMPTY_PATH, buf));
    return this.checkSame(decodeStat(buf));
  }

  override lookup(name: string): INode {
    checkName(name);
    const buf = new Uint8Array(statCodec.size);
    hostResult(this.fs.ops.fstatat(this.fd(), name, AT_SYMLINK_NOFOLLOW, buf));
    const s = decodeStat(buf);
    const type = fileTypeOfMode(s.mode);
    if (type === FileType.Directory) return new HostDirectory(this.fs, s.dev, s.ino, { dir: this, name });
    return new HostLeaf(this.fs, s.dev, s.ino, type, this, name);
  }

  /** A fresh readable fd of this directory (for getdents64), opened through its O_PATH fd. */
  openForReading(): number {
    const fd = hostResult(this.fs.ops.openat(this.fd(), '.', O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
    this.fs.fdOpened();
    return fd;
  }

  override readdir(): DirEntry[] {
    const fd = this.openForReading();
    try {
      const entries: DirEntry[] = [];
      const buf = new Uint8Array(32 * 1024);
      for (;;) {
        const n = hostResult(this.fs.ops.getdents64(fd, buf));
        if (n === 0) return entries;
        for (const d of readDirents64(buf, n)) {
          entries.push({ name: d.name, ino: d.ino, type: d.type as FileType });
        }
      }
    } finally {
      this.fs.closeFd(fd);
    }
  }

  override open(flags: number, path: string): OpenFile {
    if ((flags & O_ACCMODE) !== O_RDONLY) throw new KernelError(Errno.EISDIR);
    return new HostDirectoryFile(this.fs, this, this.openForReading(), path, flags);
  }
}

/** A host file that is not a directory: a regular file, a symlink, a device node, a fifo … */
export class HostLeaf extends HostInode {
  constructor(
    fs: HostFs,
    dev: bigint,
    ino: bigint,
    type: FileType,
    readonly dir: HostDirectory,
    readonly name: string,
  ) {
    super(fs, dev, ino, type);
  }

  override stat(): Stat {
    const buf = new Uint8Array(statCodec.size);
    hostResult(this.fs.ops.fstatat(this.dir.fd(), this.name, AT_SYMLINK_NOFOLLOW, buf));
    return this.checkSame(decodeStat(buf));
  }

  override readlink(): string {
    if (this.type !== FileType.Symlink) throw new KernelError(Errno.EINVAL);
    const buf = new Uint8Array(PATH_MAX);
    const n = hostResult(this.fs.ops.readlinkat(this.dir.fd(), this.name, buf));
    return decoder.decode(buf.subarray(0, n));
  }

  override open(flags: number, path: string): OpenFile {
    switch (this.type) {
      case FileType.Regular:
        break;
      case FileType.CharDevice:
      case FileType.BlockDevice:
        // The rootfs is mounted nodev: its device nodes must never open host devices.
        throw new KernelError(Errno.EACCES);
      case FileType.Socket:
        throw new KernelError(Errno.ENXIO);
      case FileType.Symlink:
        throw new KernelError(Errno.ELOOP);
      default:
        // FIFOs in the rootfs: opening one on the host could block the kernel.
        throw new KernelError(Errno.EOPNOTSUPP);
    }
    if ((flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0) {
      throw new KernelError(Errno.EROFS);
    }
    // O_NONBLOCK: should the name have become a FIFO since the lookup, the open must not block.
    const hostFlags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    const fd = hostResult(this.fs.ops.openat(this.dir.fd(), this.name, hostFlags, 0));
    this.fs.fdOpened();
    try {
      const buf = new Uint8Array(statCodec.size);
      hostResult(this.fs.ops.fstatat(fd, '', AT_EMPTY_PATH, buf));
      this.checkSame(decodeStat(buf));
    } catch (e) {
      this.fs.closeFd(fd);
      throw e;
    }
    return new HostRegularFile(this.fs, fd, path, flags);
  }
}
