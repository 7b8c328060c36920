/**
 * System V shared memory: shmget, shmat, shmdt, shmctl, over linux-object's `SysvShm` (one per
 * container). A segment is a VMO that shmat maps shared, so fork shares it and futexes in it meet.
 *
 * @module
 */
import {
  CAP_IPC_LOCK, capable, Errno, IPC_64, IPC_CREAT, IPC_EXCL, IPC_EXECUTE, IPC_INFO, IPC_PRIVATE, IPC_READ, IPC_RMID,
  IPC_SET, IPC_STAT, IPC_WRITE, KernelError, PROT_EXEC, PROT_READ, PROT_WRITE, SHMMAX, SHMMNI, StructBuffer,
  type Kernel, type ShmSegment,
} from '@rvisor/linux-object';
import { PAGE_SIZE, ZxError, ZxStatus, pageRoundUp } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';
import { realtimeSeconds } from './time.js';

const SHM_LOCK = 11;
const SHM_UNLOCK = 12;
const SHM_STAT = 13;
const SHM_INFO = 14;
const SHM_STAT_ANY = 15;
const SHM_RDONLY = 0o10000;
const SHM_RND = 0o20000;
const SHM_REMAP = 0o40000;
const SHM_EXEC = 0o100000;
/** The mode bit SHM_LOCK sets. */
const SHM_LOCKED = 0o2000;

/** struct shmid64_ds, struct shminfo64 and struct shm_info: 112, 72 and 48 bytes on x86-64. */
const SHMID_DS_SIZE = 112;
const ds = new StructBuffer(SHMID_DS_SIZE);


/** Implements Linux syscall shmget(2). */
export function sysShmget(ctx: SyscallContext) {
  const key = ctx.int(0);
  const size = ctx.addr(1);
  const flags = ctx.int(2);
  try {
    const s = ctx.kernel.sysvShm.get(key, size, key === IPC_PRIVATE || (flags & IPC_CREAT) !== 0, (flags & IPC_EXCL) !== 0,
      flags & 0o777, ctx.process.cred, ctx.process.pid, realtimeSeconds(ctx.kernel));
    return s.id;
  } catch (err) {
    if (err instanceof ZxError && err.status === ZxStatus.ERR_NO_MEMORY) throw new KernelError(Errno.ENOMEM);
    throw err;
  }
}

/** Implements Linux syscall shmat(2): the whole segment, mapped shared. */
export function sysShmat(ctx: SyscallContext) {
  const s = ctx.kernel.sysvShm.byId(ctx.int(0));
  let addr = ctx.addr(1);
  const flags = ctx.int(2);
  if (addr % PAGE_SIZE !== 0) {
    if ((flags & SHM_RND) === 0) throw new KernelError(Errno.EINVAL);
    addr -= addr % PAGE_SIZE;
  }
  if ((flags & SHM_REMAP) !== 0 && addr === 0) throw new KernelError(Errno.EINVAL);
  const readOnly = (flags & SHM_RDONLY) !== 0;
  s.checkAccess(ctx.process.cred, (readOnly ? IPC_READ : IPC_READ | IPC_WRITE) | (flags & SHM_EXEC ? IPC_EXECUTE : 0));
  const prot = PROT_READ | (readOnly ? 0 : PROT_WRITE) | (flags & SHM_EXEC ? PROT_EXEC : 0);
  const len = pageRoundUp(s.size);
  let at: number;
  try {
    at = ctx.process.vmar.map({
      vmo: s.vmo, len, prot, shared: true, name: `/SYSV${(s.key >>> 0).toString(16).padStart(8, '0')} (deleted)`,
      maxProt: readOnly ? PROT_READ | PROT_EXEC : undefined,
      addr: addr === 0 ? undefined : addr, fixed: addr !== 0, noReplace: addr !== 0 && (flags & SHM_REMAP) === 0,
    });
  } catch (err) {
    if (err instanceof ZxError) throw new KernelError(err.status === ZxStatus.ERR_NO_MEMORY ? Errno.ENOMEM : Errno.EINVAL);
    throw err;
  }
  ctx.kernel.syncMemory(ctx.thread, ctx.regs);
  s.atime = realtimeSeconds(ctx.kernel);
  s.lpid = ctx.process.pid;
  return at;
}

/** Implements Linux syscall shmdt(2): the attachment starting at `addr`, however split since. */
export function sysShmdt(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const vmar = ctx.process.vmar;
  const first = vmar.mappingAt(addr);
  const s = first && first.start === addr ? segmentOf(ctx.kernel, first.vmo) : undefined;
  if (!first || !s || first.offset !== 0) throw new KernelError(Errno.EINVAL);
  // The attachment's pieces (an mprotect may have split it) follow each other in the segment.
  let end = first.end;
  for (let m = vmar.mappingAt(end); m && m.vmo === s.vmo && m.offset === end - addr; m = vmar.mappingAt(end)) end = m.end;
  vmar.unmap(addr, end - addr);
  s.dtime = realtimeSeconds(ctx.kernel);
  s.lpid = ctx.process.pid;
  ctx.kernel.syncMemory(ctx.thread, ctx.regs);
  return 0;
}

/** The segment whose VMO `vmo` is, if any. */
function segmentOf(kernel: Kernel, vmo: unknown): ShmSegment | undefined {
  for (const s of kernel.sysvShm.values()) if (s.vmo === vmo) return s;
  return undefined;
}

/** How many attachments `s` has: runs of mappings of its VMO, in every live process. */
function attachments(kernel: Kernel, s: ShmSegment): number {
  let n = 0;
  for (const proc of kernel.processes.values()) {
    if (proc.dead) continue;
    let lastEnd = -1;
    for (const m of proc.vmar.mappings()) {
      if (m.vmo === s.vmo && !(m.start === lastEnd && m.offset !== 0)) n++;
      lastEnd = m.vmo === s.vmo ? m.end : -1;
    }
  }
  return n;
}

/** Write `s` as struct shmid64_ds at `addr`. */
function writeStat(ctx: SyscallContext, s: ShmSegment, addr: number): void {
  const buf = ds.take(SHMID_DS_SIZE);
  buf.fill(0);
  const v = ds.view;
  s.write(v);
  v.setBigUint64(48, BigInt(s.size), true);
  v.setBigInt64(56, BigInt(s.atime), true);
  v.setBigInt64(64, BigInt(s.dtime), true);
  v.setBigInt64(72, BigInt(s.ctime), true);
  v.setInt32(80, s.cpid, true);
  v.setInt32(84, s.lpid, true);
  v.setBigUint64(88, BigInt(attachments(ctx.kernel, s)), true);
  ctx.mem.write(addr, buf);
}

/** Implements Linux syscall shmctl(2): IPC_STAT, SHM_STAT(_ANY), IPC_SET, IPC_RMID, IPC_INFO, SHM_INFO, SHM_(UN)LOCK. */
export function sysShmctl(ctx: SyscallContext) {
  const id = ctx.int(0);
  const cmd = ctx.int(1) & ~IPC_64;
  const addr = ctx.addr(2);
  const shm = ctx.kernel.sysvShm;
  const cred = ctx.process.cred;
  switch (cmd) {
    case IPC_INFO: {
      const buf = ds.take(72);
      buf.fill(0);
      const v = ds.view;
      v.setBigUint64(0, BigInt(SHMMAX), true); // shmmax
      v.setBigUint64(8, 1n, true); // shmmin
      v.setBigUint64(16, BigInt(SHMMNI), true); // shmmni
      v.setBigUint64(24, BigInt(SHMMNI), true); // shmseg
      v.setBigUint64(32, BigInt(Math.floor(SHMMAX / PAGE_SIZE)), true); // shmall, in pages
      ctx.mem.write(addr, buf);
      return shm.highestId;
    }
    case SHM_INFO: {
      const segments = [...shm.values()];
      const pages = segments.reduce((sum, s) => sum + pageRoundUp(s.size) / PAGE_SIZE, 0);
      const buf = ds.take(48);
      buf.fill(0);
      const v = ds.view;
      v.setInt32(0, segments.length, true); // used_ids
      v.setBigUint64(8, BigInt(pages), true); // shm_tot
      v.setBigUint64(16, BigInt(pages), true); // shm_rss
      ctx.mem.write(addr, buf);
      return shm.highestId;
    }
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY: {
      const s = shm.byId(id);
      if (cmd !== SHM_STAT_ANY) s.checkAccess(cred, IPC_READ);
      writeStat(ctx, s, addr);
      return cmd === IPC_STAT ? 0 : s.id;
    }
    case IPC_SET: {
      const s = shm.byId(id);
      const raw = ctx.mem.read(addr, 24);
      const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      s.checkOwner(cred);
      s.set(v);
      s.ctime = realtimeSeconds(ctx.kernel);
      return 0;
    }
    case IPC_RMID: {
      const s = shm.byId(id);
      s.checkOwner(cred);
      s.ctime = realtimeSeconds(ctx.kernel);
      s.remove();
      return 0;
    }
    case SHM_LOCK:
    case SHM_UNLOCK: {
      const s = shm.byId(id);
      if (!capable(cred, CAP_IPC_LOCK)) throw new KernelError(Errno.EPERM);
      // Memory is never swapped here: locked or not, only the mode bit changes.
      s.mode = cmd === SHM_LOCK ? s.mode | SHM_LOCKED : s.mode & ~SHM_LOCKED;
      s.ctime = realtimeSeconds(ctx.kernel);
      return 0;
    }
    default:
      throw new KernelError(Errno.EINVAL);
  }
}
