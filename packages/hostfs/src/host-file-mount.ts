/**
 * A bind mount of one host file (podman's /etc/hosts, /etc/resolv.conf, …): a file system whose
 * root is that file, reached through a hostfs over its directory, so nothing else there is visible.
 *
 * @module
 */
import { Errno, FileType, KernelError, utf8ByteString, type FileSystem, type INode, type StatFs } from '@rvisor/linux-object';
import { HostFs, type HostFsOptions } from './host-fs.js';
import type { HostOps } from './host-ops.js';
import type { FileMemory } from './shared-pages.js';

/** A {@link FileSystem} whose root is one host file (not a directory). */
export class HostFileMount implements FileSystem {
  readonly type = 'hostfs';
  readonly root: INode;
  readonly readOnly: boolean;
  readonly #dir: HostFs;

  /** Mount `name` of the hostfs `dir`, which this mount owns and releases. */
  constructor(dir: HostFs, name: string) {
    this.#dir = dir;
    this.readOnly = dir.readOnly;
    try {
      this.root = dir.root.lookup(name);
    } catch (err) {
      dir.release();
      throw err;
    }
    if (this.root.type === FileType.Directory || this.root.type === FileType.Symlink) {
      dir.release();
      throw new KernelError(Errno.EINVAL, `${name} is not a file`);
    }
  }

  /** Mount the host file at `hostPath` (its last component must not be a symlink). */
  static open(ops: HostOps, hostPath: string, options: HostFsOptions = {}): HostFileMount {
    const slash = hostPath.lastIndexOf('/');
    const dir = hostPath.slice(0, slash) || '/';
    return new HostFileMount(HostFs.open(ops, dir, { ...options, maxDirFds: 1 }), utf8ByteString(hostPath.slice(slash + 1)));
  }

  release(): void {
    this.#dir.release();
  }

  /** See {@link HostFs.shareFileMemory}. */
  shareFileMemory(memory: FileMemory): void {
    this.#dir.shareFileMemory(memory);
  }

  statfs(): StatFs {
    return this.#dir.statfs();
  }

  sync(): void {
    this.#dir.sync();
  }
}
