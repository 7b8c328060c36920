import type { DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';

/** What a method handler learns about its call besides the request. */
export interface CallContext {
  /** The request's metadata (containerd sends none to shims; it sends the namespace on events). */
  metadata: ReadonlyMap<string, string>;
  /** Aborted when the deadline (`timeout_nano`) passes or the connection closes. */
  signal: AbortSignal;
}

/** A handler for one unary method. */
export type MethodHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  call: CallContext,
) => Promise<MessageInitShape<O>> | MessageInitShape<O>;

/**
 * Handlers for a generated service, keyed by the method's local name (`create`, `state`, …).
 * A missing handler answers UNIMPLEMENTED.
 */
export type ServiceHandlers<S extends GenServiceMethods> = {
  [K in keyof S]?: MethodHandler<S[K]['input'], S[K]['output']>;
};

/** A generated service descriptor, as `register` and the client take it. */
export type AnyService = GenService<GenServiceMethods>;
