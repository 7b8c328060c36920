/**
 * Memory: brk, mmap, munmap, mprotect, madvise. Every change goes through the process's VMAR (the
 * kernel's view is authoritative) and is then mirrored into the guest's host process by injected
 * mmap/munmap/mprotect of pmem, batched per syscall.
 *
 * @module
 */
import {
  Errno, KernelError, MADV_DONTNEED, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_SHARED,
  MAP_SHARED_VALIDATE, O_ACCMODE, O_WRONLY, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_READ, PROT_WRITE,
} from '@rvisor/linux-object';
import { PAGE_SIZE, Vmo, ZxError, ZxStatus, pageRoundUp as pageUp } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';

const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;


/** zircon-object status → errno for address space operations. */
function vmError(err: unknown): never {
  if (err instanceof ZxError) {
    switch (err.status) {
      case ZxStatus.ERR_ALREADY_EXISTS:
        throw new KernelError(Errno.EEXIST);
      case ZxStatus.ERR_INVALID_ARGS:
        throw new KernelError(Errno.EINVAL);
      default:
        throw new KernelError(Errno.ENOMEM);
    }
  }
  throw err;
}

/** Implements Linux syscall brk(2). */
export function sysBrk(ctx: SyscallContext) {
  const proc = ctx.process;
  const want = ctx.addr(0);
  if (want < proc.brkStart) return proc.brk;
  const oldTop = pageUp(proc.brk);
  const newTop = pageUp(want);
  try {
    if (newTop > oldTop) {
      const vmo = Vmo.create(ctx.kernel.allocator, newTop - oldTop, { account: ctx.kernel.memoryAccount, name: '[heap]' });
      try {
        proc.vmar.map({ vmo, len: newTop - oldTop, prot: PROT_READ | PROT_WRITE, addr: oldTop, fixed: true, noReplace: true, name: '[heap]' });
      } finally {
        vmo.close();
      }
    } else if (newTop < oldTop) {
      proc.vmar.unmap(newTop, oldTop - newTop);
    }
  } catch (err) {
    if (err instanceof ZxError) return proc.brk; // brk reports failure by returning the old break
    throw err;
  }
  ctx.kernel.syncMemory(ctx.thread, ctx.regs);
  proc.brk = want;
  return want;
}

/** Implements Linux syscall mmap(2). File mappings are private copies (shared writable ones: next milestone). */
export function sysMmap(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const len = ctx.addr(1);
  const prot = ctx.int(2);
  const flags = ctx.int(3);
  const fd = ctx.int(4);
  const offset = ctx.long(5);
  const type = flags & MAP_SHARED_VALIDATE;
  if (len === 0 || type === 0 || offset < 0n || Number(offset) % PAGE_SIZE !== 0 || addr % PAGE_SIZE !== 0) {
    throw new KernelError(Errno.EINVAL);
  }
  if ((prot & ~PROT_MASK) !== 0) throw new KernelError(Errno.EINVAL);
  const size = pageUp(len);
  if (size > 0x7fff_ffff_f000) throw new KernelError(Errno.ENOMEM);
  const anonymous = (flags & MAP_ANONYMOUS) !== 0;
  const file = anonymous ? undefined : ctx.process.fds.get(fd);
  if (file) {
    const acc = file.statusFlags & O_ACCMODE;
    if (acc === O_WRONLY) throw new KernelError(Errno.EACCES);
    if (type === MAP_SHARED && (prot & PROT_WRITE)) throw new KernelError(Errno.ENODEV);
  }
  const fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0;
  const vmo = Vmo.create(ctx.kernel.allocator, size, { account: ctx.kernel.memoryAccount });
  try {
    if (file) {
      // A private file mapping is a copy of the file's bytes (zeros past its end).
      let copied = 0;
      for (const seg of vmo.segments(0, size)) {
        const n = file.pread(seg, Number(offset) + copied);
        if (typeof n !== 'number' || n < seg.length) break;
        copied += n;
      }
    }
    const at = ctx.process.vmar.map({
      vmo,
      len: size,
      prot,
      addr: addr === 0 && !fixed ? undefined : addr,
      fixed,
      noReplace: (flags & MAP_FIXED_NOREPLACE) !== 0,
      shared: type === MAP_SHARED,
      name: file?.path ?? '',
    });
    ctx.kernel.syncMemory(ctx.thread, ctx.regs);
    return at;
  } catch (err) {
    vmError(err);
  } finally {
    vmo.close();
  }
}

/** Implements Linux syscall munmap(2). */
export function sysMunmap(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const len = ctx.addr(1);
  if (addr % PAGE_SIZE !== 0 || len === 0) throw new KernelError(Errno.EINVAL);
  try {
    ctx.process.vmar.unmap(addr, pageUp(len));
  } catch (err) {
    vmError(err);
  }
  ctx.kernel.syncMemory(ctx.thread, ctx.regs);
  return 0;
}

/** Implements Linux syscall mprotect(2). */
export function sysMprotect(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const len = ctx.addr(1);
  const prot = ctx.int(2);
  if (addr % PAGE_SIZE !== 0 || (prot & ~(PROT_MASK | PROT_GROWSDOWN | PROT_GROWSUP)) !== 0) throw new KernelError(Errno.EINVAL);
  if (len === 0) return 0;
  try {
    ctx.process.vmar.protect(addr, pageUp(len), prot & PROT_MASK);
  } catch (err) {
    vmError(err);
  }
  ctx.kernel.syncMemory(ctx.thread, ctx.regs);
  return 0;
}

/** Implements Linux syscall madvise(2): MADV_DONTNEED zeroes private anonymous memory; hints are accepted. */
export function sysMadvise(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const len = pageUp(ctx.addr(1));
  if (addr % PAGE_SIZE !== 0) throw new KernelError(Errno.EINVAL);
  if (ctx.int(2) === MADV_DONTNEED && len > 0) {
    for (const m of ctx.process.vmar.mappings()) {
      const start = Math.max(m.start, addr);
      const end = Math.min(m.end, addr + len);
      if (start < end && !m.shared) m.vmo.zero(m.offset + (start - m.start), end - start);
    }
  }
  return 0;
}
