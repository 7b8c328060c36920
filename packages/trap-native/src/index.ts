export { TrapPlatform, createTrapPlatform } from './platform.js';
export type { TrapPlatformOptions, NativeInjectedSyscall } from './platform.js';
export { hostOps } from './host-ops.js';
export type { NativeHostOps } from './host-ops.js';
export { spawnHolder, pidfdGetfd, openPty, sendFd, reapChild, setChildSubreaper, HOLDER_SETUP_FAILED } from './host-process.js';
export type { HolderOptions, HostPty, ChildExit } from './host-process.js';
