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
}

/** Linux's MAX_ARG_STRLEN: 32 pages per string. */
const MAX_ARG_STRLEN = 32 * 4096;
/** Linux's ARG_MAX floor for the whole argument area: 32 pages. */
const ARG_MAX_FLOOR = 32 * 4096;
/** Linux's _STK_LIM: the default RLIMIT_STACK. */
const DEFAULT_STACK_LIMIT = 8 * 1024 * 1024;

const encoder = new TextEncoder();

function cString(s: string): Uint8Array {
  const encoded = encoder.encode(s);
  const out = new Uint8Array(encoded.length + 1);
  out.set(encoded);
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

  const argv = options.argv.map(cString);
  const envp = options.envp.map(cString);
  const execfn = cString(options.execfn);
  const platform = cString(options.platform);
  checkArgLimits(
    [...argv, ...envp, execfn],
    Math.max(argv.length, 1) + envp.length,
    options.stackLimit ?? DEFAULT_STACK_LIMIT,
  );

  // Strings, placed downwards from the top in Linux's order.
  const placed: { at: number; data: Uint8Array }[] = [];
  let p = stackTop - 8;
  const place = (data: Uint8Array): number => {
    p -= data.length;
    placed.push({ at: p, data });
    return p;
  };
  const execfnAddr = place(execfn);
  const envEnd = p;
  const envAddrs = envp.map(() => 0);
  for (let i = envp.length - 1; i >= 0; i--) envAddrs[i] = place(envp[i]!);
  const envStart = p;
  const argEnd = p;
  const argAddrs = argv.map(() => 0);
  for (let i = argv.length - 1; i >= 0; i--) argAddrs[i] = place(argv[i]!);
  const argStart = p;
  p -= p % 16;
  const platformAddr = place(platform);
  const randomAddr = place(options.random16);

  const auxv = options.auxv
    .filter(([type]) => type !== AuxType.AT_NULL)
    .map(([type, value]): AuxEntry => {
      switch (type) {
        case AuxType.AT_RANDOM:
          return [type, randomAddr];
        case AuxType.AT_EXECFN:
          return [type, execfnAddr];
        case AuxType.AT_PLATFORM:
          return [type, platformAddr];
        default:
          return [type, value];
      }
    });
  auxv.push([AuxType.AT_NULL, 0]);

  const words: (number | bigint)[] = [
    argv.length,
    ...argAddrs,
    0,
    ...envAddrs,
    0,
    ...auxv.flatMap(([type, value]) => [type, value]),
  ];
  const sp = alignDown16(p - words.length * 8);

  const bytes = new Uint8Array(stackTop - sp);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(w)), true));
  for (const { at, data } of placed) bytes.set(data, at - sp);
  return { bytes, sp, argStart, argEnd, envStart, envEnd };
}

/** Rounds down to a multiple of 16 without 32-bit bitwise arithmetic (addresses exceed 2^32). */
function alignDown16(n: number): number {
  return n - (n % 16);
}
