import { AT_FDCWD, O_ACCMODE, O_CREAT, O_TMPFILE } from '@rvisor/linux-object';
import { quoteBytes, quoteString } from './escape.js';
import {
  ACCESS_MODES,
  CLONE_FLAGS,
  FILE_TYPES,
  FUTEX_CLOCK_REALTIME,
  FUTEX_OPS,
  FUTEX_PRIVATE_FLAG,
  MAP_FLAGS,
  MAP_TYPES,
  OPEN_FLAGS,
  PROT_FLAGS,
  SIGNALS,
  SIGRTMIN,
  type NameTable,
} from './names.js';
import type { SyscallArgs } from '../table/types.js';

/** Guest memory as strace reads it. Both return null when the address is not readable. */
export interface StraceMemory {
  /** Reads a NUL-terminated string of at most `max` characters (without the NUL). */
  readString(addr: number, max: number): string | null;
  /** Reads `len` bytes. */
  readBytes(addr: number, len: number): Uint8Array | null;
}

/** What an argument formatter can look at. */
export interface Call {
  readonly args: SyscallArgs;
  /** The result as a signed 64-bit value, or undefined before the call returns. */
  readonly result: bigint | undefined;
  readonly mem: StraceMemory;
  /** How many characters of a string or bytes of a buffer to show. */
  readonly limit: number;
}

/** Formats one argument register. */
export type ArgFormatter = (value: bigint, call: Call) => string;

/** Whether the call returned successfully (results -4095..-1 are errors). */
export function succeeded(call: Call): boolean {
  return call.result !== undefined && (call.result >= 0n || call.result < -4095n);
}

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** Addresses beyond the 47-bit user space cannot be read; strace shows them in hex. */
function address(v: bigint): number | undefined {
  const a = u64(v);
  return a !== 0n && a < 1n << 47n ? Number(a) : undefined;
}

function hexOf(v: bigint): string {
  return `0x${u64(v).toString(16)}`;
}

export const hex: ArgFormatter = (v) => hexOf(v);
export const int: ArgFormatter = (v) => String(s32(v));
export const uint: ArgFormatter = (v) => String(Number(BigInt.asUintN(32, v)));
export const long: ArgFormatter = (v) => String(s64(v));
export const ulong: ArgFormatter = (v) => String(u64(v));
export const ptr: ArgFormatter = (v) => (u64(v) === 0n ? 'NULL' : hexOf(v));
export const fd: ArgFormatter = int;
export const dirfd: ArgFormatter = (v) => (s32(v) === AT_FDCWD ? 'AT_FDCWD' : String(s32(v)));
export const mode: ArgFormatter = (v) => `0${(Number(v) & 0o7777).toString(8).padStart(3, '0')}`;

/** A NUL-terminated string argument (a path, a name). */
export const str: ArgFormatter = (v, call) => {
  const at = address(v);
  if (at === undefined) return ptr(v, call);
  const s = call.mem.readString(at, call.limit + 1);
  return s === null ? hex(v, call) : quoteString(s, call.limit);
};

/** Names the set bits of `value`; bits left over are shown in hex. */
export function flagNames(value: number | bigint, names: NameTable, zero = '0'): string {
  let rest = BigInt.asUintN(64, BigInt(value));
  const parts: string[] = [];
  for (const [name, bits] of names) {
    const b = BigInt(bits);
    if (b !== 0n && (rest & b) === b) {
      parts.push(name);
      rest &= ~b;
    }
  }
  if (rest !== 0n) parts.push(`0x${rest.toString(16)}`);
  return parts.length === 0 ? zero : parts.join('|');
}

/** A flags argument named from `names`. */
export function flags(names: NameTable, zero = '0'): ArgFormatter {
  return (v) => flagNames(BigInt.asUintN(32, v), names, zero);
}

/** An enumerated argument named from `names` (index = value) or from a name table. */
export function oneOf(names: readonly string[] | NameTable): ArgFormatter {
  return (v) => {
    const n = s32(v);
    if (typeof names[0] === 'string') return (names as readonly string[])[n] || String(n);
    const found = (names as NameTable).find(([, value]) => value === n);
    return found ? found[0] : String(n);
  };
}

export function signalName(n: number): string {
  if (n > 0 && n < SIGNALS.length) return SIGNALS[n]!;
  if (n >= SIGRTMIN && n <= 64) return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  return String(n);
}

export const signal: ArgFormatter = (v) => signalName(s32(v));

export const openFlags: ArgFormatter = (v) => {
  const n = Number(BigInt.asUintN(32, v));
  const access = ACCESS_MODES[n & O_ACCMODE] ?? String(n & O_ACCMODE);
  const rest = n & ~O_ACCMODE;
  return rest === 0 ? access : `${access}|${flagNames(rest, OPEN_FLAGS)}`;
};

/** open's mode matters only when the call may create a file; strace omits it otherwise. */
export function createsFile(flagsArg: bigint): boolean {
  const n = Number(BigInt.asUintN(32, flagsArg));
  return (n & O_CREAT) !== 0 || (n & O_TMPFILE) === O_TMPFILE;
}

export const prot = flags(PROT_FLAGS, 'PROT_NONE');

export const mmapFlags: ArgFormatter = (v) => {
  const n = Number(BigInt.asUintN(32, v));
  const type = MAP_TYPES.find(([, t]) => t === (n & 3));
  const rest = n & ~3;
  const typeName = type ? type[0] : '0';
  return rest === 0 ? typeName : `${typeName}|${flagNames(rest, MAP_FLAGS)}`;
};

export const cloneFlags: ArgFormatter = (v) => {
  const n = u64(v);
  const exitSignal = Number(n & 0xffn);
  const names = flagNames(n & ~0xffn, CLONE_FLAGS, '');
  const sig = exitSignal === 0 ? '' : signalName(exitSignal);
  return [names, sig].filter((p) => p !== '').join('|') || '0';
};

export const futexOp: ArgFormatter = (v) => {
  const n = s32(v);
  const base = n & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const parts = [FUTEX_OPS[base] ?? String(base)];
  if (n & FUTEX_PRIVATE_FLAG) parts.push('FUTEX_PRIVATE_FLAG');
  if (n & FUTEX_CLOCK_REALTIME) parts.push('FUTEX_CLOCK_REALTIME');
  return parts.join('|');
};

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a struct the call wrote; null when it failed or the memory is unreadable. */
function readOut(v: bigint, call: Call, size: number): DataView | null {
  if (!succeeded(call)) return null;
  const at = address(v);
  if (at === undefined) return null;
  const bytes = call.mem.readBytes(at, size);
  return bytes === null ? null : view(bytes);
}

function readIn(v: bigint, call: Call, size: number): DataView | null {
  const at = address(v);
  if (at === undefined) return null;
  const bytes = call.mem.readBytes(at, size);
  return bytes === null ? null : view(bytes);
}

function formatTimespec(d: DataView): string {
  return `{tv_sec=${d.getBigInt64(0, true)}, tv_nsec=${d.getBigInt64(8, true)}}`;
}

/** A `struct timespec` the caller passes in. */
export const timespecIn: ArgFormatter = (v, call) => {
  const d = readIn(v, call, 16);
  return d ? formatTimespec(d) : ptr(v, call);
};

/** A `struct timespec` the call fills. */
export const timespecOut: ArgFormatter = (v, call) => {
  const d = readOut(v, call, 16);
  return d ? formatTimespec(d) : ptr(v, call);
};

/** A buffer of `len` bytes the caller passes in (write's data). */
export function bufIn(lenIndex: number): ArgFormatter {
  return (v, call) => {
    const at = address(v);
    const len = Number(BigInt.asUintN(32, call.args[lenIndex]!));
    if (at === undefined) return ptr(v, call);
    const bytes = call.mem.readBytes(at, Math.min(len, call.limit));
    return bytes === null ? hex(v, call) : quoteBytes(bytes, call.limit, len);
  };
}

/** A buffer the call fills with as many bytes as it returns (read's data). */
export const bufOut: ArgFormatter = (v, call) => {
  const at = address(v);
  if (!succeeded(call) || at === undefined) return ptr(v, call);
  const len = Number(call.result);
  const bytes = call.mem.readBytes(at, Math.min(len, call.limit));
  return bytes === null ? hex(v, call) : quoteBytes(bytes, call.limit, len);
};

/** A string the call writes (getcwd's buffer). */
export const strOut: ArgFormatter = (v, call) => (succeeded(call) ? str(v, call) : ptr(v, call));

/** pipe's two descriptors. */
export const fdPairOut: ArgFormatter = (v, call) => {
  const d = readOut(v, call, 8);
  return d ? `[${d.getInt32(0, true)}, ${d.getInt32(4, true)}]` : ptr(v, call);
};

function fileMode(m: number): string {
  const type = FILE_TYPES.find(([, t]) => t === (m & 0o170000));
  const perm = `0${(m & 0o7777).toString(8).padStart(3, '0')}`;
  return type ? `${type[0]}|${perm}` : perm;
}

/** A `struct stat` the call fills (x86-64 layout: st_mode at 24, st_size at 48). */
export const statOut: ArgFormatter = (v, call) => {
  const d = readOut(v, call, 144);
  if (!d) return ptr(v, call);
  return `{st_mode=${fileMode(d.getUint32(24, true))}, st_size=${d.getBigInt64(48, true)}, ...}`;
};

/** A `struct statx` the call fills (stx_mode at 28, stx_size at 40). */
export const statxOut: ArgFormatter = (v, call) => {
  const d = readOut(v, call, 256);
  if (!d) return ptr(v, call);
  return `{stx_mode=${fileMode(d.getUint16(28, true))}, stx_size=${d.getBigUint64(40, true)}, ...}`;
};

/** A `struct utsname` the call fills: six 65-byte strings. */
export const utsnameOut: ArgFormatter = (v, call) => {
  const d = readOut(v, call, 65 * 6);
  if (!d) return ptr(v, call);
  const field = (i: number): string => {
    const raw = new Uint8Array(d.buffer, d.byteOffset + i * 65, 65);
    const end = raw.indexOf(0);
    return quoteBytes(raw.subarray(0, end < 0 ? 65 : end), call.limit);
  };
  return `{sysname=${field(0)}, nodename=${field(1)}, ...}`;
};

/** Reads a NULL-terminated pointer array (argv, envp), at most `max` entries. */
function readPointers(at: number, mem: StraceMemory, max: number): { ptrs: number[]; more: boolean } | null {
  const ptrs: number[] = [];
  for (let i = 0; i < max; i++) {
    const bytes = mem.readBytes(at + i * 8, 8);
    if (bytes === null) return null;
    const p = view(bytes).getBigUint64(0, true);
    if (p === 0n) return { ptrs, more: false };
    ptrs.push(Number(BigInt.asUintN(53, p)));
  }
  return { ptrs, more: true };
}

/** execve's argv: the strings, as `["ls", "-l"]`. */
export const argvIn: ArgFormatter = (v, call) => {
  const at = address(v);
  if (at === undefined) return ptr(v, call);
  const list = readPointers(at, call.mem, call.limit);
  if (!list) return hex(v, call);
  const items = list.ptrs.map((p) => str(BigInt(p), call));
  return `[${items.join(', ')}${list.more ? ', ...' : ''}]`;
};

/** execve's envp: only its size, as strace does by default. */
export const envpIn: ArgFormatter = (v, call) => {
  const at = address(v);
  if (at === undefined) return ptr(v, call);
  const list = readPointers(at, call.mem, 4096);
  if (!list) return hex(v, call);
  return `${hex(v, call)} /* ${list.ptrs.length}${list.more ? '+' : ''} vars */`;
};

function formatIovecs(v: bigint, call: Call, count: number, dataLimit: number | undefined): string {
  const at = address(v);
  if (at === undefined) return ptr(v, call);
  const shown = Math.min(count, call.limit);
  const raw = call.mem.readBytes(at, shown * 16);
  if (!raw) return hex(v, call);
  const d = view(raw);
  let remaining = dataLimit;
  const items: string[] = [];
  for (let i = 0; i < shown; i++) {
    const base = d.getBigUint64(i * 16, true);
    const len = Number(BigInt.asUintN(32, d.getBigUint64(i * 16 + 8, true)));
    // For readv only the bytes the call returned are data; later buffers print as pointers.
    const dataLen = remaining === undefined ? len : Math.min(len, remaining);
    if (remaining !== undefined) remaining -= dataLen;
    const baseAt = address(base);
    let shownBase = ptr(base, call);
    if (baseAt !== undefined && (remaining === undefined || dataLen > 0 || len === 0)) {
      const bytes = call.mem.readBytes(baseAt, Math.min(dataLen, call.limit));
      if (bytes) shownBase = quoteBytes(bytes, call.limit, dataLen);
    }
    items.push(`{iov_base=${shownBase}, iov_len=${len}}`);
  }
  return `[${items.join(', ')}${count > shown ? ', ...' : ''}]`;
}

/** writev's iovec array with the data it writes. */
export function iovecIn(countIndex: number): ArgFormatter {
  return (v, call) => formatIovecs(v, call, s32(call.args[countIndex]!), undefined);
}

/** readv's iovec array, filled with as many bytes as the call returns. */
export function iovecOut(countIndex: number): ArgFormatter {
  return (v, call) => {
    if (!succeeded(call)) return ptr(v, call);
    return formatIovecs(v, call, s32(call.args[countIndex]!), Number(call.result));
  };
}

/** wait4's status word, decoded like strace. */
export const wstatusOut: ArgFormatter = (v, call) => {
  if (call.result === undefined || call.result <= 0n) return ptr(v, call);
  const d = readOut(v, call, 4);
  if (!d) return ptr(v, call);
  const s = d.getInt32(0, true);
  const termsig = s & 0x7f;
  if (termsig === 0) return `[{WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}}]`;
  if (termsig === 0x7f) return `[{WIFSTOPPED(s) && WSTOPSIG(s) == ${signalName((s >> 8) & 0xff)}}]`;
  const core = s & 0x80 ? ' && WCOREDUMP(s)' : '';
  return `[{WIFSIGNALED(s) && WTERMSIG(s) == ${signalName(termsig)}${core}}]`;
};
