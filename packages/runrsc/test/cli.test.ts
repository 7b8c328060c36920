// Acceptance tests of `runrsc run` on the busybox demo rootfs. Each case runs a command in the
// sandbox and, where Linux gives a reference, the same command chrooted into the same rootfs.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_CLOCK_ON_TSC, IS_ROOT, runInSandbox, runNatively } from './helpers.js';
import { ROOTFS } from './paths.js';

describe.skipIf(!IS_ROOT)('runrsc run (busybox rootfs)', () => {
  it('prints what echo prints and exits 0', () => {
    const r = runInSandbox(['busybox', 'echo', 'hello']);
    expect(r.stdout).toBe('hello\n');
    expect(r.status).toBe(0);
  });

  it('passes text from the command line to the guest as its UTF-8 bytes: arguments, environment, hostname', () => {
    const script = 'echo "$1 $V $(hostname)" | od -An -c';
    const r = runInSandbox(['/bin/sh', '-c', script, 'sh', 'héllo'], { runOptions: ['-e', 'V=wörld', '--hostname', 'hôte'] });
    expect(r.status).toBe(0);
    const native = runNatively(['/bin/sh', '-c', `V=wörld; ${script.replace('$(hostname)', 'hôte')}`, 'sh', 'héllo']);
    expect(r.stdout).toBe(native.stdout);
    expect(r.stdout).toContain('303 251'); // é
  });

  it("reads the rootfs's /etc/hostname, not the host's", () => {
    const r = runInSandbox(['busybox', 'cat', '/etc/hostname']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOTFS, 'etc/hostname'), 'utf8'));
    expect(r).toEqual(runNatively(['busybox', 'cat', '/etc/hostname']));
  });

  it('lists the rootfs entries at /', () => {
    const r = runInSandbox(['busybox', 'ls', '/']);
    expect(r.status).toBe(0);
    const listed = r.stdout.split('\n').filter(Boolean).sort();
    expect(listed).toEqual(readdirSync(ROOTFS).sort());
  });

  it('exits with the status the guest gives', () => {
    const r = runInSandbox(['busybox', 'sh', '-c', 'exit 3']);
    expect(r.status).toBe(3);
    expect(runNatively(['busybox', 'sh', '-c', 'exit 3']).status).toBe(3);
  });

  it('shows virtual ids: the container init is pid 1 with parent 0, whatever its host pid', () => {
    const r = runInSandbox(['busybox', 'sh', '-c', 'echo $$ $PPID']);
    expect(r.stdout).toBe('1 0\n');
    expect(r.status).toBe(0);
  });

  it('--strace shows an execve with the path and arguments it was given', () => {
    const r = runInSandbox(['busybox', 'sh', '-c', 'exec /bin/busybox echo hi'], { runOptions: ['--strace'] });
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toMatch(/execve\("\/bin\/busybox", \["\/bin\/busybox", "echo", "hi"\], .*\) = 0/);
  });

  // The vDSO comes when the host's clock is built on the TSC (docs/platform.md, "Time and the vDSO").
  it.runIf(HOST_CLOCK_ON_TSC)('lets guests read the clock without a trap: date makes no time syscall', () => {
    expect(runInSandbox(['cat', '/proc/self/maps']).stdout).toContain('[vdso]');
    const r = runInSandbox(['busybox', 'date', '+%s'], { runOptions: ['--strace'] });
    expect(Math.abs(Number(r.stdout) - Date.now() / 1000)).toBeLessThan(5);
    expect(r.stderr).toMatch(/^\[1 1\] write\(1, /m); // the trace is on
    expect(r.stderr).not.toMatch(/clock_gettime|gettimeofday|\btime\(/);
  });

  it('finds a command through PATH inside the rootfs', () => {
    const r = runInSandbox(['echo', 'found']);
    expect(r).toMatchObject({ status: 0, stdout: 'found\n' });
  });

  it('exits 127 and names a command that does not exist', () => {
    const r = runInSandbox(['no-such-command-here']);
    expect(r.status).toBe(127);
    expect(r.stderr).toContain('no-such-command-here');
    expect(runNatively(['no-such-command-here']).status).toBe(127);
  });

  it('keeps .. inside the rootfs: the host /etc/shadow is out of reach', () => {
    const r = runInSandbox(['busybox', 'cat', '../../../../etc/shadow']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('No such file');
    expect(r.stdout).toBe('');
    const native = runNatively(['busybox', 'cat', '../../../../etc/shadow']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: native.status, stderr: native.stderr });
  });

  it('connects stdin', () => {
    const r = runInSandbox(['busybox', 'cat'], { input: 'abc\n' });
    expect(r).toMatchObject({ status: 0, stdout: 'abc\n' });
  });
});
