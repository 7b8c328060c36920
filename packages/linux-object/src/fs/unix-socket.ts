/**
 * Connected AF_UNIX sockets (socketpair): SOCK_STREAM byte streams and SOCK_DGRAM /
 * SOCK_SEQPACKET messages, with SCM_RIGHTS open files travelling alongside the data, shutdown,
 * and Linux's close semantics (EOF for the peer, EPIPE for its writes).
 *
 * @module
 */
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { socketStat } from './anon-inode.js';
import { releaseFile, retainFile } from './fd-table.js';
import { FileBase, type Interruptible, type OpenFile } from './open-file.js';
import { Readiness, waitUntilReady } from './readiness.js';

/** Socket types. */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;
/** socket(2) type flags. */
export const SOCK_NONBLOCK = O_NONBLOCK;
export const SOCK_CLOEXEC = 0o2000000;
/** send/recv flags. */
export const MSG_PEEK = 0x2;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_CMSG_CLOEXEC = 0x4000_0000;
/** shutdown(2) `how`. */
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

// sk_shutdown bits.
const RCV_SHUTDOWN = 1;
const SEND_SHUTDOWN = 2;

/** The default socket buffer (net.core.wmem_default): what one socket's queue holds. */
export const UNIX_SOCKET_BUFFER = 212_992;

/** A queued message (a stream's write, or one datagram) and the files sent with it. */
interface Message {
  data: Uint8Array;
  /** Bytes of `data` already read (streams). */
  offset: number;
  rights: OpenFile[];
}

/** What one receive returned. */
export interface Received {
  /** Bytes copied into the buffer. */
  bytes: number;
  /** The message's full length (MSG_TRUNC on datagrams reports it). */
  length: number;
  /** Open files received with SCM_RIGHTS; the caller owns one reference to each. */
  rights: OpenFile[];
  /** msg_flags: MSG_TRUNC when a message did not fit. */
  flags: number;
}

/** One end of a connected AF_UNIX socket pair. */
export class UnixSocket extends FileBase {
  readonly readiness = new Readiness();
  readonly #stat = socketStat();
  readonly #queue: Message[] = [];
  #queued = 0;
  #shutdown = 0;
  peer: UnixSocket | null = null;

  constructor(readonly type: number, flags: number) {
    super('socket:[unix]', O_RDWR | (flags & O_NONBLOCK));
  }

  get #stream(): boolean {
    return this.type === SOCK_STREAM;
  }

  /** Whether a message of `size` bytes fits in this socket's receive queue now. */
  #fits(size: number): boolean {
    return this.#queued + size <= UNIX_SOCKET_BUFFER || (this.#queued === 0 && this.#stream);
  }

  /**
   * sendmsg(2): queue `data` (and `rights`, one reference each taken here) on the peer. Streams
   * may send part and block for the rest; messages go whole (EMSGSIZE if they never fit).
   */
  send(data: Uint8Array, rights: readonly OpenFile[], flags: number, waiter?: Interruptible): number | Promise<number> {
    const nonblock = (this.statusFlags & O_NONBLOCK) !== 0 || (flags & MSG_DONTWAIT) !== 0;
    this.#checkSend();
    if (!this.#stream && data.length > UNIX_SOCKET_BUFFER) throw new KernelError(Errno.EMSGSIZE);
    const peer = this.peer!;
    if (!this.#stream) {
      if (peer.#fits(data.length)) return this.#deliver(data, rights);
      if (nonblock) throw new KernelError(Errno.EAGAIN);
      return waitUntilReady(peer.readiness, () => this.peer === null || (this.#shutdown & SEND_SHUTDOWN) !== 0 || peer.#fits(data.length), waiter?.interruption())
        .then(() => {
          this.#checkSend();
          return this.#deliver(data, rights);
        });
    }
    const room = (): number => Math.max(0, UNIX_SOCKET_BUFFER - peer.#queued);
    if (data.length === 0) return 0; // nothing is queued, not even files
    if (room() > 0) {
      const n = this.#deliver(data.subarray(0, Math.min(room(), data.length)), rights);
      if (n === data.length || nonblock) return n;
      return this.#sendRest(data, n, [], waiter);
    }
    if (nonblock) throw new KernelError(Errno.EAGAIN);
    return this.#sendRest(data, 0, rights, waiter);
  }

  /** A blocking stream send returns once all is queued, or with what went in when interrupted. */
  async #sendRest(data: Uint8Array, done: number, rights: readonly OpenFile[], waiter: Interruptible | undefined): Promise<number> {
    const peer = this.peer!;
    while (done < data.length) {
      try {
        await waitUntilReady(peer.readiness, () => this.peer === null || (this.#shutdown & SEND_SHUTDOWN) !== 0 || peer.#queued < UNIX_SOCKET_BUFFER, waiter?.interruption());
        this.#checkSend();
      } catch (err) {
        if (done > 0) return done; // bytes moved beat the interruption or a broken pipe
        throw err;
      }
      done += this.#deliver(data.subarray(done, Math.min(data.length, done + UNIX_SOCKET_BUFFER - peer.#queued)), done === 0 ? rights : []);
    }
    return done;
  }

  #checkSend(): void {
    if ((this.#shutdown & SEND_SHUTDOWN) !== 0 || this.peer === null) {
      throw new KernelError(this.#stream || this.type === SOCK_SEQPACKET ? Errno.EPIPE : Errno.ECONNREFUSED);
    }
  }

  #deliver(data: Uint8Array, rights: readonly OpenFile[]): number {
    const peer = this.peer!;
    for (const f of rights) retainFile(f);
    peer.#queue.push({ data: data.slice(), offset: 0, rights: [...rights] });
    peer.#queued += data.length;
    peer.readiness.notify();
    return data.length;
  }

  /**
   * recvmsg(2) into `buf`. Streams read across writes, but stop after one that carried files;
   * datagrams read one message (the rest of it is dropped unless MSG_PEEK). Empty and shut:
   * 0 (end of file).
   */
  recv(buf: Uint8Array, flags: number, waiter?: Interruptible): Received | Promise<Received> {
    const nonblock = (this.statusFlags & O_NONBLOCK) !== 0 || (flags & MSG_DONTWAIT) !== 0;
    if (this.#readable() || buf.length === 0 && this.#stream) return this.#take(buf, flags);
    if (nonblock) throw new KernelError(Errno.EAGAIN);
    return waitUntilReady(this.readiness, () => this.#readable(), waiter?.interruption()).then(() => this.#take(buf, flags));
  }

  /** Whether a receive would not block: something queued, or the end of the stream. */
  #readable(): boolean {
    return this.#queue.length > 0 || (this.#shutdown & RCV_SHUTDOWN) !== 0 || (this.peer === null && this.type !== SOCK_DGRAM);
  }

  #take(buf: Uint8Array, flags: number): Received {
    const peek = (flags & MSG_PEEK) !== 0;
    if (this.#queue.length === 0) return { bytes: 0, length: 0, rights: [], flags: 0 };
    if (!this.#stream) {
      const msg = this.#queue[0];
      const n = Math.min(buf.length, msg.data.length);
      buf.set(msg.data.subarray(0, n));
      const rights = peek ? [] : msg.rights;
      if (peek) for (const f of msg.rights) retainFile(f); // the caller gets its own references
      if (!peek) this.#consume(1, msg.data.length);
      return { bytes: n, length: msg.data.length, rights: peek ? [...msg.rights] : rights, flags: n < msg.data.length ? MSG_TRUNC : 0 };
    }
    let done = 0;
    let used = 0;
    let rights: OpenFile[] = [];
    for (let i = 0; i < this.#queue.length && done < buf.length; i++) {
      const msg = this.#queue[i];
      const avail = msg.data.subarray(msg.offset);
      const n = Math.min(avail.length, buf.length - done);
      buf.set(avail.subarray(0, n), done);
      done += n;
      if (msg.rights.length > 0) {
        rights = msg.rights;
        if (peek) for (const f of rights) retainFile(f);
        else msg.rights = [];
      }
      if (!peek) {
        msg.offset += n;
        if (msg.offset === msg.data.length) used++;
      }
      if (rights.length > 0) break;
    }
    if (!peek) this.#consume(used, done);
    return { bytes: done, length: done, rights: peek ? [...rights] : rights, flags: 0 };
  }

  /** Drop `messages` whole messages and account `bytes` read; the writer may have room now. */
  #consume(messages: number, bytes: number): void {
    this.#queue.splice(0, messages);
    this.#queued -= bytes;
    this.readiness.notify();
    this.peer?.readiness.notify();
  }

  /** shutdown(2). ENOTCONN without a peer. */
  shutdown(how: number): void {
    if (how < SHUT_RD || how > SHUT_RDWR) throw new KernelError(Errno.EINVAL);
    if (this.peer === null && this.type !== SOCK_DGRAM) throw new KernelError(Errno.ENOTCONN);
    const bits = how === SHUT_RD ? RCV_SHUTDOWN : how === SHUT_WR ? SEND_SHUTDOWN : RCV_SHUTDOWN | SEND_SHUTDOWN;
    this.#shutdown |= bits;
    const peer = this.peer;
    if (peer !== null && this.type !== SOCK_DGRAM) {
      // The peer mirrors it: our SHUT_WR is its end of input, our SHUT_RD its broken output.
      if (bits & SEND_SHUTDOWN) peer.#shutdown |= RCV_SHUTDOWN;
      if (bits & RCV_SHUTDOWN) peer.#shutdown |= SEND_SHUTDOWN;
      peer.readiness.notify();
    }
    this.readiness.notify();
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    const r = this.recv(buf, 0, waiter);
    if (r instanceof Promise) return r.then((x) => this.#dropRights(x));
    return this.#dropRights(r);
  }

  /** read(2) has nowhere to put received files: they are closed, as Linux discards them. */
  #dropRights(r: Received): number {
    for (const f of r.rights) releaseFile(f);
    return r.bytes;
  }

  override write(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    return this.send(buf, [], 0, waiter);
  }

  override poll(events: number): number {
    let r = 0;
    if (this.#shutdown === (RCV_SHUTDOWN | SEND_SHUTDOWN)) r |= POLLHUP;
    if (this.#shutdown & RCV_SHUTDOWN) r |= POLLIN | POLLRDHUP;
    if (this.#queue.length > 0) r |= POLLIN;
    if (this.peer === null && this.type !== SOCK_DGRAM) r |= POLLHUP;
    const peer = this.peer;
    if (peer !== null && peer.#queued * 4 <= UNIX_SOCKET_BUFFER) r |= POLLOUT;
    return r & (events | POLLHUP | POLLERR);
  }

  override stat(): Stat {
    return this.#stat;
  }

  override close(): void {
    for (const msg of this.#queue.splice(0)) for (const f of msg.rights) releaseFile(f);
    this.#queued = 0;
    const peer = this.peer;
    this.peer = null;
    if (peer !== null) {
      peer.peer = null;
      if (this.type !== SOCK_DGRAM) peer.#shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
      peer.readiness.notify();
    }
    this.readiness.notify();
  }
}

/** socketpair(2) for AF_UNIX: two connected sockets of `type`; `flags` may hold SOCK_NONBLOCK. */
export function createSocketPair(type: number, flags: number): [UnixSocket, UnixSocket] {
  if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_SEQPACKET) {
    throw new KernelError(Errno.EPROTONOSUPPORT);
  }
  const a = new UnixSocket(type, flags);
  const b = new UnixSocket(type, flags);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
