/**
 * Sockets: socket, socketpair, bind, listen, accept, accept4, connect, getsockname, getpeername,
 * getsockopt, setsockopt, and the data calls — sendmsg, recvmsg, sendto, recvfrom, shutdown. AF_UNIX
 * here, with SCM_RIGHTS file passing and SCM_CREDENTIALS; AF_INET and AF_INET6 (the container's
 * loopback network) in inet-socket.ts, which each call hands an inet socket to.
 *
 * @module
 */
import {
  AF_INET, AF_INET6, AF_NETLINK, CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN, capable, createSocketPair, createUnixSocket, Errno,
  InetSocket, isKernelError, KernelError, NetlinkSocket, MSG_CMSG_CLOEXEC, MSG_CTRUNC, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_PEEK,
  MSG_TRUNC, MSG_WAITALL, NO_CREDENTIALS, type NetlinkReceived, releaseFile, sendSignal, SI_KERNEL, Signo, SOCK_CLOEXEC, SOCK_DGRAM,
  SOCK_NONBLOCK, SOCK_STREAM, UNIX_SOCKET_BUFFER, UnixSocket, type InetReceived, type OpenFile, type Received,
  type UnixCredentials,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { installPair } from './fd-pair.js';
import { isTimeoutOption, setTimeoutOption, timed, timeoutOption } from './socket-timeout.js';
import { isTimestampOption, putTimestamp, setTimestampOption, timestampOption } from './socket-timestamp.js';
import {
  createNetlinkSocket, encodeNetlinkAddress, netlinkBind, netlinkConnect, netlinkLocalName, netlinkOption,
  netlinkSend, setNetlinkOption,
} from './netlink-socket.js';
import { AF_UNSPEC, addressFamily, encodeInetAddress } from './inet-address.js';
import { CMSG_HDR, ControlWriter, readControlMessages } from './control-message.js';
import { datagramOptions, putDatagramControl } from './inet-control.js';
import {
  MIN_RCVBUF, MIN_SNDBUF, SOL_SOCKET, SO_ACCEPTCONN, SO_DOMAIN, SO_ERROR, SO_PASSCRED, SO_PEERCRED, SO_PROTOCOL,
  SO_RCVBUF, SO_REUSEPORT, SO_SNDBUF, SO_TYPE, bufferSize, genericOption, int32, optionKey,
  setGenericOption,
} from './socket-options.js';
import {
  createInetSocket, inetBind, inetConnect, inetDestination, inetLocalName, inetOption, inetPeerName,
  setInetOption,
} from './inet-socket.js';
import {
  AF_UNIX, autobind, bindUnixAddress, encodeUnixAddress, findUnixSocket, readUnixAddress, writeAddress,
} from './unix-address.js';

const SCM_RIGHTS = 1;
const SCM_CREDENTIALS = 2;
/** sizeof(struct ucred). */
const UCRED_SIZE = 12;
/** Linux's SCM_MAX_FD: files one message may carry. */
const SCM_MAX_FD = 253;
const IOV_MAX = 1024;

type Socket = UnixSocket | InetSocket | NetlinkSocket;

/** The socket `fd` names: EBADF, ENOTSOCK. */
export function socketOf(ctx: SyscallContext, fd: number): Socket {
  const file = ctx.process.fds.get(fd);
  if (!(file instanceof UnixSocket) && !(file instanceof InetSocket) && !(file instanceof NetlinkSocket)) {
    throw new KernelError(Errno.ENOTSOCK);
  }
  return file;
}

/** The socket at `fd` when it can listen and accept (EOPNOTSUPP for netlink's). */
function connectionSocketOf(ctx: SyscallContext, fd: number): UnixSocket | InetSocket {
  const sock = socketOf(ctx, fd);
  if (sock instanceof NetlinkSocket) throw new KernelError(Errno.EOPNOTSUPP);
  return sock;
}

/** The caller's credentials as its peers see them (SO_PEERCRED: effective ids). */
function peerCredentials(ctx: SyscallContext): UnixCredentials {
  return { pid: ctx.process.pid, uid: ctx.process.cred.euid, gid: ctx.process.cred.egid };
}

/** The caller's credentials as its messages carry them (SCM_CREDENTIALS: real ids). */
function messageCredentials(ctx: SyscallContext): UnixCredentials {
  return { pid: ctx.process.pid, uid: ctx.process.cred.uid, gid: ctx.process.cred.gid };
}

/** Implements Linux syscall socket(2) for AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK; other families answer EAFNOSUPPORT. */
export function sysSocket(ctx: SyscallContext): number {
  const domain = ctx.int(0);
  const typeArg = ctx.int(1);
  const protocol = ctx.int(2);
  if (domain !== AF_UNIX && domain !== AF_INET && domain !== AF_INET6 && domain !== AF_NETLINK) {
    throw new KernelError(Errno.EAFNOSUPPORT);
  }
  if ((typeArg & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) throw new KernelError(Errno.EINVAL);
  if (domain === AF_NETLINK) return createNetlinkSocket(ctx, typeArg, protocol);
  if (domain !== AF_UNIX) return createInetSocket(ctx, domain, typeArg, protocol);
  if (protocol !== 0 && protocol !== AF_UNIX) throw new KernelError(Errno.EPROTONOSUPPORT);
  const sock = createUnixSocket(typeArg & 0xf, typeArg, peerCredentials(ctx));
  return ctx.process.fds.install(sock, { cloexec: (typeArg & SOCK_CLOEXEC) !== 0 });
}

/** Implements Linux syscall bind(2): a path (a socket file), an abstract name, or autobind. */
export function sysBind(ctx: SyscallContext): number {
  const sock = socketOf(ctx, ctx.int(0));
  if (sock instanceof InetSocket) {
    inetBind(ctx, sock, ctx.addr(1), ctx.int(2));
    return 0;
  }
  if (sock instanceof NetlinkSocket) {
    netlinkBind(ctx, sock, ctx.addr(1), ctx.int(2));
    return 0;
  }
  const arg = readUnixAddress(ctx, ctx.addr(1), ctx.int(2));
  if (sock.local !== null) throw new KernelError(Errno.EINVAL);
  if (arg.kind === 'autobind') autobind(ctx, sock);
  else bindUnixAddress(ctx, sock, arg.address);
  return 0;
}

/** Implements Linux syscall listen(2). */
export function sysListen(ctx: SyscallContext): number {
  const sock = connectionSocketOf(ctx, ctx.int(0));
  if (sock instanceof InetSocket) sock.listen(ctx.int(1));
  else sock.listen(ctx.int(1), peerCredentials(ctx));
  return 0;
}

/**
 * Implements Linux syscall connect(2). Streams join a listener at once (EAGAIN when its backlog
 * is full and the socket non-blocking); datagrams set their default destination.
 */
export function sysConnect(ctx: SyscallContext): number | Promise<number> {
  const sock = socketOf(ctx, ctx.int(0));
  if (sock instanceof InetSocket) {
    const r = inetConnect(ctx, sock, ctx.addr(1), ctx.int(2));
    return r instanceof Promise ? r.then(() => 0) : 0;
  }
  if (sock instanceof NetlinkSocket) {
    netlinkConnect(ctx, sock, ctx.addr(1), ctx.int(2));
    return 0;
  }
  if (sock.type === SOCK_DGRAM && ctx.int(2) >= 2 && addressFamily(ctx, ctx.addr(1), ctx.int(2)) === AF_UNSPEC) {
    sock.connectDatagram(null); // AF_UNSPEC: forget the peer
    return 0;
  }
  const arg = readUnixAddress(ctx, ctx.addr(1), ctx.int(2));
  if (arg.kind === 'autobind') throw new KernelError(Errno.EINVAL);
  const target = findUnixSocket(ctx, arg.address);
  if (sock.passCred && sock.local === null) autobind(ctx, sock);
  if (sock.type === SOCK_DGRAM) {
    sock.connectDatagram(target);
    return 0;
  }
  const r = sock.connect(target, peerCredentials(ctx), ctx);
  return r instanceof Promise ? r.then(() => 0) : 0;
}

/** Implements Linux syscall accept4(2). */
export function sysAccept4(ctx: SyscallContext): number | Promise<number> {
  return acceptWith(ctx, ctx.int(3));
}

/** Implements Linux syscall accept(2). */
export function sysAccept(ctx: SyscallContext): number | Promise<number> {
  return acceptWith(ctx, 0);
}

function acceptWith(ctx: SyscallContext, flags: number): number | Promise<number> {
  const sock = connectionSocketOf(ctx, ctx.int(0));
  if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) throw new KernelError(Errno.EINVAL);
  const addr = ctx.addr(1);
  const lenAddr = ctx.addr(2);
  const finish = (conn: UnixSocket | InetSocket): number => {
    if ((flags & SOCK_NONBLOCK) !== 0) conn.setStatusFlags(conn.statusFlags | SOCK_NONBLOCK);
    const fd = ctx.process.fds.install(conn, { cloexec: (flags & SOCK_CLOEXEC) !== 0 });
    const peer = conn instanceof InetSocket ? inetPeerName(conn) : encodeUnixAddress(conn.peer?.local ?? null);
    writeAddress(ctx, addr, lenAddr, peer);
    return fd;
  };
  const r: UnixSocket | InetSocket | Promise<UnixSocket | InetSocket> = timed(ctx, sock, 'receive', sock.accept(ctx));
  return r instanceof Promise ? r.then(finish) : finish(r);
}

/** Implements Linux syscall getsockname(2). */
export function sysGetsockname(ctx: SyscallContext): number {
  const sock = socketOf(ctx, ctx.int(0));
  const name = sock instanceof InetSocket ? inetLocalName(sock)
    : sock instanceof NetlinkSocket ? netlinkLocalName(sock) : encodeUnixAddress(sock.local);
  writeAddress(ctx, ctx.addr(1), ctx.addr(2), name);
  return 0;
}

/** Implements Linux syscall getpeername(2): ENOTCONN without a peer. */
export function sysGetpeername(ctx: SyscallContext): number {
  const sock = socketOf(ctx, ctx.int(0));
  if (sock instanceof InetSocket || sock instanceof NetlinkSocket) {
    const name = sock instanceof InetSocket ? inetPeerName(sock) : encodeNetlinkAddress(sock.peer);
    writeAddress(ctx, ctx.addr(1), ctx.addr(2), name);
    return 0;
  }
  if (sock.peer === null) throw new KernelError(Errno.ENOTCONN);
  writeAddress(ctx, ctx.addr(1), ctx.addr(2), encodeUnixAddress(sock.peer.local));
  return 0;
}

/**
 * The options an AF_UNIX socket was given, by optionKey: the buffer sizes it reports (the queue
 * itself stays UNIX_SOCKET_BUFFER) and the generic ones. Kept beside the socket, which few set.
 */
const unixOptions = new WeakMap<UnixSocket, Map<number, number | Uint8Array>>();

const NO_OPTIONS: ReadonlyMap<number, number | Uint8Array> = new Map();

function optionsOf(sock: UnixSocket): Map<number, number | Uint8Array> {
  let o = unixOptions.get(sock);
  if (o === undefined) unixOptions.set(sock, o = new Map());
  return o;
}

/** An AF_UNIX socket's option value (SOL_SOCKET only; ENOPROTOOPT otherwise). */
function unixOption(sock: UnixSocket, level: number, name: number): Uint8Array {
  if (level !== SOL_SOCKET) throw new KernelError(Errno.ENOPROTOOPT);
  const options = unixOptions.get(sock) ?? NO_OPTIONS;
  switch (name) {
    case SO_TYPE: return int32(sock.type);
    case SO_ERROR: return int32(sock.takeError());
    case SO_SNDBUF: return int32((options.get(optionKey(level, name)) as number | undefined) ?? UNIX_SOCKET_BUFFER);
    case SO_RCVBUF: return int32((options.get(optionKey(level, name)) as number | undefined) ?? UNIX_SOCKET_BUFFER);
    case SO_REUSEPORT: return int32(0);
    case SO_PASSCRED: return int32(sock.passCred ? 1 : 0);
    case SO_ACCEPTCONN: return int32(sock.listening ? 1 : 0);
    case SO_PROTOCOL: return int32(0);
    case SO_DOMAIN: return int32(AF_UNIX);
    case SO_PEERCRED: {
      const value = new Uint8Array(UCRED_SIZE);
      const v = new DataView(value.buffer);
      const cred = sock.peerCred ?? { pid: 0, uid: -1, gid: -1 };
      v.setInt32(0, cred.pid, true);
      v.setInt32(4, cred.uid, true);
      v.setInt32(8, cred.gid, true);
      return value;
    }
    default: {
      const generic = genericOption(options, name);
      if (generic === undefined) throw new KernelError(Errno.ENOPROTOOPT);
      return generic;
    }
  }
}

/** Implements Linux syscall getsockopt(2): SOL_SOCKET for AF_UNIX; inet options in inet-socket.ts. */
export function sysGetsockopt(ctx: SyscallContext): number {
  const sock = socketOf(ctx, ctx.int(0));
  const level = ctx.int(1);
  const name = ctx.int(2);
  const valAddr = ctx.addr(3);
  const lenAddr = ctx.addr(4);
  const room = new DataView(ctx.mem.read(lenAddr, 4).slice().buffer).getInt32(0, true);
  if (room < 0) throw new KernelError(Errno.EINVAL);
  const value = level === SOL_SOCKET && isTimeoutOption(name) ? timeoutOption(sock, name)
    : level === SOL_SOCKET && isTimestampOption(name) ? timestampOption(sock, name)
    : sock instanceof InetSocket ? inetOption(sock, level, name)
    : sock instanceof NetlinkSocket ? netlinkOption(sock, level, name, room) : unixOption(sock, level, name);
  const n = Math.min(room, value.length);
  if (n > 0) ctx.mem.write(valAddr, value.subarray(0, n));
  ctx.mem.write(lenAddr, int32(n));
  return 0;
}

/** Implements Linux syscall setsockopt(2): SOL_SOCKET's SO_PASSCRED, SO_SNDBUF, SO_RCVBUF for AF_UNIX; inet options in inet-socket.ts. */
export function sysSetsockopt(ctx: SyscallContext): number {
  const sock = socketOf(ctx, ctx.int(0));
  const level = ctx.int(1);
  const name = ctx.int(2);
  const len = ctx.int(4);
  if (level === SOL_SOCKET && isTimeoutOption(name)) {
    if (len < 0) throw new KernelError(Errno.EINVAL);
    setTimeoutOption(sock, name, ctx.mem.read(ctx.addr(3), Math.min(len, 16)).slice());
    return 0;
  }
  if (level === SOL_SOCKET && isTimestampOption(name)) {
    if (len < 4) throw new KernelError(Errno.EINVAL);
    setTimestampOption(ctx, sock, name, new DataView(ctx.mem.read(ctx.addr(3), 4).slice().buffer).getInt32(0, true) !== 0);
    return 0;
  }
  if (sock instanceof InetSocket || sock instanceof NetlinkSocket) {
    if (len < 0) throw new KernelError(Errno.EINVAL);
    const value = ctx.mem.read(ctx.addr(3), Math.min(len, 8)).slice();
    if (sock instanceof InetSocket) setInetOption(sock, level, name, value);
    else setNetlinkOption(ctx, sock, level, name, value);
    return 0;
  }
  if (level !== SOL_SOCKET) throw new KernelError(Errno.ENOPROTOOPT);
  if (len < 4) throw new KernelError(Errno.EINVAL);
  const raw = ctx.mem.read(ctx.addr(3), Math.min(len, 8)).slice();
  const val = new DataView(raw.buffer).getInt32(0, true);
  const key = optionKey(level, name);
  switch (name) {
    case SO_PASSCRED: sock.passCred = val !== 0; return 0;
    case SO_SNDBUF: optionsOf(sock).set(key, bufferSize(val, MIN_SNDBUF)); return 0;
    case SO_RCVBUF: optionsOf(sock).set(key, bufferSize(val, MIN_RCVBUF)); return 0;
    case SO_REUSEPORT: throw new KernelError(Errno.EOPNOTSUPP); // inet sockets' alone, as Linux 6.8 on
    default:
      if (!setGenericOption(optionsOf(sock), name, raw)) throw new KernelError(Errno.ENOPROTOOPT);
      return 0;
  }
}

/** Implements Linux syscall socketpair(2) for AF_UNIX. */
export function sysSocketpair(ctx: SyscallContext) {
  const domain = ctx.int(0);
  const typeArg = ctx.int(1);
  const protocol = ctx.int(2);
  // Families Linux knows but that cannot make pairs (inet) say so; unknown ones are unsupported.
  if (domain === AF_INET || domain === AF_INET6) throw new KernelError(Errno.EOPNOTSUPP);
  if (domain !== AF_UNIX) throw new KernelError(Errno.EAFNOSUPPORT);
  const type = typeArg & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (protocol !== 0) throw new KernelError(Errno.EPROTONOSUPPORT);
  const [a, b] = createSocketPair(type, typeArg);
  const cred = peerCredentials(ctx);
  for (const end of [a, b]) {
    end.ownCred = cred;
    end.peerCred = cred;
  }
  return installPair(ctx, a, b, (typeArg & SOCK_CLOEXEC) !== 0, ctx.addr(3));
}

/** The iovec array at `addr` as (address, length) pairs. */
export function readIovecs(ctx: SyscallContext, addr: number, count: number): [number, number][] {
  if (count < 0 || count > IOV_MAX) throw new KernelError(Errno.EMSGSIZE);
  if (count === 0) return [];
  const raw = ctx.mem.read(addr, count * 16);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const len = v.getBigInt64(i * 16 + 8, true);
    if (len < 0n || len > 0x7fff_ffffn) throw new KernelError(Errno.EINVAL);
    total += Number(len);
    if (total > 0x7fff_ffff) throw new KernelError(Errno.EINVAL);
    out.push([Number(v.getBigUint64(i * 16, true)), Number(len)]);
  }
  return out;
}

function gather(ctx: SyscallContext, iovs: [number, number][]): Uint8Array {
  const total = iovs.reduce((n, [, len]) => n + len, 0);
  const data = new Uint8Array(total);
  let off = 0;
  for (const [base, len] of iovs) {
    if (len === 0) continue;
    data.set(ctx.mem.read(base, len), off);
    off += len;
  }
  return data;
}

function scatter(ctx: SyscallContext, iovs: [number, number][], data: Uint8Array): void {
  let off = 0;
  for (const [base, len] of iovs) {
    if (off >= data.length) break;
    const n = Math.min(len, data.length - off);
    if (n > 0) ctx.mem.write(base, data.subarray(off, off + n));
    off += n;
  }
}

/** What a control buffer sends: files (SCM_RIGHTS) and credentials (SCM_CREDENTIALS). */
interface Control {
  rights: OpenFile[];
  cred: UnixCredentials | null;
}

/**
 * Decode an AF_UNIX sendmsg control buffer: SOL_SOCKET's messages, other levels ignored (Linux's
 * __scm_send); EINVAL for another SOL_SOCKET type, or credentials of the wrong size.
 */
function readControl(ctx: SyscallContext, addr: number, len: number): Control {
  const control: Control = { rights: [], cred: null };
  const files = control.rights;
  for (const { level, type, data } of readControlMessages(ctx, addr, len)) {
    if (level !== SOL_SOCKET) continue;
    if (type === SCM_CREDENTIALS) {
      if (data.byteLength !== UCRED_SIZE) throw new KernelError(Errno.EINVAL);
      control.cred = checkCredentials(ctx, { pid: data.getInt32(0, true), uid: data.getInt32(4, true), gid: data.getInt32(8, true) });
    } else if (type === SCM_RIGHTS) {
      const n = Math.floor(data.byteLength / 4); // none is no message at all
      if (files.length + n > SCM_MAX_FD) throw new KernelError(Errno.EINVAL);
      for (let i = 0; i < n; i++) files.push(ctx.process.fds.get(data.getInt32(i * 4, true)));
    } else {
      throw new KernelError(Errno.EINVAL);
    }
  }
  return control;
}

/**
 * Credentials a sender may claim (Linux's scm_check_creds): its own pid and one of its user and
 * group ids; any pid with CAP_SYS_ADMIN, any uid with CAP_SETUID, any gid with CAP_SETGID. EPERM
 * otherwise.
 */
function checkCredentials(ctx: SyscallContext, cred: UnixCredentials): UnixCredentials {
  const c = ctx.process.cred;
  const pidOk = cred.pid === ctx.process.pid || capable(c, CAP_SYS_ADMIN);
  const uidOk = cred.uid === c.uid || cred.uid === c.euid || cred.uid === c.suid || capable(c, CAP_SETUID);
  const gidOk = cred.gid === c.gid || cred.gid === c.egid || cred.gid === c.sgid || capable(c, CAP_SETGID);
  if (!pidOk || !uidOk || !gidOk) throw new KernelError(Errno.EPERM);
  return cred;
}

/** The socket a datagram names (sendto, sendmsg with msg_name); undefined without an address. */
function destination(ctx: SyscallContext, sock: UnixSocket, addr: number, len: number): UnixSocket | undefined {
  if (addr === 0 || len === 0) return undefined;
  const arg = readUnixAddress(ctx, addr, len);
  if (arg.kind === 'autobind') throw new KernelError(Errno.EINVAL);
  if (sock.type !== SOCK_DGRAM) return sock; // streams refuse any address (EISCONN, EOPNOTSUPP)
  return findUnixSocket(ctx, arg.address);
}

/** Send through `sock`, binding it first when it passes credentials unnamed (Linux's autobind). */
function sendThrough(
  ctx: SyscallContext, sock: UnixSocket, data: Uint8Array, control: Control, flags: number, to: UnixSocket | undefined,
): number | Promise<number> {
  if (sock.passCred && sock.local === null && sock.type === SOCK_DGRAM) autobind(ctx, sock);
  const cred = control.cred ?? messageCredentials(ctx);
  return sendResult(ctx, flags, () => sock.send(data, control.rights, flags & SEND_FLAGS, ctx, { cred, to }));
}

/** A broken connection raises SIGPIPE unless MSG_NOSIGNAL; the call fails with EPIPE either way. */
function sendResult(ctx: SyscallContext, flags: number, run: () => number | Promise<number>): number | Promise<number> {
  const onError = (err: unknown): never => {
    if (isKernelError(err) && err.errno === Errno.EPIPE && (flags & MSG_NOSIGNAL) === 0) {
      sendSignal(ctx.kernel, ctx.process, { signo: Signo.SIGPIPE, code: SI_KERNEL }, ctx.thread);
    }
    throw err;
  };
  try {
    const r = run();
    return typeof r === 'number' ? r : r.catch(onError);
  } catch (err) {
    return onError(err);
  }
}

const RECV_FLAGS = MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL;
const SEND_FLAGS = MSG_DONTWAIT | MSG_NOSIGNAL | 0x80 /* MSG_EOR */ | 0x8000 /* MSG_MORE */;

/** Implements Linux syscall sendmsg(2), within the socket's SO_SNDTIMEO. */
export function sysSendmsg(ctx: SyscallContext) {
  return timed(ctx, ctx.int(0), 'send', sendmsg(ctx, ctx.int(0), ctx.addr(1), ctx.int(2)));
}

/** sendmsg(2) of the struct msghdr at `msgAddr` through socket `fd` (sendmmsg's too). */
export function sendmsg(ctx: SyscallContext, fd: number, msgAddr: number, flags: number): number | Promise<number> {
  const sock = socketOf(ctx, fd);
  const raw = ctx.mem.read(msgAddr, 56);
  const v = new DataView(raw.buffer, raw.byteOffset, 56);
  const nameAddr = Number(v.getBigUint64(0, true));
  const nameLen = v.getUint32(8, true);
  const iovecs = () => readIovecs(ctx, Number(v.getBigUint64(16, true)), Number(v.getBigUint64(24, true)));
  const controlAddr = Number(v.getBigUint64(32, true));
  const controlLen = Number(v.getBigUint64(40, true));
  const controlOf = () => readControl(ctx, controlAddr, controlLen);
  if (sock instanceof NetlinkSocket) {
    const data = gather(ctx, iovecs());
    if (controlOf().rights.length > 0) throw new KernelError(Errno.EINVAL);
    return netlinkSend(ctx, sock, data, nameAddr, nameLen);
  }
  if (sock instanceof InetSocket) {
    const to = inetDestination(ctx, sock, nameAddr, nameLen);
    const iovs = iovecs();
    sock.checkSendSize(iovs.reduce((n, [, len]) => n + len, 0)); // before the data is read, as Linux's
    const messages = readControlMessages(ctx, controlAddr, controlLen);
    const options = messages.length === 0 ? undefined : datagramOptions(ctx, sock, to ?? sock.remote, messages);
    const data = gather(ctx, iovs);
    return sendResult(ctx, flags, () => sock.send(data, flags & SEND_FLAGS, ctx, to, options));
  }
  const to = destination(ctx, sock, nameAddr, nameLen);
  const iovs = iovecs();
  const control = controlOf();
  return sendThrough(ctx, sock, gather(ctx, iovs), control, flags, to);
}

/** Implements Linux syscall sendto(2), within the socket's SO_SNDTIMEO. */
export function sysSendto(ctx: SyscallContext) {
  return timed(ctx, ctx.int(0), 'send', sendto(ctx));
}

function sendto(ctx: SyscallContext) {
  const sock = socketOf(ctx, ctx.int(0));
  const flags = ctx.int(3);
  if (sock instanceof InetSocket) sock.checkSendSize(ctx.count(2));
  const data = ctx.mem.read(ctx.addr(1), ctx.count(2)).slice();
  if (sock instanceof NetlinkSocket) return netlinkSend(ctx, sock, data, ctx.addr(4), ctx.int(5));
  if (sock instanceof InetSocket) {
    const to = inetDestination(ctx, sock, ctx.addr(4), ctx.int(5));
    return sendResult(ctx, flags, () => sock.send(data, flags & SEND_FLAGS, ctx, to));
  }
  const to = destination(ctx, sock, ctx.addr(4), ctx.int(5));
  return sendThrough(ctx, sock, data, { rights: [], cred: null }, flags, to);
}

/** Install received files as fds; those that do not fit in `room` control bytes are closed (MSG_CTRUNC). */
function installRights(ctx: SyscallContext, rights: OpenFile[], room: number, cloexec: boolean): { fds: number[]; truncated: boolean } {
  const fit = room >= CMSG_HDR + 4 ? Math.min(rights.length, Math.floor((room - CMSG_HDR) / 4)) : 0;
  const fds: number[] = [];
  for (let i = 0; i < rights.length; i++) {
    if (i < fit) {
      try {
        fds.push(ctx.process.fds.install(rights[i], { cloexec }));
      } catch {
        // EMFILE: the rest are lost, as Linux's scm_detach_fds
      }
    }
    releaseFile(rights[i]); // the queue's reference; the fd holds its own
  }
  return { fds, truncated: fds.length < rights.length };
}

/** Implements Linux syscall recvmsg(2), within the socket's SO_RCVTIMEO. MSG_WAITALL waits for the first bytes only. */
export function sysRecvmsg(ctx: SyscallContext) {
  return timed(ctx, ctx.int(0), 'receive', recvmsg(ctx, ctx.int(0), ctx.addr(1), ctx.int(2)));
}

/** recvmsg(2) into the struct msghdr at `msgAddr` from socket `fd` (recvmmsg's too). */
export function recvmsg(ctx: SyscallContext, fd: number, msgAddr: number, flags: number): number | Promise<number> {
  const sock = socketOf(ctx, fd);
  const raw = ctx.mem.read(msgAddr, 56);
  const v = new DataView(raw.buffer, raw.byteOffset, 56);
  const nameAddr = Number(v.getBigUint64(0, true));
  const iovs = readIovecs(ctx, Number(v.getBigUint64(16, true)), Number(v.getBigUint64(24, true)));
  const control = new ControlWriter(ctx, Number(v.getBigUint64(32, true)), Number(v.getBigUint64(40, true)));
  for (const [base, len] of iovs) if (len > 0) ctx.mem.buffer(base, len, 'write'); // EFAULT first
  if (sock instanceof InetSocket) {
    return recvmsgNamed(ctx, sock, flags, msgAddr, raw, iovs, control, (r) => {
      putTimestamp(ctx, control, sock, r.stamp);
      putDatagramControl(control, sock, r);
      return r.from && encodeInetAddress(sock.family, r.from);
    });
  }
  if (sock instanceof NetlinkSocket) {
    return recvmsgNamed(ctx, sock, flags, msgAddr, raw, iovs, control, (r) => encodeNetlinkAddress(r.from));
  }
  const buf = new Uint8Array(iovs.reduce((n, [, len]) => n + len, 0));
  const finish = (r: Received): number => {
    scatter(ctx, iovs, buf.subarray(0, r.bytes));
    putTimestamp(ctx, control, sock, r.stamp);
    if (sock.passCred) {
      // Credentials come first, as Linux's scm_recv writes them before the files.
      const cred = r.cred ?? NO_CREDENTIALS;
      control.putInts(SOL_SOCKET, SCM_CREDENTIALS, [cred.pid, cred.uid, cred.gid]);
    }
    if (r.rights.length > 0) {
      const { fds, truncated } = installRights(ctx, r.rights, control.left, (flags & MSG_CMSG_CLOEXEC) !== 0);
      if (truncated) control.flags |= MSG_CTRUNC;
      if (fds.length > 0) control.putInts(SOL_SOCKET, SCM_RIGHTS, fds);
    }
    // The sending socket's name, nothing when it is unnamed (as Linux's unix_copy_addr).
    writeMsgName(ctx, v, nameAddr, r.from && encodeUnixAddress(r.from));
    finishMsghdr(ctx, msgAddr, raw, control, r.flags);
    return (flags & MSG_TRUNC) !== 0 && sock.type !== SOCK_STREAM ? r.length : r.bytes;
  };
  const r = sock.recv(buf, flags & RECV_FLAGS, ctx);
  return r instanceof Promise ? r.then(finish) : finish(r);
}

/** Write back the msghdr `raw`: msg_controllen as filled, msg_flags with MSG_CTRUNC when something did not fit. */
function finishMsghdr(ctx: SyscallContext, msgAddr: number, raw: Uint8Array, control: ControlWriter, flags: number): void {
  const v = new DataView(raw.buffer, raw.byteOffset, 56);
  v.setBigUint64(40, BigInt(control.used), true);
  v.setInt32(48, flags | control.flags, true);
  ctx.mem.write(msgAddr, raw);
}

/** recvmsg's msg_name and msg_namelen in the msghdr `v`: the sender's address, or none (length 0). */
function writeMsgName(ctx: SyscallContext, v: DataView, nameAddr: number, from: Uint8Array | undefined): void {
  if (nameAddr === 0) return;
  const room = v.getInt32(8, true);
  if (room < 0) throw new KernelError(Errno.EINVAL);
  if (from !== undefined) ctx.mem.write(nameAddr, from.subarray(0, Math.min(room, from.length)));
  v.setUint32(8, from?.length ?? 0, true);
}

/**
 * recvmsg(2) of an inet or netlink socket: `finish` puts the control messages and gives the
 * source for msg_name. MSG_TRUNC returns a datagram's whole length (netlink's every message is one).
 */
function recvmsgNamed<R extends InetReceived | NetlinkReceived>(
  ctx: SyscallContext, sock: { type: number; recv(buf: Uint8Array, flags: number, waiter: SyscallContext): R | Promise<R> },
  flags: number, msgAddr: number, raw: Uint8Array, iovs: [number, number][], control: ControlWriter,
  finish: (r: R) => Uint8Array | undefined,
) {
  const v = new DataView(raw.buffer, raw.byteOffset, 56);
  const buf = new Uint8Array(iovs.reduce((n, [, len]) => n + len, 0));
  const done = (r: R): number => {
    scatter(ctx, iovs, buf.subarray(0, r.bytes));
    writeMsgName(ctx, v, Number(v.getBigUint64(0, true)), finish(r));
    finishMsghdr(ctx, msgAddr, raw, control, r.flags);
    return (flags & MSG_TRUNC) !== 0 && sock.type !== SOCK_STREAM ? r.length : r.bytes;
  };
  const r = sock.recv(buf, flags & RECV_FLAGS, ctx);
  return r instanceof Promise ? r.then(done) : done(r);
}

/** Implements Linux syscall recvfrom(2), within the socket's SO_RCVTIMEO. */
export function sysRecvfrom(ctx: SyscallContext) {
  return timed(ctx, ctx.int(0), 'receive', recvfrom(ctx));
}

function recvfrom(ctx: SyscallContext) {
  const sock = socketOf(ctx, ctx.int(0));
  const flags = ctx.int(3);
  const bufs = ctx.mem.buffer(ctx.addr(1), ctx.count(2), 'write');
  const buf = new Uint8Array(ctx.count(2));
  const lenAddr = ctx.addr(5);
  /** Copy out what came and the sender's address (a zero length when it has none). */
  const finish = (bytes: number, length: number, from: Uint8Array | undefined): number => {
    let off = 0;
    for (const b of bufs) {
      if (off >= bytes) break;
      const n = Math.min(b.length, bytes - off);
      b.set(buf.subarray(off, off + n));
      off += n;
    }
    if (ctx.addr(4) !== 0 && lenAddr !== 0) {
      if (from === undefined) ctx.mem.write(lenAddr, new Uint8Array(4));
      else writeAddress(ctx, ctx.addr(4), lenAddr, from);
    }
    return (flags & MSG_TRUNC) !== 0 && sock.type !== SOCK_STREAM ? length : bytes;
  };
  if (sock instanceof NetlinkSocket) {
    const done = (r: NetlinkReceived) => finish(r.bytes, r.length, encodeNetlinkAddress(r.from));
    const r = sock.recv(buf, flags & RECV_FLAGS, ctx);
    return r instanceof Promise ? r.then(done) : done(r);
  }
  if (sock instanceof InetSocket) {
    const done = (r: InetReceived) => finish(r.bytes, r.length, r.from && encodeInetAddress(sock.family, r.from));
    const r = sock.recv(buf, flags & RECV_FLAGS, ctx);
    return r instanceof Promise ? r.then(done) : done(r);
  }
  const done = (r: Received): number => {
    for (const f of r.rights) releaseFile(f); // recvfrom has no control buffer: files are discarded
    return finish(r.bytes, r.length, r.from && encodeUnixAddress(r.from));
  };
  const r = sock.recv(buf, flags & RECV_FLAGS, ctx);
  return r instanceof Promise ? r.then(done) : done(r);
}

/** Implements Linux syscall shutdown(2). */
export function sysShutdown(ctx: SyscallContext) {
  connectionSocketOf(ctx, ctx.int(0)).shutdown(ctx.int(1));
  return 0;
}
