import { defineConfig } from 'tsup';

export default defineConfig({
  // `abi` alone: the ABI constants without the kernel, for tools that only check input.
  entry: { index: 'src/index.ts', abi: 'src/abi/index.ts' },
  format: ['esm'],
  dts: { compilerOptions: { composite: false } },
  clean: true,
  sourcemap: true,
});
