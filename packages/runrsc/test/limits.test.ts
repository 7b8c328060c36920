import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORK_BOMB, runInSandbox } from './helpers.js';
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

  it('reserved address space costs nothing: 64 GiB of PROT_NONE fits in --memory 64M, and what mprotect opens is charged', () => {
    const r = runInSandbox(['/tmp/memory-hog', 'reserve'], { rootfs, runOptions: ['--memory', '64M'] });
    const mib = Number(/made (\d+) MiB of 65536 reserved usable before failing \(Cannot allocate memory\)/.exec(r.stdout)?.[1]);
    expect(r.status, r.stdout).toBe(0);
    expect(mib).toBeGreaterThan(8);
    expect(mib).toBeLessThan(64);
  });

  it('MAP_NORESERVE memory is paid for where touched: a process touching past --memory is killed, as by an OOM killer', () => {
    const r = runInSandbox(['/bin/sh', '-c', '/tmp/memory-hog noreserve; echo "status $?"'], { rootfs, runOptions: ['--memory', '64M'] });
    const touched = [...r.stdout.matchAll(/touched (\d+) MiB/g)].map((m) => Number(m[1]));
    expect(r.stdout).toContain('status 137\n');
    expect(touched.at(-1)).toBeGreaterThan(8);
    expect(touched.at(-1)).toBeLessThan(64);
  });

  it('--pids-limit stops a fork bomb with EAGAIN; the container counts no more tasks than that', () => {
    const r = runInSandbox(['/bin/sh', '-c', FORK_BOMB], {
      rootfs,
      runOptions: ['--pids-limit', '16'],
    });
    const count = Number(r.stdout.trim());
    expect(r.status).toBe(0);
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThanOrEqual(16);
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

describe('the sandbox dies, its guests die', () => {
  it('kill -9 of the sandbox process leaves no guest running', async () => {
    const { spawn } = await import('node:child_process');
    const { readFileSync, readdirSync } = await import('node:fs');
    const { CLI } = await import('./paths.js');
    const sandbox = spawn(process.execPath, [CLI, 'run', '--rootfs', rootfs, '--', '/bin/sh', '-c', 'sleep 30 & sleep 30'], {
      stdio: 'ignore',
    });
    // Guests are host descendants of the sandbox (the platform's anchor is a child too, sharing its memory).
    const parentOf = (pid: string): number => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      } catch {
        return -1;
      }
    };
    const descendants = (): number[] => {
      const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
      const found = new Set<number>([sandbox.pid!]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const p of pids) {
          if (!found.has(Number(p)) && found.has(parentOf(p))) {
            found.add(Number(p));
            grew = true;
          }
        }
      }
      found.delete(sandbox.pid!);
      return [...found];
    };
    let guests: number[] = [];
    for (let i = 0; i < 100 && guests.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      guests = descendants();
    }
    expect(guests.length).toBeGreaterThanOrEqual(3); // the anchor, sh, and the background sleep
    sandbox.kill('SIGKILL');
    await new Promise((r) => sandbox.once('exit', r));
    const alive = (pid: number): boolean => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
      } catch {
        return false; // gone
      }
    };
    let running = guests;
    for (let i = 0; i < 100 && running.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      running = guests.filter(alive);
    }
    expect(running).toEqual([]);
  });
});
