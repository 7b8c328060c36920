import type { OciProcess } from '@rvisor/runrsc';

/** An OCI process (runtime-spec `process`), as an exec's spec carries it: runrsc's own type. */
export type { OciProcess };

/** OCI linux.resources as Update carries them (JSON). */
export type LinuxResources = Record<string, unknown>;

/** Host fds that become a process's stdin, stdout and stderr. */
export type StdioFds = readonly [number, number, number];

/** How a process ended, as the shim reports it to containerd. */
export interface TaskExit {
  /** The exit code, or 128 + the signal that killed it. */
  status: number;
  exitedAt: Date;
}

/** What a container's init looks like to the runtime (only what the shim needs). */
export interface RuntimeState {
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  /** The host pid standing for init (0 once stopped). */
  pid: number;
}

/** Options of {@link TaskRuntime.create}. */
export interface RuntimeCreateOptions {
  bundle: string;
  stdio: StdioFds;
  /** Put the container in this existing container's sandbox (a pod). */
  sandbox?: string;
}

/**
 * The container operations the Task service needs, in the shim's own terms. The shim keeps IO,
 * events and containerd's process states itself; a runtime only runs containers. Errors are
 * thrown as `RuntimeError` (code not-found, exists, wrong-state, invalid or internal), or any
 * Error for an internal failure.
 */
export interface TaskRuntime {
  /** Create the container (init does not run yet); returns init's host pid. */
  create(id: string, options: RuntimeCreateOptions): Promise<{ pid: number }>;
  /** Run init. */
  start(id: string): Promise<void>;
  /** Start an extra process in the container; returns its host pid. */
  exec(id: string, process: OciProcess, stdio: StdioFds): Promise<{ pid: number }>;
  /** Wait for init (no pid) or the exec with this host pid to exit. */
  wait(id: string, pid?: number): Promise<TaskExit>;
  /** Signal init, the exec with this host pid, or with `all` every process of the container. */
  kill(id: string, signal: number, options?: { all?: boolean; pid?: number }): Promise<void>;
  /** Remove the container; `force` kills what still runs. */
  delete(id: string, force?: boolean): Promise<void>;
  state(id: string): Promise<RuntimeState>;
  /** Host pids of the container's processes. */
  pids(id: string): Promise<number[]>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  update(id: string, resources: LinuxResources): Promise<void>;
}
