/**
 * AF_INET and AF_INET6 sockets on a container's loopback network: TCP streams and UDP datagrams
 * between sockets of one container, with Linux's binding, listening, connecting and addressing
 * (dual-stack IPv6 sockets included). Nothing leaves the kernel: there is no route to any other
 * address (ENETUNREACH).
 *
 * The bytes travel as between AF_UNIX sockets, and are carried by them: each socket owns one
 * {@link UnixSocket} (a stream for TCP, paired with the peer's at connect; a datagram socket for
 * UDP), whose queues, blocking, shutdown and readiness are exactly what TCP and UDP need here.
 *
 * @module
 */
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { FIONREAD } from '../abi/ioctl.js';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { socketStat } from '../fs/anon-inode.js';
import { FileBase, type Interruptible } from '../fs/open-file.js';
import { waitUntilReady } from '../fs/readiness.js';
import {
  MSG_DONTWAIT, SHUT_RD, SHUT_RDWR, SOCK_DGRAM, SOMAXCONN, SOCK_STREAM, UnixSocket, type Received,
} from '../fs/unix-socket.js';
import {
  AF_INET, IPV4_ANY, IPV6_ANY, isIpv4, localDestination, sameAddress, sourceAddress, type InetAddress, type InetEndpoint,
} from './inet-address.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type LoopbackNetwork, type PortHolder } from './loopback.js';

/** ICMP's header: type, code, checksum, and the echo's identifier and sequence number. */
const ICMP_HEADER = 8;
const ICMP_ECHOREPLY = 0;
const ICMP_ECHO = 8;
const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;

/** The sum, in ones' complement, of `bytes` as 16-bit big-endian words, on top of `start`. */
function onesComplementSum(bytes: Uint8Array, start: number): number {
  let sum = start;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** RFC 1071's checksum of `bytes`, after the partial sum `start` (a pseudo-header's). */
function internetChecksum(bytes: Uint8Array, start: number): number {
  return ~onesComplementSum(bytes, start) & 0xffff;
}

/** The partial sum of ICMPv6's pseudo-header (RFC 8200, 8.1): addresses, length, next header. */
function icmpv6PseudoHeaderSum(source: InetAddress, destination: InetAddress, length: number): number {
  const sum = onesComplementSum(source, onesComplementSum(destination, 0));
  return onesComplementSum(new Uint8Array([0, 0, length >> 8, length & 0xff, 0, 0, 0, IPPROTO_ICMPV6]), sum);
}

/** The largest UDP payloads: 65 535 less the IPv4 and UDP headers; IPv6's header is in neither. */
const UDP_MAX_IPV4 = 65_507;
const UDP_MAX_IPV6 = 65_527;

/** net.ipv4.ip_default_ttl, and the hop limit of IPv6's routes. */
export const DEFAULT_HOP_LIMIT = 64;

/**
 * What the IP header of a datagram tells its receiver, beyond the source (recvmsg's control
 * messages: IP_PKTINFO, IP_RECVTTL, IPV6_RECVTCLASS …).
 */
export interface DatagramHeader {
  /** Where it was sent: the destination address and port. */
  readonly to: InetEndpoint;
  /** TTL (IPv4) or hop limit (IPv6). */
  readonly hopLimit: number;
  /** TOS (IPv4) or traffic class (IPv6). */
  readonly trafficClass: number;
}

/** What one send sets for its datagram (sendmsg's control messages); the socket's own values otherwise. */
export interface DatagramOptions {
  hopLimit?: number;
  trafficClass?: number;
  /** The source address (IP_PKTINFO's, IPV6_PKTINFO's): a loopback address. */
  source?: InetAddress;
}

/**
 * A datagram's addressing as its receiving socket's queue carries it (the name of the sender's
 * carrier): source address and port, destination address and port, hop limit, traffic class.
 */
const LABEL_SIZE = 38;

function writeLabel(b: Uint8Array, from: InetAddress, port: number, to: InetEndpoint, hopLimit: number, trafficClass: number): void {
  b.set(from, 0);
  b[16] = port >> 8;
  b[17] = port & 0xff;
  b.set(to.addr, 18);
  b[34] = to.port >> 8;
  b[35] = to.port & 0xff;
  b[36] = hopLimit;
  b[37] = trafficClass;
}

function sourceOf(b: Uint8Array): InetEndpoint {
  return { addr: b.subarray(0, 16), port: (b[16] << 8) | b[17] };
}

function headerOf(b: Uint8Array): DatagramHeader {
  return { to: { addr: b.subarray(18, 34), port: (b[34] << 8) | b[35] }, hopLimit: b[36], trafficClass: b[37] };
}

/** What a receive returned, and from where (datagrams). */
export interface InetReceived {
  bytes: number;
  /** The datagram's full length (MSG_TRUNC). */
  length: number;
  /** msg_flags. */
  flags: number;
  from?: InetEndpoint;
  /** A datagram's header (not a stream's). */
  header?: DatagramHeader;
  /** When a datagram arrived (CLOCK_REALTIME ns), if the socket stamps what it gets. */
  stamp?: bigint;
}

type InetState = 'unconnected' | 'listening' | 'connected';

/** An AF_INET or AF_INET6 socket: TCP (SOCK_STREAM) or UDP (SOCK_DGRAM). */
export class InetSocket extends FileBase implements PortHolder {
  readonly #stat = socketStat();
  readonly #net: LoopbackNetwork;
  /** Carries the bytes: see the module's description. */
  readonly #data: UnixSocket;
  #state: InetState = 'unconnected';
  /** Connections waiting for accept (listening sockets). */
  readonly #backlog: InetSocket[] = [];
  #maxBacklog = 0;
  /** An error a non-blocking connect left for SO_ERROR and the next call to report. */
  #error: Errno | 0 = 0;
  /** Whether a non-blocking connect answered EINPROGRESS and no later connect has reported it. */
  #inProgress = false;
  /** Whether a write already went to a peer that had closed (its reset is what later calls see). */
  #peerReset = false;
  /** Where the next datagram's label is made, to be kept only when it differs from the last (see `send`). */
  #draft: Uint8Array | null = null;
  /** Whether this end shut its writing (SHUT_WR): Linux's POLLHUP needs both directions shut. */
  #shutWrite = false;
  /** The other end of a TCP connection, which a close with unread data resets. */
  #peer: InetSocket | null = null;
  local: InetEndpoint | null = null;
  /** The peer (TCP), or the default destination and only source (connected UDP). */
  remote: InetEndpoint | null = null;
  reuseAddr = false;
  reusePort = false;
  v6Only = false;
  /** What its IPv4 datagrams carry: IP_TTL and IP_TOS. */
  ttl = DEFAULT_HOP_LIMIT;
  tos = 0;
  /** What its IPv6 datagrams carry: IPV6_UNICAST_HOPS and IPV6_TCLASS. */
  unicastHops = DEFAULT_HOP_LIMIT;
  trafficClass = 0;
  /** Options only stored and reported back (TCP_NODELAY, SO_LINGER's struct …), by level << 16 | name. */
  readonly options = new Map<number, number | Uint8Array>();

  /** SO_RCVBUF as set (the doubled size): what the receive queue holds, so what a peer may have in flight. */
  set receiveBuffer(bytes: number) {
    this.#data.capacity = bytes;
  }

  get receiveBuffer(): number {
    return this.#data.capacity;
  }

  /** The clock a datagram's arrival is stamped with (SO_TIMESTAMP); null: none. */
  set stampClock(clock: (() => bigint) | null) {
    this.#data.stampClock = clock;
  }

  /** IPPROTO_TCP, IPPROTO_UDP, or IPPROTO_UDPLITE (UDP with partial checksums: on loopback, UDP with ports of its own). */
  readonly protocol: number;

  /** `data` carries an accepted connection's bytes; `protocol` picks UDP-Lite over UDP. */
  constructor(
    readonly family: number,
    readonly type: number,
    net: LoopbackNetwork,
    readonly uid: number,
    flags: number,
    { data, protocol }: { data?: UnixSocket; protocol?: number } = {},
  ) {
    super(type === SOCK_STREAM ? 'socket:[tcp]' : protocol === IPPROTO_ICMP || protocol === IPPROTO_ICMPV6 ? 'socket:[ping]' : 'socket:[udp]', O_RDWR | (flags & O_NONBLOCK));
    this.#net = net;
    this.#data = data ?? new UnixSocket(type, 0);
    this.protocol = protocol ?? (type === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
  }


  get readiness() {
    return this.#data.readiness;
  }

  get listening(): boolean {
    return this.#state === 'listening';
  }

  /** Whether the socket is connected (TCP), or has a default destination (UDP). */
  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** Bytes waiting to be read (connections waiting for accept, on a listener). */
  get unread(): number {
    if (this.#state === 'listening') return this.#backlog.length;
    const n = new Uint8Array(4);
    this.#data.ioctl(FIONREAD, n);
    return new DataView(n.buffer).getInt32(0, true);
  }

  get #nonblocking(): boolean {
    return (this.statusFlags & O_NONBLOCK) !== 0;
  }

  /** The wildcard address of this socket's family. */
  get #any(): InetAddress {
    return this.family === AF_INET ? IPV4_ANY : IPV6_ANY;
  }

  /** SO_ERROR: the pending error, cleared by reading it. */
  takeError(): Errno | 0 {
    const e = this.#error;
    this.#error = 0;
    return e;
  }

  /** bind(2). EINVAL once bound; EADDRINUSE when the port is taken. */
  bind(addr: InetAddress, port: number): void {
    if (this.local !== null) throw new KernelError(Errno.EINVAL);
    this.local = this.#net.bind(this, addr, port);
  }

  /**
   * listen(2): TCP only (EOPNOTSUPP); an unbound socket gets a port first, as Linux's. Up to
   * `backlog` connections (at most SOMAXCONN; one more, as Linux) wait for accept.
   */
  listen(backlog: number): void {
    if (this.type !== SOCK_STREAM) throw new KernelError(Errno.EOPNOTSUPP);
    if (this.#state === 'connected') throw new KernelError(Errno.EINVAL);
    if (this.local === null) this.bind(this.#any, 0);
    this.#net.checkListen(this);
    this.#maxBacklog = Math.min(Math.max(backlog, 0), SOMAXCONN);
    this.#state = 'listening';
    this.readiness.notify();
  }

  /**
   * connect(2) of a TCP socket to `dest`. The connection is made at once (there is no wire);
   * a non-blocking socket still answers EINPROGRESS, as Linux's always does, and reports a
   * refusal through SO_ERROR and poll. A full backlog blocks the caller until accept makes room
   * (EAGAIN when non-blocking, as AF_UNIX's: Linux's client would retry its SYN meanwhile).
   */
  connect(dest: InetEndpoint, waiter?: Interruptible): void | Promise<void> {
    if (this.type === SOCK_DGRAM) return this.#connectDatagram(dest);
    if (this.#state === 'connected') {
      if (!this.#inProgress) throw new KernelError(Errno.EISCONN);
      this.#inProgress = false; // the connect after EINPROGRESS reports its success once
      return;
    }
    if (this.#state === 'listening') throw new KernelError(Errno.EINVAL);
    const pending = this.takeError();
    if (pending !== 0) throw new KernelError(pending);
    const to = this.#route(dest);
    const listener = this.#net.find<InetSocket>(IPPROTO_TCP, to);
    if (listener === undefined) {
      if (!this.#nonblocking) throw new KernelError(Errno.ECONNREFUSED);
      this.#refused();
      throw new KernelError(Errno.EINPROGRESS);
    }
    if (listener.#backlog.length > listener.#maxBacklog) {
      if (this.#nonblocking) throw new KernelError(Errno.EAGAIN);
      const room = () => !listener.listening || listener.#backlog.length <= listener.#maxBacklog;
      return waitUntilReady(listener.readiness, room, waiter?.interruption()).then(() => this.connect(dest, waiter));
    }
    this.#join(listener, to);
  }

  /** Make the connection to `listener` at `to`: its server end waits in the listener's backlog. */
  #join(listener: InetSocket, to: InetEndpoint): void {
    this.#bindSource(to.addr);
    const serverData = new UnixSocket(SOCK_STREAM, 0);
    const server = new InetSocket(listener.family, SOCK_STREAM, this.#net, listener.uid, 0, { data: serverData });
    server.reuseAddr = listener.reuseAddr;
    server.local = to;
    this.#net.attach(server);
    server.remote = this.local;
    server.#state = 'connected';
    for (const [k, v] of listener.options) server.options.set(k, v);
    server.ttl = listener.ttl;
    server.tos = listener.tos;
    server.unicastHops = listener.unicastHops;
    server.trafficClass = listener.trafficClass;
    server.receiveBuffer = listener.receiveBuffer;
    this.remote = to;
    this.#state = 'connected';
    this.#peer = server;
    server.#peer = this;
    this.#data.pairWith(serverData);
    listener.#backlog.push(server);
    listener.readiness.notify();
    this.readiness.notify();
    if (this.#nonblocking) {
      this.#inProgress = true;
      throw new KernelError(Errno.EINPROGRESS);
    }
  }

  /** UDP's connect: `dest` becomes the default destination and the only source received from. */
  #connectDatagram(dest: InetEndpoint): void {
    const to = this.#route(dest);
    this.#bindSource(to.addr);
    this.remote = to;
    this.#state = 'connected';
  }

  /**
   * connect(2) with AF_UNSPEC: a UDP socket forgets its destination. A TCP socket that is not
   * connected stays so; aborting a connection or a listen this way is not supported (EINVAL).
   */
  disconnect(): void {
    if (this.type === SOCK_STREAM && this.#state !== 'unconnected') throw new KernelError(Errno.EINVAL);
    this.remote = null;
    this.#state = 'unconnected';
  }

  /** Where traffic for `dest` goes: ENETUNREACH off the loopback network, or across families it cannot reach. */
  #route(dest: InetEndpoint): InetEndpoint {
    const addr = localDestination(dest.addr);
    if (addr === undefined || (this.v6Only && isIpv4(addr))) throw new KernelError(Errno.ENETUNREACH);
    return { addr, port: dest.port };
  }

  /** Bind an unbound socket to an ephemeral port, and a wildcard-bound one to its source address for `dest`. */
  #bindSource(dest: InetAddress): void {
    if (this.local === null) this.bind(this.#any, 0);
    const local = this.local!;
    const source = sourceAddress(local.addr, dest);
    if (source !== local.addr) this.local = { addr: source, port: local.port };
  }

  /** accept(2): the next connection's socket; blocks, or EAGAIN when non-blocking. */
  accept(waiter?: Interruptible): InetSocket | Promise<InetSocket> {
    if (this.#state !== 'listening') throw new KernelError(Errno.EINVAL);
    const next = this.#backlog.shift();
    if (next !== undefined) {
      this.readiness.notify(); // a connect waiting for room may go on
      return next;
    }
    if (this.#nonblocking) throw new KernelError(Errno.EAGAIN);
    return waitUntilReady(this.readiness, () => this.#backlog.length > 0 || this.#state !== 'listening', waiter?.interruption())
      .then(() => this.accept(waiter));
  }

  /**
   * sendmsg(2) of `data`: TCP to its peer (EPIPE unconnected, after a pending error is
   * reported), UDP to `to` or the connected destination (EDESTADDRREQ with neither), its header
   * from `options` or the socket's own. A datagram nobody receives, or that does not fit its
   * receiver's queue, is lost, as on a network.
   */
  send(data: Uint8Array, flags: number, waiter?: Interruptible, to?: InetEndpoint, options?: DatagramOptions): number | Promise<number> {
    if (this.#nonblocking) flags |= MSG_DONTWAIT;
    if (this.type === SOCK_STREAM) {
      const pending = this.takeError();
      if (pending !== 0) throw new KernelError(pending);
      if (this.#state !== 'connected') throw new KernelError(Errno.EPIPE);
      try {
        return this.#data.send(data, [], flags, waiter);
      } catch (err) {
        // The peer has closed. Linux sends the first write anyway; the peer answers with a reset,
        // which fails the next call with EPIPE (and POLLERR shows it meanwhile).
        if (!(err instanceof KernelError && err.errno === Errno.EPIPE) || this.#shutWrite || this.#peerReset) throw err;
        this.#peerReset = true;
        this.#error = Errno.EPIPE;
        this.readiness.notify();
        return data.length;
      }
    }
    const dest = to !== undefined ? this.#route(to) : this.remote;
    if (dest === null) throw new KernelError(Errno.EDESTADDRREQ);
    this.checkSendSize(data.length);
    if (this.protocol === IPPROTO_ICMP || this.protocol === IPPROTO_ICMPV6) return this.#echo(data, dest, flags, waiter);
    if (this.local === null) this.bind(this.#any, 0);
    const from = options?.source ?? sourceAddress(this.local!.addr, dest.addr); // the bound address or a loopback constant
    const port = this.local!.port;
    const receiver = this.#net.find<InetSocket>(this.protocol, dest);
    if (receiver === undefined || !receiver.#hears(from, port)) {
      // A connected socket learns of it (the port-unreachable ICMP a host answers): its next receive fails.
      if (receiver === undefined && to === undefined) this.#refused();
      return data.length;
    }
    const ipv4 = isIpv4(dest.addr);
    const hopLimit = options?.hopLimit ?? (ipv4 ? this.ttl : this.unicastHops);
    const trafficClass = options?.trafficClass ?? (ipv4 ? this.tos : this.trafficClass);
    this.#label(from, port, dest, hopLimit, trafficClass);
    try {
      return this.#data.send(data, [], flags | MSG_DONTWAIT, waiter, { to: receiver.#data }) as number;
    } catch (err) {
      if (err instanceof KernelError && err.errno === Errno.EAGAIN) return data.length; // its queue is full
      throw err;
    }
  }

  /**
   * A ping socket's send: an echo request (EINVAL for anything else), which the loopback
   * network's host answers at once: the reply, from the destination, comes back to this socket
   * with the socket's identifier in place of the request's and the checksum made, as Linux's
   * ping sockets fill them in.
   */
  #echo(data: Uint8Array, dest: InetEndpoint, flags: number, waiter: Interruptible | undefined): number {
    const v4 = this.protocol === IPPROTO_ICMP;
    if (data.length < ICMP_HEADER || data[0] !== (v4 ? ICMP_ECHO : ICMPV6_ECHO_REQUEST) || data[1] !== 0) {
      throw new KernelError(Errno.EINVAL);
    }
    if (this.local === null) this.bind(this.#any, 0);
    const id = this.local!.port;
    const from = sourceAddress(this.local!.addr, dest.addr);
    const reply = data.slice();
    reply[0] = v4 ? ICMP_ECHOREPLY : ICMPV6_ECHO_REPLY;
    reply[4] = id >> 8;
    reply[5] = id & 0xff;
    reply[2] = reply[3] = 0;
    const sum = v4 ? internetChecksum(reply, 0) : internetChecksum(reply, icmpv6PseudoHeaderSum(dest.addr, from, reply.length));
    reply[2] = sum >> 8;
    reply[3] = sum & 0xff;
    this.#label(dest.addr, 0, { addr: from, port: id }, DEFAULT_HOP_LIMIT, 0);
    try {
      this.#data.send(reply, [], flags | MSG_DONTWAIT, waiter, { to: this.#data });
    } catch (err) {
      if (!(err instanceof KernelError && err.errno === Errno.EAGAIN)) throw err; // its queue is full: lost
    }
    return data.length;
  }

  /**
   * The carrier's name is the label its receiver reads (source, destination, header fields):
   * queued datagrams keep the one they went with, so a new one is made only when it changes.
   */
  #label(from: InetAddress, port: number, to: InetEndpoint, hopLimit: number, trafficClass: number): void {
    const draft = (this.#draft ??= new Uint8Array(LABEL_SIZE));
    writeLabel(draft, from, port, to, hopLimit, trafficClass);
    const current = this.#data.local;
    if (current !== null && sameBytes(current, draft)) return;
    this.#data.local = draft.slice();
  }

  /** EMSGSIZE for a UDP datagram larger than its IP packet can carry; the calls check it before reading the data. */
  checkSendSize(length: number): void {
    if (this.type === SOCK_DGRAM && length > (this.family === AF_INET ? UDP_MAX_IPV4 : UDP_MAX_IPV6)) {
      throw new KernelError(Errno.EMSGSIZE);
    }
  }

  /** Whether a datagram from `addr`:`port` is received here: a connected UDP socket hears its peer alone. */
  #hears(addr: InetAddress, port: number): boolean {
    const r = this.remote;
    return r === null || (r.port === port && sameAddress(r.addr, addr));
  }

  #refused(): void {
    this.#error = Errno.ECONNREFUSED;
    this.readiness.notify();
  }

  /**
   * recvmsg(2) into `buf`. A pending error comes first (a refused connect, or a connected UDP
   * socket's datagram nobody took); TCP answers ENOTCONN unless connected.
   */
  recv(buf: Uint8Array, flags: number, waiter?: Interruptible): InetReceived | Promise<InetReceived> {
    if (this.#nonblocking) flags |= MSG_DONTWAIT;
    // What reached a reset stream before its reset is read first, as Linux's tcp_recvmsg.
    const readFirst = this.type === SOCK_STREAM && this.#error === Errno.ECONNRESET && this.unread > 0;
    const pending = readFirst ? 0 : this.takeError();
    if (pending !== 0) throw new KernelError(pending);
    if (this.type === SOCK_STREAM && this.#state !== 'connected') throw new KernelError(Errno.ENOTCONN);
    const r = this.#data.recv(buf, flags, waiter);
    return r instanceof Promise ? r.then(inetReceived) : inetReceived(r);
  }

  /** shutdown(2): ENOTCONN unless connected. */
  shutdown(how: number): void {
    if (how < SHUT_RD || how > SHUT_RDWR) throw new KernelError(Errno.EINVAL);
    if (this.#state !== 'connected') throw new KernelError(Errno.ENOTCONN);
    this.#data.shutdown(how);
    if (how !== SHUT_RD) this.#shutWrite = true;
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    const r = this.recv(buf, 0, waiter);
    return r instanceof Promise ? r.then((x) => x.bytes) : r.bytes;
  }

  override write(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    return this.send(buf, 0, waiter);
  }

  /** FIONREAD: the unread bytes of a stream, the first datagram's size; EINVAL while listening. */
  override ioctl(request: number, arg: Uint8Array): number {
    if (request === FIONREAD && this.#state === 'listening') throw new KernelError(Errno.EINVAL);
    return this.#data.ioctl(request, arg);
  }

  override poll(events: number): number {
    if (this.#state === 'listening') return this.#backlog.length > 0 ? POLLIN & events : 0;
    if (this.type === SOCK_DGRAM) return this.#data.poll(events) | (this.#error !== 0 ? POLLERR : 0);
    // A refused connection is reset: shut both ways, with its error.
    if (this.#error !== 0) return ((POLLIN | POLLOUT | POLLRDHUP) & events) | POLLHUP | POLLERR;
    if (this.#state === 'unconnected') return this.#data.poll(events);
    let r = this.#data.poll(events | POLLRDHUP | POLLOUT);
    // The peer's close is its end of input to us, as TCP's FIN: we may still write. And, as
    // tcp_poll, a side shut for writing reports writable (its writes fail at once).
    if ((r & POLLRDHUP) !== 0 && !this.#shutWrite) r = (r & ~POLLHUP) | POLLOUT;
    if (this.#shutWrite) r |= POLLOUT;
    return r & (events | POLLHUP | POLLERR);
  }

  override stat(): Stat {
    return this.#stat;
  }

  /**
   * close(2). A connection closed with unread data is reset (Linux's tcp_close sends RST rather
   * than FIN), as are those a closing listener had not accepted: the peer's next call fails with
   * ECONNRESET.
   */
  override close(): void {
    this.#net.release(this);
    for (const pending of this.#backlog.splice(0)) pending.#abort();
    if (this.#state === 'listening') this.#state = 'unconnected';
    if (this.type === SOCK_STREAM && this.#state === 'connected' && this.unread > 0) this.#abort();
    else this.#data.close();
  }

  /** Close, resetting the peer. */
  #abort(): void {
    const peer = this.#peer;
    if (peer !== null && peer.#error === 0) {
      peer.#error = Errno.ECONNRESET;
      peer.#peerReset = true; // its writes fail at once: EPIPE once the reset is reported
    }
    this.#data.close();
  }
}

/** A datagram's or a stream's receive, its label decoded. */
function inetReceived(r: Received): InetReceived {
  const out: InetReceived = { bytes: r.bytes, length: r.length, flags: r.flags };
  if (r.from !== undefined) {
    out.from = sourceOf(r.from);
    out.header = headerOf(r.from);
  }
  if (r.stamp !== undefined) out.stamp = r.stamp;
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
