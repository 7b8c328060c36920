import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElfError } from './error.js';
import { elfHeaderSpan, parseElf } from './parse.js';
import { buildTestElf, type TestElf, type TestPhdr } from './test-elf.js';

const LOAD = 1;
const INTERP = 3;
const PHDR = 6;
const TLS = 7;
const GNU_STACK = 0x6474e551;

const text: TestPhdr = { type: LOAD, flags: 5, offset: 0, vaddr: 0x400000, filesz: 0x1800 };
const data: TestPhdr = { type: LOAD, flags: 6, offset: 0x1800, vaddr: 0x402800, filesz: 0x100, memsz: 0x2000 };

function elf(desc: Partial<TestElf> = {}): Uint8Array {
  return buildTestElf({ phdrs: [text, data], ...desc });
}

function reasonOf(bytes: Uint8Array, fileSize = bytes.length): string {
  try {
    parseElf(bytes, fileSize);
  } catch (e) {
    if (e instanceof ElfError) return e.reason;
    throw e;
  }
  throw new Error('parseElf accepted the file');
}

describe('parseElf on valid files', () => {
  it('reads a static executable', () => {
    const image = parseElf(elf(), 0x3000);
    expect(image.type).toBe('exec');
    expect(image.entry).toBe(0x401000);
    expect(image.phnum).toBe(2);
    expect(image.phentsize).toBe(56);
    expect(image.loads).toEqual([
      { vaddr: 0x400000, memsz: 0x1800, filesz: 0x1800, offset: 0, prot: 1 | 4 },
      { vaddr: 0x402800, memsz: 0x2000, filesz: 0x100, offset: 0x1800, prot: 1 | 2 },
    ]);
    expect(image.interp).toBeUndefined();
    expect(image.stackExec).toBe(false);
    // No PT_PHDR: the table is found inside the first segment.
    expect(image.phdrVaddr).toBe(0x400040);
  });

  it('reads PT_INTERP, PT_PHDR, PT_TLS and an executable PT_GNU_STACK', () => {
    const path = new TextEncoder().encode('/lib/ld.so\0');
    const image = parseElf(
      elf({
        type: 3,
        phdrs: [
          { type: PHDR, vaddr: 0x40, offset: 0x40, filesz: 0x150 },
          { type: INTERP, offset: 0x200, filesz: path.length },
          { ...text, vaddr: 0 },
          { ...data, vaddr: 0x2800 },
          { type: TLS, offset: 0x1800, vaddr: 0x2800, filesz: 0x10, memsz: 0x30, align: 8 },
          { type: GNU_STACK, flags: 7 },
        ],
        extra: [{ at: 0x200, data: path }],
      }),
      0x3000,
    );
    expect(image.type).toBe('dyn');
    expect(image.interp).toBe('/lib/ld.so');
    expect(image.phdrVaddr).toBe(0x40);
    expect(image.stackExec).toBe(true);
    expect(image.tls).toEqual({ vaddr: 0x2800, offset: 0x1800, filesz: 0x10, memsz: 0x30, align: 8 });
  });

  it('parses the static /bin/busybox', () => {
    const bytes = readFileSync('/bin/busybox').subarray(0, 4096);
    const image = parseElf(bytes, statSync('/bin/busybox').size);
    expect(image.type).toBe('exec');
    expect(image.interp).toBeUndefined();
    expect(image.loads.length).toBeGreaterThan(1);
    expect(image.tls).toBeDefined();
  });

  it('parses the dynamic /bin/ls with its interpreter', () => {
    const bytes = readFileSync('/bin/ls').subarray(0, 4096);
    const image = parseElf(bytes, statSync('/bin/ls').size);
    expect(image.type).toBe('dyn');
    expect(image.interp).toMatch(/^\/lib.*ld-linux-x86-64\.so\.2$/);
    expect(image.phdrVaddr).toBe(image.phoff);
  });
});

describe('elfHeaderSpan', () => {
  it('asks for the file header first', () => {
    expect(elfHeaderSpan(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]))).toBe(64);
  });

  it('asks for program headers that lie beyond the bytes given', () => {
    const file = elf({ phoff: 0x2000, size: 0x3000 });
    const head = file.subarray(0, 0x1000);
    expect(elfHeaderSpan(head)).toBe(0x2000 + 2 * 56);
    expect(() => parseElf(head, file.length)).toThrow(ElfError);
    try {
      parseElf(head, file.length);
    } catch (e) {
      expect((e as ElfError).bytesNeeded).toBe(0x2000 + 2 * 56);
    }
  });

  it('covers the PT_INTERP string', () => {
    const path = new TextEncoder().encode('/ld.so\0');
    const file = elf({
      size: 0x4000,
      phdrs: [{ type: INTERP, offset: 0x3000, filesz: path.length }, text, data],
      extra: [{ at: 0x3000, data: path }],
    });
    expect(elfHeaderSpan(file.subarray(0, 0x1000))).toBe(0x3000 + path.length);
    expect(parseElf(file.subarray(0, elfHeaderSpan(file)), file.length).interp).toBe('/ld.so');
  });
});

describe('parseElf rejects malformed files', () => {
  it('bad magic', () => {
    const bytes = elf();
    bytes[1] = 0x58;
    expect(reasonOf(bytes)).toMatch(/bad magic/);
  });

  it('truncated file header', () => {
    expect(reasonOf(elf().subarray(0, 40))).toMatch(/truncated ELF header/);
  });

  it('wrong machine or type; EI_CLASS and EI_DATA are not checked, as in Linux', () => {
    const c = elf();
    c[4] = 1;
    c[5] = 2;
    expect(parseElf(c, 0x3000).loads).toHaveLength(2);
    expect(reasonOf(elf({ machine: 3 }))).toMatch(/e_machine 3/);
    expect(reasonOf(elf({ type: 1 }))).toMatch(/e_type 1/);
  });

  it('phentsize and phnum out of range', () => {
    expect(reasonOf(elf({ phentsize: 32 }))).toMatch(/e_phentsize 32/);
    expect(reasonOf(elf({ phnum: 0 }))).toMatch(/e_phnum 0/);
    expect(reasonOf(elf({ phnum: 2000 }))).toMatch(/e_phnum 2000/);
  });

  it('program headers beyond the file', () => {
    expect(reasonOf(elf({ phoff: 0x2ff0 }))).toMatch(/program headers .* beyond the file/);
  });

  it('p_filesz > p_memsz', () => {
    expect(reasonOf(elf({ phdrs: [text, { ...data, filesz: 0x2000, memsz: 0x1000 }] }))).toBe(
      'program header 1: p_filesz (0x2000) > p_memsz (0x1000)',
    );
  });

  it('refuses unsorted PT_LOADs', () => {
    expect(reasonOf(elf({ phdrs: [data, text] }))).toMatch(/program header 1: .* below the previous/);
  });

  it('accepts overlapping PT_LOADs, as Linux does', () => {
    const image = parseElf(elf({ phdrs: [{ ...text, memsz: 0x4000 }, { ...data, vaddr: 0x401800 }] }), 0x3000);
    expect(image.loads.map((seg) => seg.vaddr)).toEqual([0x400000, 0x401800]);
  });

  it('file data beyond the end of the file', () => {
    expect(reasonOf(elf(), 0x1880)).toMatch(/program header 1: p_offset \+ p_filesz \(0x1900\) is beyond the file/);
  });

  it('huge memsz: total over 4 GiB or past the user address space', () => {
    expect(reasonOf(elf({ phdrs: [text, { ...data, memsz: 0x1_0000_0000 }] }))).toMatch(/total more than/);
    expect(reasonOf(elf({ phdrs: [text, { ...data, vaddr: 0x7fff_ffff_f800, memsz: 0x1000 }] }))).toMatch(
      /beyond the user address space/,
    );
    expect(reasonOf(elf({ phdrs: [text, { ...data, memsz: 2 ** 60 }] }))).toMatch(/too large|beyond/);
  });

  it('vaddr and offset not congruent modulo the page size', () => {
    expect(reasonOf(elf({ phdrs: [text, { ...data, vaddr: 0x402900 }] }))).toMatch(/not congruent/);
  });

  it('no PT_LOAD', () => {
    expect(reasonOf(elf({ phdrs: [{ type: GNU_STACK }] }))).toBe('no PT_LOAD segment');
  });

  it('PT_INTERP not NUL-terminated, too short or too long', () => {
    const path = new TextEncoder().encode('/lib/ld.so');
    const withInterp = (filesz: number) =>
      elf({ phdrs: [{ type: INTERP, offset: 0x200, filesz }, text, data], extra: [{ at: 0x200, data: path }] });
    expect(reasonOf(withInterp(path.length))).toMatch(/not NUL-terminated/);
    expect(reasonOf(withInterp(1))).toMatch(/PT_INTERP size 1/);
    expect(reasonOf(withInterp(5000))).toMatch(/PT_INTERP size 5000/);
  });
});
