import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import type { RunResult } from '../helpers.js';

/** Options for {@link runCommand}. */
export interface CommandOptions {
  /** Bytes for stdin (default: none, stdin at EOF). */
  input?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

// A bound on one engine command, so a hung runtime fails the test instead of the whole run.
const COMMAND_TIMEOUT_MS = 30_000;

/** Runs a command to its end: its exit code (128 + signal after a fatal signal) and output. */
export function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): RunResult {
  const r = spawnSync(file, args, {
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: COMMAND_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: { ...process.env, ...options.env },
  });
  if (r.error) throw new Error(`${file} ${args.join(' ')}: ${r.error.message}`);
  const signalNumber = r.signal ? constants.signals[r.signal] : 0;
  return { status: r.status ?? 128 + signalNumber, stdout: r.stdout, stderr: r.stderr };
}

/** The absolute path of `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path.startsWith('/') ? path : undefined;
}

/** The mount points at or under `dir`, deepest first (so they can be unmounted in order). */
function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    // /proc/self/mounts escapes spaces and a few other bytes as octal.
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
  return points.sort((a, b) => b.length - a.length);
}

/**
 * Removes an engine's scratch directory, first unmounting whatever an engine left mounted in it
 * (a failed runtime can leave a container's rootfs or shm mounted).
 */
export function removeTree(dir: string): void {
  for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point]);
  rmSync(dir, { recursive: true, force: true });
}

/** Host pids of the processes whose command line contains `needle` (found through /proc). */
export function pidsWithArgument(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes(needle)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}
