/**
 * `@rvisor/runrsc`: the rVisor-ts runtime. Every CLI verb is also a function here.
 *
 * @packageDocumentation
 */
export { runContainer, DEFAULT_ENV } from './api/run.js';
export type { RunContainerOptions, RunResult, Volume } from './api/run.js';
export type { FileAccess } from './sandbox/container.js';
export { loadBundle, defaultSpec, BundleError } from './oci/config.js';
export type { OciSpec, Bundle, OciHook, OciHooks } from './oci/config.js';
export {
  createContainer, startContainer, execProcess, killContainer, deleteContainer, containerState, listContainers,
  containerPids, pauseContainer, resumeContainer, updateContainer, waitContainer, containerEvents, runtimeFeatures,
  RuntimeError,
} from './api/lifecycle.js';
export type {
  RuntimeOptions, ContainerState, ContainerStatus, CreateOptions, OciProcess, ExecOptions, ExitStatus, ContainerEvent,
  ContainerStats, LinuxResources,
} from './api/types.js';
export type { ErrorCode } from './sandbox/protocol.js';
export { runHooks, HookError } from './oci/hooks.js';
export type { HookPhase, RunHooksOptions } from './oci/hooks.js';
export { openCgroup, removeCgroup, CgroupError } from './sandbox/cgroup.js';
export type { Cgroup, CgroupStats, CgroupOptions } from './sandbox/cgroup.js';
export { codeCacheDir, requireWithCodeCache, runWithCodeCache } from './launch/code-cache.js';
export { nodeProcessEnv } from './launch/node-env.js';
