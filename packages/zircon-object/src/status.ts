/**
 * Zircon status codes and the error class of this layer.
 *
 * The Linux layer translates them to errno at its boundary; {@link PageFaultError} becomes EFAULT.
 *
 * @module
 */

/** Zircon status codes (`zx_status_t`), values as in Fuchsia's `zircon/errors.h`. */
export const ZxStatus = {
  OK: 0,
  ERR_INTERNAL: -1,
  ERR_NOT_SUPPORTED: -2,
  ERR_NO_RESOURCES: -3,
  ERR_NO_MEMORY: -4,
  ERR_INTERNAL_INTR_RETRY: -6,
  ERR_INVALID_ARGS: -10,
  ERR_BAD_HANDLE: -11,
  ERR_WRONG_TYPE: -12,
  ERR_BAD_SYSCALL: -13,
  ERR_OUT_OF_RANGE: -14,
  ERR_BUFFER_TOO_SMALL: -15,
  ERR_BAD_STATE: -20,
  ERR_TIMED_OUT: -21,
  ERR_SHOULD_WAIT: -22,
  ERR_CANCELED: -23,
  ERR_PEER_CLOSED: -24,
  ERR_NOT_FOUND: -25,
  ERR_ALREADY_EXISTS: -26,
  ERR_ALREADY_BOUND: -27,
  ERR_UNAVAILABLE: -28,
  ERR_ACCESS_DENIED: -30,
  ERR_IO: -40,
} as const;

/** A Zircon status code. */
export type ZxStatus = (typeof ZxStatus)[keyof typeof ZxStatus];

const statusNames = new Map<number, string>(Object.entries(ZxStatus).map(([k, v]) => [v, k]));

/** The name of a status code, e.g. `ERR_BAD_HANDLE`. */
export function statusName(status: ZxStatus): string {
  return statusNames.get(status) ?? `status ${status}`;
}

/** An operation on a kernel object failed with `status`. */
export class ZxError extends Error {
  readonly status: ZxStatus;

  constructor(status: ZxStatus, message?: string) {
    super(message ? `${statusName(status)}: ${message}` : statusName(status));
    this.name = 'ZxError';
    this.status = status;
  }
}

/**
 * A guest memory access touched an unmapped byte or lacked permission. Status
 * `ERR_ACCESS_DENIED`; the Linux layer answers EFAULT.
 */
export class PageFaultError extends ZxError {
  /** The first guest address that could not be accessed. */
  readonly addr: number;
  /** What the kernel tried to do. */
  readonly access: 'read' | 'write';

  constructor(addr: number, access: 'read' | 'write') {
    super(ZxStatus.ERR_ACCESS_DENIED, `page fault on ${access} at 0x${Number.isFinite(addr) ? addr.toString(16) : String(addr)}`);
    this.name = 'PageFaultError';
    this.addr = addr;
    this.access = access;
  }
}
