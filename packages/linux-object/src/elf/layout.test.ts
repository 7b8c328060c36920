import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElfError } from './error.js';
import { elfLoadSpan, layoutElf } from './layout.js';
import { parseElf, type ElfImage } from './parse.js';

function image(overrides: Partial<ElfImage>): ElfImage {
  return {
    type: 'exec',
    entry: 0x401000,
    phoff: 64,
    phentsize: 56,
    phnum: 2,
    loads: [],
    phdrVaddr: 0x400040,
    stackExec: false,
    ...overrides,
  };
}

describe('layoutElf', () => {
  it('page-aligns segments and splits file data from bss', () => {
    const layout = layoutElf(
      image({
        loads: [
          { vaddr: 0x400000, memsz: 0x1800, filesz: 0x1800, offset: 0, prot: 5 },
          { vaddr: 0x402800, memsz: 0x2000, filesz: 0x100, offset: 0x1800, prot: 3 },
        ],
      }),
      0,
    );
    expect(layout.mappings).toEqual([
      { start: 0x400000, end: 0x402000, prot: 5, fileOffset: 0, fileBytes: 0x1800 },
      { start: 0x402000, end: 0x405000, prot: 3, fileOffset: 0x1000, fileBytes: 0x900 },
    ]);
    expect(layout.brk).toBe(0x405000);
    expect(layout.entry).toBe(0x401000);
    expect(layout.phdr).toBe(0x400040);
  });

  it('applies the bias of an ET_DYN image', () => {
    const bias = 0x555555554000;
    const layout = layoutElf(
      image({
        type: 'dyn',
        entry: 0x1000,
        phdrVaddr: 0x40,
        loads: [{ vaddr: 0, memsz: 0x2000, filesz: 0x2000, offset: 0, prot: 5 }],
      }),
      bias,
    );
    expect(layout.mappings[0]).toMatchObject({ start: bias, end: bias + 0x2000 });
    expect(layout.entry).toBe(bias + 0x1000);
    expect(layout.phdr).toBe(bias + 0x40);
    expect(layout.brk).toBe(bias + 0x2000);
  });

  it('maps a segment without file bytes as zeroes', () => {
    const layout = layoutElf(
      image({ loads: [{ vaddr: 0x600100, memsz: 0x100, filesz: 0, offset: 0x100, prot: 3 }] }),
      0,
    );
    expect(layout.mappings[0]).toEqual({
      start: 0x600000,
      end: 0x601000,
      prot: 3,
      fileOffset: 0,
      fileBytes: 0,
    });
  });

  it('refuses a bias that is unaligned, given to ET_EXEC, or pushes past the user address space', () => {
    const dyn = image({ type: 'dyn', loads: [{ vaddr: 0, memsz: 0x1000, filesz: 0, offset: 0, prot: 1 }] });
    expect(() => layoutElf(dyn, 0x1234)).toThrow(RangeError);
    expect(() => layoutElf(image({ loads: dyn.loads }), 0x1000)).toThrow(RangeError);
    expect(() => layoutElf(dyn, 2 ** 47)).toThrow(ElfError);
  });

  it('keeps overlapping segments in order and spans to the highest end', () => {
    const overlapping = image({
      type: 'dyn',
      loads: [
        { vaddr: 0, memsz: 0x5000, filesz: 0x1000, offset: 0, prot: 5 },
        { vaddr: 0x1000, memsz: 0x1000, filesz: 0x1000, offset: 0x1000, prot: 3 },
      ],
    });
    expect(elfLoadSpan(overlapping)).toEqual({ start: 0, end: 0x5000 });
    const layout = layoutElf(overlapping, 0x10000);
    expect(layout.mappings.map((m) => [m.start, m.end])).toEqual([
      [0x10000, 0x15000],
      [0x11000, 0x12000],
    ]);
    expect(layout.brk).toBe(0x15000);
  });

  it('lays out /bin/ls without gaps in file data', () => {
    const bytes = readFileSync('/bin/ls').subarray(0, 4096);
    const ls = parseElf(bytes, statSync('/bin/ls').size);
    const span = elfLoadSpan(ls);
    expect(span.start).toBe(0);
    const layout = layoutElf(ls, 0x555555554000);
    for (const [i, m] of layout.mappings.entries()) {
      const seg = ls.loads[i]!;
      expect(m.start % 4096).toBe(0);
      expect(m.end % 4096).toBe(0);
      expect(m.fileOffset + m.fileBytes).toBe(seg.offset + seg.filesz);
      expect(m.start + m.fileBytes).toBe(0x555555554000 + seg.vaddr + seg.filesz);
    }
    expect(layout.brk).toBe(0x555555554000 + span.end);
  });
});
