import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './paths.js';

describe('syscall fuzzing', () => {
  it('100 000 random syscalls: no internal error, the sandbox and the host intact', () => {
    const r = spawnSync(process.execPath, [`${REPO_ROOT}scripts/fuzz.mjs`, '--quick'], { encoding: 'utf8', timeout: 600_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('no internal error');
    expect(r.status).toBe(0);
  }, 600_000);
});
