/**
 * Tasks: jobs, processes and threads, with their states and lifetimes.
 *
 * The Linux layer extends them: subclass them, or hang its state on the `ext` slot
 * (a LinuxProcess attached to a Process).
 *
 * @module
 */
import { HandleTable } from './handle.js';
import { KObject, Signal } from './object.js';
import { ZxError, ZxStatus } from './status.js';
import type { Vmar } from './vmar.js';

/** The return code of a task that was killed (ZX_TASK_RETCODE_SYSCALL_KILL). */
export const TASK_RETCODE_SYSCALL_KILL = -1024;

/** States of a {@link Process}. */
export const ProcessState = {
  /** Created, no thread started yet. */
  Initial: 'initial',
  Running: 'running',
  /** Ended; `retcode` holds its return code. */
  Exited: 'exited',
} as const;
export type ProcessState = (typeof ProcessState)[keyof typeof ProcessState];

/** States of a {@link Thread}. */
export const ThreadState = {
  New: 'new',
  Running: 'running',
  Suspended: 'suspended',
  /** Waiting in a blocking syscall. */
  Blocked: 'blocked',
  /** Killed; its host thread has not been reaped yet. */
  Dying: 'dying',
  Dead: 'dead',
} as const;
export type ThreadState = (typeof ThreadState)[keyof typeof ThreadState];

/**
 * NAME
 *   job - a group of processes and child jobs (a container)
 *
 * SYNOPSIS
 *   `Job.createRoot()`, `job.createChild(name)`, `job.kill()`.
 *
 * DESCRIPTION
 *   Jobs form a tree. Killing a job kills its processes and child jobs, asserts
 *   TASK_TERMINATED, and refuses new children and processes afterwards.
 *
 * RIGHTS
 *   MANAGE_JOB to create child jobs, MANAGE_PROCESS to create processes, DESTROY to kill.
 *
 * ERRORS
 *   ERR_BAD_STATE  creating a child job or process in a killed job.
 */
export class Job extends KObject {
  static override readonly typeName: string = 'job';

  readonly parent: Job | null;
  /** State the layer above attaches to this job. */
  ext: unknown = undefined;
  #children: Job[] = [];
  #processes: Process[] = [];
  #killed = false;

  protected constructor(parent: Job | null, name: string) {
    super(name);
    this.parent = parent;
  }

  /** A job with no parent. */
  static createRoot(name = 'root'): Job {
    return new Job(null, name);
  }

  /** A new child job. */
  createChild(name = ''): Job {
    this.#checkAlive();
    const child = new Job(this, name);
    this.#children.push(child);
    return child;
  }

  get isKilled(): boolean {
    return this.#killed;
  }

  children(): readonly Job[] {
    return [...this.#children];
  }

  processes(): readonly Process[] {
    return [...this.#processes];
  }

  /** Kill every process and child job in this job. */
  kill(): void {
    if (this.#killed) return;
    this.#killed = true;
    for (const p of [...this.#processes]) p.kill();
    for (const j of [...this.#children]) j.kill();
    if (this.parent) this.parent.#children.splice(this.parent.#children.indexOf(this), 1);
    this.signalChange(0, Signal.TASK_TERMINATED);
  }

  /** @internal */
  addProcess(process: Process): void {
    this.#checkAlive();
    this.#processes.push(process);
  }

  /** @internal */
  removeProcess(process: Process): void {
    const i = this.#processes.indexOf(process);
    if (i >= 0) this.#processes.splice(i, 1);
  }

  #checkAlive(): void {
    if (this.#killed) throw new ZxError(ZxStatus.ERR_BAD_STATE, 'job is killed');
  }
}

/** Options of the {@link Process} constructor. */
export interface ProcessOptions {
  /** The process's root VMAR (its address space). */
  vmar: Vmar;
  /** Initial value of the `ext` slot. */
  ext?: unknown;
}

/**
 * NAME
 *   process - an address space, a handle table and threads
 *
 * SYNOPSIS
 *   `new Process(job, name, { vmar })`, `process.start(thread)`, `process.exit(code)`,
 *   `process.kill()`, `await process.waitExit()`.
 *
 * DESCRIPTION
 *   A process goes Initial → Running (its first thread starts) → Exited (exit, kill, or its last
 *   thread ended). On exit its threads are killed, its handles closed, its mappings removed (the
 *   VMAR's pending host ops then only need to be taken), it leaves its job and asserts
 *   TASK_TERMINATED.
 *
 * RIGHTS
 *   MANAGE_THREAD to create threads, DESTROY to kill, WAIT to wait for exit.
 *
 * ERRORS
 *   ERR_BAD_STATE  starting a process twice or after it exited; adding a thread after exit;
 *                  creating it in a killed job.
 */
export class Process extends KObject {
  static override readonly typeName: string = 'process';

  readonly job: Job;
  readonly vmar: Vmar;
  readonly handles = new HandleTable();
  /** State the layer above attaches to this process (e.g. a LinuxProcess). */
  ext: unknown;
  #state: ProcessState = ProcessState.Initial;
  #retcode = 0;
  #threads: Thread[] = [];

  constructor(job: Job, name: string, options: ProcessOptions) {
    super(name);
    job.addProcess(this);
    this.job = job;
    this.vmar = options.vmar;
    this.ext = options.ext;
  }

  get state(): ProcessState {
    return this.#state;
  }

  /** The return code (meaningful once Exited). */
  get retcode(): number {
    return this.#retcode;
  }

  threads(): readonly Thread[] {
    return [...this.#threads];
  }

  /** Start the process by starting its first thread. */
  start(thread: Thread): void {
    if (this.#state !== ProcessState.Initial) throw new ZxError(ZxStatus.ERR_BAD_STATE, 'process already started');
    if (thread.process !== this) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'thread of another process');
    thread.start();
  }

  /** End the process with `retcode`. Later calls do nothing. */
  exit(retcode: number): void {
    if (this.#state === ProcessState.Exited) return;
    this.#state = ProcessState.Exited;
    this.#retcode = retcode;
    for (const t of this.#threads) t.kill();
    this.handles.clear();
    if (this.vmar.sharers.leave()) this.vmar.unmapAll(); // not while another process shares it
    this.job.removeProcess(this);
    this.signalChange(0, Signal.TASK_TERMINATED);
  }

  /** Kill the process (return code TASK_RETCODE_SYSCALL_KILL). */
  kill(): void {
    this.exit(TASK_RETCODE_SYSCALL_KILL);
  }

  /** Resolve with the return code once the process has exited. */
  async waitExit(signal?: AbortSignal): Promise<number> {
    await this.waitSignals(Signal.TASK_TERMINATED, { signal });
    return this.#retcode;
  }

  /** @internal */
  addThread(thread: Thread): void {
    if (this.#state === ProcessState.Exited) throw new ZxError(ZxStatus.ERR_BAD_STATE, 'process exited');
    this.#threads.push(thread);
  }

  /** @internal The thread started running. */
  threadStarted(): void {
    if (this.#state === ProcessState.Initial) this.#state = ProcessState.Running;
  }

  /** @internal The thread is dead; the last one ends a running process. */
  removeThread(thread: Thread): void {
    const i = this.#threads.indexOf(thread);
    if (i >= 0) this.#threads.splice(i, 1);
    if (this.#threads.length === 0 && this.#state === ProcessState.Running) this.exit(this.#retcode);
  }
}

/**
 * NAME
 *   thread - a runnable guest thread
 *
 * SYNOPSIS
 *   `new Thread(process, name)`, `start()`, `suspend()`/`resume()`, `setBlocked(b)`, `kill()`,
 *   `exit()`.
 *
 * DESCRIPTION
 *   States: New → Running ⇄ Suspended / Blocked; kill() → Dying until the host thread is reaped,
 *   then exit() → Dead, which removes it from its process (the last thread ends the process).
 *   THREAD_RUNNING / THREAD_SUSPENDED / TASK_TERMINATED signals follow the state.
 *
 * RIGHTS
 *   MANAGE_THREAD to start, suspend and resume; DESTROY to kill.
 *
 * ERRORS
 *   ERR_BAD_STATE  a transition that the current state does not allow.
 */
export class Thread extends KObject {
  static override readonly typeName: string = 'thread';

  readonly process: Process;
  /** State the layer above attaches to this thread (e.g. a LinuxThread). */
  ext: unknown = undefined;
  #state: ThreadState = ThreadState.New;

  constructor(process: Process, name = '') {
    super(name);
    process.addThread(this);
    this.process = process;
  }

  get state(): ThreadState {
    return this.#state;
  }

  /** New → Running (starts the process if it was Initial). */
  start(): void {
    this.#expect(ThreadState.New);
    this.#state = ThreadState.Running;
    this.process.threadStarted();
    this.signalChange(0, Signal.THREAD_RUNNING);
  }

  /** Running or Blocked → Suspended. */
  suspend(): void {
    if (this.#state !== ThreadState.Running && this.#state !== ThreadState.Blocked) this.#expect(ThreadState.Running);
    this.#state = ThreadState.Suspended;
    this.signalChange(Signal.THREAD_RUNNING, Signal.THREAD_SUSPENDED);
  }

  /** Suspended → Running. */
  resume(): void {
    this.#expect(ThreadState.Suspended);
    this.#state = ThreadState.Running;
    this.signalChange(Signal.THREAD_SUSPENDED, Signal.THREAD_RUNNING);
  }

  /** Running ⇄ Blocked, around a blocking syscall. */
  setBlocked(blocked: boolean): void {
    this.#expect(blocked ? ThreadState.Running : ThreadState.Blocked);
    this.#state = blocked ? ThreadState.Blocked : ThreadState.Running;
  }

  /** Ask the thread to die: Dying until `exit()`. Does nothing if already dying or dead. */
  kill(): void {
    if (this.#state === ThreadState.Dying || this.#state === ThreadState.Dead) return;
    this.#state = ThreadState.Dying;
    this.signalChange(Signal.THREAD_RUNNING | Signal.THREAD_SUSPENDED, 0);
  }

  /** The thread is gone: Dead, removed from its process. */
  exit(): void {
    if (this.#state === ThreadState.Dead) return;
    this.#state = ThreadState.Dead;
    this.signalChange(Signal.THREAD_RUNNING | Signal.THREAD_SUSPENDED, Signal.TASK_TERMINATED);
    this.process.removeThread(this);
  }

  #expect(state: ThreadState): void {
    if (this.#state !== state) throw new ZxError(ZxStatus.ERR_BAD_STATE, `thread is ${this.#state}, not ${state}`);
  }
}
