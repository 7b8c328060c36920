#!/usr/bin/env node
// Generates src/generated/numbers.ts from include/unistd_64.h, Linux's list of x86-64 syscall
// numbers. Run: node scripts/gen-numbers.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const header = readFileSync(join(root, 'include/unistd_64.h'), 'utf8');

const numbers = new Map();
for (const match of header.matchAll(/^#define __NR_(\w+)\s+(\d+)\s*$/gm)) {
  numbers.set(match[1], Number(match[2]));
}
if (numbers.size === 0) throw new Error('no __NR_ definitions found in include/unistd_64.h');

const max = Math.max(...numbers.values());
const names = Array.from({ length: max + 1 }, () => '');
for (const [name, nr] of numbers) {
  if (names[nr]) throw new Error(`syscall number ${nr} defined twice (${names[nr]}, ${name})`);
  names[nr] = name;
}

const lines = [
  '// GENERATED FILE, DO NOT EDIT: produced by scripts/gen-numbers.mjs from include/unistd_64.h.',
  '',
  '/** Linux x86-64 syscall numbers by name, from `asm/unistd_64.h`. */',
  'export const SYS = {',
  ...[...numbers].map(([name, nr]) => `  ${name}: ${nr},`),
  '} as const;',
  '',
  '/** A Linux x86-64 syscall name. */',
  'export type SyscallName = keyof typeof SYS;',
  '',
  '/** The highest syscall number in the header. */',
  `export const SYSCALL_MAX = ${max};`,
  '',
  '/** Syscall names indexed by number; numbers Linux does not assign hold the empty string. */',
  'export const SYSCALL_NAMES: readonly string[] = [',
  ...names.map((name, nr) => `  '${name}', // ${nr}`),
  '];',
  '',
];
writeFileSync(join(root, 'src/generated/numbers.ts'), lines.join('\n'));
console.log(`src/generated/numbers.ts: ${numbers.size} syscalls, max ${max}`);
