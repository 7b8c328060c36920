export { TrapPlatform, createTrapPlatform } from './platform.js';
export type { TrapPlatformOptions, NativeInjectedSyscall } from './platform.js';
export { hostOps } from './host-ops.js';
export type { NativeHostOps } from './host-ops.js';
