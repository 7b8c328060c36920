// The runtime's Node processes start without NODE_EXTRA_CA_CERTS (src/launch/node-env.ts): Node 20
// parses the certificates it names before any script runs, and warns about a file it cannot read,
// which is how these tests see whether a process started with it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT } from './helpers.js';
import { CLI, REPO_ROOT, ROOTFS } from './paths.js';

const BIN = join(REPO_ROOT, 'packages/runrsc/bin/runrsc');
const SHIM_BIN = join(REPO_ROOT, 'packages/shim/bin/containerd-shim-rvisor-v1');
const WITH_CERTS = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem' };
const WARNING = /extra certs/i;

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rvisor-node-env-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Runs `cmd` with NODE_EXTRA_CA_CERTS set. A container create starts keeps its stdio: use 'ignore'. */
function run(cmd: string, args: string[], stdio: 'pipe' | 'ignore' = 'pipe') {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: WITH_CERTS, cwd: work, stdio, timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

describe('NODE_EXTRA_CA_CERTS', () => {
  it('is read by a plain node start (the probe works)', () => {
    const r = run(process.execPath, [CLI, '--version']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(WARNING);
  });

  it('is not read by the runrsc bin, nor through scripts/runrsc', () => {
    for (const cmd of [BIN, join(REPO_ROOT, 'scripts/runrsc')]) {
      const r = run(cmd, ['--version']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('runrsc version');
      expect(r.stderr).not.toMatch(WARNING);
    }
  });

  it('is not read by the shim bin', () => {
    const r = run(SHIM_BIN, ['-v']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('containerd-shim-rvisor-v1:');
    expect(r.stderr).not.toMatch(WARNING);
  });

  it.skipIf(!IS_ROOT)('is not passed on to the sandbox process create starts', () => {
    const root = join(work, 'state');
    const bundle = join(work, 'bundle');
    mkdirSync(bundle);
    expect(run(process.execPath, [CLI, 'spec']).status).toBe(0);
    const spec = JSON.parse(readFileSync(join(work, 'config.json'), 'utf8'));
    spec.root = { path: ROOTFS, readonly: true };
    spec.process.terminal = false;
    spec.process.args = ['true'];
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    try {
      expect(run(process.execPath, [CLI, '--root', root, 'create', '--bundle', bundle, 'ca1'], 'ignore').status).toBe(0);
      const logs = readdirSync(root).filter((d) => d.startsWith('sandbox-')).map((d) => readFileSync(join(root, d, 'log'), 'utf8'));
      expect(logs).toHaveLength(1);
      expect(logs[0]).not.toMatch(WARNING);
    } finally {
      run(process.execPath, [CLI, '--root', root, 'delete', '--force', 'ca1'], 'ignore');
    }
  });
});
