import { describe, expect, it } from 'vitest';
import { O_NONBLOCK } from '../abi/fcntl.js';
import { POLLHUP, POLLIN, POLLOUT } from '../abi/poll.js';
import { Errno } from '../errno.js';
import { errnoOf } from './errno-of.test-helper.js';
import { PIPE_BUF, PIPE_CAPACITY, createPipe } from './pipe.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('pipe', () => {
  it('passes bytes in order and reports EOF once the writer is gone', async () => {
    const [r, w] = createPipe(0);
    expect(w.write(bytes('hello '))).toBe(6);
    expect(w.write(bytes('world'))).toBe(5);
    const buf = new Uint8Array(64);
    expect(r.read(buf)).toBe(11);
    expect(new TextDecoder().decode(buf.subarray(0, 11))).toBe('hello world');
    const pending = r.read(buf);
    expect(pending).toBeInstanceOf(Promise); // empty with a writer: blocks
    w.close();
    expect(await pending).toBe(0);
  });

  it('wakes a blocked reader when data arrives', async () => {
    const [r, w] = createPipe(0);
    const buf = new Uint8Array(8);
    const pending = r.read(buf);
    w.write(bytes('x'));
    expect(await pending).toBe(1);
  });

  it('answers EAGAIN instead of blocking with O_NONBLOCK', () => {
    const [r, w] = createPipe(O_NONBLOCK);
    expect(errnoOf(() => r.read(new Uint8Array(1)))).toBe(Errno.EAGAIN);
    w.write(new Uint8Array(PIPE_CAPACITY));
    expect(errnoOf(() => w.write(new Uint8Array(1)))).toBe(Errno.EAGAIN);
  });

  it('fails writes with EPIPE once no reader is left', () => {
    const [r, w] = createPipe(0);
    r.close();
    expect(errnoOf(() => w.write(bytes('x')))).toBe(Errno.EPIPE);
  });

  it('keeps writes of PIPE_BUF bytes or less whole', async () => {
    const [r, w] = createPipe(0);
    expect(w.write(new Uint8Array(PIPE_CAPACITY - 10))).toBe(PIPE_CAPACITY - 10);
    const pending = w.write(new Uint8Array(PIPE_BUF)); // does not fit: waits, writes nothing yet
    expect(pending).toBeInstanceOf(Promise);
    expect(r.poll(POLLIN)).toBe(POLLIN);
    expect(r.read(new Uint8Array(PIPE_BUF))).toBe(PIPE_BUF);
    expect(await pending).toBe(PIPE_BUF);
    expect(r.read(new Uint8Array(PIPE_CAPACITY))).toBe(PIPE_CAPACITY - 10);
  });

  it('reports readiness as poll(2) does', () => {
    const [r, w] = createPipe(0);
    expect(r.poll(POLLIN)).toBe(0);
    expect(w.poll(POLLOUT)).toBe(POLLOUT);
    w.close();
    expect(r.poll(POLLIN)).toBe(POLLHUP);
  });
});

describe('pipe capacity (F_SETPIPE_SZ)', () => {
  it('rounds to a power-of-two number of pages, keeps the data and refuses fewer slots than are in use', () => {
    const [r, w] = createPipe(O_NONBLOCK);
    const pipe = w.pipe;
    expect(pipe.resize(5000)).toBe(8192);
    expect(pipe.resize(0)).toBe(4096);
    expect(pipe.resize(8192)).toBe(8192);
    expect(w.write(new Uint8Array(3000).fill(1))).toBe(3000);
    expect(r.read(new Uint8Array(1000))).toBe(1000); // the first slot now holds its page's bytes 1000–2999
    expect(w.write(new Uint8Array(2000).fill(2))).toBe(2000); // 3000 + 2000 is past its page: the second slot
    expect(errnoOf(() => w.write(new Uint8Array(3000)))).toBe(Errno.EAGAIN);
    expect(errnoOf(() => pipe.resize(4096))).toBe(Errno.EBUSY); // 4000 bytes, but in two slots
    expect(pipe.resize(16384)).toBe(16384);
    const out = new Uint8Array(4000);
    expect(r.read(out)).toBe(4000);
    expect([out[0], out[1999], out[2000], out[3999]]).toEqual([1, 1, 2, 2]);
    w.write(new Uint8Array(9000)); // three slots
    expect(errnoOf(() => pipe.resize(8192))).toBe(Errno.EBUSY);
    expect(errnoOf(() => pipe.resize(2 * 1024 * 1024))).toBe(Errno.EPERM);
  });
});

describe('pipe slots', () => {
  it('hold what Linux\'s hold: a write joins the newest slot only with its bytes past its last whole page', () => {
    const [r, w] = createPipe(O_NONBLOCK);
    for (let i = 0; i < 64; i++) expect(w.write(new Uint8Array(1000))).toBe(1000); // four a page
    expect(errnoOf(() => w.write(new Uint8Array(1000)))).toBe(Errno.EAGAIN); // full at 64 000 bytes
    r.close();
    w.close();
    const [r2, w2] = createPipe(O_NONBLOCK);
    w2.write(new Uint8Array(100));
    expect(w2.write(new Uint8Array(70_000))).toBe(368 + 15 * 4096); // 70 000 % 4096 joins the first slot
    expect(errnoOf(() => w2.write(new Uint8Array(3000)))).toBe(Errno.EAGAIN);
    expect(r2.read(new Uint8Array(1))).toBe(1);
    expect(w2.poll(POLLOUT)).toBe(0); // no slot is free until one is read to its end
    expect(errnoOf(() => w2.write(new Uint8Array(1)))).toBe(Errno.EAGAIN);
    expect(r2.read(new Uint8Array(467))).toBe(467);
    expect(w2.poll(POLLOUT)).toBe(POLLOUT);
  });

  it('copy (tee) and move (splice) slot by slot into slots no write joins', () => {
    const [, w] = createPipe(O_NONBLOCK);
    const [r2, w2] = createPipe(O_NONBLOCK);
    const [from, to] = [w.pipe, w2.pipe];
    to.resize(4096); // one slot
    w.write(new Uint8Array(10).fill(7));
    expect(from.copyTo(to, 100)).toBe(10);
    expect([from.length, to.length]).toEqual([10, 10]);
    expect(errnoOf(() => w2.write(new Uint8Array(1)))).toBe(Errno.EAGAIN); // the copy takes no write
    expect(r2.read(new Uint8Array(10))).toEqual(10);
    expect(from.moveTo(to, 4)).toBe(4); // part of a slot: a copy
    expect(errnoOf(() => w2.write(new Uint8Array(1)))).toBe(Errno.EAGAIN);
    r2.read(new Uint8Array(10));
    expect(from.moveTo(to, 100)).toBe(6); // the rest of it, whole: still taking writes
    expect(w2.write(new Uint8Array(1))).toBe(1);
    expect(from.length).toBe(0);
  });
});
