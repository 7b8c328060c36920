/**
 * Capabilities: the five sets Linux keeps with a process's ids (effective, permitted,
 * inheritable, bounding, ambient), how execve and changes of uid transform them, and the check
 * every privileged operation makes ({@link capable}). A process's sets are its threads' (as its
 * ids are here).
 *
 * A set is a number (41 bits fit a double exactly), so that the check on every path walk is an
 * integer test without allocating; the set operations below split it in 32-bit halves.
 *
 * @module
 */
import { CAP_LAST_CAP } from '../abi/process.js';
import { Errno, KernelError } from '../errno.js';

/** Capability numbers (linux/capability.h). */
export const CAP_CHOWN = 0;
export const CAP_DAC_OVERRIDE = 1;
export const CAP_DAC_READ_SEARCH = 2;
export const CAP_FOWNER = 3;
export const CAP_FSETID = 4;
export const CAP_KILL = 5;
export const CAP_SETGID = 6;
export const CAP_SETUID = 7;
export const CAP_SETPCAP = 8;
export const CAP_LINUX_IMMUTABLE = 9;
export const CAP_NET_BIND_SERVICE = 10;
export const CAP_NET_ADMIN = 12;
export const CAP_IPC_LOCK = 14;
export const CAP_IPC_OWNER = 15;
export const CAP_SYS_CHROOT = 18;
export const CAP_SYS_PTRACE = 19;
export const CAP_SYS_ADMIN = 21;
export const CAP_SYS_NICE = 23;
export const CAP_SYS_RESOURCE = 24;
export const CAP_SYS_TTY_CONFIG = 26;
export const CAP_MKNOD = 27;
export const CAP_SETFCAP = 31;
export const CAP_MAC_OVERRIDE = 32;

/** The capabilities' names as OCI's process.capabilities spells them, by number. */
export const CAP_NAMES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Every capability this kernel knows (0 … CAP_LAST_CAP). */
export const ALL_CAPS = 2 ** (CAP_LAST_CAP + 1) - 1;

const TWO_32 = 2 ** 32;

/** The set holding `cap` alone. */
export function capSet(cap: number): number {
  return 2 ** cap;
}

function combine(a: number, b: number, op: (x: number, y: number) => number): number {
  const hi = op(Math.floor(a / TWO_32), Math.floor(b / TWO_32)) >>> 0;
  return hi * TWO_32 + (op(a >>> 0, b >>> 0) >>> 0);
}

/** a ∪ b. */
export function capUnion(a: number, b: number): number {
  return combine(a, b, (x, y) => x | y);
}

/** a ∩ b. */
export function capIntersection(a: number, b: number): number {
  return combine(a, b, (x, y) => x & y);
}

/** a less b. */
export function capDifference(a: number, b: number): number {
  return combine(a, b, (x, y) => x & ~y);
}

/** Whether `a` holds no capability that `b` lacks. */
export function isSubset(a: number, b: number): boolean {
  return capDifference(a, b) === 0;
}

/** Whether set `caps` holds `cap` (a 32-bit test for the low ones: ToInt32 keeps the low half). */
export function hasCap(caps: number, cap: number): boolean {
  return cap < 32 ? (caps & (1 << cap)) !== 0 : Math.floor(caps / 2 ** cap) % 2 === 1;
}

/** The five sets, kept with the ids in a process's credentials. */
export interface CapabilitySets {
  capEffective: number;
  capPermitted: number;
  capInheritable: number;
  capBounding: number;
  capAmbient: number;
}

/** What root starts with when nothing says otherwise: every capability, none inheritable or ambient. */
export const ROOT_CAPS: CapabilitySets = {
  capEffective: ALL_CAPS, capPermitted: ALL_CAPS, capInheritable: 0, capBounding: ALL_CAPS, capAmbient: 0,
};

/** Whether the sets give effective capability `cap`. */
export function capable(sets: CapabilitySets, cap: number): boolean {
  return hasCap(sets.capEffective, cap);
}

/** The ids a change of uid goes from and to. */
export interface UidTriple {
  uid: number;
  euid: number;
  suid: number;
}

/**
 * Linux's cap_emulate_setxuid: giving up uid 0 in all of real, effective and saved clears the
 * permitted and effective sets (permitted stays with PR_SET_KEEPCAPS) and the ambient set; an
 * effective uid that leaves 0 clears the effective set, and one that becomes 0 fills it from the
 * permitted set.
 */
export function afterSetuid(sets: CapabilitySets, old: UidTriple, now: UidTriple, keepCaps: boolean): void {
  const hadRoot = old.uid === 0 || old.euid === 0 || old.suid === 0;
  if (hadRoot && now.uid !== 0 && now.euid !== 0 && now.suid !== 0) {
    if (!keepCaps) sets.capPermitted = sets.capEffective = 0;
    sets.capAmbient = 0;
  }
  if (old.euid === 0 && now.euid !== 0) sets.capEffective = 0;
  if (old.euid !== 0 && now.euid === 0) sets.capEffective = sets.capPermitted;
}

/** The capabilities that act on files for their owner (Linux's CAP_FS_SET): what a file system uid of 0 brings. */
export const CAP_FS_SET = [CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MKNOD, CAP_MAC_OVERRIDE]
  .reduce((set, cap) => capUnion(set, capSet(cap)), 0);

/**
 * Linux's cap_task_fix_setuid for setfsuid: a file system uid that leaves 0 takes the file
 * capabilities out of the effective set, and one that becomes 0 puts back those permitted.
 */
export function afterSetfsuid(sets: CapabilitySets, oldFsuid: number, newFsuid: number): void {
  if (oldFsuid === 0 && newFsuid !== 0) sets.capEffective = capDifference(sets.capEffective, CAP_FS_SET);
  if (oldFsuid !== 0 && newFsuid === 0) sets.capEffective = capUnion(sets.capEffective, capIntersection(CAP_FS_SET, sets.capPermitted));
}

/** A program file's capabilities (its `security.capability`), as execve reads them. */
export interface FileCapabilities {
  permitted: number;
  inheritable: number;
  /** Its effective bit: the program starts with its permitted set effective. */
  effective: boolean;
}

/** The sets a program runs with, and whether that makes its execution secure (AT_SECURE). */
export interface ExecCapabilities {
  sets: CapabilitySets;
  secure: boolean;
}

/**
 * Linux's cap_bprm_creds_from_file: the sets a program runs with, from the caller's `old` ones,
 * the ids it runs with (`uid` real, `euid` effective, `setid` when either id changes) and its
 * file capabilities (`file`; undefined when it has none or its mount is nosuid).
 *
 * - A file's capabilities give pP' = (fP ∩ bounding) ∪ (fI ∩ pI); the effective bit makes them
 *   effective. A program with the effective bit that would lack some of fP fails (EPERM), since it
 *   cannot know to check.
 * - Root (real or effective uid 0) gets its bounding and inheritable sets as permitted, and
 *   permitted as effective when its effective uid is 0; but not a set-user-ID-root program run by
 *   another user when the file has capabilities of its own.
 * - The ambient set survives only an execution that changes no id and gives no file capabilities,
 *   and joins both permitted and effective.
 * - With no_new_privs the program gains nothing it was not permitted before.
 * - An execution is secure when an id changes, or when a program not run by real root gets
 *   effective capabilities or permitted ones beyond its ambient set.
 */
export function execCapabilities(
  old: CapabilitySets, uid: number, euid: number, setid: boolean, file: FileCapabilities | undefined, noNewPrivs: boolean,
): ExecCapabilities {
  let permitted = 0;
  let effective = false;
  if (file !== undefined) {
    permitted = capUnion(capIntersection(old.capBounding, file.permitted), capIntersection(old.capInheritable, file.inheritable));
    effective = file.effective;
    if (effective && !isSubset(file.permitted, permitted)) throw new KernelError(Errno.EPERM);
  }
  if (!(file !== undefined && uid !== 0 && euid === 0)) {
    if (uid === 0 || euid === 0) permitted = capUnion(old.capBounding, old.capInheritable);
    if (euid === 0) effective = true;
  }
  if (noNewPrivs) permitted = capIntersection(permitted, old.capPermitted);
  const ambient = file !== undefined || setid ? 0 : old.capAmbient;
  permitted = capUnion(permitted, ambient);
  return {
    sets: {
      capPermitted: permitted,
      capEffective: effective ? permitted : ambient,
      capInheritable: old.capInheritable,
      capBounding: old.capBounding,
      capAmbient: ambient,
    },
    secure: setid || (uid !== 0 && (effective || !isSubset(permitted, ambient))),
  };
}
