/**
 * Host fstatat(2) into one reused buffer. Stat is on the path of every lookup, so it allocates no
 * buffer per call: the kernel is single-threaded and each call decodes the buffer before returning.
 *
 * @module
 */
import { statCodec, type Stat } from '@rvisor/linux-object';
import { hostResult } from './host-errors.js';
import type { HostOps } from './host-ops.js';

const scratch = new Uint8Array(statCodec.size);
const view = new DataView(scratch.buffer);

/** What a lookup needs of a file: its identity on the host and its mode. */
export interface HostIdentity {
  dev: bigint;
  ino: bigint;
  mode: number;
}

/** Key of a file's identity on the host. */
export function identityKey(dev: bigint, ino: bigint): string {
  return `${dev}:${ino}`;
}

/** Decode a host `struct stat`. */
export function decodeStat(buf: Uint8Array): Stat {
  return statCodec.read(new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0);
}

/** fstatat(2) on the host; throws the host's errno as a KernelError. */
export function hostStat(ops: HostOps, dirfd: number, name: string, flags: number): Stat {
  hostResult(ops.fstatat(dirfd, name, flags, scratch));
  return statCodec.read(view, 0);
}

/** fstatat(2) on the host, or undefined if it failed (the caller has its own error). */
export function tryHostStat(ops: HostOps, dirfd: number, name: string, flags: number): Stat | undefined {
  return ops.fstatat(dirfd, name, flags, scratch) < 0 ? undefined : statCodec.read(view, 0);
}

/**
 * fstatat(2) on the host, decoding only identity and mode (a lookup's needs); the host's -errno
 * instead of an exception, since a lookup that misses is common (a create checks its name is free).
 */
export function tryHostIdentity(ops: HostOps, dirfd: number, name: string, flags: number): HostIdentity | number {
  const r = ops.fstatat(dirfd, name, flags, scratch);
  if (r < 0) return r;
  return {
    dev: view.getBigUint64(0, true),
    ino: view.getBigUint64(8, true),
    mode: view.getUint32(24, true),
  };
}
