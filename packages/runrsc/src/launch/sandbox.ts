// The detached sandbox process (`node sandbox-main.cjs --socket PATH`): its bundle (./sandbox.cjs,
// from src/sandbox-main.ts), run through the code cache.
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './code-cache.js';

runWithCodeCache(fileURLToPath(new URL('./sandbox.cjs', import.meta.url)));
