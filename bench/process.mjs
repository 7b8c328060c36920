#!/usr/bin/env node
// `pnpm bench:process`: fork+exit+wait and fork+execve+wait rounds, natively and in the sandbox
// (and under proot when installed), as ratios to native. A benchmark, not a test.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const cli = join(benchDir, '..', 'packages/runrsc/dist/cli.js');
const { values: opts } = parseArgs({
  options: { n: { type: 'string', default: '200' }, runs: { type: 'string', default: '5' }, out: { type: 'string' } },
});
const n = Number(opts.n);
const runs = Number(opts.runs);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const scratch = mkdtempSync(join(tmpdir(), 'rvisor-bench-proc-'));
const loop = join(scratch, 'proc-loop');
const rootfs = join(scratch, 'rootfs');
run('gcc', ['-static', '-O2', '-o', loop, join(benchDir, 'programs/proc-loop.c')]);
for (const dir of ['tmp', 'proc', 'dev']) mkdirSync(join(rootfs, dir), { recursive: true });
copyFileSync(loop, join(rootfs, 'proc-loop'));

const proot = spawnSync('sh', ['-c', 'command -v proot'], { stdio: 'ignore' }).status === 0;
const modes = [
  { name: 'native', command: (w) => [loop, w, String(n)] },
  existsSync(cli) && { name: 'rVisor-ts (runrsc run)', command: (w) => [process.execPath, cli, 'run', '--rootfs', rootfs, '--', '/proc-loop', w, String(n)] },
  proot && { name: 'proot', command: (w) => ['proot', '-r', rootfs, '/proc-loop', w, String(n)] },
].filter(Boolean);

const lines = [];
for (const workload of ['fork', 'execve']) {
  const results = modes.map((m) => {
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const [cmd, ...args] = m.command(workload);
      const out = run(cmd, args);
      samples.push(Number(/ns_per_call ([\d.]+)/.exec(out)[1]));
    }
    return { name: m.name, ns: median(samples) };
  });
  const native = results[0].ns;
  lines.push(`## ${workload === 'fork' ? 'fork + _exit + waitpid' : 'fork + execve + waitpid'}`, '', '| mode | µs per round | ÷ native |', '|---|---:|---:|');
  for (const r of results) lines.push(`| ${r.name} | ${(r.ns / 1000).toFixed(1)} | ${(r.ns / native).toFixed(2)}× |`);
  lines.push('');
}
rmSync(scratch, { recursive: true, force: true });
const date = new Date().toISOString().slice(0, 10);
const report = [`# Process benchmark, ${date}`, '', `N=${n} rounds per run, median of ${runs} runs. Compare ratios, not absolute times.`, '', ...lines].join('\n');
console.log(report);
const outFile = opts.out ?? join(benchDir, 'results', `${date}-process.md`);
writeFileSync(outFile, report + '\n');
console.log(`written to ${outFile}`);
