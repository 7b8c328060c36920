/**
 * System V message queues: msgget, msgsnd, msgrcv, msgctl, over linux-object's `SysvMsg` (one per
 * container). msgsnd waits while the queue is full and msgrcv while no message matches, until the
 * queue changes, is removed (EIDRM) or a signal comes (EINTR, never restarted); IPC_NOWAIT fails
 * instead (EAGAIN, ENOMSG).
 *
 * @module
 */
import {
  CAP_SYS_RESOURCE, capable, Errno, IPC_64, IPC_CREAT, IPC_EXCL, IPC_INFO, IPC_NOWAIT, IPC_READ, IPC_RMID, IPC_SET,
  IPC_STAT, IPC_WRITE, KernelError, MSG_EXCEPT, MSG_NOERROR, MSGMAX, MSGMNB, MSGMNI, StructBuffer, type MsgQueue,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { realtimeSeconds } from './time.js';

const MSG_STAT = 11;
const MSG_INFO = 12;
const MSG_STAT_ANY = 13;
const MSG_COPY = 0o40000;

/** struct msqid64_ds: 120 bytes on x86-64. */
const MSQID_DS_SIZE = 120;
const ds = new StructBuffer(MSQID_DS_SIZE);


/** Implements Linux syscall msgget(2). */
export function sysMsgget(ctx: SyscallContext) {
  const key = ctx.int(0);
  const flags = ctx.int(1);
  return ctx.kernel.sysvMsg.get(key, key === 0 || (flags & IPC_CREAT) !== 0, (flags & IPC_EXCL) !== 0, flags & 0o777,
    ctx.process.cred, realtimeSeconds(ctx.kernel)).id;
}

/** Wait for `q` to change, then try `attempt` again until it gives a result. */
async function retry<T>(ctx: SyscallContext, q: MsgQueue, attempt: () => T | undefined): Promise<T> {
  for (;;) {
    await q.changed.wait(ctx.interruption());
    if (q.removed) throw new KernelError(Errno.EIDRM);
    const done = attempt();
    if (done !== undefined) return done;
  }
}

/** Implements Linux syscall msgsnd(2): a long type (> 0) then `msgsz` bytes at msgp. */
export function sysMsgsnd(ctx: SyscallContext) {
  const q = ctx.kernel.sysvMsg.byId(ctx.int(0));
  const addr = ctx.addr(1);
  const size = ctx.long(2);
  const flags = ctx.int(3);
  if (size < 0n || size > BigInt(MSGMAX)) throw new KernelError(Errno.EINVAL);
  const type = BigInt.asIntN(64, ctx.mem.readU64(addr));
  if (type < 1n) throw new KernelError(Errno.EINVAL);
  const text = ctx.mem.read(addr + 8, Number(size));
  q.checkAccess(ctx.process.cred, IPC_WRITE);
  const attempt = () => (q.trySend(type, text, ctx.process.pid, realtimeSeconds(ctx.kernel)) ? 0 : undefined);
  if (attempt() === 0) return 0;
  if ((flags & IPC_NOWAIT) !== 0) throw new KernelError(Errno.EAGAIN);
  return retry(ctx, q, attempt);
}

/** Implements Linux syscall msgrcv(2): the message's type and at most `msgsz` of its bytes; returns their count. */
export function sysMsgrcv(ctx: SyscallContext) {
  const q = ctx.kernel.sysvMsg.byId(ctx.int(0));
  const addr = ctx.addr(1);
  const size = ctx.long(2);
  const want = BigInt.asIntN(64, ctx.arg(3));
  const flags = ctx.int(4);
  if (size < 0n) throw new KernelError(Errno.EINVAL);
  if ((flags & MSG_COPY) !== 0) {
    // MSG_COPY (Linux's checkpoint/restore aid) reads message number `want` without taking it.
    if ((flags & IPC_NOWAIT) === 0 || (flags & MSG_EXCEPT) !== 0) throw new KernelError(Errno.EINVAL);
  }
  q.checkAccess(ctx.process.cred, IPC_READ);
  const max = size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size);
  const attempt = (): number | undefined => {
    const copy = (flags & MSG_COPY) !== 0;
    const index = copy ? (want >= 0n && want < BigInt(q.messages.length) ? Number(want) : -1) : q.find(want, (flags & MSG_EXCEPT) !== 0);
    if (index < 0) return undefined;
    const found = q.messages[index]!;
    if (found.text.length > max && (flags & MSG_NOERROR) === 0) throw new KernelError(Errno.E2BIG);
    const m = copy ? found : q.take(index, ctx.process.pid, realtimeSeconds(ctx.kernel));
    const n = Math.min(m.text.length, max);
    ctx.mem.writeU64(addr, BigInt.asUintN(64, m.type));
    ctx.mem.write(addr + 8, m.text.subarray(0, n));
    return n;
  };
  const got = attempt();
  if (got !== undefined) return got;
  if ((flags & IPC_NOWAIT) !== 0) throw new KernelError(Errno.ENOMSG);
  return retry(ctx, q, attempt);
}

/** Implements Linux syscall msgctl(2): IPC_STAT, MSG_STAT(_ANY), IPC_SET, IPC_RMID, IPC_INFO, MSG_INFO. */
export function sysMsgctl(ctx: SyscallContext) {
  const msg = ctx.kernel.sysvMsg;
  const cmd = ctx.int(1) & ~IPC_64;
  const addr = ctx.addr(2);
  const cred = ctx.process.cred;
  if (cmd === IPC_INFO || cmd === MSG_INFO) {
    const queues = [...msg.values()];
    const buf = ds.take(32);
    buf.fill(0);
    const v = ds.view;
    // msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql, msgseg: Linux's defaults, or what is in use.
    const info = cmd === IPC_INFO
      ? [MSGMNI * MSGMNB / 1024, MSGMNB, MSGMAX, MSGMNB, MSGMNI, 16, MSGMNB, 0xffff]
      : [queues.length, queues.reduce((n, q) => n + q.messages.length, 0), MSGMAX, MSGMNB, MSGMNI, 16,
        queues.reduce((n, q) => n + q.bytes, 0), 0xffff];
    info.forEach((n, i) => (i < 7 ? v.setInt32(i * 4, n, true) : v.setUint16(28, n, true)));
    ctx.mem.write(addr, buf);
    return msg.highestId;
  }
  const q = msg.byId(ctx.int(0));
  switch (cmd) {
    case IPC_STAT:
    case MSG_STAT:
    case MSG_STAT_ANY: {
      if (cmd !== MSG_STAT_ANY) q.checkAccess(cred, IPC_READ);
      const buf = ds.take(MSQID_DS_SIZE);
      buf.fill(0);
      const v = ds.view;
      q.write(v);
      v.setBigInt64(48, BigInt(q.stime), true);
      v.setBigInt64(56, BigInt(q.rtime), true);
      v.setBigInt64(64, BigInt(q.ctime), true);
      v.setBigUint64(72, BigInt(q.bytes), true);
      v.setBigUint64(80, BigInt(q.messages.length), true);
      v.setBigUint64(88, BigInt(q.maxBytes), true);
      v.setInt32(96, q.lspid, true);
      v.setInt32(100, q.lrpid, true);
      ctx.mem.write(addr, buf);
      return cmd === IPC_STAT ? 0 : q.id;
    }
    case IPC_SET: {
      const raw = ctx.mem.read(addr, MSQID_DS_SIZE);
      const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      q.checkOwner(cred);
      const maxBytes = Number(v.getBigUint64(88, true));
      // Raising the limit past MSGMNB takes CAP_SYS_RESOURCE.
      if (maxBytes > MSGMNB && !capable(cred, CAP_SYS_RESOURCE)) throw new KernelError(Errno.EPERM);
      q.set(v);
      q.maxBytes = maxBytes;
      q.ctime = realtimeSeconds(ctx.kernel);
      q.changed.wakeAll(); // a larger limit lets waiting senders in
      return 0;
    }
    case IPC_RMID:
      q.checkOwner(cred);
      msg.remove(q);
      return 0;
    default:
      throw new KernelError(Errno.EINVAL);
  }
}
