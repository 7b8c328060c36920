import { stringBytesInto } from '@rvisor/zircon-object';
import { AuxType, type AuxEntry } from './auxv.js';
import { ArgListTooLongError } from './error.js';

/** What {@link buildInitialStack} lays out. */
export interface InitialStackOptions {
  /** The end (exclusive) of the stack region; 16-byte aligned. */
  readonly stackTop: number;
  readonly argv: readonly string[];
  readonly envp: readonly string[];
  /**
   * The auxiliary vector (usually from `standardAuxv`). AT_RANDOM, AT_EXECFN and AT_PLATFORM
   * entries get the addresses of their strings here; a trailing AT_NULL is added if missing.
   */
  readonly auxv: readonly AuxEntry[];
  /** The path execve(2) was given, for AT_EXECFN. */
  readonly execfn: string;
  /** 16 random bytes for AT_RANDOM (libc seeds its stack protector and pointer guard from them). */
  readonly random16: Uint8Array;
  /** The AT_PLATFORM string. */
  readonly platform: 'x86_64';
  /** RLIMIT_STACK's soft limit, which bounds argv and envp as in Linux; 8 MiB if not given. */
  readonly stackLimit?: number;
}

/** The initial stack of a new process. */
export interface InitialStack {
  /** The bytes to place at [stackTop - bytes.length, stackTop). */
  readonly bytes: Uint8Array;
  /** The initial rsp, 16-byte aligned, pointing at argc. */
  readonly sp: number;
  /** Where argv[0]'s string is (Linux's `mm->arg_start`, for /proc/pid/cmdline). */
  readonly argStart: number;
  /** End of the argv strings (`mm->arg_end`). */
  readonly argEnd: number;
  /** Where the environment strings start (`mm->env_start`). */
  readonly envStart: number;
  /** End of the environment strings (`mm->env_end`). */
  readonly envEnd: number;
  /** The auxiliary vector as written, AT_NULL included (/proc/<pid>/auxv): a view into `bytes`. */
  readonly auxv: Uint8Array;
}

/** Linux's MAX_ARG_STRLEN: 32 pages per string. */
const MAX_ARG_STRLEN = 32 * 4096;
/** Linux's ARG_MAX floor for the whole argument area: 32 pages. */
const ARG_MAX_FLOOR = 32 * 4096;
/** Linux's _STK_LIM: the default RLIMIT_STACK. */
const DEFAULT_STACK_LIMIT = 8 * 1024 * 1024;

/** Byte string `s` and its NUL. */
function cString(s: string): Uint8Array {
  const out = new Uint8Array(s.length + 1);
  stringBytesInto(s, out);
  return out;
}

/**
 * The room Linux gives argv, envp and the exec path together (`bprm_stack_limits`): a quarter of
 * the stack limit (at most 3/4 of 8 MiB, at least 128 KiB), less one pointer per string.
 */
function checkArgLimits(strings: readonly Uint8Array[], pointerCount: number, stackLimit: number): void {
  for (const s of strings) {
    if (s.length > MAX_ARG_STRLEN) {
      throw new ArgListTooLongError(`an argument or environment string is longer than ${MAX_ARG_STRLEN} bytes`);
    }
  }
  let limit = Math.min((DEFAULT_STACK_LIMIT / 4) * 3, Math.floor(stackLimit / 4));
  limit = Math.max(limit, ARG_MAX_FLOOR);
  const pointerBytes = pointerCount * 8;
  const stringBytes = strings.reduce((sum, s) => sum + s.length, 0);
  if (pointerBytes + stringBytes > limit) {
    throw new ArgListTooLongError(
      `argv and envp need ${pointerBytes + stringBytes} bytes; the limit is ${limit}`,
    );
  }
}

/**
 * Lays out a new process's stack as Linux's `create_elf_tables` does. From the top: 8 zero bytes,
 * the exec path, the envp strings, the argv strings, the platform string, the 16 random bytes; then,
 * 16-byte aligned, argc, argv pointers and NULL, envp pointers and NULL, and the auxv pairs.
 * (Plain loops, no closures: this runs once per execve, and V8 spent 50 ms optimizing the
 * array-method version, on the guests' CPU.)
 *
 * @throws ArgListTooLongError (E2BIG) when argv and envp exceed Linux's limits.
 * @throws RangeError if stackTop is not 16-byte aligned or random16 is not 16 bytes.
 */
export function buildInitialStack(options: InitialStackOptions): InitialStack {
  const { stackTop } = options;
  if (!Number.isSafeInteger(stackTop) || stackTop % 16 !== 0) {
    throw new RangeError(`stack top ${stackTop} is not 16-byte aligned`);
  }
  if (options.random16.length !== 16) throw new RangeError('random16 must be 16 bytes');

  const argc = options.argv.length;
  const envc = options.envp.length;
  // Every string, NUL-terminated: argv, then envp, then the exec path.
  const strings: Uint8Array[] = [];
  for (let i = 0; i < argc; i++) strings.push(cString(options.argv[i]));
  for (let i = 0; i < envc; i++) strings.push(cString(options.envp[i]));
  const execfn = cString(options.execfn);
  strings.push(execfn);
  checkArgLimits(strings, Math.max(argc, 1) + envc, options.stackLimit ?? DEFAULT_STACK_LIMIT);

  // Strings, placed downwards from the top in Linux's order: the exec path, envp, argv (each list
  // from its last string), then the platform string and the random bytes.
  const addrs: number[] = new Array(argc + envc); // argv's addresses, then envp's
  let p = stackTop - 8;
  p -= execfn.length;
  const execfnAddr = p;
  const envEnd = p;
  for (let i = argc + envc - 1; i >= argc; i--) addrs[i] = p -= strings[i].length;
  const envStart = p;
  const argEnd = p;
  for (let i = argc - 1; i >= 0; i--) addrs[i] = p -= strings[i].length;
  const argStart = p;
  p -= p % 16;
  const platform = cString(options.platform);
  const platformAddr = (p -= platform.length);
  const randomAddr = (p -= 16);

  // argc, argv pointers and NULL, envp pointers and NULL, then the auxv pairs ending in AT_NULL.
  const auxv = options.auxv;
  let auxCount = 0;
  for (let i = 0; i < auxv.length; i++) if (auxv[i][0] !== AuxType.AT_NULL) auxCount++;
  const wordCount = 1 + argc + 1 + envc + 1 + 2 * (auxCount + 1);
  const sp = alignDown16(p - wordCount * 8);

  const bytes = new Uint8Array(stackTop - sp);
  const view = new DataView(bytes.buffer);
  setWord(view, 0, argc);
  let at = 8;
  for (let i = 0; i < argc; i++, at += 8) setWord(view, at, addrs[i]);
  at += 8; // argv's NULL
  for (let i = argc; i < argc + envc; i++, at += 8) setWord(view, at, addrs[i]);
  at += 8; // envp's NULL
  const auxvAt = at;
  for (let i = 0; i < auxv.length; i++) {
    const type = auxv[i][0];
    if (type === AuxType.AT_NULL) continue;
    const value = type === AuxType.AT_RANDOM ? randomAddr
      : type === AuxType.AT_EXECFN ? execfnAddr
        : type === AuxType.AT_PLATFORM ? platformAddr
          : auxv[i][1];
    setWord(view, at, type);
    setWord(view, at + 8, value);
    at += 16;
  }
  // The trailing AT_NULL pair is zeroes already.

  bytes.set(execfn, execfnAddr - sp);
  for (let i = 0; i < argc + envc; i++) bytes.set(strings[i], addrs[i] - sp);
  bytes.set(platform, platformAddr - sp);
  bytes.set(options.random16, randomAddr - sp);
  return { bytes, sp, argStart, argEnd, envStart, envEnd, auxv: bytes.subarray(auxvAt, at + 16) };
}

/** Writes a 64-bit little-endian word; numbers (addresses, below 2^53) without BigInt arithmetic. */
function setWord(view: DataView, at: number, value: number | bigint): void {
  if (typeof value === 'bigint' || value < 0) {
    view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
    return;
  }
  view.setUint32(at, value % 2 ** 32, true);
  view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

/** Rounds down to a multiple of 16 without 32-bit bitwise arithmetic (addresses exceed 2^32). */
function alignDown16(n: number): number {
  return n - (n % 16);
}
