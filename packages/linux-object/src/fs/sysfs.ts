/**
 * sysfs: the read-only /sys of a container, the part of Linux's that programs read to size
 * themselves: the CPUs (as many as sched_getaffinity and /proc/cpuinfo report), the NUMA node, the
 * transparent huge page mode, and the loopback interface. The directories Linux has at the top
 * are all there; those with nothing a container may see are empty (no devices, no modules, no
 * cgroup hierarchy: none is mounted).
 *
 * @module
 */
import { allCpus, cpuList, cpuMask } from '../abi/cpus.js';
import { makedev } from '../abi/mode.js';
import { GeneratedDir, GeneratedFile, type GeneratedInode } from './generated-nodes.js';
import type { FileSystem, INode, StatFs } from './inode.js';

/** statfs(2)'s f_type of sysfs. */
export const SYSFS_MAGIC = 0x62656572;

/** A directory of the tree: a name to its text (a file) or to a directory. */
interface Tree {
  readonly [name: string]: string | Tree;
}

/** The tree, for a container that sees `cpus` CPUs: one package, a core each. */
function tree(cpus: number): Tree {
  const all = cpuList(allCpus(cpus));
  const cpu: Record<string, Tree> = {};
  for (let i = 0; i < cpus; i++) {
    cpu[`cpu${i}`] = {
      topology: {
        core_id: String(i), core_siblings: cpuMask(cpus), core_siblings_list: all, die_id: '0', physical_package_id: '0',
        thread_siblings: cpuMask(cpus, 1n << BigInt(i)), thread_siblings_list: String(i),
      },
    };
  }
  return {
    block: {},
    bus: {},
    class: {
      net: {
        lo: {
          address: '00:00:00:00:00:00', addr_len: '6', flags: '0x9', ifindex: '1', mtu: '65536', operstate: 'unknown',
          type: '772', carrier: '1',
        },
      },
    },
    dev: {},
    devices: {
      system: {
        cpu: { online: all, possible: all, present: all, offline: '', kernel_max: '8191', ...cpu },
        node: { online: '0', possible: '0', has_cpu: '0', has_memory: '0', node0: { cpulist: all, cpumap: cpuMask(cpus) } },
      },
    },
    firmware: {},
    fs: { cgroup: {} },
    kernel: {
      mm: {
        transparent_hugepage: {
          enabled: 'always [madvise] never',
          defrag: 'always defer defer+madvise [madvise] never',
        },
      },
    },
    module: {},
    power: {},
  };
}

/** Options of {@link SysFs}. */
export interface SysFsOptions {
  /** st_dev of its files. */
  dev?: bigint;
  /** How many CPUs it shows (Kernel.cpus), asked at each visit: a cpuset update changes it. Default 1. */
  cpus?: () => number;
}

/** A directory's entries, and by name. */
interface Children {
  readonly entries: [string, INode][];
  readonly byName: Map<string, INode>;
}

/**
 * The /sys file system: a fixed tree, built again (with new inode numbers) when the number of CPUs
 * it shows changes; every file's text ends with a newline, as Linux's.
 */
export class SysFs implements FileSystem {
  readonly type = 'sysfs';
  readonly readOnly = true;
  readonly dev: bigint;
  readonly root: GeneratedDir;
  readonly #cpus: () => number;
  #nextIno = 1n;
  /** The root's children, and the CPU count they show. */
  #top: Children & { cpus: number } | undefined;

  constructor(options: SysFsOptions = {}) {
    this.dev = options.dev ?? makedev(0, 21);
    this.#cpus = options.cpus ?? (() => 1);
    const ino = this.#nextIno++;
    const top = () => this.#topChildren(ino);
    this.root = new GeneratedDir(this, ino, ino, () => top().entries, (name) => top().byName.get(name)); // its own parent
  }

  #topChildren(rootIno: bigint): Children {
    const cpus = this.#cpus();
    if (this.#top?.cpus !== cpus) this.#top = { ...this.#children(tree(cpus), rootIno), cpus };
    return this.#top;
  }

  #children(tree: Tree, ino: bigint): Children {
    const entries: [string, INode][] = Object.entries(tree).map(([name, node]) => [name, this.#node(node, ino)]);
    return { entries, byName: new Map(entries) };
  }

  #dir(tree: Tree, parentIno: bigint): GeneratedDir {
    const ino = this.#nextIno++;
    const { entries, byName } = this.#children(tree, ino);
    return new GeneratedDir(this, ino, parentIno, () => entries, (name) => byName.get(name));
  }

  #node(node: string | Tree, parentIno: bigint): GeneratedInode {
    if (typeof node !== 'string') return this.#dir(node, parentIno);
    const text = `${node}\n`;
    return new GeneratedFile(this, this.#nextIno++, 0o444, () => text);
  }

  statfs(): StatFs {
    return {
      type: SYSFS_MAGIC, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n,
      fsid: [0, 0], namelen: 255, frsize: 4096, flags: 0,
    };
  }

  release(): void {}
}
