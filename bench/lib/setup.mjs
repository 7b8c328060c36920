// Builds what every mode runs: the C programs (static, gcc at bench time) and one scratch rootfs
// (a copy of build/rootfs plus the programs, sqlite3 and gcc with their libraries, a source tree,
// a C file and the SQL script), and an OCI bundle over that rootfs for runc and the OCI form of runrsc.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from './util.mjs';

/** Programs from bench/programs/, built static into /bench of the rootfs. */
const PROGRAMS = ['getppid-loop', 'clock-loop', 'file-loop', 'proc-loop', 'timeit', 'bare-tracer'];

/** Copies `file` (following symlinks) to the same path under `root`, replacing a link there. */
function install(root, file) {
  const dest = join(root, file);
  mkdirSync(dirname(dest), { recursive: true });
  rmSync(dest, { force: true }); // busybox applet links must not be written through
  copyFileSync(file, dest);
}

/** Copies a host program and the libraries ldd lists into the rootfs. */
function installWithLibraries(root, program) {
  install(root, program);
  const libs = execFileSync('ldd', [program], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
  for (const lib of libs) install(root, lib);
}

/**
 * gcc's driver, its compiler proper (cc1) and the assembler, with their libraries, at their host
 * paths: enough to compile a file that includes no header (the cc workload).
 */
function installCompiler(root) {
  const realpath = (p) => execFileSync('readlink', ['-f', p], { encoding: 'utf8' }).trim();
  const cc1 = execFileSync('gcc', ['-print-prog-name=cc1'], { encoding: 'utf8' }).trim();
  const driver = realpath(execFileSync('sh', ['-c', 'command -v gcc'], { encoding: 'utf8' }).trim());
  const assembler = realpath(execFileSync('sh', ['-c', 'command -v as'], { encoding: 'utf8' }).trim());
  for (const program of [driver, realpath(cc1), assembler]) installWithLibraries(root, program);
  for (const [name, target] of [['gcc', driver], ['as', assembler]]) {
    rmSync(join(root, 'usr/bin', name), { force: true });
    symlinkSync(target, join(root, 'usr/bin', name));
  }
}

/** The SQL the sqlite3 workload runs: `rows` INSERTs, each its own transaction. */
export function insertScript(rows) {
  const lines = [
    'PRAGMA journal_mode=DELETE;', // a rollback journal created and deleted per transaction
    'PRAGMA synchronous=OFF;', // no fsync: the rows measure syscalls, not the disk
    'CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INTEGER);',
  ];
  for (let i = 0; i < rows; i++) lines.push(`INSERT INTO t(name, n) VALUES ('row ${i}', ${(i * 7919) % 10007});`);
  lines.push('SELECT count(*) FROM t;');
  return `${lines.join('\n')}\n`;
}

/**
 * Makes the scratch rootfs under `scratch` and returns its path.
 * @param {{ repoRoot: string, benchDir: string, scratch: string, sqliteRows: number }} o
 */
export function makeRootfs({ repoRoot, benchDir, scratch, sqliteRows }) {
  const source = join(repoRoot, 'build/rootfs');
  if (!existsSync(join(source, 'bin/busybox'))) throw new Error(`no ${source} (pnpm rootfs builds it)`);
  const rootfs = join(scratch, 'rootfs');
  cpSync(source, rootfs, { recursive: true, verbatimSymlinks: true });
  rmSync(join(rootfs, 'tmp'), { recursive: true, force: true });
  for (const dir of ['tmp', 'proc', 'dev', 'bench', 'src']) mkdirSync(join(rootfs, dir), { recursive: true });
  // A real /dev/null for the native and proot modes (the sandboxes bring their own /dev).
  rmSync(join(rootfs, 'dev/null'), { force: true });
  try {
    execFileSync('mknod', ['-m', '666', join(rootfs, 'dev/null'), 'c', '1', '3']);
  } catch {
    writeFileSync(join(rootfs, 'dev/null'), '');
  }
  for (const p of PROGRAMS) {
    run(['gcc', '-static', '-O2', '-o', join(rootfs, 'bench', p), join(benchDir, 'programs', `${p}.c`)], `building ${p}`);
  }
  if (existsSync('/usr/bin/sqlite3')) installWithLibraries(rootfs, '/usr/bin/sqlite3');
  // A dynamic program, with its libraries, for the execve-dynamic row.
  const noop = join(rootfs, 'bench/noop-dynamic');
  run(['gcc', '-O2', '-o', noop, join(benchDir, 'programs/noop-dynamic.c')], 'building noop-dynamic');
  for (const lib of execFileSync('ldd', [noop], { encoding: 'utf8' }).match(/\/\S+/g) ?? []) install(rootfs, lib);
  writeFileSync(join(rootfs, 'bench/insert.sql'), insertScript(sqliteRows));
  // The cc workload's compiler and its source, the vDSO's: a real file that includes no header.
  installCompiler(rootfs);
  copyFileSync(join(repoRoot, 'packages/trap-native/native/vdso/vdso.c'), join(rootfs, 'bench/compile.c'));
  // The tar+gzip source tree: every package's src/.
  for (const pkg of execFileSync('ls', [join(repoRoot, 'packages')], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    const src = join(repoRoot, 'packages', pkg, 'src');
    if (existsSync(src)) cpSync(src, join(rootfs, 'src', pkg), { recursive: true, verbatimSymlinks: true });
  }
  return rootfs;
}

/**
 * Writes an OCI bundle (runc spec, terminal false, writable root) over `rootfs` into `dir` and
 * returns a function that sets its process args (and annotations). `specCommand` is `runc spec` or
 * `runrsc spec`.
 */
export function makeBundle(dir, rootfs, specCommand) {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'config.json');
  run([...specCommand, '--bundle', dir]);
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  config.root = { path: rootfs, readonly: false };
  config.process.terminal = false;
  const write = (args, annotations = {}) => {
    config.process.args = args;
    config.annotations = annotations;
    writeFileSync(configPath, JSON.stringify(config, null, 2));
  };
  write(['/bin/true']);
  return write;
}
