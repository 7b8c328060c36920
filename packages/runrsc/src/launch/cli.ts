// The runrsc command: the CLI's bundle (./cli.cjs, from src/cli.ts), run through the code cache.
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './code-cache.js';

runWithCodeCache(fileURLToPath(new URL('./cli.cjs', import.meta.url)));
