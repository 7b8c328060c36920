/**
 * Internet addresses as the loopback network keeps them: 16 bytes, an IPv4 address in its
 * IPv4-mapped IPv6 form (::ffff:a.b.c.d), so that one comparison serves both families and a
 * dual-stack IPv6 socket meets IPv4 peers as Linux's do.
 *
 * @module
 */

/** Address families. */
export const AF_INET = 2;
export const AF_INET6 = 10;

/** An address: 16 bytes, IPv4 as ::ffff:a.b.c.d. */
export type InetAddress = Uint8Array;

/** An address and a port: one end of a connection or a datagram's source. */
export interface InetEndpoint {
  readonly addr: InetAddress;
  readonly port: number;
}

/** The IPv4 address a.b.c.d, mapped. */
export function ipv4Address(a: number, b: number, c: number, d: number): InetAddress {
  return new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d]);
}

export const IPV4_ANY = ipv4Address(0, 0, 0, 0);
export const IPV4_LOOPBACK = ipv4Address(127, 0, 0, 1);
export const IPV6_ANY: InetAddress = new Uint8Array(16);
export const IPV6_LOOPBACK: InetAddress = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

/** Whether `a` is an IPv4 address (::ffff:a.b.c.d). */
export function isIpv4(a: InetAddress): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

export function sameAddress(a: InetAddress, b: InetAddress): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `a` is a wildcard: 0.0.0.0 or ::. */
export function isAnyAddress(a: InetAddress): boolean {
  return sameAddress(a, IPV4_ANY) || sameAddress(a, IPV6_ANY);
}

/** Whether `a` is on the loopback interface: 127.0.0.0/8 or ::1. */
export function isLoopbackAddress(a: InetAddress): boolean {
  return (isIpv4(a) && a[12] === 127) || sameAddress(a, IPV6_LOOPBACK);
}

/**
 * Where a connection or datagram for `a` goes, when `a` is this host's: the wildcard stands for
 * the loopback address of its family, as Linux routes a connect to 0.0.0.0 or ::. Undefined for
 * any other address: the loopback interface is the only one, so there is no route to it.
 */
export function localDestination(a: InetAddress): InetAddress | undefined {
  if (sameAddress(a, IPV4_ANY)) return IPV4_LOOPBACK;
  if (sameAddress(a, IPV6_ANY)) return IPV6_LOOPBACK;
  return isLoopbackAddress(a) ? a : undefined;
}

/** The source address a socket bound to `bound` sends from to `dest` (the route's, for a wildcard). */
export function sourceAddress(bound: InetAddress, dest: InetAddress): InetAddress {
  if (!isAnyAddress(bound)) return bound;
  return isIpv4(dest) ? IPV4_LOOPBACK : IPV6_LOOPBACK;
}
