/**
 * The AF_NETLINK side of the socket calls (socket.ts dispatches here by the socket's family):
 * NETLINK_ROUTE sockets, their sockaddr_nl names and their options.
 *
 * @module
 */
import {
  AF_NETLINK, CAP_NET_ADMIN, NETLINK_ROUTE, NetlinkSocket, answerRoute, capable, Errno, KernelError, SOCK_CLOEXEC,
  SOCK_DGRAM, SOCK_NONBLOCK, type NetlinkAddress, type NetlinkSender,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { AF_UNSPEC, addressFamily } from './inet-address.js';
import {
  MIN_RCVBUF, MIN_SNDBUF, SOL_SOCKET, SO_DOMAIN, SO_ERROR, SO_PROTOCOL, SO_RCVBUF, SO_SNDBUF, SO_TYPE, bufferSize,
  genericOption, int32, setGenericOption,
} from './socket-options.js';

const SOCK_RAW = 3;
/** sizeof(struct sockaddr_nl): family, pad, port id, groups. */
const SOCKADDR_NL_SIZE = 12;

export const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const NETLINK_DROP_MEMBERSHIP = 2;
const NETLINK_LIST_MEMBERSHIPS = 9;
/** Options kept as flags and read back: PKTINFO, BROADCAST_ERROR, NO_ENOBUFS, LISTEN_ALL_NSID, CAP_ACK, EXT_ACK, GET_STRICT_CHK. */
const FLAG_OPTIONS = new Set([3, 4, 5, 8, 10, 11, 12]);
/** rtnetlink's groups (RTNLGRP_MAX in Linux 6.1), which NETLINK_LIST_MEMBERSHIPS reports in 32-bit words. */
const ROUTE_GROUPS = 36;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;

/** The caller as a netlink sender: its pid, its uid, and CAP_NET_ADMIN when both it and the socket's opener hold it. */
function senderOf(ctx: SyscallContext, sock: NetlinkSocket): NetlinkSender {
  const { cred } = ctx.process;
  return { pid: ctx.process.pid, netAdmin: sock.opener.netAdmin && capable(cred, CAP_NET_ADMIN), uid: cred.uid };
}

/** socket(2) for AF_NETLINK: SOCK_RAW or SOCK_DGRAM (ESOCKTNOSUPPORT), NETLINK_ROUTE only (EPROTONOSUPPORT). */
export function createNetlinkSocket(ctx: SyscallContext, typeArg: number, protocol: number): number {
  const type = typeArg & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (type !== SOCK_RAW && type !== SOCK_DGRAM) throw new KernelError(Errno.ESOCKTNOSUPPORT);
  if (protocol !== NETLINK_ROUTE) throw new KernelError(Errno.EPROTONOSUPPORT);
  const opener = { pid: ctx.process.pid, netAdmin: capable(ctx.process.cred, CAP_NET_ADMIN), uid: ctx.process.cred.uid };
  const sock = new NetlinkSocket(type, protocol, ctx.kernel.loopback.netlinkPorts, answerRoute, opener, typeArg);
  return ctx.process.fds.install(sock, { cloexec: (typeArg & SOCK_CLOEXEC) !== 0 });
}

/** A sockaddr_nl: EINVAL when short or of another family. */
function readNetlinkAddress(ctx: SyscallContext, addr: number, len: number): NetlinkAddress {
  if (len < SOCKADDR_NL_SIZE) throw new KernelError(Errno.EINVAL);
  const raw = ctx.mem.read(addr, SOCKADDR_NL_SIZE);
  const v = new DataView(raw.buffer, raw.byteOffset, SOCKADDR_NL_SIZE);
  if (v.getUint16(0, true) !== AF_NETLINK) throw new KernelError(Errno.EINVAL);
  return { port: v.getUint32(4, true), groups: v.getUint32(8, true) };
}

export function encodeNetlinkAddress(a: NetlinkAddress): Uint8Array {
  const out = new Uint8Array(SOCKADDR_NL_SIZE);
  const v = new DataView(out.buffer);
  v.setUint16(0, AF_NETLINK, true);
  v.setUint32(4, a.port, true);
  v.setUint32(8, a.groups, true);
  return out;
}

/** bind(2): a port id (0 for the kernel's pick) and groups to join, which rtnetlink lets anyone join. */
export function netlinkBind(ctx: SyscallContext, sock: NetlinkSocket, addr: number, len: number): void {
  const a = readNetlinkAddress(ctx, addr, len);
  sock.bind(a.port, a.groups, ctx.process.pid);
}

/** connect(2): the default destination (the kernel is port 0); AF_UNSPEC returns to it. Groups need CAP_NET_ADMIN. */
export function netlinkConnect(ctx: SyscallContext, sock: NetlinkSocket, addr: number, len: number): void {
  if (len < 2) throw new KernelError(Errno.EINVAL);
  if (addressFamily(ctx, addr, len) === AF_UNSPEC) {
    sock.peer = { port: 0, groups: 0 };
    return;
  }
  const a = readNetlinkAddress(ctx, addr, len);
  if (a.groups !== 0 && !senderOf(ctx, sock).netAdmin) throw new KernelError(Errno.EPERM);
  sock.autobind(ctx.process.pid);
  sock.peer = a;
}

export function netlinkLocalName(sock: NetlinkSocket): Uint8Array {
  return encodeNetlinkAddress({ port: sock.port, groups: sock.groupMask });
}

/** sendmsg(2), sendto(2) and write(2): to the address named, if any, or the default destination. */
export function netlinkSend(ctx: SyscallContext, sock: NetlinkSocket, data: Uint8Array, nameAddr: number, nameLen: number): number {
  const to = nameAddr !== 0 && nameLen !== 0 ? readNetlinkAddress(ctx, nameAddr, nameLen) : undefined;
  return sock.send(data, senderOf(ctx, sock), to);
}

/** getsockopt(2): SOL_NETLINK's options and SOL_SOCKET's common ones; ENOPROTOOPT otherwise. */
export function netlinkOption(sock: NetlinkSocket, level: number, name: number, room: number): Uint8Array {
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO_TYPE: return int32(sock.type);
      case SO_PROTOCOL: return int32(sock.protocol);
      case SO_DOMAIN: return int32(AF_NETLINK);
      case SO_ERROR: return int32(sock.takeError());
      case SO_SNDBUF: return int32(sock.sendBuffer);
      case SO_RCVBUF: return int32(sock.receiveBuffer);
      default: {
        const generic = genericOption(sock.options, name);
        if (generic === undefined) throw new KernelError(Errno.ENOPROTOOPT);
        return generic;
      }
    }
  }
  if (level !== SOL_NETLINK) throw new KernelError(Errno.ENOPROTOOPT);
  if (name === NETLINK_LIST_MEMBERSHIPS) {
    const words = new Uint8Array(Math.ceil(ROUTE_GROUPS / 32) * 4);
    const v = new DataView(words.buffer);
    for (const g of sock.groups) v.setUint32(((g - 1) >> 5) * 4, v.getUint32(((g - 1) >> 5) * 4, true) | (1 << ((g - 1) & 31)), true);
    return words;
  }
  if (!FLAG_OPTIONS.has(name)) throw new KernelError(Errno.ENOPROTOOPT);
  if (room < 4) throw new KernelError(Errno.EINVAL);
  return int32(sock.enabled.has(name) ? 1 : 0);
}

/** setsockopt(2): group membership, the flag options, and the buffer sizes. */
export function setNetlinkOption(ctx: SyscallContext, sock: NetlinkSocket, level: number, name: number, value: Uint8Array): void {
  if (level !== SOL_SOCKET && level !== SOL_NETLINK) throw new KernelError(Errno.ENOPROTOOPT);
  if (value.length < 4) throw new KernelError(Errno.EINVAL);
  const n = new DataView(value.buffer, value.byteOffset, 4).getInt32(0, true);
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO_SNDBUF: sock.sendBuffer = bufferSize(n, MIN_SNDBUF); return;
      case SO_RCVBUF: sock.receiveBuffer = bufferSize(n, MIN_RCVBUF); return;
      case SO_SNDBUFFORCE:
      case SO_RCVBUFFORCE: {
        if (!capable(ctx.process.cred, CAP_NET_ADMIN)) throw new KernelError(Errno.EPERM);
        const size = Math.max(name === SO_SNDBUFFORCE ? MIN_SNDBUF : MIN_RCVBUF, Math.max(n, 0) * 2);
        if (name === SO_SNDBUFFORCE) sock.sendBuffer = size;
        else sock.receiveBuffer = size;
        return;
      }
      default:
        if (!setGenericOption(sock.options, name, value)) throw new KernelError(Errno.ENOPROTOOPT);
        return;
    }
  }
  if (name === NETLINK_ADD_MEMBERSHIP || name === NETLINK_DROP_MEMBERSHIP) {
    if (n <= 0 || n > ROUTE_GROUPS) throw new KernelError(Errno.EINVAL);
    if (name === NETLINK_ADD_MEMBERSHIP) sock.groups.add(n);
    else sock.groups.delete(n);
    return;
  }
  if (!FLAG_OPTIONS.has(name)) throw new KernelError(Errno.ENOPROTOOPT);
  if (n !== 0) sock.enabled.add(name);
  else sock.enabled.delete(name);
}
