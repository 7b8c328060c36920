import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInSandbox, runNatively } from './helpers.js';
import { ROOTFS } from './paths.js';

// Dynamically linked programs from the host, copied with the libraries ldd lists into a copy of
// the demo rootfs: the kernel's loader maps the program and ld-linux, which maps the rest.
const PROGRAMS = ['/bin/bash', '/bin/ls', '/usr/bin/sort', '/usr/bin/sha256sum', '/usr/bin/sqlite3', '/usr/bin/strace'].filter(existsSync);

let rootfs: string;

/** Copy `file` (following symlinks) to the same path under `root`, replacing a symlink there. */
function install(root: string, file: string): void {
  const dest = join(root, file);
  mkdirSync(dirname(dest), { recursive: true });
  rmSync(dest, { force: true }); // busybox's applet links must not be written through
  copyFileSync(file, dest);
}

beforeAll(() => {
  rootfs = mkdtempSync(join(tmpdir(), 'rvisor-dynamic-'));
  cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  for (const program of PROGRAMS) {
    install(rootfs, program);
    const libs = execFileSync('ldd', [program], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
    for (const lib of libs) install(rootfs, lib);
  }
  writeFileSync(join(rootfs, 'tmp/words'), 'pear\napple\nfig\nbanana\n');
});

afterAll(() => rmSync(rootfs, { recursive: true, force: true }));

const CASES: Record<string, string[]> = {
  'bash runs a script with pipelines and arithmetic': [
    '/bin/bash', '-c', 'echo "$((6 * 7))"; for w in b a c; do echo $w; done | /usr/bin/sort; x=$(echo sub); echo "[$x]"',
  ],
  'coreutils ls lists a directory': ['/bin/ls', '/etc'],
  'coreutils sort sorts a file': ['/usr/bin/sort', '/tmp/words'],
  'coreutils sha256sum hashes a file': ['/usr/bin/sha256sum', '/etc/hostname'],
  'sqlite3 runs SQL in memory': [
    '/usr/bin/sqlite3', ':memory:',
    "create table t(x); insert into t values (3),(1),(2); select group_concat(x) from (select x from t order by x);",
  ],
};

describe('dynamic programs from the host (native vs sandbox)', () => {
  for (const [name, command] of Object.entries(CASES)) {
    it.skipIf(!existsSync(command[0]))(name, () => {
      const native = runNatively(command, { rootfs });
      const sandbox = runInSandbox(command, { rootfs });
      expect(sandbox.stdout).toBe(native.stdout);
      expect(sandbox.status).toBe(native.status);
      expect(native.status).toBe(0);
    });
  }
});

// strace traces with ptrace (PTRACE_SEIZE, syscall stops, the exec, fork and exit events) and reads
// its tracees' memory with process_vm_readv or PTRACE_PEEKDATA: here all of it is the kernel's.
// Pids and addresses differ, and so may the environment's size: those are masked.
describe('strace (native vs sandbox)', () => {
  // Calls whose order does not depend on how the two processes take turns.
  const strace = ['/usr/bin/strace', '-f', '-qq', '-e', 'trace=execve,write,exit_group'];
  const normalized = (out: string) => out.replace(/\[pid +\d+\]/g, '[pid]').replace(/0x[0-9a-f]+/g, 'ADDR').replace(/\/\* \d+ vars? \*\//g, '');
  for (const [name, args] of [
    ['follows a shell and its child', ['/bin/bash', '-c', 'echo hi; /bin/ls /tmp']],
    ['shows a failed call and an exit status', ['/bin/bash', '-c', 'echo hi > /nonexistent/file; exit 3']],
  ] as const) {
    it.skipIf(!existsSync('/usr/bin/strace'))(name, () => {
      const native = runNatively([...strace, ...args], { rootfs });
      const sandbox = runInSandbox([...strace, ...args], { rootfs });
      expect(native.stderr).toContain('execve(');
      expect(normalized(sandbox.stderr)).toBe(normalized(native.stderr));
      expect(sandbox.stdout).toBe(native.stdout);
      expect(sandbox.status).toBe(native.status);
    });
  }
});

// gdb inserts breakpoints by writing int3 into the program's read-only text (PTRACE_POKEDATA: the
// page gets its own copy), steps with the trap flag, and reads registers and memory. It runs from
// the host's /usr, mounted read-only (it needs its Python). Lines that depend on where the source
// is found, on pids and on warnings are left out of the comparison.
describe('gdb (native vs sandbox)', () => {
  const gdb = '/usr/bin/gdb';
  const script = ['-q', '-batch', '-ex', 'break add', '-ex', 'run', '-ex', 'bt', '-ex', 'print a', '-ex', 'next', '-ex', 'print a + b',
    '-ex', 'continue', '-ex', 'delete', '-ex', 'continue'];
  const shown = (out: string) => out.split('\n')
    .filter((line) => /^(Breakpoint|#\d|\$\d|\[Inferior|sum )/.test(line))
    .map((line) => line.replace(/process \d+/, 'process N'));
  it.skipIf(!existsSync(gdb))('breaks, shows the stack and a variable, steps and continues', () => {
    const dir = join(rootfs, 'tmp');
    execFileSync('gcc', ['-g', '-O0', '-o', 'debuggee', fileURLToPath(new URL('./programs/debuggee.c', import.meta.url))], { cwd: dir });
    const native = spawnSync(gdb, [...script, join(dir, 'debuggee')], { encoding: 'utf8', cwd: '/', env: {} });
    const sandbox = runInSandbox([gdb, ...script, '/tmp/debuggee'], {
      rootfs, runOptions: ['-v', '/usr:/usr:ro', '-v', '/lib:/lib:ro', '-v', '/lib64:/lib64:ro'],
    });
    expect(shown(native.stdout).length).toBeGreaterThan(8);
    expect(shown(sandbox.stdout)).toEqual(shown(native.stdout));
    expect(sandbox.status).toBe(native.status);
  });
});

// CPython forks its multiprocessing workers with 48 MiB of bytes in its heap, which a fork shares
// copy-on-write here, while a thread of its sleeps and takes the GIL: that thread's writes fault
// on memory the forking thread may copy first, fork after fork (it died of SIGSEGV at the second
// such fault at one address, before the fault's retry looked at the host's changes).
describe('CPython (native vs sandbox)', () => {
  const python = '/usr/bin/python3';
  const program = `
import multiprocessing as mp, hashlib, os, threading, time
big = bytearray(os.urandom(1 << 20) * 48)
def work(i):
    big[i * 4096] = (big[i * 4096] + 1) % 256
    return hashlib.sha256(big[:1 << 20]).hexdigest()[:8]
if __name__ == '__main__':
    mp.set_start_method('fork')
    stop = False
    def spin():
        while not stop: time.sleep(0.001)
    t = threading.Thread(target=spin)
    t.start()
    before = hashlib.sha256(big).hexdigest()
    for _ in range(3):
        with mp.Pool(2) as p: r = p.map(work, range(6), chunksize=1)
    stop = True
    t.join()
    print('unchanged', before == hashlib.sha256(big).hexdigest(), len(r))
    pid = os.fork()
    if pid == 0:
        big[0:8] = b'childxxx'
        os._exit(0 if bytes(big[0:8]) == b'childxxx' else 1)
    print('child', os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), bytes(big[0:8]) != b'childxxx')
`;
  it.skipIf(!existsSync(python))('forks multiprocessing workers from a heap of 48 MiB while a thread takes the GIL', () => {
    writeFileSync(join(rootfs, 'tmp/pool.py'), program);
    const native = spawnSync(python, [join(rootfs, 'tmp/pool.py')], { encoding: 'utf8', cwd: '/', env: {} });
    const sandbox = runInSandbox([python, '/tmp/pool.py'], {
      rootfs, runOptions: ['-v', '/usr:/usr:ro', '-v', '/lib:/lib:ro', '-v', '/lib64:/lib64:ro'],
    });
    expect(native.stdout).toBe('unchanged True 6\nchild 0 True\n');
    expect(sandbox.stdout).toBe(native.stdout);
    expect(sandbox.status).toBe(native.status);
  });
});

// AddressSanitizer maps 14 TiB of shadow memory (MAP_NORESERVE) and a 2 TiB PROT_NONE gap at
// start-up, and touches the shadow of every access: a sanitized program starts only where such
// memory costs nothing until touched. LeakSanitizer, on by default, runs at every exit: it stops
// the world from a clone that shares the program's memory, attaching to each thread with ptrace
// and reading its registers. Pids and addresses differ: the report's kinds are compared.
describe('AddressSanitizer (native vs sandbox)', () => {
  let built = false;
  beforeAll(() => {
    const program = join(rootfs, 'tmp', 'asan');
    const source = fileURLToPath(new URL('./programs/asan.c', import.meta.url));
    try {
      execFileSync('gcc', ['-fsanitize=address', '-g', '-O1', '-pthread', '-o', program, source], { stdio: 'ignore' });
    } catch {
      return; // no libasan here
    }
    for (const lib of execFileSync('ldd', [program], { encoding: 'utf8' }).match(/\/\S+/g) ?? []) install(rootfs, lib);
    built = true;
  });
  const report = (out: string) => out.split('\n')
    .map((line) => line.replace(/^==\d+==/, '').replace(/0x[0-9a-f]+/g, 'ADDR'))
    .filter((line) => /^(sum|read|child|done)|ERROR:|of size|leak of|SUMMARY:/.test(line));
  const cases = [
    ['runs a sanitized program', []], ['reports a heap-buffer-overflow', ['overflow']], ['finds a leak', ['leak']],
  ] as const;
  for (const [name, args] of cases) {
    it(name, (ctx) => {
      if (!built) ctx.skip();
      // Natively outside the chroot, which has no /proc for the sanitizer to read.
      const native = spawnSync(join(rootfs, 'tmp', 'asan'), args, { encoding: 'utf8', env: {} });
      const sandbox = runInSandbox(['/bin/env', '-i', '/tmp/asan', ...args], { rootfs });
      expect(report(native.stdout + native.stderr).length).toBeGreaterThan(3);
      expect(report(sandbox.stdout + sandbox.stderr)).toEqual(report(native.stdout + native.stderr));
      expect(sandbox.status).toBe(native.status);
    });
  }
});
