import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { deleteContainer } from '@rvisor/runrsc';
import { canConnect, socketPath } from '../address.js';
import type { ShimArgs } from '../flags.js';
import { DeleteResponseSchema } from '../gen/github.com/containerd/containerd/runtime/v2/task/shim_pb.js';
import type { Mounter } from '../task/mount.js';

/** The exit status containerd reports for a task the shim lost: killed by SIGKILL. */
const LOST_TASK_STATUS = 128 + 9;

/** The runtime state directory for a containerd namespace. */
export function runtimeRoot(namespace: string): string {
  return join('/run/containerd/rvisor', namespace || 'default');
}

/**
 * `containerd-shim-rvisor-v1 delete`: clean up after a shim that is gone. Idempotent: kills and
 * removes the container if the runtime still knows it, unmounts the rootfs, removes the shim's
 * socket if nothing listens on it. Returns the DeleteResponse bytes for stdout.
 */
export async function deleteShim(args: ShimArgs, mounter: Mounter, log: (message: string) => void): Promise<Uint8Array> {
  const bundle = args.bundle || process.cwd();
  let pid = 0;
  if (args.id) {
    try {
      await deleteContainer(args.id, { root: runtimeRoot(args.namespace), force: true });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'not-found') log(`delete ${args.id}: ${(err as Error).message}`);
    }
  }
  try {
    pid = Number(readFileSync(join(bundle, 'init.pid'), 'utf8')) || 0;
  } catch {
    // no pid file: 0
  }
  await mounter.unmount(join(bundle, 'rootfs')).catch((err: Error) => log(`unmount rootfs: ${err.message}`));
  try {
    const path = socketPath(readFileSync(join(bundle, 'address'), 'utf8').trim());
    if (!path.startsWith('\0') && !(await canConnect(path))) rmSync(path, { force: true });
  } catch {
    // no address file: no socket to remove
  }
  return toBinary(
    DeleteResponseSchema,
    create(DeleteResponseSchema, { pid, exitStatus: LOST_TASK_STATUS, exitedAt: timestampFromDate(new Date()) }),
  );
}
