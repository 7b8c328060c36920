import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInSandbox } from './helpers.js';
import { ROOTFS } from './paths.js';

let rootfs: string;

beforeAll(() => {
  rootfs = mkdtempSync(join(tmpdir(), 'rvisor-limits-'));
  cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  for (const program of ['memory-hog', 'segfault']) {
    const source = fileURLToPath(new URL(`./programs/${program}.c`, import.meta.url));
    execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'tmp', program), source]);
  }
});

afterAll(() => rmSync(rootfs, { recursive: true, force: true }));

describe('faults and limits', () => {
  it('a memory hog gets ENOMEM at the container limit, and the sandbox goes on', () => {
    const r = runInSandbox(['/tmp/memory-hog'], { rootfs, runOptions: ['--memory', '64M'] });
    const mib = Number(/allocated (\d+) MiB/.exec(r.stdout)?.[1]);
    expect(r.status).toBe(0);
    expect(mib).toBeGreaterThan(8);
    expect(mib).toBeLessThan(64);
  });

  it('a segfault kills only that guest with SIGSEGV: the shell reports 139 and carries on', () => {
    const r = runInSandbox(['/bin/sh', '-c', '/tmp/segfault; echo "status $?"; echo still here'], { rootfs });
    expect(r.stdout).toBe('status 139\nstill here\n');
    expect(r.status).toBe(0);
  });

  it('a segfaulting init ends the container with 128 + SIGSEGV', () => {
    expect(runInSandbox(['/tmp/segfault'], { rootfs }).status).toBe(139);
  });
});
