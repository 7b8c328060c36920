// Security acceptance tests: a static C program asks the kernel for things a container must never
// get (see programs/forbidden.c). The sandbox must refuse each one itself, leave the host as it
// was, and keep `..` inside the rootfs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, runInSandbox, runNatively } from './helpers.js';
import { ROOTFS } from './paths.js';

const SOURCE = fileURLToPath(new URL('./programs/forbidden.c', import.meta.url));

/** The calls programs/forbidden.c makes in its "privileged" mode, in order. */
const PRIVILEGED_CALLS = [
  'reboot',
  'kexec_load',
  'ptrace',
  'init_module',
  'mount',
  'unshare',
  'bpf',
  'perf_event_open',
  'keyctl',
] as const;

/** Text no guest may ever print: it sits in the host directory just above the rootfs. */
const DECOY = 'DECOY-SHADOW-outside-the-rootfs';

/**
 * Parses the program's report lines (`name = -1 ERRNO` or `name = N`) into name → outcome,
 * where the outcome is the errno name or "ok".
 */
function parseReport(stdout: string): Map<string, string> {
  const outcomes = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(.+) = (?:-1 (E[A-Z0-9]+)|(?:ok: .*|\d+))$/.exec(line);
    if (m) outcomes.set(m[1]!, m[2] ?? 'ok');
  }
  return outcomes;
}

/** Host mount points at or below dir (field 5 of /proc/self/mountinfo). */
function hostMountPointsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`))
    .reverse();
}

describe.skipIf(!IS_ROOT)('forbidden syscalls in the sandbox', () => {
  let workDir: string;
  let rootfs: string;

  beforeAll(() => {
    // workDir/etc/shadow is the decoy; workDir/rootfs is a copy of the demo rootfs plus the program.
    workDir = mkdtempSync(join(tmpdir(), 'rvisor-forbidden-'));
    mkdirSync(join(workDir, 'etc'));
    writeFileSync(join(workDir, 'etc/shadow'), `${DECOY}\n`);
    rootfs = join(workDir, 'rootfs');
    execFileSync('cp', ['-a', ROOTFS, rootfs]);
    // /mnt exists, so a refused mount cannot be blamed on a missing mount point.
    mkdirSync(join(rootfs, 'mnt'), { recursive: true });
    execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'forbidden'), SOURCE]);
  });

  afterAll(() => {
    if (!workDir) return;
    // Should a mount ever escape to the host, undo it before deleting the directory under it.
    for (const mountPoint of hostMountPointsUnder(workDir)) {
      execFileSync('umount', ['-l', mountPoint]);
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  it('refuses every privileged call with ENOSYS or EPERM, in the kernel, leaving the host unchanged', () => {
    // Only a CLI that really traces its guest may run the privileged calls: as root on the host,
    // several of them would succeed. A harmless traced run must show our kernel answering openat.
    const probe = runInSandbox(['/forbidden', 'files'], { rootfs, runOptions: ['--strace'] });
    expect(probe.stderr, 'runrsc --strace shows the guest\'s openat calls').toMatch(/\bopenat\(/);

    const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
    const r = runInSandbox(['/forbidden', 'privileged'], { rootfs, runOptions: ['--strace'] });
    const mountsAfter = readFileSync('/proc/self/mountinfo', 'utf8');

    expect(r.status).toBe(0);
    const outcomes = parseReport(r.stdout);
    expect([...outcomes.keys()]).toEqual([...PRIVILEGED_CALLS]);
    for (const name of PRIVILEGED_CALLS) {
      expect(['ENOSYS', 'EPERM'], `${name} gave ${outcomes.get(name)}`).toContain(outcomes.get(name));
    }

    // The sandbox's own trace shows each call answered by our kernel with that errno.
    const traceLines = r.stderr.split('\n');
    for (const name of PRIVILEGED_CALLS) {
      const answered = new RegExp(`\\b${name}\\(.*\\b${outcomes.get(name)}\\b`);
      expect(
        traceLines.some((line) => answered.test(line)),
        `--strace shows ${name} answered ${outcomes.get(name)}`,
      ).toBe(true);
    }

    // The host's mount table is what it was: the bind mount on /mnt never happened.
    expect(mountsAfter).toBe(mountsBefore);
  });

  it('keeps .. inside the rootfs, as chroot does on Linux', () => {
    const sandboxed = runInSandbox(['/forbidden', 'files'], { rootfs });
    const native = runNatively(['/forbidden', 'files'], { rootfs });

    expect(sandboxed.status).toBe(0);
    expect(sandboxed.stdout).not.toContain(DECOY);
    expect(sandboxed.stdout).not.toMatch(/root:/);
    const outcomes = parseReport(sandboxed.stdout);
    expect(outcomes.size).toBe(4);
    for (const [path, outcome] of outcomes) expect(outcome, path).toBe('ENOENT');
    expect(sandboxed.stdout).toBe(native.stdout);
  });
});
