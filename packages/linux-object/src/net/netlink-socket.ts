/**
 * AF_NETLINK sockets: datagrams between a process and the kernel (or, with CAP_NET_ADMIN,
 * other netlink sockets). A request the kernel receives is answered at once, by the socket's
 * protocol, into the sender's receive queue; the walk over a datagram's messages, the
 * acknowledgements and the errors follow Linux's netlink_rcv_skb and netlink_ack.
 *
 * @module
 */
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { POLLERR, POLLIN, POLLOUT } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError, isKernelError } from '../errno.js';
import { socketStat } from '../fs/anon-inode.js';
import { FileBase, type Interruptible } from '../fs/open-file.js';
import { Readiness, waitUntilReady } from '../fs/readiness.js';
import { MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC } from '../fs/unix-socket.js';
import {
  NLM_F_ACK, NLM_F_REQUEST, NLMSG_HDRLEN, NLMSG_MIN_TYPE, align4, errorMessage, readHeader, type NetlinkHeader,
} from './netlink-message.js';

export const AF_NETLINK = 16;
export const NETLINK_ROUTE = 0;

/** net.core.rmem_default and wmem_default: a netlink socket's buffers. */
const NETLINK_BUFFER = 212_992;
/** Port ids the kernel picks once a process's own pid is taken count down from here (Linux's rover). */
const ROVER_START = -4096;

/** A netlink address: a port id and the first 32 multicast groups as a mask. */
export interface NetlinkAddress {
  port: number;
  groups: number;
}

/**
 * Who sends: the port a socket binds to is its process's pid when free; changes need
 * CAP_NET_ADMIN; `uid` (the real one) is whose traffic a route lookup answers for.
 */
export interface NetlinkSender {
  pid: number;
  netAdmin: boolean;
  uid: number;
}

/** One message for the kernel: its header and payload, and the port replies go to. */
export interface NetlinkRequest {
  header: NetlinkHeader;
  payload: Uint8Array;
  port: number;
  netAdmin: boolean;
  uid: number;
}

/**
 * A protocol's answer to one request: datagrams for the sender's queue. `dump` marks a dump,
 * which its NLMSG_DONE ends and no acknowledgement follows. Errors are thrown (KernelError).
 */
export interface NetlinkAnswer {
  replies: Uint8Array[];
  dump: boolean;
}

export type NetlinkProtocol = (request: NetlinkRequest) => NetlinkAnswer;

/** The port ids of one network namespace's netlink sockets. */
export class NetlinkPorts {
  readonly #sockets = new Map<number, NetlinkSocket>();
  #rover = ROVER_START;

  /** Bind `sock` to `port` (EADDRINUSE when taken); port 0 picks `pid`, or a negative id when it is taken. */
  claim(sock: NetlinkSocket, port: number, pid: number): number {
    if (port === 0) {
      port = pid;
      while (port === 0 || this.#sockets.has(port)) {
        port = this.#rover >>> 0;
        this.#rover = this.#rover <= -0x7fff_ffff ? ROVER_START : this.#rover - 1;
      }
    } else if (this.#sockets.has(port)) {
      throw new KernelError(Errno.EADDRINUSE);
    }
    this.#sockets.set(port, sock);
    return port;
  }

  release(port: number): void {
    this.#sockets.delete(port);
  }

  get(port: number): NetlinkSocket | undefined {
    return this.#sockets.get(port);
  }

  /** The sockets that joined any of `groups` (a mask of the first 32). */
  *members(groups: number): Iterable<NetlinkSocket> {
    for (const s of this.#sockets.values()) if ((s.groupMask & groups) !== 0) yield s;
  }
}

/** A datagram waiting to be read, and who sent it. */
interface Queued {
  data: Uint8Array;
  from: NetlinkAddress;
}

/** What a receive returned. */
export interface NetlinkReceived {
  bytes: number;
  /** The datagram's full length (MSG_TRUNC). */
  length: number;
  /** msg_flags. */
  flags: number;
  from: NetlinkAddress;
}

const KERNEL: NetlinkAddress = { port: 0, groups: 0 };

/** An AF_NETLINK socket (SOCK_RAW or SOCK_DGRAM, which netlink treats alike). */
export class NetlinkSocket extends FileBase {
  readonly #stat = socketStat();
  readonly readiness = new Readiness();
  readonly #ports: NetlinkPorts;
  readonly #answer: NetlinkProtocol;
  readonly #queue: Queued[] = [];
  #queued = 0;
  /** An error for the next receive: ENOBUFS after a reply was dropped for want of room. */
  #error: Errno | 0 = 0;
  /** The bound port id; 0 until bound (bind, or the first send). */
  port = 0;
  /** Joined multicast groups, numbered from 1. */
  readonly groups = new Set<number>();
  /** The default destination (connect). */
  peer: NetlinkAddress = KERNEL;
  sendBuffer = NETLINK_BUFFER;
  receiveBuffer = NETLINK_BUFFER;
  /** SOL_NETLINK options set to a non-zero value (NETLINK_CAP_ACK, NETLINK_EXT_ACK …). */
  readonly enabled = new Set<number>();
  /** SOL_SOCKET options only kept and reported back (SO_KEEPALIVE …), by level << 16 | name. */
  readonly options = new Map<number, number | Uint8Array>();

  /**
   * `opener` is who made the socket: write(2), which knows no sender, sends as it. Linux too
   * checks the opener's capabilities (and the writer's).
   */
  constructor(
    readonly type: number,
    readonly protocol: number,
    ports: NetlinkPorts,
    answer: NetlinkProtocol,
    readonly opener: NetlinkSender,
    flags: number,
  ) {
    super('socket:[netlink]', O_RDWR | (flags & O_NONBLOCK));
    this.#ports = ports;
    this.#answer = answer;
  }

  /** The first 32 joined groups as nl_groups reports them. */
  get groupMask(): number {
    let mask = 0;
    for (const g of this.groups) if (g <= 32) mask |= 1 << (g - 1);
    return mask >>> 0;
  }

  /**
   * bind(2): `port` (0 for the kernel's pick: the caller's pid when free), then `groups`, which
   * replace the first 32 joined. EINVAL to rebind to another port.
   */
  bind(port: number, groups: number, pid: number): void {
    if (this.port !== 0) {
      if (port !== 0 && port !== this.port) throw new KernelError(Errno.EINVAL);
    } else {
      this.port = this.#ports.claim(this, port, pid);
    }
    for (let g = 1; g <= 32; g++) {
      if ((groups & (1 << (g - 1))) !== 0) this.groups.add(g);
      else this.groups.delete(g);
    }
  }

  /** Bind to the kernel's pick unless bound: before a send or a connect, as Linux's autobind. */
  autobind(pid: number): void {
    if (this.port === 0) this.port = this.#ports.claim(this, 0, pid);
  }

  /**
   * sendmsg(2) of `data` to `to` or the connected destination: the kernel answers what it
   * receives, groups and other ports (CAP_NET_ADMIN only, EPERM) get a copy.
   */
  send(data: Uint8Array, sender: NetlinkSender, to: NetlinkAddress = this.peer): number {
    if (data.length > this.sendBuffer - 32) throw new KernelError(Errno.EMSGSIZE);
    if ((to.port !== 0 || to.groups !== 0) && !sender.netAdmin) throw new KernelError(Errno.EPERM);
    this.autobind(sender.pid);
    const from: NetlinkAddress = { port: this.port, groups: 0 };
    for (const member of this.#ports.members(to.groups)) if (member !== this) member.#deliver(data.slice(), from);
    if (to.port !== 0) {
      const target = this.#ports.get(to.port);
      if (target === undefined) throw new KernelError(Errno.ECONNREFUSED);
      if (!target.#deliver(data.slice(), from)) throw new KernelError(Errno.EAGAIN);
      return data.length;
    }
    this.#receive(data, sender);
    return data.length;
  }

  /** The kernel's side: each request message in turn, as Linux's netlink_rcv_skb. */
  #receive(data: Uint8Array, { netAdmin, uid }: NetlinkSender): void {
    for (let at = 0; data.length - at >= NLMSG_HDRLEN;) {
      const header = readHeader(data, at);
      // A length that is too short or runs past the datagram ends the walk, silently.
      if (header.length < NLMSG_HDRLEN || header.length > data.length - at) return;
      const message = data.subarray(at, at + header.length);
      let errno = 0;
      let dump = false;
      // Replies and control messages are not requests: at most acknowledged.
      if ((header.flags & NLM_F_REQUEST) !== 0 && header.type >= NLMSG_MIN_TYPE) {
        try {
          const answer = this.#answer({ header, payload: message.subarray(NLMSG_HDRLEN), port: this.port, netAdmin, uid });
          for (const reply of answer.replies) this.#deliver(reply, KERNEL);
          dump = answer.dump;
        } catch (err) {
          if (!isKernelError(err)) throw err;
          errno = err.errno;
        }
      }
      if (!dump && (errno !== 0 || (header.flags & NLM_F_ACK) !== 0)) {
        this.#deliver(errorMessage(message, errno, this.port, this.enabled.has(NETLINK_CAP_ACK)), KERNEL);
      }
      at += align4(header.length);
    }
  }

  /** Queue a datagram; one that does not fit is dropped, and the next receive fails with ENOBUFS. */
  #deliver(data: Uint8Array, from: NetlinkAddress): boolean {
    if (this.#queued + data.length > this.receiveBuffer) {
      if (!this.enabled.has(NETLINK_NO_ENOBUFS)) this.#error = Errno.ENOBUFS;
      this.readiness.notify();
      return false;
    }
    this.#queue.push({ data, from });
    this.#queued += data.length;
    this.readiness.notify();
    return true;
  }

  /** A message from the kernel outside any request (mq_notify's cookie): false if it did not fit. */
  deliverFromKernel(data: Uint8Array): boolean {
    return this.#deliver(data, KERNEL);
  }

  /** SO_ERROR: the pending error, cleared by reading it. */
  takeError(): Errno | 0 {
    const e = this.#error;
    this.#error = 0;
    return e;
  }

  /**
   * recvmsg(2) of the next datagram into `buf`: what does not fit is lost (MSG_TRUNC in the
   * flags) unless peeking. Blocks while the queue is empty, or EAGAIN when non-blocking.
   */
  recv(buf: Uint8Array, flags: number, waiter?: Interruptible): NetlinkReceived | Promise<NetlinkReceived> {
    const pending = this.takeError();
    if (pending !== 0) throw new KernelError(pending);
    const next = this.#queue[0];
    if (next === undefined) {
      if ((flags & MSG_DONTWAIT) !== 0 || (this.statusFlags & O_NONBLOCK) !== 0) throw new KernelError(Errno.EAGAIN);
      return waitUntilReady(this.readiness, () => this.#queue.length > 0 || this.#error !== 0, waiter?.interruption())
        .then(() => this.recv(buf, flags, waiter));
    }
    const bytes = Math.min(buf.length, next.data.length);
    buf.set(next.data.subarray(0, bytes));
    if ((flags & MSG_PEEK) === 0) {
      this.#queue.shift();
      this.#queued -= next.data.length;
    }
    return { bytes, length: next.data.length, flags: next.data.length > bytes ? MSG_TRUNC : 0, from: next.from };
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    const r = this.recv(buf, 0, waiter);
    return r instanceof Promise ? r.then((x) => x.bytes) : r.bytes;
  }

  /** write(2): send(2) to the connected destination, as the opener. */
  override write(buf: Uint8Array): number {
    return this.send(buf.slice(), this.opener);
  }

  override ioctl(): number {
    throw new KernelError(Errno.ENOTTY);
  }

  override poll(events: number): number {
    let r = POLLOUT;
    if (this.#queue.length > 0) r |= POLLIN;
    if (this.#error !== 0) r |= POLLERR;
    return r & (events | POLLERR);
  }

  override stat(): Stat {
    return this.#stat;
  }

  override close(): void {
    if (this.port !== 0) this.#ports.release(this.port);
    this.#queue.length = 0;
    this.#queued = 0;
  }
}

// SOL_NETLINK options the socket itself reads.
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_CAP_ACK = 10;
