// Small helpers shared by the bench runner: running commands, timing them, medians, formatting.
import { spawnSync } from 'node:child_process';

/** Runs a command to completion; throws with its output if it fails. Returns its stdout. */
export function run(argv, what = argv.join(' ')) {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) {
    throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}):\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

/**
 * Runs a command with no stdio to hold (a created container keeps its create's stdio open, so a
 * pipe would never end); throws if it fails.
 */
export function runQuiet(argv) {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.error || r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
}

/** Runs a command and returns its wall-clock time in ns (as seen by this process). */
export function timed(argv, what) {
  const start = process.hrtime.bigint();
  run(argv, what);
  return Number(process.hrtime.bigint() - start);
}

/** Whether `name` is on PATH. */
export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The median of a non-empty list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A number with about three significant digits, thousands separated. */
export function fmt(x) {
  if (x === undefined || Number.isNaN(x)) return 'n/a';
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** `x ÷ base` as "12.3×", or "–" when either is missing. */
export function ratio(x, base) {
  if (x === undefined || base === undefined || base === 0) return '–';
  const r = x / base;
  return `${r >= 100 ? Math.round(r) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}
