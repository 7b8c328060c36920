/**
 * `run` through the library: start a sandbox, run one command in a container over a rootfs
 * directory, and return its exit status. The CLI's friendly `run --rootfs DIR -- CMD` calls this.
 *
 * @module
 */
import { constants } from 'node:os';
import { isatty } from 'node:tty';
import { signalForeground } from '@rvisor/linux-object';
import { KernelRunner } from '@rvisor/linux-syscall';
import { createTrapPlatform, hostOps } from '@rvisor/trap-native';
import {
  StartError, buildContainerKernel, spawnProcess, type FileAccess, type ProcessSpec, type Volume,
} from '../sandbox/container.js';

export type { Volume };

/** Options of {@link runContainer}. */
export interface RunContainerOptions {
  /** Host directory holding the container's root file system. */
  rootfs: string;
  /** The command: argv[0] is a path in the container or a name looked up in PATH. */
  args: readonly string[];
  /** Environment; default PATH and HOME as runc's default spec has them. */
  env?: readonly string[];
  /** The container's hostname. */
  hostname?: string;
  /** Host fds the guest's 0, 1 and 2 wrap (default the sandbox's own 0, 1, 2). */
  stdio?: readonly [number, number, number];
  /** One line per syscall, like `runsc --strace`. */
  strace?: (line: string) => void;
  /** Kernel messages (unsupported syscalls, internal errors). */
  log?: (message: string) => void;
  /** Guest memory limit in bytes. */
  memoryLimit?: number;
  /** The most tasks (processes and threads) the container may have. */
  pidsLimit?: number;
  /** Host directories bind-mounted into the container (hostfs, confined to each directory). */
  volumes?: readonly Volume[];
  /** Extra tmpfs mounts (absolute container paths). */
  tmpfs?: readonly string[];
  /** The container root is read-only (OCI root.readonly). */
  readOnlyRoot?: boolean;
  /** `shared` if something else may change the rootfs while the container runs (default `exclusive`). */
  fileAccess?: FileAccess;
  /** The working directory of the first process (default /). */
  cwd?: string;
  /** The identity of the first process (default root). */
  user?: { uid: number; gid: number; groups?: readonly number[] };
  /** Resource limits of the first process. */
  rlimits?: ProcessSpec['rlimits'];
}

/** How the container's first process ended. */
export interface RunResult {
  /** The exit status a shell reports: the exit code, or 128 + the signal that killed it. */
  status: number;
  exitCode: number;
  signal: number;
  /** Set when the command could not be started (the status is then 126 or 127). */
  error?: string;
}

export const DEFAULT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'TERM=xterm'];

/** Signals a terminal's keys generate. */
const TERMINAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGTSTP'];

/** Run one command in a new sandbox and wait for it. The sandbox is torn down before returning. */
export async function runContainer(options: RunContainerOptions): Promise<RunResult> {
  if (options.args.length === 0) throw new Error('runContainer: no command given');
  const ops = hostOps();
  const platform = createTrapPlatform();
  const log = options.log ?? (() => {});
  try {
    const container = buildContainerKernel(platform, ops, {
      rootfs: options.rootfs,
      readOnlyRoot: options.readOnlyRoot,
      fileAccess: options.fileAccess,
      hostname: options.hostname,
      memoryLimit: options.memoryLimit,
      pidsLimit: options.pidsLimit,
      volumes: options.volumes,
      tmpfs: options.tmpfs,
    });
    const { kernel } = container;
    const stdio = options.stdio ?? [0, 1, 2];
    let started;
    try {
      started = spawnProcess(container, ops, {
        args: options.args,
        env: options.env ?? DEFAULT_ENV,
        cwd: options.cwd,
        user: options.user,
        rlimits: options.rlimits,
      }, stdio, true);
    } catch (err) {
      if (!(err instanceof StartError)) throw err;
      return { status: err.status, exitCode: err.status, signal: 0, error: err.message };
    }
    const { thread: init, terminal } = started;
    const runner = new KernelRunner(kernel, {
      strace: options.strace,
      log: { warn: log },
    });
    runner.start(init);
    // Keys typed on a host terminal (^C, ^\, ^Z) reach the sandbox process as host signals: they
    // belong to the container's foreground process group, as its own line discipline would do.
    const forwarded = isatty(stdio[0]) ? TERMINAL_SIGNALS : [];
    const forward = (sig: NodeJS.Signals) => signalForeground(kernel, terminal, constants.signals[sig]);
    for (const sig of forwarded) process.on(sig, forward);
    try {
      await runner.run();
    } finally {
      for (const sig of forwarded) process.off(sig, forward);
    }
    const { injections, injectedSyscalls } = platform.counters;
    log(`platform: ${injections} injections, ${injectedSyscalls} injected syscalls`);
    const exit = init.process.exit ?? { code: 0, signal: 0 };
    return {
      status: exit.signal ? 128 + exit.signal : exit.code,
      exitCode: exit.code,
      signal: exit.signal,
    };
  } finally {
    platform.shutdown();
  }
}
