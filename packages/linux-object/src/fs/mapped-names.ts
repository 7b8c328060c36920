/**
 * The names /proc/<pid>/maps gives files' mappings: the path the file was mapped by, with
 * " (deleted)" once that name has gone, as Linux prints a mapping whose dentry was unlinked (a
 * library replaced by a package upgrade, a file removed while mapped). Tools that look for
 * processes still running outdated code (needrestart, lsof's `DEL`) go by that suffix.
 *
 * @module
 */
import type { VmoOrigin } from '@rvisor/zircon-object';
import { KernelError } from '../errno.js';
import { joinPath } from './path-ref.js';
import type { Vfs } from './vfs.js';

/** What Linux appends to the path of a file whose name has gone (d_path of an unlinked dentry). */
export const DELETED = ' (deleted)';

/** An unnamed file's path as Linux shows it (O_TMPFILE's): `#<inode>` in its directory, deleted. */
export function unnamedPath(dir: string, ino: number | bigint): string {
  return `${joinPath(dir, `#${ino}`)}${DELETED}`;
}

/**
 * Whether `path` (lstat, from the container's root, with the kernel's rights) still names the
 * file `dev`:`ino`: false once removed, or once another file took the name (renamed over).
 */
export function stillNamed(vfs: Vfs, path: string, dev: bigint, ino: bigint): boolean {
  try {
    const st = vfs.stat(vfs.root, path, false);
    return st.ino === ino && st.dev === dev;
  } catch (e) {
    if (e instanceof KernelError) return false; // ENOENT, ENOTDIR, ESTALE: not that file any more
    throw e;
  }
}

/**
 * The names of one listing's mappings, each name looked up once (a library's four mappings share
 * one). A name is gone when it no longer leads to the mapped file: removed, or now another file's
 * (renamed over). Linux asks the dentry, so a file still linked under another name is deleted
 * here too, as there; renaming the file itself, which Linux follows, shows the old name deleted.
 */
export class MappedNames {
  readonly #vfs: Vfs;
  readonly #gone = new Map<string, boolean>();

  constructor(vfs: Vfs) {
    this.#vfs = vfs;
  }

  /** How maps shows `name`, a container path of the file `origin` (or a name of Linux's own form). */
  of(name: string, origin: VmoOrigin | undefined): string {
    // Names that are not paths ('[heap]'), and memfds' and SysV segments', which say so already.
    if (origin === undefined || !name.startsWith('/') || name.endsWith(DELETED)) return name;
    const key = `${origin.dev}:${origin.ino}:${name}`;
    let gone = this.#gone.get(key);
    if (gone === undefined) {
      gone = !stillNamed(this.#vfs, name, origin.dev, origin.ino);
      this.#gone.set(key, gone);
    }
    return gone ? name + DELETED : name;
  }
}
