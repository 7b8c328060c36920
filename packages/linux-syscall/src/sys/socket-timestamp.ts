/**
 * SO_TIMESTAMP and SO_TIMESTAMPNS, and their _NEW forms, for sockets of every family: a datagram
 * socket that asks gets each message's arrival time (CLOCK_REALTIME, taken as it was queued) as a
 * control message before any other, as Linux's sock_recv_timestamp. A stream socket keeps the
 * option and reports nothing: AF_UNIX's as Linux's, TCP's not yet.
 *
 * @module
 */
import { NetlinkSocket, SOCK_STREAM, type InetSocket, type OpenFile, type UnixSocket } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import type { ControlWriter } from './control-message.js';
import { int32, SOL_SOCKET } from './socket-options.js';

const SO_TIMESTAMP_OLD = 29;
const SO_TIMESTAMPNS_OLD = 35;
const SO_TIMESTAMP_NEW = 63;
const SO_TIMESTAMPNS_NEW = 64;

/** Linux's socket flags for them: SOCK_RCVTSTAMP, SOCK_RCVTSTAMPNS, SOCK_TSTAMP_NEW. */
const STAMP = 1;
const NANOSECONDS = 2;
const NEW = 4;

const stamping = new WeakMap<OpenFile, number>();

export function isTimestampOption(name: number): boolean {
  return name === SO_TIMESTAMP_OLD || name === SO_TIMESTAMPNS_OLD || name === SO_TIMESTAMP_NEW || name === SO_TIMESTAMPNS_NEW;
}

/** setsockopt of one of them (Linux's sock_set_timestamp): on or off. Netlink keeps it only. */
export function setTimestampOption(ctx: SyscallContext, sock: UnixSocket | InetSocket | NetlinkSocket, name: number, on: boolean): void {
  const isNew = name === SO_TIMESTAMP_NEW || name === SO_TIMESTAMPNS_NEW;
  const ns = name === SO_TIMESTAMPNS_OLD || name === SO_TIMESTAMPNS_NEW;
  const flags = on ? STAMP | (ns ? NANOSECONDS : 0) | (isNew ? NEW : 0) : 0;
  stamping.set(sock, flags);
  if (sock instanceof NetlinkSocket) return;
  const kernel = ctx.kernel;
  sock.stampClock = on && sock.type !== SOCK_STREAM ? () => kernel.clock.now() + kernel.realtimeOffset : null;
}

/** getsockopt of one of them: whether that form is the one on. */
export function timestampOption(sock: OpenFile, name: number): Uint8Array {
  const f = stamping.get(sock) ?? 0;
  const isNew = (f & NEW) !== 0;
  switch (name) {
    case SO_TIMESTAMP_OLD: return int32(f === STAMP ? 1 : 0);
    case SO_TIMESTAMPNS_OLD: return int32((f & NANOSECONDS) !== 0 && !isNew ? 1 : 0);
    case SO_TIMESTAMP_NEW: return int32((f & STAMP) !== 0 && isNew ? 1 : 0);
    default: return int32((f & NANOSECONDS) !== 0 && isNew ? 1 : 0);
  }
}

/**
 * The control message of a datagram's arrival time for `sock`, as it asked: a timeval or a
 * timespec, old or new (the same bytes on x86-64). A datagram queued before the socket asked has
 * no `stamp`: it is stamped now, as Linux stamps an skb that has none at its receive.
 */
export function putTimestamp(ctx: SyscallContext, w: ControlWriter, sock: UnixSocket | InetSocket, stamp: bigint | undefined): void {
  const f = stamping.get(sock) ?? 0;
  if (f === 0 || sock.type === SOCK_STREAM) return;
  const at = stamp ?? ctx.kernel.clock.now() + ctx.kernel.realtimeOffset;
  const ns = (f & NANOSECONDS) !== 0;
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setBigInt64(0, at / 1_000_000_000n, true);
  v.setBigInt64(8, ns ? at % 1_000_000_000n : (at % 1_000_000_000n) / 1000n, true);
  const type = (f & NEW) !== 0 ? (ns ? SO_TIMESTAMPNS_NEW : SO_TIMESTAMP_NEW) : ns ? SO_TIMESTAMPNS_OLD : SO_TIMESTAMP_OLD;
  w.put(SOL_SOCKET, type, out);
}
