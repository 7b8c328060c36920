/**
 * Syscall table entries of the mounts family (merged into the kernel's table by syscall-table.ts).
 *
 * @module
 */
import type { SyscallContext } from '../context.js';
import type { SyscallName } from '../generated/numbers.js';
import * as mount from '../sys/mount.js';
import { partial, type SyscallSpec } from '../table/index.js';

export const mountsSyscalls: Partial<Record<SyscallName, SyscallSpec<SyscallContext>>> = {
  mount: partial(mount.sysMount, 'tmpfs, proc and sysfs on existing directories; propagation changes are accepted and do nothing; bind, move, read-only and other types answer EPERM or ENODEV'),
  umount2: partial(mount.sysUmount2, 'EBUSY while files are open, a cwd or root is under it, or something is mounted below; MNT_DETACH unmounts at once'),
};
