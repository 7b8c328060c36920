// Start-up: the wall-clock time of running /bin/true, from the command's start to its exit, as
// the caller sees it. The OCI forms (runrsc and runc on the same bundle) are the fair pair. And
// what an engine waits for when it starts a long-running container: create, then start, of a
// process that goes to sleep, until start returns (the container is deleted afterwards, untimed).
import { median, runQuiet, timed } from './util.mjs';

/** {@link runQuiet}, timed: its wall-clock time in ns. */
function timedQuiet(argv) {
  const start = process.hrtime.bigint();
  runQuiet(argv);
  return Number(process.hrtime.bigint() - start);
}

/**
 * Times each start-up command `runs` times and returns [{ key, name, ns }] (median), or an error.
 * @param {{ rootfs: string, cli: string, cliBuilt: boolean, hasProot: boolean, hasRunc: boolean,
 *   bundle: string, setArgs: (args: string[]) => void, sleepBundle: string, runrscRoot: string,
 *   runcRoot: string, runs: number }} o
 */
export function measureStartup(o) {
  o.setArgs(['/bin/true']);
  let count = 0;
  const id = () => `rvisor-bench-start-${process.pid}-${count++}`;
  // create + start of a sleeping container, timed; its delete is not.
  const createStart = (runtime, root) => () => {
    const name = id();
    const ns = timedQuiet([runtime, '--root', root, 'create', '--bundle', o.sleepBundle, name]) + timedQuiet([runtime, '--root', root, 'start', name]);
    timedQuiet([runtime, '--root', root, 'delete', '--force', name]);
    return ns;
  };
  const variants = [
    { key: 'native', name: 'native (chroot)', command: () => ['chroot', o.rootfs, '/bin/true'] },
    o.cliBuilt && {
      key: 'runrsc-oci', name: 'rVisor-ts, OCI bundle (runrsc --root R run ID)',
      command: () => [o.cli, '--root', o.runrscRoot, 'run', '--bundle', o.bundle, id()],
    },
    o.hasRunc && {
      key: 'runc', name: 'runc, OCI bundle (runc --root R run ID)',
      command: () => ['runc', '--root', o.runcRoot, 'run', '--bundle', o.bundle, id()],
    },
    o.cliBuilt && {
      key: 'runrsc-create-start', name: 'rVisor-ts, create + start of `sleep 1000`, until start returns (what engines wait for)',
      time: createStart(o.cli, o.runrscRoot),
    },
    o.hasRunc && {
      key: 'runc-create-start', name: 'runc, create + start of `sleep 1000`, until start returns',
      time: createStart('runc', o.runcRoot),
    },
    o.cliBuilt && {
      key: 'runrsc-rootfs', name: 'rVisor-ts, runrsc run --rootfs DIR -- /bin/true',
      command: () => [o.cli, 'run', '--rootfs', o.rootfs, '--', '/bin/true'],
    },
    // What any kernel written for Node starts from; the bin starts Node the same way.
    o.cliBuilt && { key: 'node', name: 'Node alone (env -u NODE_EXTRA_CA_CERTS node -e 0)', command: () => ['env', '-u', 'NODE_EXTRA_CA_CERTS', 'node', '-e', '0'] },
    o.hasProot && { key: 'proot', name: 'proot -r DIR /bin/true', command: () => ['proot', '-r', o.rootfs, '/bin/true'] },
  ].filter(Boolean);
  // The variants take turns, run by run, as the workloads' modes do (bench/run.mjs).
  const samples = new Map(variants.map((v) => [v.key, []]));
  const errors = new Map();
  for (let i = 0; i < o.runs; i++) {
    for (const v of variants) {
      if (errors.has(v.key)) continue;
      try {
        samples.get(v.key).push(v.time ? v.time() : timed(v.command()));
      } catch (err) {
        errors.set(v.key, String(err.message).split('\n')[0]);
      }
    }
  }
  return variants.map((v) =>
    errors.has(v.key) ? { key: v.key, name: v.name, error: errors.get(v.key) } : { key: v.key, name: v.name, ns: median(samples.get(v.key)) },
  );
}
