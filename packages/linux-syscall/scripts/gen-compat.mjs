#!/usr/bin/env node
// Writes docs/compatibility.md (at the repository root) from the syscall table of the built
// package. Run after `pnpm --filter @rvisor/linux-syscall build`:
//   node scripts/gen-compat.mjs [exportName]
// The table is the export named exportName, or else the one exported Map whose entries carry a
// support level. Pass --empty to write the page for an empty table (everything ENOSYS).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '../../docs/compatibility.md');
const mod = await import(pathToFileURL(join(root, 'dist/index.js')).href);

if (typeof mod.compatibilityMarkdown !== 'function') {
  throw new Error('dist/index.js does not export compatibilityMarkdown: export it from src/index.ts');
}

function isSyscallTable(value) {
  if (!(value instanceof Map) || value.size === 0) return false;
  const [first] = value.values();
  return typeof first === 'object' && first !== null && 'support' in first && 'handler' in first;
}

function findTable(args) {
  if (args.includes('--empty')) return new Map();
  const named = args.find((a) => !a.startsWith('--'));
  if (named) {
    if (!isSyscallTable(mod[named])) throw new Error(`dist/index.js: ${named} is not a syscall table`);
    return mod[named];
  }
  const tables = Object.entries(mod).filter(([, v]) => isSyscallTable(v));
  if (tables.length !== 1) {
    throw new Error(
      `dist/index.js exports ${tables.length} syscall tables (${tables.map(([k]) => k).join(', ')}): name one`,
    );
  }
  return tables[0][1];
}

const table = findTable(process.argv.slice(2));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, mod.compatibilityMarkdown(table));
console.log(`docs/compatibility.md: ${table.size} syscalls in the table`);
