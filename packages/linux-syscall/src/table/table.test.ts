import { Errno } from '@rvisor/linux-object';
import { describe, expect, it } from 'vitest';
import { SYS, SYSCALL_MAX, SYSCALL_NAMES } from '../generated/numbers.js';
import { compatibilityMarkdown } from './compat.js';
import { buildTable, createUnknownSyscall, partial, stub, supported, syscallName } from './table.js';
import type { SyscallArgs } from './types.js';

interface Ctx {
  pid: number;
}
const args: SyscallArgs = [0n, 0n, 0n, 0n, 0n, 0n];

describe('generated numbers', () => {
  it('come from the header', () => {
    expect(SYS.read).toBe(0);
    expect(SYS.openat).toBe(257);
    expect(SYS.exit_group).toBe(231);
    expect(SYSCALL_NAMES[SYS.clone3]).toBe('clone3');
    expect(SYSCALL_NAMES.length).toBe(SYSCALL_MAX + 1);
    expect(SYSCALL_NAMES[400]).toBe('');
  });
});

describe('buildTable', () => {
  const table = buildTable<Ctx>({
    getpid: supported((ctx) => ctx.pid),
    openat: partial(() => 3, 'no O_TMPFILE'),
    setpriority: stub(-Errno.EPERM, 'priorities are fixed'),
  });

  it('keys entries by number and names them', () => {
    expect(table.size).toBe(3);
    expect(table.get(SYS.getpid)).toMatchObject({ name: 'getpid', support: 'full' });
    expect(table.get(SYS.getpid)!.handler({ pid: 7 })).toBe(7);
    expect(table.get(SYS.openat)).toMatchObject({ name: 'openat', support: 'partial', note: 'no O_TMPFILE' });
    expect(table.get(SYS.setpriority)!.handler({ pid: 1 })).toBe(-Errno.EPERM);
  });

  it('rejects names Linux does not have', () => {
    const entries = { not_a_syscall: supported(() => 0) } as unknown as Parameters<typeof buildTable<Ctx>>[0];
    expect(() => buildTable<Ctx>(entries)).toThrow(/unknown syscall name: not_a_syscall/);
  });

  it('rejects an entry named differently from its key', () => {
    expect(() =>
      buildTable<Ctx>({ read: { name: 'write', handler: () => 0, support: 'full' } }),
    ).toThrow(TypeError);
  });
});

describe('createUnknownSyscall', () => {
  it('answers ENOSYS and warns once per name', () => {
    const warnings: string[] = [];
    const unknown = createUnknownSyscall({ warn: (m) => warnings.push(m) });
    expect(unknown(SYS.io_uring_setup)).toBe(-Errno.ENOSYS);
    expect(unknown(SYS.io_uring_setup)).toBe(-Errno.ENOSYS);
    expect(unknown(400)).toBe(-Errno.ENOSYS);
    expect(warnings).toEqual([
      `unsupported syscall io_uring_setup (${SYS.io_uring_setup}): ENOSYS`,
      'unsupported syscall syscall_400 (400): ENOSYS',
    ]);
    expect(syscallName(SYS.read)).toBe('read');
  });
});

describe('compatibilityMarkdown', () => {
  it('lists every syscall with its level and counts the levels', () => {
    const md = compatibilityMarkdown(
      buildTable<Ctx>({
        read: supported(() => 0),
        openat: partial(() => 0, 'no O_TMPFILE | yet'),
        setpriority: stub(-Errno.EPERM, 'fixed'),
      }),
    );
    const assigned = SYSCALL_NAMES.filter((n) => n !== '').length;
    expect(md).toContain('| full | 1 |');
    expect(md).toContain('| partial | 1 |');
    expect(md).toContain('| stub | 1 |');
    expect(md).toContain(`| missing (ENOSYS) | ${assigned - 3} |`);
    expect(md).toContain(`| total | ${assigned} |`);
    expect(md).toContain('| 0 | read | full |  |');
    expect(md).toContain('| 257 | openat | partial | no O_TMPFILE \\| yet |');
    expect(md).toContain('| 1 | write | missing (ENOSYS) |  |');
    expect(md).not.toContain('| 400 |');
  });
});
