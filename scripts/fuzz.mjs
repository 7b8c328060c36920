#!/usr/bin/env node
// `pnpm fuzz [--quick | --long] [--calls N] [--seed S]`: random syscalls with random and boundary
// arguments, issued by a guest in the sandbox (never natively: as root on the host they could do
// harm). Fails if the kernel logs an internal error, if the sandbox dies, or if the host files
// outside the container changed.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    long: { type: 'boolean' },
    calls: { type: 'string' },
    seed: { type: 'string', default: '0x9e3779b97f4a7c15' },
  },
});
const calls = Number(opts.calls ?? (opts.long ? 1_000_000 : 100_000));

const work = mkdtempSync(join(tmpdir(), 'rvisor-fuzz-'));
const rootfs = join(work, 'rootfs');
cpSync(join(repo, 'build/rootfs'), rootfs, { recursive: true, verbatimSymlinks: true });
execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'fuzz'), join(repo, 'packages/runrsc/test/programs/fuzz.c')]);
// A decoy beside the rootfs: it must be there, unchanged, afterwards.
const decoy = join(work, 'decoy');
writeFileSync(decoy, 'outside the container\n');
// What lies beside the rootfs (its names, and the decoy's content and times) must not change;
// the rootfs itself is the guest's to change.
const snapshot = () =>
  readdirSync(work)
    .map((n) => (n === 'rootfs' ? n : `${n}:${statSync(join(work, n)).mtimeMs}:${readFileSync(join(work, n), 'utf8')}`))
    .join(',');
const before = snapshot();

const r = spawnSync(process.execPath, [join(repo, 'packages/runrsc/dist/runrsc.cjs'), '--debug', 'run', '--rootfs', rootfs, '--', '/fuzz', String(calls), opts.seed], {
  encoding: 'utf8',
  timeout: 30 * 60 * 1000,
});
const internal = (r.stderr ?? '').split('\n').filter((l) => /internal error/i.test(l));
const failures = [];
if (r.status !== 0) failures.push(`the sandbox exited ${r.status ?? r.signal}`);
if (internal.length > 0) failures.push(`${internal.length} internal errors, first: ${internal[0]}`);
if (snapshot() !== before) failures.push('files outside the container changed');
const issued = /(\d+) issued/.exec(r.stdout ?? '')?.[1];
console.log(`fuzz: ${calls} calls attempted, ${issued ?? '?'} issued, seed ${opts.seed}`);
rmSync(work, { recursive: true, force: true });
if (failures.length > 0) {
  for (const f of failures) console.error(`fuzz: ${f}`);
  process.exit(1);
}
console.log('fuzz: no internal error, sandbox and host intact');
