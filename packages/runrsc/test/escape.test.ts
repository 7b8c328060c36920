// Escape tests: a decoy secret sits just outside a rootfs copy, with symlinks inside pointing at
// it; programs/escape.c tries `..`, those symlinks, loops, /proc's root, cwd, exe and fd links,
// and a rename race against a host loop that swaps a directory for a symlink out of the rootfs.
// No guest may ever read the decoy.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, runInSandbox, runNatively } from './helpers.js';
import { CLI, ROOTFS } from './paths.js';

const SOURCE = fileURLToPath(new URL('./programs/escape.c', import.meta.url));

/** Text no guest may ever print; every decoy file holds it (escape.c looks for "DECOY"). */
const DECOY = 'DECOY-secret-outside-the-rootfs';

/** What `escape proc` must print: every path leads back inside the root or nowhere. */
const PROC_EXPECTED = `readlink /proc/self/root = /
/proc/self/root/../../../etc/shadow = -1 ENOENT
/proc/self/root/abs-dir-out/etc/shadow = -1 ENOENT
/proc/self/root/etc/passwd is /etc/passwd 1
/proc/self/root/.. is / 1
/proc/<pid>/root/../../etc/shadow = -1 ENOENT
readlink /proc/<child>/root = /
readlink /proc/<child>/cwd = /tmp
/proc/<child>/cwd/../../../etc/shadow = -1 ENOENT
/proc/<child>/root/rel-out = -1 ENOENT
readlink /proc/self/cwd = /tmp
/proc/self/cwd/../../../../etc/shadow = -1 ENOENT
readlink /proc/self/exe = /escape
/proc/self/exe is the program 1
/proc/self/exe/../etc/shadow = -1 ENOTDIR
/proc/self/fd/<root>/../../../etc/shadow = -1 ENOENT
readlink /proc/self/fd/<root> = /
/proc/1/root/abs-out = -1 ENOENT
`;

describe.skipIf(!IS_ROOT)('escapes from the rootfs', () => {
  let workDir: string;
  let rootfs: string;

  beforeAll(() => {
    // workDir/etc/shadow and workDir/secret-dir hold decoys; workDir/rootfs is the container's root.
    workDir = mkdtempSync(join(tmpdir(), 'rvisor-escape-'));
    mkdirSync(join(workDir, 'etc'));
    writeFileSync(join(workDir, 'etc/shadow'), `${DECOY}\n`);
    mkdirSync(join(workDir, 'secret-dir'));
    writeFileSync(join(workDir, 'secret-dir/file'), `${DECOY}\n`);
    writeFileSync(join(workDir, 'secret-dir/secret-name'), `${DECOY}\n`);
    rootfs = join(workDir, 'rootfs');
    execFileSync('cp', ['-a', ROOTFS, rootfs]);
    execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'escape'), SOURCE]);
    // Symlinks that lead out of the rootfs if resolved by the host rather than inside the root.
    symlinkSync(join(workDir, 'etc/shadow'), join(rootfs, 'abs-out'));
    symlinkSync('../etc/shadow', join(rootfs, 'rel-out'));
    symlinkSync('../../../../../../etc/shadow', join(rootfs, 'tmp/deep-out'));
    symlinkSync('..', join(rootfs, 'dir-out'));
    symlinkSync(workDir, join(rootfs, 'abs-dir-out'));
    // The race: /race/dir is a real directory or, while swapped, a symlink to the host's secret-dir.
    mkdirSync(join(rootfs, 'race/dir'), { recursive: true });
    writeFileSync(join(rootfs, 'race/dir/file'), 'inside\n');
    symlinkSync(join(workDir, 'secret-dir'), join(rootfs, 'race/link-absolute'));
    symlinkSync('../../secret-dir', join(rootfs, 'race/link-relative'));
  });

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('keeps .., symlinks out of the root and symlink loops inside, as chroot does on Linux', () => {
    const sandboxed = runInSandbox(['/escape', 'paths'], { rootfs });
    const native = runNatively(['/escape', 'paths'], { rootfs });

    expect(sandboxed.stdout).not.toContain(DECOY);
    expect(sandboxed.stdout).not.toContain('decoy 1');
    expect(sandboxed.stdout).toContain('self loop = -1 ELOOP');
    expect(sandboxed.stdout).toContain('chain of 41 = -1 ELOOP');
    expect(sandboxed.stdout).toBe(native.stdout);
    expect(sandboxed.status).toBe(0);
  });

  it('leads /proc/self/root, /proc/<pid>/root, cwd, exe and fd links back inside the root', () => {
    const r = runInSandbox(['/escape', 'proc'], { rootfs });
    expect(r.stdout).not.toContain(DECOY);
    expect(r.stdout).toBe(PROC_EXPECTED);
    expect(r.status).toBe(0);
  });

  it('never reads the decoy while the host swaps a directory for a symlink out of the rootfs', async () => {
    const raceDir = join(rootfs, 'race');
    const guest = spawn(process.execPath, [CLI, 'run', '--rootfs', rootfs, '--', '/escape', 'race'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    guest.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    guest.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => guest.on('close', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));

    // Swap /race/dir between the real directory and one of two symlinks out, a few hundred
    // times between yields so the guest's opens land at every point of the swap.
    let swaps = 0;
    const deadline = Date.now() + 20_000;
    while (running && Date.now() < deadline) {
      for (let i = 0; i < 100; i++, swaps++) {
        const link = swaps % 2 === 0 ? 'link-absolute' : 'link-relative';
        renameSync(join(raceDir, 'dir'), join(raceDir, 'real'));
        renameSync(join(raceDir, link), join(raceDir, 'dir'));
        renameSync(join(raceDir, 'dir'), join(raceDir, link));
        renameSync(join(raceDir, 'real'), join(raceDir, 'dir'));
      }
      await yieldToEvents();
    }
    if (running) guest.kill('SIGKILL');
    const status = await exited;

    expect(stdout).not.toContain(DECOY);
    expect(stdout).toBe('race: decoy 0 decoy-names 0\n');
    expect(status).toBe(0);
    // The guest saw the directory while it was in place.
    const inside = Number(/inside (\d+)/.exec(stderr)?.[1] ?? 0);
    expect(inside).toBeGreaterThan(0);
    expect(swaps).toBeGreaterThan(0);
  }, 30_000);
});
