/**
 * `struct linux_dirent64`, the records getdents64(2) fills a buffer with.
 *
 * Layout: d_ino (u64), d_off (s64), d_reclen (u16), d_type (u8), d_name (NUL-terminated), padded
 * so every record starts 8-byte aligned.
 *
 * @module
 */
import { bytesToString, stringBytesInto } from '@rvisor/zircon-object';

/** One decoded `linux_dirent64` record. */
export interface Dirent64 {
  ino: bigint;
  /** Position to seek to for the entry after this one (opaque to the guest). */
  off: bigint;
  /** `DT_*` type. */
  type: number;
  /** A byte string (one char per byte of the name). */
  name: string;
}

/** Offset of d_name inside a record. */
const NAME_OFFSET = 19;

/** Size of the record for a name of `nameBytes` bytes: header + name + NUL, 8-aligned. */
export function dirent64RecLen(nameBytes: number): number {
  return (NAME_OFFSET + nameBytes + 1 + 7) & ~7;
}

/** A record's header, built here and copied in: a DataView per record was an allocation each. */
const header = new Uint8Array(NAME_OFFSET);
const headerView = new DataView(header.buffer);

/**
 * Write one record at `off` of `buf`. Returns its d_reclen, or 0 when it does not fit in
 * `buf.byteLength - off` bytes (the caller stops there; Linux fails with EINVAL only if not even
 * the first record fits).
 */
export function writeDirent64(buf: Uint8Array, off: number, d: Dirent64): number {
  const nameLen = d.name.length; // a byte string: one char per byte
  const reclen = dirent64RecLen(nameLen);
  if (reclen > buf.byteLength - off) return 0;
  stringBytesInto(d.name, buf.subarray(off + NAME_OFFSET));
  headerView.setBigUint64(0, d.ino, true);
  headerView.setBigInt64(8, d.off, true);
  headerView.setUint16(16, reclen, true);
  headerView.setUint8(18, d.type);
  buf.set(header, off);
  buf.fill(0, off + NAME_OFFSET + nameLen, off + reclen);
  return reclen;
}

/** Decode the records in the first `length` bytes of `buf` (as getdents64 returned them). */
export function readDirents64(buf: Uint8Array, length: number): Dirent64[] {
  const out: Dirent64[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off + NAME_OFFSET < length) {
    const reclen = view.getUint16(off + 16, true);
    if (reclen < NAME_OFFSET + 1 || off + reclen > length) break;
    let end = off + NAME_OFFSET;
    while (end < off + reclen && buf[end] !== 0) end++;
    out.push({
      ino: view.getBigUint64(off, true),
      off: view.getBigInt64(off + 8, true),
      type: view.getUint8(off + 18),
      name: bytesToString(buf.subarray(off + NAME_OFFSET, end)),
    });
    off += reclen;
  }
  return out;
}
