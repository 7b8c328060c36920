/**
 * Signal names and numbers as `runc kill` takes them: "SIGKILL", "KILL", "kill", "9".
 *
 * @module
 */
import { constants } from 'node:os';

/** The highest Linux signal number (SIGRTMAX). */
const SIGRTMAX = 64;

/** The number of a signal given by name (with or without SIG) or number; throws on anything else. */
export function parseSignal(value: string): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= SIGRTMAX) return n;
    throw new Error(`invalid signal: ${value} (signal numbers go from 1 to ${SIGRTMAX})`);
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rt) {
    const offset = Number(rt[1] ?? 0);
    const n = name.startsWith('SIGRTMIN') ? 34 + offset : SIGRTMAX - offset;
    if (n >= 34 && n <= SIGRTMAX) return n;
  }
  const n = (constants.signals as Record<string, number | undefined>)[name];
  if (n === undefined) throw new Error(`invalid signal: ${value}`);
  return n;
}
