/**
 * What the CLI's bundle has in place of the kernel's modules: tsup.config.ts maps its dynamic
 * imports of `sandbox/serve.js` and `api/run.js` to this module, which loads them from the
 * sandbox's bundle (./sandbox.cjs, beside the CLI's) through its code cache, on the first `run`
 * that serves a sandbox in the CLI's own process. The other verbs never load the kernel.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import type { runContainer as RunContainer } from '../api/run.js';
import type { serveSandbox as ServeSandbox } from '../sandbox/serve.js';
import { requireWithCodeCache } from './code-cache.js';

const sandboxBundle = requireWithCodeCache(fileURLToPath(new URL('./sandbox.cjs', import.meta.url))) as {
  runContainer: typeof RunContainer;
  serveSandbox: typeof ServeSandbox;
};

export const { runContainer, serveSandbox } = sandboxBundle;
