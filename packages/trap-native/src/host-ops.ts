import { loadNative, type NativeBinding } from './native.js';

const HOST_OPS = [
  'openat', 'close', 'fstatat', 'getdents64', 'readlinkat', 'read', 'write',
  'pread', 'pwrite', 'lseek', 'pollNow', 'ioctl',
  'mkdirat', 'mknodat', 'unlinkat', 'renameat2', 'symlinkat', 'linkat', 'fchmodat', 'fchmod', 'fchownat',
  'ftruncate', 'fallocate', 'utimensat', 'fsync', 'fdatasync', 'syncfs', 'fstatfs',
  'getxattrat', 'setxattrat', 'listxattrat', 'removexattrat',
] as const;

/**
 * Host file operations, fd-relative only; each returns a result or a negative errno and never
 * throws. Structurally the `HostOps` interface of `@rvisor/hostfs`.
 */
export type NativeHostOps = Pick<NativeBinding, (typeof HOST_OPS)[number]>;

/** The host operations of this machine. */
export function hostOps(): NativeHostOps {
  const native = loadNative();
  return Object.fromEntries(HOST_OPS.map((name) => [name, native[name]])) as NativeHostOps;
}
