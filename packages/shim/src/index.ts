/**
 * `@rvisor/shim`: containerd-shim-rvisor-v1 (runtime `io.containerd.rvisor.v1`), the containerd
 * shim v2 for rVisor-ts: containerd.task.v2.Task served over ttrpc on `@rvisor/runrsc`'s
 * lifecycle functions, with task events forwarded to containerd.
 *
 * @packageDocumentation
 */
export { Code, TtrpcError, codeName } from './ttrpc/codes.js';
export { TtrpcServer } from './ttrpc/server.js';
export type { TtrpcServerOptions } from './ttrpc/server.js';
export { TtrpcClient } from './ttrpc/client.js';
export type { CallOptions } from './ttrpc/client.js';
export type { CallContext, MethodHandler, ServiceHandlers, AnyService } from './ttrpc/service.js';
export { TaskService, SANDBOX_ANNOTATION } from './task/service.js';
export type { TaskServiceOptions } from './task/service.js';
export type { TaskRuntime, TaskExit, RuntimeState, RuntimeCreateOptions, StdioFds, OciProcess, LinuxResources } from './task/runtime.js';
export { RunrscRuntime } from './task/runrsc-runtime.js';
export { MemoryPublisher, TtrpcPublisher, taskEvents } from './task/events.js';
export type { EventPublisher, TaskEvent } from './task/events.js';
export { openFifoIO, nullIO } from './task/io.js';
export type { IoPaths, ProcessIO, IoOpener } from './task/io.js';
export { hostMounter, noMounter } from './task/mount.js';
export type { Mounter, RootfsMount } from './task/mount.js';
export { PROCESS_SPEC_TYPE_URL, parseProcessSpec } from './task/exec-spec.js';
export { shimAddress, socketPath, SOCKET_DIR } from './address.js';
export { parseShimArgs } from './flags.js';
export type { ShimArgs } from './flags.js';
export { Task } from './gen/github.com/containerd/containerd/runtime/v2/task/shim_pb.js';
export { Status as TaskStatus } from './gen/github.com/containerd/containerd/api/types/task/task_pb.js';

/** The runtime name containerd resolves to the `containerd-shim-rvisor-v1` binary. */
export const RUNTIME_NAME = 'io.containerd.rvisor.v1';
