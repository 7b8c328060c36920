import { describe, expect, it } from 'vitest';
import { StructBuffer, getI64, getU64, setI64 } from './codec.js';

describe('StructBuffer', () => {
  it('hands out the bytes asked for, growing when a larger struct array comes, with its view', () => {
    const b = new StructBuffer(8);
    const small = b.take(4);
    expect(small.length).toBe(4);
    expect(small.buffer).toBe(b.view.buffer);
    const big = b.take(64);
    expect(big.length).toBe(64);
    expect(b.bytes.length).toBe(64);
    b.view.setUint32(60, 0xdeadbeef, true);
    expect(big[60]).toBe(0xef); // the view and the bytes are one buffer after growing too
    expect(b.take(8).buffer).toBe(big.buffer); // no shrinking
  });
});

describe('64-bit fields as numbers', () => {
  it('round-trip safe integers, negative ones included, as BigInt stores would', () => {
    const v = new DataView(new ArrayBuffer(8));
    for (const n of [0, 1, -1, 2 ** 32, -(2 ** 32) - 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      setI64(v, 0, n);
      expect(v.getBigInt64(0, true)).toBe(BigInt(n));
      expect(getI64(v, 0)).toBe(n);
    }
    v.setBigUint64(0, 2n ** 63n + 7n, true);
    expect(getU64(v, 0)).toBe(Number(2n ** 63n + 7n));
  });
});
