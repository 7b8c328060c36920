/**
 * NETLINK_ROUTE (rtnetlink): what `ip`, glibc's getifaddrs, if_nameindex and getaddrinfo's
 * AI_ADDRCONFIG, and libuv's interface list ask the kernel about the network. A container's
 * network is its loopback interface, so every answer describes `lo`: its link, its two
 * addresses (127.0.0.1/8 and ::1/128) and its local routes, in the messages and attribute
 * order Linux 6.1 sends. Nothing can be changed: a change needs CAP_NET_ADMIN (EPERM), and
 * then answers EOPNOTSUPP, except setting `lo` up, which it is.
 *
 * @module
 */
import { Errno, KernelError } from '../errno.js';
import { AF_INET, AF_INET6 } from './inet-address.js';
import { IFF_UP, LOOPBACK } from './loopback-interface.js';
import {
  MessageWriter, NLM_F_DUMP, NLM_F_MULTI, align4, doneMessage,
} from './netlink-message.js';
import type { NetlinkAnswer, NetlinkRequest } from './netlink-socket.js';

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_GETROUTE = 26;
export const RTM_GETNEIGH = 30;
/** The highest rtnetlink message type Linux 6.1 knows (RTM_GETTUNNEL); beyond it EOPNOTSUPP. */
const RTM_MAX = 0x77;

// Link attributes (IFLA_*).
const IFLA_ADDRESS = 1;
const IFLA_BROADCAST = 2;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_QDISC = 6;
const IFLA_STATS = 7;
const IFLA_TXQLEN = 13;
const IFLA_MAP = 14;
const IFLA_OPERSTATE = 16;
const IFLA_LINKMODE = 17;
const IFLA_STATS64 = 23;
const IFLA_GROUP = 27;
const IFLA_PROMISCUITY = 30;
const IFLA_NUM_TX_QUEUES = 31;
const IFLA_NUM_RX_QUEUES = 32;
const IFLA_CARRIER = 33;
const IFLA_CARRIER_CHANGES = 35;
const IFLA_PROTO_DOWN = 39;
const IFLA_GSO_MAX_SEGS = 40;
const IFLA_GSO_MAX_SIZE = 41;
const IFLA_XDP = 43;
const IFLA_XDP_ATTACHED = 2;
const IFLA_CARRIER_UP_COUNT = 47;
const IFLA_CARRIER_DOWN_COUNT = 48;
const IFLA_MIN_MTU = 50;
const IFLA_MAX_MTU = 51;
const IFLA_ALT_IFNAME = 53;
const IFLA_GRO_MAX_SIZE = 58;
const IFLA_TSO_MAX_SIZE = 59;
const IFLA_TSO_MAX_SEGS = 60;
/** IF_OPER_UNKNOWN: what loopback reports, having no carrier to lose. */
const OPERSTATE_UNKNOWN = 0;
/** sizeof(struct rtnl_link_stats64) (25 counters), sizeof(struct rtnl_link_stats) (24), sizeof(struct rtnl_link_ifmap). */
const STATS64_SIZE = 200;
const STATS_SIZE = 96;
const IFMAP_SIZE = 32;

// Address messages (struct ifaddrmsg, IFA_*).
const IFADDRMSG_SIZE = 8;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFA_CACHEINFO = 6;
const IFA_FLAGS = 8;
const IFA_PROTO = 11;
const IFA_F_PERMANENT = 0x80;
/** IFAPROT_KERNEL_LO: the address the kernel gave lo. */
const IFAPROT_KERNEL_LO = 1;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RT_SCOPE_HOST = 254;
/** Lifetimes of a permanent address: forever. */
const INFINITY_LIFE = 0xffff_ffff;

// Route messages (struct rtmsg, RTA_*).
const RTMSG_SIZE = 12;
const RTA_DST = 1;
const RTA_SRC = 2;
const RTA_OIF = 4;
const RTA_PRIORITY = 6;
const RTA_PREFSRC = 7;
const RTA_CACHEINFO = 12;
const RTA_TABLE = 15;
const RTA_PREF = 20;
const RTA_UID = 25;
const RT_TABLE_MAIN = 254;
const RT_TABLE_LOCAL = 255;
const RTPROT_KERNEL = 2;
const RTN_LOCAL = 2;
const RTN_BROADCAST = 3;
/** rtm_flags of a looked-up IPv4 route: RTM_F_CLONED, and the route cache's RTCF_LOCAL. */
const LOOKED_UP_LOCAL = 0x8000_0200;
/** sizeof(struct rta_cacheinfo). */
const RTA_CACHEINFO_SIZE = 32;

/** ifinfomsg: family, pad, type, index, flags, change. */
const IFINFOMSG_SIZE = 16;

const NONE: NetlinkAnswer = { replies: [], dump: false };

/**
 * Answer one rtnetlink request: a dump's messages in one datagram and its NLMSG_DONE in the
 * next, as Linux sends them, or a single reply, or nothing. Throws KernelError for NLMSG_ERROR.
 */
export function answerRoute(req: NetlinkRequest): NetlinkAnswer {
  const { type, flags } = req.header;
  if (type > RTM_MAX) throw new KernelError(Errno.EOPNOTSUPP);
  if (req.payload.length < 1) return NONE; // rtnetlink ignores a message too short for its family
  const kind = (type - RTM_NEWLINK) & 3; // NEW, DEL, GET, SET
  if (kind !== 2) {
    if (!req.netAdmin) throw new KernelError(Errno.EPERM);
    if (isLinkUp(req)) return NONE;
    throw new KernelError(Errno.EOPNOTSUPP);
  }
  const family = req.payload[0];
  if ((flags & NLM_F_DUMP) === NLM_F_DUMP) return { replies: dump(type, family, req), dump: true };
  if (type === RTM_GETLINK) return { replies: [linkMessage(new MessageWriter(), 0, req).take()], dump: false };
  if (type === RTM_GETROUTE && (family === AF_INET || family === AF_INET6)) return { replies: [routeTo(family, req)], dump: false };
  throw new KernelError(Errno.EOPNOTSUPP);
}

function dump(type: number, family: number, req: NetlinkRequest): Uint8Array[] {
  const w = new MessageWriter();
  switch (type) {
    case RTM_GETLINK: linkMessage(w, NLM_F_MULTI, req); break;
    case RTM_GETADDR: addressMessages(w, family, req); break;
    case RTM_GETROUTE: routeMessages(w, family, req); break;
    case RTM_GETNEIGH: break; // loopback has no neighbours
    default: throw new KernelError(Errno.EOPNOTSUPP);
  }
  const done = doneMessage(req.header.seq, req.port);
  return w.length > 0 ? [w.take(), done] : [done];
}

/** The link a single RTM_GETLINK names by index or by IFLA_IFNAME: ENODEV unless `lo`, EINVAL with neither. */
function checkLinkNamed(payload: Uint8Array): void {
  if (payload.length < IFINFOMSG_SIZE) throw new KernelError(Errno.EINVAL);
  const index = new DataView(payload.buffer, payload.byteOffset).getInt32(4, true);
  if (index > 0) {
    if (index !== LOOPBACK.index) throw new KernelError(Errno.ENODEV);
    return;
  }
  const name = attributeString(payload, IFINFOMSG_SIZE, IFLA_IFNAME) ?? attributeString(payload, IFINFOMSG_SIZE, IFLA_ALT_IFNAME);
  if (name === undefined) throw new KernelError(Errno.EINVAL);
  if (name !== LOOPBACK.name) throw new KernelError(Errno.ENODEV);
}

/** The string value of the first attribute of `type` after `start` (NUL-terminated or not). */
function attributeString(payload: Uint8Array, start: number, type: number): string | undefined {
  const bytes = attribute(payload, start, type);
  if (bytes === undefined) return undefined;
  const end = bytes.indexOf(0);
  return String.fromCharCode(...(end < 0 ? bytes : bytes.subarray(0, end)));
}

/**
 * Whether a change request only sets `lo` up, which it is (`ip link set lo up`, which container
 * start-up scripts run): RTM_NEWLINK or RTM_SETLINK of `lo`, no attributes, IFF_UP its one flag.
 */
function isLinkUp(req: NetlinkRequest): boolean {
  const { type } = req.header;
  if ((type !== RTM_NEWLINK && type !== RTM_SETLINK) || req.payload.length !== IFINFOMSG_SIZE) return false;
  const v = new DataView(req.payload.buffer, req.payload.byteOffset, IFINFOMSG_SIZE);
  const index = v.getInt32(4, true);
  const flags = v.getUint32(8, true);
  const change = v.getUint32(12, true);
  return index === LOOPBACK.index && (change === IFF_UP || change === 0) && (flags & IFF_UP) !== 0;
}

/** RTM_NEWLINK for `lo`. A single request must name it (see checkLinkNamed); a dump lists it. */
function linkMessage(w: MessageWriter, flags: number, req: NetlinkRequest): MessageWriter {
  if ((flags & NLM_F_MULTI) === 0) checkLinkNamed(req.payload);
  w.begin(RTM_NEWLINK, flags, req.header.seq, req.port);
  w.struct(IFINFOMSG_SIZE, (v) => {
    v.setUint16(2, LOOPBACK.type, true);
    v.setInt32(4, LOOPBACK.index, true);
    v.setUint32(8, LOOPBACK.flags, true);
  });
  w.string(IFLA_IFNAME, LOOPBACK.name).u32(IFLA_TXQLEN, LOOPBACK.txQueueLength);
  w.u8(IFLA_OPERSTATE, OPERSTATE_UNKNOWN).u8(IFLA_LINKMODE, 0).u32(IFLA_MTU, LOOPBACK.mtu);
  w.u32(IFLA_MIN_MTU, 0).u32(IFLA_MAX_MTU, 0).u32(IFLA_GROUP, 0).u32(IFLA_PROMISCUITY, 0);
  w.u32(IFLA_NUM_TX_QUEUES, 1).u32(IFLA_GSO_MAX_SEGS, 65_535).u32(IFLA_GSO_MAX_SIZE, 65_536);
  w.u32(IFLA_GRO_MAX_SIZE, 65_536).u32(IFLA_TSO_MAX_SIZE, 524_280).u32(IFLA_TSO_MAX_SEGS, 65_535);
  w.u32(IFLA_NUM_RX_QUEUES, 1).u8(IFLA_CARRIER, 1).u32(IFLA_CARRIER_CHANGES, 0).u32(IFLA_CARRIER_UP_COUNT, 0);
  w.u32(IFLA_CARRIER_DOWN_COUNT, 0).u8(IFLA_PROTO_DOWN, 0).attr(IFLA_MAP, new Uint8Array(IFMAP_SIZE));
  // Counters are not kept, as /proc/net/dev's (0).
  w.attr(IFLA_ADDRESS, new Uint8Array(6)).attr(IFLA_BROADCAST, new Uint8Array(6));
  w.attr(IFLA_STATS64, new Uint8Array(STATS64_SIZE)).attr(IFLA_STATS, new Uint8Array(STATS_SIZE));
  w.nest(IFLA_XDP).u8(IFLA_XDP_ATTACHED, 0).unnest();
  return w.string(IFLA_QDISC, 'noqueue').end();
}

const IPV4_LOOPBACK = Uint8Array.of(127, 0, 0, 1);
const IPV6_LOOPBACK = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

/** The cache information of a permanent address: lifetimes forever, created at the network's start. */
function addressCacheInfo(): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, INFINITY_LIFE, true);
  v.setUint32(4, INFINITY_LIFE, true);
  return b;
}

/** RTM_NEWADDR for lo's addresses of `family` (both for any family without its own handler). */
function addressMessages(w: MessageWriter, family: number, req: NetlinkRequest): void {
  const header = (fam: number, prefix: number) => (v: DataView) => {
    v.setUint8(0, fam);
    v.setUint8(1, prefix);
    v.setUint8(2, IFA_F_PERMANENT);
    v.setUint8(3, RT_SCOPE_HOST);
    v.setInt32(4, LOOPBACK.index, true);
  };
  if (family !== AF_INET6) {
    w.begin(RTM_NEWADDR, NLM_F_MULTI, req.header.seq, req.port).struct(IFADDRMSG_SIZE, header(AF_INET, 8));
    w.attr(IFA_ADDRESS, IPV4_LOOPBACK).attr(IFA_LOCAL, IPV4_LOOPBACK).string(IFA_LABEL, LOOPBACK.name);
    w.u32(IFA_FLAGS, IFA_F_PERMANENT).attr(IFA_CACHEINFO, addressCacheInfo()).end();
  }
  if (family !== AF_INET) {
    w.begin(RTM_NEWADDR, NLM_F_MULTI, req.header.seq, req.port).struct(IFADDRMSG_SIZE, header(AF_INET6, 128));
    w.attr(IFA_ADDRESS, IPV6_LOOPBACK).attr(IFA_CACHEINFO, addressCacheInfo());
    w.u32(IFA_FLAGS, IFA_F_PERMANENT).u8(IFA_PROTO, IFAPROT_KERNEL_LO).end();
  }
}

/**
 * RTM_NEWROUTE for lo's routes of `family`: IPv4's local table (127.0.0.0/8 and 127.0.0.1 local,
 * 127.255.255.255 broadcast) and IPv6's local ::1. Both main tables are empty.
 */
function routeMessages(w: MessageWriter, family: number, req: NetlinkRequest): void {
  const begin = (fam: number, dstLen: number, scope: number, type: number) =>
    w.begin(RTM_NEWROUTE, NLM_F_MULTI, req.header.seq, req.port).struct(RTMSG_SIZE, (v) => {
      v.setUint8(0, fam);
      v.setUint8(1, dstLen);
      v.setUint8(4, RT_TABLE_LOCAL);
      v.setUint8(5, RTPROT_KERNEL);
      v.setUint8(6, scope);
      v.setUint8(7, type);
    }).u32(RTA_TABLE, RT_TABLE_LOCAL);
  if (family !== AF_INET6) {
    const v4 = [
      [8, Uint8Array.of(127, 0, 0, 0), RT_SCOPE_HOST, RTN_LOCAL],
      [32, IPV4_LOOPBACK, RT_SCOPE_HOST, RTN_LOCAL],
      [32, Uint8Array.of(127, 255, 255, 255), RT_SCOPE_LINK, RTN_BROADCAST],
    ] as const;
    for (const [dstLen, dst, scope, type] of v4) {
      begin(AF_INET, dstLen, scope, type).attr(RTA_DST, dst).attr(RTA_PREFSRC, IPV4_LOOPBACK).u32(RTA_OIF, LOOPBACK.index).end();
    }
  }
  if (family !== AF_INET) {
    begin(AF_INET6, 128, RT_SCOPE_UNIVERSE, RTN_LOCAL).attr(RTA_DST, IPV6_LOOPBACK).u32(RTA_PRIORITY, 0);
    w.u32(RTA_OIF, LOOPBACK.index).attr(RTA_CACHEINFO, new Uint8Array(RTA_CACHEINFO_SIZE)).u8(RTA_PREF, 0).end();
  }
}


/** The value of the first attribute of `type` after `start`; undefined without one. */
function attribute(payload: Uint8Array, start: number, type: number): Uint8Array | undefined {
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let at = start; at + 4 <= payload.length;) {
    const len = v.getUint16(at, true);
    if (len < 4 || at + len > payload.length) return undefined;
    if (v.getUint16(at + 2, true) === type) return payload.subarray(at + 4, at + len);
    at += align4(len);
  }
  return undefined;
}

/**
 * A single RTM_GETROUTE (`ip route get`): the route to RTA_DST, as Linux 6.x's
 * inet_rtm_getroute and inet6_rtm_getroute answer. Loopback is the only interface, so a
 * loopback address (IPv4's wildcard, or none, goes to 127.0.0.1 as Linux sends it) is local
 * and any other is unreachable (ENETUNREACH), as on a Linux with only `lo`.
 */
function routeTo(family: number, req: NetlinkRequest): Uint8Array {
  if (req.payload.length < RTMSG_SIZE) throw new KernelError(Errno.EINVAL);
  const size = family === AF_INET ? 4 : 16;
  const given = attribute(req.payload, RTMSG_SIZE, RTA_DST);
  const dst = new Uint8Array(size);
  if (given !== undefined) dst.set(given.subarray(0, size));
  const w = new MessageWriter().begin(RTM_NEWROUTE, 0, req.header.seq, req.port);
  const header = (table: number, protocol: number, srcLen: number, flags: number) => w.struct(RTMSG_SIZE, (v) => {
    v.setUint8(0, family);
    v.setUint8(1, size * 8);
    v.setUint8(2, srcLen);
    v.setUint8(3, req.payload[3]); // the tos asked about
    v.setUint8(4, table);
    v.setUint8(5, protocol);
    v.setUint8(7, RTN_LOCAL);
    v.setUint32(8, flags, true);
  });
  if (family === AF_INET) {
    if (dst[0] !== 127 && dst.some((b) => b !== 0)) throw new KernelError(Errno.ENETUNREACH);
    header(RT_TABLE_MAIN, 0, 0, LOOKED_UP_LOCAL).u32(RTA_TABLE, RT_TABLE_MAIN).attr(RTA_DST, dst);
    w.u32(RTA_OIF, LOOPBACK.index).attr(RTA_PREFSRC, IPV4_LOOPBACK).u32(RTA_UID, req.uid);
    return w.attr(RTA_CACHEINFO, new Uint8Array(RTA_CACHEINFO_SIZE)).end().take();
  }
  if (!dst.every((b, i) => b === IPV6_LOOPBACK[i])) throw new KernelError(Errno.ENETUNREACH);
  header(RT_TABLE_LOCAL, RTPROT_KERNEL, 128, 0).u32(RTA_TABLE, RT_TABLE_LOCAL).attr(RTA_DST, dst);
  w.attr(RTA_SRC, new Uint8Array(16)).attr(RTA_PREFSRC, IPV6_LOOPBACK).u32(RTA_PRIORITY, 0).u32(RTA_OIF, LOOPBACK.index);
  return w.attr(RTA_CACHEINFO, new Uint8Array(RTA_CACHEINFO_SIZE)).u8(RTA_PREF, 0).end().take();
}
