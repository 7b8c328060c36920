import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { CLI, ROOTFS } from './paths.js';

/** What a finished command left behind. */
export interface RunResult {
  /** The exit code, with a fatal signal reported as 128 + its number, as a shell does. */
  status: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link runInSandbox} and {@link runNatively}. */
export interface RunOptions {
  /** The rootfs to run in (default: the demo rootfs). */
  rootfs?: string;
  /** Bytes for the command's stdin (default: none, stdin at EOF). */
  input?: string;
  /** Extra `runrsc run` options placed before `--`, such as `--strace`. */
  runOptions?: string[];
}

/** The PATH runrsc gives guests; the native reference runs use it too. */
export const GUEST_PATH = '/bin:/sbin:/usr/bin:/usr/sbin';

const TIMEOUT_MS = 45_000;

function finish(r: ReturnType<typeof spawnSync>, what: string): RunResult {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  const signalNumber = r.signal ? constants.signals[r.signal] : 0;
  return {
    status: r.status ?? 128 + signalNumber,
    stdout: String(r.stdout),
    stderr: String(r.stderr),
  };
}

/** Runs `runrsc run --rootfs ROOTFS [options] -- ...command` and waits for it. */
export function runInSandbox(command: string[], options: RunOptions = {}): RunResult {
  const args = [CLI, 'run', '--rootfs', options.rootfs ?? ROOTFS, ...(options.runOptions ?? []), '--', ...command];
  const r = spawnSync(process.execPath, args, {
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  return finish(r, `runrsc ${command.join(' ')}`);
}

/** Runs the same command on the host, chrooted into the rootfs: what Linux itself does. */
export function runNatively(command: string[], options: RunOptions = {}): RunResult {
  const r = spawnSync('chroot', [options.rootfs ?? ROOTFS, ...command], {
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: { PATH: GUEST_PATH, HOME: '/root' },
    cwd: '/',
  });
  return finish(r, `chroot ${command.join(' ')}`);
}

/** ptrace and seccomp as the sandbox uses them need root. */
export const IS_ROOT = process.getuid?.() === 0;

/**
 * Whether the host's clock is built on the TSC: its clocksource is `tsc`, or `kvm-clock` (whose
 * TSC the platform checks is stable before it gives guests a vDSO; docs/platform.md).
 */
export const HOST_CLOCK_ON_TSC = ['tsc', 'kvm-clock'].includes(
  readFileSync('/sys/devices/system/clocksource/clocksource0/current_clocksource', 'utf8').trim(),
);

/** Whether a host process runs (a zombie nobody reaped yet counts as gone). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Host processes (other than this one) whose command line mentions `text`. */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // it ended while we looked
    }
  }
  return found;
}

/**
 * A fork bomb, and the most processes /proc shows while it runs, sampled with shell builtins only
 * (fork fails under the bomb).
 */
export const FORK_BOMB =
  'b() { b | b & }; b 2>/dev/null; max=0; i=0; while [ $i -lt 5000 ]; do set -- /proc/[0-9]*; [ $# -gt $max ] && max=$#; i=$((i+1)); done; echo $max';
