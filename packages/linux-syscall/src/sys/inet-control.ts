/**
 * Control messages of AF_INET and AF_INET6 sockets: what a UDP sender sets for one datagram
 * (IP_TTL, IP_TOS, IP_PKTINFO; IPV6_HOPLIMIT, IPV6_TCLASS, IPV6_PKTINFO), and what a receiver
 * asked for with its options (IP_PKTINFO, IP_RECVTTL …; IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT …),
 * in Linux's order: ip_cmsg_send, ip6_datagram_send_ctl, ip_cmsg_recv_offset and
 * ip6_datagram_recv_ctl.
 *
 * @module
 */
import {
  AF_INET, AF_INET6, CAP_NET_ADMIN, capable, Errno, ipv4Address, isAnyAddress, isIpv4, isLoopbackAddress, KernelError, SOCK_DGRAM,
  type DatagramOptions, type InetEndpoint, type InetReceived, type InetSocket,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import type { ControlMessage, ControlWriter } from './control-message.js';
import { encodeInetAddress } from './inet-address.js';
import { SOL_IP, SOL_IPV6, SOL_SOCKET, int32, optionKey } from './socket-options.js';

export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_PKTINFO = 8;
export const IP_RECVTTL = 12;
export const IP_RECVTOS = 13;
/** The option, and the type of the message it asks for (IP_ORIGDSTADDR). */
export const IP_RECVORIGDSTADDR = 20;

export const IPV6_2292PKTINFO = 2;
export const IPV6_2292HOPLIMIT = 8;
const IPV6_FLOWINFO = 11;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_RECVPKTINFO = 49;
const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
const IPV6_HOPLIMIT = 52;
const IPV6_DONTFRAG = 62;
export const IPV6_RECVTCLASS = 66;
export const IPV6_TCLASS = 67;
/** The option, and the type of the message it asks for (IPV6_ORIGDSTADDR). */
export const IPV6_RECVORIGDSTADDR = 74;

const SCM_RIGHTS = 1;
const SCM_CREDENTIALS = 2;
const SO_MARK = 36;

/** The options that ask for control messages: on or off, kept in the socket's options. */
export const RECEIVE_OPTIONS: readonly [level: number, name: number][] = [
  [SOL_IP, IP_PKTINFO], [SOL_IP, IP_RECVTTL], [SOL_IP, IP_RECVTOS], [SOL_IP, IP_RECVORIGDSTADDR],
  [SOL_IPV6, IPV6_RECVPKTINFO], [SOL_IPV6, IPV6_RECVHOPLIMIT], [SOL_IPV6, IPV6_RECVTCLASS],
  [SOL_IPV6, IPV6_RECVORIGDSTADDR], [SOL_IPV6, IPV6_2292PKTINFO], [SOL_IPV6, IPV6_2292HOPLIMIT],
];

/** The loopback interface's index: the only one a message may name (ENODEV otherwise). */
const LOOPBACK_INDEX = 1;

function int(m: ControlMessage): number {
  if (m.data.byteLength !== 4) throw new KernelError(Errno.EINVAL);
  return m.data.getInt32(0, true);
}

/** An interface index a message names: 0 (any) or the loopback's. */
function checkInterface(index: number): void {
  if (index !== 0 && index !== LOOPBACK_INDEX) throw new KernelError(Errno.ENODEV);
}

/**
 * What sendmsg's control `messages` set for a datagram of `sock` to `dest` (undefined: the
 * socket's own values). SOL_SOCKET's are every protocol's: SCM_RIGHTS and SCM_CREDENTIALS are
 * AF_UNIX's and ignored here, SO_MARK needs CAP_NET_ADMIN. A stream takes nothing else; a
 * datagram's IP messages follow the family of its traffic (IPv4 to a mapped address from an
 * IPv6 socket), the other family's are ignored, an unknown one is EINVAL.
 */
export function datagramOptions(
  ctx: SyscallContext, sock: InetSocket, dest: InetEndpoint | null, messages: readonly ControlMessage[],
): DatagramOptions | undefined {
  let options: DatagramOptions | undefined;
  const ipv4 = dest !== null && isIpv4(dest.addr);
  for (const m of messages) {
    if (m.level === SOL_SOCKET) {
      socketMessage(ctx, m);
      continue;
    }
    if (sock.type !== SOCK_DGRAM || dest === null) continue;
    if (ipv4 && m.level === SOL_IP) ipv4Message(m, (options ??= {}));
    else if (ipv4 && m.level === SOL_IPV6 && m.type === IPV6_PKTINFO && sock.family === AF_INET6) ipv6PacketInfo(m, (options ??= {}), true);
    else if (!ipv4 && m.level === SOL_IPV6) ipv6Message(m, (options ??= {}));
  }
  return options;
}

function socketMessage(ctx: SyscallContext, m: ControlMessage): void {
  if (m.type === SCM_RIGHTS || m.type === SCM_CREDENTIALS) return;
  if (m.type !== SO_MARK) throw new KernelError(Errno.EINVAL);
  if (!capable(ctx.process.cred, CAP_NET_ADMIN)) throw new KernelError(Errno.EPERM);
  int(m); // a mark routes nothing on the loopback network
}

function ipv4Message(m: ControlMessage, options: DatagramOptions): void {
  switch (m.type) {
    case IP_TTL: {
      const ttl = int(m);
      if (ttl < 1 || ttl > 255) throw new KernelError(Errno.EINVAL);
      options.hopLimit = ttl;
      return;
    }
    case IP_TOS: { // an int or a single byte
      const tos = m.data.byteLength === 1 ? m.data.getUint8(0) : int(m);
      if (tos < 0 || tos > 255) throw new KernelError(Errno.EINVAL);
      options.trafficClass = tos;
      return;
    }
    case IP_PKTINFO: { // struct in_pktinfo: ipi_ifindex, ipi_spec_dst (the source), ipi_addr
      if (m.data.byteLength !== 12) throw new KernelError(Errno.EINVAL);
      checkInterface(m.data.getInt32(0, true));
      const d = m.data;
      const source = ipv4Address(d.getUint8(4), d.getUint8(5), d.getUint8(6), d.getUint8(7));
      if (isAnyAddress(source)) return;
      if (!isLoopbackAddress(source)) throw new KernelError(Errno.ENETUNREACH);
      options.source = source;
      return;
    }
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

function ipv6Message(m: ControlMessage, options: DatagramOptions): void {
  switch (m.type) {
    case IPV6_PKTINFO:
    case IPV6_2292PKTINFO:
      ipv6PacketInfo(m, options, false);
      return;
    case IPV6_HOPLIMIT:
    case IPV6_2292HOPLIMIT: {
      const hops = int(m);
      if (hops < -1 || hops > 255) throw new KernelError(Errno.EINVAL);
      options.hopLimit = hops === -1 ? undefined : hops; // -1: the socket's
      return;
    }
    case IPV6_TCLASS: {
      const tclass = int(m);
      if (tclass < -1 || tclass > 255) throw new KernelError(Errno.EINVAL);
      options.trafficClass = tclass & 0xff; // -1 goes out as 0xff, as Linux's
      return;
    }
    case IPV6_DONTFRAG: {
      const df = int(m);
      if (df < 0 || df > 1) throw new KernelError(Errno.EINVAL);
      return; // loopback's MTU fits every datagram
    }
    case IPV6_FLOWINFO:
      if (m.data.byteLength < 4) throw new KernelError(Errno.EINVAL);
      return;
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

/**
 * struct in6_pktinfo (ipi6_addr, ipi6_ifindex): the source address, which must be this host's
 * (EINVAL), of the traffic's family (an IPv4-mapped one for IPv4, on a dual-stack socket).
 */
function ipv6PacketInfo(m: ControlMessage, options: DatagramOptions, ipv4: boolean): void {
  if (m.data.byteLength < 20) throw new KernelError(Errno.EINVAL);
  checkInterface(m.data.getInt32(16, true));
  const source = new Uint8Array(m.data.buffer, m.data.byteOffset, 16).slice();
  if (ipv4 !== isIpv4(source)) throw new KernelError(Errno.EINVAL);
  if (isAnyAddress(source)) return;
  if (!isLoopbackAddress(source)) throw new KernelError(Errno.EINVAL);
  options.source = source;
}

function on(sock: InetSocket, level: number, name: number): boolean {
  return (sock.options.get(optionKey(level, name)) ?? 0) !== 0;
}

/** struct in6_pktinfo of `to`'s address on the loopback interface. */
function in6PacketInfo(to: InetEndpoint): Uint8Array {
  const out = new Uint8Array(20);
  out.set(to.addr);
  out[16] = LOOPBACK_INDEX;
  return out;
}

/**
 * The control messages a datagram brings `sock` by the options it set: IPv6 traffic those of
 * IPv6; IPv4 traffic IPV6_PKTINFO on a dual-stack socket, then those of IPv4.
 */
export function putDatagramControl(w: ControlWriter, sock: InetSocket, r: InetReceived): void {
  const h = r.header;
  if (h === undefined || sock.options.size === 0) return;
  const ipv4 = isIpv4(h.to.addr);
  if (sock.family === AF_INET6) {
    if (on(sock, SOL_IPV6, IPV6_RECVPKTINFO)) w.put(SOL_IPV6, IPV6_PKTINFO, in6PacketInfo(h.to));
    if (!ipv4) {
      if (on(sock, SOL_IPV6, IPV6_RECVHOPLIMIT)) w.put(SOL_IPV6, IPV6_HOPLIMIT, int32(h.hopLimit));
      if (on(sock, SOL_IPV6, IPV6_RECVTCLASS)) w.put(SOL_IPV6, IPV6_TCLASS, int32(h.trafficClass));
      if (on(sock, SOL_IPV6, IPV6_2292PKTINFO)) w.put(SOL_IPV6, IPV6_2292PKTINFO, in6PacketInfo(h.to));
      if (on(sock, SOL_IPV6, IPV6_2292HOPLIMIT)) w.put(SOL_IPV6, IPV6_2292HOPLIMIT, int32(h.hopLimit));
      if (on(sock, SOL_IPV6, IPV6_RECVORIGDSTADDR)) w.put(SOL_IPV6, IPV6_RECVORIGDSTADDR, encodeInetAddress(AF_INET6, h.to));
      return;
    }
  }
  if (on(sock, SOL_IP, IP_PKTINFO)) { // struct in_pktinfo: the interface, the local address, the destination
    const info = new Uint8Array(12);
    info[0] = LOOPBACK_INDEX;
    info.set(h.to.addr.subarray(12), 4);
    info.set(h.to.addr.subarray(12), 8);
    w.put(SOL_IP, IP_PKTINFO, info);
  }
  if (on(sock, SOL_IP, IP_RECVTTL)) w.put(SOL_IP, IP_TTL, int32(h.hopLimit));
  if (on(sock, SOL_IP, IP_RECVTOS)) w.put(SOL_IP, IP_TOS, Uint8Array.of(h.trafficClass));
  if (on(sock, SOL_IP, IP_RECVORIGDSTADDR)) w.put(SOL_IP, IP_RECVORIGDSTADDR, encodeInetAddress(AF_INET, h.to));
}
