import type { Kernel, LinuxThread } from '@rvisor/linux-object';
import { Reg, REG_COUNT } from '@rvisor/zircon-object';
import { describe, expect, it } from 'vitest';
import { SyscallContext } from './context.js';

// The context reads arguments and writes the result as 32-bit words of the registers; each must
// mean what the 64-bit register means.
function context(set: Partial<Record<number, bigint>>): { ctx: SyscallContext; regs: BigUint64Array } {
  const regs = new BigUint64Array(REG_COUNT);
  for (const [reg, v] of Object.entries(set)) regs[Number(reg)] = v!;
  return { ctx: new SyscallContext({} as Kernel, {} as LinuxThread, regs), regs };
}

describe('SyscallContext', () => {
  it('reads arguments as Linux means them: int, uint, offset, address, count', () => {
    const { ctx } = context({
      [Reg.orig_rax]: 257n,
      [Reg.rdi]: 0xffff_ffff_ffff_fff6n, // -10
      [Reg.rsi]: 0x1_0000_0005n,
      [Reg.rdx]: 4096n,
      [Reg.r10]: 0x7fff_ffff_ffffn,
    });
    expect(ctx.nr).toBe(257);
    expect([ctx.int(0), ctx.uint(0), ctx.offset(0)]).toEqual([-10, 0xffff_fff6, -10]);
    expect(ctx.addr(0)).toBe(Number(0xffff_ffff_ffff_fff6n)); // rounded as Number(bigint) rounds
    expect([ctx.int(1), ctx.addr(1), ctx.offset(1)]).toEqual([5, 0x1_0000_0005, 0x1_0000_0005]);
    expect([ctx.count(1), ctx.count(2)]).toEqual([0x7fff_f000, 4096]); // MAX_RW_COUNT
    expect(ctx.addr(3)).toBe(0x7fff_ffff_ffff);
    expect(ctx.long(0)).toBe(-10n);
  });

  it('writes a result in two\'s complement, with no syscall pending', () => {
    const { ctx, regs } = context({ [Reg.orig_rax]: 2n });
    for (const [result, rax] of [[-2, 0xffff_ffff_ffff_fffen], [0, 0n], [2 ** 40 + 7, 2n ** 40n + 7n], [-(2 ** 33) - 1, 2n ** 64n - 2n ** 33n - 1n]] as const) {
      ctx.setReturn(result);
      expect([regs[Reg.rax], regs[Reg.orig_rax]]).toEqual([rax, 0xffff_ffff_ffff_ffffn]);
    }
  });

  it('follows its registers when they are replaced', () => {
    const { ctx } = context({ [Reg.rdi]: 1n });
    const saved = new BigUint64Array(REG_COUNT);
    saved[Reg.rdi] = 2n;
    ctx.regs = saved;
    expect(ctx.int(0)).toBe(2);
    ctx.setReturn(-4);
    expect(saved[Reg.rax]).toBe(0xffff_ffff_ffff_fffcn);
  });
});
