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

/** Run a guest memory access, turning its errors into errno. */
function guarded<T>(access: () => T, tooLong?: number): T {
  try {
    return access();
  } catch (err) {
    memoryError(err, tooLong);
  }
}

/** Guest memory of one address space, seen through Linux's errors. */
export class UserMemory {
  constructor(readonly vmar: Vmar) {}

  /** A NUL-terminated string (a path: ENAMETOOLONG past `max` bytes). */
  readString(addr: number, max = 4096): string {
    return guarded(() => this.vmar.readCString(addr, max), Errno.ENAMETOOLONG);
  }

  read(addr: number, len: number): Uint8Array {
    return guarded(() => this.vmar.read(addr, len));
  }

  /** Fill `out` from guest memory at `addr`. */
  readInto(addr: number, out: Uint8Array): void {
    guarded(() => this.vmar.readInto(addr, out));
  }

  write(addr: number, bytes: Uint8Array): void {
    guarded(() => this.vmar.write(addr, bytes));
  }

  readU32(addr: number): number {
    return guarded(() => this.vmar.readU32(addr));
  }

  readU64(addr: number): bigint {
    return guarded(() => this.vmar.readU64(addr));
  }

  writeU64(addr: number, v: bigint): void {
    guarded(() => this.vmar.writeU64(addr, v));
  }

  writeU32(addr: number, v: number): void {
    guarded(() => this.vmar.writeU32(addr, v));
  }

  /**
   * Zero-copy views of the guest buffer [addr, addr+len) for a transfer, cut at the first
   * inaccessible byte as Linux's partial transfers are. EFAULT if not even the first byte is there.
   */
  buffer(addr: number, len: number, access: 'read' | 'write'): Uint8Array[] {
    if (len === 0) return [];
    const whole = this.vmar.view(addr, len, access);
    if (whole !== undefined) return [whole];
    const n = guarded(() => this.vmar.accessibleLength(addr, len, access));
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
