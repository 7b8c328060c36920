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

/** shmget's key for a segment no other key finds. */
export const IPC_PRIVATE = 0;
/** Set in a segment's mode once IPC_RMID marked it. */
export const SHM_DEST = 0o1000;
/** Most segments a container may have (Linux's SHMMNI). */
export const SHMMNI = 4096;
/** Largest segment (Linux's SHMMAX default, ULONG_MAX - 2^24, within a safe integer here). */
export const SHMMAX = Number.MAX_SAFE_INTEGER;

/** What a permission check asks for (the low bits of the ipc mode: 4 read, 2 write, 1 execute). */
export const SHM_READ = 4;
export const SHM_WRITE = 2;
export const SHM_EXECUTE = 1;

/** One segment, as shmctl(IPC_STAT) reports it (`nattch` is counted when asked). */
export class ShmSegment implements VmoBacking {
  readonly vmo: Vmo;
  key: number;
  /** The permission bits and SHM_DEST. */
  mode: number;
  uid: number;
  gid: number;
  readonly cuid: number;
  readonly cgid: number;
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
    this.key = key;
    this.size = size;
    this.mode = mode & 0o777;
    this.uid = this.cuid = cred.euid;
    this.gid = this.cgid = cred.egid;
    this.cpid = pid;
    this.ctime = now;
    this.vmo = Vmo.create(memory.allocator, size, { account: memory.account, name: `SYSV${(key >>> 0).toString(16).padStart(8, '0')}`, backing: this });
  }

  /** Whether IPC_RMID marked it: it goes with its last mapping. */
  get removed(): boolean {
    return (this.mode & SHM_DEST) !== 0;
  }

  /** EACCES unless `cred` may `want` (SHM_READ, SHM_WRITE) it: its owner's, group's or others' bits; root may all. */
  checkAccess(cred: Credentials, want: number): void {
    if (cred.euid === 0) return;
    const bits = cred.euid === this.uid || cred.euid === this.cuid ? this.mode >> 6 : cred.egid === this.gid || cred.egid === this.cgid ? this.mode >> 3 : this.mode;
    if ((bits & want) !== want) throw new KernelError(Errno.EACCES);
  }

  /** EPERM unless `cred` is its owner, its creator or root (IPC_SET, IPC_RMID). */
  checkOwner(cred: Credentials): void {
    if (cred.euid !== 0 && cred.euid !== this.uid && cred.euid !== this.cuid) throw new KernelError(Errno.EPERM);
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
        found.checkAccess(cred, accessOf(mode));
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

/** The access shmget's mode asks of an existing segment (its low bits, as Linux reads them). */
function accessOf(mode: number): number {
  return ((mode >> 6) | (mode >> 3) | mode) & (SHM_READ | SHM_WRITE | SHM_EXECUTE);
}
