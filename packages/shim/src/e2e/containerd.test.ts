/**
 * End to end against a real containerd (the Debian package): a private daemon with its own root,
 * state and socket, a busybox image built locally, and `ctr` driving io.containerd.rvisor.v1.
 * Runs as root after `pnpm build` when containerd and ctr are installed (scripts/setup-engines.sh);
 * RVISOR_E2E_CONTAINERD=0 skips it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const installed = spawnSync('containerd', ['--version']).status === 0 && spawnSync('ctr', ['--version']).status === 0;
const enabled = process.env.RVISOR_E2E_CONTAINERD !== '0' && process.getuid?.() === 0 && installed;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IMAGE = 'docker.io/library/busybox:rvisor';
const RUNTIME = 'io.containerd.rvisor.v1';

let dir: string;
let daemon: ChildProcess;
let socket: string;

function ctr(args: string[], timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ctr', ['-a', socket, ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether a host process runs (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Bundles of this containerd with the rootfs still mounted. */
function ourMounts(): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .filter((line) => line.includes(join(dir, 'state')));
}

describe.skipIf(!enabled)('containerd end to end', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rvisor-containerd-'));
    socket = join(dir, 'containerd.sock');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // Installed as docs/containerd.md says: a link to the package's bin.
    symlinkSync(join(pkg, 'bin/containerd-shim-rvisor-v1'), join(bin, 'containerd-shim-rvisor-v1'));
    writeFileSync(
      join(dir, 'config.toml'),
      [
        'version = 2',
        `root = "${dir}/root"`,
        `state = "${dir}/state"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]',
        `  address = "${socket}"`,
        '[ttrpc]',
        `  address = "${socket}.ttrpc"`,
      ].join('\n'),
    );
    daemon = spawn('containerd', ['--config', join(dir, 'config.toml')], {
      // The shims' code cache (docs/runtime.md) in the test's directory, not the user's home.
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, RVISOR_CODE_CACHE: join(dir, 'code-cache') },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    await waitFor(() => ctr(['version'], 5000).status === 0, 'containerd');
    execFileSync(process.execPath, [join(pkg, 'scripts/make-busybox-oci.mjs'), join(dir, 'busybox.tar'), IMAGE]);
    expect(ctr(['images', 'import', join(dir, 'busybox.tar')]).status).toBe(0);
  }, 60_000);

  afterAll(() => {
    daemon?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a command and returns its output and exit code', () => {
    const hi = ctr(['run', '--rm', '--runtime', RUNTIME, IMAGE, 'hi', '/bin/busybox', 'echo', 'hi']);
    expect([hi.status, hi.stdout]).toEqual([0, 'hi\n']);
    const seven = ctr(['run', '--rm', '--runtime', RUNTIME, IMAGE, 'seven', '/bin/sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect([seven.status, seven.stdout, seven.stderr]).toEqual([7, 'out\n', 'err\n']);
  }, 60_000);

  it('passes piped stdin through to its EOF', () => {
    const r = spawnSync('ctr', ['-a', socket, 'run', '--rm', '--runtime', RUNTIME, IMAGE, 'cat', '/bin/busybox', 'cat'], {
      input: 'piped-in\n',
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect([r.status, r.stdout]).toEqual([0, 'piped-in\n']);
  }, 60_000);

  it('runs detached, then exec, ps, kill and rm', () => {
    expect(ctr(['run', '-d', '--runtime', RUNTIME, IMAGE, 'd1', '/bin/sh', '-c', 'sleep 1000']).status).toBe(0);
    const exec = ctr(['task', 'exec', '--exec-id', 'x1', 'd1', '/bin/busybox', 'echo', 'from-exec']);
    expect([exec.status, exec.stdout]).toEqual([0, 'from-exec\n']);
    const ps = ctr(['task', 'ps', 'd1']);
    expect(ps.status).toBe(0);
    expect(ps.stdout.trim().split('\n').length).toBeGreaterThan(1);
    expect(ctr(['task', 'kill', '-s', 'SIGKILL', 'd1']).status).toBe(0);
    expect(ctr(['task', 'rm', 'd1']).status).toBe(0);
    expect(ctr(['containers', 'rm', 'd1']).status).toBe(0);
    expect(ourMounts()).toEqual([]);
  }, 60_000);

  it('publishes the task events in order', async () => {
    const events = spawn('ctr', ['-a', socket, 'events'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    events.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((r) => setTimeout(r, 300));
    expect(ctr(['run', '--rm', '--runtime', RUNTIME, IMAGE, 'ev', '/bin/busybox', 'true']).status).toBe(0);
    await waitFor(() => out.includes('/containers/delete'), 'the container delete event');
    events.kill();
    const topics = out
      .split('\n')
      .filter((line) => line.includes('"ev"') && line.includes('/tasks/'))
      .map((line) => line.match(/\/tasks\/[a-z-]+/)![0]);
    expect(topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
  }, 60_000);

  it('cleans up after a shim killed mid-run', async () => {
    expect(ctr(['run', '-d', '--runtime', RUNTIME, IMAGE, 'k1', '/bin/sh', '-c', 'sleep 1000']).status).toBe(0);
    // The container's host processes: its pid holder and its sandbox (runrsc's state for it).
    const record = JSON.parse(readFileSync('/run/containerd/rvisor/default/k1/state.json', 'utf8'));
    const sandboxPid = Number(readFileSync(join(record.socket, '..', 'pid'), 'utf8'));
    const hostPids = [record.pid as number, sandboxPid];
    expect(hostPids.every(alive)).toBe(true);
    const bundle = join(dir, 'state/io.containerd.runtime.v2.task/default/k1');
    const address = readFileSync(join(bundle, 'address'), 'utf8');
    const shim = execFileSync('pgrep', ['-o', '-f', 'containerd-shim-rvisor-v1.cjs -namespace default -id k1 '], { encoding: 'utf8' }).trim();
    process.kill(Number(shim), 'SIGKILL');
    await waitFor(() => !existsSync(bundle), 'containerd to remove the bundle');
    expect(existsSync(address.slice('unix://'.length))).toBe(false);
    expect(ourMounts()).toEqual([]);
    expect(ctr(['containers', 'rm', 'k1'])).toMatchObject({ status: 0 });
    expect(readdirSync(join(dir, 'state/io.containerd.runtime.v2.task/default'))).toEqual([]);
    await waitFor(() => !hostPids.some(alive), 'the guest processes to end');
  }, 60_000);

  it.skipIf(!hasTmux)('runs a shell on a terminal with ctr run -t: typing a command runs it', async () => {
    const session = `rvisor-ctr-${process.pid}`;
    const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
    const command = ['ctr', '-a', socket, 'run', '-t', '--rm', '--runtime', RUNTIME, IMAGE, 'tty1', '/bin/sh'];
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', command.join(' '));
    try {
      await waitFor(() => tmux('capture-pane', '-p', '-t', session).includes('#'), 'the shell prompt');
      tmux('send-keys', '-t', session, 'test -t 0 && echo typed-$((40+2)) on a tty', 'Enter');
      await waitFor(() => tmux('capture-pane', '-p', '-t', session).includes('typed-42 on a tty'), 'the command output');
      tmux('send-keys', '-t', session, 'exit', 'Enter');
      await waitFor(() => ctr(['containers', 'ls', '-q']).stdout.trim() === '', 'ctr to remove the container');
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  }, 60_000);
});
