/**
 * devfs: the in-memory file system mounted at /dev, with Linux's memory devices and terminals
 * (tty, console, ptmx and the /dev/pts slaves).
 *
 * @module
 */
import { timespecNow } from '../abi/codec.js';
import { makedev, S_IFCHR, S_IFDIR, S_IFLNK } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { fillRandom } from '../random.js';
import { DirectoryFile } from './directory-file.js';
import { FileType } from './file-type.js';
import { INodeBase, type DirEntry, type FileSystem, type INode } from './inode.js';
import { FileBase } from './open-file.js';
import type { Kernel } from '../process/kernel.js';
import type { LinuxProcess } from '../process/process.js';
import { PTY_MAX, PTY_SLAVE_MAJOR, Pty, PtyMasterFile, PtySlaveFile } from './pty.js';
import { controllingTerminal, type Terminal } from './tty.js';

/** Creates the open file of a device node. */
export type DeviceOpener = (node: DevNode, flags: number, path: string) => FileBase;

/** Base of devfs inodes: attributes fixed at creation. */
abstract class DevInode extends INodeBase {
  readonly #time = timespecNow();

  constructor(
    readonly fs: DevFs,
    readonly ino: bigint,
    readonly mode: number,
    readonly rdev: bigint = 0n,
  ) {
    super();
  }

  override stat(): Stat {
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: this.nlinks(), uid: 0, gid: 0,
      rdev: this.rdev, size: this.size(), blksize: 4096, blocks: 0,
      atime: this.#time, mtime: this.#time, ctime: this.#time,
    };
  }

  protected nlinks(): number {
    return 1;
  }

  protected size(): number {
    return 0;
  }


  abstract override open(flags: number, path: string): FileBase;
}

/** A directory of devfs. */
export class DevDirectory extends DevInode {
  override readonly type = FileType.Directory;
  readonly #children = new Map<string, DevInode>();

  constructor(fs: DevFs, ino: bigint, readonly parent: DevDirectory | null) {
    super(fs, ino, S_IFDIR | 0o755);
  }

  override lookup(name: string): INode {
    const child = this.#children.get(name);
    if (child === undefined) throw new KernelError(Errno.ENOENT);
    return child;
  }

  override readdir(): DirEntry[] {
    const entries: DirEntry[] = [
      { name: '.', ino: this.ino, type: FileType.Directory },
      { name: '..', ino: (this.parent ?? this).ino, type: FileType.Directory },
    ];
    for (const [name, child] of this.#children) entries.push({ name, ino: child.ino, type: child.type });
    return entries;
  }

  protected override nlinks(): number {
    let dirs = 0;
    for (const c of this.#children.values()) if (c.type === FileType.Directory) dirs++;
    return 2 + dirs;
  }

  override open(flags: number, path: string): FileBase {
    return new DirectoryFile(path, flags, this);
  }

  /** Add `child` as `name`; EEXIST if taken. */
  add<T extends DevInode>(name: string, child: T): T {
    if (this.#children.has(name)) throw new KernelError(Errno.EEXIST);
    this.#children.set(name, child);
    return child;
  }

  /** Remove `name` (a pty slave whose master closed); nothing if absent. */
  remove(name: string): void {
    this.#children.delete(name);
  }
}

/** A character device node. */
export class DevNode extends DevInode {
  override readonly type = FileType.CharDevice;

  constructor(fs: DevFs, ino: bigint, mode: number, rdev: bigint, readonly opener: DeviceOpener) {
    super(fs, ino, S_IFCHR | (mode & 0o7777), rdev);
  }

  override open(flags: number, path: string): FileBase {
    return this.opener(this, flags, path);
  }
}

/** A symbolic link in devfs (/dev/fd → /proc/self/fd …). */
export class DevSymlink extends DevInode {
  override readonly type = FileType.Symlink;

  constructor(fs: DevFs, ino: bigint, readonly target: string) {
    super(fs, ino, S_IFLNK | 0o777);
  }

  protected override size(): number {
    return this.target.length; // a byte string: one char per byte
  }

  override readlink(): string {
    return this.target;
  }

  override open(_flags: number, _path: string): FileBase {
    throw new KernelError(Errno.ELOOP); // the VFS follows links before opening
  }
}

/**
 * A character device's open file: seeking always lands at 0, as Linux's null_lseek, and the
 * read/write behaviour comes from the device.
 */
export class CharDeviceFile extends FileBase {
  constructor(
    path: string,
    flags: number,
    readonly node: DevNode,
    readonly device: {
      read(buf: Uint8Array): number;
      write(buf: Uint8Array): number;
    },
  ) {
    super(path, flags);
  }

  override read(buf: Uint8Array): number {
    this.checkReadable();
    return this.device.read(buf);
  }

  override write(buf: Uint8Array): number {
    this.checkWritable();
    return this.device.write(buf);
  }

  override pread(buf: Uint8Array, offset: number): number {
    this.checkReadable();
    if (offset < 0) throw new KernelError(Errno.EINVAL);
    return this.device.read(buf);
  }

  override pwrite(buf: Uint8Array, offset: number): number {
    this.checkWritable();
    if (offset < 0) throw new KernelError(Errno.EINVAL);
    return this.device.write(buf);
  }

  override seek(_offset: number, _whence: number): number {
    return 0;
  }

  override stat(): Stat {
    return this.node.stat();
  }
}

/** Linux's /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom behaviour. */
export const memoryDevices = {
  /** Reads see end of file; writes vanish. */
  null: { read: (_b: Uint8Array) => 0, write: (b: Uint8Array) => b.byteLength },
  /** Reads return zeros; writes vanish. */
  zero: { read: (b: Uint8Array) => (b.fill(0), b.byteLength), write: (b: Uint8Array) => b.byteLength },
  /** Reads return zeros; writes fail with ENOSPC. */
  full: {
    read: (b: Uint8Array) => (b.fill(0), b.byteLength),
    write: (_b: Uint8Array): number => {
      throw new KernelError(Errno.ENOSPC); // even for 0 bytes, as Linux
    },
  },
  /** Reads return random bytes; writes (entropy) are accepted and ignored. */
  random: {
    read: (b: Uint8Array) => (fillRandom(b), b.byteLength),
    write: (b: Uint8Array) => b.byteLength,
  },
} as const;

/** Device numbers Linux gives the memory devices (major 1). */
export const MEMORY_DEVICES: readonly { name: string; minor: number; device: keyof typeof memoryDevices }[] = [
  { name: 'null', minor: 3, device: 'null' },
  { name: 'zero', minor: 5, device: 'zero' },
  { name: 'full', minor: 7, device: 'full' },
  { name: 'random', minor: 8, device: 'random' },
  { name: 'urandom', minor: 9, device: 'random' },
];

/** Options of {@link DevFs}. */
export interface DevFsOptions {
  /** st_dev of its files. */
  dev?: bigint;
  /** The kernel, for terminals: /dev/tty, controlling terminals and job-control signals. */
  kernel?: Kernel;
  /**
   * The process making the current syscall (whose controlling terminal /dev/tty is). Default:
   * the process of the kernel's calling thread, as procfs's /proc/self.
   */
  current?: () => LinuxProcess | undefined;
}

/**
 * The /dev file system: null, zero, full, random, urandom (crw-rw-rw-, major 1); the fd/stdin/
 * stdout/stderr links into /proc/self/fd; tty (5:0), console (5:1), ptmx (5:2) and the pts
 * directory of pseudo-terminal slaves (136:N). More devices are added with
 * {@link DevFs.addDevice}. Nothing can be created in it by a guest (EACCES).
 */
export class DevFs implements FileSystem {
  readonly type = 'devtmpfs';
  readonly readOnly = false;
  /** st_dev of every file in it. */
  readonly dev: bigint;
  readonly root: DevDirectory;
  /** /dev/pts. */
  readonly pts: DevDirectory;
  /** What /dev/console opens (the container's stdio terminal); unset: ENXIO. */
  console: Terminal | undefined;
  readonly #kernel: Kernel | undefined;
  readonly #current: () => LinuxProcess | undefined;
  readonly #ptys = new Map<number, Pty>();
  #nextIno = 1n;

  constructor(options: DevFsOptions = {}) {
    this.dev = options.dev ?? makedev(0, 5);
    this.root = new DevDirectory(this, this.#ino(), null);
    const kernel = options.kernel;
    this.#kernel = kernel;
    this.#current = options.current
      ?? (() => kernel?.callingThread()?.process);
    for (const d of MEMORY_DEVICES) {
      const device = memoryDevices[d.device];
      this.addDevice(d.name, 1, d.minor, 0o666, (node, flags, path) =>
        new CharDeviceFile(path, flags, node, device));
    }
    this.addSymlink('fd', '/proc/self/fd');
    this.addSymlink('stdin', '/proc/self/fd/0');
    this.addSymlink('stdout', '/proc/self/fd/1');
    this.addSymlink('stderr', '/proc/self/fd/2');
    this.addDevice('tty', 5, 0, 0o666, (_node, flags, path) => this.#openTty(flags, path));
    this.addDevice('console', 5, 1, 0o600, (_node, flags, path) => {
      if (!this.console) throw new KernelError(Errno.ENXIO);
      return this.console.reopen(flags, path) as FileBase;
    });
    this.addDevice('ptmx', 5, 2, 0o666, (node, flags) => this.#openPtmx(node, flags));
    this.pts = this.addDirectory('pts');
  }

  /** /dev/tty: a new open of the caller's controlling terminal (ENXIO without one). */
  #openTty(flags: number, path: string): FileBase {
    const proc = this.#current();
    const tty = this.#kernel && proc ? controllingTerminal(this.#kernel, proc) : undefined;
    if (!tty) throw new KernelError(Errno.ENXIO);
    return tty.reopen(flags, path) as FileBase;
  }

  /** /dev/ptmx: a new pseudo-terminal, its slave appearing as /dev/pts/N (the lowest free N). */
  #openPtmx(ptmx: DevNode, flags: number): FileBase {
    let index = 0;
    while (this.#ptys.has(index)) index++;
    if (index >= PTY_MAX) throw new KernelError(Errno.ENOSPC);
    const name = String(index);
    let slave: DevNode | undefined;
    const pty: Pty = new Pty(index, { kernel: this.#kernel, current: this.#current }, (f, path): PtySlaveFile =>
      new PtySlaveFile(pty, f, path, () => slave!.stat()));
    slave = this.addDevice(name, PTY_SLAVE_MAJOR, index, 0o620, (_node, f, path) => {
      if (pty.locked || !pty.masterOpen) throw new KernelError(Errno.EIO);
      const file = pty.openSlave(f, path);
      pty.maybeAcquire(f);
      return file;
    }, this.pts);
    this.#ptys.set(index, pty);
    return new PtyMasterFile(pty, flags, () => ptmx.stat(), () => {
      this.#ptys.delete(index);
      this.pts.remove(name);
    });
  }

  #ino(): bigint {
    return this.#nextIno++;
  }

  /** Add a character device `name` (major:minor, permission bits `mode`) under `dir` (default: root). */
  addDevice(
    name: string, major: number, minor: number, mode: number, opener: DeviceOpener,
    dir: DevDirectory = this.root,
  ): DevNode {
    return dir.add(name, new DevNode(this, this.#ino(), mode, makedev(major, minor), opener));
  }

  /** Add a symlink `name` → `target` under `dir` (default: root). */
  addSymlink(name: string, target: string, dir: DevDirectory = this.root): DevSymlink {
    return dir.add(name, new DevSymlink(this, this.#ino(), target));
  }

  /** Add a subdirectory (/dev/pts, /dev/shm …) under `dir` (default: root). */
  addDirectory(name: string, dir: DevDirectory = this.root): DevDirectory {
    return dir.add(name, new DevDirectory(this, this.#ino(), dir));
  }

  release(): void {}
}
