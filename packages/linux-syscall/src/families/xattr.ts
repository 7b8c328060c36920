/**
 * Syscall table entries of the extended-attribute family (merged into the kernel's table by
 * syscall-table.ts).
 *
 * @module
 */
import type { SyscallContext } from '../context.js';
import type { SyscallName } from '../generated/numbers.js';
import * as x from '../sys/xattr.js';
import { partial, type SyscallSpec } from '../table/index.js';

const NAMESPACES = 'user., trusted. and security. on tmpfs and hostfs (hostfs keeps all but user.* under the host\'s trusted.rvisor.); system. (POSIX ACLs) answers EOPNOTSUPP';

export const xattrSyscalls: Partial<Record<SyscallName, SyscallSpec<SyscallContext>>> = {
  setxattr: partial(x.sysSetxattr, NAMESPACES),
  lsetxattr: partial(x.sysLsetxattr, NAMESPACES),
  fsetxattr: partial(x.sysFsetxattr, NAMESPACES),
  getxattr: partial(x.sysGetxattr, NAMESPACES),
  lgetxattr: partial(x.sysLgetxattr, NAMESPACES),
  fgetxattr: partial(x.sysFgetxattr, NAMESPACES),
  listxattr: partial(x.sysListxattr, NAMESPACES),
  llistxattr: partial(x.sysLlistxattr, NAMESPACES),
  flistxattr: partial(x.sysFlistxattr, NAMESPACES),
  setxattrat: partial(x.sysSetxattrat, NAMESPACES),
  getxattrat: partial(x.sysGetxattrat, NAMESPACES),
  listxattrat: partial(x.sysListxattrat, NAMESPACES),
  removexattrat: partial(x.sysRemovexattrat, NAMESPACES),
  removexattr: partial(x.sysRemovexattr, NAMESPACES),
  lremovexattr: partial(x.sysLremovexattr, NAMESPACES),
  fremovexattr: partial(x.sysFremovexattr, NAMESPACES),
};
