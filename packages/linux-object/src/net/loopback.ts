/**
 * A container's network: the loopback interface alone (127.0.0.0/8 and ::1), as a container of
 * its own network namespace has with no other interface set up. It keeps which sockets hold which
 * port, per protocol, and finds the socket a connection or datagram for an address reaches.
 *
 * @module
 */
import { Errno, KernelError } from '../errno.js';
import { NetlinkPorts } from './netlink-socket.js';
import { isAnyAddress, isIpv4, sameAddress, type InetAddress, type InetEndpoint } from './inet-address.js';

/** Protocols. */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_UDPLITE = 136;
/** ICMP and ICMPv6: the protocols of ping sockets (SOCK_DGRAM), whose "port" is the echo identifier. */
export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;

/**
 * net.ipv4.ping_group_range: the groups whose members may make ping sockets. Every group, as
 * Docker sets it for its containers (a fresh Linux network namespace allows none, and its ping
 * then needs a raw socket, which the sandbox does not offer).
 */
export const PING_GROUP_RANGE: readonly [number, number] = [0, 2147483647];

/** Linux's default net.ipv4.ip_local_port_range: where ports chosen for a socket come from. */
export const EPHEMERAL_FIRST = 32768;
export const EPHEMERAL_LAST = 60999;
/** The lowest port a process without CAP_NET_BIND_SERVICE may bind (net.ipv4.ip_unprivileged_port_start). */
export const UNPRIVILEGED_PORT_START = 1024;

/** What the network reads of a socket that holds a port. */
export interface PortHolder {
  readonly protocol: number;
  readonly local: InetEndpoint | null;
  /** SO_REUSEADDR. */
  readonly reuseAddr: boolean;
  /** SO_REUSEPORT. */
  readonly reusePort: boolean;
  /** IPV6_V6ONLY: a wildcard IPv6 socket that does not also take IPv4. */
  readonly v6Only: boolean;
  readonly listening: boolean;
  /** The owner's effective uid: SO_REUSEPORT shares a port only between sockets of one user. */
  readonly uid: number;
}

/** Whether the wildcard-or-not address of `h` takes traffic for `addr`. */
function takes(h: PortHolder, addr: InetAddress): boolean {
  const own = h.local!.addr;
  if (sameAddress(own, addr)) return true;
  if (!isAnyAddress(own)) return false;
  if (isIpv4(own)) return isIpv4(addr); // 0.0.0.0
  return !(h.v6Only && isIpv4(addr)); // ::
}

/** Whether two holders of one port would take some of the same traffic. */
function overlap(a: PortHolder, b: PortHolder): boolean {
  return takes(a, b.local!.addr) || takes(b, a.local!.addr);
}

/**
 * Whether `h` may hold `port` beside `other`, as Linux's bind conflict rules: overlapping
 * addresses need SO_REUSEPORT on both (one user), or SO_REUSEADDR on both — for TCP only while
 * `other` does not listen.
 */
function mayShare(h: PortHolder, other: PortHolder): boolean {
  if (h.reusePort && other.reusePort && h.uid === other.uid) return true;
  return h.reuseAddr && other.reuseAddr && (h.protocol !== IPPROTO_TCP || !other.listening);
}

export class LoopbackNetwork {
  /** The netlink sockets' port ids, which are per network namespace as ports are. */
  readonly netlinkPorts = new NetlinkPorts();
  /** Holders by protocol, then port. */
  readonly #ports = new Map<number, Map<number, Set<PortHolder>>>();

  #holders(protocol: number, port: number): Set<PortHolder> | undefined {
    return this.#ports.get(protocol)?.get(port);
  }

  /** Whether `h` at `addr`:`port` would conflict with a holder there (`share`: by the reuse options). */
  #conflicts(h: PortHolder, addr: InetAddress, port: number, share: boolean): boolean {
    const probe: PortHolder = {
      protocol: h.protocol, local: { addr, port }, reuseAddr: h.reuseAddr, reusePort: h.reusePort, v6Only: h.v6Only,
      listening: h.listening, uid: h.uid,
    };
    for (const other of this.#holders(h.protocol, port) ?? []) {
      if (other !== h && overlap(probe, other) && !(share && mayShare(probe, other))) return true;
    }
    return false;
  }

  /**
   * Hold `port` at `addr` for `h` (port 0: one from the ephemeral range); returns the endpoint,
   * which the caller makes `h.local`. EADDRINUSE if it is taken (or no ephemeral port is free).
   */
  bind(h: PortHolder, addr: InetAddress, port: number): InetEndpoint {
    if (port === 0) port = this.#freePort(h, addr);
    else if (this.#conflicts(h, addr, port, true)) throw new KernelError(Errno.EADDRINUSE);
    this.#add(h, port);
    return { addr, port };
  }

  /** Add `h`, an accepted connection, to its listener's port: it shares it without a check, as Linux's. */
  attach(h: PortHolder): void {
    this.#add(h, h.local!.port);
  }

  #add(h: PortHolder, port: number): void {
    let byPort = this.#ports.get(h.protocol);
    if (byPort === undefined) this.#ports.set(h.protocol, byPort = new Map());
    let holders = byPort.get(port);
    if (holders === undefined) byPort.set(port, holders = new Set());
    holders.add(h);
  }

  #freePort(h: PortHolder, addr: InetAddress): number {
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const port = EPHEMERAL_FIRST + ((start + i) % span);
      // A port chosen for a socket is one no overlapping socket holds, shared or not.
      if (!this.#conflicts(h, addr, port, false)) return port;
    }
    throw new KernelError(Errno.EADDRINUSE);
  }

  /** Every socket holding a port of `protocol`, by port. */
  holders(protocol: number): PortHolder[] {
    const byPort = this.#ports.get(protocol);
    if (byPort === undefined) return [];
    return [...byPort.keys()].sort((a, b) => a - b).flatMap((port) => [...byPort.get(port)!]);
  }

  /** Give up the port `h` holds. */
  release(h: PortHolder): void {
    if (h.local === null) return;
    const byPort = this.#ports.get(h.protocol);
    const holders = byPort?.get(h.local.port);
    if (holders === undefined || !holders.delete(h)) return;
    if (holders.size === 0) byPort!.delete(h.local.port);
  }

  /** listen(2)'s check: EADDRINUSE if another socket listens where `h` would, unless both share by SO_REUSEPORT. */
  checkListen(h: PortHolder): void {
    for (const other of this.#holders(h.protocol, h.local!.port) ?? []) {
      if (other === h || !other.listening || !overlap(h, other)) continue;
      if (!(h.reusePort && other.reusePort && h.uid === other.uid)) throw new KernelError(Errno.EADDRINUSE);
    }
  }

  /**
   * The socket traffic for `dest` reaches: of those holding its port (listening ones only, for
   * TCP), one bound to exactly that address, else a wildcard one that takes it.
   */
  find<T extends PortHolder>(protocol: number, dest: InetEndpoint): T | undefined {
    let wildcard: PortHolder | undefined;
    for (const h of this.#holders(protocol, dest.port) ?? []) {
      if (protocol === IPPROTO_TCP && !h.listening) continue;
      if (sameAddress(h.local!.addr, dest.addr)) return h as T;
      if (wildcard === undefined && takes(h, dest.addr)) wildcard = h;
    }
    return wildcard as T | undefined;
  }
}
