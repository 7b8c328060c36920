/**
 * A guest's extended attributes on host files. `user.*` names are the host's own, as the guest
 * gave them. Every other name is kept under `trusted.rvisor.`, so that the host never reads what
 * the guest set as one of its own namespaces: a `security.capability` there would give a program
 * capabilities when the host ran it, a `trusted.overlay.*` would change a host overlay mount.
 * `trusted.` because the host keeps it for privileged processes (the sandbox is root on the host)
 * and acts on none of it but overlayfs's `trusted.overlay.`, and because it may be set on every
 * kind of file, symlinks included, where `user.` may not. The host's own names in other
 * namespaces (an SELinux label, an overlay's marks) are not the guest's and are not listed, with
 * one exception: a file capability the host's file carries (an image's `ping`, unpacked with its
 * `security.capability`) is the guest's too, as a runc container sees it, unless the guest has
 * set one of its own. The guest can take it away, never give one.
 *
 * @module
 */
import { Errno, KernelError, XATTR_LIST_MAX, XATTR_NAME_CAPS, XATTR_SIZE_MAX, bytesToString } from '@rvisor/linux-object';
import { hostResult } from './host-errors.js';
import type { HostOps } from './host-ops.js';

const KEPT = 'trusted.rvisor.';

/** Where values and name lists are read (host calls are synchronous: one buffer serves them all). */
const scratch = new Uint8Array(Math.max(XATTR_SIZE_MAX, XATTR_LIST_MAX));

/** The host name a guest name is kept under. */
export function hostXattrName(name: string): string {
  return name.startsWith('user.') ? name : KEPT + name;
}

/** The guest name a host name stands for; undefined for one of the host's own. */
export function guestXattrName(host: string): string | undefined {
  if (host.startsWith('user.')) return host;
  return host.startsWith(KEPT) ? host.slice(KEPT.length) : undefined;
}

/**
 * The host's answer as the guest's: a name kept under the prefix that the host finds too long
 * (more than 255 bytes with it) is one the guest could not have set here.
 */
function checked(r: number): number {
  if (r === -Errno.ERANGE) throw new KernelError(Errno.ENODATA);
  return hostResult(r);
}

/** The value of `attr` of `name` in `dirfd` ('' for the directory itself): a view of the scratch buffer. */
export function hostGetXattr(ops: HostOps, dirfd: number, name: string, attr: string): Uint8Array {
  let n = ops.getxattrat(dirfd, name, hostXattrName(attr), scratch);
  if (n === -Errno.ENODATA && attr === XATTR_NAME_CAPS) n = ops.getxattrat(dirfd, name, XATTR_NAME_CAPS, scratch);
  return scratch.subarray(0, checked(n));
}

export function hostSetXattr(ops: HostOps, dirfd: number, name: string, attr: string, value: Uint8Array, flags: number): void {
  hostResult(ops.setxattrat(dirfd, name, hostXattrName(attr), value, flags));
}

export function hostRemoveXattr(ops: HostOps, dirfd: number, name: string, attr: string): void {
  const r = ops.removexattrat(dirfd, name, hostXattrName(attr));
  // Taking the host's file capability away only lessens what the file may do.
  if (attr === XATTR_NAME_CAPS) {
    const host = ops.removexattrat(dirfd, name, XATTR_NAME_CAPS);
    if (r === -Errno.ENODATA && host === 0) return;
  }
  checked(r);
}

/** The guest's names of `name` in `dirfd`. */
export function hostListXattrs(ops: HostOps, dirfd: number, name: string): string[] {
  const n = hostResult(ops.listxattrat(dirfd, name, scratch));
  const names: string[] = [];
  let hostCaps = false;
  for (let start = 0; start < n;) {
    let end = scratch.indexOf(0, start);
    if (end < 0 || end > n) end = n;
    const host = bytesToString(scratch.subarray(start, end));
    const guest = guestXattrName(host);
    if (guest !== undefined) names.push(guest);
    else if (host === XATTR_NAME_CAPS) hostCaps = true;
    start = end + 1;
  }
  if (hostCaps && !names.includes(XATTR_NAME_CAPS)) names.push(XATTR_NAME_CAPS);
  return names;
}
