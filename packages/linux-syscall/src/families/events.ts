/**
 * Syscall table entries of the events family (merged into the kernel's table by syscall-table.ts):
 * readiness waits (poll, select, epoll), eventfd, timerfd, signalfd and sockets (AF_UNIX, and
 * AF_INET and AF_INET6 on the container's loopback network).
 *
 * @module
 */
import type { SyscallContext } from '../context.js';
import type { SyscallName } from '../generated/numbers.js';
import * as epoll from '../sys/epoll.js';
import * as eventfd from '../sys/eventfd.js';
import * as mmsg from '../sys/mmsg.js';
import * as poll from '../sys/poll.js';
import * as socket from '../sys/socket.js';
import { partial, supported, type SyscallSpec } from '../table/index.js';


export const eventsSyscalls: Partial<Record<SyscallName, SyscallSpec<SyscallContext>>> = {
  poll: supported(poll.sysPoll),
  ppoll: supported(poll.sysPpoll),
  select: supported(poll.sysSelect),
  pselect6: supported(poll.sysPselect6),
  epoll_create: supported(epoll.sysEpollCreate),
  epoll_create1: supported(epoll.sysEpollCreate1),
  epoll_ctl: partial(epoll.sysEpollCtl, 'EPOLLEXCLUSIVE and EPOLLWAKEUP are accepted and ignored; nesting loops are not detected'),
  epoll_wait: supported(epoll.sysEpollWait),
  epoll_pwait: supported(epoll.sysEpollPwait),
  epoll_pwait2: supported(epoll.sysEpollPwait2),
  eventfd: supported(eventfd.sysEventfd),
  eventfd2: supported(eventfd.sysEventfd2),
  timerfd_create: partial(eventfd.sysTimerfdCreate, 'CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME'),
  timerfd_settime: partial(eventfd.sysTimerfdSettime, 'TFD_TIMER_CANCEL_ON_SET never cancels (the clock is never set)'),
  timerfd_gettime: supported(eventfd.sysTimerfdGettime),
  signalfd: supported(eventfd.sysSignalfd),
  signalfd4: supported(eventfd.sysSignalfd4),
  socket: partial(socket.sysSocket, 'AF_UNIX (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET); AF_INET and AF_INET6 TCP, UDP, UDP-Lite and ping sockets (ICMP echo) on the loopback interface only (no raw sockets); AF_NETLINK NETLINK_ROUTE (the loopback interface, its addresses and routes; no changes); other families EAFNOSUPPORT'),
  socketpair: partial(socket.sysSocketpair, 'AF_UNIX: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET'),
  bind: partial(socket.sysBind, 'AF_UNIX: abstract names, autobind, socket files on tmpfs and hostfs (on hostfs kept in the kernel: the host sees no file, and rename does not move one); AF_INET and AF_INET6: the wildcard and loopback addresses; AF_NETLINK: port ids and groups'),
  listen: supported(socket.sysListen),
  accept: supported(socket.sysAccept),
  accept4: supported(socket.sysAccept4),
  connect: supported(socket.sysConnect),
  getsockname: supported(socket.sysGetsockname),
  getpeername: supported(socket.sysGetpeername),
  getsockopt: partial(socket.sysGetsockopt, 'SOL_SOCKET: SO_TYPE, SO_ERROR, SO_PEERCRED, SO_PASSCRED, SO_SNDBUF, SO_RCVBUF, SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN; inet sockets also SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_LINGER and others stored, TCP_NODELAY, TCP_KEEPIDLE/INTVL/CNT, IP_TTL, IP_TOS, IPV6_V6ONLY; netlink sockets SOL_NETLINK\'s options and NETLINK_LIST_MEMBERSHIPS'),
  setsockopt: partial(socket.sysSetsockopt, 'SOL_SOCKET: SO_RCVTIMEO and SO_SNDTIMEO (blocking calls end with EAGAIN), SO_PASSCRED, SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER and the other options of every family, kept and reported back; SO_SNDBUF and SO_RCVBUF are reported back, and an inet socket\'s SO_RCVBUF sizes its receive queue; inet sockets: the options getsockopt lists, kept and reported back (keepalive and Nagle have no effect on loopback)'),
  sendmsg: partial(socket.sysSendmsg, 'SCM_RIGHTS and SCM_CREDENTIALS over AF_UNIX; UDP\'s IP and IPv6 control messages (TTL, TOS, PKTINFO …); no IP options'),
  recvmsg: partial(socket.sysRecvmsg, 'MSG_WAITALL waits for the first bytes only; TCP gives no receive timestamps'),
  sendmmsg: partial(mmsg.sysSendmmsg, 'as sendmsg, message by message'),
  recvmmsg: partial(mmsg.sysRecvmmsg, 'as recvmsg, message by message'),
  sendto: supported(socket.sysSendto),
  recvfrom: supported(socket.sysRecvfrom),
  shutdown: supported(socket.sysShutdown),
};
