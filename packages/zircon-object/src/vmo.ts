/**
 * Virtual memory objects backed by one contiguous extent of pmem.
 *
 * @module
 */
import { KObject } from './object.js';
import { PAGE_SIZE } from './platform.js';
import { RECYCLE_MAX, isPageAligned, pageRoundUp, type MemoryAccount, type PmemAllocator } from './pmem-allocator.js';
import { ZxError, ZxStatus } from './status.js';

/** Something that maps VMOs into a guest (a Vmar), told when a VMO's frames move so it can remap. */
export interface VmoMapper {
  /** `vmo` now lives at a new pmem offset; call `oldFrames.done()` once the guest no longer maps the old ones. */
  onVmoMoved(vmo: Vmo, oldFrames: MovedFrames): void;
}

/** The old extent of a VMO that moved. It is freed once every mapper has remapped away from it. */
export class MovedFrames {
  #pending: number;
  readonly #free: () => void;

  constructor(pending: number, free: () => void) {
    this.#pending = pending;
    this.#free = free;
    if (pending === 0) free();
  }

  /** One mapper no longer maps the old frames. */
  done(): void {
    if (--this.#pending === 0) this.#free();
  }
}

/**
 * Where a VMO's bytes came from: what its discarded pages (`discard`) read as instead of zeros, as
 * Linux re-reads a private file mapping's pages after madvise(MADV_DONTNEED). Reference counted:
 * a VMO holds one reference to its source, and each child copy takes another.
 */
export interface VmoSource {
  /** Fill `buf` from the source's bytes at `offset`; returns how many it filled (the rest stay zeros). */
  readAt(buf: Uint8Array, offset: number): number;
  retain(): void;
  release(): void;
}

/** The bytes of a VMO that no longer changes, as the source of its child copies. */
function bytesOf(vmo: Vmo): VmoSource {
  vmo.retain();
  return {
    readAt(buf, offset) {
      const n = Math.max(0, Math.min(buf.length, vmo.size - offset));
      let at = 0;
      for (const seg of n > 0 ? vmo.segments(offset, n) : []) {
        buf.set(seg, at);
        at += seg.length;
      }
      return n;
    },
    retain: () => vmo.retain(),
    release: () => vmo.release(),
  };
}

/**
 * The file behind a VMO that holds a file's own pages (what shared mappings of a host file map):
 * it writes them back to the file, and hears when the VMO's last mapping goes. Not inherited by
 * child copies, which are private.
 */
export interface VmoBacking {
  /** Grow the VMO to at least `end` bytes, the new ones read from the file. */
  cover(end: number): void;
  /** Write the VMO's bytes to the file (msync). */
  writeBack(): void;
  /** The VMO's last mapping is gone (called each time it happens). */
  unmapped(): void;
}

/**
 * The file a VMO's bytes were read from, by its device and inode, for listings of what a process
 * maps (Linux's /proc/<pid>/maps). Child copies keep it (with their own {@link Vmo.originOffset}).
 */
export interface VmoOrigin {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** Options of {@link Vmo.create}. */
export interface VmoCreateOptions {
  /** Charge the VMO's frames to this account. */
  account?: MemoryAccount;
  name?: string;
  /** The file whose own pages the VMO holds. */
  backing?: VmoBacking;
  /** The file the bytes come from, and its offset of the VMO's first byte (default 0). */
  origin?: VmoOrigin;
  originOffset?: number;
  /**
   * The caller writes every byte before anything reads them: the frames may be ones a freed VMO
   * left populated (`PmemAllocator.allocOverwritten`) rather than zeros.
   */
  overwritten?: boolean;
}

/** Result of {@link Vmo.resize}. */
export interface VmoResizeResult {
  /** The VMO's frames moved to a new pmem offset (its mappings are remapped). */
  moved: boolean;
}

/**
 * NAME
 *   vmo - Virtual Memory Object
 *
 * SYNOPSIS
 *   `Vmo.create(alloc, size)` makes a VMO of `size` bytes (rounded up to pages) backed by one
 *   contiguous extent of pmem starting at `pmemOffset`. `read`/`write`/`zero` copy bytes;
 *   `segments` gives zero-copy views; `resize` grows or shrinks; `createChildCopy` clones.
 *
 * DESCRIPTION
 *   A VMO is reference counted: its creator holds one reference (dropped by `close()`), every
 *   handle and every VMAR mapping holds one. The extent is freed (and its pmem hole-punched) when
 *   the last reference goes. A fresh VMO reads as zeros.
 *
 *   Growing happens in place when the following frames are free; otherwise the VMO moves to a new
 *   extent and its mappers remap it (the old frames are freed once they have). Shrinking a mapped
 *   VMO keeps the frames reserved (hole-punched) so guests that still map them never see frames
 *   given to someone else.
 *
 *   `createChildCopy` is Zircon's copy-on-write child done eagerly: a full copy, except of pages
 *   the source never touched, which stay sparse (the platform's `pmem.copy` skips holes, but
 *   for small VMOs).
 *
 * RIGHTS
 *   READ to read, WRITE to write, MAP to map, checked by the caller through the handle.
 *
 * ERRORS
 *   ERR_OUT_OF_RANGE  an access beyond `size`.
 *   ERR_NO_MEMORY     no pmem left, or the account's limit reached.
 *   ERR_BAD_STATE     use after the last reference was dropped, or `close()` twice.
 */
export class Vmo extends KObject {
  static override readonly typeName: string = 'vmo';

  readonly allocator: PmemAllocator;
  readonly account: MemoryAccount | undefined;
  #offset = 0;
  #capacity = 0;
  #size = 0;
  #refs = 1;
  #closed = false;
  #source: VmoSource | undefined;
  /** Offset in the source of the VMO's first byte. */
  #sourceOffset = 0;
  /** Set once the bytes are final: child copies can read them again from here. */
  #frozen = false;
  /** Mappers and how many of their mappings use this VMO. */
  #mappers = new Map<VmoMapper, number>();
  #backing: VmoBacking | undefined;
  /** The file the bytes come from (see {@link VmoOrigin}), if any. */
  readonly origin: VmoOrigin | undefined;
  /** The file offset of the VMO's first byte. */
  readonly originOffset: number;

  private constructor(allocator: PmemAllocator, account: MemoryAccount | undefined, name: string, origin: VmoOrigin | undefined, originOffset: number) {
    super(name);
    this.allocator = allocator;
    this.account = account;
    this.origin = origin;
    this.originOffset = originOffset;
  }

  /** Create a zero-filled VMO of `size` bytes (rounded up to a page), unless `options.overwritten`. */
  static create(allocator: PmemAllocator, size: number, options: VmoCreateOptions = {}): Vmo {
    if (!Number.isSafeInteger(size) || size < 0) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, `bad size ${size}`);
    const vmo = new Vmo(allocator, options.account, options.name ?? '', options.origin, options.originOffset ?? 0);
    vmo.#backing = options.backing;
    const capacity = pageRoundUp(size);
    if (capacity > 0) {
      vmo.#offset = options.overwritten ? allocator.allocOverwritten(capacity, options.account) : allocator.alloc(capacity, options.account);
    }
    vmo.#capacity = capacity;
    vmo.#size = capacity;
    return vmo;
  }

  /** Size in bytes (a multiple of PAGE_SIZE). */
  get size(): number {
    return this.#size;
  }

  /** Offset of the VMO's first byte in pmem. Changes when `resize` moves the VMO. */
  get pmemOffset(): number {
    return this.#offset;
  }

  /** Whether any VMAR maps this VMO. */
  get isMapped(): boolean {
    return this.#mappers.size > 0;
  }

  /** Copy `len` bytes at `offset` out of the VMO. */
  read(offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let at = 0;
    for (const seg of this.segments(offset, len)) {
      out.set(seg, at);
      at += seg.length;
    }
    return out;
  }

  /** Copy `bytes` into the VMO at `offset`. */
  write(offset: number, bytes: Uint8Array): void {
    let at = 0;
    for (const seg of this.segments(offset, bytes.length)) {
      seg.set(bytes.subarray(at, at + seg.length));
      at += seg.length;
    }
  }

  /**
   * Fill `len` bytes at `offset` with zeros. Whole pages are given back to the host (a hole reads
   * as zeros): writing zeros would have made the host allocate every page of the range, as a
   * thread's exit (glibc's madvise of its 8 MiB stack) did, at ~300 µs a time.
   */
  zero(offset: number, len: number): void {
    this.#checkRange(offset, len);
    const start = pageRoundUp(offset);
    const end = Math.floor((offset + len) / PAGE_SIZE) * PAGE_SIZE;
    if (end > start) {
      this.#fill(offset, start - offset);
      this.allocator.pmem.release(this.#offset + start, end - start);
      this.#fill(end, offset + len - end);
    } else {
      this.#fill(offset, len);
    }
  }

  /**
   * Discard `len` bytes at `offset` (madvise MADV_DONTNEED): they read as the source's bytes
   * again (see {@link Vmo.setSource}), or as zeros when there is none or it has fewer.
   */
  discard(offset: number, len: number): void {
    this.zero(offset, len);
    const source = this.#source;
    if (source === undefined) return;
    let at = this.#sourceOffset + offset;
    for (const seg of this.segments(offset, len)) {
      const n = source.readAt(seg, at);
      if (n < seg.length) return;
      at += n;
    }
  }

  /**
   * What discarded bytes read as: `source` from `offset` on (this VMO takes over the caller's
   * reference to it). Child copies inherit it.
   */
  setSource(source: VmoSource, offset: number): void {
    this.#checkAlive();
    this.#source?.release();
    this.#source = source;
    this.#sourceOffset = offset;
  }

  /** The bytes will not change from now on: child copies re-read discarded bytes from this VMO. */
  freeze(): void {
    this.#frozen = true;
  }

  /**
   * Grow to at least `end` bytes (a grown shared mapping): the new bytes are the file's behind the
   * VMO if there is one, else zeros.
   */
  cover(end: number): void {
    if (end <= this.#size) return;
    if (this.#backing !== undefined) this.#backing.cover(end);
    else this.resize(end);
  }

  /** If nothing maps the VMO, tell the file behind it so (as its last unmapping would): a mapping of it failed. */
  unmappedNow(): void {
    if (this.#mappers.size === 0) this.#backing?.unmapped();
  }

  /** Write the bytes back to the file behind the VMO, if there is one (msync). */
  writeBack(): void {
    this.#backing?.writeBack();
  }

  /** Whether `freeze` was called: the bytes are final, and the VMO must not grow. */
  get frozen(): boolean {
    return this.#frozen;
  }

  #checkRange(offset: number, len: number): void {
    this.#checkAlive();
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(len) || offset < 0 || len < 0 || offset + len > this.#size) {
      throw new ZxError(ZxStatus.ERR_OUT_OF_RANGE, `vmo range ${offset}+${len} of ${this.#size}`);
    }
  }

  #fill(offset: number, len: number): void {
    for (const seg of this.segments(offset, len)) seg.fill(0);
  }

  /**
   * Copy up to `len` bytes of host file `fd` from `fileOffset` into [offset, offset+len), inside
   * the host ({@link PhysicalMemory.fill}): the bytes copied (fewer at the file's end) or -errno;
   * undefined where pmem cannot.
   */
  fillFromHost(offset: number, fd: number, fileOffset: number, len: number): number | undefined {
    this.#checkRange(offset, len);
    return this.allocator.pmem.fill?.(this.#offset + offset, fd, fileOffset, len);
  }

  /**
   * A zero-copy view of the bytes [offset, offset+len) when they lie in one pmem chunk (almost
   * always: chunks are large); undefined otherwise, or for a range outside the VMO.
   */
  view(offset: number, len: number): Uint8Array | undefined {
    this.#checkAlive();
    if (offset < 0 || len <= 0 || offset + len > this.#size) return undefined;
    const chunkSize = this.allocator.pmem.chunkSize;
    const p = this.#offset + offset;
    const within = p % chunkSize;
    if (within + len > chunkSize) return undefined;
    return this.allocator.pmem.chunk((p - within) / chunkSize).subarray(within, within + len);
  }

  /**
   * Zero-copy views of the bytes [offset, offset+len), in order (one per pmem chunk touched).
   * Valid until the VMO is resized or freed.
   */
  segments(offset: number, len: number): Uint8Array[] {
    this.#checkRange(offset, len);
    const pmem = this.allocator.pmem;
    const chunkSize = pmem.chunkSize;
    const out: Uint8Array[] = [];
    let p = this.#offset + offset;
    let left = len;
    while (left > 0) {
      const within = p % chunkSize;
      const n = Math.min(left, chunkSize - within);
      out.push(pmem.chunk(Math.floor(p / chunkSize)).subarray(within, within + n));
      p += n;
      left -= n;
    }
    return out;
  }

  /**
   * Grow to `newSize` (rounded up to a page) without moving: within the frames the VMO holds, or
   * into the free frames right after them. False, and nothing changed, when neither is possible.
   * ERR_NO_MEMORY when the account's limit forbids it.
   */
  growInPlace(newSize: number): boolean {
    this.#checkAlive();
    if (!Number.isSafeInteger(newSize) || newSize < 0) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, `bad size ${newSize}`);
    const newCap = pageRoundUp(newSize);
    if (newCap <= this.#size) return newCap === this.#size;
    if (newCap > this.#capacity) {
      if (this.#capacity === 0 || !this.allocator.tryGrow(this.#offset, this.#capacity, newCap, this.account)) return false;
      this.#capacity = newCap;
    }
    this.#size = newCap;
    return true;
  }

  /** Change the size to `newSize` (rounded up to a page); new bytes read as zeros. */
  resize(newSize: number): VmoResizeResult {
    this.#checkAlive();
    if (!Number.isSafeInteger(newSize) || newSize < 0) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, `bad size ${newSize}`);
    const newCap = pageRoundUp(newSize);
    if (newCap < this.#size) {
      this.#dropTail(newCap);
      this.#size = newCap;
      return { moved: false };
    }
    if (this.growInPlace(newCap)) return { moved: false };
    const newOffset = this.allocator.alloc(newCap, this.account);
    const oldOffset = this.#offset;
    const oldCapacity = this.#capacity;
    const oldSize = this.#size;
    this.allocator.pmem.copy(oldOffset, newOffset, oldSize);
    this.#offset = newOffset;
    this.#capacity = newCap;
    this.#size = newCap;
    if (oldCapacity === 0) return { moved: false };
    const freeOld = (): void => this.allocator.free(oldOffset, oldCapacity, this.account);
    const oldFrames = new MovedFrames(this.#mappers.size, freeOld);
    for (const mapper of this.#mappers.keys()) mapper.onVmoMoved(this, oldFrames);
    return { moved: true };
  }

  /**
   * A new VMO holding a copy of [offset, offset+len) (default: all of this VMO), of `size` bytes
   * (default `len`; more leaves the rest zero).
   */
  createChildCopy(offset = 0, len = this.#size - offset, size = len): Vmo {
    this.#checkAlive();
    if (!isPageAligned(offset) || !Number.isSafeInteger(len) || len < 0 || offset + len > this.#size) {
      throw new ZxError(ZxStatus.ERR_OUT_OF_RANGE, `child range ${offset}+${len} of ${this.#size}`);
    }
    if (!Number.isSafeInteger(size) || size < len) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, `child size ${size} < ${len}`);
    // Small and copied to its end: every byte is written, so into frames a freed VMO left
    // populated, when there are some (a copy that skips the source's holes needs zeros).
    const whole = size === pageRoundUp(len) && size <= RECYCLE_MAX;
    const child = Vmo.create(this.allocator, size, {
      account: this.account, name: this.name, overwritten: whole, origin: this.origin, originOffset: this.originOffset + offset,
    });
    if (whole) this.allocator.pmem.overwrite(this.#offset + offset, child.#offset, size);
    else this.allocator.pmem.copy(this.#offset + offset, child.#offset, pageRoundUp(len));
    if (this.#source !== undefined) {
      this.#source.retain();
      child.setSource(this.#source, this.#sourceOffset + offset);
    } else if (this.#frozen) {
      child.setSource(bytesOf(this), offset);
    }
    return child;
  }

  /** Drop the creator's reference. */
  close(): void {
    if (this.#closed) throw new ZxError(ZxStatus.ERR_BAD_STATE, 'vmo already closed');
    this.#closed = true;
    this.release();
  }

  /** Take a reference (kept until `release()`). */
  retain(): void {
    this.#checkAlive();
    this.#refs++;
  }

  /** Drop a reference taken with `retain()`; the last one frees the frames. */
  release(): void {
    this.#checkAlive();
    if (--this.#refs > 0) return;
    if (this.#capacity > 0) this.allocator.free(this.#offset, this.#capacity, this.account);
    this.#capacity = 0;
    this.#size = 0;
    this.#source?.release();
    this.#source = undefined;
  }

  /** Number of references held. */
  get refCount(): number {
    return this.#refs;
  }

  /** @internal */
  override handleOpened(): void {
    this.retain();
    super.handleOpened();
  }

  /** @internal */
  override handleClosed(): void {
    super.handleClosed();
    this.release();
  }

  /** Whether every reference to this VMO is a mapping of `mapper`'s: no one else can see its memory. */
  mappedOnlyBy(mapper: VmoMapper): boolean {
    return this.#mappers.size === 1 && this.#mappers.get(mapper) === this.#refs;
  }

  /** @internal A mapper added a mapping of this VMO (takes a reference). */
  attach(mapper: VmoMapper): void {
    this.retain();
    this.#mappers.set(mapper, (this.#mappers.get(mapper) ?? 0) + 1);
  }

  /** @internal A mapper's mapping of this VMO is gone from the guest (drops its reference). */
  detach(mapper: VmoMapper): void {
    const n = this.#mappers.get(mapper) ?? 0;
    if (n <= 1) this.#mappers.delete(mapper);
    else this.#mappers.set(mapper, n - 1);
    if (this.#mappers.size === 0 && this.#refs > 1 && this.#capacity > this.#size) {
      // Frames kept only because a guest still mapped them can go now.
      this.allocator.free(this.#offset + this.#size, this.#capacity - this.#size, this.account);
      this.#capacity = this.#size;
    }
    if (this.#mappers.size === 0) this.#backing?.unmapped(); // while this mapping's reference holds the frames
    this.release();
  }

  /** Shrink to `newCap` bytes: free the tail, or only hole-punch it while guests map it. */
  #dropTail(newCap: number): void {
    const tail = this.#capacity - newCap;
    if (tail === 0) return;
    if (this.isMapped) {
      this.allocator.pmem.release(this.#offset + newCap, this.#size - newCap);
      return;
    }
    this.allocator.free(this.#offset + newCap, tail, this.account);
    this.#capacity = newCap;
  }

  #checkAlive(): void {
    if (this.#refs <= 0) throw new ZxError(ZxStatus.ERR_BAD_STATE, 'vmo is gone');
  }
}

