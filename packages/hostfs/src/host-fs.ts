/**
 * hostfs: a file system over a host directory, confined to it.
 *
 * @module
 */
import {
  AT_EMPTY_PATH, AT_FDCWD, Errno, FifoState, KernelError, O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_RDONLY,
  statfsCodec, utf8ByteString,
  type FileSystem, type StatFs,
} from '@rvisor/linux-object';
import { DirFdCache } from './dir-fd-cache.js';
import { IdleReadFds } from './idle-read-fds.js';
import { hostResult } from './host-errors.js';
import { HostDirectory, type HostInode } from './host-inode.js';
import { hostStat, identityKey, tryHostStat } from './host-stat.js';
import { SharedPages, type FileMemory } from './shared-pages.js';
import type { HostRegularFile } from './host-files.js';
import type { HostOps } from './host-ops.js';
import { ChangeCountingOps } from './change-counting-ops.js';
import { SocketNames } from './socket-names.js';

/** Options of a {@link HostFs}. */
export interface HostFsOptions {
  /** Most directory fds kept open at once besides the root's (default 64). */
  maxDirFds?: number;
  /** Refuse every change with EROFS (an OCI `root.readonly`). Default: read-write. */
  readOnly?: boolean;
  /**
   * Nothing but this file system changes the tree while it is mounted (a container's own rootfs,
   * runsc's `--file-access=exclusive`): lookups are cached, so a path walk makes no host call for
   * the directories it passes, and a name found missing stays missing until this file system
   * creates it. Attributes are kept too, until this file system makes a host call that may
   * change any file's (see {@link ChangeCountingOps}).
   * Default: false, every lookup and stat asks the host (bind mounts the host may change), and a
   * cached file the host replaced meanwhile answers ESTALE rather than another file.
   */
  exclusive?: boolean;
}

/** Cached lookups an exclusive hostfs keeps before it starts over. */
const MAX_CACHED_LOOKUPS = 65_536;

/** Idle read-only fds an exclusive hostfs keeps (`IdleReadFds`). */
const IDLE_READ_FDS = 32;

/** Where a directory is now: its parent and its name there. */
interface DirLocation {
  dir: HostDirectory;
  name: string;
}

/**
 * A {@link FileSystem} over a host directory, read-write unless made read-only.
 *
 * It holds an O_PATH fd of the root directory and reaches every file with fd-relative host calls
 * on its parent directory's fd, one name at a time, with O_NOFOLLOW: symlinks are read and handed
 * to the VFS, which resolves them inside the container; the host never follows one. Directory fds
 * are cached (bounded) and reopened on demand; each reopened fd is checked to be the same
 * directory (dev, ino), else ESTALE. Host device nodes are never opened (nodev).
 */
export class HostFs implements FileSystem {
  readonly type = 'hostfs';
  readonly readOnly: boolean;
  readonly root: HostDirectory;
  readonly #rootFd: number;
  readonly #dirFds: DirFdCache;
  /** Directories renamed through this file system: their new place, by identity key. */
  readonly #moved = new Map<string, DirLocation>();
  /** The kernel-side state of each host FIFO open now, by identity key. */
  readonly #fifos = new Map<string, FifoState>();
  /** AF_UNIX socket files bound into host directories (kept in the kernel only). */
  readonly socketNames = new SocketNames();
  /** The shared pages of each host file mapped MAP_SHARED now, by identity key. */
  readonly #sharedPages = new Map<string, SharedPages>();
  #fileMemory: FileMemory | undefined;
  /** Read-only fds of closed files, kept for their next open (exclusive trees only). */
  readonly #idleReadFds: IdleReadFds | undefined;
  #openFds = 0;
  #released = false;
  /** Whether lookups are cached (see {@link HostFsOptions.exclusive}). */
  readonly cachesLookups: boolean;
  /**
   * Cached lookups by directory identity, so that every HostDirectory of one host directory (one
   * reached again after a rename, say) sees the same entries: each name holds its inode, or null
   * when the host said it does not exist.
   */
  readonly #lookups = new Map<string, Map<string, HostInode | null>>();
  #cachedLookups = 0;

  /** The host calls; an exclusive tree's count those that may change attributes. */
  readonly ops: HostOps;
  readonly #counting: ChangeCountingOps | undefined;

  /**
   * A hostfs over the directory open as `rootFd` (an O_PATH or readable directory fd, which the
   * HostFs now owns and closes on `release`).
   */
  constructor(ops: HostOps, rootFd: number, options: HostFsOptions = {}) {
    this.readOnly = options.readOnly ?? false;
    this.cachesLookups = options.exclusive ?? false;
    this.#counting = this.cachesLookups ? new ChangeCountingOps(ops) : undefined;
    this.ops = this.#counting ?? ops;
    this.#rootFd = rootFd;
    this.#openFds = 1;
    this.#dirFds = new DirFdCache(Math.max(2, options.maxDirFds ?? 64), (fd) => this.closeFd(fd));
    this.#idleReadFds = this.cachesLookups ? new IdleReadFds(IDLE_READ_FDS, (fd) => this.closeFd(fd)) : undefined;
    const s = hostStat(ops, rootFd, '', AT_EMPTY_PATH);
    this.root = new HostDirectory(this, s.dev, s.ino, null);
  }

  /**
   * Let files be mapped MAP_SHARED and writable, with pages from `memory` (the kernel's pmem,
   * which exists only once the kernel does). Until then such mappings are refused (ENODEV).
   */
  shareFileMemory(memory: FileMemory): void {
    this.#fileMemory = memory;
  }

  /** @internal The shared pages of `file`'s host file, if it is mapped shared now. */
  sharedPagesOf(file: HostRegularFile): SharedPages | undefined {
    return this.#sharedPages.size === 0 ? undefined : this.#sharedPages.get(file.identityKey());
  }

  /**
   * @internal The shared pages of `file`'s host file, covering its first `end` bytes: made now
   * if `writable` (they write back through `file`), else only if they exist already.
   */
  sharePages(file: HostRegularFile, end: number, writable: boolean): SharedPages | undefined {
    const key = file.identityKey();
    const pages = this.#sharedPages.get(key);
    if (pages !== undefined) {
      pages.cover(end);
      return pages;
    }
    if (this.#fileMemory === undefined || !writable) return undefined;
    const made = new SharedPages(this.ops, this.#fileMemory, file, end, () => this.#sharedPages.delete(key));
    this.#sharedPages.set(key, made);
    return made;
  }

  /**
   * Open the host directory `hostPath` (trusted configuration, e.g. the OCI bundle's rootfs,
   * resolved by the host once) and make a hostfs over it. `hostPath` is text; the host calls take
   * byte strings, as every name below it is.
   */
  static open(ops: HostOps, hostPath: string, options: HostFsOptions = {}): HostFs {
    const fd = hostResult(ops.openat(AT_FDCWD, utf8ByteString(hostPath), O_PATH | O_DIRECTORY | O_CLOEXEC, 0));
    return new HostFs(ops, fd, options);
  }

  /**
   * @internal What a lookup of `name` in directory `dir` found before: its inode, null if it did
   * not exist, undefined if not cached (always, unless exclusive).
   */
  cachedLookup(dir: string, name: string): HostInode | null | undefined {
    return this.#lookups.get(dir)?.get(name);
  }

  /** @internal Cache a lookup's result (`null`: ENOENT); past the bound, every entry is dropped first. */
  cacheLookup(dir: string, name: string, found: HostInode | null): void {
    if (!this.cachesLookups) return;
    if (++this.#cachedLookups > MAX_CACHED_LOOKUPS) {
      this.#lookups.clear();
      this.#cachedLookups = 1;
    }
    let names = this.#lookups.get(dir);
    if (names === undefined) this.#lookups.set(dir, (names = new Map()));
    names.set(name, found);
  }

  /** @internal Drop the cached lookup of `name` in `dir`: it is about to change. */
  forgetLookup(dir: string, name: string): void {
    this.#lookups.get(dir)?.delete(name);
  }

  /**
   * @internal How many host calls so far may have changed a file's attributes: a stat taken at
   * the same count still holds. -1 if attributes are not kept (not exclusive).
   */
  get attrVersion(): number {
    return this.#counting?.changes ?? -1;
  }

  /** Host fds held now: the root's, cached directories, and open files. */
  get openHostFds(): number {
    return this.#openFds;
  }

  /** An O_PATH fd of `dir`, from the cache or reopened through its parent. */
  directoryFd(dir: HostDirectory): number {
    if (this.#released) throw new KernelError(Errno.EIO);
    if (dir.parent === null) return this.#rootFd;
    const key = dir.identity;
    const cached = this.#dirFds.get(key);
    if (cached !== undefined) return cached;
    const { dir: parent, name } = this.#moved.get(key) ?? dir.parent;
    const flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    const fd = hostResult(this.ops.openat(parent.fd(), name, flags, 0));
    this.fdOpened();
    const s = tryHostStat(this.ops, fd, '', AT_EMPTY_PATH);
    if (s === undefined || s.dev !== dir.dev || s.ino !== dir.ino) {
      this.closeFd(fd);
      throw new KernelError(Errno.ESTALE);
    }
    this.#dirFds.add(key, fd);
    return fd;
  }

  /**
   * Run `fn` with the fds of two directories (rename, link) both valid: neither is evicted from
   * the cache while the other is opened.
   */
  withDirFds<T>(a: HostDirectory, b: HostDirectory, fn: (fdA: number, fdB: number) => T): T {
    const keys = [a.identity, b.identity];
    for (const k of keys) this.#dirFds.pin(k);
    try {
      const fdA = a.fd();
      return fn(fdA, b.fd());
    } finally {
      for (const k of keys) this.#dirFds.unpin(k);
    }
  }

  /** @internal The directory `key` now lives in `dir` as `name` (it was renamed). */
  directoryMoved(key: string, dir: HostDirectory, name: string): void {
    this.#moved.set(key, { dir, name });
  }

  /** @internal The directory `key` is gone: drop its fd, whose identity a new one may reuse. */
  directoryRemoved(key: string): void {
    this.#dirFds.delete(key);
    this.#moved.delete(key);
    this.#lookups.delete(key); // a new directory may take its inode number
  }

  /**
   * The kernel-side state of the host FIFO `dev`/`ino`, shared by all its openers (the host FIFO
   * itself is never opened). Forgotten once nobody has it open.
   */
  fifo(dev: bigint, ino: bigint): FifoState {
    const key = identityKey(dev, ino);
    let state = this.#fifos.get(key);
    if (state === undefined) {
      const created: FifoState = new FifoState(() => {
        if (this.#fifos.get(key) === created) this.#fifos.delete(key);
      });
      state = created;
      this.#fifos.set(key, state);
    }
    return state;
  }

  /** @internal Forget `state` of FIFO `dev`/`ino` if an open failed and nobody has it open. */
  fifoUnused(dev: bigint, ino: bigint, state: FifoState): void {
    const key = identityKey(dev, ino);
    if (state.openers === 0 && this.#fifos.get(key) === state) this.#fifos.delete(key);
  }

  /** statfs(2) of the host file system under the root. */
  statfs(): StatFs {
    const buf = new Uint8Array(statfsCodec.size);
    hostResult(this.ops.fstatfs(this.#rootFd, buf));
    return statfsCodec.read(new DataView(buf.buffer), 0);
  }

  /** syncfs(2) of the host file system under the root. */
  sync(): void {
    const fd = hostResult(this.ops.openat(this.#rootFd, '.', O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
    this.fdOpened();
    try {
      hostResult(this.ops.syncfs(fd));
    } finally {
      this.closeFd(fd);
    }
  }

  /** @internal Count a host fd the file system now holds. */
  fdOpened(): void {
    this.#openFds++;
  }

  /** @internal Close a host fd the file system held. */
  closeFd(fd: number): void {
    this.ops.close(fd);
    this.#openFds--;
  }

  /** @internal Whether plain read-only fds are kept for the next open of their file. */
  get keepsReadFds(): boolean {
    return this.#idleReadFds !== undefined;
  }

  /**
   * @internal An idle read-only fd of the file `key`; undefined if none is kept. Its host position
   * is wherever the last user left it: a HostRegularFile keeps its own.
   */
  takeReadFd(key: string): number | undefined {
    return this.#idleReadFds?.take(key);
  }

  /** @internal A plain read-only fd of the file `key` whose guest file closed: kept, or closed. */
  closeReadFd(key: string, fd: number): void {
    if (this.#idleReadFds !== undefined && !this.#released) this.#idleReadFds.park(key, fd);
    else this.closeFd(fd);
  }

  /** @internal The name of the file `key` went (unlink, a rename over it): no fd of it is kept. */
  fileNameGone(key: string): void {
    this.#idleReadFds?.drop(key);
  }

  /** Close the root and cached directory fds. Files still open keep their own fds until closed. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#dirFds.clear();
    this.#idleReadFds?.clear();
    this.closeFd(this.#rootFd);
  }
}
