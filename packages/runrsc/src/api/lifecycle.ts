/**
 * The OCI lifecycle as functions: each `runrsc` verb (create, start, exec, kill, delete, state,
 * list, ps, pause, resume, update, events, wait, features) is one of these. They run in the
 * caller's process and talk to the container's sandbox over its control socket.
 *
 * The pid a container shows is a pid holder forked here, so the caller (or its subreaper, as for
 * conmon and containerd's shims) can wait on it and signal it.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CAP_NAMES, fillRandom } from '@rvisor/linux-object';
import { openPty, reapChild, sendFd, spawnHolder } from '@rvisor/trap-native';
import { BundleError, loadBundle } from '../oci/config.js';
import { parseSignal } from './signals.js';
import { nodeProcessEnv } from '../launch/node-env.js';
import { runHooks, HookError } from '../oci/hooks.js';
import { removeCgroup } from '../sandbox/cgroup.js';
import { callSandbox, RuntimeError, type HolderRef } from '../sandbox/protocol.js';
import { StateStore, type ContainerRecord } from '../state/store.js';
import type { ServedSandbox } from '../sandbox/serve.js';
import { containerConfig, processSpec } from '../oci/container-config.js';
import type {
  ContainerEvent, ContainerState, CreateOptions, ExecOptions, ExitStatus, LinuxResources, OciProcess, RuntimeOptions,
} from './types.js';

export { RuntimeError };

const OCI_VERSION = '1.0.2';
/** Annotations that put a container in an existing container's sandbox. */
const SANDBOX_ANNOTATIONS = ['dev.rvisor.sandbox', 'io.kubernetes.cri.sandbox-id'];
/** How long create waits for a new sandbox to listen. */
const SANDBOX_START_MS = 20_000;

function store(options: RuntimeOptions): StateStore {
  return new StateStore(options.root);
}

/** The sandbox's view of `rec`: stopped when the sandbox is gone. */
async function liveStatus(rec: ContainerRecord): Promise<{ status: ContainerState['status']; exit?: ExitStatus }> {
  try {
    return await callSandbox(rec.socket, 'state', { id: rec.id });
  } catch (err) {
    if (err instanceof RuntimeError && (err.code === 'unavailable' || err.code === 'not-found')) return { status: 'stopped' };
    throw err;
  }
}

function toState(rec: ContainerRecord, status: ContainerState['status']): ContainerState {
  return {
    ociVersion: OCI_VERSION,
    id: rec.id,
    status,
    pid: status === 'stopped' ? 0 : rec.pid,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    annotations: rec.annotations,
    owner: '',
    sandbox: rec.sandbox,
  };
}

/** `bytes` random bytes in hex, from the host's /dev/urandom (not node:crypto, whose load costs every start). */
function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  fillRandom(b);
  return Buffer.from(b).toString('hex');
}

/** Sandboxes this process serves (`inProcess`), by socket. */
const served = new Map<string, ServedSandbox>();

/** Start a sandbox (a process of its own, or served here); resolves with its name and socket once it listens. */
async function startSandbox(st: StateStore, options: CreateOptions): Promise<{ name: string; socket: string }> {
  const name = randomHex(6);
  const dir = st.sandboxDir(name);
  const socket = join(dir, 'sock');
  const logFd = openSync(join(dir, 'log'), 'a', 0o600);
  try {
    if (options.inProcess) await serveHere(socket, logFd, options.strace === true);
    else await spawnSandbox(dir, socket, logFd, options.strace === true);
  } catch (err) {
    let tail = '';
    try {
      tail = readFileSync(join(dir, 'log'), 'utf8').trim().split('\n').slice(-3).join(' | ');
    } catch {
      // no log
    }
    throw new RuntimeError('internal', `cannot start the sandbox: ${(err as Error).message}${tail ? `: ${tail}` : ''}`);
  } finally {
    if (!options.inProcess) closeSync(logFd);
  }
  return { name, socket };
}

/**
 * runrsc's dist/sandbox-main.cjs, found through the package rather than this file: a program that
 * bundles this code (the shim) lives elsewhere.
 */
function sandboxMain(): string {
  const manifest = createRequire(import.meta.url).resolve('@rvisor/runrsc/package.json');
  return join(dirname(manifest), 'dist', 'sandbox-main.cjs');
}

/** Run sandbox-main.cjs detached; resolves once it says it listens. */
async function spawnSandbox(dir: string, socket: string, logFd: number, strace: boolean): Promise<void> {
  const args = [sandboxMain(), '--socket', socket, ...(strace ? ['--strace'] : [])];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFd, logFd, 'pipe'], cwd: '/', env: nodeProcessEnv() });
  const ready = child.stdio[3]!;
  try {
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('it did not start in time')), SANDBOX_START_MS);
      ready.once('data', () => {
        clearTimeout(timer);
        ok();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`it exited (${signal ?? `status ${code}`})`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  ready.destroy();
  child.unref();
}

/** Serve the sandbox from this process, logging to `logFd` as a sandbox process logs to its stderr. */
async function serveHere(socket: string, logFd: number, strace: boolean): Promise<void> {
  const { serveSandbox } = await import('../sandbox/serve.js');
  const write = (line: string) => writeSync(logFd, line + '\n');
  let sandbox: ServedSandbox;
  try {
    sandbox = await serveSandbox({ socket, log: (m) => write(`${new Date().toISOString()} ${m}`), strace: strace ? write : undefined });
  } catch (err) {
    closeSync(logFd);
    throw err;
  }
  served.set(socket, sandbox);
  void sandbox.done.then(() => {
    served.delete(socket);
    closeSync(logFd);
  });
}

/** The sandbox a new container joins: one named by option or annotation, else a new one. */
async function sandboxFor(st: StateStore, options: CreateOptions, annotations: Record<string, string>): Promise<{ name: string; socket: string; fresh: boolean }> {
  const other = options.sandbox ?? SANDBOX_ANNOTATIONS.map((a) => annotations[a]).find((v) => v !== undefined);
  if (other !== undefined) {
    let rec: ContainerRecord | undefined;
    try {
      rec = st.read(other);
    } catch {
      rec = undefined; // a pod's first container (its id is the sandbox id): a new sandbox
    }
    if (rec) {
      if ((await liveStatus(rec)).status === 'stopped' && other !== rec.id) throw new RuntimeError('wrong-state', `sandbox of ${other} is not running`);
      return { name: rec.sandbox, socket: rec.socket, fresh: false };
    }
  }
  return { ...(await startSandbox(st, options)), fresh: true };
}

/** Fork a pid holder with `stdio`; the sandbox at `socket` takes it over. */
function forkHolder(socket: string, stdio: readonly [number, number, number]): HolderRef {
  const token = randomHex(12);
  const pid = spawnHolder({ stdio: [...stdio] as [number, number, number], socketPath: socket, token });
  return { pid, token };
}

/** The stdio of a new process: a new pty whose master goes to the console socket, or the given fds. */
function processStdio(terminal: boolean, options: { consoleSocket?: string; stdio?: readonly [number, number, number] }): { stdio: readonly [number, number, number]; close: () => void } {
  if (!terminal || !options.consoleSocket) return { stdio: options.stdio ?? [0, 1, 2], close: () => {} };
  const pty = openPty();
  try {
    sendFd(options.consoleSocket, pty.master, pty.path);
  } catch (err) {
    closeSync(pty.master);
    closeSync(pty.slave);
    throw new RuntimeError('invalid', `--console-socket ${options.consoleSocket}: ${(err as Error).message}`);
  }
  closeSync(pty.master);
  return { stdio: [pty.slave, pty.slave, pty.slave], close: () => closeSync(pty.slave) };
}

/**
 * Reap a holder of ours once it has ended; `kill` first ends one that no sandbox took over.
 * Waits without blocking the event loop (the shim calls this in its daemon), for at most 1 s.
 */
async function reapHolder(pid: number, kill = false): Promise<void> {
  if (kill) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 100; i++) {
    try {
      if (reapChild(pid)) return;
    } catch {
      return; // not our child
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

function writePidFile(file: string | undefined, pid: number): void {
  if (file) writeFileSync(resolve(file), String(pid));
}

/**
 * `create`: build the container from its bundle and stop before running its process. Returns
 * its state (status created). A bad bundle fails before anything is started; any later failure
 * undoes what was done.
 */
export async function createContainer(id: string, options: CreateOptions = {}): Promise<ContainerState> {
  const st = store(options);
  const warn = options.log ?? (() => {});
  let bundle;
  try {
    bundle = loadBundle(options.bundle ?? process.cwd());
  } catch (err) {
    if (err instanceof BundleError) throw new RuntimeError('invalid', err.message);
    throw err;
  }
  const config = containerConfig(bundle, warn);
  const annotations = bundle.spec.annotations ?? {};
  const terminal = bundle.spec.process.terminal === true;
  st.reserve(id);
  let sandbox: { name: string; socket: string; fresh: boolean } | undefined;
  let holder: HolderRef | undefined;
  let created = false;
  try {
    sandbox = await sandboxFor(st, options, annotations);
    const io = processStdio(terminal, options);
    try {
      holder = forkHolder(sandbox.socket, io.stdio);
    } finally {
      io.close();
    }
    await callSandbox(sandbox.socket, 'create', { id, holder, config });
    created = true;
    const rec: ContainerRecord = {
      id,
      bundle: bundle.dir,
      rootfs: bundle.rootfs,
      created: new Date().toISOString(),
      annotations,
      pid: holder.pid,
      sandbox: sandbox.name,
      socket: sandbox.socket,
      hooks: bundle.spec.hooks,
      process: bundle.spec.process,
    };
    st.write(rec);
    writePidFile(options.pidFile, holder.pid);
    const state = toState(rec, 'created');
    const hooks = bundle.spec.hooks;
    await runHooks('prestart', hooks?.prestart, state);
    await runHooks('createRuntime', hooks?.createRuntime, state);
    await runHooks('createContainer', hooks?.createContainer, state);
    return state;
  } catch (err) {
    if (created && sandbox) {
      await callSandbox(sandbox.socket, 'kill', { id, signal: constants.signals.SIGKILL }).catch(() => {});
      await callSandbox(sandbox.socket, 'wait', { id }).catch(() => {});
      await callSandbox(sandbox.socket, 'remove', { id }).catch(() => {});
    } else if (holder) {
      await reapHolder(holder.pid, true);
    }
    if (sandbox?.fresh && !created) await stopSandbox(sandbox.socket);
    st.remove(id);
    if (err instanceof HookError) throw new RuntimeError('invalid', err.message);
    throw err;
  }
}

/** Stop a sandbox that has no container (a failed create's): ask it to drop nothing and exit. */
async function stopSandbox(socket: string): Promise<void> {
  // An empty sandbox exits when its last container goes; one that never had any is ended by pid.
  const here = served.get(socket);
  if (here) return here.shutdown();
  const pid = sandboxPid(socket);
  if (pid) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
}

/** The pid of the sandbox serving `socket` (it writes it beside the socket), or 0. */
function sandboxPid(socket: string): number {
  try {
    return Number(readFileSync(join(socket, '..', 'pid'), 'utf8'));
  } catch {
    return 0;
  }
}

/** `start`: run the container's process (created → running). */
export async function startContainer(id: string, options: RuntimeOptions = {}): Promise<void> {
  const rec = store(options).read(id);
  const { status } = await liveStatus(rec);
  if (status !== 'created') throw new RuntimeError('wrong-state', `cannot start a container that has ${status === 'stopped' ? 'stopped' : `status ${status}`}`);
  await runHooks('startContainer', rec.hooks?.startContainer, toState(rec, 'created'));
  await callSandbox(rec.socket, 'start', { id });
  await runHooks('poststart', rec.hooks?.poststart, toState(rec, 'running'), { warnOnly: true, warn: options.log });
}

/** `exec`: run another process in a running container. Waits for it unless `detach`. */
export async function execProcess(id: string, proc: OciProcess, options: ExecOptions = {}): Promise<{ pid: number; exit?: ExitStatus }> {
  const rec = store(options).read(id);
  const { status } = await liveStatus(rec);
  if (status !== 'running') throw new RuntimeError('wrong-state', `cannot exec in a ${status} container`);
  if (!Array.isArray(proc.args) || proc.args.length === 0) throw new RuntimeError('invalid', 'process.args must not be empty');
  const io = processStdio(proc.terminal === true, options);
  let holder: HolderRef;
  try {
    holder = forkHolder(rec.socket, io.stdio);
  } finally {
    io.close();
  }
  try {
    await callSandbox(rec.socket, 'exec', {
      id,
      holder,
      process: processSpec({ ...proc, cwd: proc.cwd || '/', user: proc.user ?? { uid: 0, gid: 0 } }, options.log ?? (() => {})),
    });
  } catch (err) {
    await reapHolder(holder.pid, true);
    throw err;
  }
  writePidFile(options.pidFile, holder.pid);
  if (options.detach) return { pid: holder.pid };
  const exit = await callSandbox(rec.socket, 'wait', { id, pid: holder.pid });
  await reapHolder(holder.pid);
  return { pid: holder.pid, exit };
}

/** `kill`: send a signal to the container's init (or an exec's holder `pid`, or every process with `all`). */
export async function killContainer(id: string, signal: number | string = 'SIGTERM', options: RuntimeOptions & { all?: boolean; pid?: number } = {}): Promise<void> {
  const rec = store(options).read(id);
  let signo: number;
  try {
    signo = parseSignal(String(signal));
  } catch (err) {
    throw new RuntimeError('invalid', (err as Error).message);
  }
  const { status } = await liveStatus(rec);
  if (status === 'stopped') throw new RuntimeError('wrong-state', 'container not running');
  await callSandbox(rec.socket, 'kill', { id, signal: signo, all: options.all, pid: options.pid });
}

/** `delete`: remove a stopped (or created) container; `force` kills a running one first. */
export async function deleteContainer(id: string, options: RuntimeOptions & { force?: boolean } = {}): Promise<void> {
  const st = store(options);
  let rec: ContainerRecord;
  try {
    rec = st.read(id);
  } catch (err) {
    if (options.force) st.remove(id); // what a create that died half-way left
    throw err;
  }
  const { status } = await liveStatus(rec);
  if (status === 'running' || status === 'paused') {
    if (!options.force) throw new RuntimeError('wrong-state', `cannot delete container ${id} that is not stopped: ${status}`);
    if (status === 'paused') await callSandbox(rec.socket, 'resume', { id });
    await callSandbox(rec.socket, 'kill', { id, signal: constants.signals.SIGKILL, all: true }).catch(() => {});
    await callSandbox(rec.socket, 'wait', { id }).catch(() => {});
  }
  await callSandbox(rec.socket, 'remove', { id }).catch((err: unknown) => {
    if (!(err instanceof RuntimeError) || (err.code !== 'unavailable' && err.code !== 'not-found')) throw err;
  });
  st.remove(id);
  // The last container's delete removes what a killed sandbox leaves: its directory and cgroup.
  if (!st.records().some((other) => other.sandbox === rec.sandbox)) {
    await sandboxGone(rec.socket);
    st.removeSandbox(rec.sandbox);
    removeSandboxCgroup(rec.sandbox, options.log);
  }
  await runHooks('poststop', rec.hooks?.poststop, toState(rec, 'stopped'), { warnOnly: true, warn: options.log });
}

/** Wait (up to 2 s) for an emptied sandbox process to exit. */
async function sandboxGone(socket: string): Promise<void> {
  const here = served.get(socket);
  if (here) return here.done;
  const pid = sandboxPid(socket);
  for (let i = 0; pid && i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Remove the host cgroup of a sandbox that has exited, if it had one. */
function removeSandboxCgroup(name: string, log?: (m: string) => void): void {
  try {
    removeCgroup(name);
  } catch (err) {
    log?.(`cannot remove the sandbox's cgroup: ${(err as Error).message}`);
  }
}

/** `state`: the container's OCI state. */
export async function containerState(id: string, options: RuntimeOptions = {}): Promise<ContainerState> {
  const rec = store(options).read(id);
  return toState(rec, (await liveStatus(rec)).status);
}

/** `list`: every container under the root. */
export async function listContainers(options: RuntimeOptions = {}): Promise<ContainerState[]> {
  return Promise.all(store(options).records().map(async (rec) => toState(rec, (await liveStatus(rec)).status)));
}

/** `ps`: the host pids of the container's processes. */
export async function containerPids(id: string, options: RuntimeOptions = {}): Promise<number[]> {
  const rec = store(options).read(id);
  const { status } = await liveStatus(rec);
  if (status === 'stopped') return [];
  return callSandbox(rec.socket, 'ps', { id });
}

/** `pause`: freeze every guest thread of the container. */
export async function pauseContainer(id: string, options: RuntimeOptions = {}): Promise<void> {
  const rec = store(options).read(id);
  await callSandbox(rec.socket, 'pause', { id }).catch(unavailableIsStopped);
}

/** `resume`: thaw a paused container. */
export async function resumeContainer(id: string, options: RuntimeOptions = {}): Promise<void> {
  const rec = store(options).read(id);
  await callSandbox(rec.socket, 'resume', { id }).catch(unavailableIsStopped);
}

function unavailableIsStopped(err: unknown): never {
  if (err instanceof RuntimeError && err.code === 'unavailable') throw new RuntimeError('wrong-state', 'container not running');
  throw err;
}

/** `update`: change the container's resource limits. */
export async function updateContainer(id: string, resources: LinuxResources, options: RuntimeOptions = {}): Promise<void> {
  const rec = store(options).read(id);
  await callSandbox(rec.socket, 'update', { id, resources }).catch(unavailableIsStopped);
}

/** `wait` (as runsc's): how the container's init (or the exec whose holder is `pid`) ended. */
export async function waitContainer(id: string, options: RuntimeOptions & { pid?: number } = {}): Promise<ExitStatus> {
  const rec = store(options).read(id);
  return callSandbox(rec.socket, 'wait', { id, pid: options.pid }).catch(unavailableIsStopped);
}

/** `events`: stats records every `intervalMs` (one with `stats`), and the exit. */
export async function* containerEvents(id: string, options: RuntimeOptions & { stats?: boolean; intervalMs?: number } = {}): AsyncIterable<ContainerEvent> {
  const rec = store(options).read(id);
  const interval = options.intervalMs ?? 5000;
  for (;;) {
    const { status } = await liveStatus(rec);
    if (status === 'stopped') {
      if (!options.stats) yield { type: 'exit', id };
      return;
    }
    yield { type: 'stats', id, data: await callSandbox(rec.socket, 'stats', { id }) };
    if (options.stats) return;
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** `features`: what this runtime supports, as `runc features` prints it. */
export function runtimeFeatures(): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: ['bind', 'rbind', 'ro', 'rw'],
    linux: {
      namespaces: ['pid', 'mount', 'uts', 'ipc', 'network'],
      capabilities: [...CAP_NAMES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    annotations: {
      'dev.rvisor.sandbox': 'put the container in the sandbox of this container id (a pod)',
      'dev.rvisor.file-access': 'exclusive (default: lookups in the rootfs are cached) or shared (the host may change the rootfs)',
    },
  };
}
