/**
 * `@rvisor/shim`: containerd-shim-rvisor-v1 (runtime `io.containerd.rvisor.v1`).
 *
 * Nothing runs yet: this package holds the typed surface the shim will implement over
 * `@rvisor/runrsc`'s library API — the containerd Task service (shim v2 over ttrpc).
 *
 * @packageDocumentation
 */

/** Status of a task or exec as containerd sees it (`containerd.v1.types.Status`). */
export const TaskStatus = { Unknown: 0, Created: 1, Running: 2, Stopped: 3, Paused: 4, Pausing: 5 } as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** What a task's process reports when it has exited. */
export interface ExitInfo {
  /** The exit status: the code, or 128 + the signal. */
  exitStatus: number;
  exitedAt: Date;
}

/** containerd.task.v2.Task, as the shim will serve it. Every method is unary over ttrpc. */
export interface TaskService {
  state(req: { id: string; execId?: string }): Promise<{ id: string; pid: number; status: TaskStatus; exit?: ExitInfo }>;
  create(req: { id: string; bundle: string; terminal: boolean; stdin: string; stdout: string; stderr: string }): Promise<{ pid: number }>;
  start(req: { id: string; execId?: string }): Promise<{ pid: number }>;
  delete(req: { id: string; execId?: string }): Promise<{ pid: number } & ExitInfo>;
  pids(req: { id: string }): Promise<number[]>;
  pause(req: { id: string }): Promise<void>;
  resume(req: { id: string }): Promise<void>;
  kill(req: { id: string; execId?: string; signal: number; all: boolean }): Promise<void>;
  exec(req: { id: string; execId: string; terminal: boolean; stdin: string; stdout: string; stderr: string; spec: unknown }): Promise<void>;
  resizePty(req: { id: string; execId?: string; width: number; height: number }): Promise<void>;
  closeIO(req: { id: string; execId?: string; stdin: boolean }): Promise<void>;
  wait(req: { id: string; execId?: string }): Promise<ExitInfo>;
  connect(req: { id: string }): Promise<{ shimPid: number; taskPid: number; version: string }>;
  shutdown(req: { id: string; now: boolean }): Promise<void>;
}

/** The runtime name containerd resolves to the `containerd-shim-rvisor-v1` binary. */
export const RUNTIME_NAME = 'io.containerd.rvisor.v1';
