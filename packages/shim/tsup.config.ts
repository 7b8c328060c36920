import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

/**
 * runrsc serves a sandbox in its caller's process only when asked (`inProcess`), which the shim
 * never is: its bundle leaves the kernel out (1.2 MB to 270 KB, each shim start compiles it), and
 * runrsc's dynamic import of that code resolves to src/kernel.ts, which would load it from runrsc's
 * sandbox bundle.
 */
const kernelFromSandboxBundle: Plugin = {
  name: 'kernel-from-sandbox-bundle',
  setup(build) {
    const kernel = fileURLToPath(new URL('./src/kernel.ts', import.meta.url));
    build.onResolve({ filter: /^\.\/serve-\w+\.js$/ }, (args) =>
      args.kind === 'dynamic-import' && /[/\\]runrsc[/\\]dist[/\\]/.test(args.importer) ? { path: kernel } : undefined);
  },
};

export default defineConfig([
  // The library: its dependencies stay imports.
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts', compilerOptions: { composite: false } },
    sourcemap: true,
  },
  // The shim program carries runrsc and protobuf in itself (not the kernel, above): containerd
  // starts one per container, and loading those packages' modules one by one cost ~30 ms of each start. One
  // CommonJS file, which its launcher compiles with V8's code cache; `shims` gives it import.meta.url.
  {
    entry: { shim: 'src/cli.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    sourcemap: true,
    splitting: false,
    shims: true,
    noExternal: [/^@rvisor\//, /^@bufbuild\//],
    esbuildPlugins: [kernelFromSandboxBundle],
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
