import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { syscallTable } from './syscall-table.js';
import { compatibilityMarkdown } from './table/compat.js';

// docs/compatibility.md is written from the table (scripts/gen-compat.mjs): a change to a handler's
// support or note must come with the page written again.
describe('docs/compatibility.md', () => {
  it('is what the syscall table says', () => {
    const page = readFileSync(new URL('../../../docs/compatibility.md', import.meta.url), 'utf8');
    expect(page).toBe(compatibilityMarkdown(syscallTable));
  });
});
