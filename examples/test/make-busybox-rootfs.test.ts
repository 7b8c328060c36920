// The demo rootfs builder: what it puts in the rootfs, and that running it twice is harmless.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../scripts/make-busybox-rootfs.sh', import.meta.url));

describe('make-busybox-rootfs.sh', () => {
  let dest: string;

  beforeAll(() => {
    dest = join(mkdtempSync(join(tmpdir(), 'rvisor-rootfs-test-')), 'rootfs');
    execFileSync('bash', [SCRIPT, dest]);
  });

  afterAll(() => {
    rmSync(join(dest, '..'), { recursive: true, force: true });
  });

  it('creates the top-level directories', () => {
    expect(readdirSync(dest).sort()).toEqual(['bin', 'dev', 'etc', 'proc', 'root', 'tmp']);
    expect(lstatSync(join(dest, 'tmp')).mode & 0o7777).toBe(0o1777);
  });

  it('links every busybox applet to bin/busybox', () => {
    const applets = execFileSync(join(dest, 'bin/busybox'), ['--list'], { encoding: 'utf8' })
      .split('\n')
      .filter((name) => name && name !== 'busybox');
    expect(applets).toContain('sh');
    for (const applet of applets) {
      expect(readlinkSync(join(dest, 'bin', applet)), applet).toBe('busybox');
    }
  });

  it('writes its own etc files', () => {
    expect(readFileSync(join(dest, 'etc/hostname'), 'utf8')).toBe('rvisor-demo\n');
    expect(readFileSync(join(dest, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0:root:\/root:\/bin\/sh$/m);
    expect(readFileSync(join(dest, 'etc/group'), 'utf8')).toMatch(/^root:x:0:$/m);
    expect(readFileSync(join(dest, 'etc/os-release'), 'utf8')).toMatch(/^ID=rvisor-demo$/m);
    expect(readFileSync(join(dest, 'etc/motd'), 'utf8')).not.toBe('');
  });

  it('can run again over its own output', () => {
    const before = readdirSync(join(dest, 'bin')).length;
    execFileSync('bash', [SCRIPT, dest]);
    expect(readdirSync(join(dest, 'bin')).length).toBe(before);
  });
});
