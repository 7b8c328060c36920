import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// containerd starts the shim twice per container, and each start compiles the shim's bundle: it
// leaves the kernel to runrsc's sandbox bundle (tsup.config.ts).
describe('the shim bundle', () => {
  it('holds no kernel', () => {
    const bundle = readFileSync(new URL('../dist/shim.cjs', import.meta.url), 'latin1');
    expect(bundle).toContain('containerd-shim-rvisor-v1');
    expect(bundle).not.toContain('KernelRunner');
  });
});
