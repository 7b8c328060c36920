/**
 * Attribute changes (chmod, chown, utimens, truncate) as host calls.
 *
 * @module
 */
import { AT_EMPTY_PATH, type SetAttr, type SetTime } from '@rvisor/linux-object';
import { hostResult } from './host-errors.js';
import type { HostOps } from './host-ops.js';

/** utimensat's "set to the current time" and "leave as is" nanosecond values. */
const UTIME_NOW = 0x3fffffffn;
const UTIME_OMIT = 0x3ffffffen;

/** How a host call names the file: a name in a directory fd, or an fd with AT_EMPTY_PATH. */
export interface HostTarget {
  dirfd: number;
  name: string;
  flags: number;
}

/** The target of an open host fd. */
export function fdTarget(fd: number): HostTarget {
  return { dirfd: fd, name: '', flags: AT_EMPTY_PATH };
}

function timeWords(t: SetTime | undefined): [bigint, bigint] {
  if (t === undefined) return [0n, UTIME_OMIT];
  if (t === 'now') return [0n, UTIME_NOW];
  return [BigInt(t.sec), BigInt(t.nsec)];
}

/**
 * Change the mode, owner and times of `target` as `attr` says (its size is the caller's; so is
 * its mode with `withMode` false: fchmodat takes no AT_EMPTY_PATH).
 */
export function setHostAttr(ops: HostOps, target: HostTarget, attr: SetAttr, withMode = true): void {
  const { dirfd, name, flags } = target;
  if (attr.uid !== undefined || attr.gid !== undefined) {
    hostResult(ops.fchownat(dirfd, name, attr.uid ?? -1, attr.gid ?? -1, flags));
  }
  if (withMode && attr.mode !== undefined) {
    hostResult(ops.fchmodat(dirfd, name, attr.mode & 0o7777, flags));
  }
  if (attr.atime !== undefined || attr.mtime !== undefined) {
    const times = new BigInt64Array([...timeWords(attr.atime), ...timeWords(attr.mtime)]);
    hostResult(ops.utimensat(dirfd, name, times, flags));
  }
}
