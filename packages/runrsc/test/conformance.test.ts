import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, runInSandbox } from './helpers.js';
import { ROOTFS } from './paths.js';

// Conformance: each C program under programs/ (one per syscall family) is built static at test
// time, run natively and in the sandbox, and the two outputs must agree line for line.
const FAMILIES = ['process', 'memory', 'signals', 'threads', 'futex', 'time', 'mounts', 'events', 'fs-write', 'files', 'procfs', 'fd', 'pty', 'permissions', 'capabilities', 'sockets', 'inet', 'netlink', 'sched', 'ipc', 'inotify', 'pidfd', 'control', 'membarrier', 'openat2', 'xattr', 'filecaps', 'seccomp', 'mqueue', 'kcmp', 'ptrace'];

let rootfs: string;

beforeAll(() => {
  rootfs = mkdtempSync(join(tmpdir(), 'rvisor-conformance-'));
  chmodSync(rootfs, 0o755); // a root file system's /, which other users may search (mkdtemp makes 0700)
  cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  for (const family of FAMILIES) {
    const source = fileURLToPath(new URL(`./programs/${family}.c`, import.meta.url));
    execFileSync('gcc', ['-static', '-O2', '-pthread', '-o', join(rootfs, 'tmp', family), source]);
  }
});

afterAll(() => rmSync(rootfs, { recursive: true, force: true }));

describe('syscall families, native vs sandbox', () => {
  for (const family of FAMILIES) {
    it(family, () => {
      const native = spawnSync(join(rootfs, 'tmp', family), { encoding: 'utf8', timeout: 30_000 });
      const sandbox = runInSandbox([`/tmp/${family}`], { rootfs });
      expect(sandbox.stdout).toBe(native.stdout);
      expect(sandbox.status).toBe(native.status);
    });
  }
});

// xattr.c again in tmpfs: the host's /dev/shm natively, the sandbox's own tmpfs there.
describe('extended attributes in tmpfs, native vs sandbox', () => {
  it('xattr /dev/shm', () => {
    const native = spawnSync(join(rootfs, 'tmp', 'xattr'), ['/dev/shm'], { encoding: 'utf8', timeout: 30_000 });
    const sandbox = runInSandbox(['/tmp/xattr', '/dev/shm'], { rootfs });
    expect(sandbox.stdout).toBe(native.stdout);
    expect(sandbox.status).toBe(native.status);
  });
});

// recent-calls.c and mseal.c: calls newer than the C library's headers (fchmodat2, the *xattrat
// calls, mseal), which the host must have for the native run: Linux 6.13 or later (mseal came in
// 6.10, and its checks went mapping by mapping later). recent-calls on hostfs, then in tmpfs.
const [major = 0, minor = 0] = release().split('.').map(Number);
describe.skipIf(major * 1000 + minor < 6013)('calls newer than the headers, native vs sandbox', () => {
  for (const dir of ['/tmp', '/dev/shm']) {
    it(`recent-calls ${dir}`, () => {
      const program = join(rootfs, 'tmp', 'recent-calls');
      execFileSync('gcc', ['-static', '-O2', '-o', program, fileURLToPath(new URL('./programs/recent-calls.c', import.meta.url))]);
      const native = spawnSync(program, [dir], { encoding: 'utf8', timeout: 30_000 });
      const sandbox = runInSandbox(['/tmp/recent-calls', dir], { rootfs });
      expect(native.stdout).toContain('get it by fd, NULL path: 5');
      expect(sandbox.stdout).toBe(native.stdout);
      expect(sandbox.status).toBe(native.status);
    });
  }

  it('mseal', () => {
    const program = join(rootfs, 'tmp', 'mseal');
    execFileSync('gcc', ['-static', '-O2', '-o', program, fileURLToPath(new URL('./programs/mseal.c', import.meta.url))]);
    const native = spawnSync(program, { encoding: 'utf8', timeout: 30_000 });
    const sandbox = runInSandbox(['/tmp/mseal'], { rootfs });
    expect(native.stdout).toContain('munmap it: EPERM');
    expect(sandbox.stdout).toBe(native.stdout);
    expect(sandbox.status).toBe(native.status);
  });
});

// ping.c: natively in a network namespace of its own whose ping_group_range allows every group, as
// the sandbox's does (the host's own may allow none, and must not be changed by a test).
const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
describe.skipIf(!IS_ROOT || !hasTool('unshare') || !hasTool('ip'))('ping sockets, native vs sandbox', () => {
  it('ping', () => {
    const program = join(rootfs, 'tmp', 'ping');
    execFileSync('gcc', ['-static', '-O2', '-o', program, fileURLToPath(new URL('./programs/ping.c', import.meta.url))]);
    const setup = 'echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range && ip link set lo up && exec "$0"';
    const native = spawnSync('unshare', ['-n', 'sh', '-c', setup, program], { encoding: 'utf8', timeout: 30_000 });
    const sandbox = runInSandbox(['/tmp/ping'], { rootfs });
    expect(native.stdout).toContain('reply: 48 bytes, type 0');
    expect(sandbox.stdout).toBe(native.stdout);
    expect(sandbox.status).toBe(native.status);
  });
});

// busybox sh scripts that need signals: background jobs and wait, traps, kill. The native side
// runs the host's busybox (the binary the rootfs holds) without chroot: a background job in a
// non-interactive shell reads /dev/null, which the bare rootfs directory lacks.
const SCRIPTS: Record<string, string> = {
  'background jobs and wait': 'sleep 0.1 & sleep 0.2 & wait; echo "waited $?"; sleep 0.1 & wait $!; echo "status $?"',
  'a trap runs on kill -TERM': 'trap "echo got TERM" TERM; kill -TERM $$; echo after',
  'a child traps and exits from its handler': 'sh -c "trap \\"echo child got USR1; exit 5\\" USR1; kill -USR1 \\$\\$; sleep 1"; echo "child $?"',
  'kill -TERM of a background job': 'sleep 5 & kill -TERM $!; wait $!; echo "status $?"',
};

describe('busybox sh with signals (native vs sandbox)', () => {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    it(name, () => {
      const native = spawnSync('busybox', ['sh', '-c', script], { encoding: 'utf8', timeout: 30_000 });
      const sandbox = runInSandbox(['/bin/sh', '-c', script]);
      expect(sandbox.stdout).toBe(native.stdout);
      expect(sandbox.status).toBe(native.status);
    });
  }
});
