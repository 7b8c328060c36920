import { describe, expect, it } from 'vitest';
import { readDirents64, writeDirent64, dirent64RecLen } from './dirent.js';
import { devMajor, devMinor, makedev, S_IFREG } from './mode.js';
import { statCodec, type Stat } from './stat.js';
import { statxCodec, statxFromStat } from './statx.js';

const stat: Stat = {
  dev: makedev(259, 2), ino: 0x8000_0000_0000_0001n, mode: S_IFREG | 0o644, nlink: 1, uid: 1000,
  gid: 100, rdev: 0n, size: 12345, blksize: 4096, blocks: 32,
  atime: { sec: 1700000000, nsec: 1 }, mtime: { sec: 1700000001, nsec: 2 }, ctime: { sec: 3, nsec: 4 },
};

describe('abi', () => {
  it('struct stat has the x86-64 layout', () => {
    const buf = new DataView(new ArrayBuffer(144));
    statCodec.write(buf, 0, stat);
    expect(buf.getBigUint64(8, true)).toBe(stat.ino);
    expect(buf.getUint32(24, true)).toBe(stat.mode);
    expect(buf.getBigInt64(48, true)).toBe(12345n);
    expect(buf.getBigInt64(88, true)).toBe(1700000001n);
    expect(statCodec.read(buf, 0)).toEqual(stat);
  });

  it('statx round-trips and splits device numbers', () => {
    const buf = new DataView(new ArrayBuffer(256));
    const sx = statxFromStat(stat);
    statxCodec.write(buf, 0, sx);
    expect(statxCodec.read(buf, 0)).toEqual(sx);
    expect(buf.getUint32(136, true)).toBe(259);
    expect(buf.getUint32(140, true)).toBe(2);
  });

  it('makedev matches glibc', () => {
    expect(makedev(1, 3)).toBe(0x103n);
    expect(makedev(259, 2)).toBe(0x10302n);
    const big = makedev(0x12345, 0x6789a);
    expect([devMajor(big), devMinor(big)]).toEqual([0x12345, 0x6789a]);
  });

  it('linux_dirent64 records are 8-aligned and decode back', () => {
    const buf = new Uint8Array(64);
    const n1 = writeDirent64(buf, 0, { ino: 5n, off: 1n, type: 4, name: '.' });
    expect(n1).toBe(24);
    const n2 = writeDirent64(buf, n1, { ino: 6n, off: 2n, type: 8, name: 'hello' });
    expect(n2).toBe(dirent64RecLen(5));
    expect(n2 % 8).toBe(0);
    expect(writeDirent64(buf, n1 + n2, { ino: 7n, off: 3n, type: 8, name: 'x'.repeat(30) })).toBe(0);
    expect(readDirents64(buf, n1 + n2)).toEqual([
      { ino: 5n, off: 1n, type: 4, name: '.' },
      { ino: 6n, off: 2n, type: 8, name: 'hello' },
    ]);
  });

  it('a linux_dirent64 record that does not fit writes nothing, and names are bytes', () => {
    for (const name of ['x'.repeat(30), '\xc3\xa9'.repeat(15), '\xff'.repeat(30)]) {
      const buf = new Uint8Array(48).fill(0xaa);
      expect(writeDirent64(buf, 24, { ino: 7n, off: 3n, type: 8, name })).toBe(0);
      expect(buf.every((b) => b === 0xaa)).toBe(true);
    }
    const buf = new Uint8Array(64);
    const n = writeDirent64(buf, 0, { ino: 1n, off: 1n, type: 8, name: 'a\xff\xc3\xa9' });
    expect(buf.subarray(19, 24)).toEqual(new Uint8Array([0x61, 0xff, 0xc3, 0xa9, 0]));
    expect(readDirents64(buf, n)).toEqual([{ ino: 1n, off: 1n, type: 8, name: 'a\xff\xc3\xa9' }]);
  });
});
