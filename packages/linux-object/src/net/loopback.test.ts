import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { errnoOf } from '../fs/errno-of.test-helper.js';
import { SOCK_DGRAM, SOCK_NONBLOCK, SOCK_STREAM } from '../fs/unix-socket.js';
import { AF_INET, AF_INET6, IPV4_ANY, IPV4_LOOPBACK, IPV6_ANY, IPV6_LOOPBACK, ipv4Address } from './inet-address.js';
import { InetSocket } from './inet-socket.js';
import { EPHEMERAL_FIRST, EPHEMERAL_LAST, LoopbackNetwork } from './loopback.js';

const tcp = (net: LoopbackNetwork, family = AF_INET, uid = 0, flags = 0) => new InetSocket(family, SOCK_STREAM, net, uid, flags);
const udp = (net: LoopbackNetwork, family = AF_INET) => new InetSocket(family, SOCK_DGRAM, net, 0, 0);

describe('the loopback network', () => {
  it('lets SO_REUSEPORT share a port between sockets of one user only', () => {
    const net = new LoopbackNetwork();
    const a = tcp(net, AF_INET, 1000);
    const b = tcp(net, AF_INET, 1000);
    const c = tcp(net, AF_INET, 1001);
    for (const s of [a, b, c]) s.reusePort = true;
    a.bind(IPV4_LOOPBACK, 5000);
    b.bind(IPV4_LOOPBACK, 5000);
    expect(errnoOf(() => c.bind(IPV4_LOOPBACK, 5000))).toBe(Errno.EADDRINUSE);
    a.listen(8);
    b.listen(8); // both listen, as a set of workers does
  });

  it('lets UDP sockets with SO_REUSEADDR share a port, and keeps V6ONLY wildcards apart from IPv4', () => {
    const net = new LoopbackNetwork();
    const a = udp(net);
    const b = udp(net);
    a.reuseAddr = b.reuseAddr = true;
    a.bind(IPV4_ANY, 6000);
    b.bind(IPV4_LOOPBACK, 6000);
    const v6 = udp(net, AF_INET6);
    expect(errnoOf(() => v6.bind(IPV6_ANY, 6000))).toBe(Errno.EADDRINUSE); // [::] takes IPv4 too
    const only = udp(net, AF_INET6);
    only.v6Only = true;
    only.bind(IPV6_ANY, 6000);
    const loop6 = udp(net, AF_INET6);
    expect(errnoOf(() => loop6.bind(IPV6_LOOPBACK, 6000))).toBe(Errno.EADDRINUSE);
  });

  it('picks ephemeral ports from ip_local_port_range, and frees them at close', () => {
    const net = new LoopbackNetwork();
    const s = tcp(net);
    s.bind(IPV4_ANY, 0);
    expect(s.local!.port).toBeGreaterThanOrEqual(EPHEMERAL_FIRST);
    expect(s.local!.port).toBeLessThanOrEqual(EPHEMERAL_LAST);
    const port = s.local!.port;
    s.close();
    tcp(net).bind(IPV4_LOOPBACK, port);
  });

  it('reaches only loopback and wildcard addresses: others are unreachable', () => {
    const net = new LoopbackNetwork();
    const s = tcp(net);
    expect(errnoOf(() => s.connect({ addr: ipv4Address(10, 0, 0, 1), port: 80 }))).toBe(Errno.ENETUNREACH);
    const u = udp(net);
    expect(errnoOf(() => u.send(new Uint8Array(1), 0, undefined, { addr: ipv4Address(8, 8, 8, 8), port: 53 }))).toBe(Errno.ENETUNREACH);
  });

  it('drops a datagram its receiver has no room for, as a network does, and the sender goes on', () => {
    const net = new LoopbackNetwork();
    const rx = udp(net);
    rx.bind(IPV4_LOOPBACK, 7000);
    const tx = udp(net);
    const big = new Uint8Array(60_000);
    for (let i = 0; i < 10; i++) expect(tx.send(big, 0, undefined, { addr: IPV4_LOOPBACK, port: 7000 })).toBe(big.length);
    let received = 0;
    const buf = new Uint8Array(65_536);
    for (;;) {
      try {
        const r = rx.recv(buf, 0x40 /* MSG_DONTWAIT */);
        if (r instanceof Promise) break;
        received++;
      } catch {
        break;
      }
    }
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(10);
  });

  it('resets the connections a listener never accepted when it closes', () => {
    const net = new LoopbackNetwork();
    const srv = tcp(net);
    srv.bind(IPV4_LOOPBACK, 8000);
    srv.listen(8);
    const cli = tcp(net);
    cli.connect({ addr: IPV4_LOOPBACK, port: 8000 });
    srv.close();
    expect(errnoOf(() => cli.recv(new Uint8Array(8), 0))).toBe(Errno.ECONNRESET);
    const r = cli.recv(new Uint8Array(8), 0);
    expect(r).toEqual({ bytes: 0, length: 0, flags: 0 }); // then end of stream
    expect(errnoOf(() => tcp(net).connect({ addr: IPV4_LOOPBACK, port: 8000 }))).toBe(Errno.ECONNREFUSED);
  });

  it('holds a listener\'s waiting connections to its backlog: one more connect waits for an accept', async () => {
    const net = new LoopbackNetwork();
    const srv = tcp(net);
    srv.bind(IPV4_LOOPBACK, 9100);
    srv.listen(0); // one waiting connection, as Linux allows
    tcp(net).connect({ addr: IPV4_LOOPBACK, port: 9100 });
    expect(errnoOf(() => tcp(net, AF_INET, 0, SOCK_NONBLOCK).connect({ addr: IPV4_LOOPBACK, port: 9100 }))).toBe(Errno.EAGAIN);
    const waiting = tcp(net);
    const connected = waiting.connect({ addr: IPV4_LOOPBACK, port: 9100 });
    expect(connected).toBeInstanceOf(Promise);
    expect(waiting.remote).toBeNull();
    srv.accept();
    await connected;
    expect(waiting.remote).toEqual({ addr: IPV4_LOOPBACK, port: 9100 });
  });

  it('answers a non-blocking connect EINPROGRESS, then reports it once, then EISCONN', () => {
    const net = new LoopbackNetwork();
    const srv = tcp(net);
    srv.bind(IPV4_ANY, 9000);
    srv.listen(8);
    const cli = tcp(net, AF_INET, 0, SOCK_NONBLOCK);
    expect(errnoOf(() => cli.connect({ addr: IPV4_LOOPBACK, port: 9000 }))).toBe(Errno.EINPROGRESS);
    expect(errnoOf(() => cli.connect({ addr: IPV4_LOOPBACK, port: 9000 }))).toBeUndefined();
    expect(errnoOf(() => cli.connect({ addr: IPV4_LOOPBACK, port: 9000 }))).toBe(Errno.EISCONN);
    const conn = srv.accept() as InetSocket;
    expect(conn.remote).toEqual(cli.local);
  });

  it('lets a peer have no more in flight than the receiver\'s SO_RCVBUF, which accepted sockets inherit', () => {
    const net = new LoopbackNetwork();
    const srv = tcp(net);
    srv.bind(IPV4_LOOPBACK, 9300);
    srv.receiveBuffer = 4608;
    srv.listen(8);
    const cli = tcp(net, AF_INET, 0, SOCK_NONBLOCK);
    expect(errnoOf(() => cli.connect({ addr: IPV4_LOOPBACK, port: 9300 }))).toBe(Errno.EINPROGRESS);
    const conn = srv.accept() as InetSocket;
    expect(conn.receiveBuffer).toBe(4608);
    expect(cli.send(new Uint8Array(65536), 0)).toBe(4608);
    expect(errnoOf(() => cli.send(new Uint8Array(1), 0))).toBe(Errno.EAGAIN);
    expect((conn.recv(new Uint8Array(65536), 0) as { bytes: number }).bytes).toBe(4608);
    expect(cli.send(new Uint8Array(100), 0)).toBe(100);
  });
});
