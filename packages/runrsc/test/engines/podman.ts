import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../helpers.js';
import { type CommandOptions, findOnPath, removeTree, runCommand } from './command.js';
import { TEST_IMAGE, buildOciArchive } from './image.js';

/**
 * The containers.conf the podman tests use (podman reads only this file when CONTAINERS_CONF
 * names it): `runtimePath` registered as the runtime "rvisor-test" and made the default, cgroups
 * through the file system and events to a file (cgroups v1, no systemd), and ulimits that runc or
 * runrsc may set without CAP_SYS_RESOURCE (see scripts/setup-engines.sh).
 */
export function podmanConfig(runtimePath: string, tmpDir: string): string {
  return [
    '[containers]',
    'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
    '',
    '[engine]',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    'runtime = "rvisor-test"',
    `tmp_dir = ${JSON.stringify(tmpDir)}`,
    '',
    '[engine.runtimes]',
    `rvisor-test = [${JSON.stringify(runtimePath)}]`,
    '',
  ].join('\n');
}

/**
 * A podman whose storage, run state, temporary files and configuration all live in one scratch
 * directory, with the busybox test image loaded, using the given OCI runtime.
 */
export class PodmanHarness {
  /** Why podman cannot run here, or undefined when it can. */
  static skipReason(): string | undefined {
    if (process.getuid?.() !== 0) return 'podman with its own --root needs root';
    if (!findOnPath('podman')) return 'podman is not installed (scripts/setup-engines.sh installs it)';
    return undefined;
  }

  /** The scratch directory holding everything of this podman. */
  readonly dir: string;
  private readonly configPath: string;

  private constructor(readonly runtimePath: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'rvisor-podman-'));
    const tmpDir = join(this.dir, 'tmp');
    mkdirSync(tmpDir);
    this.configPath = join(this.dir, 'containers.conf');
    writeFileSync(this.configPath, podmanConfig(runtimePath, tmpDir));
  }

  /** Sets up a private podman and loads the busybox image built from `rootfs` into it. */
  static create(runtimePath: string, rootfs: string): PodmanHarness {
    const harness = new PodmanHarness(runtimePath);
    const archive = buildOciArchive(rootfs, harness.dir, join(harness.dir, 'image.tar'));
    const loaded = harness.podman(['load', '-q', '-i', archive]);
    if (loaded.status !== 0) throw new Error(`podman load: ${loaded.stderr}`);
    return harness;
  }

  /** Runs `podman <global flags> ...args` against this harness's storage. */
  podman(args: readonly string[], options: CommandOptions = {}): RunResult {
    const global = [
      '--root', join(this.dir, 'root'),
      '--runroot', join(this.dir, 'runroot'),
      // vfs works on any file system; the 10 MB busybox image makes its copies cheap.
      '--storage-driver', 'vfs',
    ];
    return runCommand('podman', [...global, ...args], {
      ...options,
      env: { CONTAINERS_CONF: this.configPath, ...options.env },
    });
  }

  /** `podman run --rm --network none IMAGE ...command`. */
  run(command: readonly string[], runFlags: readonly string[] = []): RunResult {
    return this.podman(['run', '--rm', '--network', 'none', ...runFlags, TEST_IMAGE, ...command]);
  }

  /** Removes every container (killing what runs), then the scratch directory. */
  dispose(): void {
    this.podman(['rm', '--all', '--force', '--time', '0']);
    removeTree(this.dir);
  }
}
