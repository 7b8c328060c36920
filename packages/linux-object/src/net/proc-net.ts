/**
 * /proc/net/{tcp,tcp6,udp,udp6,unix,dev}: the container's sockets and interfaces as Linux lists
 * them, which netstat, ss's fallback, lsof and psutil read.
 *
 * @module
 */
import { bytesToString } from '@rvisor/zircon-object';
import type { LiveUnixSocket } from '../fs/unix-socket-table.js';
import { SOCK_DGRAM, isAbstractAddress, type UnixAddress, type UnixSocket } from '../fs/unix-socket.js';
import { AF_INET, isIpv4, type InetEndpoint } from './inet-address.js';
import { InetSocket } from './inet-socket.js';
import { IPPROTO_TCP, type LoopbackNetwork } from './loopback.js';

// TCP states as /proc/net/tcp numbers them.
const TCP_ESTABLISHED = 0x01;
const TCP_CLOSE = 0x07;
const TCP_LISTEN = 0x0a;

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** A 32-bit word of an address in host (little-endian) order, as Linux prints it. */
function word(a: Uint8Array, at: number): string {
  return hex(((a[at + 3] << 24) | (a[at + 2] << 16) | (a[at + 1] << 8) | a[at]) >>> 0, 8);
}

function address(e: InetEndpoint | null, family: number): string {
  const a = e?.addr ?? new Uint8Array(16);
  const port = hex(e?.port ?? 0, 4);
  if (family === AF_INET) return `${isIpv4(a) ? word(a, 12) : '00000000'}:${port}`;
  return `${word(a, 0)}${word(a, 4)}${word(a, 8)}${word(a, 12)}:${port}`;
}

const HEADERS = {
  v4: '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  v6: '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
};

/** The lines of /proc/net/tcp (or udp, tcp6, udp6): the sockets of `protocol` and `family` that hold a port. */
export function procNetSockets(net: LoopbackNetwork, protocol: number, family: number): string {
  const lines = [family === AF_INET ? HEADERS.v4 : HEADERS.v6];
  let sl = 0;
  for (const h of net.holders(protocol)) {
    if (!(h instanceof InetSocket) || h.family !== family) continue;
    const state = protocol === IPPROTO_TCP
      ? (h.listening ? TCP_LISTEN : h.connected ? TCP_ESTABLISHED : TCP_CLOSE)
      : (h.connected ? TCP_ESTABLISHED : TCP_CLOSE);
    lines.push(`${String(sl++).padStart(4)}: ${address(h.local, family)} ${address(h.remote, family)} ${hex(state, 2)} `
      + `00000000:${hex(h.unread, 8)} 00:00000000 00000000 ${String(h.uid).padStart(5)} ${'0'.padStart(8)} ${h.stat().ino} 1 0000000000000000`);
  }
  return `${lines.join('\n')}\n`;
}

/** /proc/net/dev: the loopback interface, its counters not kept (0). */
export function procNetDev(): string {
  const zeros = (n: number) => Array.from({ length: n }, () => '0');
  return [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    `    lo: ${[...zeros(8), ...zeros(8)].map((z) => z.padStart(7)).join(' ')}`,
    '',
  ].join('\n');
}

/** Linux's __SO_ACCEPTCON: the flag of a listening AF_UNIX socket. */
const SO_ACCEPTCON = 0x10000;
// Socket states (SS_*) as /proc/net/unix numbers them.
const SS_UNCONNECTED = 1;
const SS_CONNECTING = 2;
const SS_CONNECTED = 3;

/** An AF_UNIX name as Linux prints it: an abstract one with '@' for its leading NUL and its other NULs. */
function unixName(a: UnixAddress): string {
  return isAbstractAddress(a) ? `@${bytesToString(a.subarray(1)).replace(/\0/g, '@')}` : bytesToString(a);
}

/**
 * /proc/net/unix, as Linux's unix_seq_show writes it. The socket's kernel address is zeros, as
 * Linux shows it to a reader without CAP_SYSLOG (kptr_restrict). RefCount is Linux's for the same
 * sockets: 2 (the socket, the socket table), and 1 for each socket whose peer it is. A socket
 * counts as established (St 03) as Linux's sk_state says: a stream or seqpacket socket once
 * connected (its peer's close leaves it so), a datagram socket while it has a peer or is another's.
 */
export function procNetUnix(sockets: readonly LiveUnixSocket[]): string {
  const referrers = new Map<UnixSocket, number>();
  for (const { socket } of sockets) {
    const peer = socket.peer;
    if (peer !== null && socket.connected) referrers.set(peer, (referrers.get(peer) ?? 0) + 1);
  }
  let out = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
  for (const { socket: s, waiting } of sockets) {
    const refs = referrers.get(s) ?? 0;
    const established = s.type === SOCK_DGRAM ? (s.connected && s.peer !== null) || refs > 0 : s.connected;
    const state = waiting ? SS_CONNECTING : established ? SS_CONNECTED : SS_UNCONNECTED;
    const ino = waiting ? 0 : s.stat().ino; // an embryo has no inode until accept
    out += `${'0'.repeat(16)}: ${hex(2 + refs, 8)} 00000000 ${hex(s.listening ? SO_ACCEPTCON : 0, 8)} `
      + `${hex(s.type, 4)} ${hex(state, 2)} ${String(ino).padStart(5)}${s.local === null ? '' : ` ${unixName(s.local)}`}\n`;
  }
  return out;
}
