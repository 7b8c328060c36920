/**
 * One container's kernel: its file tree (rootfs, /dev, /proc, /dev/shm, tmpfs and bind mounts),
 * its pid space and its memory account, on a platform that other containers of the same sandbox
 * may share. And the processes started in it from outside (init, and `exec`).
 *
 * @module
 */
import { isatty } from 'node:tty';
import { statSync } from 'node:fs';
import { HostFileMount, HostFs } from '@rvisor/hostfs';
import {
  DevFs, Errno, FdTable, FileType, RLIM_INFINITY, HostStreamFile, HostTerminal, Kernel, KernelError, O_RDONLY, O_RDWR, O_WRONLY, ProcFs, SysFs, RLIMIT_NOFILE,
  MqueueFs, S_IFMT, S_IFREG, TmpFs, attachControllingTerminal, errnoName, execve, utf8ByteString,
  type Credentials, type FileSystem, type INode, type LinuxProcess, type LinuxThread, ROOT_CAPS, type CapabilitySets, type LoopbackNetwork,
} from '@rvisor/linux-object';
import type { PmemAllocator, Platform } from '@rvisor/zircon-object';
import type { hostOps } from '@rvisor/trap-native';

type HostOps = ReturnType<typeof hostOps>;

/** A bind mount of a host directory into the container. */
export interface Volume {
  /** The host directory. */
  source: string;
  /** An absolute path in the container; its parent must exist there. */
  target: string;
  readOnly?: boolean;
  /** Its files' set-user-ID and set-group-ID bits are ignored (the mount option nosuid). */
  nosuid?: boolean;
}

/** Who may change a container's rootfs while it runs (see {@link ContainerKernelOptions.fileAccess}). */
export type FileAccess = 'exclusive' | 'shared';

/** What a container's kernel is built from. */
export interface ContainerKernelOptions {
  /** Host directory holding the container's root file system. */
  rootfs: string;
  /** The container root is read-only (OCI root.readonly). */
  readOnlyRoot?: boolean;
  /**
   * Whether anything but the container changes its rootfs while it runs, as runsc's
   * `--file-access`: `exclusive` (the default) caches lookups; `shared` asks the host every time.
   */
  fileAccess?: FileAccess;
  hostname?: string;
  /** Guest memory limit in bytes. */
  memoryLimit?: number;
  /** Task limit (pids.max). */
  pidsLimit?: number;
  /** How many CPUs its cpuset holds (linux.resources.cpu.cpus): it sees at most that many. */
  cpus?: number;
  /** Host directories bind-mounted into the container. */
  volumes?: readonly Volume[];
  /** Extra tmpfs mounts (absolute container paths). */
  tmpfs?: readonly string[];
  /** Where the container's POSIX message queues show as files (`/dev/mqueue`, an OCI mount of type mqueue). */
  mqueue?: readonly string[];
  /** Physical memory shared with the sandbox's other containers. */
  allocator?: PmemAllocator;
  /** The network shared with the sandbox's other containers (a pod's loopback). */
  network?: LoopbackNetwork;
  /** Paths hidden from the container (OCI linux.maskedPaths): an empty directory or an empty file. */
  maskedPaths?: readonly string[];
  /** Paths made read-only (OCI linux.readonlyPaths). */
  readonlyPaths?: readonly string[];
}

/**
 * A second view of a file system's directory or file, as a bind mount gives: read-only if asked.
 * A read-only view of /proc keeps procfs's rule for new names: creating one answers ENOENT.
 */
class BindView implements FileSystem {
  constructor(
    readonly type: string,
    readonly root: INode,
    readonly readOnly: boolean,
    readonly noNewNames?: boolean,
  ) {}

  release(): void {}
}

/** Apply linux.maskedPaths and linux.readonlyPaths; paths that do not exist are skipped, as runc does. */
function restrictPaths(container: ContainerKernel, options: ContainerKernelOptions): void {
  const { kernel, devfs } = container;
  const resolve = (path: string) => {
    try {
      return kernel.vfs.lookup(kernel.vfs.root, path, { followLast: true });
    } catch (err) {
      if (err instanceof KernelError && (err.errno === Errno.ENOENT || err.errno === Errno.ENOTDIR)) return undefined;
      throw err;
    }
  };
  for (const path of options.readonlyPaths ?? []) {
    const ref = resolve(utf8ByteString(path));
    if (ref) kernel.vfs.mount(ref.path, new BindView(ref.mount.fs.type, ref.inode, true, ref.mount.fs.noNewNames));
  }
  for (const path of options.maskedPaths ?? []) {
    const ref = resolve(utf8ByteString(path));
    if (!ref) continue;
    const empty = ref.inode.type === FileType.Directory
      ? new TmpFs({ allocator: kernel.allocator, account: kernel.memoryAccount }).root
      : devfs.root.lookup('null');
    kernel.vfs.mount(ref.path, new BindView(ref.inode.type === FileType.Directory ? 'tmpfs' : 'devtmpfs', empty, true));
  }
}

/** A container's kernel and its /dev (whose console is the init's terminal). */
export interface ContainerKernel {
  kernel: Kernel;
  devfs: DevFs;
}

/** Build the kernel of one container. Throws an Error naming the mount that failed. */
export function buildContainerKernel(platform: Platform, ops: HostOps, options: ContainerKernelOptions): ContainerKernel {
  // By default the container owns its rootfs (as runsc's --file-access=exclusive): lookups are
  // cached. Bind mounts below are always revalidated: the host may change them.
  const exclusive = (options.fileAccess ?? 'exclusive') === 'exclusive';
  const rootFs = HostFs.open(ops, options.rootfs, { readOnly: options.readOnlyRoot, exclusive });
  const kernel = new Kernel({
    platform,
    rootFs,
    hostname: options.hostname === undefined ? undefined : utf8ByteString(options.hostname),
    pollNow: ops.pollNow,
    memoryLimit: options.memoryLimit,
    pidsLimit: options.pidsLimit,
    cpus: options.cpus,
    allocator: options.allocator,
    loopback: options.network,
  });
  // The mounts runc gives every container, nosuid as runc's spec has them.
  const devfs = new DevFs({ kernel });
  const nosuid = { nosuid: true };
  kernel.vfs.mount('/dev', devfs, nosuid);
  kernel.vfs.mount('/proc', new ProcFs(kernel), nosuid);
  kernel.vfs.mount('/sys', new SysFs({ cpus: () => kernel.cpus }), nosuid);
  const memory = { allocator: kernel.allocator, account: kernel.memoryAccount };
  const tmpfs = () => new TmpFs(memory);
  rootFs.shareFileMemory(memory); // for MAP_SHARED mappings of its files
  // Paths in the container are byte strings, as a guest's are; config.json's are text.
  const tmpfsTargets = (options.tmpfs ?? []).map(utf8ByteString);
  const volumeTargets = (options.volumes ?? []).map((v) => utf8ByteString(v.target));
  // /dev/shm is a tmpfs unless the bundle mounts something else there (podman binds its own).
  if (![...tmpfsTargets, ...volumeTargets].includes('/dev/shm')) kernel.vfs.mount('/dev/shm', tmpfs(), nosuid);
  for (const target of tmpfsTargets) {
    makeMountParent(kernel, target, tmpfs);
    kernel.vfs.mount(target, tmpfs());
  }
  for (const target of (options.mqueue ?? []).map(utf8ByteString)) {
    makeMountParent(kernel, target, tmpfs);
    kernel.vfs.mount(target, new MqueueFs(kernel.mqueues), nosuid);
  }
  for (const [i, v] of (options.volumes ?? []).entries()) {
    try {
      const target = volumeTargets[i]!;
      makeMountParent(kernel, target, tmpfs);
      const fs = statSync(v.source).isDirectory()
        ? HostFs.open(ops, v.source, { readOnly: v.readOnly })
        : HostFileMount.open(ops, v.source, { readOnly: v.readOnly });
      fs.shareFileMemory(memory);
      kernel.vfs.mount(target, fs, { nosuid: v.nosuid });
    } catch (err) {
      const why = err instanceof KernelError ? errnoName(err.errno) : (err as Error).message;
      throw new Error(`volume ${v.source}:${v.target}: cannot mount (${why})`);
    }
  }
  const container = { kernel, devfs };
  restrictPaths(container, options);
  return container;
}

/**
 * Make the parent directory of mount point `target` exist, as runc creates mount points: the first
 * missing directory becomes a synthetic tmpfs mount (the rootfs is never written), and any deeper
 * ones are made in that tmpfs.
 */
function makeMountParent(kernel: Kernel, target: string, tmpfs: () => TmpFs): void {
  const parts = target.split('/').filter((p) => p !== '');
  let path = '';
  let synthetic = false;
  for (const part of parts.slice(0, -1)) {
    path += `/${part}`;
    if (synthetic) {
      kernel.vfs.mkdir(kernel.vfs.root, path, 0o755);
      continue;
    }
    try {
      kernel.vfs.stat(kernel.vfs.root, path, true);
    } catch (err) {
      if (!(err instanceof KernelError) || err.errno !== Errno.ENOENT) throw err;
      kernel.vfs.mount(path, tmpfs());
      synthetic = true;
    }
  }
}

/** A process to start in a container (OCI `process`, already checked). */
export interface ProcessSpec {
  /** argv[0] is a path in the container or a name looked up in the PATH of `env`. */
  args: readonly string[];
  env: readonly string[];
  /** Absolute working directory (default /). */
  cwd?: string;
  user?: { uid: number; gid: number; groups?: readonly number[] };
  /**
   * Resource limits by RLIMIT_* number (JSON numbers, as OCI has them: 2^63 and above mean
   * unlimited); RLIMIT_NOFILE also bounds the fd table.
   */
  rlimits?: readonly { resource: number; soft: number; hard: number }[];
  /**
   * Its capability sets (OCI's process.capabilities). Absent: every capability for root, none
   * for another user (the bounding set full either way), as runc leaves a spec without the field.
   */
  capabilities?: CapabilitySets;
  /** OCI's process.noNewPrivileges: no_new_privs from the start (set-user-ID bits are ignored). */
  noNewPrivileges?: boolean;
}

/** JSON cannot carry 2^64-1 exactly: anything from 2^63 up is unlimited. */
function rlimitValue(v: number): bigint {
  return v >= 2 ** 63 ? RLIM_INFINITY : BigInt(v);
}

/** Why a process could not be started, with the status a shell gives (126 or 127). */
export class StartError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Find `name` as execvp would: a path if it has a '/', else the first regular file in PATH. */
function resolveCommand(proc: LinuxProcess, name: string, env: readonly string[]): string {
  if (name.includes('/')) return name;
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/bin:/usr/bin:/bin';
  for (const dir of pathVar.split(':')) {
    const candidate = `${dir || '.'}/${name}`;
    try {
      if ((proc.fs.vfs.stat(proc.fs.cwd, candidate, true, proc.fs.root).mode & S_IFMT) === S_IFREG) return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new KernelError(Errno.ENOENT);
}

/** The message and status a shell gives when a command cannot be started. */
function startFailure(name: string, err: KernelError): StartError {
  const notFound = err.errno === Errno.ENOENT || err.errno === Errno.ENOTDIR;
  const reason = notFound
    ? 'no such file or directory'
    : err.errno === Errno.EACCES
      ? 'permission denied'
      : err.errno === Errno.ENOEXEC
        ? `exec format error${err.message ? ` (${err.message})` : ''}`
        : errnoName(err.errno);
  return new StartError(`${name}: ${reason}`, notFound ? 127 : 126);
}

function credentials(user: ProcessSpec['user'], capabilities: CapabilitySets | undefined): Credentials {
  const uid = user?.uid ?? 0;
  const gid = user?.gid ?? 0;
  const caps = capabilities ?? (uid === 0 ? ROOT_CAPS : { ...ROOT_CAPS, capEffective: 0, capPermitted: 0 });
  return { uid, gid, euid: uid, egid: gid, suid: uid, sgid: gid, fsuid: uid, fsgid: gid, groups: [...(user?.groups ?? [gid])], ...caps };
}

/** A process started by {@link spawnProcess}, stopped before its first instruction. */
export interface StartedProcess {
  thread: LinuxThread;
  /** The terminal of its stdio when stdin is a host tty (the line discipline's signals go there). */
  terminal: HostTerminal;
}

/**
 * Start a process in the container with host fds `stdio` as its 0, 1 and 2 (a host tty on stdin
 * becomes its controlling terminal), exec'd and stopped before its first instruction: the run
 * loop's `start` lets it go. `init` makes it the container's pid 1 and the owner of /dev/console.
 * With `ownsStdio`, the stdio fds (other than a tty) are the guest's to close.
 * Throws {@link StartError} when the command cannot be started, an Error for a bad cwd; its host
 * process is killed then.
 */
export function spawnProcess(
  container: ContainerKernel,
  ops: HostOps,
  spec: ProcessSpec,
  stdio: readonly [number, number, number],
  init: boolean,
  ownsStdio = false,
): StartedProcess {
  const { kernel, devfs } = container;
  const [stdin, stdout, stderr] = stdio;
  // The guest sees its arguments, environment and cwd as bytes: their UTF-8.
  const args = spec.args.map(utf8ByteString);
  const env = spec.env.map(utf8ByteString);
  const fds = new FdTable();
  // One terminal shared by fds 0-2 when they are a host tty; for init it is also /dev/console.
  // A host tty shows as the container's /dev/console, as a console a container runtime sets up.
  const statAs = () => devfs.root.lookup('console').stat();
  const terminal: HostTerminal = new HostTerminal((flags, path): HostStreamFile =>
    new HostStreamFile(ops, isatty(stdin) ? stdin : stdout, kernel.readiness, { flags, path, terminal, statAs }), 1);
  const stdioName = (fd: number, pipe: string): string => (isatty(fd) ? '/dev/console' : pipe);
  // Owned pipes are closed when the guest's last reference goes, so the reader sees EOF as on
  // Linux; a tty stays open (the terminal reopens it for /dev/tty).
  const owns = (fd: number) => ownsStdio && !isatty(fd);
  fds.install(new HostStreamFile(ops, stdin, kernel.readiness, { flags: O_RDONLY, path: stdioName(stdin, 'pipe:[stdin]'), terminal, ownsFd: owns(stdin), statAs: isatty(stdin) ? statAs : undefined }));
  fds.install(new HostStreamFile(ops, stdout, kernel.readiness, { flags: O_WRONLY, path: stdioName(stdout, 'pipe:[stdout]'), terminal, ownsFd: owns(stdout), statAs: isatty(stdout) ? statAs : undefined }));
  fds.install(new HostStreamFile(ops, stderr, kernel.readiness, { flags: O_RDWR, path: stdioName(stderr, 'pipe:[stderr]'), terminal, ownsFd: owns(stderr), statAs: isatty(stderr) ? statAs : undefined }));
  if (init) devfs.console = terminal;
  const name = args[0];
  const thread = kernel.createProcess({
    parent: null,
    fds,
    fs: kernel.newFsContext(),
    cred: credentials(spec.user, spec.capabilities),
    name: name.split('/').pop()!.slice(0, 15),
  });
  const proc = thread.process;
  proc.noNewPrivs = spec.noNewPrivileges === true;
  try {
    if (isatty(stdin)) attachControllingTerminal(kernel, proc, terminal);
    for (const r of spec.rlimits ?? []) {
      proc.rlimits.set(r.resource, { cur: rlimitValue(r.soft), max: rlimitValue(r.hard) });
      if (r.resource === RLIMIT_NOFILE) fds.setLimit(Number(r.soft));
    }
    if (spec.cwd && spec.cwd !== '/') {
      try {
        proc.fs.chdir(utf8ByteString(spec.cwd));
      } catch (err) {
        throw new Error(`cwd ${spec.cwd}: ${err instanceof KernelError ? errnoName(err.errno) : (err as Error).message}`);
      }
    }
    try {
      execve(kernel, thread, thread.savedRegs, resolveCommand(proc, name, env), args, env);
    } catch (err) {
      if (err instanceof KernelError) throw startFailure(spec.args[0], err);
      throw err;
    }
  } catch (err) {
    kernel.platform.kill(thread.hostTid);
    throw err;
  }
  return { thread, terminal };
}
