export type {
  SyscallArgs,
  SysResult,
  SyscallHandler,
  SupportLevel,
  SyscallSpec,
  SyscallEntry,
  SyscallTable,
} from './types.js';
export {
  supported,
  partial,
  stub,
  buildTable,
  syscallName,
  createUnknownSyscall,
  unknownSyscall,
} from './table.js';
export type { SyscallLogger } from './table.js';
export { compatibilityMarkdown } from './compat.js';
