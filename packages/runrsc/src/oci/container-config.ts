/**
 * What a checked OCI bundle asks of the kernel: the mounts, process, limits and paths of
 * config.json as the sandbox builds a container from them. Fields the kernel cannot honour are
 * refused (BundleError) or warned about.
 *
 * @module
 */
import { CAP_NAMES, capSet, capUnion, type CapabilitySets } from '@rvisor/linux-object';
import { RLIMIT_NAMES } from '@rvisor/linux-object/abi';
import type { FileAccess, ProcessSpec, Volume } from '../sandbox/container.js';
import type { ContainerConfig } from '../sandbox/protocol.js';
import { BundleError, type Bundle, type OciSpec } from './config.js';

/** The mounts of a spec as the kernel can provide them; what it cannot is refused or warned about. */
function mountsOf(spec: OciSpec, file: string, warn: (m: string) => void): { tmpfs: string[]; mqueue: string[]; volumes: Volume[] } {
  const tmpfs: string[] = [];
  const mqueue: string[] = [];
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
        volumes.push({ source: m.source, target: m.destination, readOnly: options.includes('ro'), nosuid: options.includes('nosuid') });
        return;
      case 'sysfs':
        if (m.destination !== '/sys') throw new BundleError(`${file}: mounts[${i}]: sysfs is provided at /sys only`);
        return; // every container has /sys
      case 'mqueue':
        mqueue.push(m.destination);
        return;
      case 'cgroup':
        warn(`${file}: mounts[${i}]: ${type} at ${m.destination} is not provided yet; skipped`);
        return;
      default:
        throw new BundleError(`${file}: mounts[${i}].type: "${m.type}" is not supported (proc, sysfs, tmpfs, devpts, mqueue, bind)`);
    }
  });
  return { tmpfs, mqueue, volumes };
}

/** OCI's capability lists as sets; a name this kernel does not know is warned about and left out, as runc does. */
function capabilitySets(caps: Record<string, string[]> | undefined, where: string, warn: (m: string) => void): CapabilitySets | undefined {
  if (caps === undefined) return undefined;
  const set = (kind: string): number => {
    let out = 0;
    for (const name of caps[kind] ?? []) {
      const cap = CAP_NAMES.indexOf(name);
      if (cap < 0) warn(`${where}.capabilities.${kind}: unknown capability "${name}"; ignored`);
      else out = capUnion(out, capSet(cap));
    }
    return out;
  };
  return {
    capBounding: set('bounding'), capEffective: set('effective'), capPermitted: set('permitted'),
    capInheritable: set('inheritable'), capAmbient: set('ambient'),
  };
}

/** The process of a spec as the kernel starts it. */
export function processSpec(proc: OciSpec['process'], warn: (m: string) => void = () => {}, where = 'process'): ProcessSpec {
  return {
    capabilities: capabilitySets(proc.capabilities, where, warn),
    noNewPrivileges: proc.noNewPrivileges === true,
    args: proc.args,
    env: proc.env ?? [],
    cwd: proc.cwd,
    user: { uid: proc.user.uid, gid: proc.user.gid, groups: [proc.user.gid, ...(proc.user.additionalGids ?? [])] },
    rlimits: (proc.rlimits ?? []).map((r) => ({ resource: (RLIMIT_NAMES as readonly string[]).indexOf(r.type), soft: r.soft, hard: r.hard })),
  };
}

/** What the sandbox builds a container from, given a checked bundle; unsupported fields are warned about. */
export function containerConfig(bundle: Bundle, warn: (message: string) => void): ContainerConfig {
  const { spec } = bundle;
  const file = `${bundle.dir}/config.json`;
  const { tmpfs, mqueue, volumes } = mountsOf(spec, file, warn);
  const namespaces = spec.linux?.namespaces;
  if (namespaces) {
    const types = new Set(namespaces.map((n) => n.type));
    // Every container has its own pid, mount, uts and ipc namespace and no network at all.
    for (const type of ['pid', 'mount', 'uts', 'ipc', 'network']) {
      if (!types.has(type)) warn(`${file}: linux.namespaces: the host's ${type} namespace cannot be shared; the container has its own`);
    }
    namespaces.forEach((n, i) => {
      if (n.path) warn(`${file}: linux.namespaces[${i}]: joining ${n.path} is not supported; the container has its own ${n.type} namespace`);
    });
  }
  const resources = spec.linux?.resources;
  const memory = resources?.memory?.limit;
  const pids = resources?.pids?.limit;
  return {
    rootfs: bundle.rootfs,
    readOnlyRoot: spec.root.readonly === true,
    fileAccess: fileAccessOf(spec, file),
    hostname: spec.hostname,
    tmpfs,
    mqueue,
    volumes,
    memoryLimit: memory !== undefined && memory > 0 ? memory : undefined,
    pidsLimit: pids !== undefined && pids > 0 ? pids : undefined,
    cpus: cpusetSize(resources?.cpu?.cpus),
    process: processSpec(spec.process, warn, `${file}: process`),
    resources,
    maskedPaths: spec.linux?.maskedPaths,
    readonlyPaths: spec.linux?.readonlyPaths,
  };
}

/**
 * How many CPUs a cpuset list names ("0-3,6" is 5), as a runc container with it sees; undefined
 * for none or a list that is not one (the host cgroup refuses it when the sandbox joins).
 */
export function cpusetSize(list: string | undefined): number | undefined {
  if (list === undefined || list.trim() === '') return undefined;
  let n = 0;
  for (const range of list.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(range);
    if (!m) return undefined;
    const [from, to] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (to < from) return undefined;
    n += to - from + 1;
  }
  return n;
}

/** The annotation that sets a container's {@link FileAccess} (runsc's --file-access). */
export const FILE_ACCESS_ANNOTATION = 'dev.rvisor.file-access';

function fileAccessOf(spec: OciSpec, file: string): FileAccess | undefined {
  const value = spec.annotations?.[FILE_ACCESS_ANNOTATION];
  if (value === undefined) return undefined;
  if (value !== 'exclusive' && value !== 'shared') {
    throw new BundleError(`${file}: annotations["${FILE_ACCESS_ANNOTATION}"]: must be "exclusive" or "shared", not ${JSON.stringify(value)}`);
  }
  return value;
}
