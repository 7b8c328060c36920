// Injections: how many times the kernel runs syscalls inside a guest's host process, and how many
// syscalls those runs held, per fork, execve and mmap. `runrsc --debug run` prints the platform's totals at
// exit; the difference between two loop lengths removes start-up's share.
import { spawnSync } from 'node:child_process';

const OPS = [
  { key: 'fork', title: 'fork + _exit + waitpid' },
  { key: 'execve', title: 'fork + execve + waitpid' },
  { key: 'mmap', title: 'mmap 64 KiB + touch + munmap' },
];
const SHORT = 20;
const LONG = 120;

/** The platform's totals after `proc-loop OP N` in the sandbox. */
function totals(cli, rootfs, op, n) {
  const r = spawnSync(cli, ['--debug', 'run', '--rootfs', rootfs, '--', '/bench/proc-loop', op, String(n)], { encoding: 'utf8' });
  const m = /platform: (\d+) injections, (\d+) injected syscalls/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`proc-loop ${op} ${n} in the sandbox: status ${r.status}\n${r.stderr}`);
  return { injections: Number(m[1]), syscalls: Number(m[2]) };
}

/**
 * Injections and injected syscalls per operation.
 * @param {{ cli: string, rootfs: string }} o
 */
export function measureInjections(o) {
  return OPS.map(({ key, title }) => {
    const a = totals(o.cli, o.rootfs, key, SHORT);
    const b = totals(o.cli, o.rootfs, key, LONG);
    const per = (x, y) => (y - x) / (LONG - SHORT);
    return { key, title, injections: per(a.injections, b.injections), syscalls: per(a.syscalls, b.syscalls) };
  });
}
