// The ways a workload runs: natively (chroot into the scratch rootfs), under the bare C ptrace
// tracer (the mechanism's floor), in the rVisor-ts sandbox (runrsc run --rootfs), under proot and
// under runc (an OCI bundle over the same rootfs). Each mode turns a command inside the rootfs
// into a host command line. With `pin`, every mode runs on the same CPU (taskset): which CPU
// matters on its own (on a VM the one taking the disk's interrupts can run mkdir 1.5x faster),
// so comparing modes on different CPUs would measure the CPUs. rVisor-ts pins its kernel to a CPU
// it may run on, so under taskset it takes the same one. A workload marked `allCpus` (a parallel
// build) runs unpinned in every mode.
//
// "rVisor-ts, warm sandbox" runs a short job the way a kept sandbox does: by `exec` into a running
// container whose sandbox has run the same job `sandboxWarmUp` times already (untimed). The kernel
// is one Node process per sandbox, so its code, optimised on the earlier runs, stays optimised for
// later ones; a fresh `run` measures its first, unoptimised run.
import { spawnSync } from 'node:child_process';
import { run, runQuiet } from './util.mjs';

/**
 * @typedef {object} Mode
 * @property {string} key
 * @property {string} name
 * @property {string} [missing]  why the mode is skipped
 * @property {(argv: string[], w: import('./workloads.mjs').Workload) => string[]} command
 * @property {boolean} [floorOnly]  only for workloads the bare tracer can run
 * @property {boolean} [warmOnly]  only for workloads with a `sandboxWarmUp`
 * @property {(w: import('./workloads.mjs').Workload, n: number) => void} [prepare]  before a workload's runs
 * @property {() => void} [finish]  after a workload's runs (also when they failed)
 */

/**
 * @param {{ rootfs: string, cli: string, cliBuilt: boolean, pin: boolean, cpu: string,
 *   hasProot: boolean, hasRunc: boolean, runcRoot: string, bundle: string,
 *   setArgs: ((args: string[]) => void) | undefined, runrscRoot: string, sleepBundle: string }} o
 * @returns {Mode[]}
 */
export function makeModes(o) {
  const pinned = (argv, w) => (o.pin && !w?.allCpus ? ['taskset', '-c', o.cpu, ...argv] : argv);
  let runcCount = 0;
  const runrsc = (w, ...args) => pinned([o.cli, '--root', o.runrscRoot, ...args], w);
  let warmId = '';
  let warmCount = 0;
  return [
    { key: 'native', name: 'native', command: (argv, w) => pinned(['chroot', o.rootfs, ...argv], w) },
    {
      key: 'floor',
      name: 'bare C tracer',
      floorOnly: true,
      command: (argv, w) => pinned(['chroot', o.rootfs, '/bench/bare-tracer', ...argv], w),
    },
    {
      key: 'runrsc',
      name: 'rVisor-ts',
      missing: o.cliBuilt ? undefined : 'runrsc is not built (pnpm build)',
      command: (argv, w) => pinned([o.cli, 'run', '--rootfs', o.rootfs, '--', ...argv], w),
    },
    {
      key: 'runrsc-warm',
      name: 'rVisor-ts, warm sandbox',
      missing: o.cliBuilt ? undefined : 'runrsc is not built (pnpm build)',
      warmOnly: true,
      // A container of its own for each workload, created pinned like every mode, so the sandbox
      // process (and V8's compiler threads in it) share the CPU as in a fresh `run`.
      prepare: (w, n) => {
        warmId = `rvisor-bench-warm-${process.pid}-${warmCount++}`;
        runQuiet(runrsc(w, 'create', '--bundle', o.sleepBundle, warmId));
        runQuiet(runrsc(w, 'start', warmId));
        for (let i = 0; i < w.sandboxWarmUp; i++) run(runrsc(w, 'exec', warmId, ...w.argv(n)), `${w.key}, warm-up run in the sandbox`);
      },
      command: (argv, w) => runrsc(w, 'exec', warmId, ...argv),
      finish: () => {
        const [cmd, ...args] = runrsc(undefined, 'delete', '--force', warmId);
        spawnSync(cmd, args, { stdio: 'ignore' });
      },
    },
    {
      key: 'proot',
      name: 'proot',
      missing: o.hasProot ? undefined : 'proot is not installed',
      command: (argv, w) => pinned(['proot', '-r', o.rootfs, ...argv], w),
    },
    {
      key: 'runc',
      name: 'runc',
      missing: o.hasRunc ? undefined : 'runc is not installed',
      command: (argv, w) => {
        o.setArgs?.(argv);
        return pinned(['runc', '--root', o.runcRoot, 'run', '--bundle', o.bundle, `rvisor-bench-${process.pid}-${runcCount++}`], w);
      },
    },
  ];
}
