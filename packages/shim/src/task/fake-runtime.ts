import type { LinuxResources, OciProcess, RuntimeCreateOptions, RuntimeState, StdioFds, TaskExit, TaskRuntime } from './runtime.js';

/** An error shaped like runrsc's RuntimeError. */
class FakeRuntimeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface FakeProcess {
  pid: number;
  exit?: TaskExit;
  waiters: Array<(exit: TaskExit) => void>;
  process?: OciProcess;
}

interface FakeContainer {
  status: RuntimeState['status'];
  init: FakeProcess;
  execs: Map<number, FakeProcess>;
  sandbox?: string;
}

/**
 * An in-memory {@link TaskRuntime} for tests: processes run until the test ends them with
 * {@link FakeRuntime.exit}; a signal ends them as Linux would (128 + signo) unless `ignoreSignals`.
 */
export class FakeRuntime implements TaskRuntime {
  readonly containers = new Map<string, FakeContainer>();
  /** The calls made, as "verb id" strings. */
  readonly calls: string[] = [];
  ignoreSignals = false;
  private nextPid = 1000;

  create(id: string, options: RuntimeCreateOptions): Promise<{ pid: number }> {
    this.calls.push(`create ${id}`);
    if (this.containers.has(id)) return Promise.reject(new FakeRuntimeError('exists', 'container with given ID already exists'));
    const init: FakeProcess = { pid: this.nextPid++, waiters: [] };
    this.containers.set(id, { status: 'created', init, execs: new Map(), ...(options.sandbox ? { sandbox: options.sandbox } : {}) });
    return Promise.resolve({ pid: init.pid });
  }

  async start(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    const c = this.get(id);
    if (c.status !== 'created') throw new FakeRuntimeError('wrong-state', `cannot start a container that has ${c.status}`);
    c.status = 'running';
  }

  async exec(id: string, process: OciProcess, _stdio: StdioFds): Promise<{ pid: number }> {
    this.calls.push(`exec ${id} ${process.args.join(' ')}`);
    const c = this.get(id);
    if (c.status !== 'running') throw new FakeRuntimeError('wrong-state', 'cannot exec in a stopped container');
    const p: FakeProcess = { pid: this.nextPid++, waiters: [], process };
    c.execs.set(p.pid, p);
    return { pid: p.pid };
  }

  wait(id: string, pid?: number): Promise<TaskExit> {
    const p = this.process(id, pid);
    if (p.exit) return Promise.resolve(p.exit);
    return new Promise((resolve) => p.waiters.push(resolve));
  }

  async kill(id: string, signal: number, options: { all?: boolean; pid?: number } = {}): Promise<void> {
    this.calls.push(`kill ${id} ${signal}${options.all ? ' all' : ''}${options.pid ? ` pid=${options.pid}` : ''}`);
    const c = this.get(id);
    if (this.ignoreSignals || signal === 0) return;
    const targets = options.all ? [c.init, ...c.execs.values()] : [this.process(id, options.pid)];
    for (const p of targets) if (!p.exit) this.exit(id, 128 + signal, p === c.init ? undefined : p.pid);
  }

  async delete(id: string, force?: boolean): Promise<void> {
    this.calls.push(`delete ${id}${force ? ' force' : ''}`);
    const c = this.get(id);
    if (c.status === 'running' && !force) throw new FakeRuntimeError('wrong-state', 'cannot delete a running container');
    this.containers.delete(id);
  }

  async state(id: string): Promise<RuntimeState> {
    const c = this.get(id);
    return { status: c.status, pid: c.status === 'stopped' ? 0 : c.init.pid };
  }

  async pids(id: string): Promise<number[]> {
    const c = this.get(id);
    return [c.init, ...c.execs.values()].filter((p) => !p.exit).map((p) => p.pid);
  }

  async pause(id: string): Promise<void> {
    this.calls.push(`pause ${id}`);
    this.get(id).status = 'paused';
  }

  async resume(id: string): Promise<void> {
    this.calls.push(`resume ${id}`);
    this.get(id).status = 'running';
  }

  async update(id: string, resources: LinuxResources): Promise<void> {
    this.calls.push(`update ${id} ${JSON.stringify(resources)}`);
    this.get(id);
  }

  /** Ends init (no pid) or an exec with `status`. */
  exit(id: string, status: number, pid?: number): void {
    const c = this.get(id);
    const p = this.process(id, pid);
    p.exit = { status, exitedAt: new Date(0) };
    if (p === c.init) c.status = 'stopped';
    for (const waiter of p.waiters.splice(0)) waiter(p.exit);
  }

  private get(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new FakeRuntimeError('not-found', 'container does not exist');
    return c;
  }

  private process(id: string, pid?: number): FakeProcess {
    const c = this.get(id);
    if (pid === undefined) return c.init;
    const p = c.execs.get(pid);
    if (!p) throw new FakeRuntimeError('not-found', `no process ${pid}`);
    return p;
  }
}
