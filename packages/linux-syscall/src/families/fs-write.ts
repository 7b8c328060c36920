/**
 * Syscall table entries of the fs-write family (merged into the kernel's table by syscall-table.ts).
 *
 * @module
 */
import type { SyscallContext } from '../context.js';
import type { SyscallName } from '../generated/numbers.js';
import * as w from '../sys/fs-write.js';
import { partial, supported, type SyscallSpec } from '../table/index.js';


export const fsWriteSyscalls: Partial<Record<SyscallName, SyscallSpec<SyscallContext>>> = {
  mkdir: supported(w.sysMkdir),
  mkdirat: supported(w.sysMkdirat),
  mknod: partial(w.sysMknod, 'FIFOs on tmpfs and hostfs; devices and sockets EPERM'),
  mknodat: partial(w.sysMknodat, 'FIFOs on tmpfs and hostfs; devices and sockets EPERM'),
  rmdir: supported(w.sysRmdir),
  unlink: supported(w.sysUnlink),
  unlinkat: supported(w.sysUnlinkat),
  rename: supported(w.sysRename),
  renameat: supported(w.sysRenameat),
  renameat2: partial(w.sysRenameat2, 'RENAME_NOREPLACE and RENAME_EXCHANGE; RENAME_WHITEOUT answers EINVAL'),
  link: supported(w.sysLink),
  linkat: partial(w.sysLinkat, 'AT_EMPTY_PATH answers ENOENT (it needs CAP_DAC_READ_SEARCH)'),
  symlink: supported(w.sysSymlink),
  symlinkat: supported(w.sysSymlinkat),
  chmod: supported(w.sysChmod),
  fchmod: supported(w.sysFchmod),
  fchmodat: supported(w.sysFchmodat),
  fchmodat2: supported(w.sysFchmodat2),
  chown: supported(w.sysChown),
  fchown: supported(w.sysFchown),
  lchown: supported(w.sysLchown),
  fchownat: supported(w.sysFchownat),
  truncate: supported(w.sysTruncate),
  ftruncate: supported(w.sysFtruncate),
  fallocate: partial(w.sysFallocate, 'host files as the host file system does it; tmpfs files and memfds as Linux\'s tmpfs: allocation and FALLOC_FL_PUNCH_HOLE, other modes EOPNOTSUPP'),
  utimensat: supported(w.sysUtimensat),
  utimes: supported(w.sysUtimes),
  utime: supported(w.sysUtime),
  futimesat: supported(w.sysFutimesat),
  fsync: supported(w.sysFsync),
  fdatasync: supported(w.sysFdatasync),
  sync: supported(w.sysSync),
  syncfs: supported(w.sysSyncfs),
  statfs: partial(w.sysStatfs, 'hostfs reports the host file system; others their own counts or zeros'),
  fstatfs: partial(w.sysFstatfs, 'as statfs; pipes and sockets report zeros'),
};
