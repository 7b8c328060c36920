import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** A mount as containerd sends it in CreateTaskRequest.rootfs. */
export interface RootfsMount {
  type: string;
  source: string;
  options: string[];
}

/** Mounts the rootfs layers into the bundle and takes them down again. */
export interface Mounter {
  mount(mounts: readonly RootfsMount[], target: string): Promise<void>;
  /** Unmount `target`; a target that is not mounted is fine. */
  unmount(target: string): Promise<void>;
}

const run = promisify(execFile);

/** The host's mount(8) and umount(8), as the runc shim does it. */
export const hostMounter: Mounter = {
  async mount(mounts, target) {
    for (const m of mounts) {
      const args = ['-t', m.type];
      if (m.options.length > 0) args.push('-o', m.options.join(','));
      await run('mount', [...args, m.source, target]);
    }
  },
  async unmount(target) {
    try {
      await run('umount', [target]);
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? (err as Error).message);
      if (!/not mounted|no mount point|not found|No such file/i.test(text)) throw err;
    }
  },
};

/** A mounter that does nothing: for tests, and for bundles whose rootfs is already in place. */
export const noMounter: Mounter = {
  mount: () => Promise.resolve(),
  unmount: () => Promise.resolve(),
};
