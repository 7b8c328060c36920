import { describe, expect, it } from 'vitest';
import { FakePhysicalMemory } from './fake-platform.js';
import { MemoryAccount, PmemAllocator, RECYCLE_MAX } from './pmem-allocator.js';
import { ZxError, ZxStatus } from './status.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('PmemAllocator', () => {
  it('allocates first fit and coalesces freed neighbours', () => {
    const pmem = new FakePhysicalMemory(4 * MiB, 1 * MiB);
    const alloc = new PmemAllocator(pmem, { recycleLimit: 0 });
    const a = alloc.alloc(8 * KiB);
    const b = alloc.alloc(4 * KiB);
    const c = alloc.alloc(4 * KiB);
    expect([a, b, c]).toEqual([0, 8 * KiB, 12 * KiB]);
    alloc.free(a, 8 * KiB);
    alloc.free(c, 4 * KiB);
    expect(alloc.freeRanges()).toEqual([
      { start: 0, end: 8 * KiB },
      { start: 12 * KiB, end: 4 * MiB },
    ]);
    alloc.free(b, 4 * KiB);
    expect(alloc.freeRanges()).toEqual([{ start: 0, end: 4 * MiB }]);
    expect(alloc.allocatedBytes).toBe(0);
    expect(pmem.released).toEqual([
      [0, 8 * KiB],
      [12 * KiB, 4 * KiB],
      [8 * KiB, 4 * KiB],
    ]);
  });

  it('never lets an extent up to a chunk cross a chunk boundary', () => {
    const alloc = new PmemAllocator(new FakePhysicalMemory(4 * MiB, 1 * MiB));
    alloc.alloc(MiB - 8 * KiB);
    const big = alloc.alloc(16 * KiB);
    expect(big).toBe(MiB);
    const small = alloc.alloc(8 * KiB);
    expect(small).toBe(MiB - 8 * KiB);
    // Larger than a chunk: contiguous, allowed to span chunks.
    const huge = alloc.alloc(2 * MiB);
    expect(huge).toBe(MiB + 16 * KiB);
  });

  it('refuses double frees, bad sizes and exhaustion', () => {
    const alloc = new PmemAllocator(new FakePhysicalMemory(1 * MiB, 1 * MiB));
    const a = alloc.alloc(4 * KiB);
    alloc.free(a, 4 * KiB);
    expect(() => alloc.free(a, 4 * KiB)).toThrow(ZxError);
    expect(() => alloc.alloc(100)).toThrow(ZxError);
    try {
      alloc.alloc(2 * MiB);
      expect.unreachable();
    } catch (e) {
      expect((e as ZxError).status).toBe(ZxStatus.ERR_NO_MEMORY);
    }
  });

  it('grows in place only when the next frames are free', () => {
    const alloc = new PmemAllocator(new FakePhysicalMemory(4 * MiB, 1 * MiB));
    const a = alloc.alloc(4 * KiB);
    expect(alloc.tryGrow(a, 4 * KiB, 12 * KiB)).toBe(true);
    const b = alloc.alloc(4 * KiB);
    expect(b).toBe(12 * KiB);
    expect(alloc.tryGrow(a, 12 * KiB, 16 * KiB)).toBe(false);
    expect(alloc.allocatedBytes).toBe(16 * KiB);
  });

  it('charges an account and enforces its limit', () => {
    const alloc = new PmemAllocator(new FakePhysicalMemory(4 * MiB, 1 * MiB));
    const account = new MemoryAccount(16 * KiB);
    const a = alloc.alloc(12 * KiB, account);
    expect(account.used).toBe(12 * KiB);
    try {
      alloc.alloc(8 * KiB, account);
      expect.unreachable();
    } catch (e) {
      expect((e as ZxError).status).toBe(ZxStatus.ERR_NO_MEMORY);
    }
    expect(alloc.allocatedBytes).toBe(12 * KiB);
    alloc.free(a, 12 * KiB, account);
    expect(account.used).toBe(0);
  });

  it('lets the account reclaim cached memory before a charge fails', () => {
    const alloc = new PmemAllocator(new FakePhysicalMemory(4 * MiB, 1 * MiB));
    const account = new MemoryAccount(16 * KiB);
    let cache: number | null = alloc.alloc(12 * KiB, account);
    account.reclaim = () => {
      if (cache === null) return false;
      alloc.free(cache, 12 * KiB, account); // from inside alloc: the free list changes under it
      cache = null;
      return true;
    };
    const a = alloc.alloc(8 * KiB, account);
    expect(cache).toBeNull();
    expect(account.used).toBe(8 * KiB);
    expect(alloc.tryGrow(a, 8 * KiB, 16 * KiB, account)).toBe(true);
    expect(() => alloc.alloc(4 * KiB, account)).toThrow(ZxError);
    expect(account.used).toBe(16 * KiB);
    expect(alloc.allocatedBytes).toBe(16 * KiB);
  });

  describe('freed small extents kept populated', () => {
    it('hands them to allocOverwritten only, without a hole punched at the free', () => {
      const pmem = new FakePhysicalMemory(4 * MiB, 1 * MiB);
      const alloc = new PmemAllocator(pmem);
      const a = alloc.alloc(8 * KiB);
      alloc.free(a, 8 * KiB);
      expect(pmem.released).toEqual([]);
      expect([alloc.allocatedBytes, alloc.recycledBytes]).toEqual([0, 8 * KiB]);
      expect(alloc.alloc(8 * KiB)).not.toBe(a); // alloc returns zeros: never a kept extent
      expect(alloc.allocOverwritten(4 * KiB)).not.toBe(a); // only one of the same size
      expect(alloc.allocOverwritten(8 * KiB)).toBe(a);
      expect(alloc.recycledBytes).toBe(0);
    });

    it('keeps at most the limit, and no extent larger than RECYCLE_MAX', () => {
      const pmem = new FakePhysicalMemory(4 * MiB, 1 * MiB);
      const alloc = new PmemAllocator(pmem, { recycleLimit: 12 * KiB });
      const [a, b, big] = [alloc.alloc(8 * KiB), alloc.alloc(8 * KiB), alloc.alloc(RECYCLE_MAX + 4 * KiB)];
      alloc.free(a, 8 * KiB);
      alloc.free(b, 8 * KiB);
      alloc.free(big, RECYCLE_MAX + 4 * KiB);
      expect(pmem.released).toEqual([[b, 8 * KiB], [big, RECYCLE_MAX + 4 * KiB]]);
      expect(alloc.recycledBytes).toBe(8 * KiB);
      expect(() => alloc.free(a, 8 * KiB)).toThrow(ZxError); // a double free of a kept extent
    });

    it('frees them for real when the free list has no room, or a growth needs their frames', () => {
      const pmem = new FakePhysicalMemory(1 * MiB, 1 * MiB);
      const alloc = new PmemAllocator(pmem);
      const heap = alloc.alloc(8 * KiB);
      const next = alloc.alloc(8 * KiB);
      alloc.alloc(MiB - 16 * KiB);
      alloc.free(next, 8 * KiB);
      expect(alloc.tryGrow(heap, 8 * KiB, 12 * KiB)).toBe(true);
      expect(pmem.released).toEqual([[next, 8 * KiB]]);
      alloc.free(heap, 12 * KiB);
      expect(alloc.alloc(16 * KiB)).toBe(heap); // both kept extents, freed and coalesced
      expect(alloc.recycledBytes).toBe(0);
    });
  });
});
