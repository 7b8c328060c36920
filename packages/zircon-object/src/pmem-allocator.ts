/**
 * Allocation of physical memory (pmem) frames as contiguous extents, with per-container accounting.
 *
 * @module
 */
import { PAGE_SIZE, type PhysicalMemory } from './platform.js';
import { ZxError, ZxStatus } from './status.js';

/** Round `n` up to a multiple of PAGE_SIZE. */
export function pageRoundUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/** Whether `n` is a non-negative multiple of PAGE_SIZE. */
export function isPageAligned(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n % PAGE_SIZE === 0;
}

/**
 * Bytes of pmem charged to one owner (a container), with an optional limit: a charge that would
 * exceed it fails with ERR_NO_MEMORY.
 */
export class MemoryAccount {
  #used = 0;

  /** @param limit maximum bytes (default: no limit); it may be changed later (lowering it below `used` only stops growth) */
  constructor(public limit = Infinity) {}

  /** Bytes currently charged. */
  get used(): number {
    return this.#used;
  }

  /**
   * Called once when a charge would pass the limit, before it fails: frees what the owner only
   * keeps to go faster (caches) and returns whether it freed anything.
   */
  reclaim: (() => boolean) | null = null;

  /** Charge `bytes`. Throws ERR_NO_MEMORY if the limit would be exceeded. */
  charge(bytes: number): void {
    if (this.#used + bytes > this.limit && !(this.reclaim?.() && this.#used + bytes <= this.limit)) {
      throw new ZxError(ZxStatus.ERR_NO_MEMORY, 'memory limit reached');
    }
    this.#used += bytes;
  }

  /** Give back `bytes` charged earlier. */
  uncharge(bytes: number): void {
    this.#used -= bytes;
  }
}

/**
 * Extents up to this size may be kept populated when freed, for a copy that writes every byte
 * (`PhysicalMemory.overwrite`): a fork's copies of small mappings, which are most of them.
 */
export const RECYCLE_MAX = 64 * 1024;

/** Bytes of freed extents kept populated for reuse, by default. */
const RECYCLE_LIMIT = 1024 * 1024;

export interface PmemAllocatorOptions {
  /** Most bytes of freed extents kept populated for {@link PmemAllocator.allocOverwritten} (default 1 MiB; 0: none). */
  recycleLimit?: number;
}

interface Range {
  start: number;
  end: number;
}

/**
 * NAME
 *   pmem allocator - hands out frames of physical memory
 *
 * SYNOPSIS
 *   `alloc(size, account?)` returns the pmem offset of a contiguous, page-aligned extent of zeros;
 *   `allocOverwritten(size, account?)` one whose old bytes the caller overwrites whole;
 *   `free(offset, size, account?)` returns it and punches a hole so the host reclaims the memory.
 *
 * DESCRIPTION
 *   First fit over a sorted free list; freed extents coalesce with free neighbours. An extent no
 *   larger than `pmem.chunkSize` never crosses a chunk boundary, so it is one view of one chunk.
 *   pmem is sparse: untouched pages cost nothing, so extents are allocated whole.
 *
 *   Freed extents of at most RECYCLE_MAX bytes are kept as they are, up to `recycleLimit` bytes in
 *   all, for `allocOverwritten` (a fork's copies of small mappings): the host then neither frees
 *   their pages at the free nor allocates and faults in new ones at the copy. Copying 36 KiB into
 *   populated frames took 4–6 µs against 13–14 µs into a hole, and the hole punch saved is 7–9 µs
 *   more. Only `allocOverwritten` hands them out, so `alloc` always returns zeros; when the free
 *   list has no room, the kept extents are freed for real first.
 *
 * ERRORS
 *   ERR_INVALID_ARGS size or offset not page aligned, or a free of memory that is not allocated.
 *   ERR_NO_MEMORY    no free extent is large enough, or the account's limit is reached.
 */
export class PmemAllocator {
  readonly pmem: PhysicalMemory;
  /** Free ranges, sorted and never adjacent (adjacent ones are merged). */
  #free: Range[];
  #allocated = 0;
  /** Freed extents kept populated, by size. */
  readonly #recycled = new Map<number, number[]>();
  #recycledBytes = 0;
  readonly #recycleLimit: number;

  constructor(pmem: PhysicalMemory, options: PmemAllocatorOptions = {}) {
    this.pmem = pmem;
    this.#free = pmem.size > 0 ? [{ start: 0, end: pmem.size }] : [];
    this.#recycleLimit = options.recycleLimit ?? RECYCLE_LIMIT;
  }

  /** Bytes currently allocated. */
  get allocatedBytes(): number {
    return this.#allocated;
  }

  /** Bytes of freed extents kept populated for reuse. */
  get recycledBytes(): number {
    return this.#recycledBytes;
  }

  /** Bytes still free (kept extents included: they are freed for real when room runs out). */
  get freeBytes(): number {
    return this.pmem.size - this.#allocated;
  }

  /** The free ranges (for tests and diagnostics). */
  freeRanges(): readonly { start: number; end: number }[] {
    return this.#free.map((r) => ({ ...r }));
  }

  /** Allocate `size` bytes (a positive multiple of PAGE_SIZE); returns the pmem offset. */
  alloc(size: number, account?: MemoryAccount): number {
    if (!isPageAligned(size) || size === 0) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, `bad size ${size}`);
    account?.charge(size); // before the search: a charge may free extents (MemoryAccount.reclaim)
    let start = this.#firstFit(size);
    if (start < 0 && this.#releaseKept(0, this.pmem.size)) start = this.#firstFit(size);
    if (start < 0) {
      account?.uncharge(size);
      throw new ZxError(ZxStatus.ERR_NO_MEMORY, `no free extent of ${size} bytes`);
    }
    this.#allocated += size;
    return start;
  }

  /**
   * Allocate `size` bytes that the caller overwrites whole before anything reads them: an extent
   * freed earlier and kept populated when there is one of that size, else fresh frames.
   */
  allocOverwritten(size: number, account?: MemoryAccount): number {
    const kept = this.#recycled.get(size);
    if (kept === undefined || kept.length === 0) return this.alloc(size, account);
    account?.charge(size);
    const offset = kept.pop()!;
    this.#recycledBytes -= size;
    this.#allocated += size;
    return offset;
  }

  /**
   * Grow the extent [offset, offset+oldSize) in place to `newSize` if the frames after it are free
   * (and, for extents up to a chunk, in the same chunk). Returns whether it grew.
   */
  tryGrow(offset: number, oldSize: number, newSize: number, account?: MemoryAccount): boolean {
    if (newSize <= oldSize) return true;
    const end = offset + oldSize;
    const newEnd = offset + newSize;
    const chunk = this.pmem.chunkSize;
    if (newSize <= chunk && Math.floor(offset / chunk) !== Math.floor((newEnd - 1) / chunk)) return false;
    const fits = (i: number) => i >= 0 && this.#free[i].start === end && this.#free[i].end >= newEnd;
    if (!fits(this.#upperBound(end) - 1)) {
      // Kept extents in the way (a heap's freed tail, a neighbour's frames) are freed for real.
      if (!this.#releaseKept(end, newEnd) || !fits(this.#upperBound(end) - 1)) return false;
    }
    account?.charge(newSize - oldSize); // may free extents: the free list is looked up again
    this.#take(this.#upperBound(end) - 1, end, newEnd);
    this.#allocated += newSize - oldSize;
    return true;
  }

  /** Free the extent [offset, offset+size) and punch a hole in pmem behind it. */
  free(offset: number, size: number, account?: MemoryAccount): void {
    if (!isPageAligned(offset) || !isPageAligned(size) || offset + size > this.pmem.size) {
      throw new ZxError(ZxStatus.ERR_INVALID_ARGS, `bad extent ${offset}+${size}`);
    }
    if (size === 0) return;
    const end = offset + size;
    // Index of the first free range that starts after `offset`.
    const i = this.#upperBound(offset);
    const prev = this.#free[i - 1];
    const next = this.#free[i];
    if ((prev && prev.end > offset) || (next && next.start < end) || this.#recycled.get(size)?.includes(offset)) {
      throw new ZxError(ZxStatus.ERR_INVALID_ARGS, `double free of ${offset}+${size}`);
    }
    account?.uncharge(size);
    this.#allocated -= size;
    if (size <= RECYCLE_MAX && this.#recycledBytes + size <= this.#recycleLimit) {
      const kept = this.#recycled.get(size);
      if (kept) kept.push(offset);
      else this.#recycled.set(size, [offset]);
      this.#recycledBytes += size;
      return;
    }
    this.#release(offset, size, i);
  }

  /**
   * Punch the hole behind [offset, offset+size) and put it on the free list; `i` is the index of
   * the first free range that starts after `offset`, when the caller has it.
   */
  #release(offset: number, size: number, i = this.#upperBound(offset)): void {
    const end = offset + size;
    const prev = this.#free[i - 1];
    const next = this.#free[i];
    this.pmem.release(offset, size);
    if (prev && prev.end === offset) {
      prev.end = end;
      if (next && next.start === end) {
        prev.end = next.end;
        this.#free.splice(i, 1);
      }
    } else if (next && next.start === end) {
      next.start = offset;
    } else {
      this.#free.splice(i, 0, { start: offset, end });
    }
  }

  /** Free for real the kept extents that overlap [start, end); returns whether there were any. */
  #releaseKept(start: number, end: number): boolean {
    let found = false;
    for (const [size, offsets] of this.#recycled) {
      for (let i = offsets.length - 1; i >= 0; i--) {
        const offset = offsets[i];
        if (offset >= end || offset + size <= start) continue;
        offsets.splice(i, 1);
        this.#recycledBytes -= size;
        this.#release(offset, size);
        found = true;
      }
    }
    return found;
  }

  /** Take the first free extent of `size` bytes (within one chunk if it fits in one); -1 if none. */
  #firstFit(size: number): number {
    const chunk = this.pmem.chunkSize;
    for (let i = 0; i < this.#free.length; i++) {
      const range = this.#free[i];
      let start = range.start;
      if (size <= chunk && Math.floor(start / chunk) !== Math.floor((start + size - 1) / chunk)) {
        start = Math.ceil(start / chunk) * chunk;
      }
      if (start + size > range.end) continue;
      this.#take(i, start, start + size);
      return start;
    }
    return -1;
  }

  /** Remove [start, end) from free range `i`, which contains it. */
  #take(i: number, start: number, end: number): void {
    const range = this.#free[i];
    const pieces: Range[] = [];
    if (range.start < start) pieces.push({ start: range.start, end: start });
    if (end < range.end) pieces.push({ start: end, end: range.end });
    this.#free.splice(i, 1, ...pieces);
  }

  /** The index of the first free range whose start is > `offset`. */
  #upperBound(offset: number): number {
    let lo = 0;
    let hi = this.#free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#free[mid].start <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
