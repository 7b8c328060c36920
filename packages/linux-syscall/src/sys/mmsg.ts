/**
 * sendmmsg and recvmmsg: sendmsg and recvmsg over an array of struct mmsghdr, each message's length
 * written to its msg_len, as Linux's net/socket.c loops them.
 *
 * @module
 */
import { MSG_DONTWAIT, isKernelError } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { readIovecs, recvmsg, sendmsg, socketOf } from './socket.js';
import { timed } from './socket-timeout.js';
import { readTimespec, writeTime } from './timespec.js';

/** sizeof(struct mmsghdr): a struct msghdr (56 bytes) and msg_len, padded. */
const MMSGHDR_SIZE = 64;
const MSG_LEN = 56;
/** The most messages one call takes (UIO_MAXIOV); more are left for the next call. */
const UIO_MAXIOV = 1024;
/** recvmmsg: after the first message, wait for no more (MSG_WAITFORONE). */
const MSG_WAITFORONE = 0x10000;

/**
 * Run `one` for each message, writing its length to its msg_len, until one fails or `more` says
 * stop: the count of messages done, or the first one's error when none was (later errors are
 * dropped, as Linux keeps them only in the socket's pending error).
 */
function eachMessage(
  ctx: SyscallContext, vec: number, count: number,
  one: (i: number) => number | Promise<number>, more: (i: number, n: number) => boolean,
): number | Promise<number> {
  let done = 0;
  const failed = (err: unknown): number => {
    if (done === 0 || !isKernelError(err)) throw err;
    return done;
  };
  const finish = (n: number): boolean => {
    ctx.mem.writeU32(vec + done * MMSGHDR_SIZE + MSG_LEN, n);
    return more(done++, n);
  };
  const next = (): number | Promise<number> => {
    try {
      while (done < count) {
        const r = one(done);
        if (r instanceof Promise) return r.then((n) => (finish(n) ? next() : done)).catch(failed);
        if (!finish(r)) break;
      }
    } catch (err) {
      return failed(err);
    }
    return done;
  };
  return next();
}

/** The bytes a struct msghdr's iovecs hold (msg_iov at 16, msg_iovlen at 24). */
function messageLength(ctx: SyscallContext, msgAddr: number): number {
  const iovecs = readIovecs(ctx, Number(ctx.mem.readU64(msgAddr + 16)), Number(ctx.mem.readU64(msgAddr + 24)));
  return iovecs.reduce((n, [, len]) => n + len, 0);
}

/** Implements Linux syscall sendmmsg(2): (fd, msgvec, vlen, flags); stops at a message sent in part. */
export function sysSendmmsg(ctx: SyscallContext) {
  const fd = ctx.int(0);
  const vec = ctx.addr(1);
  const flags = ctx.int(3);
  socketOf(ctx, fd); // EBADF, ENOTSOCK even for no message
  const send = (i: number) => timed(ctx, fd, 'send', sendmsg(ctx, fd, vec + i * MMSGHDR_SIZE, flags));
  return eachMessage(ctx, vec, Math.min(ctx.uint(2), UIO_MAXIOV), send,
    (i, n) => n >= messageLength(ctx, vec + i * MMSGHDR_SIZE));
}

/**
 * Implements Linux syscall recvmmsg(2): (fd, msgvec, vlen, flags, timeout). MSG_WAITFORONE waits
 * for the first message only. The timeout is checked after each message, as Linux's (it does not
 * bound the wait for the first), and what is left of it written back when a message came.
 */
export function sysRecvmmsg(ctx: SyscallContext) {
  const fd = ctx.int(0);
  const vec = ctx.addr(1);
  let flags = ctx.int(3) & ~MSG_WAITFORONE;
  const timeoutAddr = ctx.addr(4);
  const clock = ctx.kernel.timers.clock;
  const end = timeoutAddr === 0 ? null : clock.now() + readTimespec(ctx, timeoutAddr);
  socketOf(ctx, fd); // EBADF, ENOTSOCK even for no message
  const waitForOne = (ctx.int(3) & MSG_WAITFORONE) !== 0;
  const receive = (i: number) => {
    if (i > 0 && waitForOne) flags |= MSG_DONTWAIT;
    return timed(ctx, fd, 'receive', recvmsg(ctx, fd, vec + i * MMSGHDR_SIZE, flags));
  };
  const more = () => end === null || clock.now() < end;
  const r = eachMessage(ctx, vec, Math.min(ctx.uint(2), UIO_MAXIOV), receive, more);
  const left = (n: number): number => {
    if (end !== null && n > 0) writeTime(ctx, timeoutAddr, end > clock.now() ? end - clock.now() : 0n);
    return n;
  };
  return r instanceof Promise ? r.then(left) : left(r);
}
