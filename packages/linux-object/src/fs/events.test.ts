import { describe, expect, it } from 'vitest';
import { POLLHUP, POLLIN, POLLOUT } from '../abi/poll.js';
import { Errno } from '../errno.js';
import { EPOLLET, EPOLL_CTL_ADD, EpollFile } from './epoll.js';
import { errnoOf } from './errno-of.test-helper.js';
import { EFD_NONBLOCK, EFD_SEMAPHORE, EventFdFile } from './eventfd.js';
import { retainFile } from './fd-table.js';
import { createPipe } from './pipe.js';
import { SOCK_DGRAM, SOCK_STREAM, createSocketPair } from './unix-socket.js';

const u64 = (v: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
const bytes = (s: string) => new TextEncoder().encode(s);

describe('eventfd', () => {
  it('adds on write, takes all on read, one at a time as a semaphore', () => {
    const e = new EventFdFile(2, EFD_NONBLOCK);
    e.write(u64(5n));
    const out = new Uint8Array(8);
    expect(e.read(out)).toBe(8);
    expect(new DataView(out.buffer).getBigUint64(0, true)).toBe(7n);
    expect(errnoOf(() => e.read(out))).toBe(Errno.EAGAIN);
    const s = new EventFdFile(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    s.read(out);
    expect(s.counter).toBe(1n);
  });

  it('wakes a blocked reader', async () => {
    const e = new EventFdFile(0, 0);
    const pending = e.read(new Uint8Array(8));
    expect(pending).toBeInstanceOf(Promise);
    e.write(u64(1n));
    expect(await pending).toBe(8);
  });
});

describe('epoll', () => {
  it('reports a pipe level-triggered until drained, edge-triggered once per write', () => {
    const [r, w] = createPipe(0);
    retainFile(r);
    const ep = new EpollFile();
    ep.control(EPOLL_CTL_ADD, 3, r, { events: POLLIN | EPOLLET, data: 9n });
    expect(ep.collect(4)).toEqual([]);
    w.write(bytes('a'));
    expect(ep.collect(4)).toEqual([{ events: POLLIN, data: 9n }]);
    expect(ep.collect(4)).toEqual([]);
    w.write(bytes('b'));
    expect(ep.collect(4)).toHaveLength(1);
  });
});

describe('unix socket pair', () => {
  it('streams bytes, then EOF and EPIPE once the peer closes', () => {
    const [a, b] = createSocketPair(SOCK_STREAM, 0);
    expect(a.write(bytes('ping'))).toBe(4);
    expect(b.poll(POLLIN | POLLOUT)).toBe(POLLIN | POLLOUT);
    const buf = new Uint8Array(8);
    expect(b.read(buf)).toBe(4);
    b.close();
    expect(a.read(buf)).toBe(0);
    expect(a.poll(POLLIN) & POLLHUP).toBe(POLLHUP);
    expect(errnoOf(() => a.write(bytes('x')))).toBe(Errno.EPIPE);
  });

  it('keeps datagram boundaries and carries files', () => {
    const [a, b] = createSocketPair(SOCK_DGRAM, 0);
    const [r] = createPipe(0);
    a.send(bytes('one'), [r], 0);
    a.send(bytes('three'), [], 0);
    const got = b.recv(new Uint8Array(2), 0);
    expect(got).toEqual({ bytes: 2, length: 3, rights: [r], flags: 0x20 });
    expect(b.recv(new Uint8Array(8), 0)).toMatchObject({ bytes: 5, rights: [] });
  });
});
