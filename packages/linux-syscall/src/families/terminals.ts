/**
 * Syscall table entries of the terminals family (merged into the kernel's table by syscall-table.ts).
 *
 * @module
 */
import type { SyscallContext } from '../context.js';
import type { SyscallName } from '../generated/numbers.js';
import type { SyscallSpec } from '../table/index.js';

export const terminalsSyscalls: Partial<Record<SyscallName, SyscallSpec<SyscallContext>>> = {};
