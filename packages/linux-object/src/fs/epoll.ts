/**
 * epoll instances: an interest list of (fd, file) entries, each subscribed to its file's
 * readiness notifications. Level-triggered entries are reported while their file is ready;
 * edge-triggered ones (EPOLLET) once per notification; EPOLLONESHOT ones once until re-armed.
 *
 * @module
 */
import { O_RDWR } from '../abi/fcntl.js';
import { S_IFDIR, S_IFMT, S_IFREG } from '../abi/mode.js';
import { POLLERR, POLLHUP, POLLIN } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { anonInodeStat } from './anon-inode.js';
import { fileReferences } from './fd-table.js';
import { FileBase, type OpenFile } from './open-file.js';
import { Readiness } from './readiness.js';

export const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLEXCLUSIVE = 1 << 28;
export const EPOLLWAKEUP = 1 << 29;
export const EPOLLONESHOT = 1 << 30;
export const EPOLLET = 1 << 31;
/** Bits of an epoll_event that are options rather than events. */
const OPTION_BITS = EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET;
/** Size of the packed x86-64 `struct epoll_event` (u32 events, u64 data). */
export const EPOLL_EVENT_SIZE = 12;

/** One reported event. */
export interface EpollEvent {
  events: number;
  data: bigint;
}

interface Entry {
  readonly fd: number;
  readonly file: OpenFile;
  events: number;
  data: bigint;
  /** An edge not yet reported (EPOLLET), or a one-shot entry's arming. */
  edge: boolean;
  /** A one-shot entry that fired: silent until EPOLL_CTL_MOD. */
  disabled: boolean;
  unsubscribe: () => void;
}

/** An epoll instance's open file. */
export class EpollFile extends FileBase {
  /** Notified when an entry's file may have become ready (and for epoll nested in epoll/poll). */
  readonly readiness = new Readiness();
  readonly #stat = anonInodeStat();
  readonly #entries: Entry[] = [];

  constructor() {
    super('anon_inode:[eventpoll]', O_RDWR);
  }

  #find(fd: number, file: OpenFile): number {
    return this.#entries.findIndex((e) => e.fd === fd && e.file === file);
  }

  /** epoll_ctl(2) for `fd` referring to `file`; `event` is needed for ADD and MOD. */
  control(op: number, fd: number, file: OpenFile, event: EpollEvent | undefined): void {
    if (file === this) throw new KernelError(Errno.EINVAL);
    const type = file.stat().mode & S_IFMT;
    if (type === S_IFREG || type === S_IFDIR) throw new KernelError(Errno.EPERM); // not pollable
    const i = this.#find(fd, file);
    switch (op) {
      case EPOLL_CTL_ADD: {
        if (i >= 0) throw new KernelError(Errno.EEXIST);
        const entry: Entry = {
          fd, file, events: event!.events, data: event!.data, edge: true, disabled: false, unsubscribe: () => {},
        };
        entry.unsubscribe = file.readiness?.subscribe(() => {
          entry.edge = true;
          this.readiness.notify();
        }) ?? (() => {});
        this.#entries.push(entry);
        break;
      }
      case EPOLL_CTL_DEL:
        if (i < 0) throw new KernelError(Errno.ENOENT);
        this.#entries[i].unsubscribe();
        this.#entries.splice(i, 1);
        break;
      case EPOLL_CTL_MOD: {
        if (i < 0) throw new KernelError(Errno.ENOENT);
        const entry = this.#entries[i];
        if ((entry.events & EPOLLEXCLUSIVE) !== 0) throw new KernelError(Errno.EINVAL);
        entry.events = event!.events;
        entry.data = event!.data;
        entry.edge = true; // re-checked now, as Linux's ep_modify
        entry.disabled = false;
        break;
      }
      default:
        throw new KernelError(Errno.EINVAL);
    }
  }

  /**
   * The file of the `nth` entry (from 0, in the order they were added) registered under fd number
   * `fd`, as kcmp's KCMP_EPOLL_TFD finds it; undefined if there is none.
   */
  target(fd: number, nth: number): OpenFile | undefined {
    this.#dropClosed();
    for (const e of this.#entries) if (e.fd === fd && nth-- === 0) return e.file;
    return undefined;
  }

  /** Entries whose file was closed everywhere leave the list, as Linux's eventpoll_release. */
  #dropClosed(): void {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i];
      if (fileReferences(e.file) === 0) {
        e.unsubscribe();
        this.#entries.splice(i, 1);
      }
    }
  }

  /** The ready events, at most `max`, consuming edges and one-shot arms. */
  collect(max: number): EpollEvent[] {
    this.#dropClosed();
    const out: EpollEvent[] = [];
    for (const e of this.#entries) {
      if (out.length >= max) break;
      if (e.disabled) continue;
      const et = (e.events & EPOLLET) !== 0;
      if (et && !e.edge) continue;
      const wanted = (e.events & ~OPTION_BITS) | POLLERR | POLLHUP;
      const revents = e.file.poll(wanted) & wanted;
      if (et) e.edge = false;
      if (revents === 0) continue;
      out.push({ events: revents, data: e.data });
      if ((e.events & EPOLLONESHOT) !== 0) e.disabled = true;
    }
    return out;
  }

  override poll(events: number): number {
    this.#dropClosed();
    for (const e of this.#entries) {
      if (e.disabled || ((e.events & EPOLLET) !== 0 && !e.edge)) continue;
      const wanted = (e.events & ~OPTION_BITS) | POLLERR | POLLHUP;
      if ((e.file.poll(wanted) & wanted) !== 0) return events & POLLIN;
    }
    return 0;
  }

  override read(_buf: Uint8Array): number {
    throw new KernelError(Errno.EINVAL);
  }

  override write(_buf: Uint8Array): number {
    throw new KernelError(Errno.EINVAL);
  }

  override stat(): Stat {
    return this.#stat;
  }

  override close(): void {
    for (const e of this.#entries.splice(0)) e.unsubscribe();
  }
}
