/**
 * `run` through the library: start a sandbox, run one command in a container over a rootfs
 * directory, and return its exit status. The CLI's friendly `run --rootfs DIR -- CMD` calls this.
 *
 * @module
 */
import { constants } from 'node:os';
import { isatty } from 'node:tty';
import { HostFs } from '@rvisor/hostfs';
import {
  DevFs, Errno, FdTable, HostStreamFile, HostTerminal, Kernel, KernelError, O_RDONLY, O_RDWR, O_WRONLY, ProcFs, S_IFMT, S_IFREG, TmpFs,
  attachControllingTerminal, errnoName, execve, signalForeground,
  type LinuxProcess, RLIMIT_NOFILE, type Credentials,
} from '@rvisor/linux-object';
import { KernelRunner } from '@rvisor/linux-syscall';
import { createTrapPlatform, hostOps } from '@rvisor/trap-native';

/** Options of {@link runContainer}. */
export interface RunContainerOptions {
  /** Host directory holding the container's root file system. */
  rootfs: string;
  /** The command: argv[0] is a path in the container or a name looked up in PATH. */
  args: readonly string[];
  /** Environment; default PATH and HOME as runc's default spec has them. */
  env?: readonly string[];
  /** The container's hostname. */
  hostname?: string;
  /** Host fds the guest's 0, 1 and 2 wrap (default the sandbox's own 0, 1, 2). */
  stdio?: readonly [number, number, number];
  /** One line per syscall, like `runsc --strace`. */
  strace?: (line: string) => void;
  /** Kernel messages (unsupported syscalls, internal errors). */
  log?: (message: string) => void;
  /** Guest memory limit in bytes. */
  memoryLimit?: number;
  /** Host directories bind-mounted into the container (hostfs, confined to each directory). */
  volumes?: readonly Volume[];
  /** Extra tmpfs mounts (absolute container paths). */
  tmpfs?: readonly string[];
  /** The container root is read-only (OCI root.readonly). */
  readOnlyRoot?: boolean;
  /** The working directory of the first process (default /). */
  cwd?: string;
  /** The identity of the first process (default root). */
  user?: { uid: number; gid: number; groups?: readonly number[] };
  /** RLIMIT_NOFILE of the first process (soft and hard). */
  nofile?: { soft: number; hard: number };
}

/** A bind mount of a host directory into the container. */
export interface Volume {
  /** The host directory. */
  source: string;
  /** An absolute path in the container; its parent must exist there. */
  target: string;
  readOnly?: boolean;
}

/** How the container's first process ended. */
export interface RunResult {
  /** The exit status a shell reports: the exit code, or 128 + the signal that killed it. */
  status: number;
  exitCode: number;
  signal: number;
  /** Set when the command could not be started (the status is then 126 or 127). */
  error?: string;
}

export const DEFAULT_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'TERM=xterm'];

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

/** The status and message a shell gives when a command cannot be started. */
function startFailure(name: string, err: KernelError): RunResult {
  const notFound = err.errno === Errno.ENOENT || err.errno === Errno.ENOTDIR;
  const reason = notFound
    ? 'no such file or directory'
    : err.errno === Errno.EACCES
      ? 'permission denied'
      : err.errno === Errno.ENOEXEC
        ? `exec format error${err.message ? ` (${err.message})` : ''}`
        : errnoName(err.errno);
  const status = notFound ? 127 : 126;
  return { status, exitCode: status, signal: 0, error: `${name}: ${reason}` };
}

/** The container identity of the first process. */
function credentials(user: RunContainerOptions['user']): Credentials {
  const uid = user?.uid ?? 0;
  const gid = user?.gid ?? 0;
  return { uid, gid, euid: uid, egid: gid, suid: uid, sgid: gid, groups: [...(user?.groups ?? [gid])] };
}

/** Signals a terminal's keys generate. */
const TERMINAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGTSTP'];

/** Run one command in a new sandbox and wait for it. The sandbox is torn down before returning. */
export async function runContainer(options: RunContainerOptions): Promise<RunResult> {
  if (options.args.length === 0) throw new Error('runContainer: no command given');
  const ops = hostOps();
  const platform = createTrapPlatform();
  const log = options.log ?? (() => {});
  try {
    const rootFs = HostFs.open(ops, options.rootfs, { readOnly: options.readOnlyRoot });
    const kernel = new Kernel({
      platform,
      rootFs,
      hostname: options.hostname,
      pollNow: ops.pollNow,
      memoryLimit: options.memoryLimit,
    });
    // The mounts runc gives every container (its default /dev/pts and /sys are not here yet).
    const devfs = new DevFs({ kernel });
    kernel.vfs.mount('/dev', devfs);
    kernel.vfs.mount('/proc', new ProcFs(kernel));
    kernel.vfs.mount('/dev/shm', new TmpFs({ allocator: kernel.allocator, account: kernel.memoryAccount }));
    for (const target of options.tmpfs ?? []) {
      kernel.vfs.mount(target, new TmpFs({ allocator: kernel.allocator, account: kernel.memoryAccount }));
    }
    for (const v of options.volumes ?? []) {
      try {
        kernel.vfs.mount(v.target, HostFs.open(ops, v.source, { readOnly: v.readOnly }));
      } catch (err) {
        const why = err instanceof KernelError ? errnoName(err.errno) : (err as Error).message;
        throw new Error(`volume ${v.source}:${v.target}: cannot mount (${why})`);
      }
    }
    const fds = new FdTable();
    const [stdin, stdout, stderr] = options.stdio ?? [0, 1, 2];
    // One terminal shared by fds 0-2 when they are the host's tty; it is also /dev/console.
    const terminal: HostTerminal = new HostTerminal((flags, path): HostStreamFile =>
      new HostStreamFile(ops, isatty(stdin) ? stdin : stdout, kernel.readiness, { flags, path, terminal }), 1);
    const stdioName = (fd: number, pipe: string): string => (isatty(fd) ? '/dev/console' : pipe);
    fds.install(new HostStreamFile(ops, stdin, kernel.readiness, { flags: O_RDONLY, path: stdioName(stdin, 'pipe:[stdin]'), terminal }));
    fds.install(new HostStreamFile(ops, stdout, kernel.readiness, { flags: O_WRONLY, path: stdioName(stdout, 'pipe:[stdout]'), terminal }));
    fds.install(new HostStreamFile(ops, stderr, kernel.readiness, { flags: O_RDWR, path: stdioName(stderr, 'pipe:[stderr]'), terminal }));
    devfs.console = terminal;
    const env = options.env ?? DEFAULT_ENV;
    const init = kernel.createProcess({
      parent: null,
      fds,
      fs: kernel.newFsContext(),
      cred: credentials(options.user),
      name: options.args[0].split('/').pop()!.slice(0, 15),
    });
    // The container's first process leads its session; a host tty on stdin is its terminal.
    if (isatty(stdin)) attachControllingTerminal(kernel, init.process, terminal);
    const name = options.args[0];
    if (options.nofile) {
      init.process.rlimits.set(RLIMIT_NOFILE, { cur: BigInt(options.nofile.soft), max: BigInt(options.nofile.hard) });
      fds.setLimit(options.nofile.soft);
    }
    if (options.cwd && options.cwd !== '/') {
      try {
        init.process.fs.chdir(options.cwd);
      } catch (err) {
        platform.kill(init.hostTid);
        throw new Error(`cwd ${options.cwd}: ${err instanceof KernelError ? errnoName(err.errno) : (err as Error).message}`);
      }
    }
    try {
      const path = resolveCommand(init.process, name, env);
      execve(kernel, init, init.savedRegs, path, [...options.args], [...env]);
    } catch (err) {
      platform.kill(init.hostTid);
      if (err instanceof KernelError) return startFailure(name, err);
      throw err;
    }
    const runner = new KernelRunner(kernel, {
      strace: options.strace,
      log: { warn: log },
    });
    runner.start(init);
    // Keys typed on a host terminal (^C, ^\, ^Z) reach the sandbox process as host signals: they
    // belong to the container's foreground process group, as its own line discipline would do.
    const forwarded = isatty(stdin) ? TERMINAL_SIGNALS : [];
    const forward = (sig: NodeJS.Signals) => signalForeground(kernel, terminal, constants.signals[sig]);
    for (const sig of forwarded) process.on(sig, forward);
    try {
      await runner.run();
    } finally {
      for (const sig of forwarded) process.off(sig, forward);
    }
    const exit = init.process.exit ?? { code: 0, signal: 0 };
    return {
      status: exit.signal ? 128 + exit.signal : exit.code,
      exitCode: exit.code,
      signal: exit.signal,
    };
  } finally {
    platform.shutdown();
  }
}
