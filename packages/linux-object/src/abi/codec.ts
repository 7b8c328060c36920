/**
 * The shape every ABI struct codec has: a fixed size and little-endian read/write at an offset.
 *
 * @module
 */

/** Reads and writes one C struct of a fixed `size` in a DataView (little-endian, x86-64 layout). */
export interface Codec<T> {
  /** Size of the struct in bytes. */
  readonly size: number;
  /** Decode the struct at byte offset `off` of `view`. */
  read(view: DataView, off: number): T;
  /** Encode `v` at byte offset `off` of `view`. */
  write(view: DataView, off: number, v: T): void;
}

/** A point in time or a duration as Linux's `struct timespec`: seconds and nanoseconds. */
export interface Timespec {
  sec: number;
  nsec: number;
}

/** `struct timespec` (16 bytes: tv_sec, tv_nsec, both 64-bit). */
export const timespecCodec: Codec<Timespec> = {
  size: 16,
  read(view, off) {
    return {
      sec: Number(view.getBigInt64(off, true)),
      nsec: Number(view.getBigInt64(off + 8, true)),
    };
  },
  write(view, off, v) {
    view.setBigInt64(off, BigInt(v.sec), true);
    view.setBigInt64(off + 8, BigInt(v.nsec), true);
  },
};

/** A DataView over the bytes of `buf` (no copy; `buf` may be a view into guest memory). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
