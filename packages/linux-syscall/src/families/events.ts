/**
 * Syscall table entries of the events family (merged into the kernel's table by syscall-table.ts):
 * readiness waits (poll, select, epoll), eventfd, timerfd, signalfd and AF_UNIX sockets.
 *
 * @module
 */
import type { SyscallContext } from '../context.js';
import type { SyscallName } from '../generated/numbers.js';
import * as epoll from '../sys/epoll.js';
import * as eventfd from '../sys/eventfd.js';
import * as poll from '../sys/poll.js';
import * as socket from '../sys/socket.js';
import { partial, supported, type SyscallSpec } from '../table/index.js';

const RECHECKED = 'host stdio and signalfd are re-checked every 10 ms; other files wake the wait';

export const eventsSyscalls: Partial<Record<SyscallName, SyscallSpec<SyscallContext>>> = {
  poll: partial(poll.sysPoll, RECHECKED),
  ppoll: partial(poll.sysPpoll, RECHECKED),
  select: partial(poll.sysSelect, `${RECHECKED}; the remaining time is not written back`),
  pselect6: partial(poll.sysPselect6, RECHECKED),
  epoll_create: supported(epoll.sysEpollCreate),
  epoll_create1: supported(epoll.sysEpollCreate1),
  epoll_ctl: partial(epoll.sysEpollCtl, 'EPOLLEXCLUSIVE and EPOLLWAKEUP are accepted and ignored; nesting loops are not detected'),
  epoll_wait: partial(epoll.sysEpollWait, RECHECKED),
  epoll_pwait: partial(epoll.sysEpollPwait, RECHECKED),
  epoll_pwait2: partial(epoll.sysEpollPwait2, RECHECKED),
  eventfd: supported(eventfd.sysEventfd),
  eventfd2: supported(eventfd.sysEventfd2),
  timerfd_create: partial(eventfd.sysTimerfdCreate, 'CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME'),
  timerfd_settime: partial(eventfd.sysTimerfdSettime, 'TFD_TIMER_CANCEL_ON_SET never cancels (the clock is never set)'),
  timerfd_gettime: supported(eventfd.sysTimerfdGettime),
  signalfd: partial(eventfd.sysSignalfd, 'poll and epoll re-check a signalfd every 10 ms'),
  signalfd4: partial(eventfd.sysSignalfd4, 'poll and epoll re-check a signalfd every 10 ms'),
  socket: partial(socket.sysSocket, 'AF_UNIX only (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET); other families EAFNOSUPPORT'),
  socketpair: partial(socket.sysSocketpair, 'AF_UNIX: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET'),
  bind: partial(socket.sysBind, 'AF_UNIX: abstract names, autobind, socket files on tmpfs and hostfs (kept in the kernel: the host sees no file, getdents does not list it, rename does not move it)'),
  listen: supported(socket.sysListen),
  accept: supported(socket.sysAccept),
  accept4: supported(socket.sysAccept4),
  connect: supported(socket.sysConnect),
  getsockname: supported(socket.sysGetsockname),
  getpeername: supported(socket.sysGetpeername),
  getsockopt: partial(socket.sysGetsockopt, 'SOL_SOCKET: SO_TYPE, SO_ERROR, SO_PEERCRED, SO_PASSCRED, SO_SNDBUF, SO_RCVBUF, SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN'),
  setsockopt: partial(socket.sysSetsockopt, 'SOL_SOCKET: SO_PASSCRED; SO_SNDBUF and SO_RCVBUF are reported back but do not resize the queue'),
  sendmsg: partial(socket.sysSendmsg, 'AF_UNIX; SCM_RIGHTS and SCM_CREDENTIALS'),
  recvmsg: partial(socket.sysRecvmsg, 'AF_UNIX; MSG_WAITALL waits for the first bytes only'),
  sendto: supported(socket.sysSendto),
  recvfrom: supported(socket.sysRecvfrom),
  shutdown: supported(socket.sysShutdown),
};
