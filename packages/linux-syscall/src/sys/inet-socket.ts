/**
 * The AF_INET and AF_INET6 side of the socket calls (socket.ts dispatches here by the socket's
 * family): TCP and UDP on the container's loopback network, their addresses and their options.
 *
 * @module
 */
import {
  AF_INET6, CAP_NET_BIND_SERVICE, DEFAULT_HOP_LIMIT, capable, Errno, InetSocket, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP,
  IPPROTO_UDPLITE, isAnyAddress, isIpv4, PING_GROUP_RANGE,
  isLoopbackAddress, KernelError, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_STREAM, UNPRIVILEGED_PORT_START, type InetEndpoint,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { IP_TOS, IP_TTL, IPV6_TCLASS, IPV6_UNICAST_HOPS, RECEIVE_OPTIONS } from './inet-control.js';
import { AF_UNSPEC, addressFamily, encodeInetAddress, readInetAddress } from './inet-address.js';
import {
  BUFFER_MAX, MIN_RCVBUF, MIN_SNDBUF, SOL_IP, SOL_IPV6, SOL_SOCKET, SOL_TCP, SO_ACCEPTCONN, SO_DOMAIN, SO_ERROR,
  SO_PROTOCOL, SO_RCVBUF, SO_REUSEADDR, SO_REUSEPORT, SO_SNDBUF, SO_TYPE, bufferSize, genericOption, int32, optionKey,
  setGenericOption, type StoredOption,
} from './socket-options.js';

/**
 * socket(2) for AF_INET and AF_INET6: SOCK_STREAM is TCP, SOCK_DGRAM UDP (protocol 0 or that
 * one), UDP-Lite, or a ping socket (ICMP, ICMPv6: echo requests, answered by the loopback host,
 * for members of net.ipv4.ping_group_range, EACCES otherwise); EPROTONOSUPPORT for other
 * protocols, ESOCKTNOSUPPORT for other types (raw sockets too).
 */
export function createInetSocket(ctx: SyscallContext, domain: number, typeArg: number, protocol: number): number {
  const type = typeArg & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (type !== SOCK_STREAM && type !== SOCK_DGRAM) throw new KernelError(Errno.ESOCKTNOSUPPORT);
  const own = type === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  const other = type === SOCK_DGRAM && (protocol === IPPROTO_UDPLITE || protocol === (domain === AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP));
  if (protocol !== 0 && protocol !== own && !other) throw new KernelError(Errno.EPROTONOSUPPORT);
  if (other && protocol !== IPPROTO_UDPLITE && !mayPing(ctx)) throw new KernelError(Errno.EACCES);
  const sock = new InetSocket(domain, type, ctx.kernel.loopback, ctx.process.cred.euid, typeArg, { protocol: other ? protocol : own });
  return ctx.process.fds.install(sock, { cloexec: (typeArg & SOCK_CLOEXEC) !== 0 });
}

/** Linux's ping_init_sock: the caller's effective or a supplementary group is in ping_group_range. */
function mayPing(ctx: SyscallContext): boolean {
  const [low, high] = PING_GROUP_RANGE;
  const cred = ctx.process.cred;
  return [cred.egid, ...cred.groups].some((g) => g >= low && g <= high);
}

/**
 * bind(2): the wildcard or a loopback address (EADDRNOTAVAIL for any other, EINVAL for an IPv4
 * one on an IPV6_V6ONLY socket), a port below 1024 only with CAP_NET_BIND_SERVICE (EACCES).
 */
export function inetBind(ctx: SyscallContext, sock: InetSocket, addr: number, len: number): void {
  const e = readInetAddress(ctx, sock.family, addr, len, true);
  if (sock.v6Only && isIpv4(e.addr)) throw new KernelError(Errno.EINVAL);
  if (!isAnyAddress(e.addr) && !isLoopbackAddress(e.addr)) throw new KernelError(Errno.EADDRNOTAVAIL);
  if (e.port !== 0 && e.port < UNPRIVILEGED_PORT_START && !capable(ctx.process.cred, CAP_NET_BIND_SERVICE)) throw new KernelError(Errno.EACCES);
  sock.bind(e.addr, e.port);
}

/** connect(2); AF_UNSPEC dissolves a UDP socket's association. */
export function inetConnect(ctx: SyscallContext, sock: InetSocket, addr: number, len: number): void | Promise<void> {
  if (len < 2) throw new KernelError(Errno.EINVAL);
  if (addressFamily(ctx, addr, len) === AF_UNSPEC) {
    sock.disconnect();
    return;
  }
  return sock.connect(readInetAddress(ctx, sock.family, addr, len), ctx);
}

/** The destination a sendto or sendmsg names; undefined without one (TCP ignores it, as Linux's). */
export function inetDestination(ctx: SyscallContext, sock: InetSocket, addr: number, len: number): InetEndpoint | undefined {
  if (addr === 0 || len === 0 || sock.type === SOCK_STREAM) return undefined;
  return readInetAddress(ctx, sock.family, addr, len);
}

/** The sockaddr getsockname reports: the bound endpoint, or the wildcard and port 0. */
export function inetLocalName(sock: InetSocket): Uint8Array {
  return encodeInetAddress(sock.family, sock.local);
}

/** The sockaddr getpeername reports; ENOTCONN without a peer. */
export function inetPeerName(sock: InetSocket): Uint8Array {
  if (sock.remote === null) throw new KernelError(Errno.ENOTCONN);
  return encodeInetAddress(sock.family, sock.remote);
}

const IPV6_V6ONLY = 26;

/** Linux's defaults: tcp_wmem[1] and tcp_rmem[1] for TCP, wmem_default and rmem_default for UDP. */
const TCP_SNDBUF = 16_384;
const TCP_RCVBUF = 131_072;
const UDP_BUFFER = BUFFER_MAX;

const key = optionKey;

const SOL_UDPLITE = 136;
/** Checksum coverage to send and to demand (nothing corrupts loopback, so both are only kept). */
const UDPLITE_SEND_CSCOV = 10;
const UDPLITE_RECV_CSCOV = 11;

/** A coverage as Linux keeps it: 0 (the whole datagram), at least the 8-byte header, at most 65 535. */
const coverage = (v: number): number => (v !== 0 && v < 8 ? 8 : Math.min(v, 0xffff));

/** The options of TCP and IP kept only to be read back (SOL_SOCKET's are every family's: socket-options.ts). */
const STORED = new Map<number, StoredOption>([
  [key(SOL_TCP, 1 /* TCP_NODELAY */), { value: 0, bool: true, protocol: IPPROTO_TCP }],
  [key(SOL_TCP, 3 /* TCP_CORK */), { value: 0, bool: true, protocol: IPPROTO_TCP }],
  [key(SOL_TCP, 4 /* TCP_KEEPIDLE */), { value: 7200, min: 1, max: 32_767, protocol: IPPROTO_TCP }],
  [key(SOL_TCP, 5 /* TCP_KEEPINTVL */), { value: 75, min: 1, max: 32_767, protocol: IPPROTO_TCP }],
  [key(SOL_TCP, 6 /* TCP_KEEPCNT */), { value: 9, min: 1, max: 127, protocol: IPPROTO_TCP }],
  [key(SOL_TCP, 12 /* TCP_QUICKACK */), { value: 1, bool: true, protocol: IPPROTO_TCP }],
  [key(SOL_TCP, 18 /* TCP_USER_TIMEOUT */), { value: 0, min: 0, protocol: IPPROTO_TCP }],
  [key(SOL_UDPLITE, UDPLITE_SEND_CSCOV), { value: 0, protocol: IPPROTO_UDPLITE }],
  [key(SOL_UDPLITE, UDPLITE_RECV_CSCOV), { value: 0, protocol: IPPROTO_UDPLITE }],
  ...RECEIVE_OPTIONS.map(([level, name]): [number, StoredOption] => [key(level, name), { value: 0, bool: true }]),
  // Asking for ICMP errors and IP options changes nothing here: no error or option ever comes
  // (the loopback host reaches every socket it routes to, and its packets carry no options).
  [key(SOL_IP, 7 /* IP_RETOPTS */), { value: 0, bool: true }],
  [key(SOL_IP, 11 /* IP_RECVERR */), { value: 0, bool: true }],
  [key(SOL_IPV6, 25 /* IPV6_RECVERR */), { value: 0, bool: true }],
]);

type HeaderField = 'ttl' | 'tos' | 'unicastHops' | 'trafficClass';

/**
 * The options that set what the socket's datagrams carry (inet-control.ts sets them per
 * datagram): their valid values, and the one that restores the default.
 */
const HEADER_OPTIONS = new Map<number, { field: HeaderField; min: number; reset?: number; initial: number }>([
  [key(SOL_IP, IP_TOS), { field: 'tos', min: 0, initial: 0 }],
  [key(SOL_IP, IP_TTL), { field: 'ttl', min: 1, reset: -1, initial: DEFAULT_HOP_LIMIT }],
  [key(SOL_IPV6, IPV6_UNICAST_HOPS), { field: 'unicastHops', min: 0, reset: -1, initial: DEFAULT_HOP_LIMIT }],
  [key(SOL_IPV6, IPV6_TCLASS), { field: 'trafficClass', min: 0, reset: -1, initial: 0 }],
]);

/** Whether `sock` has the option at `level`: TCP's on TCP sockets, IPv6's on AF_INET6 ones. */
function hasLevel(sock: InetSocket, level: number, option: StoredOption): boolean {
  if (level === SOL_IPV6 && sock.family !== AF_INET6) return false;
  return option.protocol === undefined || option.protocol === sock.protocol;
}

function stored(sock: InetSocket, k: number): number | undefined {
  return sock.options.get(k) as number | undefined;
}

/**
 * getsockopt's error for an option `sock` does not have: an IPv4 socket answers EOPNOTSUPP for a
 * level that is none of its own (ip_getsockopt's), every other case ENOPROTOOPT.
 */
function unknownOption(sock: InetSocket, level: number): Errno {
  const own = level === SOL_SOCKET || level === SOL_IP || (level === SOL_TCP && sock.protocol === IPPROTO_TCP)
    || (level === SOL_UDPLITE && sock.protocol === IPPROTO_UDPLITE);
  return sock.family === AF_INET6 || own ? Errno.ENOPROTOOPT : Errno.EOPNOTSUPP;
}

/** getsockopt(2)'s value for `sock`; ENOPROTOOPT for options it does not have. */
export function inetOption(sock: InetSocket, level: number, name: number): Uint8Array {
  if (level === SOL_SOCKET) {
    const snd = sock.type === SOCK_STREAM ? TCP_SNDBUF : UDP_BUFFER;
    const rcv = sock.type === SOCK_STREAM ? TCP_RCVBUF : UDP_BUFFER;
    switch (name) {
      case SO_TYPE: return int32(sock.type);
      case SO_ERROR: return int32(sock.takeError());
      case SO_DOMAIN: return int32(sock.family);
      case SO_PROTOCOL: return int32(sock.protocol);
      case SO_ACCEPTCONN: return int32(sock.listening ? 1 : 0);
      case SO_REUSEADDR: return int32(sock.reuseAddr ? 1 : 0);
      case SO_REUSEPORT: return int32(sock.reusePort ? 1 : 0);
      case SO_SNDBUF: return int32(stored(sock, key(level, name)) ?? snd);
      case SO_RCVBUF: return int32(stored(sock, key(level, name)) ?? rcv);
    }
    const generic = genericOption(sock.options, name);
    if (generic !== undefined) return generic;
  }
  if (level === SOL_IPV6 && name === IPV6_V6ONLY && sock.family === AF_INET6) return int32(sock.v6Only ? 1 : 0);
  const header = HEADER_OPTIONS.get(key(level, name));
  if (header !== undefined && (level !== SOL_IPV6 || sock.family === AF_INET6)) return int32(sock[header.field]);
  const option = STORED.get(key(level, name));
  if (option === undefined || !hasLevel(sock, level, option)) throw new KernelError(unknownOption(sock, level));
  const v = stored(sock, key(level, name)) ?? option.value;
  return int32(option.bool ? (v !== 0 ? 1 : 0) : v);
}

/** setsockopt(2) of `sock` to the bytes `raw`; EINVAL for a short or out-of-range value, ENOPROTOOPT for others. */
export function setInetOption(sock: InetSocket, level: number, name: number, raw: Uint8Array): void {
  if (raw.length < 4) throw new KernelError(Errno.EINVAL);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getInt32(0, true);
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO_REUSEADDR: sock.reuseAddr = v !== 0; return;
      case SO_REUSEPORT: sock.reusePort = v !== 0; return;
      case SO_SNDBUF: sock.options.set(key(level, name), bufferSize(v, MIN_SNDBUF)); return;
      case SO_RCVBUF: {
        const size = bufferSize(v, MIN_RCVBUF);
        sock.options.set(key(level, name), size);
        sock.receiveBuffer = size;
        return;
      }
    }
    if (setGenericOption(sock.options, name, raw)) return;
  }
  if (level === SOL_IPV6 && name === IPV6_V6ONLY && sock.family === AF_INET6) {
    if (sock.local !== null) throw new KernelError(Errno.EINVAL); // fixed once bound
    sock.v6Only = v !== 0;
    return;
  }
  const header = HEADER_OPTIONS.get(key(level, name));
  if (header !== undefined && (level !== SOL_IPV6 || sock.family === AF_INET6)) {
    if (v === header.reset) sock[header.field] = header.initial;
    else if (v < header.min || v > 255) throw new KernelError(Errno.EINVAL);
    else sock[header.field] = v;
    return;
  }
  const option = STORED.get(key(level, name));
  if (option === undefined || !hasLevel(sock, level, option)) throw new KernelError(Errno.ENOPROTOOPT);
  if (level === SOL_UDPLITE) {
    sock.options.set(key(level, name), coverage(v));
    return;
  }
  if (!option.bool && (v < (option.min ?? -0x8000_0000) || v > (option.max ?? 0x7fff_ffff))) throw new KernelError(Errno.EINVAL);
  sock.options.set(key(level, name), v);
}
