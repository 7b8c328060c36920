/**
 * Terminals and sessions: which session a terminal controls, its foreground process group, and
 * the signals a terminal sends to that group. Ids are the kernel's virtual pids; the host's
 * process groups are never involved.
 *
 * @module
 */
import type { Kernel } from '../process/kernel.js';
import type { LinuxProcess } from '../process/process.js';
import { sendSignal } from '../process/signals.js';
import type { OpenFile } from './open-file.js';

/** Linux's SI_KERNEL: the si_code of a signal the kernel (a terminal) generated. */
const SI_KERNEL = 0x80;

/**
 * A terminal as job control sees it: an in-kernel pseudo-terminal or the host terminal behind the
 * sandbox's stdio.
 */
export interface Terminal {
  /** The session it is the controlling terminal of (a session id), or undefined. */
  session: number | undefined;
  /** The foreground process group (TIOCGPGRP/TIOCSPGRP), or undefined when it has none. */
  foregroundPgrp: number | undefined;
  /** A new open file on it (opening /dev/tty). */
  reopen(flags: number, path: string): OpenFile;
}

/** An open file that is a terminal (or one side of a pseudo-terminal). */
export interface TerminalFile extends OpenFile {
  /** The terminal whose sessions and process groups this file's job-control requests concern. */
  readonly terminal: Terminal | undefined;
}

/** The terminal behind `file`, if it is one. */
export function terminalOf(file: OpenFile): Terminal | undefined {
  return (file as Partial<TerminalFile>).terminal;
}

// Each kernel's controlling terminals, by session id.
const controlling = new WeakMap<Kernel, Map<number, Terminal>>();

function sessionsOf(kernel: Kernel): Map<number, Terminal> {
  let map = controlling.get(kernel);
  if (!map) controlling.set(kernel, (map = new Map()));
  return map;
}

/** The controlling terminal of `proc`'s session, if it has one. */
export function controllingTerminal(kernel: Kernel, proc: LinuxProcess): Terminal | undefined {
  const tty = sessionsOf(kernel).get(proc.sid);
  return tty?.session === proc.sid ? tty : undefined;
}

/**
 * Make `tty` the controlling terminal of `proc`'s session, with `proc`'s group in the
 * foreground (TIOCSCTTY, or a session leader's first open of a terminal). The caller checks
 * Linux's conditions.
 */
export function attachControllingTerminal(kernel: Kernel, proc: LinuxProcess, tty: Terminal): void {
  const sessions = sessionsOf(kernel);
  if (tty.session !== undefined) sessions.delete(tty.session);
  tty.session = proc.sid;
  tty.foregroundPgrp = proc.pgid;
  sessions.set(proc.sid, tty);
}

/** Dissociate `tty` from the session it controls (TIOCNOTTY by the leader, hangup). */
export function detachControllingTerminal(kernel: Kernel, tty: Terminal): void {
  if (tty.session !== undefined) sessionsOf(kernel).delete(tty.session);
  tty.session = undefined;
  tty.foregroundPgrp = undefined;
}

/**
 * Whether opening `tty` should make it `proc`'s controlling terminal: Linux gives a session
 * leader without one the first terminal it opens without O_NOCTTY, if no session has it.
 */
export function acquiresTerminal(kernel: Kernel, proc: LinuxProcess, tty: Terminal): boolean {
  return proc.sid === proc.pid && tty.session === undefined && controllingTerminal(kernel, proc) === undefined;
}

/** The live processes of process group `pgid`. */
export function processGroup(kernel: Kernel, pgid: number): LinuxProcess[] {
  return [...kernel.processes.values()].filter((p) => !p.dead && p.pgid === pgid);
}

/** Send `signo` to every process of `tty`'s foreground group (^C, ^Z, ^\, SIGWINCH). */
export function signalForeground(kernel: Kernel, tty: Terminal, signo: number): void {
  if (tty.foregroundPgrp === undefined) return;
  for (const p of processGroup(kernel, tty.foregroundPgrp)) sendSignal(kernel, p, { signo, code: SI_KERNEL });
}

/** A terminal of the host (the sandbox's stdio), shared by every guest file that wraps it. */
export class HostTerminal implements Terminal {
  session: number | undefined = undefined;
  foregroundPgrp: number | undefined;

  /** `reopen` opens it again (for /dev/tty and /dev/console). */
  constructor(readonly reopen: (flags: number, path: string) => OpenFile, foregroundPgrp?: number) {
    this.foregroundPgrp = foregroundPgrp;
  }
}
