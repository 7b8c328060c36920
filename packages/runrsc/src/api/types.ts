/**
 * The types of the runtime's lifecycle API: what `runrsc create/start/exec/kill/delete/state/...`
 * take and return, shared by the CLI, the library and the containerd shim.
 *
 * @module
 */

/** Where container state lives and how the runtime reports (runc's global flags). */
export interface RuntimeOptions {
  /** The state directory (runc's --root); default /run/rvisor. */
  root?: string;
  /** Kernel and runtime messages (unsupported syscalls, warnings); default: dropped. */
  log?: (message: string) => void;
  /** Print every guest syscall of this container (the sandbox's log file gets them). */
  strace?: boolean;
}

/** The OCI state of a container, as `runc state` prints it. */
export interface ContainerState {
  ociVersion: string;
  id: string;
  /** creating, created, running, paused or stopped. */
  status: ContainerStatus;
  /** The host pid clients wait on and signal (0 once stopped). */
  pid: number;
  /** The absolute bundle directory. */
  bundle: string;
  /** The absolute rootfs directory. */
  rootfs: string;
  /** RFC 3339 time of create. */
  created: string;
  annotations: Record<string, string>;
  /** The owner (runc prints the user name; empty for root). */
  owner: string;
  /** The sandbox the container runs in (an rVisor extension; several containers may share one). */
  sandbox: string;
}

export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** Options of `create` beyond the runtime's. */
export interface CreateOptions extends RuntimeOptions {
  /** The bundle directory (default: the current directory). */
  bundle?: string;
  /** Write the container's pid here (absolute or relative to the cwd). */
  pidFile?: string;
  /** An AF_UNIX socket path: when process.terminal is set, the pty master is sent there. */
  consoleSocket?: string;
  /** Host fds that become the container's stdin, stdout and stderr (default 0, 1, 2). */
  stdio?: readonly [number, number, number];
  /**
   * Put the container in the sandbox of this existing container (a pod). Default: the annotation
   * io.kubernetes.cri.sandbox-id or dev.rvisor.sandbox names it, else a new sandbox.
   */
  sandbox?: string;
  /**
   * Serve a new sandbox from this process rather than from a process of its own, as `runrsc run`
   * does in the foreground. This process must then live until the sandbox's last container is
   * deleted, and it ends the guests if it dies.
   */
  inProcess?: boolean;
}

/** An OCI process (config.json's `process`, or `exec -p process.json`). */
export interface OciProcess {
  terminal?: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env?: string[];
  cwd: string;
  rlimits?: { type: string; hard: number; soft: number }[];
  noNewPrivileges?: boolean;
  capabilities?: Record<string, string[]>;
  consoleSize?: { height: number; width: number };
}

/** Options of `exec`. */
export interface ExecOptions extends RuntimeOptions {
  /** Return once the process started; otherwise wait for it and return its status. */
  detach?: boolean;
  pidFile?: string;
  consoleSocket?: string;
  stdio?: readonly [number, number, number];
}

/** How a process ended: `status` is what a shell reports (128 + signal for a signal death). */
export interface ExitStatus {
  status: number;
  exitCode: number;
  signal: number;
  /** RFC 3339 time of the exit. */
  exitedAt: string;
}

/** One `events` record, as runc prints them. */
export interface ContainerEvent {
  type: 'stats' | 'oom' | 'exit';
  id: string;
  data?: ContainerStats;
}

/** `events --stats` data (the fields runc fills that the kernel knows). */
export interface ContainerStats {
  pids: { current: number; limit: number };
  memory: { usage: { usage: number; limit: number; max: number } };
  cpu: { usage: { total: number } };
}

/** OCI linux.resources, as far as `update` and create apply them. */
export interface LinuxResources {
  memory?: { limit?: number; reservation?: number; swap?: number };
  pids?: { limit?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
}
