/**
 * The host operations hostfs is built on: fd-relative calls only, each returning a non-negative
 * result or a negative errno (never throwing). `@rvisor/trap-native`'s `hostOps()` implements this.
 *
 * @module
 */
import type { HostStreamOps } from '@rvisor/linux-object';

/**
 * Everything hostfs calls: the fd-level calls host streams also use (read, write, pread, pwrite,
 * lseek, pollNow, ioctl, fstatat, close; see linux-object's `HostStreamOps`) plus name lookups.
 */
export interface HostOps extends HostStreamOps {
  /** openat(2). Returns an fd or -errno. */
  openat(dirfd: number, path: string, flags: number, mode: number): number;
  /** getdents64(2) into `buf`; returns bytes written, 0 at the end, or -errno. */
  getdents64(fd: number, buf: Uint8Array): number;
  /** readlinkat(2) into `buf`; returns the length or -errno. */
  readlinkat(dirfd: number, path: string, buf: Uint8Array): number;
  /** mkdirat(2). */
  mkdirat(dirfd: number, path: string, mode: number): number;
  /** mknodat(2): hostfs makes FIFOs only (`mode` has S_IFIFO), so `dev` is 0. */
  mknodat(dirfd: number, path: string, mode: number, dev: number): number;
  /** unlinkat(2) (flags: AT_REMOVEDIR). */
  unlinkat(dirfd: number, path: string, flags: number): number;
  /** renameat2(2) (flags: RENAME_NOREPLACE, RENAME_EXCHANGE). */
  renameat2(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number;
  /** symlinkat(2). */
  symlinkat(target: string, newdirfd: number, linkpath: string): number;
  /** linkat(2). */
  linkat(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number;
  /** fchmodat2(2): honours AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH. */
  fchmodat(dirfd: number, path: string, mode: number, flags: number): number;
  /** fchmod(2). */
  fchmod(fd: number, mode: number): number;
  /** fchownat(2); -1 leaves an id as is. */
  fchownat(dirfd: number, path: string, uid: number, gid: number, flags: number): number;
  /** ftruncate(2). */
  ftruncate(fd: number, length: number): number;
  /** fallocate(2). */
  fallocate(fd: number, mode: number, offset: number, length: number): number;
  /**
   * utimensat(2); `times` holds atime sec, nsec, mtime sec, nsec (UTIME_NOW, UTIME_OMIT in
   * nsec), or null for now.
   */
  utimensat(dirfd: number, path: string, times: BigInt64Array | null, flags: number): number;
  /** fsync(2). */
  fsync(fd: number): number;
  /** fdatasync(2). */
  fdatasync(fd: number): number;
  /** syncfs(2). */
  syncfs(fd: number): number;
  /** fstatfs(2) into `buf` (a 120-byte `struct statfs`). */
  fstatfs(fd: number, buf: Uint8Array): number;
  /*
   * Extended attributes of `name` in directory `dirfd`, or of the directory itself for '', never
   * following a symlink `name` names (lgetxattr(2) and co.).
   */
  /** The value of `attr` into `buf` (with an empty `buf`, its size); its length or -errno. */
  getxattrat(dirfd: number, name: string, attr: string, buf: Uint8Array): number;
  /** Set `attr` to `value`; `flags`: XATTR_CREATE, XATTR_REPLACE. */
  setxattrat(dirfd: number, name: string, attr: string, value: Uint8Array, flags: number): number;
  /** The names, each NUL-terminated, into `buf` (with an empty `buf`, their size); their length or -errno. */
  listxattrat(dirfd: number, name: string, buf: Uint8Array): number;
  /** Remove `attr`. */
  removexattrat(dirfd: number, name: string, attr: string): number;
}
