/**
 * Structs whose size the caller passes, so that a newer struct can grow (openat2's open_how,
 * the *xattrat calls' xattr_args).
 *
 * @module
 */
import { Errno, KernelError } from '@rvisor/linux-object';
import { PAGE_SIZE } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';

/**
 * The `known` bytes of a struct of `size` bytes at `addr`, as Linux's callers of
 * copy_struct_from_user read one: EINVAL if smaller than its first version (`known` here, the only
 * one each has so far), E2BIG past a page or if the bytes past `known` (a newer struct's) are not
 * all zero.
 */
export function readSizedStruct(ctx: SyscallContext, addr: number, size: number, known: number): DataView {
  if (size < known) throw new KernelError(Errno.EINVAL);
  if (size > PAGE_SIZE) throw new KernelError(Errno.E2BIG);
  if (size > known && ctx.mem.read(addr + known, size - known).some((b) => b !== 0)) throw new KernelError(Errno.E2BIG);
  const raw = ctx.mem.read(addr, known);
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}
