export { Code, TtrpcError, codeName } from './codes.js';
export { TtrpcServer } from './server.js';
export type { TtrpcServerOptions } from './server.js';
export { TtrpcClient } from './client.js';
export type { CallOptions } from './client.js';
export type { CallContext, MethodHandler, ServiceHandlers, AnyService } from './service.js';
export { encodeFrame, FrameReader, FrameType, HEADER_SIZE, MAX_MESSAGE_SIZE } from './frame.js';
export type { Frame } from './frame.js';
