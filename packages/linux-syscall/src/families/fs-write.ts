/**
 * Syscall table entries of the fs-write family (merged into the kernel's table by syscall-table.ts).
 *
 * @module
 */
import type { SyscallContext } from '../context.js';
import type { SyscallName } from '../generated/numbers.js';
import type { SyscallSpec } from '../table/index.js';

export const fsWriteSyscalls: Partial<Record<SyscallName, SyscallSpec<SyscallContext>>> = {};
