/**
 * Run a program in a sandbox through the library API, no CLI:
 *
 *   node examples/dist/run-program.js [ROOTFS] [CMD ARGS...]
 *
 * It runs `busybox uname -a` in build/rootfs by default, with every syscall traced to stderr.
 */
import { resolve } from 'node:path';
import { runContainer } from '@rvisor/runrsc';

const [rootfs = resolve(import.meta.dirname, '../../build/rootfs'), ...args] = process.argv.slice(2);

const result = await runContainer({
  rootfs,
  args: args.length > 0 ? args : ['busybox', 'uname', '-a'],
  hostname: 'example',
  strace: (line) => process.stderr.write(`strace: ${line}\n`),
});

if (result.error) console.error(`could not start: ${result.error}`);
console.error(`exit status ${result.status}`);
process.exitCode = result.status;
