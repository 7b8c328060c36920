/**
 * The sandbox process: `node sandbox-main.cjs --socket PATH [--strace]`, started detached by
 * `runrsc create`. It serves the control socket at PATH, writes `ready` on fd 3 once it does,
 * and exits when its last container is deleted. Its stderr is the sandbox's log.
 *
 * @module
 */
import { closeSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { serveSandbox } from './sandbox/serve.js';

// The CLI's bundle loads these from this one when it serves a sandbox in its own process, so that
// the kernel is in one bundle only (src/launch/kernel.ts).
export { serveSandbox } from './sandbox/serve.js';
export { runContainer } from './api/run.js';

/** Serve the socket the arguments name (the launcher, dist/sandbox-main.cjs, calls it). */
export function main(): void {
  const { values } = parseArgs({ options: { socket: { type: 'string' }, strace: { type: 'boolean' } } });
  const socket = values.socket;
  if (!socket) {
    process.stderr.write('sandbox: --socket PATH is required\n');
    process.exit(2);
  }

  const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);
  serveSandbox({
    socket,
    log,
    strace: values.strace ? (line) => process.stderr.write(line + '\n') : undefined,
  }).then(
    (served) => {
      void served.done.then(() => process.exit(0));
      // SIGTERM/SIGINT/SIGHUP to the sandbox itself end every guest.
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
        process.on(sig, () => {
          served.shutdown();
          process.exit(128 + (sig === 'SIGTERM' ? 15 : sig === 'SIGINT' ? 2 : 1));
        });
      }
      try {
        writeSync(3, 'ready\n');
        closeSync(3);
      } catch {
        // started by hand, without a ready pipe
      }
    },
    (err: Error) => {
      log(`cannot listen on ${socket}: ${err.message}`);
      process.exit(1);
    },
  );
}
