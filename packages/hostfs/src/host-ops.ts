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
}
