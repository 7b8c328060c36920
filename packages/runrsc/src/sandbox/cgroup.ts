/**
 * Host cgroups for sandboxes: the OCI `linux.resources` of a container applied to the cgroup its
 * sandbox process (and so every guest host process) runs in. cgroup v1 keeps one directory
 * `rvisor/<name>` under each controller's hierarchy; cgroup v2 (unified, recognised by
 * `/sys/fs/cgroup/cgroup.controllers`) keeps one `rvisor/<name>` with the controllers enabled.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinuxResources } from '../api/types.js';

/** A cgroup file could not be read or written; `message` names the file and the reason. */
export class CgroupError extends Error {
  override readonly name = 'CgroupError';
}

/** What a cgroup counts, in the shape `events --stats` reports. */
export interface CgroupStats {
  /** Tasks in the cgroup; `limit` 0 means no limit. */
  pids: { current: number; limit: number };
  /** Bytes charged now, the limit, and the most ever charged. */
  memory: { usage: number; limit: number; max: number };
  /** CPU time used by the cgroup's tasks, in nanoseconds. */
  cpu: { total: number };
}

/** One sandbox's host cgroup. */
export interface Cgroup {
  /** The name under `rvisor/`. */
  readonly name: string;
  /** 1 for the per-controller hierarchies, 2 for the unified one. */
  readonly version: 1 | 2;
  /** Move a host process (all of its threads) into the cgroup. */
  addProcess(pid: number): void;
  /** Move a process added here back to the cgroups it was in before (so the cgroup can be removed while it lives on). */
  removeProcess(pid: number): void;
  /** Apply resources; fields left out keep their current values. */
  update(resources: LinuxResources): void;
  /** Read the cgroup's counters. */
  stats(): CgroupStats;
  /** Host pids in the cgroup. */
  pids(): number[];
  /** Freeze (true) or thaw (false) every task in the cgroup. */
  freeze(frozen: boolean): void;
  /** Remove the cgroup; it must hold no process any more. */
  remove(): void;
}

/** Where cgroup file systems are mounted; tests may point elsewhere. */
export interface CgroupOptions {
  mountPoint?: string;
}

const DEFAULT_MOUNT = '/sys/fs/cgroup';
/** The v1 controllers a sandbox is placed in (cpuset only when cpus are given). */
const V1_CONTROLLERS = ['memory', 'pids', 'cpu', 'cpuacct', 'freezer'] as const;
/** v1's "no memory limit", as the kernel prints it (PAGE_COUNTER_MAX pages). */
const V1_UNLIMITED = -1;

/**
 * Create (or reopen) the cgroup `rvisor/<name>` and apply `resources` to it.
 *
 * @throws CgroupError naming the file that could not be written and why.
 */
export function openCgroup(name: string, resources: LinuxResources, options: CgroupOptions = {}): Cgroup {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new CgroupError(`cgroup name ${JSON.stringify(name)}: use letters, digits, '_', '.' and '-'`);
  const mount = options.mountPoint ?? DEFAULT_MOUNT;
  const group = existsSync(join(mount, 'cgroup.controllers')) ? new CgroupV2(mount, name) : new CgroupV1(mount, name);
  group.update(resources);
  return group;
}

/** Remove the cgroup `rvisor/<name>` where it exists, creating nothing (a killed sandbox leaves it). */
export function removeCgroup(name: string, options: CgroupOptions = {}): void {
  const mount = options.mountPoint ?? DEFAULT_MOUNT;
  const dirs = existsSync(join(mount, 'cgroup.controllers'))
    ? [join(mount, 'rvisor', name)]
    : [...V1_CONTROLLERS, 'cpuset'].map((c) => join(mount, c, 'rvisor', name));
  for (const dir of dirs) if (existsSync(dir)) removeDir(dir);
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')})` : String(e.message ?? err);
}

function write(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch (err) {
    throw new CgroupError(`cannot write ${JSON.stringify(value)} to ${file}: ${describe(err)}`);
  }
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new CgroupError(`cannot read ${file}: ${describe(err)}`);
  }
}

/** A counter file: a number, or "max" (returned as `unlimited`). */
function readNumber(file: string, unlimited = 0): number {
  const text = read(file);
  return text === 'max' ? unlimited : Number(text);
}

function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new CgroupError(`cannot create cgroup ${dir}: ${describe(err)}`);
  }
}

/** rmdir, waiting briefly for tasks that are exiting to leave (the kernel answers EBUSY until then). */
function removeDir(dir: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 25) {
        const procs = existsSync(join(dir, 'cgroup.procs')) ? read(join(dir, 'cgroup.procs')).split('\n').filter(Boolean) : [];
        const why = code === 'EBUSY' && procs.length > 0 ? `it still holds processes ${procs.join(' ')}` : describe(err);
        throw new CgroupError(`cannot remove cgroup ${dir}: ${why}`);
      }
      Atomics.wait(pause, 0, 0, 20);
    }
  }
}

/** A process's cgroup in each hierarchy, from /proc/PID/cgroup: "ID:controllers:path" lines, by controllers ('' for v2's). */
function membership(pid: number): Map<string, string> {
  const lines = read(`/proc/${pid}/cgroup`).split('\n');
  return new Map(lines.map((l) => l.split(':')).filter((f) => f.length >= 3).map((f) => [f[1]!, f.slice(2).join(':')]));
}

/** Where the processes added to a cgroup came from (their cgroups then), to put them back. */
class Origins {
  readonly #byPid = new Map<number, Map<string, string>>();

  /** Note `pid`'s cgroups before it is first added. */
  remember(pid: number): void {
    if (!this.#byPid.has(pid)) this.#byPid.set(pid, membership(pid));
  }

  /** `pid`'s cgroups before it was added, forgotten now; undefined if it was not added. */
  take(pid: number): Map<string, string> | undefined {
    const origin = this.#byPid.get(pid);
    this.#byPid.delete(pid);
    return origin;
  }
}

function parsePids(text: string): number[] {
  return text.split('\n').filter(Boolean).map(Number);
}

class CgroupV1 implements Cgroup {
  readonly version = 1;
  private cpuset = false;

  constructor(
    private readonly mount: string,
    readonly name: string,
  ) {
    for (const c of V1_CONTROLLERS) makeDir(this.dir(c));
  }

  private dir(controller: string): string {
    return join(this.mount, controller, 'rvisor', this.name);
  }

  private file(controller: string, file: string): string {
    return join(this.dir(controller), file);
  }

  private controllers(): string[] {
    return this.cpuset ? [...V1_CONTROLLERS, 'cpuset'] : [...V1_CONTROLLERS];
  }

  private readonly origins = new Origins();

  addProcess(pid: number): void {
    this.origins.remember(pid);
    for (const c of this.controllers()) write(this.file(c, 'cgroup.procs'), String(pid));
  }

  removeProcess(pid: number): void {
    const origin = this.origins.take(pid);
    if (!origin) return;
    for (const c of this.controllers()) {
      const path = [...origin].find(([controllers]) => controllers.split(',').includes(c))?.[1] ?? '/';
      write(join(this.mount, c, path, 'cgroup.procs'), String(pid));
    }
  }

  update(r: LinuxResources): void {
    const mem = r.memory;
    if (mem) {
      if (mem.reservation !== undefined) write(this.file('memory', 'memory.soft_limit_in_bytes'), String(mem.reservation));
      this.setMemory(mem.limit, mem.swap);
    }
    if (r.pids?.limit !== undefined) write(this.file('pids', 'pids.max'), r.pids.limit > 0 ? String(r.pids.limit) : 'max');
    const cpu = r.cpu;
    if (cpu) {
      if (cpu.shares !== undefined) write(this.file('cpu', 'cpu.shares'), String(cpu.shares));
      if (cpu.period !== undefined) write(this.file('cpu', 'cpu.cfs_period_us'), String(cpu.period));
      if (cpu.quota !== undefined) write(this.file('cpu', 'cpu.cfs_quota_us'), String(cpu.quota > 0 ? cpu.quota : V1_UNLIMITED));
      if (cpu.cpus !== undefined) this.setCpus(cpu.cpus);
    }
  }

  /**
   * memory.limit_in_bytes may never exceed memory.memsw.limit_in_bytes, so the two are written in
   * the order that keeps that true (as runc does). OCI's swap is memory plus swap, as memsw is.
   */
  private setMemory(limit: number | undefined, swap: number | undefined): void {
    const memFile = this.file('memory', 'memory.limit_in_bytes');
    const swFile = this.file('memory', 'memory.memsw.limit_in_bytes');
    const value = (n: number) => String(n > 0 ? n : V1_UNLIMITED);
    const hasSwapAccounting = existsSync(swFile);
    if (swap === undefined || !hasSwapAccounting) {
      if (limit !== undefined) {
        // Raising the limit above the current memsw limit needs memsw raised first.
        if (hasSwapAccounting && (limit <= 0 || limit > readNumber(swFile))) write(swFile, value(limit));
        write(memFile, value(limit));
      }
      return;
    }
    const currentMemsw = readNumber(swFile);
    if (swap <= 0 || swap > currentMemsw) {
      write(swFile, value(swap));
      if (limit !== undefined) write(memFile, value(limit));
    } else {
      if (limit !== undefined) write(memFile, value(limit));
      write(swFile, value(swap));
    }
  }

  /** cpuset needs cpus and mems set at every level before a task may join. */
  private setCpus(cpus: string): void {
    const top = join(this.mount, 'cpuset');
    for (const dir of [join(top, 'rvisor'), join(top, 'rvisor', this.name)]) {
      makeDir(dir);
      const parent = join(dir, '..');
      for (const f of ['cpuset.mems', 'cpuset.cpus']) {
        if (read(join(dir, f)) === '') write(join(dir, f), read(join(parent, f)));
      }
    }
    write(this.file('cpuset', 'cpuset.cpus'), cpus);
    this.cpuset = true;
  }

  stats(): CgroupStats {
    return {
      pids: { current: readNumber(this.file('pids', 'pids.current')), limit: readNumber(this.file('pids', 'pids.max')) },
      memory: {
        usage: readNumber(this.file('memory', 'memory.usage_in_bytes')),
        limit: readNumber(this.file('memory', 'memory.limit_in_bytes')),
        max: readNumber(this.file('memory', 'memory.max_usage_in_bytes')),
      },
      cpu: { total: readNumber(this.file('cpuacct', 'cpuacct.usage')) },
    };
  }

  pids(): number[] {
    return parsePids(read(this.file('pids', 'cgroup.procs')));
  }

  freeze(frozen: boolean): void {
    write(this.file('freezer', 'freezer.state'), frozen ? 'FROZEN' : 'THAWED');
  }

  remove(): void {
    for (const c of this.controllers()) removeDir(this.dir(c));
    if (!this.cpuset && existsSync(join(this.mount, 'cpuset', 'rvisor', this.name))) removeDir(join(this.mount, 'cpuset', 'rvisor', this.name));
  }
}

/** cgroup v2: one directory; the controllers must be enabled in each ancestor's subtree_control. */
class CgroupV2 implements Cgroup {
  readonly version = 2;
  private readonly dir: string;

  constructor(
    private readonly mount: string,
    readonly name: string,
  ) {
    const parent = join(mount, 'rvisor');
    this.dir = join(parent, name);
    makeDir(this.dir);
    for (const level of [mount, parent]) this.enableControllers(level);
  }

  private enableControllers(dir: string): void {
    const available = new Set(read(join(dir, 'cgroup.controllers')).split(/\s+/));
    const wanted = ['memory', 'pids', 'cpu', 'cpuset'].filter((c) => available.has(c));
    if (wanted.length > 0) write(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  private readonly origins = new Origins();

  addProcess(pid: number): void {
    this.origins.remember(pid);
    write(this.file('cgroup.procs'), String(pid));
  }

  removeProcess(pid: number): void {
    const origin = this.origins.take(pid);
    if (!origin) return;
    write(join(this.mount, origin.get('') ?? '/', 'cgroup.procs'), String(pid));
  }

  update(r: LinuxResources): void {
    const mem = r.memory;
    if (mem) {
      if (mem.reservation !== undefined) write(this.file('memory.low'), mem.reservation > 0 ? String(mem.reservation) : '0');
      if (mem.limit !== undefined) write(this.file('memory.max'), mem.limit > 0 ? String(mem.limit) : 'max');
      // OCI's swap counts memory plus swap; v2's memory.swap.max counts swap alone.
      if (mem.swap !== undefined) {
        const swapOnly = mem.swap > 0 && mem.limit !== undefined && mem.limit > 0 ? Math.max(0, mem.swap - mem.limit) : -1;
        write(this.file('memory.swap.max'), swapOnly >= 0 ? String(swapOnly) : 'max');
      }
    }
    if (r.pids?.limit !== undefined) write(this.file('pids.max'), r.pids.limit > 0 ? String(r.pids.limit) : 'max');
    const cpu = r.cpu;
    if (cpu) {
      if (cpu.shares !== undefined) write(this.file('cpu.weight'), String(sharesToWeight(cpu.shares)));
      if (cpu.quota !== undefined || cpu.period !== undefined) {
        const [curQuota, curPeriod] = read(this.file('cpu.max')).split(/\s+/);
        const quota = cpu.quota === undefined ? curQuota : cpu.quota > 0 ? String(cpu.quota) : 'max';
        const period = cpu.period === undefined ? curPeriod : String(cpu.period);
        write(this.file('cpu.max'), `${quota} ${period}`);
      }
      if (cpu.cpus !== undefined) write(this.file('cpuset.cpus'), cpu.cpus);
    }
  }

  stats(): CgroupStats {
    const cpuStat = read(this.file('cpu.stat'));
    const usec = Number(/^usage_usec (\d+)$/m.exec(cpuStat)?.[1] ?? 0);
    const peak = this.file('memory.peak');
    const usage = readNumber(this.file('memory.current'));
    return {
      pids: { current: readNumber(this.file('pids.current')), limit: readNumber(this.file('pids.max')) },
      memory: { usage, limit: readNumber(this.file('memory.max')), max: existsSync(peak) ? readNumber(peak) : usage },
      cpu: { total: usec * 1000 },
    };
  }

  pids(): number[] {
    return parsePids(read(this.file('cgroup.procs')));
  }

  freeze(frozen: boolean): void {
    write(this.file('cgroup.freeze'), frozen ? '1' : '0');
  }

  remove(): void {
    removeDir(this.dir);
  }
}

/** runc's conversion of cgroup v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000). */
function sharesToWeight(shares: number): number {
  if (shares === 0) return 100;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}
