/**
 * procfs: the /proc of a container, generated from the kernel's state when read. Only the
 * container's own processes appear, under their virtual pids.
 *
 * @module
 */
import { bytesToString, type MappingInfo } from '@rvisor/zircon-object';
import { allCpus, cpuList, cpuMask } from '../abi/cpus.js';
import { isPrivateAnonymous } from '../abi/mman.js';
import { devMajor, devMinor, makedev } from '../abi/mode.js';
import { RLIMIT_NAMES } from '../abi/process.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { hostCounts, hostCpuTime, hostResidentPages, TICK_MICROS } from '../process/host-usage.js';
import type { Kernel } from '../process/kernel.js';
import { cpuAffinity, processLimit, RLIM_INFINITY, type IoCounts, type LinuxProcess, type LinuxThread } from '../process/process.js';
import { KERNEL_RELEASE } from '../process/kernel.js';
import { AF_INET, AF_INET6 } from '../net/inet-address.js';
import { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE } from '../net/loopback.js';
import { InetSocket } from '../net/inet-socket.js';
import { procNetDev, procNetSockets, procNetUnix } from '../net/proc-net.js';
import { SIG_DFL, SIG_IGN } from '../process/signals.js';
import {
  GeneratedDir, GeneratedFile, GeneratedInode, GeneratedSymlink, SysctlFile, type Children, type Generate, type GeneratedFs,
} from './generated-nodes.js';
import type { FdTable } from './fd-table.js';
import type { FileSystem, INode, StatFs } from './inode.js';
import { DELETED, MappedNames, stillNamed } from './mapped-names.js';
import type { OpenFile } from './open-file.js';
import { ProcessMemoryFile } from './proc-mem.js';
import type { Mount, PathRef } from './path-ref.js';
import { randomUuid, sysctls, type Sysctl } from './sysctl.js';
import { UnixSocket } from './unix-socket.js';
import { liveUnixSockets } from './unix-socket-table.js';

/** statfs(2)'s f_type of procfs. */
export const PROC_SUPER_MAGIC = 0x9fa0;

/** Limits a process has until it sets its own (Linux's defaults for a root login). */

/** Options of {@link ProcFs}. */
export interface ProcFsOptions {
  /**
   * The process making the current syscall (what /proc/self names). Default: the process of
   * the kernel's calling thread (`Kernel.callingThread`).
   */
  current?: () => LinuxProcess | undefined;
  /** The kernel release uname reports (for /proc/version and /proc/sys/kernel/osrelease). */
  release?: string;
  /** st_dev of its files. */
  dev?: bigint;
}

/**
 * Mappings as Linux lists them: neighbouring private anonymous ones (the heap, `[stack]`,
 * unnamed) with the same permissions and seal are one VMA there, though the kernel may back them with
 * several VMOs (a heap that could not grow in place). Shared ones are files of their own there.
 */
function mergedAnonymous(mappings: readonly MappingInfo[]): MappingInfo[] {
  const out: MappingInfo[] = [];
  for (const m of mappings) {
    const prev = out[out.length - 1];
    if (prev !== undefined && isPrivateAnonymous(m) && !prev.shared && prev.end === m.start && prev.name === m.name
        && prev.prot === m.prot && prev.sealed === m.sealed) {
      out[out.length - 1] = { ...prev, end: m.end };
    } else {
      out.push(m);
    }
  }
  return out;
}

/** "R (running)"-style process state, as the status file spells it. */
function processState(proc: LinuxProcess, caller: LinuxProcess | undefined): [string, string] {
  if (proc.dead) return ['Z', 'zombie'];
  if (proc.stopped) return ['T', 'stopped'];
  if (proc === caller || [...proc.threads.values()].some((t) => t.running)) return ['R', 'running'];
  return ['S', 'sleeping'];
}

/** The command name: its main thread's (see {@link threadComm}). */
function commOf(proc: LinuxProcess): string {
  const main = proc.threads.get(proc.pid) ?? [...proc.threads.values()][0];
  return main === undefined ? exeName(proc) : threadComm(main);
}

/** A thread's name: the one prctl set, else the executable's basename, 15 bytes. */
function threadComm(thread: LinuxThread): string {
  return (thread.zx.name || exeName(thread.process)).slice(0, 15);
}

function exeName(proc: LinuxProcess): string {
  return proc.exe.slice(proc.exe.lastIndexOf('/') + 1).slice(0, 15);
}

/**
 * Linux's statm, in pages: size, resident, shared, text, lib, data, dt. `text` is the program's
 * executable mappings, `data` its private writable memory, stack included, as Linux counts them.
 * `shared` (the resident pages that are a file's) is 0: the host sees all guest memory as one
 * shared memfd, so which resident pages are a file's is not known.
 */
function pidStatm(proc: LinuxProcess): string {
  let size = 0;
  let text = 0;
  let data = 0;
  for (const m of proc.vmar.mappings()) {
    const len = m.end - m.start;
    size += len;
    if ((m.prot & 4) !== 0 && m.name === proc.exe) text += len;
    else if ((m.prot & 2) !== 0 && !m.shared) data += len;
  }
  const resident = proc.dead ? 0 : hostResidentPages(proc.hostPid);
  return `${size / 4096} ${resident} 0 ${text / 4096} 0 ${data / 4096} 0\n`;
}

/** The component of `path` that starts at `from` ('/12/task/13/stat', 1 → '12'). */
function firstComponent(path: string, from: number): string {
  const slash = path.indexOf('/', from);
  return slash < 0 ? path.slice(from) : path.slice(from, slash);
}

/** A path as the mount tables print it: space, tab, newline and backslash as octal escapes. */
function mangled(path: string): string {
  return path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

function hex(n: bigint | number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function sigsetHex(set: bigint): string {
  return hex(set, 16);
}

/** The signals a process ignores and those it catches with a handler. */
function dispositions(proc: LinuxProcess): { ignored: bigint; caught: bigint } {
  let ignored = 0n;
  let caught = 0n;
  for (const [sig, act] of proc.sigactions) {
    const bit = 1n << BigInt(sig - 1);
    if (act.handler === SIG_IGN) ignored |= bit;
    else if (act.handler !== SIG_DFL) caught |= bit;
  }
  return { ignored, caught };
}

/** The limit of `resource` for `proc`: its own, else the default. */

/** /proc/<pid>/limits rows: title and unit as Linux prints them, by resource number. */
const LIMIT_ROWS: readonly [string, string][] = [
  ['Max cpu time', 'seconds'], ['Max file size', 'bytes'], ['Max data size', 'bytes'],
  ['Max stack size', 'bytes'], ['Max core file size', 'bytes'], ['Max resident set', 'bytes'],
  ['Max processes', 'processes'], ['Max open files', 'files'], ['Max locked memory', 'bytes'],
  ['Max address space', 'bytes'], ['Max file locks', 'locks'], ['Max pending signals', 'signals'],
  ['Max msgqueue size', 'bytes'], ['Max nice priority', ''], ['Max realtime priority', ''],
  ['Max realtime timeout', 'us'],
];

/** A mount's options as /proc/mounts and mountinfo show them. */
function mountOptions(m: Mount): string {
  return `${m.fs.readOnly ? 'ro' : 'rw'}${m.nosuid ? ',nosuid' : ''},relatime`;
}

/**
 * The /proc file system. Directories and files are generated from the kernel each time they are
 * looked up or opened; only the container's processes appear, under their virtual pids. Symlinks
 * (`exe`, `cwd`, `root`, `fd/N`) hold container paths, so following them never leaves the
 * container root.
 */
/**
 * A process's directory, /proc/<pid>: an open one names its process, as a pidfd does, to
 * pidfd_send_signal (Linux's tgid_pidfd_to_pid).
 */
export class ProcessDir extends GeneratedDir {
  constructor(
    fs: GeneratedFs, ino: bigint, parentIno: bigint, children: Children, find: (name: string) => INode | undefined,
    readonly pid: number,
  ) {
    super(fs, ino, parentIno, children, find);
  }
}

export class ProcFs implements FileSystem {
  readonly type = 'proc';
  /**
   * Mounted read-write, as runc mounts a container's /proc: what it cannot do answers as Linux's
   * procfs, EPERM (unlink, rmdir, rename, chmod of its files), not EROFS.
   */
  readonly readOnly = false;
  /** Its lookups of a name it lacks fail: creating one answers ENOENT, as Linux's. */
  readonly noNewNames = true;
  readonly dev: bigint;
  readonly root: GeneratedDir;
  readonly #kernel: Kernel;
  readonly #current: () => LinuxProcess | undefined;
  readonly #release: string;
  /** /proc/sys's settings; the boot id is this kernel's, made once. */
  readonly #sysctls: Sysctl[];
  readonly #bootMs = Date.now();
  readonly #inos = new Map<string, bigint>();
  #nextIno = 1n;
  readonly #nodes = new Map<string, GeneratedInode>();
  /** Pids whose /proc/<pid> nodes exist; those of reaped processes go when the next pid's are made. */
  readonly #pidsWithNodes = new Set<number>();

  constructor(kernel: Kernel, options: ProcFsOptions = {}) {
    this.#kernel = kernel;
    this.#current = options.current
      ?? (() => kernel.callingThread()?.process);
    this.#release = options.release ?? KERNEL_RELEASE;
    this.#sysctls = sysctls(kernel, this.#release, randomUuid());
    this.dev = options.dev ?? makedev(0, 22);
    this.root = new GeneratedDir(this, this.#ino(''), this.#ino(''), () => this.#rootEntries(), (name) => this.#rootEntry(name));
  }

  statfs(): StatFs {
    return {
      type: PROC_SUPER_MAGIC, bsize: 4096, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n,
      fsid: [0, 0], namelen: 255, frsize: 4096, flags: 0,
    };
  }

  release(): void {
    this.#nodes.clear();
  }

  /** A stable inode number per /proc path. */
  #ino(path: string): bigint {
    let ino = this.#inos.get(path);
    if (ino === undefined) {
      ino = this.#nextIno++;
      this.#inos.set(path, ino);
    }
    return ino;
  }

  #node<T extends GeneratedInode>(path: string, make: (ino: bigint) => T): T {
    let node = this.#nodes.get(path);
    if (node === undefined) {
      node = make(this.#ino(path));
      this.#nodes.set(path, node);
    }
    return node as T;
  }

  #file(path: string, generate: Generate, mode = 0o444): GeneratedFile {
    return this.#node(path, (ino) => new GeneratedFile(this, ino, mode, generate));
  }

  #link(path: string, target: () => string, magicFile?: () => OpenFile, magic = false): GeneratedSymlink {
    return this.#node(path, (ino) => new GeneratedSymlink(this, ino, target, magicFile, magic));
  }

  /** A magic link followed by its text here (exe, cwd, root): Linux's lead to the object itself. */
  #magicLink(path: string, target: () => string): GeneratedSymlink {
    return this.#link(path, target, undefined, true);
  }

  #dir(path: string, parent: string, children: Children, find?: (name: string) => INode | undefined): GeneratedDir {
    return this.#node(path, (ino) => new GeneratedDir(this, ino, this.#ino(parent), children, find));
  }

  #rootEntries(): [string, INode][] {
    const entries: [string, INode][] = [];
    for (const pid of [...this.#kernel.processes.keys()].sort((a, b) => a - b)) {
      entries.push([String(pid), this.#pidDir(pid)]);
    }
    entries.push(...this.#fixed());
    return entries;
  }

  #fixedByName: Map<string, INode> | undefined;

  /** The entries of /proc that are not processes, by name: the same nodes for the sandbox's life. */
  #fixed(): Map<string, INode> {
    return (this.#fixedByName ??= new Map(this.#fixedRootEntries()));
  }

  /** One entry of /proc: a pid's directory is made without listing every process. */
  #rootEntry(name: string): INode | undefined {
    if (/^[1-9][0-9]*$/.test(name)) {
      const id = Number(name);
      if (this.#kernel.processes.has(id)) return this.#pidDir(id);
      // Any thread's tid names it too, unlisted, as Linux's /proc/<tid> (here: its task directory).
      const owner = this.#kernel.processOfThread(id);
      return owner === undefined ? undefined : this.#threadDir(owner.pid, id);
    }
    return this.#fixed().get(name);
  }


  /** The entries of /proc that are not processes. */
  #fixedRootEntries(): [string, INode][] {
    const k = this.#kernel;
    return [
      ['self', this.#link('/self', () => {
        const proc = this.#current();
        if (proc === undefined) throw new KernelError(Errno.ENOENT);
        return String(proc.pid);
      })],
      ['thread-self', this.#link('/thread-self', () => {
        const proc = this.#current();
        const thread = this.#kernel.callingThread();
        if (proc === undefined) throw new KernelError(Errno.ENOENT);
        // The calling thread when it is one of this process's, else its main thread.
        return `${proc.pid}/task/${thread?.process === proc ? thread.tid : proc.pid}`;
      })],
      ['mounts', this.#link('/mounts', () => 'self/mounts')],
      ['meminfo', this.#file('/meminfo', () => this.#meminfo())],
      ['cpuinfo', this.#file('/cpuinfo', () => cpuinfo(k.cpus))],
      ['vmstat', this.#file('/vmstat', () => this.#vmstat())],
      ['uptime', this.#file('/uptime', () => {
        const up = (Date.now() - this.#bootMs) / 1000;
        return `${up.toFixed(2)} ${(this.#cpuTicks().idle / 100).toFixed(2)}\n`;
      })],
      ['loadavg', this.#file('/loadavg', () => {
        const running = [...k.processes.values()].filter((p) => !p.dead).length;
        const last = Math.max(0, ...k.processes.keys());
        return `0.00 0.00 0.00 1/${running} ${last}\n`;
      })],
      ['stat', this.#file('/stat', () => this.#stat())],
      ['version', this.#file('/version', () =>
        `Linux version ${this.#release} (rvisor@rvisor) (gcc) #1 SMP PREEMPT_DYNAMIC rVisor-ts\n`)],
      ['filesystems', this.#file('/filesystems', () =>
        'nodev\tsysfs\nnodev\tproc\nnodev\ttmpfs\nnodev\tdevtmpfs\n')],
      ['sys', this.#sysDir('')],
      ['net', this.#netDir()],
    ];
  }

  /** /proc/net: one network per container, so every process's view is the same (Linux links it to self/net). */
  #netDir(): GeneratedDir {
    const net = this.#kernel.loopback;
    return this.#dir('/net', '', () => [
      ['dev', this.#file('/net/dev', procNetDev)],
      ['tcp', this.#file('/net/tcp', () => procNetSockets(net, IPPROTO_TCP, AF_INET))],
      ['tcp6', this.#file('/net/tcp6', () => procNetSockets(net, IPPROTO_TCP, AF_INET6))],
      ['udp', this.#file('/net/udp', () => procNetSockets(net, IPPROTO_UDP, AF_INET))],
      ['udp6', this.#file('/net/udp6', () => procNetSockets(net, IPPROTO_UDP, AF_INET6))],
      ['udplite', this.#file('/net/udplite', () => procNetSockets(net, IPPROTO_UDPLITE, AF_INET))],
      ['udplite6', this.#file('/net/udplite6', () => procNetSockets(net, IPPROTO_UDPLITE, AF_INET6))],
      ['unix', this.#file('/net/unix', () => procNetUnix(liveUnixSockets(this.#fdTables())))],
    ]);
  }

  /** The fd tables of the container's processes (where its sockets are held). */
  *#fdTables(): IterableIterator<FdTable> {
    for (const proc of this.#kernel.processes.values()) yield proc.fds;
  }

  /**
   * The directory `dir` of /proc/sys ('' for /proc/sys itself): the settings of sysctl.ts whose
   * paths lie in it, and its subdirectories.
   */
  #sysDir(dir: string): GeneratedDir {
    const prefix = dir === '' ? '' : `${dir}/`;
    const path = (name: string) => `/sys/${prefix}${name}`;
    const parent = dir === '' ? '' : dir.includes('/') ? `/sys/${dir.slice(0, dir.lastIndexOf('/'))}` : '/sys';
    return this.#dir(dir === '' ? '/sys' : `/sys/${dir}`, parent, () => {
      const entries = new Map<string, INode>();
      for (const [setting, value, mode = 0o444] of this.#sysctls) {
        if (!setting.startsWith(prefix)) continue;
        const rest = setting.slice(prefix.length);
        const slash = rest.indexOf('/');
        const name = slash < 0 ? rest : rest.slice(0, slash);
        if (entries.has(name)) continue;
        entries.set(name, slash < 0
          ? this.#node(path(name), (ino) => new SysctlFile(this, ino, mode, value))
          : this.#sysDir(prefix + name));
      }
      return [...entries];
    });
  }


  /** The process `pid`; ENOENT once it is gone (an open /proc/<pid> directory outlives it). */
  #process(pid: number): LinuxProcess {
    const proc = this.#kernel.processes.get(pid);
    if (proc === undefined) throw new KernelError(Errno.ENOENT);
    return proc;
  }

  #pidDir(pid: number): ProcessDir {
    const base = `/${pid}`;
    const made = this.#nodes.get(base);
    if (made !== undefined) return made as ProcessDir; // looked up before: no entry list to build
    if (!this.#pidsWithNodes.has(pid)) {
      this.#dropReaped();
      this.#pidsWithNodes.add(pid);
    }
    const proc = (): LinuxProcess => this.#process(pid);
    // Made on demand: a lookup (readlink of /proc/self/exe at every static program's start) makes one node.
    const entries: [string, () => INode][] = [
      ['stat', () => this.#file(`${base}/stat`, () => this.#pidStat(proc()))],
      ['status', () => this.#file(`${base}/status`, () => this.#pidStatus(proc()))],
      ['statm', () => this.#file(`${base}/statm`, () => pidStatm(proc()))],
      ['comm', () => this.#file(`${base}/comm`, () => `${commOf(proc())}\n`)],
      ['cmdline', () => this.#file(`${base}/cmdline`, () => nulTerminated(proc().argv))],
      ['environ', () => this.#file(`${base}/environ`, () => nulTerminated(proc().envp), 0o400)],
      ['auxv', () => this.#file(`${base}/auxv`, () => bytesToString(proc().auxv), 0o400)],
      ['mem', () => this.#node(`${base}/mem`, (ino) => new ProcessMemoryFile(this, ino, proc, this.#current))],
      ['io', () => this.#file(`${base}/io`, () => ioText(proc().ioCounts()), 0o400)],
      ['exe', () => this.#magicLink(`${base}/exe`, () => {
        const exe = proc().exe;
        if (exe === '') throw new KernelError(Errno.ENOENT);
        return exe;
      })],
      ['cwd', () => this.#magicLink(`${base}/cwd`, () => this.#pathOf(proc().fs.cwd))],
      ['root', () => this.#magicLink(`${base}/root`, () => proc().fs.root.path)],
      ['fd', () => this.#fdDir(pid)],
      ['task', () => this.#taskDir(pid)],
      ['maps', () => this.#file(`${base}/maps`, () => this.#maps(proc()))],
      ['mounts', () => this.#file(`${base}/mounts`, () => this.#mounts())],
      ['mountinfo', () => this.#file(`${base}/mountinfo`, () => this.#mountinfo())],
      ['limits', () => this.#file(`${base}/limits`, () => limits(proc()))],
    ];
    const children: Children = () => {
      proc();
      return entries.map(([name, make]) => [name, make()]);
    };
    const find = (name: string): INode | undefined => {
      proc();
      return entries.find(([n]) => n === name)?.[1]();
    };
    return this.#node(base, (ino) => new ProcessDir(this, ino, this.#ino(''), children, find, pid));
  }

  /**
   * Forget the nodes of reaped processes: pids are not reused, so their paths never come back
   * (a directory still open answers ENOENT, its process being gone). Done at each new pid's
   * directory rather than in batches: kept for dozens of processes, a pid's nodes outlived V8's
   * young-generation collections and were promoted, a quarter of what an execve loop promoted
   * (docs/benchmarks.md, "Garbage collection").
   */
  #dropReaped(): void {
    let gone: Set<string> | undefined;
    for (const pid of this.#pidsWithNodes) {
      if (this.#kernel.processes.has(pid)) continue;
      this.#pidsWithNodes.delete(pid);
      (gone ??= new Set()).add(String(pid));
    }
    if (gone === undefined) return;
    this.#forget((path) => gone.has(firstComponent(path, 1)));
  }

  /** Forget the nodes and inode numbers of the paths `gone` picks. */
  #forget(gone: (path: string) => boolean): void {
    for (const map of [this.#nodes, this.#inos]) {
      for (const path of map.keys()) if (gone(path)) map.delete(path);
    }
  }

  /** /proc/<pid>/task: a directory for each thread, named by its tid. */
  #taskDir(pid: number): GeneratedDir {
    const base = `/${pid}/task`;
    return this.#dir(base, `/${pid}`, () => {
      const threads = this.#process(pid).threads;
      this.#dropEndedThreads(pid, threads);
      const tids = [...threads.keys()].sort((a, b) => a - b);
      return tids.map((tid) => [String(tid), this.#threadDir(pid, tid)]);
    }, (name) => {
      const tid = Number(name);
      return String(tid) === name && this.#process(pid).threads.has(tid) ? this.#threadDir(pid, tid) : undefined;
    });
  }

  /**
   * Forget the nodes of `pid`'s threads that have ended (tids are not reused either), at each
   * listing of its task directory: a process whose threads come and go keeps none for long.
   */
  #dropEndedThreads(pid: number, threads: ReadonlyMap<number, LinuxThread>): void {
    const prefix = `/${pid}/task/`;
    this.#forget((path) => path.startsWith(prefix) && !threads.has(Number(firstComponent(path, prefix.length))));
  }

  /** /proc/<pid>/task/<tid>: the thread's own stat, status, comm and io, and its process's maps and mem. */
  #threadDir(pid: number, tid: number): GeneratedDir {
    const base = `/${pid}/task/${tid}`;
    const thread = (): LinuxThread => {
      const found = this.#process(pid).threads.get(tid);
      if (found === undefined) throw new KernelError(Errno.ENOENT);
      return found;
    };
    return this.#dir(base, `/${pid}/task`, () => [
      ['stat', this.#file(`${base}/stat`, () => this.#pidStat(this.#process(pid), thread()))],
      ['status', this.#file(`${base}/status`, () => this.#pidStatus(this.#process(pid), thread()))],
      ['comm', this.#file(`${base}/comm`, () => `${threadComm(thread())}\n`)],
      ['io', this.#file(`${base}/io`, () => ioText(thread().io), 0o400)],
      ['maps', this.#file(`${base}/maps`, () => (thread(), this.#maps(this.#process(pid))))],
      ['mem', this.#node(`${base}/mem`, (ino) => new ProcessMemoryFile(this, ino, () => (thread(), this.#process(pid)), this.#current))],
    ]);
  }

  /**
   * A link's text for `ref`, whose identity `identify` gives: its path, with " (deleted)" once that
   * path names another file or none, as Linux's d_path.
   */
  #pathOf(ref: PathRef, identify: () => Stat = () => ref.inode.stat()): string {
    let st: Stat;
    try {
      st = identify();
    } catch (e) {
      if (e instanceof KernelError) return ref.path + DELETED; // an inode that stats by its name
      throw e;
    }
    return stillNamed(this.#kernel.vfs, ref.path, st.dev, st.ino) ? ref.path : ref.path + DELETED;
  }

  #fdDir(pid: number): GeneratedDir {
    const base = `/${pid}/fd`;
    return this.#dir(base, `/${pid}`, () => {
      const fds = this.#process(pid).fds;
      const entries: [string, INode][] = [];
      // Fds are allocated lowest-first, so the open ones lie below `count` plus the holes.
      let left = fds.count;
      for (let fd = 0; left > 0; fd++) {
        if (!fds.has(fd)) continue;
        left--;
        entries.push([String(fd), this.#link(`${base}/${fd}`, () => {
          const file = this.#process(pid).fds.get(fd);
          // A socket names its inode, which /proc/net's lines give too (how netstat -p and lsof match them).
          if (file instanceof UnixSocket || file instanceof InetSocket) return `socket:[${file.stat().ino}]`;
          if (file.location !== undefined) return this.#pathOf(file.location, () => file.stat());
          return file.path !== '' ? file.path : 'anon_inode:[unknown]';
        }, () => this.#process(pid).fds.get(fd))]);
      }
      return entries;
    });
  }

  /** A thread's state: the process's if it is a zombie or stopped, else whether the thread runs. */
  #threadState(thread: LinuxThread): [string, string] {
    const proc = thread.process;
    if (proc.dead || proc.stopped) return processState(proc, undefined);
    const reading = proc === this.#current() && thread === this.#kernel.callingThread();
    return thread.running || reading ? ['R', 'running'] : ['S', 'sleeping'];
  }

  /** /proc/<pid>/stat, or with `thread` its task/<tid>/stat: that thread's id, name, state, CPU time and mask. */
  #pidStat(proc: LinuxProcess, thread?: LinuxThread): string {
    const [state] = thread ? this.#threadState(thread) : processState(proc, this.#current());
    const vsize = proc.vmar.mappings().reduce((n, m) => n + (m.end - m.start), 0);
    const { ignored, caught } = dispositions(proc);
    const main = thread ?? proc.threads.get(proc.pid);
    // Ticks, as Linux shows them: the whole process's, or the thread's own.
    const own = proc.dead ? proc.usage : thread ? hostCounts(proc.hostPid, thread.hostTid) : hostCounts(proc.hostPid);
    const children = proc.childrenUsage;
    const rss = proc.dead ? 0 : hostResidentPages(proc.hostPid);
    const fields: (string | number | bigint)[] = [
      thread?.tid ?? proc.pid, `(${thread ? threadComm(thread) : commOf(proc)})`, state, proc.ppid, proc.pgid, proc.sid,
      0, -1, 0x400000, // tty_nr, tpgid, flags (PF_RANDOMIZE)
      own.minorFaults, children.minorFaults, own.majorFaults, children.majorFaults,
      ...[own.user, own.system, children.user, children.system].map((us) => Math.floor(us / TICK_MICROS)),
      20, 0, proc.threads.size, 0, // priority nice num_threads itrealvalue
      Math.max(0, Math.floor((proc.startedMs - this.#bootMs) / 10)), vsize, rss, RLIM_INFINITY, // starttime (ticks since boot) vsize rss rsslim
      0, 0, 0, 0, 0, // startcode endcode startstack kstkesp kstkeip
      0n, main?.signalMask ?? 0n, ignored, caught, // signal blocked sigignore sigcatch (legacy decimal)
      0, 0, 0, 17, 0, 0, 0, 0, 0, 0, // wchan nswap cnswap exit_signal processor rt_priority policy blkio guest cguest
      0, 0, proc.brkStart, 0, 0, 0, 0, // start_data end_data start_brk arg_start arg_end env_start env_end
      proc.exit ? proc.waitStatus : 0,
    ];
    return `${fields.join(' ')}\n`;
  }

  /** /proc/<pid>/status, or with `thread` its task/<tid>/status: that thread's name, state, pid and signals. */
  #pidStatus(proc: LinuxProcess, thread?: LinuxThread): string {
    const [state, stateName] = thread ? this.#threadState(thread) : processState(proc, this.#current());
    const { ignored, caught } = dispositions(proc);
    const main = thread ?? proc.threads.get(proc.pid);
    const c = proc.cred;
    const pending = proc.pending.mask;
    const vsizeKb = proc.vmar.mappings().reduce((n, m) => n + (m.end - m.start), 0) / 1024;
    return [
      `Name:\t${thread ? threadComm(thread) : commOf(proc)}`,
      `Umask:\t${proc.fs.umask.toString(8).padStart(4, '0')}`,
      `State:\t${state} (${stateName})`,
      `Tgid:\t${proc.pid}`,
      'Ngid:\t0',
      `Pid:\t${thread?.tid ?? proc.pid}`,
      `PPid:\t${proc.ppid}`,
      'TracerPid:\t0',
      `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.fsuid}`,
      `Gid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.fsgid}`,
      `FDSize:\t${Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, proc.fds.count))))}`,
      `Groups:\t${c.groups.join(' ')}`,
      `VmSize:\t${String(vsizeKb).padStart(8)} kB`,
      `VmRSS:\t${String(proc.dead ? 0 : hostResidentPages(proc.hostPid) * 4).padStart(8)} kB`,
      `Threads:\t${proc.threads.size}`,
      `SigQ:\t${proc.pending.size}/${processLimit(proc, 11).cur}`,
      `SigPnd:\t${sigsetHex(main ? main.pending.mask : 0n)}`,
      `ShdPnd:\t${sigsetHex(pending)}`,
      `SigBlk:\t${sigsetHex(main?.signalMask ?? 0n)}`,
      `SigIgn:\t${sigsetHex(ignored)}`,
      `SigCgt:\t${sigsetHex(caught)}`,
      `CapInh:\t${hex(proc.cred.capInheritable, 16)}`,
      `CapPrm:\t${hex(proc.cred.capPermitted, 16)}`,
      `CapEff:\t${hex(proc.cred.capEffective, 16)}`,
      `CapBnd:\t${hex(proc.cred.capBounding, 16)}`,
      `CapAmb:\t${hex(proc.cred.capAmbient, 16)}`,
      `NoNewPrivs:\t${proc.noNewPrivs ? 1 : 0}`,
      `Seccomp:\t${main?.seccomp?.mode ?? 0}`,
      `Seccomp_filters:\t${main?.seccomp?.filter?.count ?? 0}`,
      `Cpus_allowed:\t${cpuMask(this.#kernel.cpus, main ? cpuAffinity(main, this.#kernel.cpus) : allCpus(this.#kernel.cpus))}`,
      `Cpus_allowed_list:\t${cpuList(main ? cpuAffinity(main, this.#kernel.cpus) : allCpus(this.#kernel.cpus))}`,
      `voluntary_ctxt_switches:\t${main?.voluntarySwitches ?? 0}`, // the task's own, as Linux's
      'nonvoluntary_ctxt_switches:\t0',
      '',
    ].join('\n');
  }

  #maps(proc: LinuxProcess): string {
    let out = '';
    const names = new MappedNames(this.#kernel.vfs);
    for (const m of mergedAnonymous(proc.vmar.mappings())) {
      const perms = `${m.prot & 1 ? 'r' : '-'}${m.prot & 2 ? 'w' : '-'}${m.prot & 4 ? 'x' : '-'}${m.shared ? 's' : 'p'}`;
      // A file's mapping shows where in the file it starts and the file's device and inode;
      // private anonymous memory shows none (shared memory, its offset in what it shares).
      const file = m.vmo?.origin;
      const where = file !== undefined
        ? `${hex(m.vmo!.originOffset + m.offset, 8)} ${hex(devMajor(file.dev), 2)}:${hex(devMinor(file.dev), 2)} ${file.ino}`
        : `${hex(m.shared ? m.offset : 0, 8)} 00:00 0`; // a reservation is private
      const line = `${hex(m.start, 8)}-${hex(m.end, 8)} ${perms} ${where}`;
      out += m.name === '' ? `${line}\n` : `${line.padEnd(72)} ${names.of(m.name, file)}\n`;
    }
    return out;
  }

  #mounts(): string {
    return this.#kernel.vfs.mounts()
      .map((m) => `${m.fs.type} ${m.path} ${m.fs.type} ${mountOptions(m)} 0 0\n`)
      .join('');
  }

  /**
   * Linux's mountinfo: mount id, parent's id (the root's own), the device files on it have, the
   * root of the mount within its file system, the mount point, options, '-', type, source, super
   * options. GNU df and libmount read this rather than /proc/mounts.
   */
  #mountinfo(): string {
    const mounts = this.#kernel.vfs.mounts();
    const root = mounts[0]; // its parent is outside the container: shown as itself
    let out = '';
    for (const m of mounts) {
      // The parent: the deepest other mount whose mount point is above this one's.
      let parent = root;
      for (const p of mounts) if (m.path.startsWith(`${p.path}/`) && p.path.length > parent.path.length) parent = p;
      const dev = m.fs.root.dev ?? m.fs.root.stat().dev; // without a host call where the inode knows it
      const mode = m.fs.readOnly ? 'ro' : 'rw';
      out += `${m.id} ${parent.id} ${devMajor(dev)}:${devMinor(dev)} / ${mangled(m.path)} ${mountOptions(m)} - ${m.fs.type} ${m.fs.type} ${mode}\n`;
    }
    return out;
  }

  #meminfo(): string {
    const account = this.#kernel.memoryAccount;
    const total = Math.floor(this.#kernel.memoryTotal / 1024);
    const free = Math.max(0, total - Math.floor(account.used / 1024));
    const rows: [string, number][] = [
      ['MemTotal', total], ['MemFree', free], ['MemAvailable', free], ['Buffers', 0], ['Cached', 0],
      ['SwapCached', 0], ['SwapTotal', 0], ['SwapFree', 0], ['Shmem', 0],
    ];
    return rows.map(([k, v]) => `${`${k}:`.padEnd(16)}${String(v).padStart(8)} kB\n`).join('');
  }

  /**
   * /proc/vmstat, which vmstat needs: free and used pages as /proc/meminfo counts them; there is
   * no swap and no page cache of the container's own, so the paging counters are 0.
   */
  #vmstat(): string {
    const total = Math.floor(this.#kernel.memoryTotal / 4096);
    const used = Math.min(total, Math.ceil(this.#kernel.memoryAccount.used / 4096));
    const rows: [string, number][] = [
      ['nr_free_pages', total - used], ['nr_inactive_anon', 0], ['nr_active_anon', used], ['nr_inactive_file', 0],
      ['nr_active_file', 0], ['nr_unevictable', 0], ['nr_mlock', 0], ['nr_anon_pages', used], ['nr_mapped', 0],
      ['nr_file_pages', 0], ['nr_dirty', 0], ['nr_writeback', 0], ['nr_shmem', 0], ['pgpgin', 0], ['pgpgout', 0],
      ['pswpin', 0], ['pswpout', 0], ['pgfault', 0], ['pgmajfault', 0],
    ];
    return rows.map(([k, v]) => `${k} ${v}\n`).join('');
  }

  /**
   * The container's CPU time in ticks since this procfs was made: what its processes ran (exited
   * ones included), and the rest of its CPUs' time as idle.
   */
  #cpuTicks(): { user: number; system: number; idle: number } {
    const k = this.#kernel;
    let { user, system } = k.endedCpu;
    for (const p of k.processes.values()) {
      if (p.dead || p.hostPid === 0) continue;
      const t = hostCpuTime(k.platform, p.hostPid);
      user += t.user;
      system += t.system;
    }
    [user, system] = [Math.floor(user / TICK_MICROS), Math.floor(system / TICK_MICROS)];
    const elapsed = Math.floor((Date.now() - this.#bootMs) / 10) * k.cpus;
    return { user, system, idle: Math.max(0, elapsed - user - system) };
  }

  #stat(): string {
    const procs = [...this.#kernel.processes.values()];
    const running = procs.filter((p) => !p.dead && !p.stopped).length;
    const { user, system, idle } = this.#cpuTicks();
    const cpus = this.#kernel.cpus;
    // The kernel does not know which CPU ran what: each CPU's line is an even share.
    const share = (total: number, i: number) => Math.floor(total / cpus) + (i < total % cpus ? 1 : 0);
    return [
      `cpu  ${user} 0 ${system} ${idle} 0 0 0 0 0 0`,
      ...Array.from({ length: cpus }, (_, i) => `cpu${i} ${share(user, i)} 0 ${share(system, i)} ${share(idle, i)} 0 0 0 0 0 0`),
      'intr 0',
      'ctxt 0',
      `btime ${Math.floor(this.#bootMs / 1000)}`,
      `processes ${Math.max(0, ...this.#kernel.processes.keys())}`,
      `procs_running ${Math.max(1, running)}`,
      'procs_blocked 0',
      '',
    ].join('\n');
  }
}

/**
 * /proc/<pid>/io: what read- and write-like calls moved. The storage counters (bytes read from
 * and written back to a disk) read 0: the host's page cache does that work, for the sandbox.
 */
function ioText(io: IoCounts): string {
  return `rchar: ${io.readChars}\nwchar: ${io.writtenChars}\nsyscr: ${io.readCalls}\nsyscw: ${io.writeCalls}\n`
    + 'read_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n';
}

function nulTerminated(strings: readonly string[]): string {
  return strings.map((s) => `${s}\0`).join('');
}

/** One entry per CPU the container sees: one package, a core each, as sysfs shows them. */
function cpuinfo(cpus: number): string {
  let out = '';
  for (let i = 0; i < cpus; i++) out += cpuinfoEntry(i, cpus);
  return out;
}

function cpuinfoEntry(cpu: number, cpus: number): string {
  return [
    `processor\t: ${cpu}`,
    'vendor_id\t: GenuineIntel',
    'cpu family\t: 6',
    'model\t\t: 0',
    'model name\t: rVisor-ts virtual CPU',
    'cpu MHz\t\t: 1000.000',
    'cache size\t: 0 KB',
    'physical id\t: 0',
    `siblings\t: ${cpus}`,
    `core id\t\t: ${cpu}`,
    `cpu cores\t: ${cpus}`,
    'fpu\t\t: yes',
    'flags\t\t: fpu tsc cx8 cmov mmx fxsr sse sse2 syscall nx lm',
    `bogomips\t: ${(2000).toFixed(2)}`,
    'address sizes\t: 46 bits physical, 48 bits virtual',
    '',
    '',
  ].join('\n');
}

function limits(proc: LinuxProcess): string {
  const value = (v: bigint): string => (v === RLIM_INFINITY ? 'unlimited' : String(v));
  let out = `${'Limit'.padEnd(26)}${'Soft Limit'.padEnd(21)}${'Hard Limit'.padEnd(21)}${'Units'.padEnd(10)}\n`;
  for (let res = 0; res < Math.min(LIMIT_ROWS.length, RLIMIT_NAMES.length); res++) {
    const [title, unit] = LIMIT_ROWS[res];
    const l = processLimit(proc, res);
    out += `${title.padEnd(26)}${value(l.cur).padEnd(21)}${value(l.max).padEnd(21)}${unit.padEnd(10)}\n`;
  }
  return out;
}
