/**
 * What the shim's bundle has in place of runrsc's in-process sandbox (tsup.config.ts maps
 * runrsc's dynamic import of it here): the shim starts sandboxes as processes of their own, so its
 * bundle leaves the kernel out, and this loads it from runrsc's sandbox bundle (dist/sandbox.cjs)
 * through its code cache should a sandbox ever be served in the shim's process.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { requireWithCodeCache } from '@rvisor/runrsc';

const manifest = createRequire(import.meta.url).resolve('@rvisor/runrsc/package.json');
const sandboxBundle = requireWithCodeCache(join(dirname(manifest), 'dist', 'sandbox.cjs'));

export const serveSandbox = sandboxBundle['serveSandbox'];
