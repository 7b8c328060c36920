/**
 * Running an OCI bundle in the foreground (`runrsc run --bundle DIR ID`, as runc run without
 * --detach): config.json becomes the options of {@link runContainer}.
 *
 * @module
 */
import { BundleError, loadBundle, type OciSpec } from '../oci/config.js';
import { runContainer, type RunContainerOptions, type RunResult, type Volume } from './run.js';

/** Options of {@link runBundle} beyond what the bundle says. */
export type RunBundleOptions = Pick<RunContainerOptions, 'strace' | 'log' | 'memoryLimit' | 'stdio'> & {
  /** Told about every field the runtime accepts but does not honour. */
  warn?: (message: string) => void;
};

/** The mounts of a spec as the kernel can provide them; what it cannot is refused or warned about. */
function mountsOf(spec: OciSpec, file: string, warn: (m: string) => void): { tmpfs: string[]; volumes: Volume[] } {
  const tmpfs: string[] = [];
  const volumes: Volume[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    const options = m.options ?? [];
    const type = options.includes('bind') || options.includes('rbind') ? 'bind' : m.type ?? '';
    switch (type) {
      case 'proc':
        if (m.destination !== '/proc') throw new BundleError(`${file}: mounts[${i}]: proc is provided at /proc only`);
        return; // every container has /proc
      case 'tmpfs':
        // /dev is the kernel's devfs and /dev/shm a tmpfs in every container.
        if (m.destination !== '/dev' && m.destination !== '/dev/shm') tmpfs.push(m.destination);
        return;
      case 'devpts':
        return; // the kernel's /dev/pts
      case 'bind':
        if (!m.source) throw new BundleError(`${file}: mounts[${i}].source: a bind mount needs a source`);
        volumes.push({ source: m.source, target: m.destination, readOnly: options.includes('ro') });
        return;
      case 'mqueue':
      case 'sysfs':
      case 'cgroup':
        warn(`${file}: mounts[${i}]: ${type} at ${m.destination} is not provided yet; skipped`);
        return;
      default:
        throw new BundleError(`${file}: mounts[${i}].type: "${m.type}" is not supported (proc, tmpfs, devpts, bind)`);
    }
  });
  return { tmpfs, volumes };
}

/** Run the bundle in `dir` in a new sandbox, in the foreground, and wait for its process. */
export async function runBundle(dir: string, options: RunBundleOptions = {}): Promise<RunResult> {
  const bundle = loadBundle(dir);
  const { spec } = bundle;
  const file = `${bundle.dir}/config.json`;
  const warn = options.warn ?? (() => {});
  const { tmpfs, volumes } = mountsOf(spec, file, warn);
  const nofile = spec.process.rlimits?.find((r) => r.type === 'RLIMIT_NOFILE');
  for (const r of spec.process.rlimits ?? []) {
    if (r.type !== 'RLIMIT_NOFILE') warn(`${file}: process.rlimits: ${r.type} is not applied yet`);
  }
  return runContainer({
    rootfs: bundle.rootfs,
    readOnlyRoot: spec.root.readonly === true,
    args: spec.process.args,
    env: spec.process.env ?? [],
    cwd: spec.process.cwd,
    hostname: spec.hostname,
    user: { uid: spec.process.user.uid, gid: spec.process.user.gid, groups: [spec.process.user.gid, ...(spec.process.user.additionalGids ?? [])] },
    nofile: nofile && { soft: nofile.soft, hard: nofile.hard },
    tmpfs,
    volumes,
    memoryLimit: options.memoryLimit,
    strace: options.strace,
    log: options.log,
    stdio: options.stdio,
  });
}
