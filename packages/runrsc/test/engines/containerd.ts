import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunResult } from '../helpers.js';
import { type CommandOptions, findOnPath, pidsWithArgument, removeTree, runCommand } from './command.js';
import { buildOciArchive } from './image.js';

/** The containerd namespace the tests work in. */
export const CONTAINERD_NAMESPACE = 'rvisor-test';

/**
 * The config of a private containerd: its own root, state and socket under `dir`, and no CRI
 * plugin (ctr does not need it, and it would start a CNI setup of its own).
 */
export function containerdConfig(dir: string): string {
  return [
    'version = 2',
    `root = ${JSON.stringify(join(dir, 'root'))}`,
    `state = ${JSON.stringify(join(dir, 'state'))}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '',
    '[grpc]',
    `  address = ${JSON.stringify(join(dir, 'containerd.sock'))}`,
    '',
  ].join('\n');
}

// How long containerd may take to answer on its socket after starting.
const READY_ATTEMPTS = 200;
const READY_POLL_MS = 50;

/**
 * A containerd of the tests' own (root, state, socket and log in one scratch directory), with the
 * busybox test image imported, driven through ctr with a given runc-compatible runtime binary.
 */
export class ContainerdHarness {
  /** Why containerd cannot run here, or undefined when it can. */
  static skipReason(): string | undefined {
    if (process.getuid?.() !== 0) return 'containerd needs root';
    for (const tool of ['containerd', 'ctr', 'containerd-shim-runc-v2']) {
      if (!findOnPath(tool)) return `${tool} is not installed (scripts/setup-engines.sh installs it)`;
    }
    return undefined;
  }

  /** The daemon's socket. */
  readonly address: string;

  private constructor(
    /** The scratch directory holding everything of this containerd. */
    readonly dir: string,
    private readonly daemon: ChildProcess,
    /** The runc-compatible binary the runc shim is told to run. */
    readonly runtimePath: string,
  ) {
    this.address = join(dir, 'containerd.sock');
  }

  /** Starts a private containerd, waits until it answers, and imports the image built from `rootfs`. */
  static async start(runtimePath: string, rootfs: string): Promise<ContainerdHarness> {
    // A short path: the shim's and containerd's socket paths must fit in 108 bytes.
    const dir = mkdtempSync(join(tmpdir(), 'rvctrd-'));
    const configPath = join(dir, 'config.toml');
    writeFileSync(configPath, containerdConfig(dir));
    const log = openSync(join(dir, 'containerd.log'), 'a');
    const daemon = spawn('containerd', ['--config', configPath], { stdio: ['ignore', log, log] });
    const harness = new ContainerdHarness(dir, daemon, runtimePath);
    await harness.waitReady();
    const archive = buildOciArchive(rootfs, dir, join(dir, 'image.tar'));
    const imported = harness.ctr(['images', 'import', archive]);
    if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
    return harness;
  }

  private async waitReady(): Promise<void> {
    for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
      if (this.daemon.exitCode !== null) break;
      if (this.ctr(['version']).status === 0) return;
      await sleep(READY_POLL_MS);
    }
    throw new Error(`containerd did not start:\n${this.log()}`);
  }

  /** What the daemon has logged so far. */
  log(): string {
    return readFileSync(join(this.dir, 'containerd.log'), 'utf8');
  }

  /** Runs `ctr -a <socket> -n rvisor-test ...args`. */
  ctr(args: readonly string[], options: CommandOptions = {}): RunResult {
    return runCommand('ctr', ['--address', this.address, '--namespace', CONTAINERD_NAMESPACE, ...args], options);
  }

  /**
   * The `ctr run` flags that make the runc shim use the chosen runtime, with its state
   * (runc's --root) kept in the scratch directory.
   */
  runtimeFlags(): string[] {
    return ['--runtime', 'io.containerd.runc.v2', '--runc-binary', this.runtimePath, '--runc-root', join(this.dir, 'runc')];
  }

  /**
   * Kills and removes every task and container, stops the daemon and any shim it left, and
   * removes the scratch directory.
   */
  async stop(): Promise<void> {
    const containers = this.ctr(['containers', 'list', '--quiet']).stdout.split('\n').filter(Boolean);
    for (const id of containers) {
      this.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]);
      this.ctr(['tasks', 'delete', '--force', id]);
      this.ctr(['containers', 'delete', id]);
    }
    if (this.daemon.exitCode === null) {
      const exited = new Promise((resolve) => this.daemon.once('exit', resolve));
      this.daemon.kill('SIGTERM');
      await exited;
    }
    // Shims run in their own process groups and outlive the daemon; they were started for it.
    for (const pid of pidsWithArgument(this.address)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    removeTree(this.dir);
  }
}
