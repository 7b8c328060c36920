/**
 * A resolved path: which mount, which inode, and how it was reached.
 *
 * @module
 */
import type { FileSystem, INode } from './inode.js';

/** A file system mounted at an absolute container path. */
export interface Mount {
  /** Its id in /proc/<pid>/mountinfo: unique in the container, never reused. */
  readonly id: number;
  readonly fs: FileSystem;
  /** Absolute, canonical path of the mount point ('/' for the root file system). */
  readonly path: string;
  /** MS_NOSUID: execve ignores the set-user-ID and set-group-ID bits of its files. */
  readonly nosuid: boolean;
}

/**
 * A file as path resolution found it. `parent` is the directory it was reached from (null at the
 * root of the mount tree): '..' walks it, so '..' of a mount's root leaves the mount, and '..' at
 * the root stays there.
 */
export interface PathRef {
  readonly mount: Mount;
  readonly inode: INode;
  /** Absolute, canonical container path (no symlinks, '.' or '..'). */
  readonly path: string;
  readonly parent: PathRef | null;
}

/** Whether two refs name the same file in the same mount. */
export function sameRef(a: PathRef, b: PathRef): boolean {
  return a.mount === b.mount && (a.inode === b.inode || a.inode.ino === b.inode.ino);
}

/** `dir` + '/' + `name` for canonical absolute paths. */
export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
