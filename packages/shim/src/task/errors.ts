import { Code, TtrpcError } from '../ttrpc/codes.js';

/** runrsc's RuntimeError codes and the gRPC code containerd expects for each. */
const RUNTIME_CODES: Record<string, number> = {
  'not-found': Code.NOT_FOUND,
  exists: Code.ALREADY_EXISTS,
  'wrong-state': Code.FAILED_PRECONDITION,
  invalid: Code.INVALID_ARGUMENT,
  unavailable: Code.UNAVAILABLE,
  internal: Code.INTERNAL,
};

/** Turns a runtime failure into the ttrpc error containerd maps to its errdefs. */
export function toTtrpcError(err: unknown): TtrpcError {
  if (err instanceof TtrpcError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  return new TtrpcError(typeof code === 'string' ? (RUNTIME_CODES[code] ?? Code.UNKNOWN) : Code.UNKNOWN, message);
}

export const notFound = (message: string) => new TtrpcError(Code.NOT_FOUND, message);
export const wrongState = (message: string) => new TtrpcError(Code.FAILED_PRECONDITION, message);
export const invalid = (message: string) => new TtrpcError(Code.INVALID_ARGUMENT, message);
export const exists = (message: string) => new TtrpcError(Code.ALREADY_EXISTS, message);
export const unimplemented = (message: string) => new TtrpcError(Code.UNIMPLEMENTED, message);
