/**
 * Capabilities from the guest's side: capget(2), capset(2), and prctl's bounding-set and ambient
 * options. The sets themselves and their rules live in `@rvisor/linux-object`'s capabilities.ts.
 *
 * @module
 */
import {
  CAP_LAST_CAP, CAP_SETPCAP, Errno, KernelError, PR_CAP_AMBIENT, PR_CAPBSET_DROP, PR_CAPBSET_READ, capDifference, capIntersection, capSet, capUnion, capable, hasCap,
  isSubset, type CapabilitySets, type LinuxProcess,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** struct __user_cap_header_struct versions: v1 has one 32-bit word per set, v2 and v3 two. */
const VERSION_1 = 0x19980330;
const VERSION_2 = 0x20071026;
const VERSION_3 = 0x20080522;
const TWO_32 = 2 ** 32;

/**
 * The 32-bit words per set the header's version asks for. An unknown version gets v3 written back
 * and EINVAL, as Linux's cap_validate_magic (libcap asks this way which version to use).
 */
function wordsOf(ctx: SyscallContext, header: number): number {
  const version = ctx.mem.readU32(header);
  if (version === VERSION_1) return 1;
  if (version === VERSION_2 || version === VERSION_3) return 2;
  ctx.mem.writeU32(header, VERSION_3);
  throw new KernelError(Errno.EINVAL);
}

/** The process capget and capset name: 0 is the caller; ESRCH for a pid that is none (EINVAL below 0). */
function targetOf(ctx: SyscallContext, pid: number): LinuxProcess {
  if (pid < 0) throw new KernelError(Errno.EINVAL);
  if (pid === 0) return ctx.process;
  const proc = ctx.kernel.processOfThread(pid);
  if (proc === undefined) throw new KernelError(Errno.ESRCH);
  return proc;
}

/** Implements Linux syscall capget(2). With no data pointer it only answers the version check (0). */
export function sysCapget(ctx: SyscallContext): number {
  const header = ctx.addr(0);
  const data = ctx.addr(1);
  let words: number;
  try {
    words = wordsOf(ctx, header);
  } catch (err) {
    if (data === 0) return 0;
    throw err;
  }
  const cred = targetOf(ctx, ctx.mem.readU32(header + 4) | 0).cred;
  if (data === 0) return 0;
  // struct __user_cap_data_struct[words]: effective, permitted, inheritable; low word first.
  const out = new Uint8Array(12 * words);
  const v = new DataView(out.buffer);
  const sets = [cred.capEffective, cred.capPermitted, cred.capInheritable];
  for (let w = 0; w < words; w++) {
    sets.forEach((set, i) => v.setUint32(w * 12 + i * 4, w === 0 ? set >>> 0 : Math.floor(set / TWO_32) >>> 0, true));
  }
  ctx.mem.write(data, out);
  return 0;
}

/**
 * Implements Linux syscall capset(2): the caller's own sets only (EPERM for another process), under
 * Linux's rules: permitted may only shrink, effective must be within it, and inheritable may gain
 * only what is permitted (anything with CAP_SETPCAP) and never what the bounding set lacks.
 */
export function sysCapset(ctx: SyscallContext): number {
  const header = ctx.addr(0);
  const words = wordsOf(ctx, header);
  const pid = ctx.mem.readU32(header + 4) | 0;
  if (pid < 0) throw new KernelError(Errno.EINVAL);
  if (pid !== 0 && !ctx.process.threads.has(pid)) throw new KernelError(Errno.EPERM);
  const raw = ctx.mem.read(ctx.addr(1), 12 * words);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const set = (i: number): number => v.getUint32(i * 4, true) + (words === 2 ? v.getUint32(12 + i * 4, true) * TWO_32 : 0);
  const [effective, permitted, inheritable] = [set(0), set(1), set(2)];
  const cred = ctx.process.cred;
  if (!capable(cred, CAP_SETPCAP) && !isSubset(inheritable, capUnion(cred.capInheritable, cred.capPermitted))) {
    throw new KernelError(Errno.EPERM);
  }
  if (!isSubset(inheritable, capUnion(cred.capInheritable, cred.capBounding))) throw new KernelError(Errno.EPERM);
  if (!isSubset(permitted, cred.capPermitted) || !isSubset(effective, permitted)) throw new KernelError(Errno.EPERM);
  cred.capEffective = effective;
  cred.capPermitted = permitted;
  cred.capInheritable = inheritable;
  // Ambient capabilities must stay both permitted and inheritable.
  cred.capAmbient = capIntersection(cred.capAmbient, capIntersection(permitted, inheritable));
  return 0;
}

const PR_CAP_AMBIENT_IS_SET = 1;
const PR_CAP_AMBIENT_RAISE = 2;
const PR_CAP_AMBIENT_LOWER = 3;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;

/** A capability number argument: EINVAL past CAP_LAST_CAP. */
function capArg(ctx: SyscallContext, i: number): number {
  const cap = ctx.arg(i);
  if (cap < 0n || cap > BigInt(CAP_LAST_CAP)) throw new KernelError(Errno.EINVAL);
  return Number(cap);
}

/** prctl's capability options: the bounding set (read, drop with CAP_SETPCAP) and the ambient set. */
export function capabilityPrctl(ctx: SyscallContext, option: number): number {
  const cred: CapabilitySets = ctx.process.cred;
  switch (option) {
    case PR_CAPBSET_READ:
      return hasCap(cred.capBounding, capArg(ctx, 1)) ? 1 : 0;
    case PR_CAPBSET_DROP: {
      const cap = capArg(ctx, 1);
      if (!capable(cred, CAP_SETPCAP)) throw new KernelError(Errno.EPERM);
      cred.capBounding = capDifference(cred.capBounding, capSet(cap));
      return 0;
    }
    case PR_CAP_AMBIENT:
      return ambient(ctx, cred);
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

function ambient(ctx: SyscallContext, cred: CapabilitySets): number {
  const op = Number(ctx.arg(1));
  if (op === PR_CAP_AMBIENT_CLEAR_ALL) {
    if (ctx.arg(2) !== 0n || ctx.arg(3) !== 0n || ctx.arg(4) !== 0n) throw new KernelError(Errno.EINVAL);
    cred.capAmbient = 0;
    return 0;
  }
  if (ctx.arg(3) !== 0n || ctx.arg(4) !== 0n) throw new KernelError(Errno.EINVAL);
  const cap = capArg(ctx, 2);
  switch (op) {
    case PR_CAP_AMBIENT_IS_SET:
      return hasCap(cred.capAmbient, cap) ? 1 : 0;
    case PR_CAP_AMBIENT_RAISE:
      // Only what is both permitted and inheritable may be ambient.
      if (!hasCap(cred.capPermitted, cap) || !hasCap(cred.capInheritable, cap)) throw new KernelError(Errno.EPERM);
      cred.capAmbient = capUnion(cred.capAmbient, capSet(cap));
      return 0;
    case PR_CAP_AMBIENT_LOWER:
      cred.capAmbient = capDifference(cred.capAmbient, capSet(cap));
      return 0;
    default:
      throw new KernelError(Errno.EINVAL);
  }
}
