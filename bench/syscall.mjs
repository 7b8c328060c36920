#!/usr/bin/env node
// The syscall benchmark: what one emulated getppid costs in the rVisor-ts sandbox, beside the
// same loop run natively and under a bare C ptrace + seccomp tracer (the floor for this
// mechanism), and under proot when it is installed. See bench/README.md for the parameters.
//
// Builds bench/programs/*.c with gcc into a scratch directory, runs each mode --runs times,
// takes the median ns per call, prints a table of ratios and writes it to
// bench/results/<date>-syscall.md.
import { spawnSync } from 'node:child_process';
import { cpus, release, tmpdir } from 'node:os';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(benchDir, '..');
const cli = join(repoRoot, 'packages/runrsc/dist/cli.js');

const { values: opts } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    pin: { type: 'string', default: 'both' },
    cpu: { type: 'string', default: '0' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node bench/syscall.mjs [--n 100000] [--runs 5] [--pin both|yes|no] [--cpu 0] [--out FILE]`);
  process.exit(0);
}
const n = Number(opts.n);
const runs = Number(opts.runs);
if (!Number.isInteger(n) || n <= 0 || !Number.isInteger(runs) || runs <= 0) {
  console.error('bench: --n and --runs must be positive integers');
  process.exit(2);
}
if (!['both', 'yes', 'no'].includes(opts.pin)) {
  console.error('bench: --pin must be both, yes or no');
  process.exit(2);
}

/** Runs a command and returns its stdout; throws with its output if it fails. */
function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs one mode --runs times and returns the median ns per call the loop reported. */
function measure(command, pinned) {
  const [cmd, ...args] = pinned ? ['taskset', '-c', opts.cpu, ...command] : command;
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const out = run(cmd, args, command.join(' '));
    const m = /getppid ns_per_call ([\d.]+)/.exec(out);
    if (!m) throw new Error(`no measurement in the output of ${command.join(' ')}:\n${out}`);
    samples.push(Number(m[1]));
  }
  return median(samples);
}

// Build the programs and a rootfs that holds only the (static) loop.
const scratch = mkdtempSync(join(tmpdir(), 'rvisor-bench-'));
const loop = join(scratch, 'getppid-loop');
const tracer = join(scratch, 'bare-tracer');
const rootfs = join(scratch, 'rootfs');
run('gcc', ['-static', '-O2', '-o', loop, join(benchDir, 'programs/getppid-loop.c')], 'building getppid-loop');
run('gcc', ['-O2', '-o', tracer, join(benchDir, 'programs/bare-tracer.c')], 'building bare-tracer');
for (const dir of ['tmp', 'proc', 'dev']) mkdirSync(join(rootfs, dir), { recursive: true });
copyFileSync(loop, join(rootfs, 'getppid-loop'));

/** The modes, each a command that runs the loop; `baseline` marks the ratio columns. */
const modes = [
  { name: 'native', command: [loop, String(n)] },
  { name: 'bare C tracer (ptrace + seccomp)', command: [tracer, loop, String(n)] },
  {
    name: 'rVisor-ts (runrsc run)',
    command: [process.execPath, cli, 'run', '--rootfs', rootfs, '--', '/getppid-loop', String(n)],
    missing: existsSync(cli) ? undefined : 'runrsc is not built (pnpm build)',
  },
  {
    name: 'proot (ptrace, getppid passed through)',
    command: ['proot', '-r', rootfs, '/getppid-loop', String(n)],
    missing: hasCommand('proot') ? undefined : 'proot is not installed',
  },
];

const pinnings = opts.pin === 'both' ? [false, true] : [opts.pin === 'yes'];
if (pinnings.includes(true) && !hasCommand('taskset')) {
  console.error('bench: taskset (util-linux) is needed to pin to one CPU');
  process.exit(1);
}

const fmt = (x) => (x === undefined ? 'n/a' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const ratio = (x, base) => (x === undefined || base === undefined ? 'n/a' : `${(x / base).toFixed(2)}×`);

const sections = [];
let failed = false;
for (const pinned of pinnings) {
  const where = pinned ? `all on CPU ${opts.cpu} (taskset -c ${opts.cpu})` : 'unpinned';
  console.log(`\n${where}: getppid, N=${n}, median of ${runs}`);
  const results = new Map();
  const notes = [];
  for (const mode of modes) {
    if (mode.missing) {
      notes.push(`${mode.name}: skipped, ${mode.missing}`);
      continue;
    }
    try {
      results.set(mode.name, measure(mode.command, pinned));
      console.log(`  ${mode.name}: ${fmt(results.get(mode.name))} ns/call`);
    } catch (err) {
      failed = true;
      notes.push(`${mode.name}: failed: ${String(err.message).split('\n')[0]}`);
      console.error(`  ${mode.name}: ${err.message}`);
    }
  }
  const native = results.get(modes[0].name);
  const bare = results.get(modes[1].name);
  const rows = [
    '| mode | ns/call | ÷ native | ÷ bare tracer |',
    '|---|---:|---:|---:|',
    ...modes
      .filter((m) => results.has(m.name))
      .map((m) => {
        const x = results.get(m.name);
        return `| ${m.name} | ${fmt(x)} | ${ratio(x, native)} | ${ratio(x, bare)} |`;
      }),
  ];
  sections.push([`## ${where}`, '', ...rows, '', ...notes.map((note) => `- ${note}`)].join('\n'));
}

const date = new Date().toISOString().slice(0, 10);
const report = [
  `# Syscall benchmark, ${date}`,
  '',
  `getppid round trip; N=${n} calls per run after N/10 warm-up calls; median of ${runs} runs.`,
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs, Linux ${release()}, Node ${process.version}.`,
  'Compare ratios, not absolute times.',
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n');

console.log(`\n${report}`);
const outFile = opts.out ?? join(benchDir, 'results', `${date}-syscall.md`);
mkdirSync(join(outFile, '..'), { recursive: true });
writeFileSync(outFile, report);
console.log(`written to ${outFile}`);

rmSync(scratch, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
