/**
 * The host operations hostfs is built on: fd-relative calls only, each returning a non-negative
 * result or a negative errno (never throwing). `@rvisor/trap-native`'s `hostOps` implements this.
 *
 * @module
 */
export interface HostOps {
  /** openat(2). Returns an fd or -errno. */
  openat(dirfd: number, path: string, flags: number, mode: number): number;
  /** close(2). */
  close(fd: number): number;
  /** fstatat(2) into `statBuf` (144 bytes, Linux x86-64 `struct stat`). `path` may be "" with AT_EMPTY_PATH. */
  fstatat(dirfd: number, path: string, flags: number, statBuf: Uint8Array): number;
  /** getdents64(2) into `buf`; returns bytes written, 0 at the end, or -errno. */
  getdents64(fd: number, buf: Uint8Array): number;
  /** readlinkat(2) into `buf`; returns the length or -errno. */
  readlinkat(dirfd: number, path: string, buf: Uint8Array): number;
  /** read(2) / write(2) at the current offset. `buf` may be a view into pmem (no extra copy). */
  read(fd: number, buf: Uint8Array): number;
  write(fd: number, buf: Uint8Array): number;
  /** pread64(2) / pwrite64(2). */
  pread(fd: number, buf: Uint8Array, offset: number): number;
  pwrite(fd: number, buf: Uint8Array, offset: number): number;
  /** lseek(2). */
  lseek(fd: number, offset: number, whence: number): number;
  /** poll(2) on one fd with a zero timeout: the ready events, 0, or -errno. */
  pollNow(fd: number, events: number): number;
  /** ioctl(2) with a pointer argument `arg` (in/out bytes). */
  ioctl(fd: number, request: number, arg: Uint8Array): number;
}
