/**
 * Syscall table entries of the fd family (merged into the kernel's table by syscall-table.ts):
 * close_range, flock, fcntl record locks and pipe sizes, memfd_create, vectored I/O at offsets,
 * splice, tee and vmsplice.
 *
 * @module
 */
import type { SyscallContext } from '../context.js';
import type { SyscallName } from '../generated/numbers.js';
import * as fdExtra from '../sys/fd-extra.js';
import * as file from '../sys/file.js';
import { partial, supported, type SyscallSpec } from '../table/index.js';

const KERNEL_BUFFER = 'through a kernel buffer (no page moving)';

export const fdSyscalls: Partial<Record<SyscallName, SyscallSpec<SyscallContext>>> = {
  close_range: partial(fdExtra.sysCloseRange, 'CLOSE_RANGE_UNSHARE is a no-op: fd tables are never shared between processes'),
  flock: supported(fdExtra.sysFlock),
  fcntl: partial(file.sysFcntl, 'fd and status flags, record locks (process and OFD), pipe sizes, seals of tmpfs files and memfds, dnotify (F_NOTIFY) with its owner and signal (F_SETOWN, F_SETOWN_EX, F_SETSIG); O_ASYNC files send no SIGIO; no leases'),
  memfd_create: partial(fdExtra.sysMemfdCreate, 'no MFD_HUGETLB'),
  preadv: supported(fdExtra.sysPreadv),
  pwritev: supported(fdExtra.sysPwritev),
  preadv2: partial(fdExtra.sysPreadv2, 'RWF_NOWAIT and RWF_APPEND answer EOPNOTSUPP'),
  pwritev2: partial(fdExtra.sysPwritev2, 'RWF_NOWAIT and RWF_APPEND answer EOPNOTSUPP'),
  splice: partial(fdExtra.sysSplice, `${KERNEL_BUFFER}; between pipes slot by slot, as Linux moves them`),
  tee: partial(fdExtra.sysTee, 'slot by slot, as Linux links them, but copied (no page is shared)'),
  vmsplice: partial(fdExtra.sysVmsplice, 'copies; SPLICE_F_GIFT is ignored'),
};
