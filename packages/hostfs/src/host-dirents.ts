/**
 * Reading a host directory's entries.
 *
 * @module
 */
import { readDirents64, type DirEntry, type FileType } from '@rvisor/linux-object';
import { hostResult } from './host-errors.js';
import type { HostOps } from './host-ops.js';

/**
 * One buffer for every host getdents64: each batch is parsed before the next call. A buffer per
 * open directory (or per call) was a 32 KiB calloc and memset on every opendir.
 */
const scratch = new Uint8Array(32 * 1024);

/**
 * The next batch of host directory `fd`'s `linux_dirent64` records, as the host wrote them (empty
 * at the end): a view of the shared buffer, valid until the next call.
 */
export function nextHostDirentRecords(ops: HostOps, fd: number): Uint8Array {
  return scratch.subarray(0, hostResult(ops.getdents64(fd, scratch)));
}

/** The next batch of the entries of host directory `fd`, as the host lists them; [] at the end. */
export function nextHostDirents(ops: HostOps, fd: number): DirEntry[] {
  const records = nextHostDirentRecords(ops, fd);
  const out: DirEntry[] = [];
  for (const d of readDirents64(records, records.length)) out.push({ name: d.name, ino: d.ino, type: d.type as FileType });
  return out;
}
