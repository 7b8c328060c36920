/**
 * `struct stat` (x86-64, 144 bytes) and the {@link Stat} object the VFS speaks.
 *
 * @module
 */
import { getI64, getU64, setI64, type Codec, type Timespec } from './codec.js';

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
      nlink: getU64(view, off + 16),
      mode: view.getUint32(off + 24, true),
      uid: view.getUint32(off + 28, true),
      gid: view.getUint32(off + 32, true),
      rdev: view.getBigUint64(off + 40, true),
      size: getI64(view, off + 48),
      blksize: getI64(view, off + 56),
      blocks: getI64(view, off + 64),
      atime: { sec: getI64(view, off + 72), nsec: getI64(view, off + 80) },
      mtime: { sec: getI64(view, off + 88), nsec: getI64(view, off + 96) },
      ctime: { sec: getI64(view, off + 104), nsec: getI64(view, off + 112) },
    };
  },
  write(view, off, v) {
    view.setBigUint64(off, v.dev, true);
    view.setBigUint64(off + 8, v.ino, true);
    setI64(view, off + 16, v.nlink);
    view.setUint32(off + 24, v.mode, true);
    view.setUint32(off + 28, v.uid, true);
    view.setUint32(off + 32, v.gid, true);
    view.setUint32(off + 36, 0, true);
    view.setBigUint64(off + 40, v.rdev, true);
    setI64(view, off + 48, v.size);
    setI64(view, off + 56, v.blksize);
    setI64(view, off + 64, v.blocks);
    setI64(view, off + 72, v.atime.sec);
    setI64(view, off + 80, v.atime.nsec);
    setI64(view, off + 88, v.mtime.sec);
    setI64(view, off + 96, v.mtime.nsec);
    setI64(view, off + 104, v.ctime.sec);
    setI64(view, off + 112, v.ctime.nsec);
    for (let i = 120; i < 144; i += 4) view.setUint32(off + i, 0, true);
  },
};
