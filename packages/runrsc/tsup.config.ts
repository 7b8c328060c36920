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
  // themselves: resolving and loading a dozen packages' modules cost ~18 ms of every start. They
  // are CommonJS, one file each, so that their launchers can compile them with V8's code cache
  // (src/launch/code-cache.ts); `shims` gives them import.meta.url.
  {
    entry: { cli: 'src/cli.ts', sandbox: 'src/sandbox-main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    sourcemap: true,
    splitting: false,
    shims: true,
    noExternal: [/^@rvisor\//, 'commander'],
    // Non-ASCII only in comments: the launcher reads the bundle as latin1 (src/launch/code-cache.ts).
    esbuildOptions: (o) => {
      o.charset = 'ascii';
    },
  },
  // Their launchers: dist/runrsc.cjs (which bin/runrsc runs) and dist/sandbox-main.cjs. CommonJS
  // too: an ES module as the main program sets Node's module loader up first, ~5 ms of each start.
  {
    entry: { runrsc: 'src/launch/cli.ts', 'sandbox-main': 'src/launch/sandbox.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    splitting: false,
    shims: true,
  },
]);
