// Load: many containers at once on this small machine. Each is a full OCI lifecycle
// (`runrsc run`: create, start, wait, delete) with its own sandbox; none may fail, and nothing
// may be left behind.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, processesMentioning } from './helpers.js';
import { CLI, ROOTFS } from './paths.js';

const CONTAINERS = 100;

let work: string;
let root: string;

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runrsc(args: string[]): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rvisor-load-'));
  root = join(work, 'state');
  const rootfs = join(work, 'rootfs');
  cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  for (let i = 0; i < CONTAINERS; i++) {
    const dir = join(work, `b${i}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      ociVersion: '1.0.2',
      process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh', '-c', `echo container ${i}; exit $((${i} % 7))`], env: ['PATH=/bin'], cwd: '/' },
      root: { path: rootfs, readonly: true },
      hostname: `c${i}`,
    }));
  }
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!IS_ROOT)('load', () => {
  it(`runs ${CONTAINERS} containers at once: every one starts, runs, reports its status and is deleted`, async () => {
    const results = await Promise.all(
      Array.from({ length: CONTAINERS }, (_, i) => runrsc(['run', '--bundle', join(work, `b${i}`), `c${i}`])),
    );
    results.forEach((r, i) => {
      expect({ i, status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ i, status: i % 7, stdout: `container ${i}\n`, stderr: '' });
    });
    expect(readdirSync(root)).toEqual([]);
    expect(processesMentioning(root)).toEqual([]);
  }, 300_000);
});
