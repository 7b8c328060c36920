/**
 * epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait.
 *
 * @module
 */
import {
  EPOLL_CLOEXEC, EPOLL_CTL_DEL, EPOLL_EVENT_SIZE, EpollFile, Errno, KernelError, StructBuffer,
  type EpollEvent,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { readSigmask, readinessLoop, withSignalMask } from './poll.js';
import { readTimeout } from './timespec.js';

/** struct epoll_event arrays on their way in and out (packed: 12 bytes each). */
const epollEvents = new StructBuffer(16 * EPOLL_EVENT_SIZE);

/** Linux's cap on maxevents: INT_MAX / sizeof(struct epoll_event). */
const EP_MAX_EVENTS = Math.floor(0x7fff_ffff / EPOLL_EVENT_SIZE);

function createEpoll(ctx: SyscallContext, flags: number): number {
  if ((flags & ~EPOLL_CLOEXEC) !== 0) throw new KernelError(Errno.EINVAL);
  return ctx.process.fds.install(new EpollFile(), { cloexec: (flags & EPOLL_CLOEXEC) !== 0 });
}

/** Implements Linux syscall epoll_create(2): `size` must be positive and is otherwise ignored. */
export function sysEpollCreate(ctx: SyscallContext) {
  if (ctx.int(0) <= 0) throw new KernelError(Errno.EINVAL);
  return createEpoll(ctx, 0);
}

/** Implements Linux syscall epoll_create1(2). */
export function sysEpollCreate1(ctx: SyscallContext) {
  return createEpoll(ctx, ctx.int(0));
}

function epollOf(ctx: SyscallContext, fd: number): EpollFile {
  const file = ctx.process.fds.get(fd);
  if (!(file instanceof EpollFile)) throw new KernelError(Errno.EINVAL);
  return file;
}

/** Implements Linux syscall epoll_ctl(2). */
export function sysEpollCtl(ctx: SyscallContext) {
  const epfd = ctx.int(0);
  const op = ctx.int(1);
  const fd = ctx.int(2);
  let event: EpollEvent | undefined;
  if (op !== EPOLL_CTL_DEL) {
    ctx.mem.readInto(ctx.addr(3), epollEvents.take(EPOLL_EVENT_SIZE));
    const v = epollEvents.view;
    event = { events: v.getUint32(0, true) | 0, data: v.getBigUint64(4, true) };
  }
  const epoll = ctx.process.fds.get(epfd);
  const file = ctx.process.fds.get(fd);
  if (!(epoll instanceof EpollFile)) throw new KernelError(Errno.EINVAL);
  epoll.control(op, fd, file, event);
  return 0;
}

function doWait(ctx: SyscallContext, epfd: number, addr: number, max: number, timeout: bigint | null): number | Promise<number> {
  if (max <= 0 || max > EP_MAX_EVENTS) throw new KernelError(Errno.EINVAL);
  const epoll = epollOf(ctx, epfd);
  ctx.mem.buffer(addr, max * EPOLL_EVENT_SIZE, 'write'); // EFAULT before waiting, as Linux
  let events: EpollEvent[] = [];
  const finish = (n: number): number => {
    if (n <= 0) return n;
    const out = epollEvents.take(events.length * EPOLL_EVENT_SIZE);
    const v = epollEvents.view;
    events.forEach((e, i) => {
      v.setUint32(i * EPOLL_EVENT_SIZE, e.events >>> 0, true);
      v.setBigUint64(i * EPOLL_EVENT_SIZE + 4, e.data, true);
    });
    ctx.mem.write(addr, out);
    return n;
  };
  const r = readinessLoop(ctx, timeout, () => {
    events = epoll.collect(max);
    return { ready: events.length, notifiers: [epoll.readiness] };
  }, Errno.EINTR);
  return typeof r === 'number' ? finish(r) : r.then(finish);
}

/** Implements Linux syscall epoll_wait(2). */
export function sysEpollWait(ctx: SyscallContext) {
  return doWait(ctx, ctx.int(0), ctx.addr(1), ctx.int(2), msTimeout(ctx.int(3)));
}

/** Implements Linux syscall epoll_pwait(2). */
export function sysEpollPwait(ctx: SyscallContext) {
  const mask = readSigmask(ctx, ctx.addr(4), ctx.addr(5));
  return withSignalMask(ctx, mask, () => doWait(ctx, ctx.int(0), ctx.addr(1), ctx.int(2), msTimeout(ctx.int(3))));
}

/** Implements Linux syscall epoll_pwait2(2): epoll_pwait with a timespec timeout (NULL: none). */
export function sysEpollPwait2(ctx: SyscallContext) {
  const timeout = readTimeout(ctx, ctx.addr(3));
  const mask = readSigmask(ctx, ctx.addr(4), ctx.addr(5));
  return withSignalMask(ctx, mask, () => doWait(ctx, ctx.int(0), ctx.addr(1), ctx.int(2), timeout));
}

/** epoll_wait's timeout in ms as ns (null: a negative one, no timeout). */
function msTimeout(ms: number): bigint | null {
  return ms < 0 ? null : BigInt(ms) * 1_000_000n;
}
