/**
 * What every System V IPC object has (Linux's `struct kern_ipc_perm`): a key, an owner and a
 * creator, permission bits, and the checks made against them.
 *
 * @module
 */
import { CAP_IPC_OWNER, CAP_SYS_ADMIN, capable } from '../process/capabilities.js';
import type { Credentials } from '../process/process.js';
import { Errno, KernelError } from '../errno.js';

/** The key of an object no other key finds (and of one IPC_RMID removed). */
export const IPC_PRIVATE = 0;
/** The get calls' flags: make the object if the key has none; fail if it has one. */
export const IPC_CREAT = 0o1000;
export const IPC_EXCL = 0o2000;
/** Fail instead of waiting (semop, msgsnd, msgrcv). */
export const IPC_NOWAIT = 0o4000;
/** The control commands every kind has, and IPC_64, which glibc ORs into each. */
export const IPC_RMID = 0;
export const IPC_SET = 1;
export const IPC_STAT = 2;
export const IPC_INFO = 3;
export const IPC_64 = 0x100;

/** What a permission check asks for (the low bits of an ipc mode). */
export const IPC_READ = 4;
export const IPC_WRITE = 2;
export const IPC_EXECUTE = 1;

export class IpcPerm {
  key: number;
  /** The permission bits, and the object's own flags above them. */
  mode: number;
  uid: number;
  gid: number;
  readonly cuid: number;
  readonly cgid: number;

  constructor(key: number, mode: number, cred: Credentials) {
    this.key = key;
    this.mode = mode & 0o777;
    this.uid = this.cuid = cred.euid;
    this.gid = this.cgid = cred.egid;
  }

  /** EACCES unless `cred` may `want` (IPC_READ, IPC_WRITE, IPC_EXECUTE): its owner's, group's or others' bits; CAP_IPC_OWNER may all. */
  checkAccess(cred: Credentials, want: number): void {
    if (capable(cred, CAP_IPC_OWNER)) return;
    const owner = cred.euid === this.uid || cred.euid === this.cuid;
    const group = cred.egid === this.gid || cred.egid === this.cgid;
    const bits = owner ? this.mode >> 6 : group ? this.mode >> 3 : this.mode;
    if ((bits & want) !== want) throw new KernelError(Errno.EACCES);
  }

  /** EPERM unless `cred` is its owner, its creator or holds CAP_SYS_ADMIN (IPC_SET, IPC_RMID). */
  checkOwner(cred: Credentials): void {
    if (!capable(cred, CAP_SYS_ADMIN) && cred.euid !== this.uid && cred.euid !== this.cuid) throw new KernelError(Errno.EPERM);
  }

  /** IPC_SET: the owner, group and permission bits of a struct ipc64_perm at the start of `view`. */
  set(view: DataView): void {
    this.uid = view.getUint32(4, true);
    this.gid = view.getUint32(8, true);
    this.mode = (this.mode & ~0o777) | (view.getUint32(20, true) & 0o777);
  }

  /** Write the struct ipc64_perm (48 bytes) at the start of `view`. */
  write(view: DataView): void {
    view.setInt32(0, this.key, true);
    view.setUint32(4, this.uid, true);
    view.setUint32(8, this.gid, true);
    view.setUint32(12, this.cuid, true);
    view.setUint32(16, this.cgid, true);
    view.setUint32(20, this.mode, true);
  }
}

/** The access a get call's mode asks of an existing object (its bits, as Linux's ipcperms reads them). */
export function requestedAccess(mode: number): number {
  return ((mode >> 6) | (mode >> 3) | mode) & (IPC_READ | IPC_WRITE | IPC_EXECUTE);
}
