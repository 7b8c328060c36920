import { describe, expect, it } from 'vitest';
import { statCodec, type Stat } from './stat.js';

const sample: Stat = {
  dev: 0xfd01n, ino: 0x8000_0000_0000_1234n, mode: 0o100644, nlink: 3, uid: 1000, gid: 0xfffffffe,
  rdev: 0n, size: 2 ** 40 + 5, blksize: 4096, blocks: 2 ** 33 + 8,
  atime: { sec: -1, nsec: 999_999_999 }, mtime: { sec: -(2 ** 35) - 7, nsec: 0 },
  ctime: { sec: 2 ** 34 + 1, nsec: 1 },
};

describe('statCodec', () => {
  it('round-trips 64-bit counts, negative times and 64-bit identities', () => {
    const view = new DataView(new ArrayBuffer(statCodec.size));
    statCodec.write(view, 0, sample);
    expect(statCodec.read(view, 0)).toEqual(sample);
  });

  it('lays fields out as x86-64 struct stat, little-endian two\'s complement', () => {
    const view = new DataView(new ArrayBuffer(statCodec.size));
    new Uint8Array(view.buffer).fill(0xff);
    statCodec.write(view, 0, sample);
    expect(view.getBigInt64(48, true)).toBe(BigInt(sample.size));
    expect(view.getBigInt64(72, true)).toBe(-1n);
    expect(view.getBigInt64(88, true)).toBe(BigInt(sample.mtime.sec));
    expect(view.getBigUint64(16, true)).toBe(3n);
    for (let i = 120; i < 144; i++) expect(view.getUint8(i)).toBe(0);
  });
});
