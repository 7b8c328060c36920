import { describe, expect, it } from 'vitest';
import { O_NONBLOCK, O_RDONLY, O_WRONLY } from '../abi/fcntl.js';
import type { Stat } from '../abi/stat.js';
import { Errno } from '../errno.js';
import { errnoOf } from './errno-of.test-helper.js';
import { FifoState } from './fifo.js';

const stat = () => ({}) as Stat;
const text = (b: Uint8Array, n: number) => new TextDecoder().decode(b.subarray(0, n));

describe('FIFO', () => {
  it('refuses a nonblocking writer without a reader', () => {
    expect(errnoOf(() => new FifoState().open(O_WRONLY | O_NONBLOCK, '/f', stat))).toBe(Errno.ENXIO);
  });

  it('makes a reader wait for its first writer instead of seeing EOF, then shares one pipe', async () => {
    const fifo = new FifoState();
    const reader = fifo.open(O_RDONLY, '/f', stat);
    const buf = new Uint8Array(16);
    const pending = reader.read(buf);
    expect(pending).toBeInstanceOf(Promise);
    const writer = fifo.open(O_WRONLY, '/f', stat);
    await writer.write(new TextEncoder().encode('hi'));
    expect(text(buf, await pending)).toBe('hi');
    writer.close();
    expect(await reader.read(buf)).toBe(0); // the writer came and went: EOF
    reader.close();
    expect(fifo.pipe).toBeNull();
  });

  it('gives a reader that opened while a writer was open EOF once that writer has gone', async () => {
    // Linux's open would not have waited: the writer was there. (After a fork either side may
    // open first; the other order is the usual one, where the reader waits for a writer.)
    const fifo = new FifoState();
    const writer = fifo.open(O_WRONLY, '/f', stat);
    const reader = fifo.open(O_RDONLY, '/f', stat);
    await writer.write(new TextEncoder().encode('hi'));
    const buf = new Uint8Array(16);
    expect(text(buf, await reader.read(buf))).toBe('hi');
    writer.close();
    expect(await reader.read(buf)).toBe(0);
    reader.close();
  });
});
