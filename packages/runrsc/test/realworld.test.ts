// Real programs in the sandbox: busybox and GNU tar with gzip, find | xargs, GNU df, GNU sort of a 50 MB
// file and sqlite3 with a database file (rollback journal, and WAL with concurrent writers), each run in a copy of the demo rootfs plus the host's
// binaries and the libraries ldd lists. Output is compared with the same script run natively
// (chroot into the same rootfs), or with the host's own result.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, runInSandbox, runNatively } from './helpers.js';
import { ROOTFS } from './paths.js';

const PROGRAMS = [
  '/usr/bin/tar',
  '/usr/bin/gzip',
  '/usr/bin/find',
  '/usr/bin/xargs',
  '/usr/bin/sort',
  '/usr/bin/sha256sum',
  '/usr/bin/sqlite3',
  '/usr/bin/df',
  '/usr/bin/lscpu',
  '/usr/bin/vmstat',
];
const MISSING = PROGRAMS.filter((program) => !existsSync(program));

/** Copy `file` (following symlinks) to the same path under `root`, replacing a symlink there. */
function install(root: string, file: string): void {
  const dest = join(root, file);
  mkdirSync(dirname(dest), { recursive: true });
  rmSync(dest, { force: true }); // busybox's applet links must not be written through
  copyFileSync(file, dest);
}

/** About 50 MB of pseudo-random lines, the same on every run. */
function bigText(bytes: number): string {
  const lines: string[] = [];
  let seed = 1;
  for (let size = 0; size < bytes; ) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const line = `${seed.toString(36)} ${seed % 9973}\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

let rootfs: string;

/** Runs a busybox sh script natively (chroot) and in the sandbox; both must print the same. */
function sameAsNative(script: string): string {
  const native = runNatively(['/bin/sh', '-c', script], { rootfs });
  const sandbox = runInSandbox(['/bin/sh', '-c', script], { rootfs });
  expect(native.status, native.stderr).toBe(0);
  expect(sandbox.stdout).toBe(native.stdout);
  expect(sandbox.status).toBe(native.status);
  return sandbox.stdout;
}

describe.skipIf(!IS_ROOT || MISSING.length > 0)('real programs (native vs sandbox)', () => {
  beforeAll(() => {
    rootfs = mkdtempSync(join(tmpdir(), 'rvisor-realworld-'));
    cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
    for (const program of PROGRAMS) {
      install(rootfs, program);
      const libs = execFileSync('ldd', [program], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
      for (const lib of libs) install(rootfs, lib);
    }
    // A small tree to archive: nested directories, an empty file, a symlink, a larger file.
    const tree = join(rootfs, 'tmp/tree');
    mkdirSync(join(tree, 'a/b/c'), { recursive: true });
    writeFileSync(join(tree, 'a/hello.txt'), 'hello\n');
    writeFileSync(join(tree, 'a/b/empty.txt'), '');
    writeFileSync(join(tree, 'a/b/c/numbers.txt'), Array.from({ length: 5000 }, (_, i) => `${i}\n`).join(''));
    execFileSync('ln', ['-s', 'hello.txt', join(tree, 'a/link')]);
  });

  afterAll(() => {
    if (rootfs) rmSync(rootfs, { recursive: true, force: true });
  });

  it('busybox tar czf / tar xzf round trip', () => {
    const out = sameAsNative(
      'cd /tmp && rm -rf bb && mkdir bb && tar czf bb/t.tgz tree && tar xzf bb/t.tgz -C bb && ' +
        'tar tzf bb/t.tgz | sort && cd bb && find tree | sort | while read f; do ' +
        'if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; elif [ -f "$f" ]; then cmp "$f" "../$f" && echo "$f same"; fi; done',
    );
    expect(out).toContain('tree/a/b/c/numbers.txt same');
    expect(out).toContain('tree/a/link -> hello.txt');
  });

  it('GNU tar czf / xzf through GNU gzip round trip', () => {
    const out = sameAsNative(
      'cd /tmp && rm -rf gnu && mkdir gnu && /usr/bin/tar czf gnu/t.tgz tree && /usr/bin/tar xzf gnu/t.tgz -C gnu && ' +
        '/usr/bin/tar tzf gnu/t.tgz | LC_ALL=C /usr/bin/sort && ' +
        'cd gnu && /usr/bin/find tree -type f | LC_ALL=C /usr/bin/sort | /usr/bin/xargs /usr/bin/sha256sum',
    );
    expect(out).toContain('tree/a/b/c/numbers.txt');
  });

  it('gzip and gunzip round trip, GNU and busybox', () => {
    sameAsNative(
      'cd /tmp && rm -rf gz && mkdir gz && cp tree/a/b/c/numbers.txt gz/n && cd gz && ' +
        '/usr/bin/gzip -9 n && ls && /usr/bin/gzip -t n.gz && echo tested && busybox gunzip n.gz && ' +
        '/usr/bin/sha256sum n && gzip -c n | /usr/bin/gzip -dc | /usr/bin/sha256sum',
    );
  });

  it('find … | xargs …', () => {
    const out = sameAsNative(
      'cd /tmp && /usr/bin/find tree -name "*.txt" -print0 | LC_ALL=C /usr/bin/sort -z | /usr/bin/xargs -0 -n 1 wc -c; ' +
        '/usr/bin/find tree -type d | LC_ALL=C /usr/bin/sort | /usr/bin/xargs -I{} sh -c "echo dir {}"',
    );
    expect(out).toContain('dir tree/a/b/c');
  });

  /** sha256 of the host's `LC_ALL=C sort` of the 50 MB file, written into the rootfs once. */
  let expectedSortHash = '';
  function bigSortExpected(): string {
    if (expectedSortHash) return expectedSortHash;
    writeFileSync(join(rootfs, 'tmp/big.txt'), bigText(50_000_000));
    const hostSorted = execFileSync('sort', [join(rootfs, 'tmp/big.txt')], { env: { LC_ALL: 'C' }, maxBuffer: 1 << 27 });
    expectedSortHash = createHash('sha256').update(hostSorted).digest('hex');
    return expectedSortHash;
  }

  it('GNU sort of a 50 MB file in one thread and memory matches the host sort', () => {
    const expected = bigSortExpected();
    const sandbox = runInSandbox(
      ['/bin/sh', '-c', 'LC_ALL=C /usr/bin/sort --parallel=1 -S 400M /tmp/big.txt | /usr/bin/sha256sum'],
      { rootfs },
    );
    expect(sandbox.stdout).toBe(`${expected}  -\n`);
  }, 60_000);

  it('GNU sort of a 50 MB file with default options (threads, buffer sized from sysinfo) matches the host sort', () => {
    const expected = bigSortExpected();
    const sandbox = runInSandbox(['/bin/sh', '-c', 'LC_ALL=C /usr/bin/sort /tmp/big.txt | /usr/bin/sha256sum'], { rootfs });
    expect(sandbox.stdout).toBe(`${expected}  -\n`);
  }, 60_000);

  it('sqlite3 creates a database file (with record locks), inserts rows and reads them back', () => {
    const out = sameAsNative(
      'cd /tmp && rm -f t.db && /usr/bin/sqlite3 t.db "create table t(id integer primary key, name text); ' +
        "begin; insert into t(name) select printf('row%d', value) from generate_series(1, 1000); commit;\" && " +
        '/usr/bin/sqlite3 t.db "select count(*), sum(id), min(name), max(name) from t; pragma integrity_check;"',
    );
    expect(out).toBe('1000|500500|row1|row999\nok\n');
  });

  // Sandbox only: natively the chroot has no /proc. GNU df reads /proc/self/mountinfo (through its
  // mount list), and fails without it.
  it('GNU df lists the container\'s file systems', () => {
    const { stdout, stderr, status } = runInSandbox(['/bin/sh', '-c', '/usr/bin/df -P / && /usr/bin/df -P -T /dev/shm'], { rootfs });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Filesystem .*\nhostfs +\d+ +\d+ +\d+ +\d+% \/\n/);
    expect(stdout).toMatch(/\ntmpfs +tmpfs +\d+ +\d+ +\d+ +\d+% \/dev\/shm\n$/);
  });

  // Sandbox only: the host has a CPU model of its own. lscpu reads /sys/devices/system/cpu and /proc/cpuinfo.
  it('util-linux lscpu describes the container\'s CPUs (those its guests may run on) from /sys and /proc', () => {
    const { stdout, stderr, status } = runInSandbox(['/usr/bin/lscpu'], { rootfs });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const cpus = availableParallelism();
    const list = cpus === 1 ? '0' : cpus === 2 ? '0,1' : `0-${cpus - 1}`; // lscpu writes a pair as "0,1"
    expect(stdout).toMatch(new RegExp(`^CPU\\(s\\): +${cpus}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^On-line CPU\\(s\\) list: +${list}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^NUMA node0 CPU\\(s\\): +${list}$`, 'm'));
  });

  // Sandbox only, for the same reason. procps's vmstat needs /proc/vmstat besides /proc/meminfo and /proc/stat.
  it('procps vmstat reports the container\'s memory and CPU', () => {
    const { stdout, stderr, status } = runInSandbox(['/bin/sh', '-c', '/usr/bin/vmstat && /usr/bin/vmstat -s'], { rootfs });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^procs -+memory-+ ---swap-- -----io---- -system-- -+cpu-+\n r +b +swpd +free/);
    expect(stdout).toMatch(/^ +\d+ K total memory$/m);
  });

  // Sandbox only: the host's CPUs run more than the container. The loop computes for some 100s of
  // ms of CPU time, of which at least 50 ms (5 ticks) must show; each CPU's line is a share of all.
  it('/proc/stat counts the CPU time the container\'s processes ran, the rest of its CPUs\' time idle', () => {
    const script = 'head -1 /proc/stat; i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; cat /proc/stat';
    const { stdout, stderr, status } = runInSandbox(['/bin/sh', '-c', script], { rootfs });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const lines = stdout.split('\n');
    const fields = (line: string) => line.split(/ +/).slice(1).map(Number);
    const [before, after] = [fields(lines[0]!), fields(lines[1]!)];
    expect(after).toHaveLength(10);
    const busy = (f: number[]) => f[0]! + f[2]!;
    expect(busy(after) - busy(before)).toBeGreaterThanOrEqual(5);
    expect(after[3]).toBeGreaterThanOrEqual(before[3]!); // idle never goes back
    const perCpu = lines.filter((l) => /^cpu\d/.test(l)).map(fields);
    expect(perCpu).toHaveLength(availableParallelism());
    expect([0, 2, 3].map((i) => perCpu.reduce((n, f) => n + f[i]!, 0))).toEqual([after[0], after[2], after[3]]);
  });

  // Compared with the known result rather than a native run: the writers interleave differently
  // each time, and only the end state is Linux's to fix.
  it('sqlite3 in WAL mode (its index a shared mapping of the -shm file), four writers and a reader at once', () => {
    const { stdout: out, status } = runInSandbox(['/bin/sh', '-c',
      'cd /tmp && rm -f w.db w.db-wal w.db-shm && /usr/bin/sqlite3 w.db "pragma journal_mode=wal; create table t(a);" && ' +
        'for w in 1 2 3 4; do (i=0; while [ $i -lt 25 ]; do /usr/bin/sqlite3 w.db ".timeout 10000" "insert into t values($w);" || echo fail; i=$((i+1)); done) & pids="$pids $!"; done; ' +
        '(i=0; while [ $i -lt 20 ]; do /usr/bin/sqlite3 w.db ".timeout 10000" "select count(*) >= 0 from t;" >/dev/null || echo rfail; i=$((i+1)); done) & pids="$pids $!"; ' +
        'for p in $pids; do wait $p; done; /usr/bin/sqlite3 w.db "select count(*), sum(a) from t; pragma integrity_check; pragma journal_mode;"',
    ], { rootfs });
    expect(out).toBe('wal\n100|250\nok\nwal\n');
    expect(status).toBe(0);
  }, 60_000);
});

// Servers and clients of the container's own loopback network: busybox's httpd and wget, and nc.
// Sandbox only: natively they would share the host's ports.
describe('network programs on the container\'s loopback', () => {
  it('busybox httpd serves a page to wget over 127.0.0.1, netstat lists it, and nc carries a stream', () => {
    const script = [
      'mkdir /dev/shm/www && echo "served by httpd" > /dev/shm/www/index.html',
      'httpd -p 127.0.0.1:8080 -h /dev/shm/www', // binds, then goes to the background
      'wget -q -O - http://127.0.0.1:8080/',
      'netstat -tln | grep -c "127.0.0.1:8080 .* LISTEN"', // from /proc/net/tcp
      'wget -q -O - http://127.0.0.1:8080/missing.html; echo "missing: $?"',
      'nc -l -p 9000 > /dev/shm/got & for i in 1 2 3 4 5 6 7 8 9 10; do echo "over nc" | nc 127.0.0.1 9000 && break; sleep 0.1; done',
      'wait $!; cat /dev/shm/got',
      'kill $(pidof httpd)',
    ].join('\n');
    const r = runInSandbox(['/bin/sh', '-c', script]);
    expect(r.stdout).toBe('served by httpd\n1\nmissing: 1\nover nc\n');
    expect(r.status).toBe(0);
  });

  it('busybox ip reads the loopback interface, its addresses and routes over rtnetlink, and cannot change them', () => {
    const r = runInSandbox(['/bin/sh', '-c', 'ip addr; ip route show table local; ip link set lo up && echo up; ip addr add 10.1.2.3/8 dev lo']);
    expect(r.stdout).toBe([
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '    inet 127.0.0.1/8 scope host lo',
      '       valid_lft forever preferred_lft forever',
      '    inet6 ::1/128 scope host ',
      '       valid_lft forever preferred_lft forever',
      'local 127.0.0.0/8 dev lo scope host  src 127.0.0.1 ',
      'local 127.0.0.1 dev lo scope host  src 127.0.0.1 ',
      'broadcast 127.255.255.255 dev lo scope link  src 127.0.0.1 ',
      'up',
      '',
    ].join('\n'));
    expect(r.stderr).toContain('RTNETLINK answers: Operation not supported');
    expect(r.status).toBe(2);
  });
});
