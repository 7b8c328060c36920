import { describe, expect, it } from 'vitest';
import { FakePhysicalMemory } from './fake-platform.js';
import { MemoryAccount, PmemAllocator } from './pmem-allocator.js';
import { ZxError, ZxStatus } from './status.js';
import { Vmo } from './vmo.js';
import { Vmar } from './vmar.js';

const MiB = 2 ** 20;

function setup() {
  const pmem = new FakePhysicalMemory(4 * MiB, 1 * MiB);
  return { pmem, alloc: new PmemAllocator(pmem) };
}

describe('Vmo', () => {
  it('rounds its size to pages, reads zeros, and round-trips bytes', () => {
    const { alloc } = setup();
    const vmo = Vmo.create(alloc, 5000);
    expect(vmo.size).toBe(8192);
    expect(vmo.read(4090, 10)).toEqual(new Uint8Array(10));
    vmo.write(4094, new Uint8Array([1, 2, 3, 4]));
    expect([...vmo.read(4093, 6)]).toEqual([0, 1, 2, 3, 4, 0]);
    vmo.zero(4095, 2);
    expect([...vmo.read(4094, 4)]).toEqual([1, 0, 0, 4]);
    expect(() => vmo.read(8190, 4)).toThrow(ZxError);
  });

  it('zeroes whole pages by giving them back to the host, and writes zeros only at the edges', () => {
    const { alloc, pmem } = setup();
    const vmo = Vmo.create(alloc, 4 * 4096);
    vmo.write(0, new Uint8Array(4 * 4096).fill(7));
    pmem.released.length = 0;
    vmo.zero(100, 3 * 4096);
    expect(pmem.released).toEqual([[vmo.pmemOffset + 4096, 2 * 4096]]);
    const bytes = vmo.read(0, 4 * 4096);
    expect(bytes.subarray(0, 100).every((b) => b === 7)).toBe(true);
    expect(bytes.subarray(100, 100 + 3 * 4096).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(100 + 3 * 4096).every((b) => b === 7)).toBe(true);
    expect(() => vmo.zero(4096, 4 * 4096)).toThrow(ZxError);
  });

  it('segments are zero-copy views into pmem', () => {
    const { alloc, pmem } = setup();
    const vmo = Vmo.create(alloc, 4096);
    const [seg] = vmo.segments(16, 4);
    seg.set([9, 9, 9, 9]);
    expect(pmem.chunk(0)[vmo.pmemOffset + 16]).toBe(9);
  });

  it('splits segments of a multi-chunk VMO at chunk boundaries', () => {
    const { alloc } = setup();
    const vmo = Vmo.create(alloc, 2 * MiB);
    const segs = vmo.segments(MiB - 2, 4);
    expect(segs.map((s) => s.length)).toEqual([2, 2]);
  });

  it('frees its extent when the last reference goes', () => {
    const { alloc } = setup();
    const vmo = Vmo.create(alloc, 8192);
    vmo.retain();
    vmo.close();
    expect(alloc.allocatedBytes).toBe(8192);
    vmo.release();
    expect(alloc.allocatedBytes).toBe(0);
    expect(() => vmo.read(0, 1)).toThrow(ZxError);
    expect(() => vmo.close()).toThrow(ZxError);
  });

  it('grows in place only when the frames after it are free, and never moves for it', () => {
    const { alloc } = setup();
    const a = Vmo.create(alloc, 4096);
    const at = a.pmemOffset;
    expect(a.growInPlace(8192)).toBe(true);
    expect(a.size).toBe(8192);
    const b = Vmo.create(alloc, 4096); // right after a
    expect(a.growInPlace(12288)).toBe(false);
    expect(a.size).toBe(8192);
    expect(a.pmemOffset).toBe(at);
    a.resize(4096); // shrinking keeps the frames: growing back into them needs none
    expect(a.growInPlace(8192)).toBe(true);
    expect(a.read(4096, 4)).toEqual(new Uint8Array(4));
    expect(() => a.growInPlace(-1)).toThrow(ZxError);
    b.close();
    a.close();
    expect(alloc.allocatedBytes).toBe(0);
  });

  it('grows in place when it can, else moves and keeps its bytes', () => {
    const { alloc } = setup();
    const a = Vmo.create(alloc, 4096);
    a.write(0, new Uint8Array([7]));
    expect(a.resize(8192)).toEqual({ moved: false });
    const b = Vmo.create(alloc, 4096);
    const before = a.pmemOffset;
    expect(a.resize(16384)).toEqual({ moved: true });
    expect(a.pmemOffset).not.toBe(before);
    expect(a.read(0, 1)[0]).toBe(7);
    expect(alloc.allocatedBytes).toBe(16384 + 4096);
    a.resize(4096);
    expect(alloc.allocatedBytes).toBe(4096 + 4096);
    b.close();
    a.close();
    expect(alloc.allocatedBytes).toBe(0);
  });

  it('createChildCopy is an independent copy', () => {
    const { alloc } = setup();
    const parent = Vmo.create(alloc, 8192);
    parent.write(4096, new Uint8Array([5]));
    const child = parent.createChildCopy();
    parent.write(4096, new Uint8Array([6]));
    expect(child.read(4096, 1)[0]).toBe(5);
    const part = parent.createChildCopy(4096, 4096);
    expect(part.size).toBe(4096);
    expect(part.read(0, 1)[0]).toBe(6);
    const bigger = parent.createChildCopy(4096, 4096, 3 * 4096);
    expect(bigger.size).toBe(3 * 4096);
    expect([...bigger.read(0, 1), ...bigger.read(4096, 1)]).toEqual([6, 0]);
  });

  it('keeps the file its bytes came from through child copies, each with its own file offset', () => {
    const { alloc } = setup();
    const file = { dev: 0xfe00n, ino: 42n };
    const segment = Vmo.create(alloc, 3 * 4096, { origin: file, originOffset: 0xa0000 });
    const copy = segment.createChildCopy(4096, 2 * 4096);
    expect(copy.origin).toBe(file);
    expect(copy.originOffset).toBe(0xa1000);
    expect(copy.createChildCopy(4096, 4096).originOffset).toBe(0xa2000);
    const anonymous = Vmo.create(alloc, 4096);
    expect([anonymous.origin, anonymous.originOffset, anonymous.createChildCopy().origin]).toEqual([undefined, 0, undefined]);
  });

  it('a small child copy may take frames a freed VMO left populated, and overwrites all their bytes', () => {
    const { alloc } = setup();
    const old = Vmo.create(alloc, 8192);
    old.write(0, new Uint8Array(8192).fill(0xaa));
    const oldOffset = old.pmemOffset;
    old.close();
    const parent = Vmo.create(alloc, 8192);
    parent.write(100, new Uint8Array([1, 2, 3]));
    const child = parent.createChildCopy();
    expect(child.pmemOffset).toBe(oldOffset);
    const expected = new Uint8Array(8192);
    expected.set([1, 2, 3], 100);
    expect(child.read(0, 8192)).toEqual(expected);
    const larger = parent.createChildCopy(0, 4096, 8192); // a tail to be zero: fresh frames
    expect(larger.read(4096, 4096)).toEqual(new Uint8Array(4096));
  });

  it('discarded bytes read as the source again, in child copies too, and the source lives as long as they do', () => {
    const { alloc } = setup();
    const file = new Uint8Array(6000).map((_, i) => i % 251);
    let users = 1;
    const source = {
      readAt(buf: Uint8Array, offset: number) {
        const n = Math.max(0, Math.min(buf.length, file.length - offset));
        buf.set(file.subarray(offset, offset + n));
        return n;
      },
      retain: () => void users++,
      release: () => void users--,
    };
    const vmo = Vmo.create(alloc, 8192);
    vmo.setSource(source, 1000);
    vmo.write(0, new Uint8Array(8192).fill(7));
    vmo.discard(0, 8192);
    expect([...vmo.read(0, 3)]).toEqual([...file.subarray(1000, 1003)]);
    expect(vmo.read(4999, 2)).toEqual(new Uint8Array([file[5999]!, 0])); // past the source's end: zeros
    const child = vmo.createChildCopy(4096, 4096);
    expect(users).toBe(2);
    child.write(0, new Uint8Array([9]));
    child.discard(0, 4096);
    expect(child.read(0, 1)[0]).toBe(file[5096]);
    child.close();
    vmo.close();
    expect(users).toBe(0);
  });

  it('a frozen VMO is the source of its child copies', () => {
    const { alloc } = setup();
    const kept = Vmo.create(alloc, 8192);
    kept.write(4096, new Uint8Array([1, 2, 3]));
    kept.freeze();
    const copy = kept.createChildCopy(4096, 4096);
    copy.write(0, new Uint8Array([9, 9]));
    kept.close(); // the copy's source keeps the bytes
    copy.discard(0, 4096);
    expect([...copy.read(0, 4)]).toEqual([1, 2, 3, 0]);
    const plain = Vmo.create(alloc, 4096);
    plain.write(0, new Uint8Array([5]));
    plain.discard(0, 4096);
    expect(plain.read(0, 1)[0]).toBe(0); // no source: zeros
  });

  it('charges its account', () => {
    const { alloc } = setup();
    const account = new MemoryAccount(8192);
    const vmo = Vmo.create(alloc, 8192, { account });
    expect(account.used).toBe(8192);
    try {
      vmo.resize(12288);
      expect.unreachable();
    } catch (e) {
      expect((e as ZxError).status).toBe(ZxStatus.ERR_NO_MEMORY);
    }
    vmo.close();
    expect(account.used).toBe(0);
  });

  it('a mapped VMO that moves is remapped, and its old frames freed only once the host has made the ops', () => {
    const { alloc } = setup();
    const vmar = new Vmar({ base: 0x10000, size: 0x100000, pmemGuestFd: 5 });
    const vmo = Vmo.create(alloc, 4096);
    vmar.map({ vmo, len: 4096, prot: 3, addr: 0x20000, fixed: true });
    vmar.takeHostOps();
    const blocker = Vmo.create(alloc, 4096);
    const oldOffset = vmo.pmemOffset;
    expect(vmo.resize(8192).moved).toBe(true);
    expect(alloc.allocatedBytes).toBe(4096 + 4096 + 8192);
    expect(vmar.takeHostOps()).toEqual([{ nr: 9, args: [0x20000, 4096, 3, 0x11, 5, vmo.pmemOffset] }]);
    expect(alloc.allocatedBytes).toBe(4096 + 4096 + 8192);
    vmar.hostOpsMade();
    expect(alloc.allocatedBytes).toBe(4096 + 8192);
    expect(alloc.allocOverwritten(4096)).toBe(oldOffset); // freed, and kept populated for a copy
    blocker.close();
  });

  it('shrinking a mapped VMO keeps its frames until unmapped', () => {
    const { alloc } = setup();
    const vmar = new Vmar({ base: 0x10000, size: 0x100000, pmemGuestFd: 5 });
    const vmo = Vmo.create(alloc, 8192);
    vmo.write(4096, new Uint8Array([1]));
    vmar.map({ vmo, len: 8192, prot: 3, addr: 0x20000, fixed: true });
    vmo.close();
    vmo.resize(4096);
    expect(alloc.allocatedBytes).toBe(8192);
    expect(() => vmar.read(0x21000, 1)).toThrow(ZxError);
    vmo.resize(8192);
    expect(vmar.read(0x21000, 1)[0]).toBe(0);
    vmar.unmap(0x20000, 8192);
    expect(alloc.allocatedBytes).toBe(8192);
    vmar.takeHostOps();
    vmar.hostOpsMade();
    expect(alloc.allocatedBytes).toBe(0);
  });
});
