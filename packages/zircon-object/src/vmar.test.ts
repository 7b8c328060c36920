import { describe, expect, it } from 'vitest';
import { FakePhysicalMemory } from './fake-platform.js';
import { PmemAllocator } from './pmem-allocator.js';
import { PageFaultError, ZxError, ZxStatus } from './status.js';
import { Vmo } from './vmo.js';
import { LAZY_COPY_MIN, Prot, Vmar } from './vmar.js';

const P = 4096;
const BASE = 0x10000;
const SIZE = 0x1000000;
const FD = 7;
const RW = Prot.READ | Prot.WRITE;

function setup() {
  const pmem = new FakePhysicalMemory(32 * 2 ** 20, 2 ** 20);
  const alloc = new PmemAllocator(pmem);
  const vmar = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD, reserved: [{ start: 0x800000n, end: 0x801000n }] });
  return { alloc, vmar };
}

/** A VMAR with LAZY_COPY_MIN bytes of heap at 0x100000, forked (the heap shared copy-on-write), its host ops taken. */
function forkedHeap() {
  const { alloc, vmar } = setup();
  const heap = Vmo.create(alloc, LAZY_COPY_MIN);
  vmar.map({ vmo: heap, len: LAZY_COPY_MIN, prot: RW, addr: 0x100000, fixed: true });
  heap.close();
  vmar.takeHostOps();
  const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
  vmar.fork(child, { hostInherits: true, lazyExcept: 0 });
  vmar.takeHostOps();
  return { vmar, child };
}

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ZxError) return e.status;
    throw e;
  }
  return undefined;
}

const layout = (vmar: Vmar) => vmar.mappings().map((m) => [m.start, m.end, m.prot, m.offset]);

describe('Vmar mapping', () => {
  it('maps fixed and mirrors it with one host mmap of pmem', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 4 * P);
    expect(vmar.map({ vmo, vmoOffset: P, len: 2 * P, prot: RW, addr: 0x40000, fixed: true })).toBe(0x40000);
    expect(vmar.takeHostOps()).toEqual([{ nr: 9, args: [0x40000, 2 * P, RW, 0x11, FD, vmo.pmemOffset + P] }]);
    expect(vmar.takeHostOps()).toEqual([]);
  });

  it('chooses free space top-down below mmapBase, honours a free hint', () => {
    const { alloc, vmar } = setup();
    vmar.mmapBase = 0x400000;
    const vmo = Vmo.create(alloc, 2 * P);
    const a = vmar.map({ vmo, len: 2 * P, prot: RW });
    const b = vmar.map({ vmo, len: P, prot: RW });
    expect(a).toBe(0x400000 - 2 * P);
    expect(b).toBe(a - P);
    expect(vmar.map({ vmo, len: P, prot: RW, addr: 0x100000 })).toBe(0x100000);
    // A hint that is taken falls back to the search.
    expect(vmar.map({ vmo, len: P, prot: RW, addr: 0x100000 })).toBe(b - P);
  });

  it('searches above mmapBase when nothing is free below, and fails with ERR_NO_MEMORY when full', () => {
    const { alloc, vmar } = setup();
    vmar.mmapBase = BASE + P;
    const vmo = Vmo.create(alloc, 2 * P);
    expect(vmar.map({ vmo, len: 2 * P, prot: RW })).toBe(BASE + SIZE - 2 * P);
    const big = Vmo.create(alloc, SIZE);
    expect(status(() => vmar.map({ vmo: big, len: SIZE, prot: RW }))).toBe(ZxStatus.ERR_NO_MEMORY);
  });

  it('never maps into a reserved range', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 2 * P);
    expect(status(() => vmar.map({ vmo, len: 2 * P, prot: RW, addr: 0x7ff000, fixed: true }))).toBe(ZxStatus.ERR_ACCESS_DENIED);
    vmar.mmapBase = 0x801000;
    const a = vmar.map({ vmo, len: 2 * P, prot: RW });
    expect(a + 2 * P <= 0x800000).toBe(true);
    expect(vmar.map({ vmo, len: P, prot: RW, addr: 0x800000 })).not.toBe(0x800000);
    expect(vmar.findFree(P)).toBeLessThan(0x800000);
  });

  it('rejects bad arguments', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, P);
    expect(status(() => vmar.map({ vmo, len: 0, prot: RW }))).toBe(ZxStatus.ERR_INVALID_ARGS);
    expect(status(() => vmar.map({ vmo, len: P, prot: 8 }))).toBe(ZxStatus.ERR_INVALID_ARGS);
    expect(status(() => vmar.map({ vmo, len: P, prot: RW, addr: 0x40001, fixed: true }))).toBe(ZxStatus.ERR_INVALID_ARGS);
    expect(status(() => vmar.map({ vmo, len: P, prot: RW, fixed: true }))).toBe(ZxStatus.ERR_INVALID_ARGS);
    expect(status(() => vmar.map({ vmo, len: 2 * P, prot: RW }))).toBe(ZxStatus.ERR_OUT_OF_RANGE);
    expect(status(() => vmar.map({ vmo, len: P, prot: RW, addr: BASE + SIZE, fixed: true }))).toBe(ZxStatus.ERR_NO_MEMORY);
    expect(status(() => vmar.unmap(0x40001, P))).toBe(ZxStatus.ERR_INVALID_ARGS);
    expect(status(() => vmar.unmap(0x40000, 0))).toBe(ZxStatus.ERR_INVALID_ARGS);
  });

  it('fixed replaces what was there, noReplace refuses', () => {
    const { alloc, vmar } = setup();
    const a = Vmo.create(alloc, 4 * P);
    const b = Vmo.create(alloc, P);
    vmar.map({ vmo: a, len: 4 * P, prot: RW, addr: 0x40000, fixed: true });
    expect(status(() => vmar.map({ vmo: b, len: P, prot: Prot.READ, addr: 0x41000, fixed: true, noReplace: true }))).toBe(
      ZxStatus.ERR_ALREADY_EXISTS,
    );
    vmar.takeHostOps();
    vmar.map({ vmo: b, len: P, prot: Prot.READ, addr: 0x41000, fixed: true });
    expect(layout(vmar)).toEqual([
      [0x40000, 0x41000, RW, 0],
      [0x41000, 0x42000, Prot.READ, 0],
      [0x42000, 0x44000, RW, 2 * P],
    ]);
    expect(vmar.takeHostOps()).toEqual([{ nr: 9, args: [0x41000, P, Prot.READ, 0x11, FD, b.pmemOffset] }]);
  });

  it('unmap splits mappings, ignores holes, and emits munmap only for what was mapped', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 4 * P);
    vmar.map({ vmo, len: 4 * P, prot: RW, addr: 0x40000, fixed: true });
    vmar.takeHostOps();
    vmar.unmap(0x41000, P);
    expect(layout(vmar)).toEqual([
      [0x40000, 0x41000, RW, 0],
      [0x42000, 0x44000, RW, 2 * P],
    ]);
    vmar.unmap(0x30000, 0x20000);
    expect(vmar.mappings()).toEqual([]);
    expect(vmar.takeHostOps()).toEqual([
      { nr: 11, args: [0x41000, P] },
      { nr: 11, args: [0x40000, P] },
      { nr: 11, args: [0x42000, 2 * P] },
    ]);
    vmar.unmap(0x30000, 0x20000);
    expect(vmar.takeHostOps()).toEqual([]);
  });

  it('protect splits and re-merges mappings; fails over a hole with ERR_NOT_FOUND', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 4 * P);
    vmar.map({ vmo, len: 4 * P, prot: RW, addr: 0x40000, fixed: true });
    vmar.takeHostOps();
    vmar.protect(0x41000, 2 * P, Prot.READ);
    expect(layout(vmar)).toEqual([
      [0x40000, 0x41000, RW, 0],
      [0x41000, 0x43000, Prot.READ, P],
      [0x43000, 0x44000, RW, 3 * P],
    ]);
    vmar.protect(0x41000, 2 * P, RW);
    expect(layout(vmar)).toEqual([[0x40000, 0x44000, RW, 0]]);
    expect(vmar.takeHostOps()).toEqual([
      { nr: 10, args: [0x41000, 2 * P, Prot.READ] },
      { nr: 10, args: [0x41000, 2 * P, RW] },
    ]);
    expect(status(() => vmar.protect(0x43000, 2 * P, Prot.READ))).toBe(ZxStatus.ERR_NOT_FOUND);
    expect(layout(vmar)).toEqual([[0x40000, 0x44000, RW, 0]]);
    expect(vmar.takeHostOps()).toEqual([]);
  });

  it('never protects a mapping beyond its maximum protection, which fork keeps', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 2 * P);
    expect(status(() => vmar.map({ vmo, len: P, prot: RW, maxProt: Prot.READ, addr: 0x40000, fixed: true })))
      .toBe(ZxStatus.ERR_ACCESS_DENIED);
    vmar.map({ vmo, len: P, prot: Prot.READ, maxProt: Prot.READ, addr: 0x40000, fixed: true });
    vmar.map({ vmo, vmoOffset: P, len: P, prot: Prot.READ, addr: 0x41000, fixed: true });
    expect(layout(vmar)).toHaveLength(2); // not merged: they may become different things
    vmar.takeHostOps();
    // A range that reaches the limited mapping fails as a whole, changing nothing.
    expect(status(() => vmar.protect(0x40000, 2 * P, RW))).toBe(ZxStatus.ERR_ACCESS_DENIED);
    expect(status(() => vmar.protect(0x40000, P, Prot.READ | Prot.EXEC))).toBe(ZxStatus.ERR_ACCESS_DENIED);
    expect(vmar.takeHostOps()).toEqual([]);
    vmar.protect(0x40000, P, 0);
    vmar.protect(0x41000, P, RW);
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child);
    expect(status(() => child.protect(0x40000, P, RW))).toBe(ZxStatus.ERR_ACCESS_DENIED);
    child.protect(0x41000, P, Prot.READ);
  });

  it('keeps sealed mappings from being unmapped, replaced or reprotected, in the VMAR and its fork', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 4 * P);
    vmar.map({ vmo, len: 4 * P, prot: RW, addr: 0x40000, fixed: true });
    expect(status(() => vmar.seal(0x43000, 2 * P))).toBe(ZxStatus.ERR_NOT_FOUND);
    vmar.seal(0x41000, P);
    expect(vmar.mappings().map((m) => [m.start, m.sealed])).toEqual([[0x40000, false], [0x41000, true], [0x42000, false]]);
    vmar.takeHostOps();
    expect(status(() => vmar.unmap(0x40000, 4 * P))).toBe(ZxStatus.ERR_BAD_STATE);
    expect(status(() => vmar.map({ vmo, len: P, prot: RW, addr: 0x41000, fixed: true }))).toBe(ZxStatus.ERR_BAD_STATE);
    // mprotect goes mapping by mapping: the one before the seal changes.
    expect(status(() => vmar.protect(0x40000, 3 * P, Prot.READ))).toBe(ZxStatus.ERR_BAD_STATE);
    expect(layout(vmar)).toEqual([[0x40000, 0x41000, Prot.READ, 0], [0x41000, 0x42000, RW, P], [0x42000, 0x44000, RW, 2 * P]]);
    expect(vmar.takeHostOps()).toEqual([{ nr: 10, args: [0x40000, P, Prot.READ] }]);
    expect(vmar.firstSealed(0x40000, 0x44000)).toBe(0x41000);
    expect(vmar.firstSealed(0x42000, 0x44000)).toBeUndefined();
    vmar.unmap(0x42000, 2 * P);
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child);
    expect(status(() => child.unmap(0x41000, P))).toBe(ZxStatus.ERR_BAD_STATE);
    child.unmapAll(); // execve and exit still empty the address space
    expect(child.mappings()).toEqual([]);
  });

  it('reserves address space with no memory: anonymous PROT_NONE on the host, never accessible until mapped over', () => {
    const { alloc, vmar } = setup();
    const free = alloc.freeBytes;
    expect(vmar.reserve({ len: 1024 * P, addr: 0x100000, fixed: true })).toBe(0x100000);
    expect(alloc.freeBytes).toBe(free); // no pmem
    expect(vmar.takeHostOps()).toEqual([{ nr: 9, args: [0x100000, 1024 * P, 0, 0x4032, -1, 0] }]);
    expect(() => vmar.read(0x100000, 1)).toThrow(PageFaultError);
    // Invariant 3: the host mapping never becomes accessible without pmem behind it.
    expect(status(() => vmar.protect(0x100000, P, RW))).toBe(ZxStatus.ERR_NOT_SUPPORTED);
    vmar.protect(0x100000, P, Prot.NONE);
    const vmo = Vmo.create(alloc, 2 * P);
    vmar.map({ vmo, len: 2 * P, prot: RW, addr: 0x102000, fixed: true });
    vmar.write(0x102000, new Uint8Array([7]));
    expect(vmar.mappings().map((m) => [m.start, m.end, m.vmo === null])).toEqual([
      [0x100000, 0x102000, true], [0x102000, 0x104000, false], [0x104000, 0x500000, true],
    ]);
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.takeHostOps();
    vmar.fork(child, { hostInherits: true });
    expect(child.takeHostOps()).toEqual([{ nr: 9, args: [0x102000, 2 * P, RW, 0x11, FD, expect.any(Number)] }]); // the copy only
    expect(child.read(0x102000, 1)[0]).toBe(7);
    expect(status(() => child.protect(0x104000, P, Prot.READ))).toBe(ZxStatus.ERR_NOT_SUPPORTED);
    vmar.unmap(0x100000, 1024 * P);
    expect(vmar.mappings()).toEqual([]);
  });

  it('makes a demand reservation\'s memory a chunk at a time, where the kernel or the guest first touches it', () => {
    const pmem = new FakePhysicalMemory(32 * 2 ** 20, 2 ** 20);
    const alloc = new PmemAllocator(pmem);
    const vmar = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD, demandMemory: (len) => Vmo.create(alloc, len) });
    const free = alloc.freeBytes;
    const at = vmar.reserve({ len: 8 * 2 ** 20, addr: 0x200000, fixed: true, prot: RW, demand: true });
    expect(alloc.freeBytes).toBe(free);
    expect(vmar.takeHostOps()).toEqual([{ nr: 9, args: [at, 8 * 2 ** 20, 0, 0x4032, -1, 0] }]);
    // The kernel writes into it: the MiB around the address gets memory.
    vmar.write(at + 0x180000, new Uint8Array([5]));
    expect(alloc.freeBytes).toBe(free - 2 ** 20);
    expect(vmar.takeHostOps()).toEqual([{ nr: 9, args: [at + 0x100000, 2 ** 20, RW, 0x11, FD, expect.any(Number)] }]);
    expect(vmar.read(at + 0x180000, 1)[0]).toBe(5);
    // A guest fault elsewhere: another MiB; a fault where memory is already is a real fault.
    expect(vmar.commitOnFault(at + 0x500000)).toBe(true);
    expect(vmar.commitOnFault(at + 0x500000)).toBe(false);
    expect(vmar.commitOnFault(0x100000)).toBe(false);
    vmar.takeHostOps();
    // mprotect opens only memory on the host: the reservation stays PROT_NONE there.
    vmar.protect(at, 8 * 2 ** 20, Prot.READ);
    expect(vmar.takeHostOps()).toEqual([
      { nr: 10, args: [at + 0x100000, 2 ** 20, Prot.READ] }, { nr: 10, args: [at + 0x500000, 2 ** 20, Prot.READ] },
    ]);
    expect(() => vmar.write(at, new Uint8Array([1]))).toThrow(PageFaultError);
    vmar.protect(at, 2 ** 20, Prot.NONE);
    expect(vmar.commitOnFault(at)).toBe(false); // PROT_NONE: a real fault
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD, demandMemory: (len) => Vmo.create(alloc, len) });
    vmar.fork(child);
    expect(child.read(at + 0x180000, 1)[0]).toBe(5);
    expect(child.read(at + 0x300000, 1)[0]).toBe(0); // read-only demand memory, made on this read
  });

  it('coalesces adjacent host ops', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 4 * P);
    vmar.map({ vmo, len: 2 * P, prot: RW, addr: 0x40000, fixed: true });
    vmar.map({ vmo, vmoOffset: 2 * P, len: 2 * P, prot: RW, addr: 0x42000, fixed: true });
    expect(layout(vmar)).toEqual([[0x40000, 0x44000, RW, 0]]);
    expect(vmar.takeHostOps()).toEqual([{ nr: 9, args: [0x40000, 4 * P, RW, 0x11, FD, vmo.pmemOffset] }]);
    vmar.unmapAll();
    expect(vmar.takeHostOps()).toEqual([{ nr: 11, args: [0x40000, 4 * P] }]);
  });

  it('after unmapAll, keeps on the host what is mapped again the same way and replaces what is covered', () => {
    const { alloc, vmar } = setup();
    const text = Vmo.create(alloc, 2 * P);
    const data = Vmo.create(alloc, 2 * P);
    const rx = Prot.READ | Prot.EXEC;
    vmar.map({ vmo: text, len: 2 * P, prot: rx, addr: 0x40000, fixed: true });
    vmar.map({ vmo: data, len: 2 * P, prot: RW, addr: 0x50000, fixed: true });
    vmar.map({ vmo: data, len: P, prot: Prot.READ, addr: 0x60000, fixed: true });
    vmar.takeHostOps();
    // An execve: the same text again, new data over half of the old, nothing where the third was.
    vmar.unmapAll();
    const newData = Vmo.create(alloc, P);
    vmar.map({ vmo: text, len: 2 * P, prot: rx, addr: 0x40000, fixed: true });
    vmar.map({ vmo: newData, len: P, prot: RW, addr: 0x50000, fixed: true });
    // What is left to unmap goes in one munmap: the hole between costs the host nothing.
    expect(vmar.takeHostOps()).toEqual([
      { nr: 11, args: [0x51000, 0x61000 - 0x51000] },
      { nr: 9, args: [0x50000, P, RW, 0x11, FD, newData.pmemOffset] },
    ]);
    // The same pmem under other permissions is mapped again.
    vmar.unmapAll();
    vmar.map({ vmo: text, len: 2 * P, prot: Prot.READ, addr: 0x40000, fixed: true });
    expect(vmar.takeHostOps()).toEqual([
      { nr: 11, args: [0x50000, P] },
      { nr: 9, args: [0x40000, 2 * P, Prot.READ, 0x11, FD, text.pmemOffset] },
    ]);
  });

  it('after unmapAll, unmaps in one call what neither a kept mapping nor a reserved range divides', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 8 * P);
    const text = Vmo.create(alloc, P);
    const rx = Prot.READ | Prot.EXEC;
    vmar.map({ vmo, len: P, prot: RW, addr: 0x7f0000, fixed: true }); // below the reserved page
    vmar.map({ vmo, vmoOffset: P, len: P, prot: RW, addr: 0x801000, fixed: true });
    vmar.map({ vmo, vmoOffset: 2 * P, len: P, prot: Prot.READ, addr: 0x900000, fixed: true });
    vmar.map({ vmo: text, len: P, prot: rx, addr: 0x950000, fixed: true });
    vmar.map({ vmo, vmoOffset: 3 * P, len: P, prot: RW, addr: 0x960000, fixed: true });
    vmar.takeHostOps();
    vmar.unmapAll();
    vmar.map({ vmo: text, len: P, prot: rx, addr: 0x950000, fixed: true });
    expect(vmar.takeHostOps()).toEqual([
      { nr: 11, args: [0x7f0000, P] },
      { nr: 11, args: [0x801000, 0x901000 - 0x801000] },
      { nr: 11, args: [0x960000, P] },
    ]);
  });

  it('unmaps in order after unmapAll when other ops were pending', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, P);
    vmar.map({ vmo, len: P, prot: RW, addr: 0x40000, fixed: true });
    vmar.unmapAll();
    vmar.map({ vmo, len: P, prot: RW, addr: 0x40000, fixed: true });
    const mmap = { nr: 9, args: [0x40000, P, RW, 0x11, FD, vmo.pmemOffset] };
    expect(vmar.takeHostOps()).toEqual([mmap, { nr: 11, args: [0x40000, P] }, mmap]);
  });

  it('destroys an address space whose host process is gone: everything freed, no host op', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 2 * P);
    vmar.map({ vmo, len: 2 * P, prot: RW, addr: 0x40000, fixed: true });
    vmo.close();
    const kept = Vmo.create(alloc, P);
    vmar.map({ vmo: kept, len: P, prot: RW, addr: 0x50000, fixed: true });
    vmar.unmap(0x41000, P);
    vmar.destroy();
    expect(vmar.mappings()).toEqual([]);
    expect(vmar.takeHostOps()).toEqual([]);
    expect(alloc.allocatedBytes).toBe(P); // what another holder keeps
    kept.close();
    expect(alloc.allocatedBytes).toBe(0);
  });

  it('releases the memory of unmapped VMOs once the host has made the ops taken', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 2 * P);
    vmar.map({ vmo, len: 2 * P, prot: RW, addr: 0x40000, fixed: true });
    vmo.close();
    vmar.unmap(0x40000, P);
    vmar.unmapAll();
    expect(alloc.allocatedBytes).toBe(2 * P);
    vmar.takeHostOps();
    // Until the host has unmapped it, another guest thread can still reach the memory.
    expect(alloc.allocatedBytes).toBe(2 * P);
    const later = Vmo.create(alloc, P);
    vmar.map({ vmo: later, len: P, prot: RW, addr: 0x50000, fixed: true });
    later.close();
    vmar.unmap(0x50000, P); // after the take: freed with the next ops, not these
    vmar.hostOpsMade();
    expect(alloc.allocatedBytes).toBe(P);
    vmar.takeHostOps();
    vmar.hostOpsMade();
    expect(alloc.allocatedBytes).toBe(0);
  });

  /** A page mapped (its ops made), then unmapped: its unmapping pending. */
  function unmappedPage() {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, P);
    vmar.map({ vmo, len: P, prot: RW, addr: 0x40000, fixed: true });
    vmo.close();
    vmar.takeHostOps();
    vmar.hostOpsMade();
    vmar.unmap(0x40000, P);
    return { alloc, vmar };
  }

  it('frees memory a guest call will unmap later only when told the host has made it', () => {
    const { alloc, vmar } = unmappedPage();
    expect(vmar.takeHostOps()).toEqual([{ nr: 11, args: [0x40000, P] }]);
    const made = vmar.hostOpsMadeLater();
    vmar.hostOpsMade(); // another call's ops: not these frames
    vmar.destroy();
    expect(alloc.allocatedBytes).toBe(P);
    made();
    expect(alloc.allocatedBytes).toBe(0);
  });

  it('frees memory whose unmapping was taken but never made only when it is destroyed', () => {
    const { alloc, vmar } = unmappedPage();
    vmar.takeHostOps(); // and the host refused them: the process is killed
    expect(alloc.allocatedBytes).toBe(P);
    vmar.destroy();
    expect(alloc.allocatedBytes).toBe(0);
  });
});

describe('Vmar guest memory access', () => {
  function mapped() {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, 4 * P);
    vmar.map({ vmo, len: 2 * P, prot: RW, addr: 0x40000, fixed: true });
    vmar.map({ vmo, vmoOffset: 2 * P, len: P, prot: Prot.READ, addr: 0x42000, fixed: true });
    return { vmar, vmo };
  }

  it('translates reads and writes across mappings', () => {
    const { vmar, vmo } = mapped();
    vmar.write(0x41ffe, new Uint8Array([1, 2]));
    expect([...vmo.read(P + P - 2, 2)]).toEqual([1, 2]);
    vmo.write(2 * P, new Uint8Array([3, 4]));
    expect([...vmar.read(0x41ffe, 4)]).toEqual([1, 2, 3, 4]);
    vmar.writeU64(0x40008, 0x1122334455667788n);
    expect(vmar.readU64(0x40008)).toBe(0x1122334455667788n);
    expect(vmar.readU32(0x40008)).toBe(0x55667788);
    vmar.writeU32(0x40010, 0xffffffff);
    expect(vmar.readU32(0x40010)).toBe(0xffffffff);
    expect(vmar.segments(0x40000, 3 * P, 'read').reduce((n, s) => n + s.length, 0)).toBe(3 * P);
  });

  it('gives one view of bytes within one mapping, and leaves the rest to segments', () => {
    const { vmar, vmo } = mapped();
    vmo.write(P, new Uint8Array([5, 6, 7]));
    expect([...vmar.view(0x41000, 3, 'read')!]).toEqual([5, 6, 7]);
    vmar.view(0x41000, 1, 'write')![0] = 8;
    expect(vmo.read(P, 1)[0]).toBe(8);
    expect(vmar.view(0x41fff, 2, 'read')).toBeUndefined(); // two mappings
    expect(vmar.view(0x42000, 1, 'write')).toBeUndefined(); // read-only
    expect(vmar.view(0x43000, 1, 'read')).toBeUndefined(); // unmapped
    expect(vmar.view(-1, 1, 'read')).toBeUndefined();
    expect(vmar.view(0x40000, 0, 'read')).toBeUndefined();
  });

  it('does not give one view across a pmem chunk', () => {
    const { alloc, vmar } = setup(); // 1 MiB chunks
    const vmo = Vmo.create(alloc, 2 ** 21); // crosses a chunk boundary somewhere
    vmar.map({ vmo, len: 2 ** 21, prot: RW, addr: 0x100000, fixed: true });
    const boundary = 0x100000 + (2 ** 20 - (vmo.pmemOffset % 2 ** 20));
    expect(vmar.view(boundary - 16, 32, 'read')).toBeUndefined();
    expect(vmar.view(boundary - 16, 16, 'read')?.length).toBe(16);
    vmar.write(boundary - 16, new Uint8Array(32).fill(3));
    expect([...vmar.read(boundary - 16, 32)]).toEqual(new Array(32).fill(3));
  });

  it('faults on unmapped bytes and missing permissions, without partial writes', () => {
    const { vmar } = mapped();
    expect(() => vmar.read(0x3ffff, 2)).toThrow(PageFaultError);
    expect(() => vmar.read(0x42fff, 2)).toThrow(PageFaultError);
    expect(() => vmar.write(0x41fff, new Uint8Array([9, 9]))).toThrow(PageFaultError);
    expect(vmar.read(0x41fff, 1)[0]).toBe(0);
    try {
      vmar.write(0x41fff, new Uint8Array(2));
    } catch (e) {
      expect(e).toBeInstanceOf(PageFaultError);
      expect((e as PageFaultError).addr).toBe(0x42000);
      expect((e as PageFaultError).status).toBe(ZxStatus.ERR_ACCESS_DENIED);
    }
    expect(vmar.accessibleLength(0x41000, 3 * P, 'write')).toBe(P);
    expect(vmar.accessibleLength(0x41000, 3 * P, 'read')).toBe(2 * P);
  });

  it('faults on hostile addresses and lengths', () => {
    const { vmar } = mapped();
    for (const addr of [-1, -4096, 2 ** 64, 2 ** 53, Number.NaN, Infinity, 0.5, 0x40000 + 0.5]) {
      expect(() => vmar.read(addr, 1)).toThrow(PageFaultError);
      expect(() => vmar.write(addr, new Uint8Array(1))).toThrow(PageFaultError);
      expect(() => vmar.readCString(addr, 10)).toThrow(PageFaultError);
    }
    expect(() => vmar.segments(0x40000, -1, 'read')).toThrow(PageFaultError);
    expect(() => vmar.segments(0x40000, 2 ** 60, 'read')).toThrow(PageFaultError);
    expect(vmar.read(0, 0).length).toBe(0);
  });

  it('reads C strings across pages and stops at the NUL before an unmapped page', () => {
    const { vmar } = mapped();
    const text = new TextEncoder().encode('/bin/sh\0');
    vmar.write(0x41ffc, text.subarray(0, 4));
    expect(vmar.readCString(0x41ffc, 100)).toBe('/bin');
    // The NUL ends it: an unmapped page after it does not matter.
    const { vmar: v2 } = mapped();
    v2.write(0x41ff0, new Uint8Array([0x68, 0xc3, 0xa9, 0xff, 0]));
    v2.unmap(0x42000, P);
    // A byte string: one char per byte, UTF-8 or not.
    expect(v2.readCString(0x41ff0, 100)).toBe('h\xc3\xa9\xff');
    expect(status(() => v2.readCString(0x41ff0, 3))).toBe(ZxStatus.ERR_OUT_OF_RANGE);
    v2.write(0x41ff0, new Uint8Array(16).fill(65));
    expect(() => v2.readCString(0x41ff0, 100)).toThrow(PageFaultError);
    // No room at all: out of range, however the first byte reads.
    expect(status(() => v2.readCString(0x41ff0, 0))).toBe(ZxStatus.ERR_OUT_OF_RANGE);
    // A string that ends in the next page is read across the boundary.
    vmar.write(0x40ffe, new TextEncoder().encode('ab\0'));
    expect(vmar.readCString(0x40ffe, 100)).toBe('ab');
  });
});

describe('Vmar fork', () => {
  it('copies private mappings and shares shared ones', () => {
    const { alloc, vmar } = setup();
    const priv = Vmo.create(alloc, 2 * P);
    const shared = Vmo.create(alloc, P);
    vmar.map({ vmo: priv, len: 2 * P, prot: RW, addr: 0x40000, fixed: true, name: '[heap]' });
    vmar.map({ vmo: shared, len: P, prot: RW, addr: 0x50000, fixed: true, shared: true });
    vmar.write(0x40000, new Uint8Array([1]));
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child);
    child.write(0x40000, new Uint8Array([2]));
    child.write(0x50000, new Uint8Array([3]));
    expect(vmar.read(0x40000, 1)[0]).toBe(1);
    expect(vmar.read(0x50000, 1)[0]).toBe(3);
    expect(child.read(0x40000, 1)[0]).toBe(2);
    const cm = child.mappings();
    expect(cm.map((m) => [m.start, m.end, m.shared, m.name])).toEqual([
      [0x40000, 0x42000, false, '[heap]'],
      [0x50000, 0x51000, true, ''],
    ]);
    expect(cm[0].vmo).not.toBe(priv);
    expect(cm[1].vmo).toBe(shared);
    expect(child.takeHostOps().map((c) => c.nr)).toEqual([9, 9]);
  });

  it('shares read-only private mappings until one side makes them writable', () => {
    const { alloc, vmar } = setup();
    const text = Vmo.create(alloc, 2 * P);
    text.write(0, new Uint8Array([7, 7]));
    vmar.map({ vmo: text, len: 2 * P, prot: Prot.READ | Prot.EXEC, addr: 0x40000, fixed: true });
    vmar.takeHostOps();
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child);
    child.takeHostOps();
    expect(child.mappings()[0].vmo).toBe(text); // no copy made
    // The kernel cannot write through a read-only mapping either.
    expect(() => child.write(0x40000, new Uint8Array([1]))).toThrow(PageFaultError);

    // The child makes its first page writable: that page gets its own copy, remapped on the host.
    child.protect(0x40000, P, RW);
    const ops = child.takeHostOps();
    expect(ops.map((c) => c.nr)).toEqual([9, 10]);
    child.write(0x40000, new Uint8Array([1]));
    expect(child.read(0x40000, 2)).toEqual(new Uint8Array([1, 7]));
    expect(vmar.read(0x40000, 2)).toEqual(new Uint8Array([7, 7]));
    expect(child.mappings()[0].vmo).not.toBe(text);
    expect(child.mappings()[1].vmo).toBe(text);

    // The parent discards its second page (MADV_DONTNEED): the child's view of it is untouched.
    text.write(P, new Uint8Array([5]));
    vmar.discardPrivate(0x41000, P);
    expect(vmar.read(0x41000, 1)[0]).toBe(0);
    expect(child.read(0x41000, 1)[0]).toBe(5);
    expect(vmar.takeHostOps().map((c) => c.nr)).toEqual([9]);
  });

  it('gives host ops only for the copies when the host process is inherited', () => {
    const { alloc, vmar } = setup();
    const text = Vmo.create(alloc, P);
    const data = Vmo.create(alloc, P);
    vmar.map({ vmo: text, len: P, prot: Prot.READ | Prot.EXEC, addr: 0x40000, fixed: true });
    vmar.map({ vmo: data, len: P, prot: RW, addr: 0x41000, fixed: true });
    vmar.takeHostOps();
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child, { hostInherits: true });
    expect(child.takeHostOps().map((c) => c.args[0])).toEqual([0x41000]);
    expect(child.mappings()[0].vmo).toBe(text);
    // Still copy-on-write on both sides.
    child.protect(0x40000, P, RW);
    expect(child.mappings()[0].vmo).not.toBe(text);
    // With host ops pending, the parent's host process is not what the VMAR says: map everything.
    vmar.protect(0x41000, P, Prot.READ);
    const other = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(other, { hostInherits: true });
    expect(other.takeHostOps().map((c) => c.args[0])).toEqual([0x40000, 0x41000]);
    expect(other.mappings()).toHaveLength(2);
  });

  it('shares every mapping with a vfork child, until the child lets go', () => {
    const { alloc, vmar } = setup();
    const data = Vmo.create(alloc, P);
    const text = Vmo.create(alloc, P);
    vmar.map({ vmo: data, len: P, prot: RW, addr: 0x40000, fixed: true });
    vmar.map({ vmo: text, len: P, prot: Prot.READ, addr: 0x41000, fixed: true });
    data.close();
    text.close();
    vmar.takeHostOps();
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child, { hostInherits: true, share: true });
    expect(child.takeHostOps()).toEqual([]); // the host clone maps the same frames already
    child.write(0x40000, new Uint8Array([9]));
    expect(vmar.read(0x40000, 1)[0]).toBe(9);
    const vmos = vmar.mappings().map((m) => m.vmo);
    child.unmapAll(); // the child's execve or exit
    child.takeHostOps();
    expect(vmar.read(0x40000, 1)[0]).toBe(9);
    expect(alloc.allocatedBytes).toBe(2 * P);
    // Nothing became copy-on-write: making the text writable keeps its VMO.
    vmar.protect(0x41000, P, RW);
    expect(vmar.mappings().map((m) => m.vmo)).toEqual(vmos);
  });

  it('maps copy-on-write only private mappings, and never writable on the host', () => {
    const { alloc, vmar } = setup();
    const vmo = Vmo.create(alloc, P);
    expect(status(() => vmar.map({ vmo, len: P, prot: Prot.READ, shared: true, copyOnWrite: true }))).toBe(ZxStatus.ERR_INVALID_ARGS);
    vmar.map({ vmo, len: P, prot: RW, addr: 0x50000, fixed: true, copyOnWrite: true });
    expect(vmar.takeHostOps()).toEqual([{ nr: 9, args: [0x50000, P, Prot.READ, 0x11, FD, vmo.pmemOffset] }]);
    vmo.write(0, new Uint8Array([3]));
    vmar.map({ vmo, len: P, prot: Prot.READ, addr: 0x40000, fixed: true, copyOnWrite: true });
    vmar.discardPrivate(0x40000, P);
    expect(vmo.read(0, 1)[0]).toBe(3); // the VMO others map is left alone
    expect(vmar.mappings()[0].vmo).not.toBe(vmo);
  });

  it('shares large writable memory copy-on-write with lazyExcept: the first write copies it, or takes it back once alone', () => {
    const { alloc, vmar } = setup();
    const big = LAZY_COPY_MIN;
    const heap = Vmo.create(alloc, big);
    const stack = Vmo.create(alloc, big);
    vmar.map({ vmo: heap, len: big, prot: RW, addr: 0x100000, fixed: true });
    vmar.map({ vmo: stack, len: big, prot: RW, addr: 0x200000, fixed: true });
    heap.close();
    stack.close();
    vmar.write(0x100000, new Uint8Array([1]));
    vmar.takeHostOps();
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child, { hostInherits: true, lazyExcept: 0x200000 + 64 }); // the stack pointer's mapping is copied now
    // The parent's host mapping turns read-only before the host fork, which inherits it.
    expect(vmar.takeHostOps()).toEqual([{ nr: 10, args: [0x100000, big, Prot.READ] }]);
    vmar.hostOpsMade();
    expect(child.takeHostOps()).toEqual([{ nr: 9, args: [0x200000, big, RW, 0x11, FD, child.mappingAt(0x200000)!.vmo!.pmemOffset] }]);
    expect(child.mappingAt(0x100000)!.vmo).toBe(vmar.mappingAt(0x100000)!.vmo);
    expect(child.mappingAt(0x100000)!.prot).toBe(RW); // what the guest sees is unchanged
    // The child's write fault: it gets a copy, the parent's memory is untouched.
    expect(child.commitOnFault(0x100000)).toBe(true);
    const copy = child.mappingAt(0x100000)!.vmo!;
    expect(copy).not.toBe(vmar.mappingAt(0x100000)!.vmo);
    expect(child.takeHostOps()).toEqual([{ nr: 9, args: [0x100000, big, RW, 0x11, FD, copy.pmemOffset] }]);
    child.hostOpsMade(); // until the host has remapped it, the child can still reach the shared memory
    child.write(0x100000, new Uint8Array([2]));
    expect(vmar.read(0x100000, 1)[0]).toBe(1);
    // The parent is alone with its memory now: a write takes it back without a copy.
    const own = vmar.mappingAt(0x100000)!.vmo;
    expect(vmar.commitOnFault(0x100010)).toBe(true);
    expect(vmar.mappingAt(0x100000)!.vmo).toBe(own);
    expect(vmar.takeHostOps()).toEqual([{ nr: 10, args: [0x100000, big, RW] }]);
    expect(vmar.commitOnFault(0x100010)).toBe(false); // a real fault now
  });

  it('copies only the chunk a write lands in, and each chunk a kernel write spans', () => {
    const { alloc, vmar } = setup();
    const C = LAZY_COPY_MIN;
    const vmo = Vmo.create(alloc, 4 * C);
    vmar.map({ vmo, len: 4 * C, prot: RW, addr: 0x100000, fixed: true });
    vmo.close();
    vmar.takeHostOps();
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child, { hostInherits: true, lazyExcept: 0 });
    vmar.takeHostOps();
    expect(child.commitOnFault(0x100000 + 2 * C + 8)).toBe(true);
    expect(child.mappings().map((m) => [m.start - 0x100000, m.end - m.start, m.vmo === vmo])).toEqual([
      [0, 2 * C, true], [2 * C, C, false], [3 * C, C, true],
    ]);
    const copy = child.mappingAt(0x100000 + 2 * C)!.vmo!;
    expect(child.takeHostOps()).toEqual([{ nr: 9, args: [0x100000 + 2 * C, C, RW, 0x11, FD, copy.pmemOffset] }]);
    child.hostOpsMade();
    child.write(0x100000 + C - 2, new Uint8Array([5, 6, 7, 8])); // across the first two chunks
    expect(child.mappings().map((m) => m.vmo === vmo)).toEqual([false, false, false, true]);
    expect(child.read(0x100000 + C - 2, 4)).toEqual(new Uint8Array([5, 6, 7, 8]));
    expect(vmar.read(0x100000 + C - 2, 4)).toEqual(new Uint8Array(4));
  });

  it('takes back every mapping a fork left shared once the other side is gone, at the first write', () => {
    const { alloc, vmar } = setup();
    for (const addr of [0x100000, 0x140000, 0x300000]) {
      const vmo = Vmo.create(alloc, LAZY_COPY_MIN);
      vmar.map({ vmo, len: LAZY_COPY_MIN, prot: RW, addr, fixed: true });
      vmo.close();
    }
    vmar.takeHostOps();
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child, { hostInherits: true, lazyExcept: 0 });
    expect(vmar.takeHostOps()).toEqual([
      { nr: 10, args: [0x100000, 2 * LAZY_COPY_MIN, Prot.READ] },
      { nr: 10, args: [0x300000, LAZY_COPY_MIN, Prot.READ] },
    ]);
    vmar.hostOpsMade();
    child.unmapAll(); // its execve
    child.takeHostOps();
    child.hostOpsMade();
    expect(vmar.commitOnFault(0x300000)).toBe(true);
    expect(vmar.takeHostOps()).toEqual([
      { nr: 10, args: [0x100000, 2 * LAZY_COPY_MIN, RW] },
      { nr: 10, args: [0x300000, LAZY_COPY_MIN, RW] },
    ]);
    expect(vmar.commitOnFault(0x100000)).toBe(false);
  });

  it('gives the kernel\'s writes into copy-on-write memory their own copy first', () => {
    const { vmar, child } = forkedHeap();
    child.writeU32(0x100004, 7); // a syscall's result
    expect(child.readU32(0x100004)).toBe(7);
    expect(vmar.readU32(0x100004)).toBe(0);
    expect(child.takeHostOps()).toHaveLength(1); // the copy is mapped before the child runs on
    child.hostOpsMade();
    expect(vmar.view(0x100000, 4, 'write')).toBeUndefined(); // segments copies or takes it back first
    vmar.segments(0x100000, 4, 'write')[0]![0] = 9; // alone now: taken back
    expect(child.readU32(0x100000)).toBe(0);
    expect(vmar.takeHostOps()).toEqual([{ nr: 10, args: [0x100000, LAZY_COPY_MIN, RW] }]);
  });

  it('says when the one pending op is a given mprotect, not merely one op', () => {
    const { alloc, vmar } = setup();
    const data = Vmo.create(alloc, LAZY_COPY_MIN);
    const text = Vmo.create(alloc, P);
    vmar.map({ vmo: data, len: LAZY_COPY_MIN, prot: RW, addr: 0x100000, fixed: true });
    vmar.map({ vmo: text, len: P, prot: Prot.READ, addr: 0x100000 + LAZY_COPY_MIN, fixed: true });
    data.close();
    text.close();
    vmar.protect(0x100000 + LAZY_COPY_MIN, P, Prot.READ);
    expect(vmar.pendsOnlyMprotect(0x100000 + LAZY_COPY_MIN, P, Prot.READ)).toBe(false); // the mmaps too
    vmar.takeHostOps();
    const child = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(child, { hostInherits: true, lazyExcept: 0 });
    vmar.takeHostOps();
    child.destroy(); // the child is gone: making the text writable takes the data back too
    vmar.protect(0x100000 + LAZY_COPY_MIN, P, RW);
    expect(vmar.pendingHostOps).toBe(1); // one op, but the guest's mprotect would not make it all
    expect(vmar.pendsOnlyMprotect(0x100000 + LAZY_COPY_MIN, P, RW)).toBe(false);
    expect(vmar.takeHostOps()).toEqual([{ nr: 10, args: [0x100000, LAZY_COPY_MIN + P, RW] }]);
    vmar.protect(0x100000 + LAZY_COPY_MIN, P, Prot.READ);
    expect(vmar.pendsOnlyMprotect(0x100000 + LAZY_COPY_MIN, P, Prot.READ)).toBe(true);
  });

  it('makes memory an earlier fork left copy-on-write its own before a vfork borrows it', () => {
    const { vmar, child } = forkedHeap();
    const borrower = new Vmar({ base: BASE, size: SIZE, pmemGuestFd: FD });
    vmar.fork(borrower, { hostInherits: true, share: true });
    const own = vmar.mappingAt(0x100000)!;
    expect(own.vmo).not.toBe(child.mappingAt(0x100000)!.vmo);
    expect(borrower.mappingAt(0x100000)!.vmo).toBe(own.vmo);
    borrower.writeU32(0x100000, 5); // the vfork child's write reaches its parent
    expect(vmar.readU32(0x100000)).toBe(5);
    expect(child.readU32(0x100000)).toBe(0);
  });

  it('zeroes private memory in place when nothing shares it', () => {
    const { alloc, vmar } = setup();
    const heap = Vmo.create(alloc, 2 * P);
    vmar.map({ vmo: heap, len: 2 * P, prot: RW, addr: 0x40000, fixed: true });
    vmar.write(0x40000, new Uint8Array([1]));
    vmar.write(0x41000, new Uint8Array([2]));
    vmar.takeHostOps();
    vmar.discardPrivate(0x41000, P);
    expect(vmar.read(0x40000, 1)[0]).toBe(1);
    expect(vmar.read(0x41000, 1)[0]).toBe(0);
    expect(vmar.takeHostOps()).toEqual([]);
    expect(vmar.mappings()).toHaveLength(1);
  });
});
