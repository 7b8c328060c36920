export {};
export { PAGE_SIZE, Reg, REG_COUNT, StopKind } from './platform.js';
export type { PhysicalMemory, Registers, StopEvent, InjectedSyscall, Platform } from './platform.js';
