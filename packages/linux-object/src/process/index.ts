export { Kernel } from './kernel.js';
export type { KernelOptions } from './kernel.js';
export { LinuxProcess, LinuxThread, RLIM_INFINITY } from './process.js';
export type { Credentials, RLimit } from './process.js';
export { UserMemory } from './user-memory.js';
export { execve } from './exec.js';
export { USER_BASE, USER_END, STACK_TOP, STACK_SIZE, MMAP_BASE, PIE_BASE } from './layout.js';
export { fork } from './fork.js';
