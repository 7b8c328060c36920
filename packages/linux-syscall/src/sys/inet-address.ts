/**
 * AF_INET and AF_INET6 addresses: decoding `struct sockaddr_in` and `struct sockaddr_in6` as
 * Linux's inet_bind, inet6_bind and the connects check them, and encoding them back.
 *
 * @module
 */
import { AF_INET, Errno, KernelError, ipv4Address, isIpv4, type InetEndpoint } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

export const AF_UNSPEC = 0;
/** sizeof(struct sockaddr_in). */
const SOCKADDR_IN_SIZE = 16;
/** sizeof(struct sockaddr_in6) and the older size without sin6_scope_id, which Linux accepts. */
const SOCKADDR_IN6_SIZE = 28;
const SIN6_LEN_RFC2133 = 24;
/** sizeof(struct sockaddr_storage): longer addresses are refused before they are read. */
const SOCKADDR_STORAGE_SIZE = 128;

/** The family an address argument names (AF_UNSPEC for one too short to say). */
export function addressFamily(ctx: SyscallContext, addr: number, len: number): number {
  if (len < 2) return AF_UNSPEC;
  const raw = ctx.mem.read(addr, 2);
  return raw[0] | (raw[1] << 8);
}

/**
 * Read the address of family `family` at `addr` of `len` bytes: EINVAL when it is too short
 * (or longer than any address), EAFNOSUPPORT when it is of another family. `unspecAny`: an
 * AF_UNSPEC address of 0.0.0.0 counts as AF_INET, as inet_bind accepts for old programs.
 */
export function readInetAddress(ctx: SyscallContext, family: number, addr: number, len: number, unspecAny = false): InetEndpoint {
  const min = family === AF_INET ? SOCKADDR_IN_SIZE : SIN6_LEN_RFC2133;
  if (len < min || len > SOCKADDR_STORAGE_SIZE) throw new KernelError(Errno.EINVAL);
  const raw = ctx.mem.read(addr, min);
  const given = raw[0] | (raw[1] << 8);
  const port = (raw[2] << 8) | raw[3];
  if (family === AF_INET) {
    const a = ipv4Address(raw[4], raw[5], raw[6], raw[7]);
    const unspecOk = unspecAny && given === AF_UNSPEC && raw[4] === 0 && raw[5] === 0 && raw[6] === 0 && raw[7] === 0;
    if (given !== AF_INET && !unspecOk) throw new KernelError(Errno.EAFNOSUPPORT);
    return { addr: a, port };
  }
  if (given !== family) throw new KernelError(Errno.EAFNOSUPPORT);
  return { addr: raw.slice(8, 24), port };
}

/** The sockaddr_in or sockaddr_in6 of `e` (null: the family's wildcard, port 0). */
export function encodeInetAddress(family: number, e: InetEndpoint | null): Uint8Array {
  const out = new Uint8Array(family === AF_INET ? SOCKADDR_IN_SIZE : SOCKADDR_IN6_SIZE);
  out[0] = family;
  if (e === null) return out;
  out[2] = e.port >> 8;
  out[3] = e.port & 0xff;
  if (family === AF_INET) {
    if (isIpv4(e.addr)) out.set(e.addr.subarray(12), 4);
  } else {
    out.set(e.addr, 8);
  }
  return out;
}
