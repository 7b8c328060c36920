/**
 * AF_UNIX socket files in a host directory tree. The host never gets a socket file (a guest's
 * bind must not create host sockets): the kernel keeps each bound name in a table keyed by the
 * host directory's identity and the name, and directory lookups consult it first.
 *
 * @module
 */
import {
  Errno, FileType, INodeBase, KernelError, S_IFSOCK, applySetAttr, timespecNow,
  type FileSystem, type OpenFile, type SetAttr, type Stat, type UnixSocket,
} from '@rvisor/linux-object';

// Inode numbers of kernel-side socket files: far above what host file systems hand out.
let nextSocketIno = 1n << 62n;

/** A socket file that exists only in the kernel, bound into a host directory. */
export class HostSocketFile extends INodeBase {
  readonly type = FileType.Socket;
  readonly ino = nextSocketIno++;
  readonly #stat: Stat;

  constructor(readonly fs: FileSystem, dev: bigint, mode: number, readonly socket: UnixSocket | undefined) {
    super();
    const t = timespecNow();
    this.#stat = {
      dev, ino: this.ino, mode: S_IFSOCK | (mode & 0o7777), nlink: 1, uid: 0, gid: 0, rdev: 0n,
      size: 0, blksize: 4096, blocks: 0, atime: t, mtime: t, ctime: t,
    };
  }

  stat(): Stat {
    return { ...this.#stat };
  }

  /** chmod, chown and utimes, kept with the file (nothing is on the host); a socket has no size to change. */
  setAttr(attr: SetAttr): void {
    if (attr.size !== undefined) throw new KernelError(Errno.EINVAL);
    applySetAttr(this.#stat, attr);
  }

  /** Socket files cannot be opened (Linux: ENXIO). */
  open(_flags: number, _path: string): OpenFile {
    throw new KernelError(Errno.ENXIO);
  }
}

/** The socket files bound into host directories, by directory identity key, then name. */
export class SocketNames {
  readonly #dirs = new Map<string, Map<string, HostSocketFile>>();

  /** The socket file `name` in the directory `dirKey`, if one is bound there. */
  get(dirKey: string, name: string): HostSocketFile | undefined {
    return this.#dirs.get(dirKey)?.get(name);
  }

  /** Bind `file` as `name` in `dirKey` (the caller has checked the name is free). */
  add(dirKey: string, name: string, file: HostSocketFile): void {
    let names = this.#dirs.get(dirKey);
    if (names === undefined) this.#dirs.set(dirKey, names = new Map());
    names.set(name, file);
  }

  /** Remove `name` from `dirKey`; whether there was one. */
  remove(dirKey: string, name: string): boolean {
    const names = this.#dirs.get(dirKey);
    if (names === undefined || !names.delete(name)) return false;
    if (names.size === 0) this.#dirs.delete(dirKey);
    return true;
  }

  /** The socket files of directory `dirKey`. */
  entries(dirKey: string): [string, HostSocketFile][] {
    return [...(this.#dirs.get(dirKey) ?? [])];
  }

  /** Whether directory `dirKey` holds any socket file. */
  has(dirKey: string): boolean {
    return this.#dirs.has(dirKey);
  }
}
