import { defineConfig } from 'tsup';

export default defineConfig([
  // The library: its dependencies stay imports.
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts', compilerOptions: { composite: false } },
    sourcemap: true,
  },
  // The shim program carries runrsc, the kernel and protobuf in itself: containerd starts one per
  // container, and loading those packages' modules one by one cost ~30 ms of each start. One
  // CommonJS file, which its launcher compiles with V8's code cache; `shims` gives it import.meta.url.
  {
    entry: { shim: 'src/cli.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    sourcemap: true,
    splitting: false,
    shims: true,
    noExternal: [/^@rvisor\//, /^@bufbuild\//],
    // Non-ASCII only in comments: the launcher reads the bundle as latin1 (runrsc's src/launch/code-cache.ts).
    esbuildOptions: (o) => {
      o.charset = 'ascii';
    },
  },
  // Its launcher, dist/containerd-shim-rvisor-v1.cjs (which the bin runs), CommonJS as runrsc's.
  {
    entry: { 'containerd-shim-rvisor-v1': 'src/launch.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    shims: true,
    splitting: false,
    noExternal: [/^@rvisor\//],
  },
]);
