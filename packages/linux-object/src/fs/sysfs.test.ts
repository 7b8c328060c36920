import { describe, expect, it } from 'vitest';
import { O_RDONLY } from '../abi/fcntl.js';
import { Errno } from '../errno.js';
import { errnoOf } from './errno-of.test-helper.js';
import { FileType } from './file-type.js';
import type { INode } from './inode.js';
import { SysFs, SYSFS_MAGIC } from './sysfs.js';

function walk(from: INode, path: string): INode {
  return path.split('/').filter(Boolean).reduce((dir, name) => dir.lookup(name), from);
}

function read(inode: INode): string {
  const buf = new Uint8Array(256);
  const n = inode.open(O_RDONLY, '').read(buf) as number;
  return new TextDecoder().decode(buf.subarray(0, n));
}

describe('sysfs', () => {
  it('has Linux\'s top-level directories and the files programs size themselves by', () => {
    const sys = new SysFs();
    expect(sys.root.readdir().map((e) => e.name)).toEqual([
      '.', '..', 'block', 'bus', 'class', 'dev', 'devices', 'firmware', 'fs', 'kernel', 'module', 'power',
    ]);
    expect(read(walk(sys.root, 'devices/system/cpu/online'))).toBe('0\n');
    expect(read(walk(sys.root, 'devices/system/cpu/offline'))).toBe('\n');
    expect(read(walk(sys.root, 'devices/system/node/node0/cpulist'))).toBe('0\n');
    expect(read(walk(sys.root, 'kernel/mm/transparent_hugepage/enabled'))).toBe('always [madvise] never\n');
    expect(read(walk(sys.root, 'class/net/lo/mtu'))).toBe('65536\n');
    expect(walk(sys.root, 'devices/system/cpu').readdir().map((e) => e.name)).toContain('cpu0');
    expect(sys.statfs().type).toBe(SYSFS_MAGIC);
  });

  it('shows the CPUs it is given, as Linux writes their lists and maps', () => {
    const sys = new SysFs({ cpus: () => 2 });
    expect(read(walk(sys.root, 'devices/system/cpu/online'))).toBe('0-1\n');
    expect(read(walk(sys.root, 'devices/system/node/node0/cpumap'))).toBe('3\n');
    expect(read(walk(sys.root, 'devices/system/cpu/cpu1/topology/thread_siblings'))).toBe('2\n');
    expect(read(walk(sys.root, 'devices/system/cpu/cpu1/topology/core_siblings_list'))).toBe('0-1\n');
    expect(errnoOf(() => walk(sys.root, 'devices/system/cpu/cpu2'))).toBe(Errno.ENOENT);
  });

  it('shows a new count of CPUs at the next visit (a cpuset update)', () => {
    let cpus = 1;
    const sys = new SysFs({ cpus: () => cpus });
    expect(read(walk(sys.root, 'devices/system/cpu/online'))).toBe('0\n');
    cpus = 2;
    expect(read(walk(sys.root, 'devices/system/cpu/online'))).toBe('0-1\n');
    expect(walk(sys.root, 'devices/system/cpu').readdir().map((e) => e.name)).toContain('cpu1');
    expect(sys.root.readdir()[0].ino).toBe(sys.root.readdir()[1].ino);
  });

  it('answers ENOENT for what is not there, and keeps inode numbers apart, the root its own parent', () => {
    const sys = new SysFs();
    expect(errnoOf(() => walk(sys.root, 'devices/system/cpu/cpu1'))).toBe(Errno.ENOENT);
    expect(errnoOf(() => walk(sys.root, 'fs/cgroup/memory'))).toBe(Errno.ENOENT);
    const root = sys.root.readdir();
    expect(root[0].ino).toBe(root[1].ino);
    const inos = new Set<bigint>();
    const visit = (dir: INode): void => {
      for (const e of dir.readdir().slice(2)) {
        expect(inos.has(e.ino)).toBe(false);
        inos.add(e.ino);
        const child = dir.lookup(e.name);
        expect(child.stat().mode & 0o222).toBe(0); // read-only
        if (child.type === FileType.Directory) visit(child);
      }
    };
    visit(sys.root);
    expect(inos.size).toBeGreaterThan(30);
  });
});
