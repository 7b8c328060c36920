/**
 * `struct statx` (256 bytes) for statx(2), and its conversion from a {@link Stat}.
 *
 * @module
 */
import type { Codec, Timespec } from './codec.js';
import { devMajor, devMinor } from './mode.js';
import type { Stat } from './stat.js';

export const STATX_TYPE = 0x1;
export const STATX_MODE = 0x2;
export const STATX_NLINK = 0x4;
export const STATX_UID = 0x8;
export const STATX_GID = 0x10;
export const STATX_ATIME = 0x20;
export const STATX_MTIME = 0x40;
export const STATX_CTIME = 0x80;
export const STATX_INO = 0x100;
export const STATX_SIZE = 0x200;
export const STATX_BLOCKS = 0x400;
/** Everything struct stat has. */
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_BTIME = 0x800;
export const STATX_MNT_ID = 0x1000;
export const STATX_DIOALIGN = 0x2000;

/** The fields of `struct statx` this kernel fills in. */
export interface Statx {
  /** Which fields are valid (`STATX_*`). */
  mask: number;
  blksize: number;
  attributes: bigint;
  nlink: number;
  uid: number;
  gid: number;
  /** File type and permission bits (16 bits). */
  mode: number;
  ino: bigint;
  size: number;
  blocks: number;
  attributesMask: bigint;
  atime: Timespec;
  btime: Timespec;
  ctime: Timespec;
  mtime: Timespec;
  rdevMajor: number;
  rdevMinor: number;
  devMajor: number;
  devMinor: number;
  mntId: bigint;
}

// struct statx_timestamp: tv_sec (s64), tv_nsec (u32), reserved (s32).
function readTimestamp(view: DataView, off: number): Timespec {
  return { sec: Number(view.getBigInt64(off, true)), nsec: view.getUint32(off + 8, true) };
}
function writeTimestamp(view: DataView, off: number, t: Timespec): void {
  view.setBigInt64(off, BigInt(t.sec), true);
  view.setUint32(off + 8, t.nsec, true);
  view.setInt32(off + 12, 0, true);
}

/** `struct statx` (256 bytes; the spare tail is written as zeros). */
export const statxCodec: Codec<Statx> = {
  size: 256,
  read(view, off) {
    return {
      mask: view.getUint32(off, true),
      blksize: view.getUint32(off + 4, true),
      attributes: view.getBigUint64(off + 8, true),
      nlink: view.getUint32(off + 16, true),
      uid: view.getUint32(off + 20, true),
      gid: view.getUint32(off + 24, true),
      mode: view.getUint16(off + 28, true),
      ino: view.getBigUint64(off + 32, true),
      size: Number(view.getBigUint64(off + 40, true)),
      blocks: Number(view.getBigUint64(off + 48, true)),
      attributesMask: view.getBigUint64(off + 56, true),
      atime: readTimestamp(view, off + 64),
      btime: readTimestamp(view, off + 80),
      ctime: readTimestamp(view, off + 96),
      mtime: readTimestamp(view, off + 112),
      rdevMajor: view.getUint32(off + 128, true),
      rdevMinor: view.getUint32(off + 132, true),
      devMajor: view.getUint32(off + 136, true),
      devMinor: view.getUint32(off + 140, true),
      mntId: view.getBigUint64(off + 144, true),
    };
  },
  write(view, off, v) {
    for (let i = 0; i < 256; i += 8) view.setBigUint64(off + i, 0n, true);
    view.setUint32(off, v.mask, true);
    view.setUint32(off + 4, v.blksize, true);
    view.setBigUint64(off + 8, v.attributes, true);
    view.setUint32(off + 16, v.nlink, true);
    view.setUint32(off + 20, v.uid, true);
    view.setUint32(off + 24, v.gid, true);
    view.setUint16(off + 28, v.mode, true);
    view.setBigUint64(off + 32, v.ino, true);
    view.setBigUint64(off + 40, BigInt(v.size), true);
    view.setBigUint64(off + 48, BigInt(v.blocks), true);
    view.setBigUint64(off + 56, v.attributesMask, true);
    writeTimestamp(view, off + 64, v.atime);
    writeTimestamp(view, off + 80, v.btime);
    writeTimestamp(view, off + 96, v.ctime);
    writeTimestamp(view, off + 112, v.mtime);
    view.setUint32(off + 128, v.rdevMajor, true);
    view.setUint32(off + 132, v.rdevMinor, true);
    view.setUint32(off + 136, v.devMajor, true);
    view.setUint32(off + 140, v.devMinor, true);
    view.setBigUint64(off + 144, v.mntId, true);
  },
};

/** A statx answer built from a {@link Stat}: the basic fields, no birth time. */
export function statxFromStat(s: Stat, mntId = 0n): Statx {
  return {
    mask: STATX_BASIC_STATS | STATX_MNT_ID,
    blksize: s.blksize,
    attributes: 0n,
    nlink: s.nlink,
    uid: s.uid,
    gid: s.gid,
    mode: s.mode & 0xffff,
    ino: s.ino,
    size: s.size,
    blocks: s.blocks,
    attributesMask: 0n,
    atime: s.atime,
    btime: { sec: 0, nsec: 0 },
    ctime: s.ctime,
    mtime: s.mtime,
    rdevMajor: devMajor(s.rdev),
    rdevMinor: devMinor(s.rdev),
    devMajor: devMajor(s.dev),
    devMinor: devMinor(s.dev),
    mntId,
  };
}
