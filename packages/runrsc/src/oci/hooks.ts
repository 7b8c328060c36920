/**
 * OCI lifecycle hooks (runtime-spec config.md "POSIX-platform Hooks"): host programs run at fixed
 * points of a container's life, each given the container's state JSON on stdin.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { constants } from 'node:os';
import type { ContainerState } from '../api/types.js';

/** One hook of config.json's `hooks`. */
export interface OciHook {
  /** Absolute path of the program on the host. */
  path: string;
  /** Its argv, argv[0] included (default: just the path). */
  args?: string[];
  /** Its whole environment, as K=V (default: empty). */
  env?: string[];
  /** Seconds it may run before it is killed and counted as failed. */
  timeout?: number;
}

/** The points of the lifecycle where hooks run, in the order they happen. */
export type HookPhase = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

/** How {@link runHooks} treats a failing hook. */
export interface RunHooksOptions {
  /** Report failures through `warn` and go on (the spec's rule for poststart and poststop). */
  warnOnly?: boolean;
  /** Where warnings go (default: dropped). */
  warn?(message: string): void;
}

/** A hook failed; `message` is one line naming the phase and the hook's path. */
export class HookError extends Error {
  override readonly name = 'HookError';
}

/**
 * Run `hooks` one after another, each with `state` as JSON on its stdin. The first that exits
 * non-zero, dies of a signal, times out or cannot be started is an error naming the phase and its
 * path ("createRuntime hook /x exited with status 1"), unless `warnOnly`, when it is reported
 * through `warn` and the next hook runs.
 */
export async function runHooks(
  phase: HookPhase,
  hooks: readonly OciHook[] | undefined,
  state: ContainerState,
  opts: RunHooksOptions = {},
): Promise<void> {
  const input = JSON.stringify(state);
  for (const hook of hooks ?? []) {
    const problem = await runHook(phase, hook, input);
    if (problem === undefined) continue;
    if (opts.warnOnly) opts.warn?.(problem);
    else throw new HookError(problem);
  }
}

/** Run one hook; the one-line reason it failed, or undefined. */
function runHook(phase: HookPhase, hook: OciHook, input: string): Promise<string | undefined> {
  const what = `${phase} hook ${hook.path}`;
  if (!isAbsolute(hook.path)) return Promise.resolve(`${what}: the path must be absolute`);
  if (hook.timeout !== undefined && !(hook.timeout > 0)) return Promise.resolve(`${what}: timeout must be a positive number of seconds`);
  const [argv0, ...rest] = hook.args && hook.args.length > 0 ? hook.args : [hook.path];
  return new Promise((resolve) => {
    const child = spawn(hook.path, rest, {
      argv0,
      env: Object.fromEntries((hook.env ?? []).map(splitEnv)),
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    // A hook need not read its stdin; a closed pipe is not its failure.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    const timer = hook.timeout !== undefined
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, hook.timeout * 1000)
      : undefined;
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`${what}: cannot run it: ${err.code ?? err.message}`);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const detail = stderr.trim() ? `: ${stderr.trim().replace(/\s*\n\s*/g, '; ')}` : '';
      if (timedOut) resolve(`${what} timed out after ${hook.timeout}s`);
      else if (signal) resolve(`${what} was killed by signal ${signal} (${constants.signals[signal]})${detail}`);
      else if (code !== 0) resolve(`${what} exited with status ${code}${detail}`);
      else resolve(undefined);
    });
  });
}

function splitEnv(kv: string): [string, string] {
  const i = kv.indexOf('=');
  return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
}
