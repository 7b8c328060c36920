/**
 * inotify: watches on files and directories, and the events the VFS reports to them. Every change
 * a guest makes goes through the kernel, so the kernel sees them all; changes the host makes to a
 * host directory behind its back (`--file-access=shared`) are not reported. Watches follow the
 * file (its file system and inode number), not its name, as Linux's.
 *
 * Reported: IN_ACCESS (by the read syscalls, which call {@link FsEvents.changed}), IN_MODIFY,
 * IN_ATTRIB, IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_MOVED_FROM, IN_MOVED_TO, IN_MOVE_SELF,
 * IN_OPEN, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE (for files opened while a watch existed) and IN_IGNORED
 * (with IN_ISDIR, IN_ONESHOT, IN_Q_OVERFLOW). Reads through a shared mapping are not reported, as
 * in Linux.
 *
 * @module
 */
import { O_ACCMODE, O_NONBLOCK, O_RDONLY } from '../abi/fcntl.js';
import { POLLIN } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { stringBytesInto } from '@rvisor/zircon-object';
import { FIONREAD } from '../abi/ioctl.js';
import { Errno, KernelError } from '../errno.js';
import { anonInodeStat } from './anon-inode.js';
import { FileType } from './file-type.js';
import type { FileSystem } from './inode.js';
import { FileBase, type Interruptible, type OpenFile } from './open-file.js';
import type { PathRef } from './path-ref.js';
import { Readiness, waitUntilReady } from './readiness.js';

export const IN_ACCESS = 0x1;
export const IN_MODIFY = 0x2;
export const IN_ATTRIB = 0x4;
export const IN_CLOSE_WRITE = 0x8;
export const IN_CLOSE_NOWRITE = 0x10;
export const IN_OPEN = 0x20;
export const IN_MOVED_FROM = 0x40;
export const IN_MOVED_TO = 0x80;
export const IN_CREATE = 0x100;
export const IN_DELETE = 0x200;
export const IN_DELETE_SELF = 0x400;
export const IN_MOVE_SELF = 0x800;
export const IN_Q_OVERFLOW = 0x4000;
export const IN_IGNORED = 0x8000;
export const IN_ONLYDIR = 0x0100_0000;
export const IN_DONT_FOLLOW = 0x0200_0000;
export const IN_EXCL_UNLINK = 0x0400_0000;
export const IN_MASK_CREATE = 0x1000_0000;
export const IN_MASK_ADD = 0x2000_0000;
export const IN_ISDIR = 0x4000_0000;
export const IN_ONESHOT = 0x8000_0000;
/** Every event a watch may ask for. */
export const IN_ALL_EVENTS = 0xfff;
/** The flags inotify_add_watch takes besides events. */
const WATCH_FLAGS = IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ONESHOT;
/** Events queued per instance before the rest become one IN_Q_OVERFLOW (Linux's max_queued_events). */
const MAX_QUEUED = 16384;
/** struct inotify_event's fixed part: wd, mask, cookie, len. */
const EVENT_HEAD = 16;

/** A watch on one file, of an inotify instance or a dnotify registration. */
export interface Watch {
  readonly wd: number;
  mask: number;
  readonly instance: WatchOwner;
  readonly fs: FileSystem;
  readonly ino: bigint;
}

/** What holds watches and hears their events: an inotify instance, or a directory's dnotify (dnotify.ts). */
export interface WatchOwner {
  readonly watches: Map<number, Watch>;
  nextWd(): number;
  queue(e: QueuedEvent): void;
}

export interface QueuedEvent {
  wd: number;
  mask: number;
  cookie: number;
  name: string;
}

/** The size of `e` as read(2) returns it: the name NUL-terminated and padded to 16 bytes. */
function recordSize(e: QueuedEvent): number {
  return EVENT_HEAD + (e.name.length === 0 ? 0 : Math.ceil((e.name.length + 1) / EVENT_HEAD) * EVENT_HEAD);
}

/** Files opened by path while some watch existed, with the events their close reports to. */
const openedWatched = new WeakMap<OpenFile, FsEvents>();
/** How many of them are open: a close looks them up only when some are. */
let openWatchedCount = 0;

/**
 * The last reference to `file` is gone (fd-table's releaseFile): IN_CLOSE_WRITE or
 * IN_CLOSE_NOWRITE if it was opened while a watch existed.
 */
export function fileClosed(file: OpenFile): void {
  if (openWatchedCount === 0) return;
  const events = openedWatched.get(file);
  if (events === undefined || file.location === undefined) return;
  openedWatched.delete(file);
  openWatchedCount--;
  const written = (file.statusFlags & O_ACCMODE) !== O_RDONLY;
  events.changed(file.location, written ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
}

/** The watches of a VFS, and the events its changes make. */
export class FsEvents {
  readonly #byFile = new Map<FileSystem, Map<bigint, Set<Watch>>>();
  #count = 0;
  #cookie = 0;

  /** Whether any watch exists (every report is a no-op until one does). */
  get active(): boolean {
    return this.#count > 0;
  }

  #watchesOf(ref: PathRef): Set<Watch> | undefined {
    return this.#byFile.get(ref.mount.fs)?.get(ref.inode.ino);
  }

  /** inotify_add_watch for `instance` on `ref`: its watch descriptor (the same one again for the same file). */
  add(instance: WatchOwner, ref: PathRef, mask: number): number {
    checkWatchMask(mask);
    if ((mask & IN_ONLYDIR) !== 0 && ref.inode.type !== FileType.Directory) throw new KernelError(Errno.ENOTDIR);
    const events = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
    const existing = [...(this.#watchesOf(ref) ?? [])].find((w) => w.instance === instance);
    if (existing) {
      if ((mask & IN_MASK_CREATE) !== 0) throw new KernelError(Errno.EEXIST);
      existing.mask = (mask & IN_MASK_ADD) !== 0 ? existing.mask | events : events;
      return existing.wd;
    }
    const watch: Watch = { wd: instance.nextWd(), mask: events, instance, fs: ref.mount.fs, ino: ref.inode.ino };
    let byIno = this.#byFile.get(watch.fs);
    if (!byIno) this.#byFile.set(watch.fs, (byIno = new Map()));
    let set = byIno.get(watch.ino);
    if (!set) byIno.set(watch.ino, (set = new Set()));
    set.add(watch);
    instance.watches.set(watch.wd, watch);
    this.#count++;
    return watch.wd;
  }

  /** Drop `watch`; `ignored` queues IN_IGNORED for it (inotify_rm_watch, a deleted file, IN_ONESHOT). */
  remove(watch: Watch, ignored: boolean): void {
    const set = this.#byFile.get(watch.fs)?.get(watch.ino);
    if (!set?.delete(watch)) return;
    if (set.size === 0) this.#byFile.get(watch.fs)!.delete(watch.ino);
    watch.instance.watches.delete(watch.wd);
    this.#count--;
    if (ignored) watch.instance.queue({ wd: watch.wd, mask: IN_IGNORED, cookie: 0, name: '' });
  }

  /** A cookie pairing an IN_MOVED_FROM with its IN_MOVED_TO. */
  nextCookie(): number {
    return (this.#cookie = (this.#cookie + 1) >>> 0);
  }

  #deliver(set: Set<Watch> | undefined, mask: number, cookie: number, name: string): void {
    if (!set) return;
    for (const w of [...set]) {
      if ((w.mask & mask & IN_ALL_EVENTS) === 0) continue;
      w.instance.queue({ wd: w.wd, mask, cookie, name });
      if ((w.mask & IN_ONESHOT) !== 0) this.remove(w, true);
    }
  }

  /** `name` in directory `dir` was created, deleted or moved (`mask`), a directory if `isDir`. */
  child(dir: PathRef, name: string, mask: number, isDir: boolean, cookie = 0): void {
    if (this.#count === 0) return;
    this.#deliver(this.#watchesOf(dir), mask | (isDir ? IN_ISDIR : 0), cookie, name);
  }

  /** `ref` changed (IN_MODIFY, IN_ATTRIB): its own watches and its directory's hear it. */
  changed(ref: PathRef, mask: number): void {
    if (this.#count === 0) return;
    const isDir = ref.inode.type === FileType.Directory ? IN_ISDIR : 0;
    // The directory's watches hear it first, as Linux's fsnotify_parent reports it.
    if (ref.parent) this.#deliver(this.#watchesOf(ref.parent), mask | isDir, 0, lastName(ref.path));
    this.#deliver(this.#watchesOf(ref), mask | isDir, 0, '');
  }

  /**
   * What only `ref`'s own watches hear: it moved (IN_MOVE_SELF), its link count changed
   * (IN_ATTRIB), or it was deleted (IN_DELETE_SELF: its watches then go, with IN_IGNORED).
   */
  self(ref: PathRef, mask: number): void {
    if (this.#count === 0) return;
    const set = this.#watchesOf(ref);
    this.#deliver(set, mask, 0, '');
    if (mask === IN_DELETE_SELF) for (const w of [...(set ?? [])]) this.remove(w, true);
  }

  /** `file` was opened at `ref`: IN_OPEN now, and its close reported later (fileClosed). */
  opened(file: OpenFile, ref: PathRef): void {
    if (this.#count === 0) return;
    openedWatched.set(file, this);
    openWatchedCount++;
    this.changed(ref, IN_OPEN);
  }

  /** Whether anything watches `ref` itself (so that its deletion is worth finding out). */
  watched(ref: PathRef): boolean {
    return this.#count > 0 && (this.#watchesOf(ref)?.size ?? 0) > 0;
  }
}

/** EINVAL for a mask inotify_add_watch refuses before it looks anything up: no event, unknown bits, or both IN_MASK_ADD and IN_MASK_CREATE. */
export function checkWatchMask(mask: number): void {
  if ((mask & IN_ALL_EVENTS) === 0 || (mask & ~(IN_ALL_EVENTS | WATCH_FLAGS)) !== 0) throw new KernelError(Errno.EINVAL);
  if ((mask & (IN_MASK_ADD | IN_MASK_CREATE)) === (IN_MASK_ADD | IN_MASK_CREATE)) throw new KernelError(Errno.EINVAL);
}

function lastName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** An inotify instance: its watches and its queue of events, read as struct inotify_event records. */
export class InotifyFile extends FileBase implements WatchOwner {
  readonly watches = new Map<number, Watch>();
  readonly readiness = new Readiness();
  readonly #events: QueuedEvent[] = [];
  readonly #stat = anonInodeStat();
  #nextWd = 1;

  constructor(private readonly registry: FsEvents, flags: number) {
    super('anon_inode:inotify', O_RDONLY | (flags & O_NONBLOCK));
  }

  /** The next watch descriptor. */
  nextWd(): number {
    return this.#nextWd++;
  }

  /** Queue `e`, unless it repeats the last one; past the limit, one IN_Q_OVERFLOW. */
  queue(e: QueuedEvent): void {
    const last = this.#events[this.#events.length - 1];
    if (last && last.wd === e.wd && last.mask === e.mask && last.cookie === e.cookie && last.name === e.name) return;
    if (this.#events.length >= MAX_QUEUED) {
      if (last?.mask !== IN_Q_OVERFLOW) this.#events.push({ wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: '' });
    } else {
      this.#events.push(e);
    }
    this.readiness.notify();
  }

  /** inotify_rm_watch: EINVAL for an unknown descriptor. */
  removeWatch(wd: number): void {
    const w = this.watches.get(wd);
    if (!w) throw new KernelError(Errno.EINVAL);
    this.registry.remove(w, true);
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    if (this.#events.length > 0) return this.#take(buf);
    if (this.statusFlags & O_NONBLOCK) throw new KernelError(Errno.EAGAIN);
    return waitUntilReady(this.readiness, () => this.#events.length > 0, waiter?.interruption()).then(() => this.#take(buf));
  }

  /** As many whole records as fit (EINVAL if not even the first does). */
  #take(buf: Uint8Array): number {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    while (this.#events.length > 0) {
      const e = this.#events[0]!;
      const size = recordSize(e);
      if (at + size > buf.length) {
        if (at === 0) throw new KernelError(Errno.EINVAL);
        break;
      }
      view.setInt32(at, e.wd, true);
      view.setUint32(at + 4, e.mask >>> 0, true);
      view.setUint32(at + 8, e.cookie, true);
      view.setUint32(at + 12, size - EVENT_HEAD, true);
      buf.fill(0, at + EVENT_HEAD, at + size);
      stringBytesInto(e.name, buf.subarray(at + EVENT_HEAD, at + size));
      at += size;
      this.#events.shift();
    }
    return at;
  }

  /** FIONREAD: the bytes the queued events take. */
  override ioctl(request: number, arg: Uint8Array): number {
    if (request !== FIONREAD || arg.byteLength < 4) return super.ioctl(request, arg);
    const bytes = this.#events.reduce((n, e) => n + recordSize(e), 0);
    new DataView(arg.buffer, arg.byteOffset, 4).setInt32(0, bytes, true);
    return 0;
  }

  override poll(events: number): number {
    return this.#events.length > 0 ? events & POLLIN : 0;
  }

  override stat(): Stat {
    return this.#stat;
  }

  override close(): void {
    for (const w of [...this.watches.values()]) this.registry.remove(w, false);
  }
}
