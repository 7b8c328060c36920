import { fromBinary } from '@bufbuild/protobuf';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskExitSchema } from '../gen/github.com/containerd/containerd/api/events/task_pb.js';
import { Status } from '../gen/github.com/containerd/containerd/api/types/task/task_pb.js';
import { Task } from '../gen/github.com/containerd/containerd/runtime/v2/task/shim_pb.js';
import { Code, TtrpcClient, TtrpcError, TtrpcServer } from '../ttrpc/index.js';
import { MemoryPublisher } from './events.js';
import { PROCESS_SPEC_TYPE_URL } from './exec-spec.js';
import { FakeRuntime } from './fake-runtime.js';
import { nullIO } from './io.js';
import { noMounter } from './mount.js';
import { TaskService } from './service.js';

let dir: string;
let runtime: FakeRuntime;
let events: MemoryPublisher;
let server: TtrpcServer;
let client: TtrpcClient;
let shutdowns: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shim-task-'));
  runtime = new FakeRuntime();
  events = new MemoryPublisher();
  shutdowns = 0;
  const service = new TaskService({
    runtime,
    publisher: events,
    openIO: async () => nullIO(),
    mounter: noMounter,
    onShutdown: () => shutdowns++,
  });
  server = new TtrpcServer();
  server.register(Task, service);
  await server.listen(join(dir, 'shim.sock'));
  client = await TtrpcClient.connect(join(dir, 'shim.sock'));
});

afterEach(async () => {
  client.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (process: unknown) => ({ typeUrl: PROCESS_SPEC_TYPE_URL, value: Buffer.from(JSON.stringify(process)) });

async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return Code.OK;
  } catch (err) {
    return err instanceof TtrpcError ? err.code : -1;
  }
}

async function createStarted(id = 'c1'): Promise<number> {
  const { pid } = await client.call(Task, 'create', { id, bundle: dir });
  await client.call(Task, 'start', { id });
  return pid;
}

/** Lets the background exit watchers run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('Task service lifecycle', () => {
  it('runs create, start, wait, delete with the events in containerd order', async () => {
    const pid = await createStarted();
    expect(pid).toBeGreaterThan(0);
    expect((await client.call(Task, 'state', { id: 'c1' })).status).toBe(Status.RUNNING);
    const waited = client.call(Task, 'wait', { id: 'c1' });
    runtime.exit('c1', 7);
    expect((await waited).exitStatus).toBe(7);
    const state = await client.call(Task, 'state', { id: 'c1' });
    expect([state.status, state.exitStatus, state.pid]).toEqual([Status.STOPPED, 7, pid]);
    expect(state.exitedAt).toBeDefined();
    const deleted = await client.call(Task, 'delete', { id: 'c1' });
    expect([deleted.pid, deleted.exitStatus]).toEqual([pid, 7]);
    expect(events.topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
    expect(events.events[0]!.typeUrl).toBe('containerd.events.TaskCreate');
    const exit = fromBinary(TaskExitSchema, events.events[2]!.value);
    expect([exit.containerId, exit.id, exit.pid, exit.exitStatus]).toEqual(['c1', 'c1', pid, 7]);
    expect(runtime.calls).toContain('delete c1 force');
  });

  it('reports a created task as CREATED with its pid, and omits exited_at', async () => {
    const { pid } = await client.call(Task, 'create', { id: 'c1', bundle: dir, stdout: '' });
    const state = await client.call(Task, 'state', { id: 'c1' });
    expect([state.status, state.pid, state.exitedAt]).toEqual([Status.CREATED, pid, undefined]);
  });

  it('publishes Start before Exit even when init exits during Start', async () => {
    await client.call(Task, 'create', { id: 'c1', bundle: dir });
    const start = runtime.start.bind(runtime);
    runtime.start = async (id) => {
      await start(id);
      runtime.exit(id, 0);
      await settle();
    };
    await client.call(Task, 'start', { id: 'c1' });
    await client.call(Task, 'wait', { id: 'c1' });
    expect(events.topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit']);
  });

  it('gives a signal death exit status 128+signo', async () => {
    await createStarted();
    await client.call(Task, 'kill', { id: 'c1', signal: 15 });
    expect((await client.call(Task, 'wait', { id: 'c1' })).exitStatus).toBe(143);
  });

  it('passes kill --all to the runtime', async () => {
    await createStarted();
    await client.call(Task, 'kill', { id: 'c1', signal: 9, all: true });
    expect(runtime.calls).toContain('kill c1 9 all');
  });

  it('pauses and resumes with events and PAUSED state', async () => {
    await createStarted();
    await client.call(Task, 'pause', { id: 'c1' });
    expect((await client.call(Task, 'state', { id: 'c1' })).status).toBe(Status.PAUSED);
    await client.call(Task, 'resume', { id: 'c1' });
    expect((await client.call(Task, 'state', { id: 'c1' })).status).toBe(Status.RUNNING);
    expect(events.topics.slice(2)).toEqual(['/tasks/paused', '/tasks/resumed']);
  });

  it('lists pids and applies updates', async () => {
    const pid = await createStarted();
    expect((await client.call(Task, 'pids', { id: 'c1' })).processes.map((p) => p.pid)).toEqual([pid]);
    await client.call(Task, 'update', {
      id: 'c1',
      resources: { typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources', value: Buffer.from('{"pids":{"limit":5}}') },
    });
    expect(runtime.calls).toContain('update c1 {"pids":{"limit":5}}');
  });

  it('answers Connect with its own pid and the task pid', async () => {
    const pid = await createStarted();
    const reply = await client.call(Task, 'connect', { id: 'c1' });
    expect([reply.shimPid, reply.taskPid]).toEqual([process.pid, pid]);
    expect((await client.call(Task, 'connect', { id: 'other' })).taskPid).toBe(0);
  });

  it('shuts down only when no container is left', async () => {
    await createStarted();
    await client.call(Task, 'shutdown', { id: 'c1' });
    await settle();
    expect(shutdowns).toBe(0);
    runtime.exit('c1', 0);
    await client.call(Task, 'wait', { id: 'c1' });
    await client.call(Task, 'delete', { id: 'c1' });
    await client.call(Task, 'shutdown', { id: 'c1' });
    await settle();
    expect(shutdowns).toBe(1);
  });

  it('passes the pod sandbox named by the CRI annotation', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ annotations: { 'io.kubernetes.cri.sandbox-id': 'pod1' } }));
    await client.call(Task, 'create', { id: 'c1', bundle: dir });
    expect(runtime.containers.get('c1')?.sandbox).toBe('pod1');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ annotations: { 'io.kubernetes.cri.sandbox-id': 'pod1' } }));
    await client.call(Task, 'create', { id: 'pod1', bundle: dir });
    expect(runtime.containers.get('pod1')?.sandbox).toBeUndefined();
  });
});

describe('Task service execs', () => {
  it('adds, starts, waits and deletes an exec with its events', async () => {
    await createStarted();
    await client.call(Task, 'exec', { id: 'c1', execId: 'e1', spec: spec({ args: ['/bin/true'], cwd: '/' }) });
    expect((await client.call(Task, 'state', { id: 'c1', execId: 'e1' })).status).toBe(Status.CREATED);
    const { pid } = await client.call(Task, 'start', { id: 'c1', execId: 'e1' });
    expect(runtime.calls).toContain('exec c1 /bin/true');
    runtime.exit('c1', 3, pid);
    expect((await client.call(Task, 'wait', { id: 'c1', execId: 'e1' })).exitStatus).toBe(3);
    const state = await client.call(Task, 'state', { id: 'c1', execId: 'e1' });
    expect([state.id, state.execId, state.status]).toEqual(['e1', 'e1', Status.STOPPED]);
    expect((await client.call(Task, 'delete', { id: 'c1', execId: 'e1' })).exitStatus).toBe(3);
    expect(await codeOf(client.call(Task, 'state', { id: 'c1', execId: 'e1' }))).toBe(Code.NOT_FOUND);
    expect(events.topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exec-added', '/tasks/exec-started', '/tasks/exit']);
    expect(fromBinary(TaskExitSchema, events.events[4]!.value).id).toBe('e1');
  });

  it('signals an exec by its pid', async () => {
    await createStarted();
    await client.call(Task, 'exec', { id: 'c1', execId: 'e1', spec: spec({ args: ['sh'] }) });
    const { pid } = await client.call(Task, 'start', { id: 'c1', execId: 'e1' });
    await client.call(Task, 'kill', { id: 'c1', execId: 'e1', signal: 9 });
    expect(runtime.calls).toContain(`kill c1 9 pid=${pid}`);
    expect((await client.call(Task, 'wait', { id: 'c1', execId: 'e1' })).exitStatus).toBe(137);
  });
});

describe('Task service errors', () => {
  it('answers NOT_FOUND for an unknown container or exec', async () => {
    for (const call of [
      client.call(Task, 'state', { id: 'nope' }),
      client.call(Task, 'start', { id: 'nope' }),
      client.call(Task, 'kill', { id: 'nope', signal: 9 }),
      client.call(Task, 'delete', { id: 'nope' }),
      client.call(Task, 'wait', { id: 'nope' }),
      client.call(Task, 'pids', { id: 'nope' }),
    ]) {
      expect(await codeOf(call)).toBe(Code.NOT_FOUND);
    }
    await createStarted();
    await expect(client.call(Task, 'state', { id: 'c1', execId: 'e9' })).rejects.toMatchObject({ code: Code.NOT_FOUND });
  });

  it('answers FAILED_PRECONDITION for a call in the wrong state', async () => {
    await createStarted();
    expect(await codeOf(client.call(Task, 'start', { id: 'c1' }))).toBe(Code.FAILED_PRECONDITION);
    await expect(client.call(Task, 'delete', { id: 'c1' })).rejects.toMatchObject({
      code: Code.FAILED_PRECONDITION,
      message: 'cannot delete a running process',
    });
    expect(await codeOf(client.call(Task, 'resume', { id: 'c1' }))).toBe(Code.FAILED_PRECONDITION);
    await client.call(Task, 'exec', { id: 'c1', execId: 'e1', spec: spec({ args: ['sh'] }) });
    expect(await codeOf(client.call(Task, 'kill', { id: 'c1', execId: 'e1', signal: 9 }))).toBe(Code.FAILED_PRECONDITION);
  });

  it('answers NOT_FOUND for killing a finished process', async () => {
    await createStarted();
    runtime.exit('c1', 0);
    await client.call(Task, 'wait', { id: 'c1' });
    await expect(client.call(Task, 'kill', { id: 'c1', signal: 9 })).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      message: 'process already finished',
    });
  });

  it('answers ALREADY_EXISTS for a duplicate container or exec id', async () => {
    await createStarted();
    expect(await codeOf(client.call(Task, 'create', { id: 'c1', bundle: dir }))).toBe(Code.ALREADY_EXISTS);
    await client.call(Task, 'exec', { id: 'c1', execId: 'e1', spec: spec({ args: ['sh'] }) });
    expect(await codeOf(client.call(Task, 'exec', { id: 'c1', execId: 'e1', spec: spec({ args: ['sh'] }) }))).toBe(
      Code.ALREADY_EXISTS,
    );
  });

  it('answers INVALID_ARGUMENT for a malformed exec spec', async () => {
    await createStarted();
    const bad = [
      { typeUrl: PROCESS_SPEC_TYPE_URL, value: Buffer.from('{not json') },
      spec({ args: [] }),
      spec({ args: ['sh'], cwd: 'relative' }),
      spec({ args: ['sh'], user: { uid: 'root' } }),
      { typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/Spec', value: Buffer.from('{"args":["sh"]}') },
    ];
    for (const s of bad) {
      expect(await codeOf(client.call(Task, 'exec', { id: 'c1', execId: 'e1', spec: s }))).toBe(Code.INVALID_ARGUMENT);
    }
    expect(await codeOf(client.call(Task, 'exec', { id: 'c1', execId: 'e1' }))).toBe(Code.INVALID_ARGUMENT);
  });

  it('answers UNIMPLEMENTED for checkpoint and stats', async () => {
    await createStarted();
    expect(await codeOf(client.call(Task, 'checkpoint', { id: 'c1' }))).toBe(Code.UNIMPLEMENTED);
    expect(await codeOf(client.call(Task, 'stats', { id: 'c1' }))).toBe(Code.UNIMPLEMENTED);
  });

  it('maps runtime errors to gRPC codes', async () => {
    await client.call(Task, 'create', { id: 'c1', bundle: dir });
    runtime.start = () => Promise.reject(Object.assign(new Error('cannot start a container that has stopped'), { code: 'wrong-state' }));
    await expect(client.call(Task, 'start', { id: 'c1' })).rejects.toMatchObject({
      code: Code.FAILED_PRECONDITION,
      message: 'cannot start a container that has stopped',
    });
  });
});
