/**
 * POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify and
 * mq_getsetattr, as Linux's ipc/mqueue.c (the queues are linux-object's ipc/mqueue.ts). Not done:
 * a mounted mqueue file system (/dev/mqueue).
 *
 * @module
 */
import { TIMED_OUT } from '@rvisor/async-executor';
import {
  CAP_FOWNER, CAP_SYS_RESOURCE, CLOCK_REALTIME, Errno, KernelError, MAY_READ, MAY_WRITE, MQ_PRIO_MAX, MessageQueueFile,
  NOTIFY_COOKIE_LEN, NSIG, NetlinkSocket, O_ACCMODE, O_CREAT, O_EXCL, O_NONBLOCK, O_RDONLY, O_WRONLY, RLIMIT_MSGQUEUE,
  S_IFMT, S_IFSOCK, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, capable, checkAccess, fsIds, processLimit, sendSignal, type MessageQueue,
  type MqAttributes, type MqNotification,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { clockNow } from './time.js';
import { readTimespec } from './timespec.js';

/** sizeof(struct mq_attr): mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs and four reserved longs. */
const MQ_ATTR_SIZE = 64;
/** sizeof(struct sigevent). */
const SIGEVENT_SIZE = 64;
/** si_code of a message queue's notification. */
const SI_MESGQ = -3;

/** A queue's name, as Linux's lookup_one_len takes it: ENAMETOOLONG past 255 bytes, EACCES for '.', '..' or a slash. */
function checkName(name: string): void {
  if (name.length > 255) throw new KernelError(Errno.ENAMETOOLONG);
  if (name === '.' || name === '..' || name.includes('/')) throw new KernelError(Errno.EACCES);
}

/** The name argument: EFAULT, and ENOENT for an empty one (getname's). */
function nameArg(ctx: SyscallContext): string {
  const name = ctx.path(0);
  if (name === '') throw new KernelError(Errno.ENOENT);
  checkName(name);
  return name;
}

/** The queue descriptor `fd` (EBADF for anything else). */
function queueFile(ctx: SyscallContext, fd: number): MessageQueueFile {
  const file = ctx.process.fds.get(fd);
  if (!(file instanceof MessageQueueFile)) throw new KernelError(Errno.EBADF);
  return file;
}

/** An absolute CLOCK_REALTIME deadline (argument `i`; EFAULT, EINVAL) as a monotonic one; null for none. */
function deadlineArg(ctx: SyscallContext, i: number): bigint | null {
  const addr = ctx.addr(i);
  if (addr === 0) return null;
  const at = readTimespec(ctx, addr);
  return ctx.kernel.timers.clock.now() + (at - clockNow(ctx.kernel, CLOCK_REALTIME));
}

/** Wait until `ready` holds: EAGAIN without waiting for a non-blocking descriptor, ETIMEDOUT at the deadline. */
async function waitFor(ctx: SyscallContext, q: MessageQueue, ready: () => boolean, deadline: bigint | null): Promise<void> {
  while (!ready()) {
    const woken = await q.changed.wait({ signal: ctx.interruption(), ...(deadline === null ? {} : { deadline }) });
    if (woken === TIMED_OUT && !ready()) throw new KernelError(Errno.ETIMEDOUT);
  }
}

/**
 * Implements Linux syscall mq_open(2): (name without glibc's leading slash, oflag, mode, attr).
 * The descriptor is close-on-exec, as Linux makes it.
 */
export function sysMqOpen(ctx: SyscallContext) {
  const oflag = ctx.int(1);
  const attrAddr = ctx.addr(3);
  let attr: MqAttributes | undefined;
  if (attrAddr !== 0) {
    const raw = ctx.mem.read(attrAddr, MQ_ATTR_SIZE);
    const v = new DataView(raw.buffer, raw.byteOffset, MQ_ATTR_SIZE);
    attr = { maxmsg: Number(v.getBigInt64(8, true)), msgsize: Number(v.getBigInt64(16, true)) };
  }
  const name = nameArg(ctx);
  const proc = ctx.process;
  proc.fds.nextFree(); // EMFILE before a queue is made, as Linux takes the fd first
  const queues = ctx.kernel.mqueues;
  let q = queues.get(name);
  if (q === undefined) {
    if ((oflag & O_CREAT) === 0) throw new KernelError(Errno.ENOENT);
    const cred = proc.cred;
    const ids = fsIds(cred);
    q = queues.create(name, ctx.uint(2) & 0o777 & ~proc.fs.umask, attr, {
      uid: ids.uid, gid: ids.gid, chargedUid: cred.uid,
      rlimitBytes: processLimit(proc, RLIMIT_MSGQUEUE).cur, resource: capable(cred, CAP_SYS_RESOURCE),
    });
  } else {
    if ((oflag & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL)) throw new KernelError(Errno.EEXIST);
    const mode = oflag & O_ACCMODE;
    if (mode === O_ACCMODE) throw new KernelError(Errno.EINVAL);
    checkAccess(fsIds(proc.cred), { mode: q.mode, uid: q.uid, gid: q.gid }, mode === O_RDONLY ? MAY_READ : mode === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE);
  }
  const file = new MessageQueueFile(q, oflag & (O_ACCMODE | O_NONBLOCK), proc.pid);
  try {
    return proc.fds.install(file, { cloexec: true });
  } catch (err) {
    file.close();
    throw err;
  }
}

/** Implements Linux syscall mq_unlink(2): by the queue's owner, or with CAP_FOWNER (EACCES otherwise). */
export function sysMqUnlink(ctx: SyscallContext) {
  const name = nameArg(ctx);
  const q = ctx.kernel.mqueues.get(name);
  if (q === undefined) throw new KernelError(Errno.ENOENT);
  const cred = ctx.process.cred;
  if (fsIds(cred).uid !== q.uid && !capable(cred, CAP_FOWNER)) throw new KernelError(Errno.EACCES);
  ctx.kernel.mqueues.unlink(q);
  return 0;
}

/** Implements Linux syscall mq_timedsend(2): (mqdes, msg, len, prio, absolute CLOCK_REALTIME deadline). */
export function sysMqTimedsend(ctx: SyscallContext): number | Promise<number> {
  const deadline = deadlineArg(ctx, 4);
  const prio = ctx.uint(3);
  if (prio >= MQ_PRIO_MAX) throw new KernelError(Errno.EINVAL);
  const file = queueFile(ctx, ctx.int(0));
  if (!file.canSend) throw new KernelError(Errno.EBADF);
  const q = file.queue;
  const length = ctx.addr(2);
  if (length > q.msgsize) throw new KernelError(Errno.EMSGSIZE);
  const data = ctx.mem.read(ctx.addr(1), length);
  const send = (): number => {
    const told = q.put(data, prio);
    if (told !== null) notify(ctx, told);
    return 0;
  };
  if (!q.full) return send();
  if (file.nonBlocking) throw new KernelError(Errno.EAGAIN);
  return waitFor(ctx, q, () => !q.full, deadline).then(send);
}

/** Implements Linux syscall mq_timedreceive(2): the message's length; its priority to `prio` unless NULL. */
export function sysMqTimedreceive(ctx: SyscallContext): number | Promise<number> {
  const deadline = deadlineArg(ctx, 4);
  const file = queueFile(ctx, ctx.int(0));
  if (!file.canReceive) throw new KernelError(Errno.EBADF);
  const q = file.queue;
  if (ctx.addr(2) < q.msgsize) throw new KernelError(Errno.EMSGSIZE);
  const receive = (): number => {
    const m = q.take();
    // Taken first: a fault loses the message, as on Linux.
    if (ctx.addr(3) !== 0) ctx.mem.writeU32(ctx.addr(3), m.prio);
    ctx.mem.write(ctx.addr(1), m.data);
    return m.data.length;
  };
  if (q.count > 0) return receive();
  if (file.nonBlocking) throw new KernelError(Errno.EAGAIN);
  q.receivers++;
  return waitFor(ctx, q, () => q.count > 0, deadline).finally(() => q.receivers--).then(receive);
}

/** Tell a registered process that a message came, as Linux's __do_notify (the registration is gone already). */
function notify(ctx: SyscallContext, told: MqNotification): void {
  if (told.notify !== SIGEV_SIGNAL) return;
  const target = ctx.kernel.processes.get(told.pid);
  if (target === undefined || target.dead) return;
  sendSignal(ctx.kernel, target, { signo: told.signo, code: SI_MESGQ, pid: ctx.process.pid, uid: ctx.process.cred.uid, value: told.value });
}

/**
 * Implements Linux syscall mq_notify(2): register the caller to be told when a message comes to
 * the empty queue, once: by a signal (SIGEV_SIGNAL), not at all (SIGEV_NONE), or (SIGEV_THREAD,
 * glibc's) by a 32-byte cookie sent to the netlink socket sigev_signo names. NULL unregisters
 * it. One process at a time (EBUSY).
 */
export function sysMqNotify(ctx: SyscallContext) {
  const addr = ctx.addr(1);
  let wanted: MqNotification | null = null;
  if (addr !== 0) {
    const raw = ctx.mem.read(addr, SIGEVENT_SIZE);
    const v = new DataView(raw.buffer, raw.byteOffset, SIGEVENT_SIZE);
    const value = v.getBigUint64(0, true);
    const signo = v.getInt32(8, true);
    const how = v.getInt32(12, true);
    if (how !== SIGEV_SIGNAL && how !== SIGEV_NONE && how !== SIGEV_THREAD) throw new KernelError(Errno.EINVAL);
    if (how === SIGEV_SIGNAL && (signo < 0 || signo > NSIG)) throw new KernelError(Errno.EINVAL);
    const thread = how === SIGEV_THREAD ? threadTarget(ctx, value, signo) : undefined;
    wanted = { pid: ctx.process.pid, notify: how, signo, value, ...(thread && { thread }) };
  }
  const q = queueFile(ctx, ctx.int(0)).queue;
  if (wanted === null) {
    if (q.notification?.pid === ctx.process.pid) q.unregister();
  } else {
    if (q.notification !== null) throw new KernelError(Errno.EBUSY);
    q.register(wanted);
  }
  return 0;
}

/**
 * SIGEV_THREAD's cookie (NOTIFY_COOKIE_LEN bytes at `cookieAddr`: EFAULT) and the netlink socket
 * `fd` it goes to (EBADF; ENOTSOCK for other files, EINVAL for other sockets), as Linux reads them.
 */
function threadTarget(ctx: SyscallContext, cookieAddr: bigint, fd: number): { socket: NetlinkSocket; cookie: Uint8Array } {
  const cookie = ctx.mem.read(Number(cookieAddr), NOTIFY_COOKIE_LEN);
  const file = ctx.process.fds.get(fd);
  if (!(file instanceof NetlinkSocket)) throw new KernelError((file.stat().mode & S_IFMT) === S_IFSOCK ? Errno.EINVAL : Errno.ENOTSOCK);
  return { socket: file, cookie };
}

/** Implements Linux syscall mq_getsetattr(2): the attributes, mq_flags the descriptor's O_NONBLOCK; only that may change. */
export function sysMqGetsetattr(ctx: SyscallContext) {
  const newAddr = ctx.addr(1);
  let flags: bigint | undefined;
  if (newAddr !== 0) {
    flags = BigInt.asIntN(64, ctx.mem.readU64(newAddr));
    if ((flags & ~BigInt(O_NONBLOCK)) !== 0n) throw new KernelError(Errno.EINVAL);
  }
  const file = queueFile(ctx, ctx.int(0));
  const q = file.queue;
  const old = new DataView(new ArrayBuffer(MQ_ATTR_SIZE));
  old.setBigInt64(0, BigInt(file.statusFlags & O_NONBLOCK), true);
  old.setBigInt64(8, BigInt(q.maxmsg), true);
  old.setBigInt64(16, BigInt(q.msgsize), true);
  old.setBigInt64(24, BigInt(q.count), true);
  if (flags !== undefined) file.setStatusFlags((file.statusFlags & ~O_NONBLOCK) | Number(flags));
  if (ctx.addr(2) !== 0) ctx.mem.write(ctx.addr(2), new Uint8Array(old.buffer));
  return 0;
}
