import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeProcessEnv } from '@rvisor/runrsc';
import { canConnect, shimAddress, socketPath } from '../address.js';
import type { ShimArgs } from '../flags.js';
import { SANDBOX_ANNOTATION } from '../annotations.js';

/** How long `start` waits for the daemon to listen. */
const DAEMON_READY_MS = 20_000;

/** The id the shim is shared under: the pod's sandbox id for a CRI container, else the task id. */
export function groupId(bundle: string, id: string): string {
  try {
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { annotations?: Record<string, string> };
    return spec.annotations?.[SANDBOX_ANNOTATION] || id;
  } catch {
    return id;
  }
}

/** Writes `address` into the bundle atomically (containerd reads it to reconnect after a restart). */
function writeAddressFile(bundle: string, address: string): void {
  const tmp = join(bundle, '.address.tmp');
  writeFileSync(tmp, address);
  renameSync(tmp, join(bundle, 'address'));
}

/**
 * `containerd-shim-rvisor-v1 start`: make sure a shim daemon serves this task's group and return
 * its address (which the binary prints). The daemon is spawned detached, with stdio that is not
 * containerd's output pipe, and is listening by the time this returns.
 */
export async function startShim(args: ShimArgs, entry: string, bundle = process.cwd()): Promise<string> {
  if (!args.id || !args.namespace) throw new Error('start needs -namespace and -id');
  const address = shimAddress(args.address, args.namespace, groupId(bundle, args.id));
  const path = socketPath(address);
  if (await canConnect(path)) {
    writeAddressFile(bundle, address);
    return address;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o711 });
  rmSync(path, { force: true }); // a socket left by a shim that died
  const daemonArgs = ['-namespace', args.namespace, '-id', args.id, '-address', args.address, '-socket', path];
  if (args.publishBinary) daemonArgs.push('-publish-binary', args.publishBinary);
  if (args.debug) daemonArgs.push('-debug');
  const child = spawn(process.execPath, [entry, ...daemonArgs], {
    cwd: bundle,
    env: nodeProcessEnv(),
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  const ready = child.stdio[3]!;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the shim daemon did not start in time')), DAEMON_READY_MS);
      ready.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the shim daemon exited (${signal ?? `status ${code}`}); see the task's log`));
      });
    });
  } finally {
    ready.destroy();
    child.unref();
  }
  writeAddressFile(bundle, address);
  return address;
}
