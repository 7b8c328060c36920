/**
 * Who may look into another process: Linux's __ptrace_may_access with PTRACE_MODE_REALCREDS, which
 * kcmp and pidfd_getfd ask (guests cannot trace here, but these calls use the same rule).
 *
 * @module
 */
import { CAP_SYS_PTRACE, capable, isSubset } from './capabilities.js';
import type { LinuxProcess } from './process.js';

/**
 * Whether `caller` may inspect `target`: always its own process; otherwise the caller's real uid
 * and gid must be each of the target's (real, effective and saved), the target dumpable, and its
 * permitted capabilities within the caller's (commoncap's check), or the caller must have
 * CAP_SYS_PTRACE.
 */
export function mayInspect(caller: LinuxProcess, target: LinuxProcess): boolean {
  if (caller === target) return true;
  const c = caller.cred;
  if (capable(c, CAP_SYS_PTRACE)) return true;
  const t = target.cred;
  const sameIds = t.uid === c.uid && t.euid === c.uid && t.suid === c.uid && t.gid === c.gid && t.egid === c.gid && t.sgid === c.gid;
  return sameIds && target.dumpable === 1 && isSubset(t.capPermitted, c.capPermitted);
}
