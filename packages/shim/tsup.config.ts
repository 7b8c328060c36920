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
  // container, and loading those packages' modules one by one cost ~30 ms of each start.
  {
    entry: ['src/cli.ts'],
    format: ['esm'],
    sourcemap: true,
    noExternal: [/^@rvisor\//, /^@bufbuild\//],
  },
]);
