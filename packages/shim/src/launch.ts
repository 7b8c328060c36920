// containerd-shim-rvisor-v1: the shim's bundle (./shim.cjs, from src/cli.ts), run through runrsc's
// code cache (docs/runtime.md): containerd starts the shim twice per container.
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from '@rvisor/runrsc';

runWithCodeCache(fileURLToPath(new URL('./shim.cjs', import.meta.url)));
