/**
 * The sandbox process: `node sandbox-main.js --socket PATH [--strace]`, started detached by
 * `runrsc create`. It serves the control socket at PATH, writes `ready` on fd 3 once it does,
 * and exits when its last container is deleted. Its stderr is the sandbox's log.
 *
 * @module
 */
import { closeSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTrapPlatform } from '@rvisor/trap-native';
import { Sandbox } from './sandbox/sandbox.js';

const { values } = parseArgs({ options: { socket: { type: 'string' }, name: { type: 'string' }, strace: { type: 'boolean' } } });
const socket = values.socket;
if (!socket) {
  process.stderr.write('sandbox: --socket PATH is required\n');
  process.exit(2);
}

const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);
const platform = createTrapPlatform();
const sandbox = new Sandbox({
  name: values.name ?? basename(dirname(socket)).replace(/^sandbox-/, ''),
  platform,
  log,
  strace: values.strace ? (line) => process.stderr.write(line + '\n') : undefined,
  onEmpty: () => {
    sandbox.close();
    rmSync(dirname(socket), { recursive: true, force: true });
    platform.shutdown();
    process.exit(0);
  },
});
// SIGTERM/SIGINT to the sandbox itself end every guest (the tracer's exit kills its tracees).
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(sig, () => {
    rmSync(socket, { force: true });
    platform.shutdown();
    process.exit(128 + (sig === 'SIGTERM' ? 15 : sig === 'SIGINT' ? 2 : 1));
  });
}

rmSync(socket, { force: true });
sandbox.listen(socket).then(
  () => {
    writeFileSync(join(dirname(socket), 'pid'), String(process.pid));
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
