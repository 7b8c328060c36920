/**
 * The sandbox's control protocol: one JSON request and one JSON reply per connection, each a
 * line, over the sandbox's unix socket. Pid holders use the same socket; their first line is
 * `hello <pid> <token>` instead.
 *
 * @module
 */
import { connect } from 'node:net';
import type { ContainerKernelOptions, ProcessSpec } from './container.js';
import type { ContainerStats, ExitStatus, LinuxResources } from '../api/types.js';

/** A pid holder the caller forked: the sandbox waits for its hello with this token. */
export interface HolderRef {
  pid: number;
  token: string;
}

/** What the sandbox needs to build a container. */
export interface ContainerConfig extends Omit<ContainerKernelOptions, 'allocator'> {
  process: ProcessSpec;
  /** Host resources for the sandbox's cgroup (the first container's apply). */
  resources?: LinuxResources;
}

/** The status of a container as the sandbox sees it. */
export interface SandboxStatus {
  status: 'created' | 'running' | 'paused' | 'stopped';
  exit?: ExitStatus;
}

/** Every request and the type of its result. */
export interface Requests {
  create: { args: { id: string; holder: HolderRef; config: ContainerConfig }; result: null };
  start: { args: { id: string }; result: null };
  exec: { args: { id: string; holder: HolderRef; process: ProcessSpec }; result: null };
  state: { args: { id: string }; result: SandboxStatus };
  kill: { args: { id: string; signal: number; all?: boolean; pid?: number }; result: null };
  wait: { args: { id: string; pid?: number }; result: ExitStatus };
  ps: { args: { id: string }; result: number[] };
  pause: { args: { id: string }; result: null };
  resume: { args: { id: string }; result: null };
  update: { args: { id: string; resources: LinuxResources }; result: null };
  stats: { args: { id: string }; result: ContainerStats };
  remove: { args: { id: string }; result: null };
}

export type Op = keyof Requests;

/** Error codes shared by the sandbox's replies and {@link RuntimeError}. */
export type ErrorCode = 'not-found' | 'exists' | 'wrong-state' | 'invalid' | 'internal' | 'unavailable';

/** A lifecycle operation failed; `message` is the one line to show. */
export class RuntimeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/** A reply line. */
export type Reply = { ok: true; result: unknown } | { ok: false; code: ErrorCode; message: string };

/**
 * Send one request to the sandbox at `socket` and wait for its reply. Throws RuntimeError with
 * code 'unavailable' when no sandbox answers there (it has exited or was killed).
 */
export function callSandbox<K extends Op>(socket: string, op: K, args: Requests[K]['args']): Promise<Requests[K]['result']> {
  const request = JSON.stringify({ op, ...args }) + '\n';
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let buf = '';
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      conn.destroy();
      fn();
    };
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(request));
    conn.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const reply = JSON.parse(buf.slice(0, nl)) as Reply;
      settle(() => (reply.ok ? resolve(reply.result as Requests[K]['result']) : reject(new RuntimeError(reply.code, reply.message))));
    });
    conn.on('error', (err: NodeJS.ErrnoException) =>
      settle(() => reject(new RuntimeError('unavailable', `sandbox ${socket}: ${err.code ?? err.message}`))));
    conn.on('close', () => settle(() => reject(new RuntimeError('unavailable', `sandbox ${socket}: closed without a reply`))));
  });
}
