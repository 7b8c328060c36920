/**
 * AF_UNIX sockets: SOCK_STREAM byte streams and SOCK_DGRAM / SOCK_SEQPACKET messages, with
 * SCM_RIGHTS open files and SCM_CREDENTIALS travelling alongside the data, shutdown, and Linux's
 * close semantics (EOF for the peer, EPIPE for its writes). Sockets are made connected in pairs
 * (socketpair), or unconnected (socket) and then bound to an address, listened on, accepted from
 * and connected; datagrams may name their destination and report their sender.
 *
 * @module
 */
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { FIONREAD } from '../abi/ioctl.js';
import { socketStat } from './anon-inode.js';
import { releaseFile, retainFile } from './fd-table.js';
import { FileBase, type Interruptible, type OpenFile } from './open-file.js';
import { Readiness, waitUntilReady } from './readiness.js';

/** Socket types. */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;
const SOCK_RAW = 3;
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

/** Linux's SOMAXCONN: the largest listen(2) backlog. */
export const SOMAXCONN = 4096;

/**
 * An AF_UNIX address: the bytes of sun_path that name it. A path name stops before its NUL; an
 * abstract name starts with a 0 byte and is exactly as long as the address given.
 */
export type UnixAddress = Uint8Array;

/** Whether an address is in the abstract namespace (sun_path[0] == 0). */
export function isAbstractAddress(addr: UnixAddress): boolean {
  return addr.length > 0 && addr[0] === 0;
}

/** Process credentials as a socket reports them (struct ucred), in the container's ids. */
export interface UnixCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** What a receiver sees of a sender that attached no credentials (Linux's overflow ids). */
export const NO_CREDENTIALS: UnixCredentials = { pid: 0, uid: 65534, gid: 65534 };

/** A queued message (a stream's write, or one datagram) and the files sent with it. */
interface Message {
  data: Uint8Array;
  /** Bytes of `data` already read (streams). */
  offset: number;
  rights: OpenFile[];
  /** The sending socket's address; null if it had none. */
  from: UnixAddress | null;
  /** Credentials sent with it (SCM_CREDENTIALS), when either end asked for them. */
  cred: UnixCredentials | null;
  /** When it was queued (CLOCK_REALTIME ns), if the receiver stamps what it gets; else 0n. */
  stamp: bigint;
}

/** Where a socket is in its life. */
type SocketState = 'unconnected' | 'listening' | 'connected';

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
  /** The sending socket's address; absent when it is unnamed. */
  from?: UnixAddress;
  /** Credentials that came with the data; absent when none were attached. */
  cred?: UnixCredentials;
  /** When a datagram was queued (CLOCK_REALTIME ns), if this socket stamps what it gets. */
  stamp?: bigint;
}

/** What a send carries besides its bytes. */
export interface SendOptions {
  /** The sender's credentials, attached when the sender or the receiver has SO_PASSCRED. */
  cred?: UnixCredentials;
  /** The destination of a datagram (sendto); absent: the connected peer. */
  to?: UnixSocket;
}

/** An AF_UNIX socket. */
export class UnixSocket extends FileBase {
  readonly readiness = new Readiness();
  readonly #stat = socketStat();
  readonly #queue: Message[] = [];
  #queued = 0;
  /**
   * The bytes its receive queue holds before senders wait. An AF_UNIX socket's stays
   * UNIX_SOCKET_BUFFER; a TCP or UDP socket carried by this one sets its SO_RCVBUF here, which
   * bounds what a peer has in flight, as the window does.
   */
  capacity = UNIX_SOCKET_BUFFER;
  #shutdown = 0;
  #state: SocketState = 'unconnected';
  /** An error for SO_ERROR, poll's POLLERR and the next blocking receive (see `connectDatagram`). */
  #error: Errno | 0 = 0;
  #closed = false;
  /** Connections waiting for accept (listening sockets): their server ends. */
  readonly #backlog: UnixSocket[] = [];
  #maxBacklog = 0;
  /** The connected peer (streams), or the default destination (datagrams). */
  peer: UnixSocket | null = null;
  /** The address this socket is bound to; null while unnamed. */
  local: UnixAddress | null = null;
  /** The peer's credentials from connect time (SO_PEERCRED). */
  peerCred: UnixCredentials | null = null;
  /** Credentials of the owner, reported to the peers it connects to or accepts. */
  ownCred: UnixCredentials | null = null;
  /** SO_PASSCRED: receive the sender's credentials with each message. */
  passCred = false;
  /**
   * The clock (CLOCK_REALTIME ns) each message queued here is stamped with, when this socket
   * asked for stamps (SO_TIMESTAMP); null: none. Datagrams report them, streams do not (Linux's).
   */
  stampClock: (() => bigint) | null = null;
  /** Called once when the socket closes, to drop its name (abstract namespace, socket inode). */
  onClose: (() => void) | null = null;

  constructor(readonly type: number, flags: number) {
    super('socket:[unix]', O_RDWR | (flags & O_NONBLOCK));
  }

  /** Whether the socket has been closed (its name no longer accepts connections). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether listen(2) made this socket accept connections. */
  get listening(): boolean {
    return this.#state === 'listening';
  }

  /** Whether the socket is connected (or was, for a stream whose peer has gone). */
  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** The server ends of the connections waiting for accept (what /proc/net/unix lists of them). */
  get waiting(): readonly UnixSocket[] {
    return this.#backlog;
  }

  /** The files sent here with SCM_RIGHTS and not received yet (the queue keeps them open). */
  *filesInFlight(): IterableIterator<OpenFile> {
    for (const msg of this.#queue) yield* msg.rights;
  }

  get #nonblocking(): boolean {
    return (this.statusFlags & O_NONBLOCK) !== 0;
  }

  /**
   * listen(2): accept up to `backlog` waiting connections (plus one, as Linux). Streams and
   * seqpacket sockets only (EOPNOTSUPP), once bound (EINVAL), never once connected (EINVAL).
   */
  listen(backlog: number, cred: UnixCredentials): void {
    if (this.type === SOCK_DGRAM) throw new KernelError(Errno.EOPNOTSUPP);
    if (this.local === null || this.#state === 'connected') throw new KernelError(Errno.EINVAL);
    this.#maxBacklog = Math.min(Math.max(backlog, 0), SOMAXCONN);
    this.#state = 'listening';
    this.ownCred = cred;
    this.readiness.notify();
  }

  /**
   * connect(2) of a stream or seqpacket socket to the listening socket `listener`. It queues a new
   * server end at once (Linux's unix sockets never answer EINPROGRESS); a full backlog blocks,
   * or fails with EAGAIN when non-blocking.
   */
  connect(listener: UnixSocket, cred: UnixCredentials, waiter?: Interruptible): void | Promise<void> {
    if (this.#state === 'connected') throw new KernelError(Errno.EISCONN);
    if (this.#state === 'listening') throw new KernelError(Errno.EINVAL);
    if (listener.type !== this.type) throw new KernelError(Errno.EPROTOTYPE);
    const ready = (): boolean => listener.#closed || !listener.listening || listener.#backlog.length <= listener.#maxBacklog;
    if (!listener.listening) throw new KernelError(Errno.ECONNREFUSED);
    if (ready()) return this.#join(listener, cred);
    if (this.#nonblocking) throw new KernelError(Errno.EAGAIN);
    return waitUntilReady(listener.readiness, ready, waiter?.interruption()).then(() => {
      if (listener.#closed || !listener.listening) throw new KernelError(Errno.ECONNREFUSED);
      if (this.#state === 'connected') throw new KernelError(Errno.EISCONN);
      this.#join(listener, cred);
    });
  }

  #join(listener: UnixSocket, cred: UnixCredentials): void {
    const server = new UnixSocket(this.type, 0);
    server.local = listener.local;
    server.passCred = listener.passCred;
    server.ownCred = listener.ownCred;
    server.peerCred = cred;
    server.#state = 'connected';
    server.peer = this;
    this.peer = server;
    this.ownCred = cred;
    this.peerCred = listener.ownCred;
    this.#state = 'connected';
    listener.#backlog.push(server);
    listener.readiness.notify();
    this.readiness.notify();
  }

  /** accept(2): the next waiting connection's server end; blocks, or EAGAIN when non-blocking. */
  accept(waiter?: Interruptible): UnixSocket | Promise<UnixSocket> {
    if (this.#state !== 'listening') throw new KernelError(Errno.EINVAL);
    const next = this.#backlog.shift();
    if (next !== undefined) {
      this.readiness.notify(); // a blocked connect may fit now
      return next;
    }
    if (this.#nonblocking) throw new KernelError(Errno.EAGAIN);
    return waitUntilReady(this.readiness, () => this.#backlog.length > 0 || this.#state !== 'listening', waiter?.interruption())
      .then(() => this.accept(waiter));
  }

  /** @internal Connect two fresh sockets to each other (socketpair). */
  pairWith(other: UnixSocket): void {
    this.peer = other;
    other.peer = this;
    this.#state = 'connected';
    other.#state = 'connected';
  }

  /**
   * connect(2) of a datagram socket: `target` becomes the peer it sends to by default and the
   * only one it receives from (EPERM when `target` is connected to another); null (AF_UNSPEC)
   * leaves it unconnected. Leaving a peer drops what is queued here, and a peer connected back
   * learns it (ECONNRESET), as Linux's unix_dgram_disconnected.
   */
  connectDatagram(target: UnixSocket | null): void {
    if (target !== null) {
      if (target.type !== this.type) throw new KernelError(Errno.EPROTOTYPE);
      if (target.#closed) throw new KernelError(Errno.ECONNREFUSED);
      if (target.peer !== null && target.peer !== this && target.peer !== target) throw new KernelError(Errno.EPERM);
    }
    const old = this.peer;
    if (old !== null && old !== target) this.#leave(old);
    this.peer = target;
    this.#state = target === null ? 'unconnected' : 'connected';
  }

  #leave(old: UnixSocket): void {
    if (this.#queue.length === 0) return;
    for (const msg of this.#queue.splice(0)) for (const f of msg.rights) releaseFile(f);
    this.#queued = 0;
    this.readiness.notify(); // senders waiting for room
    if (!old.#closed && old.peer === this) {
      old.#error = Errno.ECONNRESET;
      old.readiness.notify();
    }
  }

  /** SO_ERROR: the pending error (a datagram peer's leaving), cleared by reading it. */
  takeError(): Errno | 0 {
    const e = this.#error;
    this.#error = 0;
    return e;
  }


  get #stream(): boolean {
    return this.type === SOCK_STREAM;
  }

  /** Whether a message of `size` bytes fits in this socket's receive queue now. */
  #fits(size: number): boolean {
    return this.#queued + size <= this.capacity || (this.#queued === 0 && this.#stream);
  }

  /**
   * sendmsg(2): queue `data` (and `rights`, one reference each taken here) on the peer. Streams
   * may send part and block for the rest; messages go whole (EMSGSIZE if they never fit).
   */
  send(data: Uint8Array, rights: readonly OpenFile[], flags: number, waiter?: Interruptible, options: SendOptions = {}): number | Promise<number> {
    const nonblock = (this.statusFlags & O_NONBLOCK) !== 0 || (flags & MSG_DONTWAIT) !== 0;
    if (options.to !== undefined && this.type !== SOCK_DGRAM) {
      throw new KernelError(this.#state === 'connected' ? Errno.EISCONN : Errno.EOPNOTSUPP);
    }
    if (this.type === SOCK_DGRAM) return this.#sendDatagram(data, rights, nonblock, waiter, options);
    this.#checkSend();
    if (!this.#stream && data.length > UNIX_SOCKET_BUFFER) throw new KernelError(Errno.EMSGSIZE);
    const peer = this.peer!;
    this.#cred = this.passCred || peer.passCred ? options.cred ?? null : null;
    if (!this.#stream) {
      if (peer.#fits(data.length)) return this.#deliver(data, rights);
      if (nonblock) throw new KernelError(Errno.EAGAIN);
      return waitUntilReady(peer.readiness, () => this.peer === null || (this.#shutdown & SEND_SHUTDOWN) !== 0 || peer.#fits(data.length), waiter?.interruption())
        .then(() => {
          this.#checkSend();
          return this.#deliver(data, rights);
        });
    }
    const room = (): number => Math.max(0, peer.capacity - peer.#queued);
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
        await waitUntilReady(peer.readiness, () => this.peer === null || (this.#shutdown & SEND_SHUTDOWN) !== 0 || peer.#queued < peer.capacity, waiter?.interruption());
        this.#checkSend();
      } catch (err) {
        if (done > 0) return done; // bytes moved beat the interruption or a broken pipe
        throw err;
      }
      done += this.#deliver(data.subarray(done, Math.min(data.length, done + peer.capacity - peer.#queued)), done === 0 ? rights : []);
    }
    return done;
  }

  /** The credentials the current send attaches (set by `send` before any delivery). */
  #cred: UnixCredentials | null = null;

  /** A datagram goes whole to `options.to` or the connected peer, and carries our address. */
  #sendDatagram(data: Uint8Array, rights: readonly OpenFile[], nonblock: boolean, waiter: Interruptible | undefined, options: SendOptions): number | Promise<number> {
    if ((this.#shutdown & SEND_SHUTDOWN) !== 0) throw new KernelError(Errno.EPIPE);
    const target = this.#datagramTarget(options.to);
    if (data.length > UNIX_SOCKET_BUFFER) throw new KernelError(Errno.EMSGSIZE);
    const cred = this.passCred || target.passCred ? options.cred ?? null : null;
    const deliver = (): number => {
      this.#cred = cred;
      return this.#deliverTo(target, data, rights);
    };
    if (target.#fits(data.length)) return deliver();
    if (nonblock) throw new KernelError(Errno.EAGAIN);
    return waitUntilReady(target.readiness, () => target.#closed || target.#fits(data.length), waiter?.interruption())
      .then(() => {
        this.#datagramTarget(options.to);
        return deliver();
      });
  }

  /** Where a datagram goes: ENOTCONN without one, ECONNREFUSED once it closed, EPERM if it only hears another. */
  #datagramTarget(to: UnixSocket | undefined): UnixSocket {
    const target = to ?? this.peer;
    if (target === null) throw new KernelError(Errno.ENOTCONN);
    if (target.#closed) {
      if (target === this.peer) this.peer = null;
      throw new KernelError(Errno.ECONNREFUSED);
    }
    if (target.type !== this.type) throw new KernelError(Errno.EPROTOTYPE);
    if (target.peer !== null && target.peer !== this && target.peer !== target && to !== undefined) {
      throw new KernelError(Errno.EPERM);
    }
    return target;
  }

  #checkSend(): void {
    if (this.#state !== 'connected') throw new KernelError(Errno.ENOTCONN);
    if ((this.#shutdown & SEND_SHUTDOWN) !== 0 || this.peer === null) {
      throw new KernelError(this.#stream || this.type === SOCK_SEQPACKET ? Errno.EPIPE : Errno.ECONNREFUSED);
    }
  }

  #deliver(data: Uint8Array, rights: readonly OpenFile[]): number {
    return this.#deliverTo(this.peer!, data, rights);
  }

  #deliverTo(peer: UnixSocket, data: Uint8Array, rights: readonly OpenFile[]): number {
    for (const f of rights) retainFile(f);
    const from = this.local;
    const stamp = peer.stampClock === null ? 0n : peer.stampClock();
    peer.#queue.push({ data: data.slice(), offset: 0, rights: [...rights], from, cred: this.#cred, stamp });
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
    if (this.type !== SOCK_DGRAM && this.#state !== 'connected') throw new KernelError(Errno.EINVAL);
    const nonblock = (this.statusFlags & O_NONBLOCK) !== 0 || (flags & MSG_DONTWAIT) !== 0;
    if (this.#readable() || buf.length === 0 && this.#stream) return this.#take(buf, flags);
    if (nonblock) throw new KernelError(Errno.EAGAIN);
    // A pending error ends a receive that would wait, as Linux's __skb_wait_for_more_packets.
    const error = this.takeError();
    if (error !== 0) throw new KernelError(error);
    return waitUntilReady(this.readiness, () => this.#readable() || this.#error !== 0, waiter?.interruption())
      .then(() => this.recv(buf, flags, waiter));
  }

  /**
   * FIONREAD (SIOCINQ), as Linux's unix_inq_len: the unread bytes of a stream or seqpacket
   * socket, the first datagram's size for a datagram one; EINVAL while listening.
   */
  override ioctl(request: number, arg: Uint8Array): number {
    if (request !== FIONREAD || arg.byteLength < 4) return super.ioctl(request, arg);
    if (this.#state === 'listening') throw new KernelError(Errno.EINVAL);
    const n = this.type === SOCK_DGRAM ? this.#queue[0]?.data.length ?? 0 : this.#queued;
    new DataView(arg.buffer, arg.byteOffset, 4).setInt32(0, n, true);
    return 0;
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
      const r = withOrigin({
        bytes: n, length: msg.data.length, rights: peek ? [...msg.rights] : rights, flags: n < msg.data.length ? MSG_TRUNC : 0,
      }, msg.from, msg.cred);
      if (msg.stamp !== 0n) r.stamp = msg.stamp;
      return r;
    }
    const first = this.#queue[0];
    const cred = first.cred;
    let done = 0;
    let used = 0;
    let rights: OpenFile[] = [];
    for (let i = 0; i < this.#queue.length && done < buf.length; i++) {
      const msg = this.#queue[i];
      if (this.passCred && !sameCredentials(msg.cred, cred)) break; // writers with other credentials are not glued
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
    return withOrigin({ bytes: done, length: done, rights: peek ? [...rights] : rights, flags: 0 }, first.from, cred);
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
    if (this.#state === 'listening') return this.#backlog.length > 0 ? POLLIN & events : 0;
    // An unconnected stream socket: Linux reports it hung up, and writable.
    if (this.#state === 'unconnected' && this.type !== SOCK_DGRAM) return (POLLOUT & events) | POLLHUP;
    let r = 0;
    if (this.#shutdown === (RCV_SHUTDOWN | SEND_SHUTDOWN)) r |= POLLHUP;
    if (this.#shutdown & RCV_SHUTDOWN) r |= POLLIN | POLLRDHUP;
    if (this.#queue.length > 0) r |= POLLIN;
    if (this.peer === null && this.type !== SOCK_DGRAM) r |= POLLHUP;
    const peer = this.peer;
    if (peer !== null && peer.#queued * 4 <= peer.capacity) r |= POLLOUT;
    if (peer === null && this.type === SOCK_DGRAM) r |= POLLOUT; // unconnected datagrams may always send
    if (this.#error !== 0) r |= POLLERR;
    return r & (events | POLLHUP | POLLERR);
  }

  override stat(): Stat {
    return this.#stat;
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose?.();
    this.onClose = null;
    for (const msg of this.#queue.splice(0)) for (const f of msg.rights) releaseFile(f);
    this.#queued = 0;
    // Connections nobody accepted are reset.
    for (const pending of this.#backlog.splice(0)) pending.close();
    if (this.#state === 'listening') this.#state = 'unconnected';
    const peer = this.peer;
    this.peer = null;
    // A datagram peer keeps pointing here: its next send finds us closed (ECONNREFUSED).
    if (peer !== null && this.type !== SOCK_DGRAM) {
      peer.peer = null;
      peer.#shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
    }
    peer?.readiness.notify();
    this.readiness.notify();
  }
}

/** socketpair(2) for AF_UNIX: two connected sockets of `type`; `flags` may hold SOCK_NONBLOCK. */
export function createSocketPair(type: number, flags: number): [UnixSocket, UnixSocket] {
  type = unixType(type);
  const a = new UnixSocket(type, flags);
  const b = new UnixSocket(type, flags);
  a.pairWith(b);
  return [a, b];
}

/** The type an AF_UNIX socket of `type` gets: SOCK_RAW is a datagram socket, as Linux's unix_create. */
function unixType(type: number): number {
  if (type === SOCK_RAW) return SOCK_DGRAM;
  if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_SEQPACKET) throw new KernelError(Errno.ESOCKTNOSUPPORT);
  return type;
}

/**
 * socket(2) for AF_UNIX: an unconnected socket of `type` (ESOCKTNOSUPPORT for others); `flags`
 * may hold SOCK_NONBLOCK. `cred` is its owner's, for the peers it will meet.
 */
export function createUnixSocket(type: number, flags: number, cred: UnixCredentials): UnixSocket {
  type = unixType(type);
  const s = new UnixSocket(type, flags);
  s.ownCred = cred;
  return s;
}

/** A receive's result with the sender's address and credentials, when there are any. */
function withOrigin(r: Received, from: UnixAddress | null, cred: UnixCredentials | null): Received {
  if (from !== null) r.from = from;
  if (cred !== null) r.cred = cred;
  return r;
}

function sameCredentials(a: UnixCredentials | null, b: UnixCredentials | null): boolean {
  return a === b || (a !== null && b !== null && a.pid === b.pid && a.uid === b.uid && a.gid === b.gid);
}
