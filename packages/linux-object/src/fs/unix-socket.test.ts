import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { errnoOf } from './errno-of.test-helper.js';
import { SOCK_DGRAM, SOCK_NONBLOCK, SOCK_STREAM, createUnixSocket } from './unix-socket.js';
import { POLLIN } from '../abi/poll.js';

const server = { pid: 1, uid: 0, gid: 0 };
const client = { pid: 2, uid: 1000, gid: 1000 };
const name = (s: string) => new TextEncoder().encode(s);

function listener(backlog: number) {
  const l = createUnixSocket(SOCK_STREAM, SOCK_NONBLOCK, server);
  l.local = name('/srv');
  l.listen(backlog, server);
  return l;
}

describe('listening unix sockets', () => {
  it('queues a connection at once, readable on the listener, with credentials both ways', () => {
    const l = listener(4);
    expect(l.poll(POLLIN)).toBe(0);
    const c = createUnixSocket(SOCK_STREAM, 0, client);
    expect(c.connect(l, client)).toBeUndefined();
    expect(l.poll(POLLIN)).toBe(POLLIN);
    const s = l.accept();
    if (s instanceof Promise) throw new Error('accept blocked');
    expect(s.peerCred).toEqual(client);
    expect(c.peerCred).toEqual(server);
    expect(s.local).toEqual(name('/srv'));
    expect(c.send(name('hi'), [], 0)).toBe(2);
    const buf = new Uint8Array(8);
    const r = s.recv(buf, 0);
    expect('bytes' in r && r.bytes).toBe(2);
  });

  it('answers EAGAIN once the backlog is full, and ECONNREFUSED when not listening', () => {
    const l = listener(0);
    const mk = () => createUnixSocket(SOCK_STREAM, SOCK_NONBLOCK, client);
    mk().connect(l, client);
    expect(errnoOf(() => mk().connect(l, client))).toBe(Errno.EAGAIN);
    l.close();
    expect(errnoOf(() => mk().connect(l, client))).toBe(Errno.ECONNREFUSED);
    expect(errnoOf(() => createUnixSocket(SOCK_DGRAM, 0, client).listen(1, client))).toBe(Errno.EOPNOTSUPP);
  });

  it('reports the sender of a datagram and refuses once the receiver closed', () => {
    const a = createUnixSocket(SOCK_DGRAM, 0, client);
    const b = createUnixSocket(SOCK_DGRAM, SOCK_NONBLOCK, server);
    a.local = name('\0a');
    expect(a.send(name('x'), [], 0, undefined, { to: b, cred: client })).toBe(1);
    const r = b.recv(new Uint8Array(4), 0);
    expect('from' in r && r.from).toEqual(name('\0a'));
    expect('cred' in r).toBe(false); // neither end asked for credentials
    b.close();
    expect(errnoOf(() => a.send(name('x'), [], 0, undefined, { to: b }))).toBe(Errno.ECONNREFUSED);
  });
});
