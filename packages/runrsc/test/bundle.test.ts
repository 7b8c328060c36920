import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, symlinkSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOTFS } from './paths.js';

// OCI bundles in the foreground (`runrsc spec`, `runrsc run --bundle DIR ID`, as runc): the
// config is honoured, and a bad bundle fails with one line naming the file and field, before any
// sandbox starts.
let bundle: string;
let spec: Record<string, any>;

function runrsc(args: string[], cwd = bundle) {
  const r = spawnSync(process.execPath, [CLI, '--root', join(bundle, '.state'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withConfig(change: (s: Record<string, any>) => void): void {
  const s = structuredClone(spec);
  change(s);
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(s));
}

beforeAll(() => {
  bundle = mkdtempSync(join(tmpdir(), 'rvisor-bundle-'));
  cpSync(ROOTFS, join(bundle, 'rootfs'), { recursive: true, verbatimSymlinks: true });
  expect(runrsc(['spec']).status).toBe(0);
  spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
});

afterAll(() => rmSync(bundle, { recursive: true, force: true }));

describe('OCI bundles', () => {
  it('runrsc spec writes a default config.json like runc spec', () => {
    expect(spec.process.args).toEqual(['sh']);
    expect(spec.root).toEqual({ path: 'rootfs', readonly: true });
    expect(runrsc(['spec']).stderr).toContain('already exists');
  });

  it('runs the process of config.json with its user, cwd, env, hostname and read-only root', () => {
    withConfig((s) => {
      s.process.args = ['sh', '-c', 'id -u; id -g; id -G; pwd; echo "$GREETING"; hostname; touch /x 2>/dev/null; echo "touch $?"; exit 5'];
      s.process.user = { uid: 1000, gid: 1000, additionalGids: [10] };
      s.process.cwd = '/tmp';
      s.process.env = ['PATH=/bin', 'GREETING=hello'];
      s.hostname = 'from-spec';
    });
    const r = runrsc(['run', 'c1']);
    expect(r.stdout).toBe('1000\n1000\n1000 10\n/tmp\nhello\nfrom-spec\ntouch 1\n');
    expect(r.status).toBe(5);
  });

  it('bind mounts and tmpfs mounts of the spec are there', () => {
    const shared = mkdtempSync(join(tmpdir(), 'rvisor-bundle-vol-'));
    writeFileSync(join(shared, 'f'), 'shared\n');
    withConfig((s) => {
      s.process.args = ['sh', '-c', 'cat /data/f; echo t > /scratch/t; cat /scratch/t'];
      s.mounts = [...s.mounts, { destination: '/data', type: 'bind', source: shared, options: ['rbind', 'ro'] }, { destination: '/scratch', type: 'tmpfs', source: 'tmpfs' }];
      s.root.readonly = false;
    });
    const r = runrsc(['run', 'c2']);
    rmSync(shared, { recursive: true, force: true });
    expect(r.stdout).toBe('shared\nt\n');
    expect(r.status).toBe(0);
  });

  it('gives the process the capability sets of process.capabilities, and warns of names it does not know', () => {
    withConfig((s) => {
      s.process.args = ['sh', '-c', 'grep -E "^Cap(Eff|Prm|Bnd|Amb)" /proc/self/status; mount -t tmpfs none /tmp 2>/dev/null; echo "mount $?"'];
      const chown = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NO_SUCH_THING'];
      s.process.capabilities = { bounding: chown, effective: chown, permitted: chown };
    });
    const r = runrsc(['run', 'c-caps']);
    expect(r.stdout).toBe('CapPrm:\t0000000000000021\nCapEff:\t0000000000000021\nCapBnd:\t0000000000000021\nCapAmb:\t0000000000000000\nmount 1\n');
    expect(r.stderr).toMatch(/process\.capabilities\.bounding: unknown capability "CAP_NO_SUCH_THING"; ignored/);
    expect(r.status).toBe(0);
  });

  it('runs set-user-ID programs as their owner, but not from a nosuid mount or under noNewPrivileges', () => {
    const vol = mkdtempSync(join(tmpdir(), 'rvisor-bundle-suid-'));
    writeFileSync(join(vol, 'euid.c'), '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("%d\\n", (int)geteuid()); return 0; }\n');
    execFileSync('gcc', ['-static', '-O2', '-o', join(vol, 'euid'), join(vol, 'euid.c')]);
    chmodSync(vol, 0o755); // uid 1000 may look inside
    chmodSync(join(vol, 'euid'), 0o4755); // root's, as the test runs as root
    const args = ['sh', '-c', '/suid/euid; /nosuid/euid; grep -c " /nosuid .*nosuid" /proc/self/mountinfo'];
    const config = (noNewPrivileges: boolean) => withConfig((s) => {
      s.process.args = args;
      s.process.user = { uid: 1000, gid: 1000 };
      s.process.noNewPrivileges = noNewPrivileges;
      s.mounts = [...s.mounts,
        { destination: '/suid', type: 'bind', source: vol, options: ['rbind', 'ro'] },
        { destination: '/nosuid', type: 'bind', source: vol, options: ['rbind', 'ro', 'nosuid'] }];
    });
    try {
      config(false);
      const r = runrsc(['run', 'c-suid']);
      expect(r.stdout).toBe('0\n1000\n1\n');
      expect(r.status).toBe(0);
      config(true);
      expect(runrsc(['run', 'c-suid-nnp']).stdout).toBe('1000\n1000\n1\n');
    } finally {
      rmSync(vol, { recursive: true, force: true });
    }
  });

  it('keeps /proc\'s answers under a read-only path: a new name is ENOENT there too, a write EROFS', () => {
    withConfig((s) => {
      s.process.args = ['sh', '-c', 'mkdir /proc/sys/new; echo x > /proc/sys/kernel/hostname; mkdir /proc/new; cat /proc/sys/kernel/ostype'];
      s.linux = { ...s.linux, readonlyPaths: ['/proc/sys'] };
    });
    const r = runrsc(['run', 'c-proc-ro']);
    expect(r.stderr).toBe("mkdir: can't create directory '/proc/sys/new': No such file or directory\n"
      + "sh: can't create /proc/sys/kernel/hostname: Read-only file system\n"
      + "mkdir: can't create directory '/proc/new': No such file or directory\n");
    expect(r.stdout).toBe('Linux\n');
  });

  it('mounts sysfs at /sys, as runc\'s default spec asks, without a warning; refuses it elsewhere', () => {
    withConfig((s) => {
      s.process.args = ['sh', '-c', 'cat /sys/devices/system/cpu/online; grep " /sys " /proc/mounts'];
      s.mounts = [...s.mounts, { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] }];
    });
    const r = runrsc(['run', 'c-sysfs']);
    expect(r.stderr).toBe('');
    // The CPUs its guests may run on at once: every CPU this process may use.
    const cpus = availableParallelism();
    expect(r.stdout).toBe(`${cpus === 1 ? '0' : `0-${cpus - 1}`}\nsysfs /sys sysfs ro,nosuid,relatime 0 0\n`);
    expect(r.status).toBe(0);
    withConfig((s) => {
      s.mounts = [...s.mounts, { destination: '/elsewhere', type: 'sysfs', source: 'sysfs' }];
    });
    const bad = runrsc(['run', 'c-sysfs-elsewhere']);
    expect(bad.stderr).toMatch(/mounts\[\d+\]: sysfs is provided at \/sys only/);
    expect(bad.status).not.toBe(0);
  });

  it('keeps hostile paths of a bundle inside the container: .. in mount destinations, absolute symlinks in the rootfs', () => {
    const marker = `rvisor-hostile-${process.pid}`;
    // An absolute symlink to / and a relative one climbing out, as a hostile image could ship.
    symlinkSync('/', join(bundle, 'rootfs', 'to-root'));
    symlinkSync('../../../../../../tmp', join(bundle, 'rootfs', 'to-tmp'));
    try {
      withConfig((s) => {
        s.root.readonly = false;
        s.process.args = ['sh', '-c', `ls -d /${marker}-a /tmp/${marker}-b /${marker}-c && touch /to-tmp/${marker}-d && echo inside`];
        s.mounts = [
          ...s.mounts,
          { destination: `/../../${marker}-a`, type: 'tmpfs', source: 'tmpfs' },
          { destination: `/to-tmp/${marker}-b`, type: 'tmpfs', source: 'tmpfs' },
          { destination: `/to-root/${marker}-c`, type: 'tmpfs', source: 'tmpfs' },
        ];
      });
      const r = runrsc(['run', 'hostile']);
      expect(r.stdout).toBe(`/${marker}-a\n/${marker}-c\n/tmp/${marker}-b\ninside\n`); // ls sorts
      expect(r.status).toBe(0);
      // Every path resolved inside the container: nothing appeared on the host.
      for (const p of [`/${marker}-a`, `/tmp/${marker}-b`, `/${marker}-c`, `/tmp/${marker}-d`]) expect(existsSync(p)).toBe(false);
      expect(existsSync(join(bundle, 'rootfs', 'tmp', `${marker}-d`))).toBe(true);
    } finally {
      rmSync(join(bundle, 'rootfs', 'to-root'));
      rmSync(join(bundle, 'rootfs', 'to-tmp'));
      rmSync(join(bundle, 'rootfs', 'tmp', `${marker}-d`), { force: true });
    }
  });

  const BAD: Record<string, [(s: Record<string, any>) => void, string]> = {
    'empty args': [(s) => (s.process.args = []), 'process.args: must not be empty'],
    'args of the wrong type': [(s) => (s.process.args = 'sh'), 'process.args: must be an array of strings'],
    'a uid that is not a number': [(s) => (s.process.user.uid = 'root'), 'process.user.uid'],
    'a relative cwd': [(s) => (s.process.cwd = 'tmp'), 'process.cwd: must be an absolute path'],
    'a missing rootfs': [(s) => (s.root.path = 'nope'), 'root.path:'],
    'an unsupported mount type': [(s) => s.mounts.push({ destination: '/x', type: 'ext4', source: '/dev/sda' }), 'mounts[4].type'],
  };
  for (const [name, [change, field]] of Object.entries(BAD)) {
    it(`refuses a bundle with ${name}: one line naming config.json and the field`, () => {
      withConfig(change);
      const r = runrsc(['run', 'bad']);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`${bundle}/config.json: ${field}`);
    });
  }

  it('refuses a bundle without config.json, or with invalid JSON', () => {
    rmSync(join(bundle, 'config.json'));
    expect(runrsc(['run', 'x']).stderr).toContain('config.json: no such file');
    writeFileSync(join(bundle, 'config.json'), '{"ociVersion": ');
    const r = runrsc(['run', 'x']);
    expect(r.stderr).toContain('config.json: invalid JSON');
    expect(r.status).toBe(1);
  });
});
