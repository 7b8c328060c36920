import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMethod } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import net from 'node:net';
import { RequestSchema, ResponseSchema } from '../gen/ttrpc/ttrpc_pb.js';
import type { Request } from '../gen/ttrpc/ttrpc_pb.js';
import { Code, TtrpcError } from './codes.js';
import { encodeFrame, FrameReader, FrameType, MAX_MESSAGE_SIZE } from './frame.js';
import type { Frame } from './frame.js';
import type { CallContext, MethodHandler, ServiceHandlers } from './service.js';

type AnyHandler = MethodHandler<DescMethod['input'], DescMethod['output']>;

interface Route {
  method: DescMethod;
  handler?: AnyHandler;
}

/** Options of {@link TtrpcServer}. */
export interface TtrpcServerOptions {
  /** Called with a one-line description of every failed call and connection error. */
  log?: (message: string) => void;
  /** Called as each call starts (code -1) and ends (its gRPC code): for debug logs. */
  onCall?: (service: string, method: string, code: number) => void;
}

/**
 * A ttrpc server (the unary protocol of ttrpc 1.1, which containerd 1.6 speaks). Requests on one
 * connection run concurrently; each response carries its request's stream id.
 */
export class TtrpcServer {
  private readonly services = new Map<string, Map<string, Route>>();
  private readonly sockets = new Set<net.Socket>();
  private readonly log: (message: string) => void;
  private readonly onCall: (service: string, method: string, code: number) => void;
  /** The underlying listener; `listen` starts it. */
  readonly server: net.Server;

  constructor(options: TtrpcServerOptions = {}) {
    this.log = options.log ?? (() => {});
    this.onCall = options.onCall ?? (() => {});
    this.server = net.createServer((socket) => this.serve(socket));
  }

  /** Serves a generated service; methods without a handler answer UNIMPLEMENTED. */
  register<S extends GenServiceMethods>(service: GenService<S>, handlers: ServiceHandlers<S>): void {
    const routes = new Map<string, Route>();
    for (const method of service.methods) {
      const handler = (handlers as Record<string, AnyHandler | undefined>)[method.localName];
      // Handlers may be methods of a class instance: keep their `this`.
      routes.set(method.name, { method, handler: handler?.bind(handlers) });
    }
    this.services.set(service.typeName, routes);
  }

  /** Listens on a unix socket path (a leading NUL names an abstract socket). */
  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Number of open client connections. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }

  /** Serves one connection (also usable with a socket from elsewhere). */
  serve(socket: net.Socket): void {
    this.sockets.add(socket);
    const reader = new FrameReader();
    const closed = new AbortController();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) void this.onFrame(socket, frame, closed.signal);
    });
    socket.on('error', (err) => this.log(`ttrpc connection: ${err.message}`));
    socket.on('close', () => {
      this.sockets.delete(socket);
      closed.abort();
    });
  }

  private async onFrame(socket: net.Socket, frame: Frame, closed: AbortSignal): Promise<void> {
    if (frame.type !== FrameType.Request) return; // ttrpc 1.1 ignores other types
    let payload: Uint8Array;
    let request: Request | undefined;
    try {
      if (frame.streamId % 2 === 0) {
        throw new TtrpcError(Code.INVALID_ARGUMENT, `StreamID must be odd for client initiated streams`);
      }
      if (frame.oversize) {
        throw new TtrpcError(Code.RESOURCE_EXHAUSTED, `message length exceeds maximum message size of ${MAX_MESSAGE_SIZE}`);
      }
      try {
        request = fromBinary(RequestSchema, frame.data);
      } catch {
        throw new TtrpcError(Code.INVALID_ARGUMENT, 'malformed ttrpc request');
      }
      payload = await this.dispatch(request, closed);
      if (payload.length > MAX_MESSAGE_SIZE) {
        throw new TtrpcError(Code.RESOURCE_EXHAUSTED, `response exceeds maximum message size of ${MAX_MESSAGE_SIZE}`);
      }
      this.send(socket, frame.streamId, toBinary(ResponseSchema, create(ResponseSchema, { payload })));
      this.onCall(request.service, request.method, Code.OK);
    } catch (err) {
      const status = errorStatus(err);
      this.onCall(request?.service ?? '', request?.method ?? '', status.code);
      if (status.code === Code.UNKNOWN || status.code === Code.INTERNAL) this.log(`ttrpc call failed: ${status.message}`);
      this.send(socket, frame.streamId, toBinary(ResponseSchema, create(ResponseSchema, { status })));
    }
  }

  private async dispatch(request: Request, closed: AbortSignal): Promise<Uint8Array> {
    const routes = this.services.get(request.service);
    if (!routes) throw new TtrpcError(Code.UNIMPLEMENTED, `service ${request.service}`);
    const route = routes.get(request.method);
    if (!route) throw new TtrpcError(Code.UNIMPLEMENTED, `method ${request.method}`);
    if (!route.handler) throw new TtrpcError(Code.UNIMPLEMENTED, `${request.method} not implemented`);
    this.onCall(request.service, request.method, -1);
    let input;
    try {
      input = fromBinary(route.method.input, request.payload);
    } catch {
      throw new TtrpcError(Code.INVALID_ARGUMENT, `malformed ${route.method.input.typeName}`);
    }
    const signals = [closed];
    if (request.timeoutNano > 0n) signals.push(AbortSignal.timeout(Number(request.timeoutNano / 1_000_000n)));
    const call: CallContext = {
      metadata: new Map(request.metadata.map((kv) => [kv.key, kv.value])),
      signal: AbortSignal.any(signals),
    };
    const output = await route.handler(input, call);
    return toBinary(route.method.output, create(route.method.output, output));
  }

  private send(socket: net.Socket, streamId: number, data: Uint8Array): void {
    if (!socket.destroyed) socket.write(encodeFrame(streamId, FrameType.Response, data));
  }
}

/** The google.rpc.Status an error becomes on the wire. */
function errorStatus(err: unknown): { code: number; message: string } {
  if (err instanceof TtrpcError) return { code: err.code, message: err.message };
  return { code: Code.UNKNOWN, message: err instanceof Error ? err.message : String(err) };
}
