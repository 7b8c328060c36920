/**
 * Shared pages of host files: what MAP_SHARED mappings of a host file map. Linux gives every
 * mapping of a file the file's page cache; here one VMO per host file (by identity) plays that part
 * within one file system. It is filled from the file when first mapped, mapped by every process
 * that maps the file shared, and holds the newest bytes of the range it covers, so read(2) and
 * write(2) through the file system go through it too. Its bytes are written back to the host file
 * on msync, on fsync and when its last mapping goes; it is then dropped.
 *
 * @module
 */
import { Errno, KernelError, fileIdentity, releaseFile, retainFile, type OpenFile } from '@rvisor/linux-object';
import { Vmo, type MemoryAccount, type PmemAllocator, type VmoBacking } from '@rvisor/zircon-object';
import { hostResult } from './host-errors.js';
import type { HostOps } from './host-ops.js';

/** Where shared pages are allocated: the kernel's pmem, charged to the container. */
export interface FileMemory {
  allocator: PmemAllocator;
  account?: MemoryAccount;
}

/** The open file shared pages write back through: one open for reading and writing. */
export interface PageWriter extends OpenFile {
  readonly hostFd: number;
  /** The host file's size now. */
  hostSize(): number;
}

export class SharedPages implements VmoBacking {
  readonly vmo: Vmo;
  readonly #ops: HostOps;
  readonly #writer: PageWriter;
  readonly #dropped: () => void;

  /** Pages of `writer`'s file covering its first `end` bytes; `dropped` runs once they are gone. */
  constructor(ops: HostOps, memory: FileMemory, writer: PageWriter, end: number, dropped: () => void) {
    this.#ops = ops;
    this.#writer = writer;
    this.#dropped = dropped;
    this.vmo = Vmo.create(memory.allocator, end, { account: memory.account, name: writer.path, backing: this, origin: fileIdentity(writer) });
    try {
      this.#fill(0, this.vmo.size);
    } catch (err) {
      this.vmo.close();
      throw err;
    }
    retainFile(writer);
  }

  /** Grow to cover the file's first `end` bytes, reading the new part from the file. */
  cover(end: number): void {
    const old = this.vmo.size;
    if (end <= old) return;
    this.vmo.resize(end);
    this.#fill(old, this.vmo.size - old);
  }

  /** Overwrite `buf`'s first `n` bytes, just read from the file at `offset`, with the pages' own. */
  readOver(buf: Uint8Array, offset: number, n: number): void {
    const end = Math.min(offset + n, this.vmo.size);
    let at = 0;
    if (end > offset) {
      for (const seg of this.vmo.segments(offset, end - offset)) {
        buf.set(seg, at);
        at += seg.length;
      }
    }
  }

  /** Bytes just written to the file at `offset`: the pages take them too. */
  writeOver(bytes: Uint8Array, offset: number): void {
    const end = Math.min(offset + bytes.length, this.vmo.size);
    if (end > offset) this.vmo.write(offset, bytes.subarray(0, end - offset));
  }

  /** The file went from `oldSize` to `size` bytes (truncate): what lies past its end reads zeros. */
  resized(oldSize: number, size: number): void {
    if (size < oldSize) {
      if (this.vmo.size > size) this.vmo.zero(size, this.vmo.size - size);
      return;
    }
    // Growing exposes what a mapping may have written while it lay past the end: zeros, as the
    // file's new bytes are.
    const to = Math.min(size, this.vmo.size);
    if (to > oldSize) this.vmo.zero(oldSize, to - oldSize);
  }

  /** fallocate's punched or zeroed range reads zeros. */
  zeroRange(offset: number, length: number): void {
    const end = Math.min(offset + length, this.vmo.size);
    if (end > offset) this.vmo.zero(offset, end - offset);
  }

  /** Write the pages within the file's size to the file. */
  writeBack(): void {
    const len = Math.min(this.#writer.hostSize(), this.vmo.size);
    let at = 0;
    for (const seg of len > 0 ? this.vmo.segments(0, len) : []) {
      for (let done = 0; done < seg.length;) {
        const n = hostResult(this.#ops.pwrite(this.#writer.hostFd, seg.subarray(done), at + done));
        if (n === 0) throw new KernelError(Errno.EIO, 'the host wrote nothing');
        done += n;
      }
      at += seg.length;
    }
  }

  /** The last mapping went: write back and drop the pages (the file alone holds the bytes again). */
  unmapped(): void {
    try {
      this.writeBack();
    } catch {
      // The file is gone from under it or its disk is full: lost, as a failed writeback in Linux.
    }
    this.#dropped();
    this.vmo.close();
    releaseFile(this.#writer);
  }

  /** Read the file's bytes at [from, from + len) into the pages (zeros past its end). */
  #fill(from: number, len: number): void {
    let at = from;
    for (const seg of this.vmo.segments(from, len)) {
      let done = 0;
      while (done < seg.length) {
        const n = hostResult(this.#ops.pread(this.#writer.hostFd, seg.subarray(done), at + done));
        if (n <= 0) return; // the file's end
        done += n;
      }
      at += seg.length;
    }
  }
}
