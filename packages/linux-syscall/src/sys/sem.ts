/**
 * System V semaphores: semget, semop, semtimedop, semctl, over linux-object's `SysvSem` (one per
 * container). A semop that cannot be applied waits until the set changes, is removed (EIDRM), a
 * signal comes (EINTR, never restarted) or semtimedop's time passes (EAGAIN).
 *
 * @module
 */
import { TIMED_OUT } from '@rvisor/async-executor';
import {
  Errno, IPC_64, IPC_CREAT, IPC_EXCL, IPC_INFO, IPC_READ, IPC_RMID, IPC_SET, IPC_STAT, IPC_WRITE, KernelError, SEMMNI,
  SEMMSL, SEMOPM, SEMVMX, SEM_UNDO, StructBuffer, type SemOp, type SemSet,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { realtimeSeconds } from './time.js';
import { readTimeout } from './timespec.js';

const GETPID = 11;
const GETVAL = 12;
const GETALL = 13;
const GETNCNT = 14;
const GETZCNT = 15;
const SETVAL = 16;
const SETALL = 17;
const SEM_STAT = 18;
const SEM_INFO = 19;
const SEM_STAT_ANY = 20;

/** struct semid64_ds: 104 bytes on x86-64. */
const SEMID_DS_SIZE = 104;
const ds = new StructBuffer(SEMID_DS_SIZE);


/** Implements Linux syscall semget(2). */
export function sysSemget(ctx: SyscallContext) {
  const key = ctx.int(0);
  const flags = ctx.int(2);
  return ctx.kernel.sysvSem.get(key, ctx.int(1), key === 0 || (flags & IPC_CREAT) !== 0, (flags & IPC_EXCL) !== 0, flags & 0o777,
    ctx.process.cred, realtimeSeconds(ctx.kernel)).id;
}

/** Implements Linux syscall semop(2). */
export function sysSemop(ctx: SyscallContext) {
  return semop(ctx, null);
}

/** Implements Linux syscall semtimedop(2): semop with a relative timeout (NULL: none). */
export function sysSemtimedop(ctx: SyscallContext) {
  const timeout = readTimeout(ctx, ctx.addr(3));
  return semop(ctx, timeout === null ? null : ctx.kernel.timers.clock.now() + timeout);
}

/** The sembuf array (`count` of them at `addr`): E2BIG past SEMOPM, EINVAL for none. */
function readOps(ctx: SyscallContext, addr: number, count: number): SemOp[] {
  if (count < 1) throw new KernelError(Errno.EINVAL);
  if (count > SEMOPM) throw new KernelError(Errno.E2BIG);
  const raw = ctx.mem.read(addr, count * 6);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const ops: SemOp[] = [];
  for (let i = 0; i < count; i++) ops.push({ num: v.getUint16(i * 6, true), op: v.getInt16(i * 6 + 2, true), flags: v.getInt16(i * 6 + 4, true) });
  return ops;
}

function semop(ctx: SyscallContext, deadline: bigint | null): number | Promise<number> {
  const ops = readOps(ctx, ctx.addr(1), ctx.addr(2));
  const sem = ctx.kernel.sysvSem;
  const set = sem.byId(ctx.int(0));
  if (ops.some((o) => o.num >= set.nsems)) throw new KernelError(Errno.EFBIG);
  set.checkAccess(ctx.process.cred, ops.some((o) => o.op !== 0) ? IPC_WRITE : IPC_READ);
  const pid = ctx.process.pid;
  const undo = ops.some((o) => (o.flags & SEM_UNDO) !== 0) ? sem.undoOf(pid, set) : undefined;
  const blocked = set.apply(ops, pid, undo, realtimeSeconds(ctx.kernel));
  if (blocked === null) return 0;
  return (async () => {
    let waiting = blocked;
    let done = set.waitingFor(waiting);
    try {
      for (;;) {
        const woken = await set.changed.wait({ signal: ctx.interruption(), ...(deadline === null ? {} : { deadline }) });
        if (set.removed) throw new KernelError(Errno.EIDRM);
        if (woken === TIMED_OUT) throw new KernelError(Errno.EAGAIN);
        const again = set.apply(ops, pid, undo, realtimeSeconds(ctx.kernel));
        if (again === null) return 0;
        if (again !== waiting) {
          done();
          done = set.waitingFor((waiting = again));
        }
      }
    } finally {
      done();
    }
  })();
}

/** `num` as a semaphore of `set`: EINVAL past its last. */
function semaphore(set: SemSet, num: number): number {
  if (num < 0 || num >= set.nsems) throw new KernelError(Errno.EINVAL);
  return num;
}

/** Implements Linux syscall semctl(2). */
export function sysSemctl(ctx: SyscallContext) {
  const sem = ctx.kernel.sysvSem;
  const cmd = ctx.int(2) & ~IPC_64;
  const cred = ctx.process.cred;
  const arg = ctx.arg(3); // union semun: an int (SETVAL) or a pointer
  const addr = Number(arg);
  if (cmd === IPC_INFO || cmd === SEM_INFO) {
    const sets = [...sem.values()];
    const buf = ds.take(40);
    const v = ds.view;
    // semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem (Linux's defaults).
    const info = [SEMMSL * SEMMNI, SEMMNI, SEMMSL * SEMMNI, SEMMSL * SEMMNI, SEMMSL, SEMOPM, SEMOPM, 20, SEMVMX, SEMVMX];
    if (cmd === SEM_INFO) {
      info[7] = sets.length;
      info[9] = sets.reduce((sum, s) => sum + s.nsems, 0);
    }
    info.forEach((n, i) => v.setInt32(i * 4, n, true));
    ctx.mem.write(addr, buf);
    return sem.highestId;
  }
  const set = sem.byId(ctx.int(0));
  const now = realtimeSeconds(ctx.kernel);
  switch (cmd) {
    case IPC_STAT:
    case SEM_STAT:
    case SEM_STAT_ANY: {
      if (cmd !== SEM_STAT_ANY) set.checkAccess(cred, IPC_READ);
      const buf = ds.take(SEMID_DS_SIZE);
      buf.fill(0);
      const v = ds.view;
      set.write(v);
      v.setBigInt64(48, BigInt(set.otime), true);
      v.setBigInt64(64, BigInt(set.ctime), true);
      v.setBigUint64(80, BigInt(set.nsems), true);
      ctx.mem.write(addr, buf);
      return cmd === IPC_STAT ? 0 : set.id;
    }
    case IPC_SET: {
      const raw = ctx.mem.read(addr, 24);
      set.checkOwner(cred);
      set.set(new DataView(raw.buffer, raw.byteOffset, raw.byteLength));
      set.ctime = now;
      return 0;
    }
    case IPC_RMID:
      set.checkOwner(cred);
      sem.remove(set);
      return 0;
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT: {
      set.checkAccess(cred, IPC_READ);
      const num = semaphore(set, ctx.int(1));
      if (cmd === GETVAL) return set.values[num]!;
      if (cmd === GETPID) return set.pids[num]!;
      return set.waiters(num, cmd === GETZCNT);
    }
    case GETALL: {
      set.checkAccess(cred, IPC_READ);
      ctx.mem.write(addr, new Uint8Array(set.values.buffer.slice(0)));
      return 0;
    }
    case SETVAL: {
      set.checkAccess(cred, IPC_WRITE);
      const num = semaphore(set, ctx.int(1));
      set.setValues(num, [Number(BigInt.asIntN(32, arg))], ctx.process.pid, now);
      sem.clearUndo(set, num, 1);
      return 0;
    }
    case SETALL: {
      set.checkAccess(cred, IPC_WRITE);
      const raw = ctx.mem.read(addr, set.nsems * 2);
      set.setValues(0, new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)), ctx.process.pid, now);
      sem.clearUndo(set, 0, set.nsems);
      return 0;
    }
    default:
      throw new KernelError(Errno.EINVAL);
  }
}
