import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInSandbox } from './helpers.js';

// Bind mounts of host directories (`runrsc run -v HOST:CONTAINER[:ro]`): each is a hostfs confined
// to its own directory; `..` and symlinks inside it resolve in the container, never on the host.
let host: string;
let outside: string;

beforeAll(() => {
  const base = mkdtempSync(join(tmpdir(), 'rvisor-volume-'));
  host = join(base, 'shared');
  outside = join(base, 'secret');
  writeFileSync(outside, 'host secret\n');
  mkdirSync(host);
  writeFileSync(join(host, 'from-host'), 'hello from the host\n');
  symlinkSync(outside, join(host, 'escape-abs'));
  symlinkSync('../secret', join(host, 'escape-rel'));
});

afterAll(() => rmSync(join(host, '..'), { recursive: true, force: true }));

describe('volumes', () => {
  it('a read-write volume shares files both ways', () => {
    const r = runInSandbox(['/bin/sh', '-c', 'cat /data/from-host; echo written > /data/from-guest'], {
      runOptions: ['-v', `${host}:/data`],
    });
    expect(r.stdout).toBe('hello from the host\n');
    expect(readFileSync(join(host, 'from-guest'), 'utf8')).toBe('written\n');
  });

  it('a read-only volume refuses writes with EROFS', () => {
    const r = runInSandbox(['/bin/sh', '-c', 'echo x > /data/nope; echo "status $?"'], { runOptions: ['-v', `${host}:/data:ro`] });
    expect(r.stdout).toBe('status 1\n');
    expect(r.stderr).toContain('Read-only file system');
  });

  it('.. and symlinks inside a volume stay in the container', () => {
    const r = runInSandbox(
      ['/bin/sh', '-c', 'cat /data/../etc/hostname; cat /data/escape-abs; echo "abs $?"; cat /data/escape-rel; echo "rel $?"'],
      { runOptions: ['-v', `${host}:/data`] },
    );
    expect(r.stdout).toBe('rvisor-demo\nabs 1\nrel 1\n');
    expect(r.stdout).not.toContain('host secret');
  });
});
