import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { errnoOf } from '../fs/errno-of.test-helper.js';
import { MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC } from '../fs/unix-socket.js';
import { MessageWriter, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, readHeader } from './netlink-message.js';
import { NETLINK_NO_ENOBUFS, NetlinkPorts, NetlinkSocket, type NetlinkSender } from './netlink-socket.js';
import { RTM_GETADDR, RTM_GETLINK, RTM_GETROUTE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE, answerRoute } from './rtnetlink.js';

const ROOT: NetlinkSender = { pid: 1, netAdmin: true, uid: 0 };
const SOCK_RAW = 3;

function routeSocket(ports = new NetlinkPorts(), opener = ROOT): NetlinkSocket {
  return new NetlinkSocket(SOCK_RAW, 0, ports, answerRoute, opener, 0);
}

/** A request of `type` with a one-byte family (rtgenmsg), or an ifinfomsg for index `link`. */
function request(type: number, flags: number, seq: number, link?: number): Uint8Array {
  const w = new MessageWriter().begin(type, NLM_F_REQUEST | flags, seq, 0);
  if (link === undefined) w.bytes(Uint8Array.of(0));
  else w.struct(16, (v) => v.setInt32(4, link, true));
  return w.end().take();
}

/** Every message of every queued datagram: type, seq, and for errors the errno. */
function drain(sock: NetlinkSocket): { type: number; seq: number; port: number; error?: number }[][] {
  const out = [];
  for (;;) {
    const buf = new Uint8Array(65536);
    let r;
    try {
      r = sock.recv(buf, MSG_DONTWAIT);
    } catch {
      return out;
    }
    if (r instanceof Promise) throw new Error('blocked');
    const msgs = [];
    for (let at = 0; at < r.bytes;) {
      const h = readHeader(buf, at);
      const m: { type: number; seq: number; port: number; error?: number } = { type: h.type, seq: h.seq, port: h.port };
      if (h.type === NLMSG_ERROR) m.error = -new DataView(buf.buffer, at + 16, 4).getInt32(0, true) || 0;
      msgs.push(m);
      at += (h.length + 3) & ~3;
    }
    out.push(msgs);
  }
}

describe('netlink sockets', () => {
  it('binds to the pid, then to ids counting down from -4096; EADDRINUSE for a taken id', () => {
    const ports = new NetlinkPorts();
    const a = routeSocket(ports);
    const b = routeSocket(ports);
    a.bind(0, 0, 42);
    b.bind(0, 0, 42);
    expect(a.port).toBe(42);
    expect(b.port | 0).toBe(-4096);
    const c = routeSocket(ports);
    expect(errnoOf(() => c.bind(42, 0, 7))).toBe(Errno.EADDRINUSE);
    expect(errnoOf(() => a.bind(43, 0, 42))).toBe(Errno.EINVAL);
    a.close();
    c.bind(42, 0, 7); // free again once closed
  });

  it('answers a dump in one datagram and its NLMSG_DONE in the next, addressed to the sender', () => {
    const sock = routeSocket();
    sock.send(request(RTM_GETADDR, NLM_F_DUMP, 9), ROOT);
    expect(drain(sock)).toEqual([
      [{ type: RTM_NEWADDR, seq: 9, port: 1 }, { type: RTM_NEWADDR, seq: 9, port: 1 }],
      [{ type: NLMSG_DONE, seq: 9, port: 1 }],
    ]);
  });

  it('answers each request of a datagram in turn: replies, acknowledgements and errors', () => {
    const sock = routeSocket();
    const two = new Uint8Array([...request(RTM_GETLINK, NLM_F_ACK, 1, 1), ...request(RTM_GETLINK, 0, 2, 5)]);
    sock.send(two, ROOT);
    expect(drain(sock)).toEqual([
      [{ type: RTM_NEWLINK, seq: 1, port: 1 }],
      [{ type: NLMSG_ERROR, seq: 1, port: 1, error: 0 }],
      [{ type: NLMSG_ERROR, seq: 2, port: 1, error: Errno.ENODEV }],
    ]);
  });

  it('refuses changes without CAP_NET_ADMIN, and with it all but setting lo up', () => {
    const sock = routeSocket();
    const setUp = new MessageWriter().begin(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 3, 0)
      .struct(16, (v) => { v.setInt32(4, 1, true); v.setUint32(8, 1, true); v.setUint32(12, 1, true); }).end().take();
    sock.send(setUp, { pid: 1, netAdmin: false, uid: 0 });
    sock.send(setUp, ROOT);
    sock.send(request(RTM_NEWADDR, NLM_F_ACK, 4, 1), ROOT);
    expect(drain(sock).map((d) => d[0].error)).toEqual([Errno.EPERM, 0, Errno.EOPNOTSUPP]);
  });

  it('loses what does not fit a read unless peeking; drops replies past its buffer with ENOBUFS once', () => {
    const sock = routeSocket();
    sock.send(request(RTM_GETLINK, 0, 1, 1), ROOT);
    const small = new Uint8Array(20);
    const peeked = sock.recv(small, MSG_PEEK | MSG_DONTWAIT);
    expect(peeked).toMatchObject({ bytes: 20, flags: MSG_TRUNC });
    const read = sock.recv(small, MSG_DONTWAIT);
    expect(read).toMatchObject({ bytes: 20, flags: MSG_TRUNC });
    expect(errnoOf(() => sock.recv(small, MSG_DONTWAIT))).toBe(Errno.EAGAIN);

    sock.receiveBuffer = 1000;
    sock.send(request(RTM_GETLINK, 0, 1, 1), ROOT);
    sock.send(request(RTM_GETLINK, 0, 2, 1), ROOT); // past 1000 bytes: dropped
    expect(errnoOf(() => sock.recv(small, MSG_DONTWAIT))).toBe(Errno.ENOBUFS);
    expect(drain(sock)).toHaveLength(1);
    sock.enabled.add(NETLINK_NO_ENOBUFS);
    sock.send(request(RTM_GETLINK, 0, 1, 1), ROOT);
    sock.send(request(RTM_GETLINK, 0, 2, 1), ROOT);
    expect(drain(sock)).toHaveLength(1);
  });

  it('sends to other ports and groups only with CAP_NET_ADMIN', () => {
    const ports = new NetlinkPorts();
    const a = routeSocket(ports);
    const b = routeSocket(ports);
    b.bind(77, 1, 2);
    const hello = Uint8Array.of(1, 2, 3, 4);
    expect(errnoOf(() => a.send(hello, { pid: 1, netAdmin: false, uid: 0 }, { port: 77, groups: 0 }))).toBe(Errno.EPERM);
    a.send(hello, ROOT, { port: 77, groups: 0 });
    const got = new Uint8Array(4);
    expect(b.recv(got, MSG_DONTWAIT)).toEqual({ bytes: 4, length: 4, flags: 0, from: { port: 1, groups: 0 } });
    expect(errnoOf(() => a.send(hello, ROOT, { port: 78, groups: 0 }))).toBe(Errno.ECONNREFUSED);
  });

  it('looks routes up: loopback addresses are local, any other is unreachable (ENETUNREACH)', () => {
    const get = (family: number, dst: number[]) => {
      const sock = routeSocket();
      const w = new MessageWriter().begin(RTM_GETROUTE, NLM_F_REQUEST, 5, 0);
      w.struct(12, (v) => v.setUint8(0, family)).attr(1 /* RTA_DST */, Uint8Array.from(dst));
      sock.send(w.end().take(), ROOT);
      return drain(sock)[0][0];
    };
    expect(get(2, [127, 0, 0, 9])).toMatchObject({ type: RTM_NEWROUTE, seq: 5 });
    expect(get(2, [8, 8, 8, 8])).toMatchObject({ type: NLMSG_ERROR, error: Errno.ENETUNREACH });
    expect(get(10, [...Array(15).fill(0), 1])).toMatchObject({ type: RTM_NEWROUTE });
    expect(get(10, [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1])).toMatchObject({ type: NLMSG_ERROR, error: Errno.ENETUNREACH });
  });
});
