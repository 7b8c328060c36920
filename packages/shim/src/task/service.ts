import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import type { GenService } from '@bufbuild/protobuf/codegenv2';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { EmptySchema } from '@bufbuild/protobuf/wkt';
import { Status } from '../gen/github.com/containerd/containerd/api/types/task/task_pb.js';
import type {
  CheckpointTaskRequest,
  CloseIORequest,
  ConnectRequest,
  ConnectResponseSchema,
  CreateTaskRequest,
  CreateTaskResponseSchema,
  DeleteRequest,
  DeleteResponseSchema,
  ExecProcessRequest,
  KillRequest,
  PauseRequest,
  PidsRequest,
  PidsResponseSchema,
  ResizePtyRequest,
  ResumeRequest,
  ShutdownRequest,
  StartRequest,
  StartResponseSchema,
  StateRequest,
  StateResponseSchema,
  StatsRequest,
  UpdateTaskRequest,
  WaitRequest,
  WaitResponseSchema,
} from '../gen/github.com/containerd/containerd/runtime/v2/task/shim_pb.js';
import type { Task } from '../gen/github.com/containerd/containerd/runtime/v2/task/shim_pb.js';
import { Code, TtrpcError } from '../ttrpc/codes.js';
import type { CallContext, ServiceHandlers } from '../ttrpc/service.js';
import { exists, invalid, notFound, toTtrpcError, unimplemented, wrongState } from './errors.js';
import { taskEvents } from './events.js';
import type { EventPublisher } from './events.js';
import { parseProcessSpec, PROCESS_SPEC_TYPE_URL } from './exec-spec.js';
import type { IoOpener, IoPaths, ProcessIO } from './io.js';
import type { Mounter } from './mount.js';
import type { OciProcess, TaskExit, TaskRuntime } from './runtime.js';

type TaskMethods = typeof Task extends GenService<infer S> ? S : never;
type Reply<D extends DescMessage> = MessageInitShape<D>;
type Empty = Reply<typeof EmptySchema>;

import { SANDBOX_ANNOTATION } from '../annotations.js';
export { SANDBOX_ANNOTATION } from '../annotations.js';

/** What the Task service is built from. */
export interface TaskServiceOptions {
  runtime: TaskRuntime;
  publisher: EventPublisher;
  openIO: IoOpener;
  mounter: Mounter;
  /** Called once a Shutdown found no container left, after its reply went out. */
  onShutdown?: () => void;
  log?: (message: string) => void;
}

/** One process of a task: init (execId '') or an exec. */
class TaskProcess {
  state: 'created' | 'running' | 'stopped' = 'created';
  pid = 0;
  io: ProcessIO | undefined;
  exit: TaskExit | undefined;
  /** Set while Start runs, so that Exit is never published before Start. */
  startGate: Promise<void> | undefined;
  readonly exited: Promise<TaskExit>;
  private resolveExit!: (exit: TaskExit) => void;

  constructor(
    readonly execId: string,
    readonly paths: IoPaths,
    readonly spec?: OciProcess,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  markExited(exit: TaskExit): void {
    this.exit = exit;
    this.state = 'stopped';
    this.resolveExit(exit);
  }
}

/** A container the shim serves, with its init and execs. */
class TaskContainer {
  readonly execs = new Map<string, TaskProcess>();
  paused = false;
  constructor(
    readonly id: string,
    readonly bundle: string,
    readonly init: TaskProcess,
    readonly rootfsMounted: boolean,
  ) {}
}

/**
 * containerd.task.v2.Task over a {@link TaskRuntime}: containerd's view of processes (created,
 * running, stopped, paused), their stdio, the rootfs mounts and the task events. Register it on a
 * TtrpcServer with `server.register(Task, service)`.
 */
export class TaskService implements ServiceHandlers<TaskMethods> {
  private readonly containers = new Map<string, TaskContainer>();
  private readonly log: (message: string) => void;

  constructor(private readonly options: TaskServiceOptions) {
    this.log = options.log ?? (() => {});
  }

  /** Number of containers not yet deleted. */
  get size(): number {
    return this.containers.size;
  }

  /** The ids of the containers not yet deleted. */
  get ids(): string[] {
    return [...this.containers.keys()];
  }

  async create(req: CreateTaskRequest): Promise<Reply<typeof CreateTaskResponseSchema>> {
    if (!req.id) throw invalid('container id is empty');
    if (this.containers.has(req.id)) throw exists(`container ${req.id}: already exists`);
    if (req.checkpoint) throw unimplemented('restoring from a checkpoint is not supported');
    const { runtime, mounter, openIO, publisher } = this.options;
    const paths: IoPaths = { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal };
    const rootfs = join(req.bundle, 'rootfs');
    const mounted = req.rootfs.length > 0;
    if (mounted) {
      try {
        await mounter.mount(req.rootfs, rootfs);
      } catch (err) {
        throw new TtrpcError(Code.INTERNAL, `mount rootfs: ${(err as Error).message}`);
      }
    }
    let io: ProcessIO | undefined;
    try {
      io = await openIO(paths);
      const sandbox = await sandboxOf(req.bundle, req.id);
      const { pid } = await runtime.create(req.id, { bundle: req.bundle, stdio: io.fds, ...(sandbox ? { sandbox } : {}) });
      io.release();
      const init = new TaskProcess('', paths);
      init.pid = pid;
      init.io = io;
      const container = new TaskContainer(req.id, req.bundle, init, mounted);
      this.containers.set(req.id, container);
      publisher.publish(
        taskEvents.create({
          containerId: req.id,
          bundle: req.bundle,
          rootfs: req.rootfs,
          io: { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal },
          pid,
        }),
      );
      this.watch(container, init);
      return { pid };
    } catch (err) {
      await io?.close(0);
      if (mounted) await mounter.unmount(rootfs).catch(() => {});
      throw toTtrpcError(err);
    }
  }

  async start(req: StartRequest): Promise<Reply<typeof StartResponseSchema>> {
    const container = this.container(req.id);
    const p = this.process(container, req.execId);
    if (p.state !== 'created') {
      throw wrongState(`cannot start a ${req.execId ? 'process' : 'container'} that is ${p.state === 'running' ? 'already running' : 'stopped'}`);
    }
    const { runtime, publisher } = this.options;
    if (!req.execId) {
      let opened!: () => void;
      p.startGate = new Promise((resolve) => (opened = resolve));
      try {
        await runtime.start(container.id);
        p.state = 'running';
        publisher.publish(taskEvents.start(container.id, p.pid));
      } catch (err) {
        throw toTtrpcError(err);
      } finally {
        opened();
      }
      return { pid: p.pid };
    }
    if (container.init.state !== 'running') throw wrongState(`cannot exec in a container that is not running`);
    try {
      p.io = await this.options.openIO(p.paths);
      const { pid } = await runtime.exec(container.id, p.spec!, p.io.fds);
      p.io.release();
      p.pid = pid;
      p.state = 'running';
    } catch (err) {
      await p.io?.close(0);
      p.io = undefined;
      throw toTtrpcError(err);
    }
    publisher.publish(taskEvents.execStarted(container.id, p.execId, p.pid));
    this.watch(container, p);
    return { pid: p.pid };
  }

  async exec(req: ExecProcessRequest): Promise<Empty> {
    const container = this.container(req.id);
    if (!req.execId) throw invalid('exec id is empty');
    if (container.execs.has(req.execId)) throw exists(`id ${req.execId}: already exists`);
    if (container.init.state === 'stopped') throw wrongState(`container ${req.id} is stopped`);
    if (!req.spec) throw invalid('exec spec is missing');
    if (req.spec.typeUrl && !req.spec.typeUrl.endsWith(PROCESS_SPEC_TYPE_URL)) {
      throw invalid(`exec spec has type ${req.spec.typeUrl}, not ${PROCESS_SPEC_TYPE_URL}`);
    }
    const spec = parseProcessSpec(req.spec.value);
    if (typeof spec === 'string') throw invalid(spec);
    const paths: IoPaths = { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal };
    container.execs.set(req.execId, new TaskProcess(req.execId, paths, { ...spec, terminal: req.terminal }));
    this.options.publisher.publish(taskEvents.execAdded(container.id, req.execId));
    return {};
  }

  state(req: StateRequest): Reply<typeof StateResponseSchema> {
    const container = this.container(req.id);
    const p = this.process(container, req.execId);
    return {
      id: req.execId || container.id,
      execId: req.execId,
      bundle: container.bundle,
      pid: p.pid,
      status: this.statusOf(container, p),
      stdin: p.paths.stdin,
      stdout: p.paths.stdout,
      stderr: p.paths.stderr,
      terminal: p.paths.terminal,
      exitStatus: p.exit?.status ?? 0,
      ...(p.exit ? { exitedAt: timestampFromDate(p.exit.exitedAt) } : {}),
    };
  }

  async delete(req: DeleteRequest): Promise<Reply<typeof DeleteResponseSchema>> {
    const container = this.container(req.id);
    const p = this.process(container, req.execId);
    if (p.state === 'running') throw wrongState('cannot delete a running process');
    const exitedAt = p.exit?.exitedAt ?? new Date();
    const status = p.exit?.status ?? 0;
    if (req.execId) {
      container.execs.delete(req.execId);
      await p.io?.close();
      return { pid: p.pid, exitStatus: status, exitedAt: timestampFromDate(exitedAt) };
    }
    try {
      // Forced, so that a created container's init (which never ran) goes too.
      await this.options.runtime.delete(container.id, true);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'not-found') throw toTtrpcError(err);
    }
    // After the runtime let go of the pty slave, so that terminal output drains to its end.
    await p.io?.close();
    if (container.rootfsMounted) {
      await this.options.mounter.unmount(join(container.bundle, 'rootfs')).catch((err: Error) => this.log(`unmount rootfs of ${container.id}: ${err.message}`));
    }
    this.containers.delete(container.id);
    this.options.publisher.publish(taskEvents.delete(container.id, '', p.pid, status, exitedAt));
    return { pid: p.pid, exitStatus: status, exitedAt: timestampFromDate(exitedAt) };
  }

  async pids(req: PidsRequest): Promise<Reply<typeof PidsResponseSchema>> {
    const container = this.container(req.id);
    try {
      const pids = await this.options.runtime.pids(container.id);
      return { processes: pids.map((pid) => ({ pid })) };
    } catch (err) {
      throw toTtrpcError(err);
    }
  }

  async pause(req: PauseRequest): Promise<Empty> {
    const container = this.container(req.id);
    if (container.init.state !== 'running' || container.paused) throw wrongState(`container ${req.id} is not running`);
    await this.options.runtime.pause(container.id).catch((err: unknown) => Promise.reject(toTtrpcError(err)));
    container.paused = true;
    this.options.publisher.publish(taskEvents.paused(container.id));
    return {};
  }

  async resume(req: ResumeRequest): Promise<Empty> {
    const container = this.container(req.id);
    if (!container.paused) throw wrongState(`container ${req.id} is not paused`);
    await this.options.runtime.resume(container.id).catch((err: unknown) => Promise.reject(toTtrpcError(err)));
    container.paused = false;
    this.options.publisher.publish(taskEvents.resumed(container.id));
    return {};
  }

  checkpoint(_req: CheckpointTaskRequest): never {
    throw unimplemented('checkpoint is not supported');
  }

  async kill(req: KillRequest): Promise<Empty> {
    const container = this.container(req.id);
    const p = this.process(container, req.execId);
    if (p.state === 'stopped') throw notFound('process already finished');
    if (req.execId && p.state === 'created') throw wrongState(`process ${req.execId} was not started`);
    try {
      await this.options.runtime.kill(container.id, req.signal, {
        ...(req.all ? { all: true } : {}),
        ...(req.execId ? { pid: p.pid } : {}),
      });
    } catch (err) {
      throw toTtrpcError(err);
    }
    return {};
  }

  async resizePty(req: ResizePtyRequest): Promise<Empty> {
    const p = this.process(this.container(req.id), req.execId);
    if (!p.paths.terminal || !p.io) throw wrongState('the process has no terminal');
    await p.io.resize(req.width, req.height);
    return {};
  }

  closeIO(req: CloseIORequest): Empty {
    const p = this.process(this.container(req.id), req.execId);
    if (req.stdin) p.io?.closeStdin();
    return {};
  }

  async update(req: UpdateTaskRequest): Promise<Empty> {
    const container = this.container(req.id);
    if (!req.resources) throw invalid('resources are missing');
    let resources: unknown;
    try {
      resources = JSON.parse(Buffer.from(req.resources.value).toString('utf8'));
    } catch (err) {
      throw invalid(`resources are not JSON: ${(err as Error).message}`);
    }
    if (typeof resources !== 'object' || resources === null) throw invalid('resources must be a JSON object');
    await this.options.runtime
      .update(container.id, resources as Record<string, unknown>)
      .catch((err: unknown) => Promise.reject(toTtrpcError(err)));
    return {};
  }

  async wait(req: WaitRequest, call: CallContext): Promise<Reply<typeof WaitResponseSchema>> {
    const p = this.process(this.container(req.id), req.execId);
    const exit = await new Promise<TaskExit>((resolve, reject) => {
      const onAbort = () => reject(new TtrpcError(Code.CANCELLED, 'wait cancelled'));
      if (call.signal.aborted) return onAbort();
      call.signal.addEventListener('abort', onAbort, { once: true });
      void p.exited.then((e) => {
        call.signal.removeEventListener('abort', onAbort);
        resolve(e);
      });
    });
    return { exitStatus: exit.status, exitedAt: timestampFromDate(exit.exitedAt) };
  }

  stats(req: StatsRequest): never {
    this.container(req.id);
    throw unimplemented('stats: cgroups metrics are not supported');
  }

  connect(req: ConnectRequest): Reply<typeof ConnectResponseSchema> {
    return { shimPid: process.pid, taskPid: this.containers.get(req.id)?.init.pid ?? 0, version: '' };
  }

  shutdown(_req: ShutdownRequest): Empty {
    if (this.containers.size === 0 && this.options.onShutdown) {
      const done = this.options.onShutdown;
      // Reply first: the caller learns nothing if the process is gone before the answer.
      setImmediate(done);
    }
    return {};
  }

  private container(id: string): TaskContainer {
    const container = this.containers.get(id);
    if (!container) throw notFound(`container ${id}: container not created`);
    return container;
  }

  private process(container: TaskContainer, execId: string): TaskProcess {
    if (!execId) return container.init;
    const p = container.execs.get(execId);
    if (!p) throw notFound(`process ${execId} does not exist in container ${container.id}`);
    return p;
  }

  private statusOf(container: TaskContainer, p: TaskProcess): Status {
    if (p.state === 'created') return Status.CREATED;
    if (p.state === 'stopped') return Status.STOPPED;
    return container.paused ? Status.PAUSED : Status.RUNNING;
  }

  /** Waits for a process in the background and publishes its exit (after its start). */
  private watch(container: TaskContainer, p: TaskProcess): void {
    const { runtime, publisher } = this.options;
    runtime
      .wait(container.id, p.execId ? p.pid : undefined)
      .catch((err: unknown): TaskExit => {
        this.log(`wait ${container.id}/${p.execId || 'init'}: ${(err as Error).message}`);
        return { status: 255, exitedAt: new Date() };
      })
      .then(async (exit) => {
        await p.io?.exited();
        await p.startGate;
        p.markExited(exit);
        if (!p.execId) container.paused = false;
        publisher.publish(taskEvents.exit(container.id, p.execId || container.id, p.pid, exit.status, exit.exitedAt));
      })
      .catch((err: unknown) => this.log(`exit of ${container.id}: ${(err as Error).message}`));
  }
}

/**
 * The sandbox a container joins: the pod's sandbox container named by CRI's annotation, when that
 * is another container. A missing or unreadable config.json means no pod.
 */
async function sandboxOf(bundle: string, id: string): Promise<string | undefined> {
  try {
    const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { annotations?: Record<string, string> };
    const sandbox = config.annotations?.[SANDBOX_ANNOTATION];
    return sandbox && sandbox !== id ? sandbox : undefined;
  } catch {
    return undefined;
  }
}
