/**
 * seccomp: a thread's own syscall filters, classic BPF programs over struct seccomp_data, checked
 * and run as Linux's kernel/seccomp.c does. The kernel runs them before each of the thread's calls
 * (linux-syscall's sys/seccomp.ts applies the verdict); they are the guest's, apart from the
 * sandbox's own interception, which no guest sees.
 *
 * @module
 */
import { Errno, KernelError } from '../errno.js';

export const SECCOMP_MODE_DISABLED = 0;
export const SECCOMP_MODE_STRICT = 1;
export const SECCOMP_MODE_FILTER = 2;

/** A filter's verdict: its action (the high 16 bits, signed for precedence) and 16 bits of data. */
export const SECCOMP_RET_KILL_PROCESS = 0x8000_0000;
export const SECCOMP_RET_KILL_THREAD = 0;
export const SECCOMP_RET_TRAP = 0x0003_0000;
export const SECCOMP_RET_ERRNO = 0x0005_0000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc0_0000;
export const SECCOMP_RET_TRACE = 0x7ff0_0000;
export const SECCOMP_RET_LOG = 0x7ffc_0000;
export const SECCOMP_RET_ALLOW = 0x7fff_0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff_0000;
export const SECCOMP_RET_DATA = 0x0000_ffff;

/** struct seccomp_data's `arch` for x86-64 (AUDIT_ARCH_X86_64). */
export const AUDIT_ARCH_X86_64 = 0xc000_003e;
/** sizeof(struct seccomp_data): nr, arch, instruction_pointer and six arguments. */
export const SECCOMP_DATA_SIZE = 64;

/** The most instructions one program may have (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;
/** The most instructions a thread's filters may have together, each counting 4 more (MAX_INSNS_PER_PATH). */
const MAX_INSNS_PER_PATH = (1 << 18) / 8;
/** Scratch memory words (BPF_MEMWORDS). */
const BPF_MEMWORDS = 16;

// The classic BPF codes seccomp takes (seccomp_check_filter), and the two it rewrites.
const LD_W_ABS = 0x20;
const LD_W_LEN = 0x80;
const LDX_W_LEN = 0x81;
const LD_IMM = 0x00;
const LDX_IMM = 0x01;
const LD_MEM = 0x60;
const LDX_MEM = 0x61;
const ST = 0x02;
const STX = 0x03;
const RET_K = 0x06;
const RET_A = 0x16;
const TAX = 0x07;
const TXA = 0x87;
const JA = 0x05;
const ALU = 0x04;
const JMP = 0x05;
const OP_MASK = 0xf0;
const SRC_X = 0x08;
const ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70, NEG = 0x80, XOR = 0xa0;
const JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40;
/** Internal code for a load of a seccomp_data word (Linux rewrites LD|W|ABS to LDX|W|ABS). */
const LOAD_DATA = 0x21;

const ALU_OPS = new Set([ADD, SUB, MUL, DIV, OR, AND, LSH, RSH, XOR]);
const JMP_OPS = new Set([JEQ, JGT, JGE, JSET]);

/** One filter: a checked program, and the filter installed before it (filters are never removed). */
export interface SeccompFilter {
  readonly code: Uint16Array;
  readonly jt: Uint8Array;
  readonly jf: Uint8Array;
  readonly k: Uint32Array;
  readonly prev: SeccompFilter | null;
  /** Instructions of this filter and those before it, as Linux counts them against MAX_INSNS_PER_PATH. */
  readonly pathLength: number;
  /** How many filters the chain holds (/proc's Seccomp_filters). */
  readonly count: number;
}

/** A thread's seccomp state: shared by its children (fork, clone) and kept across execve. */
export interface SeccompState {
  readonly mode: typeof SECCOMP_MODE_STRICT | typeof SECCOMP_MODE_FILTER;
  /** The newest filter (null in strict mode). */
  readonly filter: SeccompFilter | null;
}

/** The syscalls strict mode allows: read, write, exit, rt_sigreturn (anything else ends the thread). */
export const STRICT_SYSCALLS: ReadonlySet<number> = new Set([0, 1, 60, 15]);

/**
 * Check a classic BPF program (`insns`: struct sock_filter entries, 8 bytes each) as
 * bpf_check_classic and seccomp_check_filter do, and chain it after `prev`. EINVAL for a program
 * that is empty, too long, uses a code seccomp does not take, loads outside seccomp_data or
 * unaligned, jumps past its end, divides by a constant 0, shifts by 32 or more, reads a memory
 * word it has not stored on every path, or does not end in a return; ENOMEM past the chain's limit.
 */
export function compileFilter(insns: Uint8Array, prev: SeccompFilter | null): SeccompFilter {
  const n = insns.length / 8;
  if (n === 0 || n > BPF_MAXINSNS || !Number.isInteger(n)) throw new KernelError(Errno.EINVAL);
  const v = new DataView(insns.buffer, insns.byteOffset, insns.byteLength);
  const code = new Uint16Array(n);
  const jt = new Uint8Array(n);
  const jf = new Uint8Array(n);
  const k = new Uint32Array(n);
  for (let pc = 0; pc < n; pc++) {
    code[pc] = v.getUint16(pc * 8, true);
    jt[pc] = v.getUint8(pc * 8 + 2);
    jf[pc] = v.getUint8(pc * 8 + 3);
    k[pc] = v.getUint32(pc * 8 + 4, true);
    checkInstruction(code, jt, jf, k, pc, n);
  }
  if (code[n - 1] !== RET_K && code[n - 1] !== RET_A) throw new KernelError(Errno.EINVAL);
  checkMemoryLoads(code, jt, jf, k);
  const pathLength = n + (prev === null ? 0 : prev.pathLength + 4);
  if (pathLength > MAX_INSNS_PER_PATH) throw new KernelError(Errno.ENOMEM);
  return { code, jt, jf, k, prev, pathLength, count: (prev?.count ?? 0) + 1 };
}

/** One instruction's checks; rewrites the loads seccomp rewrites (the length loads become constants). */
function checkInstruction(code: Uint16Array, jt: Uint8Array, jf: Uint8Array, k: Uint32Array, pc: number, n: number): void {
  const c = code[pc]!;
  const op = c & OP_MASK;
  const bad = () => new KernelError(Errno.EINVAL);
  switch (c) {
    case LD_W_ABS:
      if (k[pc]! >= SECCOMP_DATA_SIZE || (k[pc]! & 3) !== 0) throw bad();
      code[pc] = LOAD_DATA;
      return;
    case LD_W_LEN:
      [code[pc], k[pc]] = [LD_IMM, SECCOMP_DATA_SIZE];
      return;
    case LDX_W_LEN:
      [code[pc], k[pc]] = [LDX_IMM, SECCOMP_DATA_SIZE];
      return;
    case LD_MEM: case LDX_MEM: case ST: case STX:
      if (k[pc]! >= BPF_MEMWORDS) throw bad();
      return;
    case RET_K: case RET_A: case LD_IMM: case LDX_IMM: case TAX: case TXA: case ALU | NEG:
      return;
    case JA:
      if (k[pc]! >= n - pc - 1) throw bad();
      return;
  }
  if ((c & 0x07) === ALU && (c & ~(OP_MASK | SRC_X)) === ALU && ALU_OPS.has(op)) {
    if ((c & SRC_X) === 0 && op === DIV && k[pc] === 0) throw bad();
    if ((c & SRC_X) === 0 && (op === LSH || op === RSH) && k[pc]! >= 32) throw bad();
    return;
  }
  if ((c & 0x07) === JMP && (c & ~(OP_MASK | SRC_X)) === JMP && JMP_OPS.has(op)) {
    if (pc + jt[pc]! + 1 >= n || pc + jf[pc]! + 1 >= n) throw bad();
    return;
  }
  throw bad();
}

/** Linux's check_load_and_stores: a memory word is loaded only after a store on every path to the load. */
function checkMemoryLoads(code: Uint16Array, jt: Uint8Array, jf: Uint8Array, k: Uint32Array): void {
  const masks = new Uint16Array(code.length).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < code.length; pc++) {
    valid &= masks[pc]!;
    const c = code[pc]!;
    if (c === ST || c === STX) valid |= 1 << k[pc]!;
    else if (c === LD_MEM || c === LDX_MEM) {
      if ((valid & (1 << k[pc]!)) === 0) throw new KernelError(Errno.EINVAL);
    } else if (c === JA) {
      masks[pc + 1 + k[pc]!]! &= valid;
      valid = 0xffff;
    } else if ((c & 0x07) === JMP) {
      masks[pc + 1 + jt[pc]!]! &= valid;
      masks[pc + 1 + jf[pc]!]! &= valid;
      valid = 0xffff;
    }
  }
}

/** One program's result for `data` (struct seccomp_data as 16 little-endian words). */
function runProgram(f: SeccompFilter, data: Uint32Array, mem: Uint32Array): number {
  const { code, jt, jf, k } = f;
  let a = 0;
  let x = 0;
  for (let pc = 0; ; pc++) {
    const c = code[pc]!;
    const kk = k[pc]!;
    switch (c) {
      case LOAD_DATA: a = data[kk >>> 2]!; continue;
      case LD_IMM: a = kk; continue;
      case LDX_IMM: x = kk; continue;
      case LD_MEM: a = mem[kk]!; continue;
      case LDX_MEM: x = mem[kk]!; continue;
      case ST: mem[kk] = a; continue;
      case STX: mem[kk] = x; continue;
      case TAX: x = a; continue;
      case TXA: a = x; continue;
      case RET_K: return kk;
      case RET_A: return a;
      case JA: pc += kk; continue;
      case ALU | NEG: a = -a >>> 0; continue;
    }
    const operand = (c & SRC_X) !== 0 ? x : kk;
    if ((c & 0x07) === JMP) {
      let taken: boolean;
      switch (c & OP_MASK) {
        case JEQ: taken = a === operand; break;
        case JGT: taken = a > operand; break;
        case JGE: taken = a >= operand; break;
        default: taken = (a & operand) !== 0; // JSET
      }
      pc += taken ? jt[pc]! : jf[pc]!;
      continue;
    }
    switch (c & OP_MASK) {
      case ADD: a = (a + operand) >>> 0; break;
      case SUB: a = (a - operand) >>> 0; break;
      case MUL: a = Math.imul(a, operand) >>> 0; break;
      case DIV:
        if (operand === 0) return 0; // a classic program dividing by 0 returns 0, as Linux's conversion does
        a = Math.floor(a / operand) >>> 0;
        break;
      case OR: a = (a | operand) >>> 0; break;
      case AND: a = (a & operand) >>> 0; break;
      case XOR: a = (a ^ operand) >>> 0; break;
      case LSH: a = (a << operand) >>> 0; break;
      default: a = a >>> operand; // RSH
    }
  }
}

/** Scratch memory for the programs (the kernel runs one at a time). */
const scratch = new Uint32Array(BPF_MEMWORDS);

/**
 * Run every filter of the chain ending at `filter` on `data`, newest first: the verdict whose
 * action comes first (the lowest as a signed number; KILL_PROCESS first, ALLOW last), the
 * newest filter's among equals, as Linux's seccomp_run_filters.
 */
export function runFilters(filter: SeccompFilter, data: Uint32Array): number {
  let verdict = SECCOMP_RET_ALLOW;
  for (let f: SeccompFilter | null = filter; f !== null; f = f.prev) {
    const r = runProgram(f, data, scratch);
    if ((r & SECCOMP_RET_ACTION_FULL) < (verdict & SECCOMP_RET_ACTION_FULL)) verdict = r;
  }
  return verdict >>> 0;
}

/** Whether `chain` holds `filter` (the filter itself or one installed before it): TSYNC's test. */
export function hasFilter(chain: SeccompFilter | null, filter: SeccompFilter | null): boolean {
  for (let f = chain; ; f = f.prev) {
    if (f === filter) return true;
    if (f === null) return false;
  }
}

/** The actions SECCOMP_GET_ACTION_AVAIL reports. */
export const SECCOMP_ACTIONS: ReadonlySet<number> = new Set([
  SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO, SECCOMP_RET_USER_NOTIF,
  SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW,
]);
