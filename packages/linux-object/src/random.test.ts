import { describe, expect, it } from 'vitest';
import { fillRandom } from './random.js';

describe('fillRandom', () => {
  it('never hands the same bytes out twice, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(16);
      fillRandom(b);
      const hex = Buffer.from(b).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
    }
  });

  it('fills requests of every size, large ones directly', () => {
    for (const n of [0, 1, 7, 1024, 1025, 65536]) {
      const b = new Uint8Array(n);
      fillRandom(b);
      // 2^-64 odds that 8 random bytes are all zero
      if (n >= 8) expect(b.subarray(n - 8).some((x) => x !== 0)).toBe(true);
    }
  });
});
