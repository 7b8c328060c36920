/**
 * Extended attributes (getxattr(2) and co.): the rules every file system shares, as Linux's
 * fs/xattr.c and the capability module make them: which namespaces exist, who may read and write
 * each, and the shape of `security.capability`. File systems keep the names and values
 * (`INode.getXattr` and co.).
 *
 * Namespaces: `user.` (regular files and directories; the file's read or write permission),
 * `trusted.` (CAP_SYS_ADMIN; hidden from others), `security.` (anyone reads; CAP_SYS_ADMIN
 * writes, CAP_SETFCAP for `security.capability`). `system.` names Linux's POSIX ACLs, which no
 * file system here keeps (EOPNOTSUPP); any other prefix is EOPNOTSUPP as well.
 *
 * @module
 */
import { S_ISVTX } from '../abi/mode.js';
import { Errno, KernelError } from '../errno.js';
import { ALL_CAPS, CAP_SETFCAP, CAP_SYS_ADMIN, hasCap, type FileCapabilities } from '../process/capabilities.js';
import { FileType } from './file-type.js';
import { IN_ATTRIB } from './inotify.js';
import type { INode } from './inode.js';
import type { PathRef } from './path-ref.js';
import type { Vfs } from './vfs.js';
import { MAY_READ, MAY_WRITE, checkInodeAccess, hasCapability, isOwnerOrRoot, type AccessIds } from './permission.js';

/** setxattr(2): fail with EEXIST if the attribute exists. */
export const XATTR_CREATE = 1;
/** setxattr(2): fail with ENODATA unless the attribute exists. */
export const XATTR_REPLACE = 2;
/** The longest name, prefix included. */
export const XATTR_NAME_MAX = 255;
/** The largest value. */
export const XATTR_SIZE_MAX = 65536;
/** The longest list of names listxattr(2) returns. */
export const XATTR_LIST_MAX = 65536;

/** File capabilities (capabilities(7), "File capabilities"). */
export const XATTR_NAME_CAPS = 'security.capability';
const VFS_CAP_REVISION_MASK = 0xff000000;
const VFS_CAP_REVISION_2 = 0x02000000;
const VFS_CAP_REVISION_3 = 0x03000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;
/** magic_etc, then permitted and inheritable for capabilities 0–31 and 32–63. */
const XATTR_CAPS_SZ_2 = 20;
/** The same, then the uid that is root for them (rootid). */
const XATTR_CAPS_SZ_3 = 24;

type Namespace = 'user' | 'trusted' | 'security';

/**
 * The namespace of a name, as Linux's handlers resolve it: EOPNOTSUPP for a prefix no handler
 * takes (ACLs' `system.` among them), EINVAL for a bare prefix ("user.").
 */
function namespaceOf(name: string): Namespace {
  for (const ns of ['user', 'trusted', 'security'] as const) {
    if (name.startsWith(ns) && name.charCodeAt(ns.length) === 0x2e /* . */) {
      if (name.length === ns.length + 1) throw new KernelError(Errno.EINVAL);
      return ns;
    }
  }
  throw new KernelError(Errno.EOPNOTSUPP);
}

/**
 * Linux's xattr_permission, then the capability module's checks on security.* writes. A refused
 * read of a namespace the caller may not see reads as absent (ENODATA), as Linux answers.
 */
function checkXattrAccess(inode: INode, name: string, want: number, ids: AccessIds | undefined): void {
  const write = (want & MAY_WRITE) !== 0;
  if (name.startsWith('security.')) {
    // security.capability's writers are checked apart: checkFileCaps, removeXattr.
    if (write && name !== XATTR_NAME_CAPS && !hasCapability(ids, CAP_SYS_ADMIN)) throw new KernelError(Errno.EPERM);
    return;
  }
  if (name.startsWith('system.')) return;
  if (name.startsWith('trusted.')) {
    if (!hasCapability(ids, CAP_SYS_ADMIN)) throw new KernelError(write ? Errno.EPERM : Errno.ENODATA);
    return;
  }
  if (name.startsWith('user.')) {
    if (inode.type !== FileType.Regular && inode.type !== FileType.Directory) {
      throw new KernelError(write ? Errno.EPERM : Errno.ENODATA);
    }
    if (write && inode.type === FileType.Directory && ids !== undefined) {
      const st = inode.stat();
      if ((st.mode & S_ISVTX) !== 0 && !isOwnerOrRoot(ids, st)) throw new KernelError(Errno.EPERM);
    }
  }
  checkInodeAccess(ids, inode, want);
}

/** A revision 1 value: magic_etc, permitted and inheritable for capabilities 0–31. */
const XATTR_CAPS_SZ_1 = 12;
const VFS_CAP_REVISION_1 = 0x01000000;
const CAPS_SIZES = new Map([[VFS_CAP_REVISION_1, XATTR_CAPS_SZ_1], [VFS_CAP_REVISION_2, XATTR_CAPS_SZ_2], [VFS_CAP_REVISION_3, XATTR_CAPS_SZ_3]]);

/** A `security.capability` value's revision, when its size is that revision's; undefined otherwise. */
function capsRevision(value: Uint8Array): number | undefined {
  if (value.length < 4) return undefined;
  const revision = (new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true) & VFS_CAP_REVISION_MASK) >>> 0;
  return CAPS_SIZES.get(revision) === value.length ? revision : undefined;
}

/** A revision 3 value's root: the uid that is root for it (rootid). */
function capsRoot(value: Uint8Array): number {
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(20, true);
}

/**
 * A `security.capability` value as setxattr(2) takes it: revision 2 or 3 (EINVAL), from a caller
 * with CAP_SETFCAP (EPERM). Linux checks neither for an empty value.
 */
function checkFileCaps(value: Uint8Array, ids: AccessIds | undefined): void {
  if (value.length === 0) return;
  const revision = capsRevision(value);
  if (revision !== VFS_CAP_REVISION_2 && revision !== VFS_CAP_REVISION_3) throw new KernelError(Errno.EINVAL);
  if (!hasCapability(ids, CAP_SETFCAP)) throw new KernelError(Errno.EPERM);
}

/**
 * The capabilities a stored `security.capability` gives a program at execve, as Linux's
 * get_vfs_caps_from_disk reads them: undefined for a revision 3 value whose root is not uid 0 (it
 * belongs to a user namespace, and none is here); EINVAL for a value of no known shape.
 */
export function parseFileCaps(value: Uint8Array): FileCapabilities | undefined {
  const revision = capsRevision(value);
  if (revision === undefined) throw new KernelError(Errno.EINVAL);
  if (revision === VFS_CAP_REVISION_3 && capsRoot(value) !== 0) return undefined;
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  // A set from its two 32-bit words (revision 1 has the low one only), without the capabilities
  // past the last one (kept exact: the high word is masked before it is scaled).
  const set = (low: number, high: number) => {
    const hi = revision === VFS_CAP_REVISION_1 ? 0 : v.getUint32(high, true) & Math.floor(ALL_CAPS / 2 ** 32);
    return v.getUint32(low, true) + hi * 2 ** 32;
  };
  return { permitted: set(4, 12), inheritable: set(8, 16), effective: (v.getUint32(0, true) & VFS_CAP_FLAGS_EFFECTIVE) !== 0 };
}

/**
 * A stored `security.capability` as getxattr(2) shows it here, where every caller is in the
 * initial user namespace: a revision 3 value whose root is uid 0 reads as revision 2, as Linux's
 * cap_inode_getsecurity converts it.
 */
function shownFileCaps(value: Uint8Array): Uint8Array {
  if (capsRevision(value) !== VFS_CAP_REVISION_3 || capsRoot(value) !== 0) return value;
  const shown = value.slice(0, XATTR_CAPS_SZ_2);
  const v = new DataView(shown.buffer);
  v.setUint32(0, VFS_CAP_REVISION_2 | (v.getUint32(0, true) & VFS_CAP_FLAGS_EFFECTIVE), true);
  return shown;
}

/**
 * The file an xattr call names: where a path or an fd leads (undefined for a pipe or a socket,
 * which no file system keeps attributes for), and the VFS it is in, whose inotify hears the
 * changes and which keeps the holders of file capabilities.
 */
export interface XattrTarget {
  vfs: Vfs;
  ref: PathRef | undefined;
  /**
   * What keeps the attributes, when not the inode: an open file the call names by its fd that
   * reaches its file's attributes itself (a host fd), as Linux's reach the open file's even once
   * its name is gone, or names another file.
   */
  store?: XattrStore;
}

/** What keeps a file's extended attributes: its inode (INode's own methods), or an open file of it. */
export interface XattrStore {
  getXattr?(name: string): Uint8Array;
  setXattr?(name: string, value: Uint8Array, flags: number): void;
  removeXattr?(name: string): void;
  listXattrs?(): string[];
}

/** getxattr(2): the value (a view that may last only until the next call). */
export function getXattr({ vfs, ref, store }: XattrTarget, name: string, ids: AccessIds | undefined): Uint8Array {
  if (ref === undefined) unnamedXattr(name, false);
  const inode = ref.inode;
  checkXattrAccess(inode, name, MAY_READ, ids);
  namespaceOf(name);
  const kept = store ?? inode;
  if (kept.getXattr === undefined) throw new KernelError(Errno.EOPNOTSUPP);
  const value = kept.getXattr(name);
  if (name !== XATTR_NAME_CAPS) return value;
  if (value.length > 0) vfs.privileges.addCaps(inode); // a write must take them away
  return shownFileCaps(value);
}

/** setxattr(2): `flags` XATTR_CREATE or XATTR_REPLACE (checked by the caller). */
export function setXattr({ vfs, ref, store }: XattrTarget, name: string, value: Uint8Array, flags: number, ids: AccessIds | undefined): void {
  if (ref === undefined) unnamedXattr(name, true);
  const inode = ref.inode;
  if (ref.mount.fs.readOnly) throw new KernelError(Errno.EROFS);
  if (name === XATTR_NAME_CAPS) checkFileCaps(value, ids);
  checkXattrAccess(inode, name, MAY_WRITE, ids);
  namespaceOf(name);
  const kept = store ?? inode;
  if (kept.setXattr === undefined) throw new KernelError(Errno.EOPNOTSUPP);
  kept.setXattr(name, value, flags);
  if (name === XATTR_NAME_CAPS) {
    if (value.length > 0) vfs.privileges.addCaps(inode);
    else vfs.privileges.dropCaps(inode);
  }
  vfs.events.changed(ref, IN_ATTRIB);
}

/** removexattr(2). */
export function removeXattr({ vfs, ref, store }: XattrTarget, name: string, ids: AccessIds | undefined): void {
  if (ref === undefined) unnamedXattr(name, true);
  const inode = ref.inode;
  if (ref.mount.fs.readOnly) throw new KernelError(Errno.EROFS);
  checkXattrAccess(inode, name, MAY_WRITE, ids);
  if (name === XATTR_NAME_CAPS && !hasCapability(ids, CAP_SETFCAP)) throw new KernelError(Errno.EPERM);
  namespaceOf(name);
  const kept = store ?? inode;
  if (kept.removeXattr === undefined) throw new KernelError(Errno.EOPNOTSUPP);
  kept.removeXattr(name);
  if (name === XATTR_NAME_CAPS) vfs.privileges.dropCaps(inode);
  vfs.events.changed(ref, IN_ATTRIB);
}

/**
 * listxattr(2): the names, without the trusted.* ones unless the caller holds CAP_SYS_ADMIN.
 * Needs no permission on the file. A file system that keeps none (a pipe's, a socket's) lists none.
 */
export function listXattrs({ ref, store }: XattrTarget, ids: AccessIds | undefined): string[] {
  const names = ref === undefined ? [] : (store ?? ref.inode).listXattrs?.() ?? [];
  if (ids === undefined || hasCap(ids.caps, CAP_SYS_ADMIN)) return names;
  return names.filter((n) => !n.startsWith('trusted.'));
}

/**
 * Any call on the attributes of a pipe or a socket: user.* is refused as for any file neither
 * regular nor a directory (EPERM to write, ENODATA to read), and other names have no handler
 * (EOPNOTSUPP). Always throws.
 */
function unnamedXattr(name: string, write: boolean): never {
  if (name.startsWith('user.')) throw new KernelError(write ? Errno.EPERM : Errno.ENODATA);
  namespaceOf(name);
  throw new KernelError(Errno.EOPNOTSUPP);
}

/**
 * The extended attributes of a file kept in memory (tmpfs): names to values, with setxattr's
 * flags. The caller's `touch` marks the change (ctime).
 */
export class XattrTable {
  readonly #values = new Map<string, Uint8Array>();

  get(name: string): Uint8Array {
    const v = this.#values.get(name);
    if (v === undefined) throw new KernelError(Errno.ENODATA);
    return v;
  }

  /** Keep a copy of `value` (which may be a view of guest memory). */
  set(name: string, value: Uint8Array, flags: number): void {
    const exists = this.#values.has(name);
    if ((flags & XATTR_CREATE) !== 0 && exists) throw new KernelError(Errno.EEXIST);
    if ((flags & XATTR_REPLACE) !== 0 && !exists) throw new KernelError(Errno.ENODATA);
    this.#values.set(name, value.slice());
  }

  remove(name: string): void {
    if (!this.#values.delete(name)) throw new KernelError(Errno.ENODATA);
  }

  names(): string[] {
    return [...this.#values.keys()];
  }
}
