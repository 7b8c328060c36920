import {
  containerPids,
  containerState,
  createContainer,
  deleteContainer,
  execProcess,
  killContainer,
  pauseContainer,
  resumeContainer,
  startContainer,
  updateContainer,
  waitContainer,
} from '@rvisor/runrsc';
import type { RuntimeOptions } from '@rvisor/runrsc';
import { reapChild } from '@rvisor/trap-native';
import { join } from 'node:path';
import type { LinuxResources, OciProcess, RuntimeCreateOptions, RuntimeState, StdioFds, TaskExit, TaskRuntime } from './runtime.js';

/**
 * {@link TaskRuntime} on `@rvisor/runrsc`'s lifecycle functions, in this process. The pid holders
 * runrsc forks are this process's children: they are reaped here once their process has exited.
 */
export class RunrscRuntime implements TaskRuntime {
  private readonly initPids = new Map<string, number>();

  /** `options.root` is the runtime's state directory (one per containerd namespace). */
  constructor(private readonly options: RuntimeOptions) {}

  async create(id: string, options: RuntimeCreateOptions): Promise<{ pid: number }> {
    const state = await createContainer(id, {
      ...this.options,
      bundle: options.bundle,
      // The `delete` command reads it to report the pid of a task whose shim died.
      pidFile: join(options.bundle, 'init.pid'),
      stdio: options.stdio,
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    });
    this.initPids.set(id, state.pid);
    return { pid: state.pid };
  }

  start(id: string): Promise<void> {
    return startContainer(id, this.options);
  }

  async exec(id: string, process: OciProcess, stdio: StdioFds): Promise<{ pid: number }> {
    const { pid } = await execProcess(id, process, { ...this.options, detach: true, stdio });
    return { pid };
  }

  async wait(id: string, pid?: number): Promise<TaskExit> {
    const exit = await waitContainer(id, { ...this.options, ...(pid !== undefined ? { pid } : {}) });
    reapHolder(pid ?? this.initPids.get(id) ?? 0);
    return { status: exit.status, exitedAt: new Date(exit.exitedAt) };
  }

  kill(id: string, signal: number, options: { all?: boolean; pid?: number } = {}): Promise<void> {
    return killContainer(id, signal, { ...this.options, ...options });
  }

  async delete(id: string, force?: boolean): Promise<void> {
    await deleteContainer(id, { ...this.options, ...(force ? { force } : {}) });
    reapHolder(this.initPids.get(id) ?? 0);
    this.initPids.delete(id);
  }

  async state(id: string): Promise<RuntimeState> {
    const { status, pid } = await containerState(id, this.options);
    return { status, pid };
  }

  pids(id: string): Promise<number[]> {
    return containerPids(id, this.options);
  }

  pause(id: string): Promise<void> {
    return pauseContainer(id, this.options);
  }

  resume(id: string): Promise<void> {
    return resumeContainer(id, this.options);
  }

  update(id: string, resources: LinuxResources): Promise<void> {
    return updateContainer(id, resources as Parameters<typeof updateContainer>[1], this.options);
  }
}

/**
 * Reap a pid holder that has exited or is about to (the sandbox tells it to exit as it answers
 * wait). A few short tries; a holder still there is reaped by a later try or stays until exit.
 */
function reapHolder(pid: number): void {
  if (pid <= 0) return;
  let tries = 0;
  const attempt = () => {
    try {
      if (reapChild(pid)) return;
    } catch {
      return; // not our child, or reaped already
    }
    if (++tries < 50) setTimeout(attempt, 20).unref();
  };
  attempt();
}
