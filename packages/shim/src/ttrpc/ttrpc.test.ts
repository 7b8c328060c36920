import { create, toBinary } from '@bufbuild/protobuf';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Events as EventsService } from '../gen/github.com/containerd/containerd/api/services/ttrpc/events/v1/events_pb.js';
import { StateRequestSchema, Task as TaskService } from '../gen/github.com/containerd/containerd/runtime/v2/task/shim_pb.js';
import { RequestSchema, ResponseSchema } from '../gen/ttrpc/ttrpc_pb.js';
import { fromBinary } from '@bufbuild/protobuf';
import { Code, TtrpcClient, TtrpcError, TtrpcServer, FrameReader, encodeFrame, FrameType, MAX_MESSAGE_SIZE } from './index.js';

let dir: string;
let server: TtrpcServer;
let client: TtrpcClient;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ttrpc-'));
  server = new TtrpcServer();
});

afterEach(async () => {
  client?.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<void> {
  const path = join(dir, 's.sock');
  await server.listen(path);
  client = await TtrpcClient.connect(path);
}

function codeOf(promise: Promise<unknown>): Promise<number> {
  return promise.then(
    () => Code.OK,
    (err: unknown) => (err instanceof TtrpcError ? err.code : -1),
  );
}

describe('frames', () => {
  it('splits a stream cut anywhere into whole frames', () => {
    const bytes = Buffer.concat([encodeFrame(1, 1, Buffer.from('hello')), encodeFrame(3, 2, Buffer.alloc(0))]);
    const reader = new FrameReader();
    const frames = [...bytes].flatMap((b) => reader.push(Buffer.from([b])));
    expect(frames.map((f) => [f.streamId, f.type, Buffer.from(f.data).toString()])).toEqual([
      [1, 1, 'hello'],
      [3, 2, ''],
    ]);
  });

  it('encodes the header big-endian as containerd does', () => {
    expect(encodeFrame(3, FrameType.Request, new Uint8Array(0x28)).subarray(0, 10).toString('hex')).toBe('00000028000000030100');
  });
});

describe('ttrpc server and client', () => {
  it('calls a method and gets its answer', async () => {
    let seen = '';
    let namespace: string | undefined;
    server.register(EventsService, {
      forward(req, call) {
        seen = req.envelope?.topic ?? '';
        namespace = call.metadata.get('containerd-namespace-ttrpc');
        return {};
      },
    });
    await start();
    await client.call(EventsService, 'forward', { envelope: { topic: '/tasks/start' } }, {
      metadata: { 'containerd-namespace-ttrpc': 'default' },
    });
    expect(seen).toBe('/tasks/start');
    expect(namespace).toBe('default');
  });

  it('answers concurrent requests out of order, matched by stream id', async () => {
    const release: Array<() => void> = [];
    server.register(TaskService, {
      async state(req) {
        if (req.id === 'slow') await new Promise<void>((r) => release.push(r));
        return { id: req.id };
      },
    });
    await start();
    const slow = client.call(TaskService, 'state', { id: 'slow' });
    const fast = await client.call(TaskService, 'state', { id: 'fast' });
    expect(fast.id).toBe('fast');
    release[0]!();
    expect((await slow).id).toBe('slow');
  });

  it('answers UNIMPLEMENTED for an unknown service, method or a method without a handler', async () => {
    server.register(TaskService, {});
    await start();
    expect(await codeOf(client.callRaw('nope.Service', 'State', new Uint8Array()))).toBe(Code.UNIMPLEMENTED);
    expect(await codeOf(client.callRaw('containerd.task.v2.Task', 'Nope', new Uint8Array()))).toBe(Code.UNIMPLEMENTED);
    expect(await codeOf(client.call(TaskService, 'pause', { id: 'x' }))).toBe(Code.UNIMPLEMENTED);
  });

  it("sends a handler's TtrpcError as its status; other errors are UNKNOWN", async () => {
    server.register(TaskService, {
      state(req) {
        if (req.id === 'missing') throw new TtrpcError(Code.NOT_FOUND, 'container not created');
        throw new Error('boom');
      },
    });
    await start();
    await expect(client.call(TaskService, 'state', { id: 'missing' })).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      message: 'container not created',
    });
    await expect(client.call(TaskService, 'state', { id: 'x' })).rejects.toMatchObject({ code: Code.UNKNOWN, message: 'boom' });
  });

  it('rejects even stream ids with INVALID_ARGUMENT', async () => {
    server.register(TaskService, { state: (req) => ({ id: req.id }) });
    await start();
    const request = create(RequestSchema, {
      service: 'containerd.task.v2.Task',
      method: 'State',
      payload: toBinary(StateRequestSchema, create(StateRequestSchema, { id: 'a' })),
    });
    await expect(client.writeFrame(2, FrameType.Request, toBinary(RequestSchema, request))).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
    });
  });

  it('skips an oversize frame, answers RESOURCE_EXHAUSTED and keeps serving', async () => {
    server.register(TaskService, { state: (req) => ({ id: req.id }) });
    await start();
    const big = new Uint8Array(MAX_MESSAGE_SIZE + 1);
    await expect(client.writeFrame(101, FrameType.Request, big)).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    const answer = await client.call(TaskService, 'state', { id: 'after' });
    expect(answer.id).toBe('after');
  });

  it('aborts the handler signal when the deadline passes', async () => {
    let aborted: Promise<void> | undefined;
    server.register(TaskService, {
      wait(_req, call) {
        aborted = new Promise((r) => call.signal.addEventListener('abort', () => r()));
        return new Promise(() => {});
      },
    });
    await start();
    expect(await codeOf(client.call(TaskService, 'wait', { id: 'x' }, { timeoutMs: 20 }))).toBe(Code.DEADLINE_EXCEEDED);
    await aborted;
  });

  it('decodes a raw response as the wire shows it', () => {
    // From CONTAINERD-SHIM.md: ConnectResponse{shim_pid=task_pid=10143} in a ttrpc Response.
    const response = fromBinary(ResponseSchema, Buffer.from('1206089f4f109f4f', 'hex'));
    expect(response.status).toBeUndefined();
    expect(Buffer.from(response.payload).toString('hex')).toBe('089f4f109f4f');
  });
});
