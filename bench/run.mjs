#!/usr/bin/env node
// `pnpm bench`: every workload natively, under the bare C ptrace tracer (the mechanism's floor),
// in the rVisor-ts sandbox, under proot and under runc, several runs each; the medians and their
// ratios to native go to bench/results/<date>.md with an SVG chart beside it. Then start-up
// (`run` of /bin/true) and memory (an idle sandbox, and each extra container in it).
// A benchmark, not a test: nothing here passes or fails on time. Parameters: docs/benchmarks.md.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ratioChart } from './lib/chart.mjs';
import { measureInjections } from './lib/injections.mjs';
import { measureMemory } from './lib/memory.mjs';
import { makeModes } from './lib/modes.mjs';
import { makeBundle, makeRootfs } from './lib/setup.mjs';
import { measureStartup } from './lib/startup.mjs';
import { targetLines } from './lib/targets.mjs';
import { fmt, hasCommand, median, ratio, run } from './lib/util.mjs';
import { WORKLOADS, inUnit, unitLabel } from './lib/workloads.mjs';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(benchDir, '..');
// runrsc as users run it: the package's bin, which starts Node on the built CLI.
const cli = join(repoRoot, 'packages/runrsc/bin/runrsc');
const GROUPS = ['syscall', 'file', 'ipc', 'process', 'real', 'startup', 'memory', 'injections'];

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
    only: { type: 'string' },
    modes: { type: 'string' },
    pin: { type: 'string', default: 'yes' },
    cpu: { type: 'string', default: '0' },
    'startup-runs': { type: 'string', default: '10' },
    containers: { type: 'string', default: '3' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node bench/run.mjs [--runs 3] [--scale 1] [--only GROUP|WORKLOAD,...] [--modes native,floor,runrsc,runrsc-warm,proot,runc]
       [--pin yes|no] [--cpu 0] [--startup-runs 10] [--containers 3] [--out FILE.md]
groups: ${GROUPS.join(', ')}; workloads: ${WORKLOADS.map((w) => w.key).join(', ')}`);
  process.exit(0);
}
const runs = Number(opts.runs);
const scale = Number(opts.scale);
const startupRuns = Number(opts['startup-runs']);
const extraContainers = Number(opts.containers);
if (![runs, startupRuns].every((x) => Number.isInteger(x) && x > 0) || !(scale > 0) || !(Number.isInteger(extraContainers) && extraContainers >= 0)) {
  console.error('bench: --runs and --startup-runs must be positive integers, --scale positive, --containers ≥ 0');
  process.exit(2);
}
if (!['yes', 'no'].includes(opts.pin)) {
  console.error('bench: --pin must be yes or no');
  process.exit(2);
}
const only = opts.only ? opts.only.split(',') : undefined;
const known = new Set([...GROUPS, ...WORKLOADS.map((w) => w.key)]);
for (const name of only ?? []) {
  if (!known.has(name)) {
    console.error(`bench: unknown group or workload ${name}`);
    process.exit(2);
  }
}
const selected = (group, key) => !only || only.includes(group) || (key !== undefined && only.includes(key));

const hasProot = hasCommand('proot');
const hasRunc = hasCommand('runc');
const cliBuilt = existsSync(join(repoRoot, 'packages/runrsc/dist/runrsc.cjs'));
const pin = opts.pin === 'yes';
if (pin && !hasCommand('taskset')) {
  console.error('bench: taskset (util-linux) is needed for --pin yes');
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'rvisor-bench-'));
const notes = [];
const sections = [];
let chartRows = [];
const table = [];
let startup;
let errors = 0;
const date = new Date().toISOString().slice(0, 10);
const outFile = opts.out ?? join(benchDir, 'results', `${date}.md`);
const svgFile = outFile.replace(/\.md$/, '') + '.svg';

try {
  const rootfs = makeRootfs({ repoRoot, benchDir, scratch, sqliteRows: Math.max(1, Math.round(10000 * scale)) });
  const bundle = join(scratch, 'bundle');
  const specCommand = hasRunc ? ['runc', 'spec'] : [cli, 'spec'];
  const setArgs = makeBundle(bundle, rootfs, specCommand);
  // The same, running `sleep 1000`: the start-up of a long-running container.
  const sleepBundle = join(scratch, 'bundle-sleep');
  makeBundle(sleepBundle, rootfs, specCommand)(['/bin/sleep', '1000']);
  const runcRoot = join(scratch, 'runc-root');
  const runrscRoot = join(scratch, 'runrsc-root');
  const modes = makeModes({ rootfs, cli, cliBuilt, pin, cpu: opts.cpu, hasProot, hasRunc, runcRoot, bundle, setArgs, runrscRoot, sleepBundle })
    .filter((m) => !opts.modes || m.key === 'native' || opts.modes.split(',').includes(m.key));
  for (const m of modes) if (m.missing) notes.push(`${m.name}: skipped, ${m.missing}`);
  const active = modes.filter((m) => !m.missing);

  // Workloads: one table, a value and its ratio to native per mode.
  const workloads = WORKLOADS.filter((w) => selected(w.group, w.key));
  for (const w of workloads) {
    if (w.needs && !existsSync(w.needs)) {
      notes.push(`${w.key}: skipped, ${w.needs} is not on the host`);
      continue;
    }
    const n = Math.max(1, Math.round(w.n * scale));
    const medians = {};
    console.log(`${w.title} (N=${n})`);
    // The modes take turns, run by run: the machine's speed drifts over minutes (and a disk's
    // latency with it), and a mode's runs all in a row would carry that drift into its ratio.
    const modes = active.filter((m) => (!m.floorOnly || w.floor) && (!m.warmOnly || w.sandboxWarmUp));
    const samples = new Map(modes.map((m) => [m.key, []]));
    const fail = (m, err) => {
      errors++;
      samples.delete(m.key);
      notes.push(`${w.key} under ${m.name}: failed: ${String(err.message).split('\n')[0]}`);
      console.error(`  ${m.name}: ${err.message}`);
    };
    for (const m of modes) {
      try {
        m.prepare?.(w, n);
      } catch (err) {
        fail(m, err);
      }
    }
    for (let i = 0; i < runs; i++) {
      for (const m of modes) {
        const mine = samples.get(m.key);
        if (mine === undefined) continue; // failed in an earlier run
        try {
          const out = run(m.command(w.argv(n), w), `${w.key} under ${m.name}`);
          const match = /ns_per_(?:op|call) ([\d.]+)/.exec(out);
          if (!match) throw new Error(`no measurement in the output:\n${out}`);
          mine.push(Number(match[1]));
        } catch (err) {
          fail(m, err);
        }
      }
    }
    for (const m of modes) m.finish?.();
    for (const m of modes) {
      const mine = samples.get(m.key);
      if (mine === undefined) continue;
      medians[m.key] = median(mine);
      console.log(`  ${m.name}: ${fmt(inUnit(w, medians[m.key]))} ${unitLabel(w)}`);
    }
    table.push({ w, n, medians });
  }
  if (table.length > 0) {
    const head = ['workload', 'N', 'unit', ...active.map((m) => m.name), 'rVisor-ts ÷ floor'];
    const lines = [`| ${head.join(' | ')} |`, `|---|---:|---|${active.map(() => '---:|').join('')}---:|`];
    for (const { w, n, medians } of table) {
      const cells = active.map((m) => {
        const ns = medians[m.key];
        if (ns === undefined) return '–';
        return m.key === 'native' ? fmt(inUnit(w, ns)) : `${fmt(inUnit(w, ns))} (${ratio(ns, medians.native)})`;
      });
      lines.push(`| ${w.title} | ${n} | ${unitLabel(w)} | ${cells.join(' | ')} | ${ratio(medians.runrsc, medians.floor)} |`);
    }
    sections.push([
      '## Workloads',
      '',
      'Each cell: the median of the runs in the unit shown, and in brackets time ÷ native (lower is better;',
      'for MB/s rows the ratio is still of time). "rVisor-ts ÷ floor" is the kernel\'s overhead over the bare',
      'C ptrace tracer on rows the tracer can run (it does not follow forks).',
      '',
      ...lines,
    ].join('\n'));
    chartRows = table.map(({ w, medians }) => ({
      label: w.key,
      ratios: Object.fromEntries(active.map((m) => [m.key, medians[m.key] && medians.native ? medians[m.key] / medians.native : undefined])),
    }));
    writeFileSync(svgFile, ratioChart({ title: `rVisor-ts benchmarks, ${date}: time ÷ native`, rows: chartRows, modes: active }));
  }

  if (selected('startup')) {
    console.log(`start-up: run of /bin/true, ${startupRuns} runs`);
    const results = (startup = measureStartup({ rootfs, cli, cliBuilt, hasProot, hasRunc, bundle, setArgs, sleepBundle, runrscRoot, runcRoot, runs: startupRuns }));
    const native = results.find((r) => r.key === 'native')?.ns;
    const runc = results.find((r) => r.key === 'runc')?.ns;
    const lines = ['| how | ms | ÷ native | ÷ runc |', '|---|---:|---:|---:|'];
    for (const r of results) {
      if (r.error) {
        errors++;
        notes.push(`start-up, ${r.name}: failed: ${r.error}`);
        continue;
      }
      console.log(`  ${r.name}: ${fmt(r.ns / 1e6)} ms`);
      lines.push(`| ${r.name} | ${fmt(r.ns / 1e6)} | ${ratio(r.ns, native)} | ${ratio(r.ns, runc)} |`);
    }
    sections.push([
      '## Start-up: `run` of /bin/true, and create + start of a long-running container',
      '',
      `Wall-clock from the command's start to its exit, median of ${startupRuns}. The OCI rows run the same bundle`,
      '(terminal false) over the same rootfs; each run creates and deletes its container. The create + start rows',
      'time `create`, then `start`, of a bundle running `sleep 1000` until `start` returns (what an engine waits',
      'for); the container is deleted afterwards, untimed. "÷ runc" is against runc\'s `run`.',
      '',
      ...lines,
    ].join('\n'));
  }

  if (selected('memory')) {
    console.log(`memory: an idle sandbox and ${extraContainers} more containers in it`);
    const mem = measureMemory({ cli, cliBuilt, hasRunc, bundle, setArgs, runrscRoot, runcRoot, extra: extraContainers, settleMs: 1000, idleCpuMs: 3000 });
    notes.push(...mem.notes);
    const mib = (kib) => (kib === undefined ? '–' : (kib / 1024).toFixed(1));
    const lines = ['| what | RSS MiB | PSS MiB |', '|---|---:|---:|'];
    if (mem.idle) lines.push(`| rVisor-ts: idle sandbox running \`sleep 1000\` (sandbox process tree) | ${mib(mem.idle.rss)} | ${mib(mem.idle.pss)} |`);
    if (mem.holder) lines.push(`| rVisor-ts: the container's pid holder (outside the sandbox) | ${mib(mem.holder.rss)} | ${mib(mem.holder.pss)} |`);
    if (mem.idle && mem.loaded && extraContainers > 0) {
      const per = (k) => (mem.loaded[k] - mem.idle[k]) / extraContainers;
      lines.push(`| rVisor-ts: each extra container in the same sandbox (${extraContainers} added; pid holders not included) | ${mib(per('rss'))} | ${mib(per('pss'))} |`);
    }
    if (mem.runc) lines.push(`| runc: each container (its \`sleep\`; runc itself exits) | ${mib(mem.runc.rss)} | ${mib(mem.runc.pss)} |`);
    const cpu = mem.idleCpu ? [
      '',
      `An idle sandbox (its guest asleep) used ${mem.idleCpu.percent.toFixed(2)}% of one CPU over ${mem.idleCpu.ms / 1000} s`,
      '(user + system time of the sandbox process tree, from /proc).',
    ] : [];
    sections.push([
      '## Memory',
      '',
      'Read from /proc after the containers have run for a second. A process tree counts each address space',
      'once (the sandbox\'s anchor shares the kernel\'s memory). PSS splits shared pages between their users.',
      '',
      ...lines,
      ...cpu,
    ].join('\n'));
    if (mem.idle || mem.runc) console.log(lines.slice(2).join('\n'));
  }
  if (selected('injections') && cliBuilt) {
    console.log('injections per operation');
    const rows = measureInjections({ cli, rootfs });
    sections.push([
      '## Injections',
      '',
      'How often the kernel runs syscalls inside a guest\'s host process, per operation: the difference',
      'between 20 and 120 rounds of `/bench/proc-loop OP` under `runrsc --debug run`. Each injected',
      'syscall costs one ptrace stop in the stub\'s injection loop; an injection made anywhere but at',
      'the guest\'s own seccomp stop costs one more, to enter the loop (docs/benchmarks.md).',
      '',
      '| operation | injections | injected syscalls |',
      '|---|---:|---:|',
      ...rows.map((r) => `| ${r.title} | ${fmt(r.injections)} | ${fmt(r.syscalls)} |`),
    ].join('\n'));
  }
  const targets = targetLines({ table, startup });
  if (targets.length > 0) {
    sections.unshift([
      '## Against the targets',
      '',
      'Issue 7\'s targets, checked against the medians below; where one is missed, by how much and why',
      '(docs/benchmarks.md, "Against the targets", has the measurements behind each reason).',
      '',
      ...targets,
    ].join('\n'));
  }
} catch (err) {
  errors++;
  notes.push(`failed: ${String(err.message).split('\n')[0]}`);
  console.error(err);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const report = [
  `# Benchmarks, ${date}`,
  '',
  `\`node bench/run.mjs ${process.argv.slice(2).join(' ')}\`: median of ${runs} runs per mode, --scale ${scale},`,
  `${pin ? `every mode pinned to CPU ${opts.cpu} (taskset; rVisor-ts pins its kernel to that CPU too)` : 'nothing pinned by the runner (rVisor-ts pins its kernel to a CPU of its choice)'}.`,
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs, Linux ${release()}, Node ${process.version}.`,
  'Compare ratios, not absolute numbers. How to read and rerun this: docs/benchmarks.md.',
  '',
  ...(chartRows.length ? [`![time ÷ native](${basename(svgFile)})`, ''] : []),
  ...sections.flatMap((s) => [s, '']),
  ...(notes.length ? ['## Notes', '', ...notes.map((n) => `- ${n}`), ''] : []),
].join('\n');
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, report);
console.log(`\n${report}\nwritten to ${outFile}${chartRows.length ? ` and ${svgFile}` : ''}`);
process.exitCode = errors ? 1 : 0;
