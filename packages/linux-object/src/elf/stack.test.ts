import { describe, expect, it } from 'vitest';
import { AuxType, standardAuxv } from './auxv.js';
import { ArgListTooLongError } from './error.js';
import { buildInitialStack, type InitialStack } from './stack.js';

const TOP = 0x7fff_ffff_f000;
const random16 = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

/** Reads the stack back the way libc's _start does. */
function decode(stack: InitialStack) {
  const view = new DataView(stack.bytes.buffer, stack.bytes.byteOffset, stack.bytes.byteLength);
  const base = TOP - stack.bytes.length;
  const word = (addr: number) => Number(view.getBigUint64(addr - base, true));
  const cstr = (addr: number) => {
    const from = addr - base;
    const end = stack.bytes.indexOf(0, from);
    return String.fromCharCode(...stack.bytes.subarray(from, end)); // a byte string
  };
  let at = stack.sp;
  const argc = word(at);
  at += 8;
  const argv: string[] = [];
  for (let i = 0; i < argc; i++, at += 8) argv.push(cstr(word(at)));
  expect(word(at)).toBe(0);
  at += 8;
  const envp: string[] = [];
  for (; word(at) !== 0; at += 8) envp.push(cstr(word(at)));
  at += 8;
  const auxv = new Map<number, number>();
  for (;;) {
    const type = word(at);
    auxv.set(type, word(at + 8));
    at += 16;
    if (type === AuxType.AT_NULL) break;
  }
  return { argc, argv, envp, auxv, cstr, base };
}

describe('buildInitialStack', () => {
  const auxv = standardAuxv({ phdr: 0x400040, phnum: 9, entry: 0x401000, uid: 1000, gid: 100 });

  it('lays out argc, argv, envp and auxv so that they decode back', () => {
    const stack = buildInitialStack({
      stackTop: TOP,
      argv: ['/bin/echo', 'h\xc3\xa9llo\xff', ''], // byte strings: UTF-8 or not
      envp: ['PATH=/bin', 'HOME=/'],
      auxv,
      execfn: '/bin/echo',
      random16,
      platform: 'x86_64',
    });
    expect(stack.sp % 16).toBe(0);
    expect(stack.sp).toBe(TOP - stack.bytes.length);
    const d = decode(stack);
    expect(d.argc).toBe(3);
    expect(d.argv).toEqual(['/bin/echo', 'h\xc3\xa9llo\xff', '']);
    expect(d.envp).toEqual(['PATH=/bin', 'HOME=/']);
    expect(d.auxv.get(AuxType.AT_PHDR)).toBe(0x400040);
    expect(d.auxv.get(AuxType.AT_PHENT)).toBe(56);
    expect(d.auxv.get(AuxType.AT_PHNUM)).toBe(9);
    expect(d.auxv.get(AuxType.AT_ENTRY)).toBe(0x401000);
    expect(d.auxv.get(AuxType.AT_PAGESZ)).toBe(4096);
    expect(d.auxv.get(AuxType.AT_UID)).toBe(1000);
    expect(d.auxv.get(AuxType.AT_EGID)).toBe(100);
    expect(d.auxv.has(AuxType.AT_SYSINFO_EHDR)).toBe(false);
    expect(d.cstr(d.auxv.get(AuxType.AT_EXECFN)!)).toBe('/bin/echo');
    expect(d.cstr(d.auxv.get(AuxType.AT_PLATFORM)!)).toBe('x86_64');
    const r = d.auxv.get(AuxType.AT_RANDOM)! - d.base;
    expect([...stack.bytes.subarray(r, r + 16)]).toEqual([...random16]);
    // The top word stays zero, as in Linux.
    expect([...stack.bytes.subarray(-8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(d.cstr(stack.argStart)).toBe('/bin/echo');
    expect(d.cstr(stack.envStart)).toBe('PATH=/bin');
    expect(stack.argEnd).toBe(stack.envStart);
  });

  it('places strings where Linux does (measured natively with ASLR off)', () => {
    const stack = buildInitialStack({
      stackTop: TOP,
      argv: ['./st', 'x', 'yy'],
      envp: ['A=1', 'BB=22'],
      auxv,
      execfn: './st',
      random16,
      platform: 'x86_64',
    });
    const d = decode(stack);
    expect(TOP - d.auxv.get(AuxType.AT_EXECFN)!).toBe(13);
    expect(TOP - stack.envStart).toBe(23);
    expect(TOP - stack.argStart).toBe(33);
    expect(TOP - d.auxv.get(AuxType.AT_PLATFORM)!).toBe(55);
    expect(TOP - d.auxv.get(AuxType.AT_RANDOM)!).toBe(71);
  });

  it('keeps sp 16-byte aligned whatever the string lengths', () => {
    for (let n = 0; n < 20; n++) {
      const stack = buildInitialStack({
        stackTop: TOP,
        argv: ['a'.repeat(n)],
        envp: Array.from({ length: n % 3 }, () => 'X=1'),
        auxv,
        execfn: 'x',
        random16,
        platform: 'x86_64',
      });
      expect(stack.sp % 16).toBe(0);
      expect(decode(stack).argv).toEqual(['a'.repeat(n)]);
    }
  });

  it('ends the auxv with a single AT_NULL even when given one', () => {
    const stack = buildInitialStack({
      stackTop: TOP,
      argv: ['x'],
      envp: [],
      auxv: [[AuxType.AT_PAGESZ, 4096], [AuxType.AT_NULL, 0]],
      execfn: 'x',
      random16,
      platform: 'x86_64',
    });
    const d = decode(stack);
    expect([...d.auxv.keys()]).toEqual([AuxType.AT_PAGESZ, AuxType.AT_NULL]);
  });

  it('refuses more than 2 MiB of arguments with the default stack limit (E2BIG)', () => {
    const big = 'x'.repeat(100_000);
    const args = { stackTop: TOP, auxv, execfn: 'x', random16, platform: 'x86_64' } as const;
    expect(() => buildInitialStack({ ...args, argv: Array(22).fill(big), envp: [] })).toThrow(ArgListTooLongError);
    expect(() => buildInitialStack({ ...args, argv: Array(20).fill(big), envp: [] })).not.toThrow();
    expect(() => buildInitialStack({ ...args, argv: ['x'.repeat(200_000)], envp: [] })).toThrow(ArgListTooLongError);
  });
});

describe('standardAuxv', () => {
  it('starts with AT_SYSINFO_EHDR when there is a vDSO, as Linux\'s ARCH_DLINFO does', () => {
    const auxv = standardAuxv({ phdr: 0x400040, phnum: 9, entry: 0x401000, vdso: 0x7fff_f77f_e000 });
    expect(auxv[0]).toEqual([AuxType.AT_SYSINFO_EHDR, 0x7fff_f77f_e000]);
    expect(auxv[1]![0]).toBe(AuxType.AT_MINSIGSTKSZ);
    expect(standardAuxv({ phdr: 0x400040, phnum: 9, entry: 0x401000 })[0]![0]).toBe(AuxType.AT_MINSIGSTKSZ);
  });
});
