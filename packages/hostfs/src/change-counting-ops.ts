/**
 * Host operations that count the calls which may change some file's attributes, so that an
 * exclusive tree can keep a file's stat until the next one.
 *
 * @module
 */
import { O_CREAT, O_TMPFILE, O_TRUNC } from '@rvisor/linux-object';
import type { HostOps } from './host-ops.js';

/**
 * Every call passes through to `ops`; those that may change a size, time, mode, owner or link
 * count anywhere in the tree add one to {@link changes}. Reads count (they set atime), and so do
 * ioctls and directory reads. Only stat, seek, poll, statfs, sync and close, and an open that
 * neither creates nor truncates, leave attributes as they were.
 */
export class ChangeCountingOps implements HostOps {
  /** Calls so far that may have changed a file's attributes. */
  changes = 0;

  constructor(readonly ops: HostOps) {}

  read(fd: number, buf: Uint8Array): number {
    this.changes++;
    return this.ops.read(fd, buf);
  }

  write(fd: number, buf: Uint8Array): number {
    this.changes++;
    return this.ops.write(fd, buf);
  }

  pread(fd: number, buf: Uint8Array, offset: number): number {
    this.changes++;
    return this.ops.pread(fd, buf, offset);
  }

  pwrite(fd: number, buf: Uint8Array, offset: number): number {
    this.changes++;
    return this.ops.pwrite(fd, buf, offset);
  }

  lseek(fd: number, offset: number, whence: number): number {
    return this.ops.lseek(fd, offset, whence);
  }

  pollNow(fd: number, events: number): number {
    return this.ops.pollNow(fd, events);
  }

  ioctl(fd: number, request: number, arg: Uint8Array): number {
    this.changes++;
    return this.ops.ioctl(fd, request, arg);
  }

  fstatat(dirfd: number, path: string, flags: number, statBuf: Uint8Array): number {
    return this.ops.fstatat(dirfd, path, flags, statBuf);
  }

  close(fd: number): number {
    return this.ops.close(fd);
  }

  openat(dirfd: number, path: string, flags: number, mode: number): number {
    if ((flags & (O_CREAT | O_TRUNC)) !== 0 || (flags & O_TMPFILE) === O_TMPFILE) this.changes++;
    return this.ops.openat(dirfd, path, flags, mode);
  }

  getdents64(fd: number, buf: Uint8Array): number {
    this.changes++;
    return this.ops.getdents64(fd, buf);
  }

  readlinkat(dirfd: number, path: string, buf: Uint8Array): number {
    this.changes++;
    return this.ops.readlinkat(dirfd, path, buf);
  }

  mkdirat(dirfd: number, path: string, mode: number): number {
    this.changes++;
    return this.ops.mkdirat(dirfd, path, mode);
  }

  mknodat(dirfd: number, path: string, mode: number, dev: number): number {
    this.changes++;
    return this.ops.mknodat(dirfd, path, mode, dev);
  }

  unlinkat(dirfd: number, path: string, flags: number): number {
    this.changes++;
    return this.ops.unlinkat(dirfd, path, flags);
  }

  renameat2(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number {
    this.changes++;
    return this.ops.renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
  }

  symlinkat(target: string, newdirfd: number, linkpath: string): number {
    this.changes++;
    return this.ops.symlinkat(target, newdirfd, linkpath);
  }

  linkat(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number {
    this.changes++;
    return this.ops.linkat(olddirfd, oldpath, newdirfd, newpath, flags);
  }

  fchmodat(dirfd: number, path: string, mode: number, flags: number): number {
    this.changes++;
    return this.ops.fchmodat(dirfd, path, mode, flags);
  }

  fchmod(fd: number, mode: number): number {
    this.changes++;
    return this.ops.fchmod(fd, mode);
  }

  fchownat(dirfd: number, path: string, uid: number, gid: number, flags: number): number {
    this.changes++;
    return this.ops.fchownat(dirfd, path, uid, gid, flags);
  }

  ftruncate(fd: number, length: number): number {
    this.changes++;
    return this.ops.ftruncate(fd, length);
  }

  fallocate(fd: number, mode: number, offset: number, length: number): number {
    this.changes++;
    return this.ops.fallocate(fd, mode, offset, length);
  }

  utimensat(dirfd: number, path: string, times: BigInt64Array | null, flags: number): number {
    this.changes++;
    return this.ops.utimensat(dirfd, path, times, flags);
  }

  fsync(fd: number): number {
    return this.ops.fsync(fd);
  }

  fdatasync(fd: number): number {
    return this.ops.fdatasync(fd);
  }

  syncfs(fd: number): number {
    return this.ops.syncfs(fd);
  }

  fstatfs(fd: number, buf: Uint8Array): number {
    return this.ops.fstatfs(fd, buf);
  }

  getxattrat(dirfd: number, name: string, attr: string, buf: Uint8Array): number {
    return this.ops.getxattrat(dirfd, name, attr, buf);
  }

  setxattrat(dirfd: number, name: string, attr: string, value: Uint8Array, flags: number): number {
    this.changes++;
    return this.ops.setxattrat(dirfd, name, attr, value, flags);
  }

  listxattrat(dirfd: number, name: string, buf: Uint8Array): number {
    return this.ops.listxattrat(dirfd, name, buf);
  }

  removexattrat(dirfd: number, name: string, attr: string): number {
    this.changes++;
    return this.ops.removexattrat(dirfd, name, attr);
  }
}
