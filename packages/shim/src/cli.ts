/**
 * containerd-shim-rvisor-v1, the binary containerd runs for runtime `io.containerd.rvisor.v1`:
 * `start` (print the address of a shim daemon serving this task), `delete` (clean up after a
 * dead shim, DeleteResponse on stdout), and with no action the daemon itself.
 *
 * @module
 */
import { fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startShim } from './commands/start.js';
import { parseShimArgs } from './flags.js';
import { hostMounter } from './task/mount.js';

/** fd 3 when `start` gave the daemon its readiness pipe. */
function readyFd(): number | undefined {
  try {
    fstatSync(3);
    return 3;
  } catch {
    return undefined;
  }
}

let action = '';

async function run(): Promise<number> {
  const args = parseShimArgs(process.argv.slice(2));
  action = args.action;
  if (args.version) {
    // The form containerd's own shims print.
    const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
    process.stdout.write(`containerd-shim-rvisor-v1:\n  Version:  ${version}\n  Node version: ${process.version}\n`);
    return 0;
  }
  switch (args.action) {
    case 'start': {
      // Whatever this writes is containerd's answer: the address alone on success, the error otherwise.
      process.stdout.write(await startShim(args, process.argv[1]!));
      return 0;
    }
    // The Task service's protobuf descriptors take ~30 ms to build at a start on a slow machine:
    // only the actions that speak protobuf load them.
    case 'delete': {
      const { deleteShim } = await import('./commands/delete.js');
      const response = await deleteShim(args, hostMounter, (m) => process.stderr.write(`${m}\n`));
      process.stdout.write(response);
      return 0;
    }
    case '':
      if (!args.socket) throw new Error('the daemon needs -socket (it is started by `start`)');
      await (await import('./commands/serve.js')).serveShim(args, readyFd());
      return -1; // keep serving
    default:
      throw new Error(`unknown action ${JSON.stringify(args.action)}`);
  }
}

/** Act as the arguments say (the launcher, dist/containerd-shim-rvisor-v1.cjs, calls it). */
export function main(): void {
  run().then(
    (code) => {
      if (code >= 0) process.stdout.end(() => process.exit(code));
    },
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      // containerd shows start's output as the error; delete's stdout must stay protobuf.
      if (action === 'delete') process.stderr.write(`${message}\n`);
      else process.stdout.write(message);
      process.exitCode = 1;
      process.stdout.end(() => process.exit(1));
    },
  );
}
