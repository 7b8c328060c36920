#!/usr/bin/env node
// `pnpm bench:file`: file-system and pipe workloads (programs/file-loop.c) natively, in the
// sandbox and under proot when installed, as ratios to native and to proot. A benchmark, not a test.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const cli = join(benchDir, '..', 'packages/runrsc/dist/cli.js');
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const runs = Number(opts.runs);
const scale = Number(opts.scale);

const mib = (bytes) => `${+(bytes / 2 ** 20).toFixed(1)} MiB`;

// Each workload: its operation count (times --scale) and how to read its per-operation time.
const WORKLOADS = [
  { name: 'write-disk', title: (n) => `Writing disk: ${mib(n * 4096)} in 4 KiB writes + fsync`, n: 16384, unit: 'MB/s', bytes: 4096 },
  { name: 'mkdir', title: 'Mkdir/Rmdir pairs', n: 1000, unit: 'µs per pair' },
  { name: 'open', title: 'open + close', n: 5000, unit: 'µs per op' },
  { name: 'stat', title: 'stat', n: 5000, unit: 'µs per op' },
  { name: 'read4k', title: '4 KiB pread', n: 20000, unit: 'µs per op' },
  { name: 'write4k', title: '4 KiB pwrite', n: 20000, unit: 'µs per op' },
  { name: 'pipe', title: (n) => `Pipe throughput: ${mib(n * 65536)} in 64 KiB writes, child to parent`, n: 16384, unit: 'MB/s', bytes: 65536 },
];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const scratch = mkdtempSync(join(tmpdir(), 'rvisor-bench-file-'));
const loop = join(scratch, 'file-loop');
const rootfs = join(scratch, 'rootfs');
run('gcc', ['-static', '-O2', '-o', loop, join(benchDir, 'programs/file-loop.c')]);
for (const dir of ['tmp', 'proc', 'dev']) mkdirSync(join(rootfs, dir), { recursive: true });
copyFileSync(loop, join(rootfs, 'file-loop'));
const hostTmp = join(rootfs, 'tmp'); // every mode works in the same host directory

const hasProot = spawnSync('sh', ['-c', 'command -v proot'], { stdio: 'ignore' }).status === 0;
const modes = [
  { name: 'native', command: (w, n) => [loop, w, hostTmp, String(n)] },
  existsSync(cli) && {
    name: 'rVisor-ts (runrsc run)',
    command: (w, n) => [process.execPath, cli, 'run', '--rootfs', rootfs, '--', '/file-loop', w, '/tmp', String(n)],
  },
  hasProot && { name: 'proot', command: (w, n) => ['proot', '-r', rootfs, '/file-loop', w, '/tmp', String(n)] },
].filter(Boolean);
if (!existsSync(cli)) console.error('bench: runrsc is not built (pnpm build): the rVisor-ts mode is skipped');

/** A per-operation time in the workload's unit: throughput for block workloads, µs otherwise. */
const inUnit = (w, ns) => (w.bytes ? w.bytes / ns * 1000 : ns / 1000);

const lines = [];
try {
  for (const w of WORKLOADS) {
    const n = Math.max(1, Math.round(w.n * scale));
    const results = modes.map((m) => {
      const samples = [];
      for (let i = 0; i < runs; i++) {
        const [cmd, ...args] = m.command(w.name, n);
        samples.push(Number(/ns_per_op ([\d.]+)/.exec(run(cmd, args))[1]));
      }
      return { name: m.name, ns: median(samples) };
    });
    const native = results[0].ns;
    const proot = results.find((r) => r.name === 'proot')?.ns;
    lines.push(`## ${typeof w.title === 'function' ? w.title(n) : w.title}`, '', `N=${n}`, '', `| mode | ${w.unit} | time ÷ native | time ÷ proot |`, '|---|---:|---:|---:|');
    for (const r of results) {
      const vsProot = proot ? `${(r.ns / proot).toFixed(2)}×` : '–';
      lines.push(`| ${r.name} | ${inUnit(w, r.ns).toFixed(w.bytes ? 0 : 2)} | ${(r.ns / native).toFixed(2)}× | ${vsProot} |`);
    }
    lines.push('');
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const date = new Date().toISOString().slice(0, 10);
const report = [
  `# File benchmark, ${date}`, '',
  `Median of ${runs} runs per mode; files live in one host directory (the sandbox's rootfs /tmp, a hostfs).`,
  'Ratios compare time per operation (lower is better). Compare ratios, not absolute numbers.', '',
  ...lines,
].join('\n');
console.log(report);
const outFile = opts.out ?? join(benchDir, 'results', `${date}-file.md`);
writeFileSync(outFile, report + '\n');
console.log(`written to ${outFile}`);
