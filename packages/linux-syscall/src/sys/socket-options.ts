/**
 * Option levels and names of getsockopt(2) and setsockopt(2) (asm-generic/socket.h, netinet/in.h),
 * the socket buffer sizes Linux reports, and the SOL_SOCKET options every family keeps.
 *
 * @module
 */
import { Errno, KernelError } from '@rvisor/linux-object';

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

export const SO_DEBUG = 1;
export const SO_DONTROUTE = 5;
/** Read-only: Linux reports 1 and refuses to set it (ENOPROTOOPT). */
export const SO_SNDLOWAT = 19;

/** An option's key in a socket's store of options: its level and name. */
export const optionKey = (level: number, name: number): number => (level << 16) | name;

/**
 * An option kept only to be read back: its default, its valid range (EINVAL outside it), whether
 * reads see it as 0 or 1, and which sockets have it (by protocol; all when absent).
 */
export interface StoredOption {
  value: number;
  min?: number;
  max?: number;
  bool?: boolean;
  protocol?: number;
}

/**
 * SOL_SOCKET options every socket keeps, whatever its family (Linux's sock_setsockopt): none of
 * them changes what the kernel's sockets do here.
 */
const GENERIC = new Map<number, StoredOption>([
  [SO_REUSEADDR, { value: 0, bool: true }], // an inet socket's is its own field; AF_UNIX only keeps it
  [SO_DEBUG, { value: 0, bool: true }],
  [SO_DONTROUTE, { value: 0, bool: true }],
  [SO_BROADCAST, { value: 0, bool: true }],
  [SO_KEEPALIVE, { value: 0, bool: true }],
  [SO_OOBINLINE, { value: 0, bool: true }],
  [SO_PRIORITY, { value: 0, min: 0, max: 6 }],
  [SO_RCVLOWAT, { value: 1, min: 0 }],
]);

type OptionStore = ReadonlyMap<number, number | Uint8Array>;

/** getsockopt of a generic SOL_SOCKET option from `store`; undefined when `name` is not one. */
export function genericOption(store: OptionStore, name: number): Uint8Array | undefined {
  if (name === SO_SNDLOWAT) return int32(1);
  if (name === SO_LINGER) return (store.get(optionKey(SOL_SOCKET, name)) as Uint8Array | undefined)?.slice() ?? new Uint8Array(8);
  const option = GENERIC.get(name);
  if (option === undefined) return undefined;
  const v = (store.get(optionKey(SOL_SOCKET, name)) as number | undefined) ?? option.value;
  return int32(option.bool ? (v !== 0 ? 1 : 0) : v);
}

/** setsockopt of a generic SOL_SOCKET option into `store` (EINVAL out of range); false when `name` is not one. */
export function setGenericOption(store: Map<number, number | Uint8Array>, name: number, raw: Uint8Array): boolean {
  if (raw.length < 4) throw new KernelError(Errno.EINVAL);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getInt32(0, true);
  if (name === SO_LINGER) { // struct linger: l_onoff, read back as 0 or 1, and l_linger
    if (raw.length < 8) throw new KernelError(Errno.EINVAL);
    const linger = raw.slice(0, 8);
    linger.set(int32(v !== 0 ? 1 : 0));
    store.set(optionKey(SOL_SOCKET, name), linger);
    return true;
  }
  const option = GENERIC.get(name);
  if (option === undefined) return false;
  if (!option.bool && (v < (option.min ?? -0x8000_0000) || v > (option.max ?? 0x7fff_ffff))) throw new KernelError(Errno.EINVAL);
  store.set(optionKey(SOL_SOCKET, name), v);
  return true;
}
