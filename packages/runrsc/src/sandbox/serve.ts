/**
 * Serving a sandbox: the platform, the {@link Sandbox} and its control socket, in the calling
 * process. `sandbox-main.cjs` does this in a process of its own (create's detached sandbox);
 * `runrsc run` in the foreground does it in the CLI's own process, saving a Node start-up.
 *
 * @module
 */
import { rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createTrapPlatform } from '@rvisor/trap-native';
import { Sandbox } from './sandbox.js';

/** Options of {@link serveSandbox}. */
export interface ServeOptions {
  /** The control socket's path; its directory is the sandbox's (named sandbox-<name>). */
  socket: string;
  log: (message: string) => void;
  strace?: (line: string) => void;
}

/** A sandbox served by this process. */
export interface ServedSandbox {
  /** End every guest and stop serving; the socket is removed, the log kept. */
  shutdown(): void;
  /**
   * Settles once the sandbox has shut down: by {@link shutdown}, or by itself when its last
   * container was removed (it then removes its directory too).
   */
  readonly done: Promise<void>;
}

/**
 * Start the platform and serve the sandbox's control socket; resolves once it listens and its
 * pid file names this process.
 */
export async function serveSandbox(options: ServeOptions): Promise<ServedSandbox> {
  const { socket } = options;
  const dir = dirname(socket);
  const platform = createTrapPlatform();
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  let down = false;
  const shutdown = () => {
    if (down) return;
    down = true;
    sandbox.close();
    rmSync(socket, { force: true });
    platform.shutdown(); // the tracer's end kills its tracees
    ended();
  };
  const sandbox = new Sandbox({
    name: basename(dir).replace(/^sandbox-/, ''),
    platform,
    log: options.log,
    strace: options.strace,
    onEmpty: () => {
      rmSync(dir, { recursive: true, force: true });
      shutdown();
    },
  });
  rmSync(socket, { force: true });
  try {
    await sandbox.listen(socket);
  } catch (err) {
    platform.shutdown();
    throw err;
  }
  writeFileSync(join(dir, 'pid'), String(process.pid));
  return { shutdown, done };
}
