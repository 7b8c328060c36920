/**
 * The sandbox: one host process running the kernel for one or more containers (a pod). It owns
 * the platform (one tracer), the run loop, and physical memory; each container has its own kernel
 * (file tree, pid space, memory account). Runtime commands reach it through its control socket.
 *
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';
import { closeSync } from 'node:fs';
import {
  LoopbackNetwork, SI_USER, Signo, defaultAction, sendSignal, signalForeground, type Kernel, type LinuxProcess,
} from '@rvisor/linux-object';
import { KernelRunner } from '@rvisor/linux-syscall';
import { PmemAllocator, type Platform } from '@rvisor/zircon-object';
import { hostOps, pidfdGetfd } from '@rvisor/trap-native';
import { buildContainerKernel, spawnProcess, StartError, type ContainerKernel, type StartedProcess } from './container.js';
import { RuntimeError, type HolderRef, type Op, type Reply, type Requests, type SandboxStatus } from './protocol.js';
import type { ContainerStats, ExitStatus, LinuxResources } from '../api/types.js';
import { openCgroup, type Cgroup } from './cgroup.js';
import { cpusetSize } from '../oci/container-config.js';
import { HolderRegistry, type HolderLink } from './holders.js';

/** A process started from outside (init or exec) and the holder that stands for it on the host. */
interface Watched {
  proc: LinuxProcess;
  started: StartedProcess;
  holder: HolderLink;
  exit?: ExitStatus;
  waiters: ((exit: ExitStatus) => void)[];
}

/** One container of the sandbox. */
interface Container {
  id: string;
  kernel: ContainerKernel;
  init: Watched;
  /** Processes by holder pid (init's included). */
  watched: Map<number, Watched>;
  status: SandboxStatus['status'];
}

/** Options of {@link Sandbox}. */
export interface SandboxOptions {
  /** The sandbox's name (its host cgroup is rvisor/<name>). */
  name: string;
  platform: Platform;
  /** Kernel and sandbox messages. */
  log: (message: string) => void;
  strace?: (line: string) => void;
  /** Called when the last container is removed: the sandbox process should exit. */
  onEmpty: () => void;
}

/** Host memory the sandbox itself needs beyond its guests' (Node, the kernel's tables). */
const SANDBOX_MEMORY_OVERHEAD = 256 * 2 ** 20;
/** Host tasks the sandbox itself runs (Node's threads, the platform's watcher thread and anchor). */
const SANDBOX_TASK_OVERHEAD = 32;

/**
 * The host cgroup's share of a container's resources: the kernel enforces the container's exact
 * memory and task limits (ENOMEM, EAGAIN); the host cgroup bounds the whole sandbox, itself included.
 */
function hostResources(r: LinuxResources): LinuxResources {
  const memory = r.memory?.limit !== undefined && r.memory.limit > 0 ? { ...r.memory, limit: r.memory.limit + SANDBOX_MEMORY_OVERHEAD } : undefined;
  const pids = r.pids?.limit !== undefined && r.pids.limit > 0 ? { limit: r.pids.limit + SANDBOX_TASK_OVERHEAD } : undefined;
  return { memory, pids, cpu: r.cpu };
}

function limitsSomething(r: LinuxResources | undefined): r is LinuxResources {
  return r !== undefined && (r.memory?.limit !== undefined || r.pids?.limit !== undefined || r.cpu !== undefined);
}

const TERMINAL_SIGNALS = new Set<number>([Signo.SIGINT, Signo.SIGQUIT, Signo.SIGTSTP]);
/** How long delete waits for a removed container's killed threads to go before it answers anyway. */
const RETIRE_WAIT_MS = 5000;

function exitStatus(proc: LinuxProcess): ExitStatus {
  const exit = proc.exit ?? { code: 0, signal: 0 };
  return {
    status: exit.signal ? 128 + exit.signal : exit.code,
    exitCode: exit.code,
    signal: exit.signal,
    exitedAt: new Date().toISOString(),
  };
}

/** The kernel side of the runtime: containers, their processes and the control socket. */
export class Sandbox {
  readonly #options: SandboxOptions;
  readonly #ops = hostOps();
  readonly #allocator: PmemAllocator;
  readonly #containers = new Map<string, Container>();
  /** The pod's network namespace: its containers reach each other on 127.0.0.1, as in Kubernetes. */
  readonly #network = new LoopbackNetwork();
  readonly #holders = new HolderRegistry();
  #runner: KernelRunner | null = null;
  #running: Promise<void> | null = null;
  #server: Server | null = null;
  #cgroup: Cgroup | null = null;

  constructor(options: SandboxOptions) {
    this.#options = options;
    this.#allocator = new PmemAllocator(options.platform.pmem);
  }

  /** Serve the control socket at `path`. */
  listen(path: string): Promise<void> {
    const server = createServer((conn) => this.#accept(conn));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  }

  /** Stop serving; this process leaves the sandbox's host cgroup (it may live on, as `runrsc run`'s). */
  close(): void {
    this.#server?.close();
    try {
      this.#cgroup?.removeProcess(process.pid);
    } catch (err) {
      this.#options.log(`cannot leave the host cgroup: ${(err as Error).message}`);
    }
  }

  #accept(conn: Socket): void {
    conn.setEncoding('utf8');
    let buf = '';
    const onData = (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      conn.off('data', onData);
      const line = buf.slice(0, nl);
      const rest = buf.slice(nl + 1);
      if (line.startsWith('hello ')) {
        this.#holders.hello(conn, line, rest);
        return;
      }
      void this.#request(line).then((reply) => conn.end(JSON.stringify(reply) + '\n'));
    };
    conn.on('data', onData);
    conn.on('error', () => conn.destroy());
  }

  async #request(line: string): Promise<Reply> {
    let req: { op: Op } & Record<string, unknown>;
    try {
      req = JSON.parse(line);
    } catch {
      return { ok: false, code: 'invalid', message: 'malformed request' };
    }
    try {
      const handler = this.#handlers[req.op] as ((args: unknown) => unknown) | undefined;
      if (!handler) throw new RuntimeError('invalid', `unknown request ${String(req.op)}`);
      return { ok: true, result: (await handler(req)) ?? null };
    } catch (err) {
      if (err instanceof RuntimeError) return { ok: false, code: err.code, message: err.message };
      this.#options.log(`internal error in ${req.op}: ${(err as Error).stack ?? String(err)}`);
      return { ok: false, code: 'internal', message: (err as Error).message };
    }
  }

  #container(id: string): Container {
    const c = this.#containers.get(id);
    if (!c) throw new RuntimeError('not-found', `container ${id} does not exist in this sandbox`);
    return c;
  }

  /** The holder's stdio fds, duplicated into this process. */
  #stdioOf(holder: HolderRef): [number, number, number] {
    return [pidfdGetfd(holder.pid, 0), pidfdGetfd(holder.pid, 1), pidfdGetfd(holder.pid, 2)];
  }

  /** Start `spec` in `container` for `holder`; the holder tells the host how it ends. */
  async #spawn(container: ContainerKernel, ref: HolderRef, spec: Parameters<typeof spawnProcess>[2], init: boolean): Promise<Watched> {
    const holder = await this.#holders.take(ref);
    let stdio: [number, number, number];
    try {
      stdio = this.#stdioOf(ref);
    } catch (err) {
      holder.exit(125);
      throw new RuntimeError('internal', `cannot take the stdio of pid ${ref.pid}: ${(err as Error).message}`);
    }
    let started: StartedProcess;
    try {
      started = spawnProcess(container, this.#ops, spec, stdio, init, true);
    } catch (err) {
      for (const fd of stdio) closeSync(fd);
      const status = err instanceof StartError ? err.status : 126;
      holder.exit(status);
      throw new RuntimeError('invalid', `exec failed: ${(err as Error).message}`);
    }
    const w: Watched = { proc: started.thread.process, started, holder, waiters: [] };
    holder.onSignal = (signo) => this.#forward(container, w, signo);
    holder.onGone = () => {
      // The holder was killed (SIGKILL cannot be forwarded): its process dies the same way.
      if (!w.exit) container.kernel.killProcess(w.proc, Signo.SIGKILL);
    };
    return w;
  }

  /** A signal sent to a holder on the host goes to its process (terminal keys to the foreground group). */
  #forward(container: ContainerKernel, w: Watched, signo: number): void {
    if (w.exit) return;
    const { kernel } = container;
    if (TERMINAL_SIGNALS.has(signo) && w.started.terminal.session === w.proc.sid) {
      signalForeground(kernel, w.started.terminal, signo);
      return;
    }
    sendSignal(kernel, w.proc, { signo, code: SI_USER, pid: 0, uid: 0 });
  }

  /** A watched process ended: tell its holder and its waiters. */
  #died(c: Container, proc: LinuxProcess): void {
    for (const w of c.watched.values()) {
      if (w.proc !== proc || w.exit) continue;
      w.exit = exitStatus(proc);
      if (proc.exit?.signal) w.holder.kill(proc.exit.signal);
      else w.holder.exit(proc.exit?.code ?? 0);
      for (const wake of w.waiters.splice(0)) wake(w.exit);
      if (w === c.init) c.status = 'stopped';
    }
  }

  /**
   * Drop a removed container's kernel once its last thread is gone (the run loop must see them
   * exit, which releases their files), then release its file systems' host fds. Resolves then, or
   * after RETIRE_WAIT_MS with the fds still held if a thread will not go (delete must not hang).
   */
  #retire(kernel: Kernel): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        kernel.onProcessDied = null;
        this.#runner?.removeKernel(kernel);
        kernel.vfs.release();
        resolve();
      };
      const timer = setTimeout(() => {
        this.#options.log(`a removed container's threads are still alive after ${RETIRE_WAIT_MS} ms; its host fds stay open until they go`);
        resolve();
      }, RETIRE_WAIT_MS);
      if (kernel.threadsByHostTid.size === 0) return release();
      kernel.onProcessDied = () => {
        if (kernel.threadsByHostTid.size === 0) release();
      };
      this.#ensureRunning();
    });
  }

  /**
   * Start the run loop unless it runs. Not in the caller's turn: the loop blocks in the host as
   * soon as it runs, and the request that started it (start, exec) would have its reply held back
   * until a guest's event or a timer woke the loop (a `start` of a container whose process sleeps
   * took 8 s). On setImmediate, the reply's promise chain has run and its write gone out first.
   */
  #ensureRunning(): void {
    if (this.#running) return;
    this.#running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#runner!.run()).finally(() => {
      this.#running = null;
      // A process may have been started as the loop was ending.
      if ([...this.#containers.values()].some((c) => c.kernel.kernel.threadsByHostTid.size > 0)) this.#ensureRunning();
    });
  }

  readonly #handlers: { [K in Op]: (args: Requests[K]['args']) => Promise<Requests[K]['result']> | Requests[K]['result'] } = {
    create: async ({ id, holder, config }) => {
      if (this.#containers.has(id)) throw new RuntimeError('exists', `container with id exists: ${id}`);
      if (this.#containers.size === 0 && !this.#cgroup && limitsSomething(config.resources)) {
        // The sandbox and every guest it starts from now on run in the pod's host cgroup.
        try {
          this.#cgroup = openCgroup(this.#options.name, hostResources(config.resources));
          this.#cgroup.addProcess(process.pid);
          // A cpuset that lacks the kernel's CPU (or any cpuset, before Linux 6.2) gives its
          // pinned thread all the cgroup's CPUs.
          this.#options.platform.repin?.();
        } catch (err) {
          (await this.#holders.take(holder)).exit(125);
          throw new RuntimeError('invalid', `linux.resources: ${(err as Error).message}`);
        }
      }
      let kernel: ContainerKernel;
      try {
        kernel = buildContainerKernel(this.#options.platform, this.#ops, { ...config, allocator: this.#allocator, network: this.#network });
      } catch (err) {
        (await this.#holders.take(holder)).exit(125);
        throw new RuntimeError('invalid', (err as Error).message);
      }
      const init = await this.#spawn(kernel, holder, config.process, true);
      const c: Container = { id, kernel, init, watched: new Map([[holder.pid, init]]), status: 'created' };
      kernel.kernel.onProcessDied = (proc) => this.#died(c, proc);
      this.#containers.set(id, c);
      if (this.#runner) this.#runner.addKernel(kernel.kernel);
      else this.#runner = new KernelRunner(kernel.kernel, { strace: this.#options.strace, log: { warn: this.#options.log } });
      return null;
    },
    start: ({ id }) => {
      const c = this.#container(id);
      if (c.status !== 'created') throw new RuntimeError('wrong-state', `cannot start a container that is ${c.status}`);
      c.status = 'running';
      this.#runner!.start(c.init.started.thread, 0, c.kernel.kernel);
      this.#ensureRunning();
      return null;
    },
    exec: async ({ id, holder, process }) => {
      const c = this.#container(id);
      if (c.status !== 'running' && c.status !== 'paused') {
        (await this.#holders.take(holder)).exit(255);
        throw new RuntimeError('wrong-state', `cannot exec in a ${c.status} container`);
      }
      const w = await this.#spawn(c.kernel, holder, process, false);
      c.watched.set(holder.pid, w);
      this.#runner!.start(w.started.thread, 0, c.kernel.kernel);
      this.#ensureRunning();
      return null;
    },
    state: ({ id }) => {
      const c = this.#container(id);
      return { status: c.status, exit: c.init.exit };
    },
    kill: ({ id, signal, all, pid }) => {
      const c = this.#container(id);
      if (c.status === 'stopped') throw new RuntimeError('wrong-state', 'container not running');
      const { kernel } = c.kernel;
      if (all) {
        for (const proc of [...kernel.processes.values()]) if (!proc.dead) sendSignal(kernel, proc, { signo: signal, code: SI_USER, pid: 0, uid: 0 });
        return null;
      }
      const w = pid === undefined ? c.init : c.watched.get(pid);
      if (!w) throw new RuntimeError('not-found', `no process ${pid} in container ${id}`);
      if (w.exit) throw new RuntimeError('wrong-state', 'process already finished');
      if (c.status === 'created') {
        // Not started: no handler can run, so the signal ends it unless it is ignored by default.
        if (signal === Signo.SIGKILL || (defaultAction(signal) !== 'ignore' && defaultAction(signal) !== 'stop')) {
          kernel.killProcess(w.proc, signal);
          this.#ensureRunning(); // the loop sees it go
        }
        return null;
      }
      sendSignal(kernel, w.proc, { signo: signal, code: SI_USER, pid: 0, uid: 0 });
      return null;
    },
    wait: async ({ id, pid }) => {
      const c = this.#container(id);
      const w = pid === undefined ? c.init : c.watched.get(pid);
      if (!w) throw new RuntimeError('not-found', `no process ${pid} in container ${id}`);
      if (w.exit) return w.exit;
      return new Promise<ExitStatus>((resolve) => w.waiters.push(resolve));
    },
    ps: ({ id }) => {
      const c = this.#container(id);
      const pids: number[] = [];
      for (const proc of c.kernel.kernel.processes.values()) {
        if (proc.dead) continue;
        const leader = proc.threads.get(proc.pid) ?? proc.threads.values().next().value;
        if (leader) pids.push(leader.hostTid);
      }
      return pids;
    },
    pause: ({ id }) => {
      const c = this.#container(id);
      if (c.status !== 'running') throw new RuntimeError('wrong-state', `container not running`);
      c.kernel.kernel.freeze();
      c.status = 'paused';
      return null;
    },
    resume: ({ id }) => {
      const c = this.#container(id);
      if (c.status !== 'paused') throw new RuntimeError('wrong-state', `container not paused`);
      c.status = 'running';
      c.kernel.kernel.thaw();
      return null;
    },
    update: ({ id, resources }) => {
      const { kernel } = this.#container(id).kernel;
      try {
        this.#cgroup?.update(hostResources(resources));
      } catch (err) {
        throw new RuntimeError('invalid', (err as Error).message);
      }
      if (resources.cpu?.cpus !== undefined) {
        // A new cpuset may unpin the kernel's thread, as joining one may (create, above), and
        // changes how many CPUs the container sees.
        if (this.#cgroup) this.#options.platform.repin?.();
        kernel.cpuLimit = cpusetSize(resources.cpu.cpus) ?? Infinity;
      }
      if (resources.memory?.limit !== undefined) kernel.memoryAccount.limit = resources.memory.limit < 0 ? Infinity : resources.memory.limit;
      if (resources.pids?.limit !== undefined) kernel.pidsLimit = resources.pids.limit <= 0 ? undefined : resources.pids.limit;
      return null;
    },
    stats: ({ id }) => {
      const { kernel } = this.#container(id).kernel;
      const limit = kernel.memoryAccount.limit;
      return {
        pids: { current: kernel.threadsByHostTid.size, limit: kernel.pidsLimit ?? 0 },
        memory: { usage: { usage: kernel.memoryAccount.used, limit: Number.isFinite(limit) ? limit : 0, max: kernel.memoryAccount.used } },
        cpu: { usage: { total: this.#cgroup?.stats().cpu.total ?? 0 } },
      } satisfies ContainerStats;
    },
    // Answered once the container's host fds are closed: an engine unmounts what the container
    // had mounted (podman its /dev/shm) right after delete, and an open fd there makes that EBUSY.
    remove: async ({ id }) => {
      const c = this.#container(id);
      if (c.status !== 'stopped' && c.status !== 'created') throw new RuntimeError('wrong-state', `cannot delete a ${c.status} container`);
      const { kernel } = c.kernel;
      for (const t of kernel.threadsByHostTid.values()) kernel.platform.kill(t.hostTid);
      for (const w of c.watched.values()) if (!w.exit) w.holder.kill(Signo.SIGKILL);
      this.#containers.delete(id);
      await this.#retire(kernel);
      if (this.#containers.size === 0) setImmediate(this.#options.onEmpty);
      return null;
    },
  };
}
