/**
 * Linux's x86-64 `struct statfs` (120 bytes), for statfs(2) and host fstatfs results.
 *
 * @module
 */
import type { Codec } from '../abi/codec.js';
import type { StatFs } from './inode.js';

/** Codec of `struct statfs`: seven 64-bit counts, `f_fsid`, then namelen, frsize, flags, spare. */
export const statfsCodec: Codec<StatFs> = {
  size: 120,
  read(v, off) {
    const n = (at: number) => Number(v.getBigInt64(off + at, true));
    const u = (at: number) => v.getBigUint64(off + at, true);
    return {
      type: n(0), bsize: n(8), blocks: u(16), bfree: u(24), bavail: u(32), files: u(40), ffree: u(48),
      fsid: [v.getInt32(off + 56, true), v.getInt32(off + 60, true)],
      namelen: n(64), frsize: n(72), flags: n(80),
    };
  },
  write(v, off, s) {
    for (let i = 0; i < 120; i += 8) v.setBigUint64(off + i, 0n, true);
    v.setBigInt64(off, BigInt(s.type), true);
    v.setBigInt64(off + 8, BigInt(s.bsize), true);
    v.setBigUint64(off + 16, s.blocks, true);
    v.setBigUint64(off + 24, s.bfree, true);
    v.setBigUint64(off + 32, s.bavail, true);
    v.setBigUint64(off + 40, s.files, true);
    v.setBigUint64(off + 48, s.ffree, true);
    v.setInt32(off + 56, s.fsid[0], true);
    v.setInt32(off + 60, s.fsid[1], true);
    v.setBigInt64(off + 64, BigInt(s.namelen), true);
    v.setBigInt64(off + 72, BigInt(s.frsize), true);
    v.setBigInt64(off + 80, BigInt(s.flags), true);
  },
};
