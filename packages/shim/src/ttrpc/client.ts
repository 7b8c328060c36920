import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import net from 'node:net';
import { RequestSchema, ResponseSchema } from '../gen/ttrpc/ttrpc_pb.js';
import { Code, TtrpcError } from './codes.js';
import { encodeFrame, FrameReader, FrameType } from './frame.js';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';

/** Options of one client call. */
export interface CallOptions {
  /** Sent as `timeout_nano`, and the call fails with DEADLINE_EXCEEDED after it. */
  timeoutMs?: number;
  metadata?: Record<string, string>;
}

interface Pending {
  resolve: (payload: Uint8Array) => void;
  reject: (err: Error) => void;
}

/** A ttrpc client over one unix-socket connection; calls may overlap. */
export class TtrpcClient {
  private nextStreamId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (frame.type !== FrameType.Response) continue;
        const waiter = this.pending.get(frame.streamId);
        if (!waiter) continue;
        this.pending.delete(frame.streamId);
        try {
          const response = fromBinary(ResponseSchema, frame.data);
          if (response.status && response.status.code !== Code.OK) {
            waiter.reject(new TtrpcError(response.status.code, response.status.message));
          } else {
            waiter.resolve(response.payload);
          }
        } catch (err) {
          waiter.reject(err as Error);
        }
      }
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new TtrpcError(Code.UNAVAILABLE, 'ttrpc: closed')));
  }

  /** Connects to a unix socket path (a leading NUL names an abstract socket). */
  static connect(path: string): Promise<TtrpcClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new TtrpcClient(socket));
      });
    });
  }

  /** Calls a method by its local name (`forward` for `Forward`) and decodes the answer. */
  async call<S extends GenServiceMethods, K extends keyof S & string>(
    service: GenService<S>,
    method: K,
    request: MessageInitShape<S[K]['input']>,
    options: CallOptions = {},
  ): Promise<MessageShape<S[K]['output']>> {
    const desc = service.method[method];
    const payload = toBinary(desc.input, create(desc.input, request as MessageInitShape<DescMessage>));
    const answer = await this.callRaw(service.typeName, desc.name, payload, options);
    return fromBinary(desc.output, answer) as MessageShape<S[K]['output']>;
  }

  /** Sends an already encoded request payload and returns the raw response payload. */
  callRaw(service: string, method: string, payload: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    if (this.closedError) return Promise.reject(this.closedError);
    const streamId = this.nextStreamId;
    this.nextStreamId += 2;
    const request = create(RequestSchema, {
      service,
      method,
      payload,
      timeoutNano: BigInt(options.timeoutMs ?? 0) * 1_000_000n,
      metadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return new Promise<Uint8Array>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (fn: () => void) => {
        if (timer) clearTimeout(timer);
        fn();
      };
      this.pending.set(streamId, {
        resolve: (p) => done(() => resolve(p)),
        reject: (e) => done(() => reject(e)),
      });
      if (options.timeoutMs) {
        timer = setTimeout(() => {
          this.pending.delete(streamId);
          reject(new TtrpcError(Code.DEADLINE_EXCEEDED, `${service}/${method}: deadline exceeded`));
        }, options.timeoutMs);
      }
      this.socket.write(encodeFrame(streamId, FrameType.Request, toBinary(RequestSchema, request)));
    });
  }

  /** Writes a raw frame: for tests of servers' handling of bad frames. */
  writeFrame(streamId: number, type: number, data: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.pending.set(streamId, { resolve, reject });
      this.socket.write(encodeFrame(streamId, type, data));
    });
  }

  /** Closes the connection; pending calls fail with UNAVAILABLE. */
  close(): void {
    this.socket.destroy();
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const waiter of this.pending.values()) waiter.reject(this.closedError);
    this.pending.clear();
  }
}
