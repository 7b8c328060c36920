/**
 * /proc/<pid>/mem: a process's memory at offsets that are its addresses, as a debugger reads and
 * writes it (Linux's mem_rw, which forces its way: protections do not stop it, and a write into a
 * copy-on-write page gives the process its own copy, mapped in its host process at its next
 * stop). Opening it takes ptrace's attach check.
 *
 * @module
 */
import { PAGE_SIZE, PageFaultError } from '@rvisor/zircon-object';
import { S_IFREG } from '../abi/mode.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import type { LinuxProcess } from '../process/process.js';
import { mayInspect } from '../process/ptrace-access.js';
import { FileType } from './file-type.js';
import { GeneratedInode, type GeneratedFs } from './generated-nodes.js';
import { FileBase, type OpenFile } from './open-file.js';

const SEEK_SET = 0;
const SEEK_CUR = 1;

export class ProcessMemoryFile extends GeneratedInode {
  override readonly type = FileType.Regular;

  /** @param caller the process opening it (the one at the syscall being answered) */
  constructor(fs: GeneratedFs, ino: bigint, readonly target: () => LinuxProcess, readonly caller: () => LinuxProcess | undefined) {
    super(fs, ino, S_IFREG | 0o600);
  }

  override open(flags: number, path: string): OpenFile {
    const target = this.target();
    const caller = this.caller();
    if (caller === undefined || !mayInspect(caller, target)) throw new KernelError(Errno.EACCES);
    return new ProcessMemoryHandle(path, flags, this, target);
  }
}

class ProcessMemoryHandle extends FileBase {
  #pos = 0;

  constructor(path: string, flags: number, readonly inode: ProcessMemoryFile, readonly target: LinuxProcess) {
    super(path, flags);
  }

  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.#pos);
    this.#pos += n;
    return n;
  }

  override write(buf: Uint8Array): number {
    const n = this.pwrite(buf, this.#pos);
    this.#pos += n;
    return n;
  }

  override pread(buf: Uint8Array, offset: number): number {
    this.checkReadable();
    return this.#transfer(buf, offset, (addr, part) => part.set(this.target.vmar.peek(addr, part.length)));
  }

  override pwrite(buf: Uint8Array, offset: number): number {
    this.checkWritable();
    return this.#transfer(buf, offset, (addr, part) => this.target.vmar.poke(addr, part));
  }

  /** Page by page up to the first that faults: EIO if that is the first (a gone process: 0). */
  #transfer(buf: Uint8Array, offset: number, move: (addr: number, part: Uint8Array) => void): number {
    if (this.target.dead) return 0;
    let done = 0;
    while (done < buf.length) {
      const addr = offset + done;
      const n = Math.min(buf.length - done, PAGE_SIZE - (addr % PAGE_SIZE));
      try {
        move(addr, buf.subarray(done, done + n));
      } catch (err) {
        if (!(err instanceof PageFaultError)) throw err;
        break;
      }
      done += n;
    }
    if (done === 0 && buf.length > 0) throw new KernelError(Errno.EIO);
    return done;
  }

  /** SEEK_SET and SEEK_CUR only, to any address, as Linux's mem_lseek. */
  override seek(offset: number, whence: number): number {
    if (whence === SEEK_SET) this.#pos = offset;
    else if (whence === SEEK_CUR) this.#pos += offset;
    else throw new KernelError(Errno.EINVAL);
    return this.#pos;
  }

  override stat(): Stat {
    return this.inode.stat();
  }
}
