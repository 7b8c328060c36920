/**
 * Discretionary access control: Linux's permission rule for files (owner, group and other bits,
 * with root's capabilities) in one place, used by every check the VFS and the syscalls make.
 *
 * A caller is described by the ids a check uses ({@link AccessIds}); `undefined` where an
 * `AccessIds` is optional means the kernel itself, which is never refused.
 *
 * @module
 */
import { S_IFDIR, S_IFMT, S_ISGID, S_ISVTX, S_IXGRP } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { FileType } from './file-type.js';
import { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, hasCap } from '../process/capabilities.js';
import type { Credentials } from '../process/process.js';
import type { INode, SetAttr } from './inode.js';

/** Execute a file, or search a directory (Linux's MAY_EXEC). */
export const MAY_EXEC = 1;
/** Write (MAY_WRITE). */
export const MAY_WRITE = 2;
/** Read (MAY_READ). */
export const MAY_READ = 4;

/**
 * The ids a permission check is made with: Linux's fsuid, fsgid and supplementary groups, and the
 * capabilities that override the file's bits (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
 * CAP_CHOWN, CAP_FSETID) as a capability set.
 */
export interface AccessIds {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
  readonly caps: number;
}

/** The ids file access uses: the file system ids, which follow the effective ones unless setfsuid or setfsgid moved them. */
export function fsIds(cred: Credentials): AccessIds {
  return { uid: cred.fsuid, gid: cred.fsgid, groups: cred.groups, caps: cred.capEffective };
}

/**
 * The ids access(2) and faccessat(2) check with: the real ones, with the permitted capabilities
 * when the real uid is 0 and none otherwise, as Linux's do_faccessat.
 */
export function realIds(cred: Credentials): AccessIds {
  return { uid: cred.uid, gid: cred.gid, groups: cred.groups, caps: cred.uid === 0 ? cred.capPermitted : 0 };
}

/** Whether `ids` hold capability `cap` (the kernel, `undefined`, holds every one). */
export function hasCapability(ids: AccessIds | undefined, cap: number): boolean {
  return ids === undefined || hasCap(ids.caps, cap);
}

/** The part of a file's stat a permission check reads. */
export type Ownership = Pick<Stat, 'mode' | 'uid' | 'gid'>;


/** Whether `ids` are in group `gid` (Linux's in_group_p). */
export function inGroup(ids: AccessIds, gid: number): boolean {
  return ids.gid === gid || ids.groups.includes(gid);
}

/**
 * Linux's generic_permission: whether `ids` may access a file of `st` as `want` asks (a mask of
 * MAY_READ, MAY_WRITE, MAY_EXEC). The owner gets the owner bits only, a member of the file's group
 * the group bits, anyone else the other bits. CAP_DAC_OVERRIDE may do anything but execute a file
 * that has no execute bit at all; CAP_DAC_READ_SEARCH may read any file and read and search any
 * directory.
 */
export function mayAccess(ids: AccessIds | undefined, st: Ownership, want: number): boolean {
  if (ids === undefined) return true;
  const mode = st.mode;
  let bits: number;
  if (ids.uid === st.uid) bits = mode >> 6;
  else if (inGroup(ids, st.gid)) bits = mode >> 3;
  else bits = mode;
  if ((want & ~bits & 7) === 0) return true;
  const isDir = (mode & S_IFMT) === S_IFDIR;
  if (hasCap(ids.caps, CAP_DAC_OVERRIDE) && (isDir || (want & MAY_EXEC) === 0 || (mode & 0o111) !== 0)) return true;
  return hasCap(ids.caps, CAP_DAC_READ_SEARCH) && (want & ~(isDir ? MAY_READ | MAY_EXEC : MAY_READ)) === 0;
}

/** Throws EACCES unless {@link mayAccess}. */
export function checkAccess(ids: AccessIds | undefined, st: Ownership, want: number): void {
  if (!mayAccess(ids, st, want)) throw new KernelError(Errno.EACCES);
}

/**
 * {@link checkAccess} for an inode, reading its attributes only when the answer depends on them:
 * CAP_DAC_OVERRIDE passes every check but executing a file, so the path walk of root costs no stat.
 */
export function checkInodeAccess(ids: AccessIds | undefined, inode: INode, want: number): void {
  if (ids === undefined) return;
  if (inode.modeBitsOnly === true) return checkAccess({ ...ids, caps: 0 }, inode.stat(), want);
  if (hasCap(ids.caps, CAP_DAC_OVERRIDE) && ((want & MAY_EXEC) === 0 || inode.type === FileType.Directory)) return;
  checkAccess(ids, inode.stat(), want);
}

/** Whether `ids` own the file or hold CAP_FOWNER (Linux's inode_owner_or_capable). */
export function isOwnerOrRoot(ids: AccessIds | undefined, st: Ownership): boolean {
  return hasCapability(ids, CAP_FOWNER) || ids?.uid === st.uid;
}

/**
 * The sticky-bit rule for removing or renaming `victim` out of directory `dir`: with S_ISVTX on
 * the directory only the file's owner, the directory's owner or CAP_FOWNER may (EPERM otherwise).
 */
export function checkSticky(ids: AccessIds | undefined, dir: Ownership, victim: Ownership): void {
  if ((dir.mode & S_ISVTX) === 0 || hasCapability(ids, CAP_FOWNER)) return;
  if (ids?.uid === victim.uid || ids?.uid === dir.uid) return;
  throw new KernelError(Errno.EPERM);
}

/**
 * Linux's setattr_prepare for chmod, chown and utimensat: who may make the change `attr` to the
 * file whose owner and mode `stat()` reads (only when the answer depends on them: never for root
 * with its capabilities). CAP_CHOWN may give a file to anyone, CAP_FOWNER act as its owner, and
 * CAP_FSETID keep S_ISGID on a chmod outside the file's group.
 * Returns the change to make, which differs from `attr` when a chmod by someone outside the file's
 * group loses S_ISGID. Throws EPERM (chown, chmod, explicit times) or EACCES (times set to now by
 * someone who may not write). A size change is not checked here (see its callers).
 */
export function checkSetAttr(ids: AccessIds | undefined, stat: () => Ownership, attr: SetAttr): SetAttr {
  if (ids === undefined || (hasCap(ids.caps, CAP_CHOWN) && hasCap(ids.caps, CAP_FOWNER) && hasCap(ids.caps, CAP_FSETID))) return attr;
  const st = stat();
  const chown = hasCap(ids.caps, CAP_CHOWN);
  const owner = ids.uid === st.uid || hasCap(ids.caps, CAP_FOWNER);
  const uid = attr.uid ?? -1;
  const gid = attr.gid ?? -1;
  if (uid !== -1 && !chown && !(ids.uid === st.uid && uid === st.uid)) throw new KernelError(Errno.EPERM);
  if (gid !== -1 && !chown && !(ids.uid === st.uid && (gid === st.gid || inGroup(ids, gid)))) throw new KernelError(Errno.EPERM);
  let result = attr;
  if (attr.mode !== undefined) {
    if (!owner) throw new KernelError(Errno.EPERM);
    const group = gid !== -1 ? gid : st.gid;
    if ((attr.mode & S_ISGID) !== 0 && !inGroup(ids, group) && !hasCap(ids.caps, CAP_FSETID)) {
      result = { ...attr, mode: attr.mode & ~S_ISGID };
    }
  }
  const explicit = (t: SetAttr['atime']) => t !== undefined && t !== 'now';
  if (explicit(attr.atime) || explicit(attr.mtime)) {
    if (!owner) throw new KernelError(Errno.EPERM);
  } else if (attr.atime === 'now' && attr.mtime === 'now' && !owner) {
    checkAccess(ids, st, MAY_WRITE);
  }
  return result;
}

/**
 * The protected_hardlinks rule (fs.protected_hardlinks = 1, the usual setting): someone who does
 * not own a file may link to it only if it is a regular file they may read and write, and neither
 * set-user-ID nor executable set-group-ID. EPERM otherwise.
 */
export function checkHardlinkSource(ids: AccessIds | undefined, st: Ownership): void {
  if (isOwnerOrRoot(ids, st)) return;
  const regular = (st.mode & S_IFMT) === 0o100000;
  const setid = (st.mode & 0o4000) !== 0 || (st.mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP);
  if (regular && !setid && mayAccess(ids, st, MAY_READ | MAY_WRITE)) return;
  throw new KernelError(Errno.EPERM);
}

/**
 * The owner a file created by `ids` in directory `dir` gets: the caller's ids, but the directory's
 * group when it is set-group-ID (BSD group semantics).
 */
export function newFileOwner(ids: AccessIds, dir: Ownership): { uid: number; gid: number } {
  return { uid: ids.uid, gid: (dir.mode & S_ISGID) !== 0 ? dir.gid : ids.gid };
}
