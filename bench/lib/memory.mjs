// Memory: the resident set (and CPU use) of an idle sandbox running `sleep 1000`, and what each further
// container in the same sandbox (annotation dev.rvisor.sandbox) adds; runc's per-container
// resident set beside it. Read from /proc; every container made here is deleted at the end.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runQuiet } from './util.mjs';

const SANDBOX_ANNOTATION = 'dev.rvisor.sandbox';

const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A /proc status field in KiB (VmRSS), or 0 if the process is gone. */
function statusKiB(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size in KiB (shared pages split between their users). */
function pssKiB(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** `pid` and all its descendants. */
function processTree(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${pids[i]}/task/${task}/children`, 'utf8').split(' ').filter(Boolean);
        pids.push(...children.map(Number));
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return pids;
}

/**
 * RSS and PSS of a process tree in KiB, each address space counted once: the sandbox's anchor
 * shares the kernel's memory (CLONE_VM), and summing both would count it twice.
 */
export function treeMemory(pid) {
  const seen = new Set();
  let rss = 0;
  let pss = 0;
  for (const p of processTree(pid)) {
    let maps;
    try {
      maps = readFileSync(`/proc/${p}/maps`, 'utf8');
    } catch {
      continue;
    }
    if (seen.has(maps)) continue;
    seen.add(maps);
    rss += statusKiB(p, 'VmRSS');
    pss += pssKiB(p);
  }
  return { rss, pss };
}

/** CPU time (user + system) of a process tree so far, in clock ticks. */
function treeTicks(pid) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

/** Percent of one CPU the process tree used over `ms` (clock ticks are 10 ms on Linux x86-64). */
function idleCpuPercent(pid, ms) {
  const before = treeTicks(pid);
  sleepMs(ms);
  return ((treeTicks(pid) - before) * 10 * 100) / ms;
}

/**
 * @param {{ cli: string, cliBuilt: boolean, hasRunc: boolean, bundle: string,
 *   setArgs: (args: string[], annotations?: object) => void, runrscRoot: string,
 *   runcRoot: string, extra: number, settleMs: number, idleCpuMs: number }} o
 */
export function measureMemory(o) {
  const result = { notes: [] };
  const runrsc = (...args) => [o.cli, '--root', o.runrscRoot, ...args];
  const ids = Array.from({ length: o.extra + 1 }, (_, i) => `rvisor-bench-mem-${process.pid}-${i}`);
  if (o.cliBuilt) {
    try {
      o.setArgs(['/bin/sleep', '1000']);
      runQuiet(runrsc('run', '--detach', '--bundle', o.bundle, ids[0]));
      sleepMs(o.settleMs);
      const sandboxDir = readdirSync(o.runrscRoot).find((d) => d.startsWith('sandbox-'));
      if (!sandboxDir) throw new Error('no sandbox-* directory under the runrsc root');
      const sandboxPid = Number(readFileSync(join(o.runrscRoot, sandboxDir, 'pid'), 'utf8').trim());
      const holderPid = JSON.parse(run(runrsc('state', ids[0]))).pid;
      result.idle = treeMemory(sandboxPid);
      result.idleCpu = { percent: idleCpuPercent(sandboxPid, o.idleCpuMs), ms: o.idleCpuMs };
      result.holder = treeMemory(holderPid);
      o.setArgs(['/bin/sleep', '1000'], { [SANDBOX_ANNOTATION]: ids[0] });
      for (const id of ids.slice(1)) {
        runQuiet(runrsc('create', '--bundle', o.bundle, id));
        runQuiet(runrsc('start', id));
      }
      sleepMs(o.settleMs);
      const stillOne = readdirSync(o.runrscRoot).filter((d) => d.startsWith('sandbox-')).length === 1;
      if (!stillOne) result.notes.push('the extra containers did not join the first sandbox');
      result.loaded = treeMemory(sandboxPid);
    } catch (err) {
      result.notes.push(`rVisor-ts: ${String(err.message).split('\n')[0]}`);
    } finally {
      for (const id of ids) {
        const [cmd, ...args] = runrsc('delete', '--force', id);
        spawnSync(cmd, args, { stdio: 'ignore' });
      }
    }
  }
  if (o.hasRunc) {
    const runcIds = ids.map((id) => `${id}-runc`);
    try {
      o.setArgs(['/bin/sleep', '1000']);
      for (const id of runcIds) runQuiet(['runc', '--root', o.runcRoot, 'run', '--detach', '--bundle', o.bundle, id]);
      sleepMs(o.settleMs);
      const per = runcIds.map((id) => treeMemory(JSON.parse(run(['runc', '--root', o.runcRoot, 'state', id])).pid));
      result.runc = { rss: per.reduce((a, m) => a + m.rss, 0) / per.length, pss: per.reduce((a, m) => a + m.pss, 0) / per.length };
    } catch (err) {
      result.notes.push(`runc: ${String(err.message).split('\n')[0]}`);
    } finally {
      for (const id of runcIds) spawnSync('runc', ['--root', o.runcRoot, 'delete', '--force', id], { stdio: 'ignore' });
    }
  }
  return result;
}
