// Start-up: the wall-clock time of running /bin/true, from the command's start to its exit, as
// the caller sees it. The OCI forms (runrsc and runc on the same bundle) are the fair pair.
import { timed, median } from './util.mjs';

/**
 * Times each start-up command `runs` times and returns [{ key, name, ns }] (median), or an error.
 * @param {{ rootfs: string, cli: string, cliBuilt: boolean, hasProot: boolean, hasRunc: boolean,
 *   bundle: string, setArgs: (args: string[]) => void, runrscRoot: string, runcRoot: string,
 *   runs: number }} o
 */
export function measureStartup(o) {
  o.setArgs(['/bin/true']);
  let count = 0;
  const id = () => `rvisor-bench-start-${process.pid}-${count++}`;
  const variants = [
    { key: 'native', name: 'native (chroot)', command: () => ['chroot', o.rootfs, '/bin/true'] },
    o.cliBuilt && {
      key: 'runrsc-oci', name: 'rVisor-ts, OCI bundle (runrsc --root R run ID)',
      command: () => [process.execPath, o.cli, '--root', o.runrscRoot, 'run', '--bundle', o.bundle, id()],
    },
    o.hasRunc && {
      key: 'runc', name: 'runc, OCI bundle (runc --root R run ID)',
      command: () => ['runc', '--root', o.runcRoot, 'run', '--bundle', o.bundle, id()],
    },
    o.cliBuilt && {
      key: 'runrsc-rootfs', name: 'rVisor-ts, runrsc run --rootfs DIR -- /bin/true',
      command: () => [process.execPath, o.cli, 'run', '--rootfs', o.rootfs, '--', '/bin/true'],
    },
    o.hasProot && { key: 'proot', name: 'proot -r DIR /bin/true', command: () => ['proot', '-r', o.rootfs, '/bin/true'] },
  ].filter(Boolean);
  return variants.map((v) => {
    try {
      const samples = [];
      for (let i = 0; i < o.runs; i++) samples.push(timed(v.command()));
      return { key: v.key, name: v.name, ns: median(samples) };
    } catch (err) {
      return { key: v.key, name: v.name, error: String(err.message).split('\n')[0] };
    }
  });
}
