import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { errnoOf } from '../fs/errno-of.test-helper.js';
import {
  AUDIT_ARCH_X86_64, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP, compileFilter, hasFilter,
  runFilters,
} from './seccomp.js';

/** struct sock_filter entries: [code, jt, jf, k] each. */
function program(...insns: [number, number, number, number][]): Uint8Array {
  const b = new Uint8Array(insns.length * 8);
  const v = new DataView(b.buffer);
  insns.forEach(([code, jt, jf, k], i) => {
    v.setUint16(i * 8, code, true);
    v.setUint8(i * 8 + 2, jt);
    v.setUint8(i * 8 + 3, jf);
    v.setUint32(i * 8 + 4, k >>> 0, true);
  });
  return b;
}

const LD_NR: [number, number, number, number] = [0x20, 0, 0, 0];
const ret = (k: number): [number, number, number, number] => [0x06, 0, 0, k];
/** A filter answering `action` for syscall `nr`, allowing the rest. */
const on = (nr: number, action: number) => program(LD_NR, [0x15, 0, 1, nr], ret(action), ret(SECCOMP_RET_ALLOW));

function data(nr: number, args: number[] = []): Uint32Array {
  const d = new Uint32Array(16);
  d[0] = nr;
  d[1] = AUDIT_ARCH_X86_64;
  args.forEach((a, i) => (d[4 + 2 * i] = a));
  return d;
}

describe('seccomp filters', () => {
  it('refuse what classic BPF or seccomp does not take (EINVAL)', () => {
    const bad = [
      program(), // empty
      program([0x28, 0, 0, 0], ret(0)), // a halfword load
      program([0x20, 0, 0, 64], ret(0)), // past seccomp_data
      program([0x20, 0, 0, 2], ret(0)), // unaligned
      program([0x15, 5, 0, 0], ret(0)), // a jump past the end
      program(ret(0), [0x00, 0, 0, 1]), // no return at the end
      program([0x34, 0, 0, 0], ret(0)), // a division by a constant 0
      program([0x94, 0, 0, 3], ret(0)), // a modulo
      program([0x60, 0, 0, 3], ret(0)), // a memory word never stored
    ];
    for (const p of bad) expect(errnoOf(() => compileFilter(p, null))).toBe(Errno.EINVAL);
    expect(errnoOf(() => compileFilter(new Uint8Array(4097 * 8), null))).toBe(Errno.EINVAL);
  });

  it('answer with the first action of the chain, the newest filter first among equals', () => {
    const first = compileFilter(on(39, SECCOMP_RET_ERRNO | 1), null);
    const second = compileFilter(on(39, SECCOMP_RET_ERRNO | 2), first);
    expect(runFilters(second, data(39))).toBe(SECCOMP_RET_ERRNO | 2);
    expect(runFilters(second, data(40))).toBe(SECCOMP_RET_ALLOW);
    const third = compileFilter(on(39, SECCOMP_RET_KILL_PROCESS), second);
    expect(runFilters(third, data(39))).toBe(SECCOMP_RET_KILL_PROCESS);
    const fourth = compileFilter(on(39, SECCOMP_RET_TRAP), second);
    expect(runFilters(fourth, data(39))).toBe(SECCOMP_RET_TRAP); // TRAP comes before ERRNO
  });

  it('run the machine: arguments, arithmetic, memory, and a division by a zero X returning 0', () => {
    // A = args[0]; A = A * 3 + 1; M[0] = A; X = 0; A = M[0]; return ERRNO | A.
    const p = compileFilter(program([0x20, 0, 0, 16], [0x24, 0, 0, 3], [0x04, 0, 0, 1], [0x02, 0, 0, 0], [0x01, 0, 0, 0],
      [0x60, 0, 0, 0], [0x44, 0, 0, SECCOMP_RET_ERRNO], [0x16, 0, 0, 0]), null);
    expect(runFilters(p, data(1, [5]))).toBe(SECCOMP_RET_ERRNO | 16);
    const divide = compileFilter(program([0x01, 0, 0, 0], [0x3c, 0, 0, 0], ret(SECCOMP_RET_ALLOW)), null);
    expect(runFilters(divide, data(1))).toBe(0);
  });

  it('know their ancestors (TSYNC)', () => {
    const a = compileFilter(on(1, SECCOMP_RET_ALLOW), null);
    const b = compileFilter(on(1, SECCOMP_RET_ALLOW), a);
    expect(hasFilter(b, a)).toBe(true);
    expect(hasFilter(b, null)).toBe(true);
    expect(hasFilter(a, b)).toBe(false);
    expect(b.count).toBe(2);
  });
});
