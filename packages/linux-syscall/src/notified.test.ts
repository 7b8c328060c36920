import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SYS, SYSCALL_NAMES, type SyscallName } from './generated/numbers.js';
import { syscallTable } from './syscall-table.js';

/**
 * Handlers that need the thread at a ptrace stop: they read or rewrite registers other than the
 * arguments and the result (execve, the fork family, sigreturn, sigaltstack's rsp, arch_prctl's
 * fs_base), let the host run the call (exit), or inject syscalls into the guest (the mm calls that
 * change mappings). A notified call offers none of that: what a notified handler leaves for the
 * host (madvise's rare remap) the run loop does after answering, stopping the thread as for a signal.
 */
const NEED_A_STOP: readonly SyscallName[] = [
  'execve', 'execveat', 'fork', 'vfork', 'clone', 'clone3', 'exit', 'exit_group',
  'rt_sigreturn', 'sigaltstack', 'arch_prctl',
  'brk', 'mmap', 'munmap', 'mprotect', 'mremap', 'shmat', 'shmdt',
];

/** The numbers in trap-native's NOTIFIED_SYSCALLS (guest.rs), read from its source. */
function notifiedByTheFilter(): number[] {
  const rust = readFileSync(new URL('../../trap-native/native/src/guest.rs', import.meta.url), 'utf8');
  const list = /NOTIFIED_SYSCALLS: &\[u32\] = &\[([^\]]*)\];/.exec(rust);
  if (!list) throw new Error('NOTIFIED_SYSCALLS not found in guest.rs');
  return list[1].split('\n').flatMap((line) => line.replace(/\/\/.*/, '').match(/\d+/g) ?? []).map(Number);
}

describe('the notified syscalls', () => {
  const notified = notifiedByTheFilter();

  it('include no call whose handler needs a ptrace stop', () => {
    const needStop = new Set<number>(NEED_A_STOP.map((name) => SYS[name]));
    expect(notified.filter((nr) => needStop.has(nr)).map((nr) => SYSCALL_NAMES[nr])).toEqual([]);
  });

  it('are each listed once, and each answered by the table', () => {
    expect(new Set(notified).size).toBe(notified.length);
    expect(notified.filter((nr) => !syscallTable.has(nr)).map((nr) => SYSCALL_NAMES[nr])).toEqual([]);
  });
});
