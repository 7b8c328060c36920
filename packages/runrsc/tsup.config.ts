import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';
import type { Plugin } from 'esbuild';

/**
 * The CLI's bundle leaves the kernel to the sandbox's: its dynamic imports of the modules that
 * need it resolve to src/launch/kernel.ts, which loads them from dist/sandbox.cjs when a verb
 * serves a sandbox itself (src/launch/code-cache.ts says what it saves).
 */
const kernelFromSandboxBundle: Plugin = {
  name: 'kernel-from-sandbox-bundle',
  setup(build) {
    const kernel = fileURLToPath(new URL('./src/launch/kernel.ts', import.meta.url));
    build.onResolve({ filter: /\/(sandbox\/serve|api\/run)\.js$/ }, (args) => (args.kind === 'dynamic-import' ? { path: kernel } : undefined));
  },
};

/** The programs' bundles: CommonJS, one file each, with the kernel and commander in them. */
const program: Options = {
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
};

export default defineConfig([
  // The library: its @rvisor dependencies stay imports, so objects cross package lines intact.
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts', compilerOptions: { composite: false } },
    sourcemap: true,
  },
  // The programs (the CLI and the detached sandbox's process) carry what they run in themselves:
  // resolving and loading a dozen packages' modules cost ~18 ms of every start. They are
  // CommonJS, one file each, so that their launchers can compile them with V8's code cache
  // (src/launch/code-cache.ts); `shims` gives them import.meta.url. The kernel is in the
  // sandbox's only.
  { ...program, entry: { sandbox: 'src/sandbox-main.ts' } },
  { ...program, entry: { cli: 'src/cli.ts' }, esbuildPlugins: [kernelFromSandboxBundle] },
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
