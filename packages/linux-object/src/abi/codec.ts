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

/** The wall-clock time now, as file times are kept (ms resolution: JavaScript's clock). */
export function timespecNow(): Timespec {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
}

// Syscall paths move 64-bit fields as two 32-bit halves: no BigInt is allocated, and the value
// is exact for safe integers (beyond 2^53, the nearest double).
const TWO_32 = 0x1_0000_0000;

/** The signed 64-bit field at `off`, as a number. */
export function getI64(view: DataView, off: number): number {
  return view.getInt32(off + 4, true) * TWO_32 + view.getUint32(off, true);
}

/** The unsigned 64-bit field at `off`, as a number. */
export function getU64(view: DataView, off: number): number {
  return view.getUint32(off + 4, true) * TWO_32 + view.getUint32(off, true);
}

/** Store the integer `v` as a 64-bit field at `off`. */
export function setI64(view: DataView, off: number, v: number): void {
  view.setUint32(off, v >>> 0, true);
  view.setInt32(off + 4, Math.floor(v / TWO_32), true);
}

/** `struct timespec` (16 bytes: tv_sec, tv_nsec, both 64-bit). */
export const timespecCodec: Codec<Timespec> = {
  size: 16,
  read(view, off) {
    return { sec: getI64(view, off), nsec: getI64(view, off + 8) };
  },
  write(view, off, v) {
    setI64(view, off, v.sec);
    setI64(view, off + 8, v.nsec);
  },
};

/** A DataView over the bytes of `buf` (no copy; `buf` may be a view into guest memory). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * A buffer for one struct (or array of structs) at a time, read from guest memory and decoded at
 * once (or encoded and written out), with its DataView made once. A DataView over a fresh small
 * array costs ~0.7 µs: V8 first moves the array's bytes off its heap. The kernel is one thread,
 * and a handler is done with the struct before it reads the next.
 */
export class StructBuffer {
  bytes: Uint8Array;
  view: DataView;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  /** The first `size` bytes, after growing the buffer if it is smaller (`view` then changes too). */
  take(size: number): Uint8Array {
    if (size > this.bytes.length) {
      this.bytes = new Uint8Array(size);
      this.view = new DataView(this.bytes.buffer);
    }
    return size === this.bytes.length ? this.bytes : this.bytes.subarray(0, size);
  }
}
