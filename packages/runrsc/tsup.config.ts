import { defineConfig } from 'tsup';

export default defineConfig([
  // The library: its @rvisor dependencies stay imports, so objects cross package lines intact.
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts', compilerOptions: { composite: false } },
    sourcemap: true,
  },
  // The programs (the CLI and the detached sandbox's process) carry the kernel and commander in
  // themselves: resolving and loading a dozen packages' modules cost ~18 ms of every start.
  {
    entry: ['src/cli.ts', 'src/sandbox-main.ts'],
    format: ['esm'],
    sourcemap: true,
    noExternal: [/^@rvisor\//, 'commander'],
    // commander is CommonJS: its require of Node's modules needs a require in the ESM bundle.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  },
]);
