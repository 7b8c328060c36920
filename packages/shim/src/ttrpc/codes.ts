/** gRPC status codes as ttrpc carries them in `google.rpc.Status.code`. */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

/** The code's name as gRPC spells it, for messages and logs. */
export function codeName(code: number): string {
  for (const [name, value] of Object.entries(Code)) if (value === code) return name;
  return `CODE_${code}`;
}

/**
 * An error a ttrpc method answers with: the server sends it as a `google.rpc.Status`, the client
 * throws it when a response carries one. containerd maps the code to its errdefs (NOT_FOUND →
 * ErrNotFound, UNIMPLEMENTED → ErrNotImplemented, …).
 */
export class TtrpcError extends Error {
  override name = 'TtrpcError';
  constructor(
    readonly code: Code | number,
    message: string,
  ) {
    super(message);
  }
}
