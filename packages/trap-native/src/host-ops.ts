import { loadNative } from './native.js';

/**
 * Host file operations, fd-relative only; each returns a result or a negative errno and never
 * throws. Structurally the `HostOps` interface of `@rvisor/hostfs`.
 */
export interface NativeHostOps {
  openat(dirfd: number, path: string, flags: number, mode: number): number;
  close(fd: number): number;
  fstatat(dirfd: number, path: string, flags: number, statBuf: Uint8Array): number;
  getdents64(fd: number, buf: Uint8Array): number;
  readlinkat(dirfd: number, path: string, buf: Uint8Array): number;
  read(fd: number, buf: Uint8Array): number;
  write(fd: number, buf: Uint8Array): number;
  pread(fd: number, buf: Uint8Array, offset: number): number;
  pwrite(fd: number, buf: Uint8Array, offset: number): number;
  lseek(fd: number, offset: number, whence: number): number;
  pollNow(fd: number, events: number): number;
  ioctl(fd: number, request: number, arg: Uint8Array): number;
}

/** The host operations of this machine. */
export function hostOps(): NativeHostOps {
  const n = loadNative();
  return {
    openat: n.openat,
    close: n.close,
    fstatat: n.fstatat,
    getdents64: n.getdents64,
    readlinkat: n.readlinkat,
    read: n.read,
    write: n.write,
    pread: n.pread,
    pwrite: n.pwrite,
    lseek: n.lseek,
    pollNow: n.pollNow,
    ioctl: n.ioctl,
  };
}
