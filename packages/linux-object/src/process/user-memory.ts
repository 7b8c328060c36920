/**
 * Copies between the kernel and guest memory, with Linux's errors: any bad guest address is
 * EFAULT, never an exception escaping to the run loop (invariant 5).
 *
 * @module
 */
import { PageFaultError, ZxError, ZxStatus, type Vmar } from '@rvisor/zircon-object';
import { Errno, KernelError } from '../errno.js';

/** Translate a zircon-object error from a guest memory access into errno. */
function memoryError(err: unknown, tooLong: number = Errno.EFAULT): never {
  if (err instanceof PageFaultError) throw new KernelError(Errno.EFAULT);
  if (err instanceof ZxError && err.status === ZxStatus.ERR_OUT_OF_RANGE) throw new KernelError(tooLong as Errno);
  if (err instanceof ZxError) throw new KernelError(Errno.EFAULT);
  throw err;
}

/**
 * Guest memory of one address space, seen through Linux's errors. Each access catches its own
 * errors: a closure per access (a helper taking the access as a function) was an allocation on
 * every syscall that touches guest memory.
 */
export class UserMemory {
  constructor(readonly vmar: Vmar) {}

  /** A NUL-terminated string (a path: ENAMETOOLONG past `max` bytes). */
  readString(addr: number, max = 4096): string {
    try {
      return this.vmar.readCString(addr, max);
    } catch (err) {
      memoryError(err, Errno.ENAMETOOLONG);
    }
  }

  read(addr: number, len: number): Uint8Array {
    try {
      return this.vmar.read(addr, len);
    } catch (err) {
      memoryError(err);
    }
  }

  /** Fill `out` from guest memory at `addr`. */
  readInto(addr: number, out: Uint8Array): void {
    try {
      this.vmar.readInto(addr, out);
    } catch (err) {
      memoryError(err);
    }
  }

  write(addr: number, bytes: Uint8Array): void {
    try {
      this.vmar.write(addr, bytes);
    } catch (err) {
      memoryError(err);
    }
  }

  readU32(addr: number): number {
    try {
      return this.vmar.readU32(addr);
    } catch (err) {
      memoryError(err);
    }
  }

  readU64(addr: number): bigint {
    try {
      return this.vmar.readU64(addr);
    } catch (err) {
      memoryError(err);
    }
  }

  writeU64(addr: number, v: bigint): void {
    try {
      this.vmar.writeU64(addr, v);
    } catch (err) {
      memoryError(err);
    }
  }

  writeU32(addr: number, v: number): void {
    try {
      this.vmar.writeU32(addr, v);
    } catch (err) {
      memoryError(err);
    }
  }

  /**
   * Zero-copy views of the guest buffer [addr, addr+len) for a transfer, cut at the first
   * inaccessible byte as Linux's partial transfers are. EFAULT if not even the first byte is there.
   */
  buffer(addr: number, len: number, access: 'read' | 'write'): Uint8Array[] {
    if (len === 0) return [];
    const whole = this.vmar.view(addr, len, access);
    if (whole !== undefined) return [whole];
    let n = 0;
    try {
      n = this.vmar.accessibleLength(addr, len, access);
    } catch (err) {
      memoryError(err);
    }
    if (n === 0) throw new KernelError(Errno.EFAULT);
    return this.vmar.segments(addr, n, access);
  }

  /** A NULL-terminated array of string pointers (argv, envp). */
  readStringArray(addr: number, maxCount = 0x10000): string[] {
    const out: string[] = [];
    if (addr === 0) return out;
    for (let i = 0; ; i++) {
      if (i >= maxCount) throw new KernelError(Errno.E2BIG);
      const p = Number(this.readU64(addr + i * 8));
      if (p === 0) return out;
      out.push(this.readString(p, 128 * 1024));
    }
  }
}
