import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts', compilerOptions: { composite: false } },
  clean: true,
  sourcemap: true,
});
