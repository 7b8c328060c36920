import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MAKE_ROOTFS, ROOTFS } from './paths.js';

/** Builds the demo rootfs the acceptance tests run in, unless it is already there. */
export default function setup(): void {
  if (!existsSync(join(ROOTFS, 'bin/busybox'))) {
    execFileSync('bash', [MAKE_ROOTFS, ROOTFS], { stdio: 'inherit' });
  }
}
