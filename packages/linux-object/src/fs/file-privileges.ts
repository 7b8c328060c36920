/**
 * What a write, a truncate or a change of owner takes from a regular file, as Linux's
 * file_remove_privs and notify_change do, so that a program changed after it was given
 * privileges never runs with them:
 *
 * - its file capabilities, whoever makes the change;
 * - on a write or a truncate by a caller without CAP_FSETID, its set-user-ID bit, and its
 *   set-group-ID bit when it is group-executable or the caller is outside its group (a change of
 *   owner takes those in the file system, whoever makes it).
 *
 * Most writes have nothing to take, and must not pay for asking: the kernel keeps the files known
 * to hold capabilities (given by a guest, or read by execve or getxattr), and checks an open
 * file's mode bits at its first write by such a caller, again only after a chmod anywhere has set
 * a set-ID bit.
 *
 * @module
 */
import { S_ISGID, S_ISUID, S_IXGRP } from '../abi/mode.js';
import { Errno, KernelError } from '../errno.js';
import { CAP_FSETID, hasCap } from '../process/capabilities.js';
import { FileType } from './file-type.js';
import type { FileChanges, FileSystem, INode } from './inode.js';
import type { OpenFile } from './open-file.js';
import { inGroup, type AccessIds } from './permission.js';
import { XATTR_NAME_CAPS } from './xattr.js';

export class FilePrivileges {
  readonly #capsHolders = new Map<FileSystem, Set<bigint>>();
  #capsCount = 0;
  /** Chmods so far that set a set-ID bit. */
  #setidChanges = 0;
  /** Open files written by a caller without CAP_FSETID, and #setidChanges when their bits were checked. */
  readonly #checked = new WeakMap<OpenFile, number>();

  /** Whether a write by a caller with effective capabilities `caps` may have anything to take. */
  mayTake(caps: number): boolean {
    return this.#capsCount > 0 || !hasCap(caps, CAP_FSETID);
  }

  /** `inode` carries file capabilities. */
  addCaps(inode: INode): void {
    let set = this.#capsHolders.get(inode.fs);
    if (set === undefined) this.#capsHolders.set(inode.fs, (set = new Set()));
    if (!set.has(inode.ino)) this.#capsCount++;
    set.add(inode.ino);
  }

  /** `inode`'s file capabilities are gone. */
  dropCaps(inode: INode): void {
    if (this.#capsHolders.get(inode.fs)?.delete(inode.ino) === true) this.#capsCount--;
  }

  /** A chmod set a set-ID bit: every open file's bits are to be checked again. */
  setidChanged(): void {
    this.#setidChanges++;
  }

  /** Bytes were written through `file` (located) by `ids`. */
  written(file: OpenFile, ids: AccessIds): void {
    const { inode, mount } = file.location!;
    this.#takeCaps(inode);
    if (hasCap(ids.caps, CAP_FSETID) || inode.type !== FileType.Regular || this.#checked.get(file) === this.#setidChanges) return;
    this.#takeSetid(inode, mount.fs, ids, file);
    this.#checked.set(file, this.#setidChanges);
  }

  /**
   * `inode` was truncated by `ids` (undefined: the kernel), through `file` when the call named an
   * fd or opened it with O_TRUNC.
   */
  truncated(inode: INode, fs: FileSystem, ids: AccessIds | undefined, file?: OpenFile): void {
    this.#takeCaps(inode);
    if (ids !== undefined && !hasCap(ids.caps, CAP_FSETID) && inode.type === FileType.Regular) this.#takeSetid(inode, fs, ids, file);
  }

  /** `inode` was given an owner (its set-ID bits are the file system's to take). */
  chowned(inode: INode): void {
    this.#takeCaps(inode);
  }

  #takeCaps(inode: INode): void {
    if (this.#capsCount === 0 || this.#capsHolders.get(inode.fs)?.has(inode.ino) !== true) return;
    this.dropCaps(inode);
    // The kernel's own removal: no permission applies, as none does to Linux's.
    try {
      inode.removeXattr?.(XATTR_NAME_CAPS);
    } catch (err) {
      if (!(err instanceof KernelError) || err.errno !== Errno.ENODATA) throw err;
    }
  }

  #takeSetid(inode: INode, fs: FileSystem, ids: AccessIds, file: OpenFile | undefined): void {
    const { mode, gid } = (file ?? inode).stat();
    let take = mode & S_ISUID;
    if ((mode & S_ISGID) !== 0 && ((mode & S_IXGRP) !== 0 || !inGroup(ids, gid))) take |= S_ISGID;
    if (take === 0) return;
    const attr = { mode: mode & 0o7777 & ~take };
    const changes = file as (OpenFile & FileChanges) | undefined;
    if (changes?.setAttr !== undefined) changes.setAttr(attr);
    else if (inode.setAttr !== undefined) inode.setAttr(attr);
    else if (fs.readOnly) throw new KernelError(Errno.EROFS);
  }
}
