/**
 * runc's global flags (--root, --log, --log-format, --debug) and the logger they configure.
 * Errors go to stderr and, with --log, as a line to the log file: containerd's runc shim reads the
 * last `{"level":"error","msg":…}` line of its log.json to report why a call failed.
 *
 * @module
 */
import { appendFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { RuntimeOptions } from '../api/types.js';

/** The state directory when --root is not given. */
export const DEFAULT_ROOT = '/run/rvisor';

/** The global flags as parsed. */
export interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug?: boolean;
}

/** runc's log levels. */
export type Level = 'debug' | 'info' | 'warning' | 'error';

/** Writes runtime messages to stderr and the --log file, in runc's text or json format. */
export class Logger {
  constructor(private readonly options: Pick<GlobalOptions, 'log' | 'logFormat' | 'debug'>) {}

  /** A failure: always on stderr, and in the log file. */
  error(message: string): void {
    process.stderr.write(`runrsc: ${message}\n`);
    this.record('error', message);
  }

  /** Something the user should know that does not stop the command: to the --log file if given (as runc), else stderr. */
  warn(message: string): void {
    if (this.options.log) this.record('warning', message);
    else process.stderr.write(`runrsc: warning: ${message}\n`);
  }

  /** Kernel and runtime detail: only with --debug. */
  debug(message: string): void {
    if (!this.options.debug) return;
    process.stderr.write(`rvisor: ${message}\n`);
    this.record('debug', message);
  }

  /** Write one line to the --log file only (for messages already shown elsewhere). */
  record(level: Level, msg: string): void {
    const file = this.options.log;
    if (!file) return;
    const time = new Date().toISOString();
    const line = this.options.logFormat === 'json'
      ? JSON.stringify({ level, msg, time })
      : `time=${JSON.stringify(time)} level=${level} msg=${JSON.stringify(msg)}`;
    try {
      appendFileSync(file, line + '\n');
    } catch (err) {
      // The log is best effort: a failing log file must not hide the message itself.
      process.stderr.write(`runrsc: cannot write to --log ${file}: ${(err as Error).message}\n`);
    }
  }
}

/** Add runc's global flags to the program. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--root <dir>', 'directory holding container state', DEFAULT_ROOT)
    .option('--log <file>', 'also write errors (and, with --debug, runtime messages) to this file')
    .addOption(new Option('--log-format <format>', 'format of the --log file').choices(['text', 'json']).default('text'))
    .option('--debug', 'print kernel and runtime messages to stderr')
    // Accepted for runc compatibility; cgroups are always managed through the cgroup file system.
    .addOption(new Option('--systemd-cgroup').hideHelp())
    .addOption(new Option('--rootless <value>').hideHelp());
}

/** The global flags seen from any (sub)command. */
export function globals(cmd: Command): GlobalOptions {
  let top = cmd;
  while (top.parent) top = top.parent;
  return top.opts() as GlobalOptions;
}

/** The logger for the global flags. */
export function logger(cmd: Command): Logger {
  return new Logger(globals(cmd));
}

/** The lifecycle API's options from the global flags; the runtime's messages are warnings. */
export function runtimeOptions(cmd: Command): RuntimeOptions {
  const log = logger(cmd);
  return { root: globals(cmd).root, log: (m) => log.warn(m) };
}

/** commander parser for a non-negative integer option. */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`not a non-negative integer: ${value}`);
  return Number(value);
}

/** commander parser for an integer option (negative allowed, e.g. a cpu quota of -1). */
export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`not an integer: ${value}`);
  return Number(value);
}

/** "64m", "1G", "4096": a byte count (k, m, g are powers of 1024), as runc's size flags take. */
export function parseBytes(value: string): number {
  const m = /^(\d+)([kmg]?)b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`not a size: ${value} (use e.g. 512M or 2G)`);
  const shift = { '': 0, k: 10, m: 20, g: 30 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * 2 ** shift;
}

/** commander collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
