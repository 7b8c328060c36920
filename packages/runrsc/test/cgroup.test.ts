// The sandbox's host cgroup: created with resources, a process put in, counters read, limits
// changed, and removed once empty. Needs root and a writable cgroup file system.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupError, openCgroup, type Cgroup } from '../src/sandbox/cgroup.js';

const MOUNT = '/sys/fs/cgroup';
const V2 = existsSync(join(MOUNT, 'cgroup.controllers'));

function writable(): boolean {
  try {
    accessSync(V2 ? MOUNT : join(MOUNT, 'pids'), constants.W_OK);
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

/** A file of the cgroup, whichever version the host has. */
function file(name: string, controller: string, f: string): string {
  return V2 ? join(MOUNT, 'rvisor', name, f) : join(MOUNT, controller, 'rvisor', name, f);
}

let group: Cgroup | undefined;
let child: ChildProcess | undefined;

function exited(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));
}

afterEach(async () => {
  if (child) {
    child.kill('SIGKILL');
    await exited(child);
    child = undefined;
  }
  group?.remove();
  group = undefined;
});

describe.skipIf(!writable())('host cgroups', () => {
  const name = `test-${process.pid}`;

  it('applies resources, holds a process, counts it, updates and removes', async () => {
    group = openCgroup(name, { memory: { limit: 256 * 1024 * 1024 }, pids: { limit: 32 }, cpu: { shares: 512, quota: 50_000, period: 100_000 } });
    expect(group.version).toBe(V2 ? 2 : 1);
    if (V2) {
      expect(readFileSync(file(name, 'memory', 'memory.max'), 'utf8').trim()).toBe(String(256 * 1024 * 1024));
      expect(readFileSync(file(name, 'cpu', 'cpu.max'), 'utf8').trim()).toBe('50000 100000');
    } else {
      expect(readFileSync(file(name, 'memory', 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(256 * 1024 * 1024));
      expect(readFileSync(file(name, 'cpu', 'cpu.shares'), 'utf8').trim()).toBe('512');
      expect(readFileSync(file(name, 'cpu', 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('50000');
    }

    child = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((resolve) => child!.once('spawn', resolve));
    group.addProcess(child.pid!);
    expect(group.pids()).toEqual([child.pid]);

    const stats = group.stats();
    expect(stats.pids).toEqual({ current: 1, limit: 32 });
    expect(stats.memory.limit).toBe(256 * 1024 * 1024);
    // Memory charged before the move stays where it was (v1 moves no charge by default).
    expect(stats.memory.usage).toBeGreaterThanOrEqual(0);
    expect(stats.cpu.total).toBeGreaterThanOrEqual(0);

    group.update({ pids: { limit: 8 }, memory: { limit: 128 * 1024 * 1024 } });
    expect(group.stats().pids.limit).toBe(8);
    expect(group.stats().memory.limit).toBe(128 * 1024 * 1024);
    group.update({ pids: { limit: 0 } });
    expect(group.stats().pids.limit).toBe(0);

    expect(() => group!.remove()).toThrow(/still holds processes/);
    child.kill('SIGKILL');
    await exited(child);
    child = undefined;
    group.remove();
    group = undefined;
    expect(existsSync(file(name, 'pids', ''))).toBe(false);
  });

  it('freezes and thaws its tasks', async () => {
    group = openCgroup(name, {});
    child = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((resolve) => child!.once('spawn', resolve));
    group.addProcess(child.pid!);
    group.freeze(true);
    group.freeze(false);
    expect(group.pids()).toEqual([child.pid]);
  });

  it('returns a process to the cgroups it came from, so the cgroup can go while it lives', async () => {
    group = openCgroup(name, { pids: { limit: 32 } });
    child = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((resolve) => child!.once('spawn', resolve));
    const before = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
    group.addProcess(child.pid!);
    expect(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8')).not.toBe(before);
    group.removeProcess(child.pid!);
    expect(group.pids()).toEqual([]);
    expect(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8')).toBe(before);
    group.remove();
    group = undefined;
  });

  it('says which file it could not write and why', () => {
    group = openCgroup(name, {});
    expect(() => group!.update({ cpu: { shares: -5 } })).toThrow(CgroupError);
    expect(() => group!.update({ cpu: { shares: -5 } })).toThrow(/cannot write "-5" to .*cpu\.(shares|weight): EINVAL/);
  });

  it('refuses names that would leave rvisor/', () => {
    expect(() => openCgroup('../escape', {})).toThrow(/cgroup name/);
  });
});
