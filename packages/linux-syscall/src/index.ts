/**
 * `@rvisor/linux-syscall`: the Linux x86-64 syscall table of rVisor-ts (numbers generated from
 * Linux's unistd_64.h, one handler module per family), the kernel's run loop, and strace.
 *
 * @packageDocumentation
 */
export { syscallTable } from './syscall-table.js';
export { SyscallContext } from './context.js';
export { KernelRunner } from './run-loop.js';
export type { RunOptions } from './run-loop.js';
export {
  supported, partial, stub, buildTable, syscallName, createUnknownSyscall, unknownSyscall, compatibilityMarkdown,
} from './table/index.js';
export type {
  SyscallArgs, SysResult, SyscallHandler, SupportLevel, SyscallSpec, SyscallEntry, SyscallTable, SyscallLogger,
} from './table/index.js';
export { SYS, SYSCALL_NAMES, SYSCALL_MAX } from './generated/numbers.js';
export type { SyscallName } from './generated/numbers.js';
export { formatCall, formatEnter } from './strace/index.js';
export type { StraceMemory, StraceOptions, StraceThread } from './strace/index.js';
