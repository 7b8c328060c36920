/**
 * POSIX message queues (mq_open and the rest; Linux's ipc/mqueue.c): the named queues of one
 * container, each holding up to `maxmsg` messages of up to `msgsize` bytes, highest priority
 * first and in order within a priority, and the descriptors open on them.
 *
 * @module
 */
import { WaitQueue, type TimerQueue } from '@rvisor/async-executor';
import { stringToBytes } from '@rvisor/zircon-object';
import { O_NONBLOCK } from '../abi/fcntl.js';
import { POLLIN, POLLOUT } from '../abi/poll.js';
import { timespecNow, type Timespec } from '../abi/codec.js';
import { S_IFREG } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { FileBase, seekPosition } from '../fs/open-file.js';
import { Readiness } from '../fs/readiness.js';
import type { NetlinkSocket } from '../net/netlink-socket.js';

/** Priorities run from 0 to MQ_PRIO_MAX - 1. */
export const MQ_PRIO_MAX = 32768;
/** /proc/sys/fs/mqueue: the most messages and bytes per message without CAP_SYS_RESOURCE, the defaults, the most queues. */
export const MQ_MSG_MAX = 10;
export const MQ_MSGSIZE_MAX = 8192;
export const MQ_MSG_DEFAULT = 10;
export const MQ_MSGSIZE_DEFAULT = 8192;
export const MQ_QUEUES_MAX = 256;
/** The limits with CAP_SYS_RESOURCE (HARD_MSGMAX, HARD_MSGSIZEMAX). */
export const MQ_HARD_MSGMAX = 65536;
export const MQ_HARD_MSGSIZEMAX = 16 * 1024 * 1024;
/** sigevent's sigev_notify values. */
export const SIGEV_SIGNAL = 0;
export const SIGEV_NONE = 1;
export const SIGEV_THREAD = 2;

/** SIGEV_THREAD's cookie: its length, and the codes its last byte carries. */
export const NOTIFY_COOKIE_LEN = 32;
const NOTIFY_WOKENUP = 1;
const NOTIFY_REMOVED = 2;

/**
 * What Linux charges a queue to its creator's RLIMIT_MSGQUEUE besides its messages' bytes: a
 * struct msg_msg per message, and a priority tree node per message up to MQ_PRIO_MAX of them.
 */
const MSG_MSG_SIZE = 48;
const TREE_NODE_SIZE = 48;

/**
 * A process's mq_notify registration: whom to tell (a process id), how, and with which signal and
 * value; for SIGEV_THREAD (glibc's, whose helper thread reads a netlink socket) the socket and the
 * cookie it is sent, its last byte saying why.
 */
export interface MqNotification {
  readonly pid: number;
  readonly notify: typeof SIGEV_SIGNAL | typeof SIGEV_NONE | typeof SIGEV_THREAD;
  readonly signo: number;
  readonly value: bigint;
  readonly thread?: { readonly socket: NetlinkSocket; readonly cookie: Uint8Array };
}

/** One queue. */
export class MessageQueue {
  /** Its messages, the highest priority first, and in the order they came within a priority. */
  readonly #messages: { readonly prio: number; readonly data: Uint8Array }[] = [];
  /** The bytes its messages hold (the status line's QSIZE). */
  bytes = 0;
  /** Receivers waiting in mq_timedreceive: a message goes to one of them, and tells no one. */
  receivers = 0;
  #notification: MqNotification | null = null;
  /** Descriptors open on it, and whether its name is gone: it lives while either holds. */
  opens = 0;
  unlinked = false;
  /** Woken when a message comes or goes (with deadlines: mq_timedsend's and mq_timedreceive's). */
  readonly changed: WaitQueue;
  readonly readiness = new Readiness();

  constructor(
    /** The queues it is one of (a descriptor's close tells them). */
    readonly queues: MessageQueues,
    readonly name: string,
    readonly maxmsg: number,
    readonly msgsize: number,
    /** Who may open it (chmod and chown through /dev/mqueue change them). */
    public mode: number,
    public uid: number,
    public gid: number,
    /** What it counts against its creator's RLIMIT_MSGQUEUE, and whose. */
    readonly charge: { readonly uid: number; readonly bytes: number },
    readonly ino: bigint,
  ) {
    this.changed = new WaitQueue(queues.timers);
  }

  /** When it was made: its times. */
  readonly created: Timespec = timespecNow();

  get count(): number {
    return this.#messages.length;
  }

  get full(): boolean {
    return this.#messages.length >= this.maxmsg;
  }

  /** The mq_notify registration, if a process has one. */
  get notification(): MqNotification | null {
    return this.#notification;
  }

  /** Register `n` (the caller checked that none is). */
  register(n: MqNotification): void {
    this.#notification = n;
  }

  /** Drop the registration: a SIGEV_THREAD one's socket is told (NOTIFY_REMOVED), as Linux's remove_notification. */
  unregister(): void {
    const thread = this.#notification?.thread;
    this.#notification = null;
    if (thread !== undefined) tell(thread, NOTIFY_REMOVED);
  }

  /**
   * Queue `data` at `prio` (the caller checked that it fits). When the queue was empty and no
   * receiver waits, the registration ends (Linux's __do_notify): a SIGEV_THREAD one's socket is
   * told here, and it is returned for the caller to send a SIGEV_SIGNAL one's signal.
   */
  put(data: Uint8Array, prio: number): MqNotification | null {
    let at = this.#messages.length;
    while (at > 0 && this.#messages[at - 1]!.prio < prio) at--;
    this.#messages.splice(at, 0, { prio, data });
    this.bytes += data.length;
    this.#changed();
    const told = this.#messages.length === 1 && this.receivers === 0 ? this.#notification : null;
    if (told === null) return null;
    this.#notification = null;
    if (told.thread !== undefined) tell(told.thread, NOTIFY_WOKENUP);
    return told;
  }

  /** Take the first message (the caller checked there is one). */
  take(): { readonly prio: number; readonly data: Uint8Array } {
    const m = this.#messages.shift()!;
    this.bytes -= m.data.length;
    this.#changed();
    return m;
  }

  #changed(): void {
    this.changed.wakeAll();
    this.readiness.notify();
  }

  /** The line read(2) of a descriptor gives, as Linux's mqueue_read_file. */
  status(): string {
    const n = this.#notification;
    const pad = (v: number, width: number) => String(v).padEnd(width);
    return `QSIZE:${pad(this.bytes, 10)} NOTIFY:${pad(n?.notify ?? 0, 5)} SIGNO:${pad(n?.notify === SIGEV_SIGNAL ? n.signo : 0, 5)} NOTIFY_PID:${pad(n?.pid ?? 0, 6)}\n`;
  }
}

/** Send a SIGEV_THREAD registration's cookie to its socket, its last byte `code`. */
function tell(thread: { readonly socket: NetlinkSocket; readonly cookie: Uint8Array }, code: number): void {
  const cookie = thread.cookie.slice();
  cookie[NOTIFY_COOKIE_LEN - 1] = code;
  thread.socket.deliverFromKernel(cookie);
}

/** st_dev of the mqueue file system, where every queue's inode is, mounted or not. */
export const MQUEUE_DEV = 0x13n;

/** A queue's inode's attributes (fstat of a descriptor, stat in /dev/mqueue): 80 bytes, Linux's FILENT_SIZE. */
export function queueStat(q: MessageQueue): Stat {
  const t = q.created;
  return {
    dev: MQUEUE_DEV, ino: q.ino, mode: S_IFREG | q.mode, nlink: q.unlinked ? 0 : 1, uid: q.uid, gid: q.gid, rdev: 0n,
    size: 80, blksize: 4096, blocks: 0, atime: t, mtime: t, ctime: t,
  };
}

/** The attributes mq_open creates a queue with. */
export interface MqAttributes {
  readonly maxmsg: number;
  readonly msgsize: number;
}

/** Who creates a queue: its owner, its mode, and what the checks need of the creator. */
export interface MqCreator {
  readonly uid: number;
  readonly gid: number;
  /** The creator's real uid, whose RLIMIT_MSGQUEUE the queue counts against, and that limit. */
  readonly chargedUid: number;
  readonly rlimitBytes: bigint;
  /** Whether it has CAP_SYS_RESOURCE (larger queues, more of them). */
  readonly resource: boolean;
}

/** The queues of one container (its IPC namespace), by name. */
export class MessageQueues {
  constructor(readonly timers: TimerQueue) {}

  readonly #byName = new Map<string, MessageQueue>();
  readonly #chargedBytes = new Map<number, number>();
  #live = 0;
  /** Queues' inode numbers: 1 is the mqueue file system's root. */
  #nextIno = 2n;

  get(name: string): MessageQueue | undefined {
    return this.#byName.get(name);
  }

  /** The queues' names, in the order they were made. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  /**
   * Make queue `name`, as Linux's mqueue_get_inode: EINVAL for attributes that are not positive
   * or exceed the limits, ENOSPC past MQ_QUEUES_MAX queues, EMFILE past the creator's
   * RLIMIT_MSGQUEUE. Without `attr`, the defaults.
   */
  create(name: string, mode: number, attr: MqAttributes | undefined, creator: MqCreator): MessageQueue {
    if (this.#live >= MQ_QUEUES_MAX && !creator.resource) throw new KernelError(Errno.ENOSPC);
    const maxmsg = attr?.maxmsg ?? MQ_MSG_DEFAULT;
    const msgsize = attr?.msgsize ?? MQ_MSGSIZE_DEFAULT;
    if (maxmsg <= 0 || msgsize <= 0) throw new KernelError(Errno.EINVAL);
    const [msgMax, sizeMax] = creator.resource ? [MQ_HARD_MSGMAX, MQ_HARD_MSGSIZEMAX] : [MQ_MSG_MAX, MQ_MSGSIZE_MAX];
    if (maxmsg > msgMax || msgsize > sizeMax) throw new KernelError(Errno.EINVAL);
    const bytes = maxmsg * (msgsize + MSG_MSG_SIZE) + Math.min(maxmsg, MQ_PRIO_MAX) * TREE_NODE_SIZE;
    const charged = this.#chargedBytes.get(creator.chargedUid) ?? 0;
    if (BigInt(charged + bytes) > creator.rlimitBytes) throw new KernelError(Errno.EMFILE);
    this.#chargedBytes.set(creator.chargedUid, charged + bytes);
    this.#live++;
    const q = new MessageQueue(this, name, maxmsg, msgsize, mode, creator.uid, creator.gid, { uid: creator.chargedUid, bytes }, this.#nextIno++);
    this.#byName.set(name, q);
    return q;
  }

  /** mq_unlink: the name goes; the queue with the last descriptor on it. */
  unlink(q: MessageQueue): void {
    this.#byName.delete(q.name);
    q.unlinked = true;
    if (q.opens === 0) this.#destroy(q);
  }

  /** A descriptor on `q` closed. */
  closed(q: MessageQueue): void {
    if (--q.opens === 0 && q.unlinked) this.#destroy(q);
  }

  #destroy(q: MessageQueue): void {
    this.#live--;
    this.#chargedBytes.set(q.charge.uid, (this.#chargedBytes.get(q.charge.uid) ?? 0) - q.charge.bytes);
  }
}

/**
 * A descriptor open on a queue: mq_timedsend and mq_timedreceive use it (through the syscalls),
 * read(2) gives the queue's status line, poll says whether a message waits (POLLIN) and whether
 * one fits (POLLOUT). Closed by the process that registered for notification, it drops that
 * registration.
 */
export class MessageQueueFile extends FileBase {
  #pos = 0;

  constructor(
    readonly queue: MessageQueue,
    flags: number,
    /** The process that opened it (mqueue_flush_file drops that process's registration). */
    readonly opener: number,
  ) {
    super(`/${queue.name}`, flags);
    queue.opens++;
  }

  /** Whether reads and writes fail with EAGAIN rather than wait (mq_getsetattr's mq_flags). */
  get nonBlocking(): boolean {
    return (this.statusFlags & O_NONBLOCK) !== 0;
  }

  /** Whether it was opened for reading, and for writing (EBADF otherwise, for receive and send). */
  get canReceive(): boolean {
    return this.readable;
  }

  get canSend(): boolean {
    return this.writable;
  }

  get readiness(): Readiness {
    return this.queue.readiness;
  }

  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.#pos);
    this.#pos += n;
    return n;
  }

  override pread(buf: Uint8Array, offset: number): number {
    this.checkReadable();
    const text = stringToBytes(this.queue.status());
    if (offset >= text.length) return 0;
    const part = text.subarray(offset, offset + buf.length);
    buf.set(part);
    return part.length;
  }

  override seek(offset: number, whence: number): number {
    this.#pos = seekPosition(this.#pos, this.queue.status().length, offset, whence);
    return this.#pos;
  }

  override stat(): Stat {
    return queueStat(this.queue);
  }

  override poll(events: number): number {
    const q = this.queue;
    return events & ((q.count > 0 ? POLLIN : 0) | (q.full ? 0 : POLLOUT));
  }

  override close(): void {
    const q = this.queue;
    if (q.notification?.pid === this.opener) q.unregister();
    q.queues.closed(q);
  }
}
