import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAKE_ROOTFS, ROOTFS } from './paths.js';

/**
 * Builds the demo rootfs the acceptance tests run in, unless it is already there. The CLIs the
 * tests start keep their code cache in a directory of the run's own, not in the user's home.
 */
export default function setup(): () => void {
  if (!existsSync(join(ROOTFS, 'bin/busybox'))) {
    execFileSync('bash', [MAKE_ROOTFS, ROOTFS], { stdio: 'inherit' });
  }
  const cache = mkdtempSync(join(tmpdir(), 'rvisor-code-cache-'));
  process.env['RVISOR_CODE_CACHE'] = join(cache, 'v8');
  return () => rmSync(cache, { recursive: true, force: true });
}
