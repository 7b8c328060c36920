import { Errno } from '@rvisor/linux-object';
import { SYS, SYSCALL_NAMES, type SyscallName } from '../generated/numbers.js';
import type { SyscallEntry, SyscallHandler, SyscallSpec, SyscallTable, SysResult } from './types.js';

/** A syscall implemented as Linux behaves. */
export function supported<C>(handler: SyscallHandler<C>, note?: string): SyscallSpec<C> {
  return note === undefined ? { handler, support: 'full' } : { handler, support: 'full', note };
}

/** A syscall implemented in part; `note` says what is missing. */
export function partial<C>(handler: SyscallHandler<C>, note: string): SyscallSpec<C> {
  return { handler, support: 'partial', note };
}

/**
 * A syscall answered with a constant: a negative errno (`stub(-Errno.EPERM, …)`) or a success
 * value (`stub(0, …)`). `note` says why that answer is good enough.
 */
export function stub<C>(result: SysResult, note: string): SyscallSpec<C> {
  return { handler: () => result, support: 'stub', note };
}

/**
 * Builds the syscall table from entries keyed by Linux syscall name.
 *
 * @throws TypeError for a name Linux x86-64 does not have (a typo the type check missed), or an
 *   entry whose `name` disagrees with its key.
 */
export function buildTable<C>(
  entries: Partial<Record<SyscallName, SyscallSpec<C> | SyscallEntry<C>>>,
): SyscallTable<C> {
  const table = new Map<number, SyscallEntry<C>>();
  for (const [name, spec] of Object.entries(entries) as [string, SyscallSpec<C> | SyscallEntry<C>][]) {
    if (!Object.hasOwn(SYS, name)) throw new TypeError(`unknown syscall name: ${name}`);
    if ('name' in spec && spec.name !== name) {
      throw new TypeError(`syscall table entry ${name} is named ${spec.name}`);
    }
    // Every entry has the same fields in the same order (one hidden class: the run loop's lookup
    // of the handler stays monomorphic).
    table.set(SYS[name as SyscallName], { handler: spec.handler, support: spec.support, note: spec.note, name });
  }
  return table;
}

/** The name of a syscall number, or `syscall_<nr>` for numbers Linux does not assign. */
export function syscallName(nr: number): string {
  return SYSCALL_NAMES[nr] || `syscall_${nr}`;
}

/** Where the kernel reports syscalls it does not implement. */
export interface SyscallLogger {
  warn(message: string): void;
}

/**
 * Makes the dispatcher's answer to a syscall number missing from the table: -ENOSYS, with one
 * warning per syscall name (a guest probing a call in a loop logs once). The call never reaches
 * the host.
 */
export function createUnknownSyscall(logger: SyscallLogger): (nr: number) => number {
  const reported = new Set<string>();
  return (nr) => {
    const name = syscallName(nr);
    if (!reported.has(name)) {
      reported.add(name);
      logger.warn(`unsupported syscall ${name} (${nr}): ENOSYS`);
    }
    return -Errno.ENOSYS;
  };
}

/** {@link createUnknownSyscall} logging to the console. */
export const unknownSyscall: (nr: number) => number = createUnknownSyscall(console);
