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
import { IPC_PRIVATE, IpcPerm, requestedAccess } from './perm.js';

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
export class SysvShm {
  readonly #byId = new Map<number, ShmSegment>();
  #nextId = 0;

  constructor(private readonly memory: { allocator: PmemAllocator; account?: MemoryAccount }) {}

  /**
   * shmget: the segment `key` names, or a new one (IPC_PRIVATE, or IPC_CREAT for a key no segment
   * has); ENOENT, EEXIST, EINVAL (size), ENOSPC (SHMMNI) and EACCES as Linux.
   */
  get(key: number, size: number, create: boolean, exclusive: boolean, mode: number, cred: Credentials, pid: number, now: number): ShmSegment {
    if (key !== IPC_PRIVATE) {
      const found = [...this.#byId.values()].find((s) => s.key === key);
      if (found) {
        if (create && exclusive) throw new KernelError(Errno.EEXIST);
        if (size > found.size) throw new KernelError(Errno.EINVAL);
        found.checkAccess(cred, requestedAccess(mode));
        return found;
      }
      if (!create) throw new KernelError(Errno.ENOENT);
    }
    if (size < 1 || size > SHMMAX) throw new KernelError(Errno.EINVAL);
    if (this.#byId.size >= SHMMNI) throw new KernelError(Errno.ENOSPC);
    const id = this.#nextId++;
    const segment = new ShmSegment(this, id, key, size, mode, cred, pid, now, this.memory);
    this.#byId.set(id, segment);
    return segment;
  }

  /** The segment `id` names; EINVAL if none. */
  byId(id: number): ShmSegment {
    const s = this.#byId.get(id);
    if (!s) throw new KernelError(Errno.EINVAL);
    return s;
  }

  /** The segments, by id. */
  segments(): IterableIterator<ShmSegment> {
    return this.#byId.values();
  }

  /** The highest id in use, 0 if none (IPC_INFO's and SHM_INFO's answer). */
  get highestId(): number {
    return Math.max(0, ...this.#byId.keys());
  }

  /** @internal Drop a removed segment whose last mapping went. */
  destroy(segment: ShmSegment): void {
    if (this.#byId.get(segment.id) !== segment) return;
    this.#byId.delete(segment.id);
    segment.vmo.close();
  }
}
