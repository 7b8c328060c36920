/**
 * `struct stat` (x86-64, 144 bytes) and the {@link Stat} object the VFS speaks.
 *
 * @module
 */
import { timespecCodec, type Codec, type Timespec } from './codec.js';

/**
 * What stat(2) reports about a file. Identity fields (`dev`, `ino`, `rdev`) are bigint because
 * hosts use all 64 bits (overlayfs sets high inode bits); counts, sizes and times are numbers
 * (exact below 2^53).
 */
export interface Stat {
  dev: bigint;
  ino: bigint;
  /** File type (`S_IF*`) and permission bits. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  /** Device number of a character or block device (see `makedev`). */
  rdev: bigint;
  size: number;
  blksize: number;
  /** Number of 512-byte blocks allocated. */
  blocks: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
}

/** `struct stat` of x86-64 Linux (144 bytes). */
export const statCodec: Codec<Stat> = {
  size: 144,
  read(view, off) {
    return {
      dev: view.getBigUint64(off, true),
      ino: view.getBigUint64(off + 8, true),
      nlink: Number(view.getBigUint64(off + 16, true)),
      mode: view.getUint32(off + 24, true),
      uid: view.getUint32(off + 28, true),
      gid: view.getUint32(off + 32, true),
      rdev: view.getBigUint64(off + 40, true),
      size: Number(view.getBigInt64(off + 48, true)),
      blksize: Number(view.getBigInt64(off + 56, true)),
      blocks: Number(view.getBigInt64(off + 64, true)),
      atime: timespecCodec.read(view, off + 72),
      mtime: timespecCodec.read(view, off + 88),
      ctime: timespecCodec.read(view, off + 104),
    };
  },
  write(view, off, v) {
    view.setBigUint64(off, v.dev, true);
    view.setBigUint64(off + 8, v.ino, true);
    view.setBigUint64(off + 16, BigInt(v.nlink), true);
    view.setUint32(off + 24, v.mode, true);
    view.setUint32(off + 28, v.uid, true);
    view.setUint32(off + 32, v.gid, true);
    view.setUint32(off + 36, 0, true);
    view.setBigUint64(off + 40, v.rdev, true);
    view.setBigInt64(off + 48, BigInt(v.size), true);
    view.setBigInt64(off + 56, BigInt(v.blksize), true);
    view.setBigInt64(off + 64, BigInt(v.blocks), true);
    timespecCodec.write(view, off + 72, v.atime);
    timespecCodec.write(view, off + 88, v.mtime);
    timespecCodec.write(view, off + 104, v.ctime);
    for (let i = 120; i < 144; i += 8) view.setBigInt64(off + i, 0n, true);
  },
};
