/**
 * The mqueue file system (/dev/mqueue, `mount -t mqueue`): a container's POSIX message queues as
 * files, as Linux's ipc/mqueue.c shows them. Listing it lists the queues; a queue's file reads as
 * its status line; open(O_CREAT) there makes a queue with the default attributes, unlink removes
 * one as mq_unlink does, chmod and chown change who may open it.
 *
 * @module
 */
import { timespecNow } from '../abi/codec.js';
import { S_IFDIR } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { DirectoryFile } from '../fs/directory-file.js';
import { FileType } from '../fs/file-type.js';
import type { DirEntry, FileSystem, INode, SetAttr, StatFs } from '../fs/inode.js';
import type { OpenFile } from '../fs/open-file.js';
import { O_ACCMODE, O_NONBLOCK } from '../abi/fcntl.js';
import { MQUEUE_DEV, MessageQueueFile, queueStat, type MessageQueue, type MessageQueues } from './mqueue.js';

/** statfs(2)'s f_type of the mqueue file system (MQUEUE_MAGIC). */
export const MQUEUE_MAGIC = 0x1980_0202;

/** The root's inode number (queues have theirs from 2 on). */
const ROOT_INO = 1n;

/** The mqueue file system over a container's queues. */
export class MqueueFs implements FileSystem {
  readonly type = 'mqueue';
  readonly readOnly = false;
  readonly root: INode;
  readonly #inodes = new WeakMap<MessageQueue, QueueInode>();

  readonly dev = MQUEUE_DEV;

  constructor(readonly queues: MessageQueues) {
    this.root = new QueuesDirectory(this);
  }

  /** The one inode of `q` (the VFS caches inodes by identity). */
  inodeOf(q: MessageQueue): QueueInode {
    let inode = this.#inodes.get(q);
    if (inode === undefined) this.#inodes.set(q, (inode = new QueueInode(this, q)));
    return inode;
  }

  statfs(): StatFs {
    return {
      type: MQUEUE_MAGIC, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n, fsid: [0, 0],
      namelen: 255, frsize: 4096, flags: 0,
    };
  }

  release(): void {}
}

/** The root: every queue, sticky and writable by all, as Linux's (01777). */
class QueuesDirectory implements INode {
  readonly type = FileType.Directory;
  readonly ino = ROOT_INO;
  readonly #made = timespecNow();

  constructor(readonly fs: MqueueFs) {}

  get dev(): bigint {
    return this.fs.dev;
  }

  stat(): Stat {
    const t = this.#made;
    return {
      dev: this.fs.dev, ino: ROOT_INO, mode: S_IFDIR | 0o1777, nlink: 2, uid: 0, gid: 0, rdev: 0n, size: 0,
      blksize: 4096, blocks: 0, atime: t, mtime: t, ctime: t,
    };
  }

  find(name: string): INode | undefined {
    const q = this.fs.queues.get(name);
    return q === undefined ? undefined : this.fs.inodeOf(q);
  }

  lookup(name: string): INode {
    const found = this.find(name);
    if (found === undefined) throw new KernelError(Errno.ENOENT);
    return found;
  }

  readlink(): string {
    throw new KernelError(Errno.EINVAL);
  }

  open(flags: number, path: string): OpenFile {
    return new DirectoryFile(path, flags, this);
  }

  readdir(): DirEntry[] {
    return [
      { name: '.', ino: ROOT_INO, type: FileType.Directory },
      { name: '..', ino: ROOT_INO, type: FileType.Directory },
      ...this.fs.queues.names().map((name) => ({ name, ino: this.lookup(name).ino, type: FileType.Regular })),
    ];
  }

  /**
   * open(O_CREAT) of a new name: a queue with the default attributes, counted against no user's
   * RLIMIT_MSGQUEUE (the VFS gives it to its creator afterwards).
   */
  create(name: string, mode: number, flags: number, path: string): { inode: INode; file: OpenFile } {
    const q = this.fs.queues.create(name, mode & 0o777, undefined, {
      uid: 0, gid: 0, chargedUid: -1, rlimitBytes: 2n ** 64n - 1n, resource: false,
    });
    const inode = this.fs.inodeOf(q);
    return { inode, file: inode.open(flags, path) };
  }

  /** unlink(2): the queue's name goes, as mq_unlink (the VFS checked the sticky directory). */
  unlink(name: string): void {
    const q = this.fs.queues.get(name);
    if (q === undefined) throw new KernelError(Errno.ENOENT);
    this.fs.queues.unlink(q);
  }
}

/** A queue as a file: its status line to read, its owner and mode to change. */
class QueueInode implements INode {
  readonly type = FileType.Regular;

  constructor(
    readonly fs: MqueueFs,
    readonly queue: MessageQueue,
  ) {}

  get ino(): bigint {
    return this.queue.ino;
  }

  get dev(): bigint {
    return this.fs.dev;
  }

  stat(): Stat {
    return queueStat(this.queue);
  }

  lookup(): INode {
    throw new KernelError(Errno.ENOTDIR);
  }

  readlink(): string {
    throw new KernelError(Errno.EINVAL);
  }

  readdir(): DirEntry[] {
    throw new KernelError(Errno.ENOTDIR);
  }

  open(flags: number, _path: string): OpenFile {
    return new MessageQueueFile(this.queue, flags & (O_ACCMODE | O_NONBLOCK), 0);
  }

  setAttr(attr: SetAttr): void {
    if (attr.size !== undefined) throw new KernelError(Errno.EINVAL);
    const q = this.queue;
    if (attr.mode !== undefined) q.mode = attr.mode & 0o7777;
    if (attr.uid !== undefined && attr.uid !== -1) q.uid = attr.uid;
    if (attr.gid !== undefined && attr.gid !== -1) q.gid = attr.gid;
  }
}
