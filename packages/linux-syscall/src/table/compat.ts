import { SYSCALL_MAX, SYSCALL_NAMES } from '../generated/numbers.js';
import type { SupportLevel, SyscallTable } from './types.js';

const LEVEL_TEXT: Record<SupportLevel | 'missing', string> = {
  full: 'full',
  partial: 'partial',
  stub: 'stub',
  missing: 'missing (ENOSYS)',
};

/** Keeps a note on one table row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/**
 * The compatibility page: every Linux x86-64 syscall with its support level and note, and the
 * count per level. Syscalls absent from the table are listed as missing (they answer ENOSYS).
 */
export function compatibilityMarkdown<C>(table: SyscallTable<C>): string {
  const counts: Record<SupportLevel | 'missing', number> = { full: 0, partial: 0, stub: 0, missing: 0 };
  const rows: string[] = [];
  for (let nr = 0; nr <= SYSCALL_MAX; nr++) {
    const name = SYSCALL_NAMES[nr];
    if (!name) continue;
    const entry = table.get(nr);
    const level = entry?.support ?? 'missing';
    counts[level]++;
    rows.push(`| ${nr} | ${name} | ${LEVEL_TEXT[level]} | ${cell(entry?.note ?? '')} |`);
  }
  const total = rows.length;
  return [
    '<!-- GENERATED FILE, DO NOT EDIT: written by packages/linux-syscall/scripts/gen-compat.mjs from the syscall table. -->',
    '',
    '# Linux syscall compatibility',
    '',
    'Every Linux x86-64 syscall and how rVisor-ts answers it. *full*: behaves as Linux; *partial*:',
    'implemented with the differences noted; *stub*: answers a fixed result; *missing*: answers',
    'ENOSYS and never reaches the host.',
    '',
    '| support | syscalls |',
    '|---|---|',
    `| full | ${counts.full} |`,
    `| partial | ${counts.partial} |`,
    `| stub | ${counts.stub} |`,
    `| missing (ENOSYS) | ${counts.missing} |`,
    `| total | ${total} |`,
    '',
    '| nr | name | support | note |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
