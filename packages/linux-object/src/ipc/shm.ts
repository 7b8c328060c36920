/**
 * System V shared memory: the segments of one container (its IPC namespace), each a VMO that
 * shmat maps shared. A segment marked for removal (IPC_RMID) goes when its last mapping does,
 * which the VMO reports (`VmoBacking.unmapped`), whether shmdt, munmap, execve or exit ended it.
 *
 * @module
 */
import { Vmo, type MemoryAccount, type PmemAllocator, type VmoBacking } from '@rvisor/zircon-object';
import type { Credentials } from '../process/process.js';
import { Errno, KernelError } from '../errno.js';
import { IPC_PRIVATE, IpcPerm } from './perm.js';
import { IpcTable } from './table.js';

/** Set in a segment's mode once IPC_RMID marked it. */
export const SHM_DEST = 0o1000;
/** Most segments a container may have (Linux's SHMMNI). */
export const SHMMNI = 4096;
/** Largest segment (Linux's SHMMAX default, ULONG_MAX - 2^24, within a safe integer here). */
export const SHMMAX = Number.MAX_SAFE_INTEGER;

/** One segment, as shmctl(IPC_STAT) reports it (`nattch` is counted when asked). */
export class ShmSegment extends IpcPerm implements VmoBacking {
  readonly vmo: Vmo;
  /** The creator's pid, and the pid of the last shmat or shmdt. */
  readonly cpid: number;
  lpid = 0;
  /** Seconds since the epoch of the last shmat, shmdt and change (0: never). */
  atime = 0;
  dtime = 0;
  ctime: number;
  /** The size shmget asked for (the VMO holds whole pages). */
  readonly size: number;

  constructor(
    private readonly table: SysvShm,
    readonly id: number,
    key: number,
    size: number,
    mode: number,
    cred: Credentials,
    pid: number,
    now: number,
    memory: { allocator: PmemAllocator; account?: MemoryAccount },
  ) {
    super(key, mode, cred);
    this.size = size;
    this.cpid = pid;
    this.ctime = now;
    this.vmo = Vmo.create(memory.allocator, size, { account: memory.account, name: `SYSV${(key >>> 0).toString(16).padStart(8, '0')}`, backing: this });
  }

  /** Whether IPC_RMID marked it: it goes with its last mapping. */
  get removed(): boolean {
    return (this.mode & SHM_DEST) !== 0;
  }

  /** IPC_RMID: no key finds it any more, and it goes now if nothing maps it, else with its last mapping. */
  remove(): void {
    this.mode |= SHM_DEST;
    this.key = IPC_PRIVATE;
    if (!this.vmo.isMapped) this.table.destroy(this);
  }

  /** @internal The VMO's last mapping went. */
  unmapped(): void {
    if (this.removed) this.table.destroy(this);
  }

  /** @internal Nothing to write back: the segment is memory. */
  writeBack(): void {}

  /** @internal Shared mappings map the segment as it is; shmat never maps past its end. */
  cover(_end: number): void {}
}

/** The System V shared memory segments of a container. */
export class SysvShm extends IpcTable<ShmSegment> {
  constructor(private readonly memory: { allocator: PmemAllocator; account?: MemoryAccount }) {
    super(SHMMNI);
  }

  /** shmget: the segment `key` names, or a new one; EINVAL for a size out of range or past the segment's. */
  get(key: number, size: number, create: boolean, exclusive: boolean, mode: number, cred: Credentials, pid: number, now: number): ShmSegment {
    return this.obtain(key, create, exclusive, mode, cred, (found) => {
      if (size > found.size) throw new KernelError(Errno.EINVAL);
    }, (id) => {
      if (size < 1 || size > SHMMAX) throw new KernelError(Errno.EINVAL);
      return new ShmSegment(this, id, key, size, mode, cred, pid, now, this.memory);
    });
  }

  /** @internal Drop a removed segment whose last mapping went. */
  destroy(segment: ShmSegment): void {
    if (this.delete(segment)) segment.vmo.close();
  }
}
