import { errnoName } from '@rvisor/linux-object';
import { SYSCALL_NAMES, type SyscallName } from '../generated/numbers.js';
import { syscallName } from '../table/table.js';
import type { SyscallArgs, SysResult } from '../table/types.js';
import { hex, type Call, type StraceMemory } from './args.js';
import { errnoMessage } from './errno-messages.js';
import { SIGNATURES, type Signature } from './signatures.js';

/** Options of the strace formatter. */
export interface StraceOptions {
  /** Characters of strings and bytes of buffers to show before `...`; strace's default is 32. */
  readonly stringLimit?: number;
}

/** The guest thread a line is about, shown as `[pid tid]`. */
export interface StraceThread {
  readonly pid: number;
  readonly tid: number;
}

const RAW: Signature = { args: [hex, hex, hex, hex, hex, hex] };

function signatureOf(nr: number): Signature {
  const name = SYSCALL_NAMES[nr];
  return (name && SIGNATURES[name as SyscallName]) || RAW;
}

function formatArgs(sig: Signature, call: Call): string {
  const count = sig.argCount ? sig.argCount(call.args) : sig.args.length;
  return sig.args
    .slice(0, count)
    .map((format, i) => format(call.args[i]!, call))
    .join(', ');
}

function formatResult(sig: Signature, result: SysResult | undefined): string {
  if (result === undefined || sig.ret === 'none') return '?';
  const r = BigInt.asIntN(64, BigInt(result));
  if (r < 0n && r >= -4095n) {
    const errno = Number(-r);
    const message = errnoMessage(errno);
    return `-1 ${errnoName(errno)}${message ? ` (${message})` : ''}`;
  }
  return sig.ret === 'hex' ? `0x${BigInt.asUintN(64, r).toString(16)}` : String(r);
}

function prefix(thread: StraceThread | undefined): string {
  return thread ? `[${thread.pid} ${thread.tid}] ` : '';
}

/**
 * Formats a syscall as it enters the kernel: `name(args…)`. Arguments the call fills are shown as
 * pointers, since they hold nothing yet.
 */
export function formatEnter(
  nr: number,
  args: SyscallArgs,
  mem: StraceMemory,
  thread?: StraceThread,
  options: StraceOptions = {},
): string {
  const sig = signatureOf(nr);
  const call: Call = { args, result: undefined, mem, limit: options.stringLimit ?? 32 };
  return `${prefix(thread)}${syscallName(nr)}(${formatArgs(sig, call)})`;
}

/**
 * Formats a completed syscall as strace does: `[pid tid] name(args…) = result`, with failures as
 * `= -1 ENOENT (No such file or directory)`. Buffers the call filled are decoded from guest memory,
 * so call it after the handler ran. Pass `result` undefined for a call that did not return
 * (exit, execve's old image): it prints `= ?`.
 */
export function formatCall(
  nr: number,
  args: SyscallArgs,
  result: SysResult | undefined,
  mem: StraceMemory,
  thread?: StraceThread,
  options: StraceOptions = {},
): string {
  const sig = signatureOf(nr);
  const signed = result === undefined ? undefined : BigInt.asIntN(64, BigInt(result));
  const call: Call = { args, result: signed, mem, limit: options.stringLimit ?? 32 };
  return `${prefix(thread)}${syscallName(nr)}(${formatArgs(sig, call)}) = ${formatResult(sig, result)}`;
}
