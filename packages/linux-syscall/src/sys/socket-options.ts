/**
 * Option levels and names of getsockopt(2) and setsockopt(2) (asm-generic/socket.h, netinet/in.h),
 * and the socket buffer sizes Linux reports.
 *
 * @module
 */
export const SOL_SOCKET = 1;
export const SOL_IP = 0;
export const SOL_TCP = 6;
export const SOL_IPV6 = 41;

export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_OOBINLINE = 10;
export const SO_PRIORITY = 12;
export const SO_LINGER = 13;
export const SO_REUSEPORT = 15;
export const SO_PASSCRED = 16;
export const SO_PEERCRED = 17;
export const SO_RCVLOWAT = 18;
export const SO_ACCEPTCONN = 30;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;

/** Linux's smallest buffers (SOCK_MIN_SNDBUF, SOCK_MIN_RCVBUF) on x86-64. */
export const MIN_SNDBUF = 4608;
export const MIN_RCVBUF = 2304;
/** net.core.wmem_max and rmem_max, which are also the defaults: the most SO_SNDBUF and SO_RCVBUF grant (then doubled). */
export const BUFFER_MAX = 212_992;

/** The size SO_SNDBUF or SO_RCVBUF sets for `asked`: doubled (Linux's bookkeeping) within [min, 2 × BUFFER_MAX]. */
export function bufferSize(asked: number, min: number): number {
  return Math.max(min, Math.min(Math.max(asked, 0), BUFFER_MAX) * 2);
}

/** A 32-bit option value as getsockopt stores it. */
export function int32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, n, true);
  return out;
}
