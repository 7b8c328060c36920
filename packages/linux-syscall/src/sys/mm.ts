/**
 * Memory: brk, mmap, munmap, mprotect, madvise. Every change goes through the process's VMAR (the
 * kernel's view is authoritative) and is then mirrored into the guest's host process by injected
 * mmap/munmap/mprotect of pmem, batched per syscall.
 *
 * @module
 */
import {
  CAP_IPC_LOCK, capable, Errno, F_SEAL_FUTURE_WRITE, F_SEAL_WRITE, fileIdentity, fileSource, hasDeliverable,
  discardsMemory, isPrivateAnonymous, keptContents, KernelError, MADV_DONTNEED, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_SHARED,
  MAP_SHARED_VALIDATE, O_ACCMODE, O_RDONLY, O_RDWR, O_WRONLY, processLimit, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP,
  MAP_NORESERVE, MAP_POPULATE, MAP_PRIVATE, PROT_NONE, PROT_READ, PROT_WRITE, readIntoVmo, RLIMIT_MEMLOCK, USER_END, type Kernel, type OpenFile,
} from '@rvisor/linux-object';
import {
  PAGE_SIZE, RESERVED_CHUNK, Vmo, ZxError, ZxStatus, pageRoundUp as pageUp, type MapOptions, type MappingInfo, type Vmar, type VmoCreateOptions,
} from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';

const PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC;
/**
 * Room kept below the host's mapping limit for an mprotect or munmap the host makes as made: a
 * split adds at most two, and the host process has the stub's page besides the VMAR's mappings.
 */
const PASS_THROUGH_MARGIN = 16;


/** A VMO charged to the container; ENOMEM past its memory limit or when pmem is exhausted. */
function newVmo(ctx: SyscallContext, size: number, from?: Pick<VmoCreateOptions, 'origin' | 'originOffset'>): Vmo {
  try {
    return Vmo.create(ctx.kernel.allocator, size, { account: ctx.kernel.memoryAccount, ...from });
  } catch (err) {
    vmError(err);
  }
}

/** zircon-object status → errno for address space operations. */
function vmError(err: unknown): never {
  if (err instanceof ZxError) {
    switch (err.status) {
      case ZxStatus.ERR_ALREADY_EXISTS:
        throw new KernelError(Errno.EEXIST);
      case ZxStatus.ERR_INVALID_ARGS:
        throw new KernelError(Errno.EINVAL);
      case ZxStatus.ERR_BAD_STATE: // a sealed mapping in the way
        throw new KernelError(Errno.EPERM);
      default:
        throw new KernelError(Errno.ENOMEM);
    }
  }
  throw err;
}

/**
 * Map [at, at+len) as private anonymous memory with `prot`. Writable memory continues the mapping
 * just before it when that is the same kind (same prot and name, its VMO ending there) and its VMO
 * can grow in place, so that memory grown a step at a time (the heap, a thread arena, a stack)
 * stays one VMO and one mapping, as Linux's stays one VMA: a VMO per growth made every later fork
 * copy, map and free each of them (a fork after 500 heap growths took 8 ms). A read-only one may
 * share its VMO copy-on-write with a child, so it is never grown. `replace`: map over what is
 * there (a reservation); otherwise the range must be free. ZxError ERR_NO_MEMORY past the limit.
 */
function mapGrowing(vmar: Vmar, kernel: Kernel, at: number, len: number, prot: number, name: string, replace: boolean): void {
  const before = vmar.mappingAt(at - 1);
  const vmo = before?.vmo;
  const end = before === undefined ? 0 : before.offset + (before.end - before.start);
  if (before !== undefined && vmo && (prot & PROT_WRITE) !== 0 && before.name === name && before.end === at && !before.shared
      && before.prot === prot && end === vmo.size && vmo.growInPlace(end + len)) {
    try {
      vmar.map({ vmo, vmoOffset: end, len, prot, addr: at, fixed: true, noReplace: !replace, name });
    } catch (err) {
      vmo.resize(end); // the range was taken after all: give the frames back
      throw err;
    }
    return;
  }
  const fresh = Vmo.create(kernel.allocator, len, { account: kernel.memoryAccount, name });
  try {
    vmar.map({ vmo: fresh, vmoOffset: 0, len, prot, addr: at, fixed: true, noReplace: !replace, name });
  } finally {
    fresh.close();
  }
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
      mapGrowing(proc.vmar, ctx.kernel, oldTop, newTop - oldTop, PROT_READ | PROT_WRITE, '[heap]', false);
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

/**
 * Implements Linux syscall mmap(2). A private file mapping is a copy of the file's bytes; a shared
 * one maps the file's own pages (`OpenFile.sharedMemory`), or is a read-only copy where the file
 * has none to give it.
 */
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
  const fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0;
  if (file) {
    const acc = file.statusFlags & O_ACCMODE;
    if (acc === O_WRONLY) throw new KernelError(Errno.EACCES);
    if (type === MAP_SHARED && file.sharedMemory) {
      const noReplace = (flags & MAP_FIXED_NOREPLACE) !== 0;
      const at = mapSharedMemory(ctx, file, { addr: addr === 0 && !fixed ? undefined : addr, fixed, noReplace, size, offset: Number(offset), prot });
      if (at !== undefined) return at;
    }
    if (type === MAP_SHARED && (prot & PROT_WRITE)) throw new KernelError(Errno.ENODEV);
  }
  // Before a kept file's two mappings (its bytes, the zeros after) could half replace a sealed range.
  if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) === MAP_FIXED && ctx.process.vmar.firstSealed(addr, addr + size) !== undefined) {
    throw new KernelError(Errno.EPERM);
  }
  // Reserved address space, or memory made where touched (MAP_NORESERVE, unless MAP_POPULATE asks for it now).
  if (!file && type === MAP_PRIVATE && (prot === PROT_NONE || (flags & (MAP_NORESERVE | MAP_POPULATE)) === MAP_NORESERVE)) {
    return reserve(ctx, { addr, size, fixed, noReplace: (flags & MAP_FIXED_NOREPLACE) !== 0, prot });
  }
  if (file && (flags & MAP_FIXED_NOREPLACE) === 0 && (fixed || addr === 0)) {
    const at = mapKeptFile(ctx, file, { at: fixed ? addr : undefined, size, offset: Number(offset), prot, shared: type === MAP_SHARED });
    if (at !== undefined) return at;
  }
  const vmo = newVmo(ctx, size, file ? fileOrigin(file, Number(offset)) : undefined);
  try {
    if (file) {
      // A private file mapping is a copy of the file's bytes (zeros past its end).
      readIntoVmo(file, vmo, 0, Number(offset), size);
      if (type !== MAP_SHARED) vmo.setSource(fileSource(file), Number(offset)); // madvise re-reads it
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

/**
 * Private anonymous memory mapped PROT_NONE, which programs map to hold address space for later
 * (glibc's thread arenas, the JVM's heap and class space, sanitizers' shadow gaps), or with
 * MAP_NORESERVE (a sanitizer's shadow and heap, terabytes of which only a little is touched):
 * reserved address space with no memory behind it. It costs no pmem and is not charged to the
 * container's memory. mprotect gives PROT_NONE reservations memory when it opens them
 * ({@link commitReserved}); MAP_NORESERVE ones get it a chunk at a time where they are first
 * touched (`Vmar.commitOnFault`, and the kernel's own accesses), as Linux pays for such memory
 * only when used.
 */
function reserve(ctx: SyscallContext, m: { addr: number; size: number; fixed: boolean; noReplace: boolean; prot: number }): number {
  try {
    const at = ctx.process.vmar.reserve({
      len: m.size, addr: m.addr === 0 && !m.fixed ? undefined : m.addr, fixed: m.fixed, noReplace: m.noReplace,
      prot: m.prot, demand: m.prot !== PROT_NONE,
    });
    ctx.kernel.syncMemory(ctx.thread, ctx.regs);
    return at;
  } catch (err) {
    vmError(err);
  }
}

/**
 * Memory for the reserved parts of [start, end) before mprotect makes them `prot`: new zero pages,
 * charged to the container (ENOMEM past its limit). The last part is rounded up to a multiple of
 * RESERVED_CHUNK within its reservation (the extra pages mapped PROT_NONE): a thread arena opens
 * its 64 MiB a few pages at a time, and a VMO each time made thousands of mappings. Stops at the
 * first sealed mapping, where mprotect fails. Returns whether the whole range was reserved and is
 * now mapped with `prot`: then nothing is left for mprotect to do.
 */
function commitReserved(ctx: SyscallContext, start: number, end: number, prot: number): boolean {
  const vmar = ctx.process.vmar;
  if (!vmar.holdsReservation(start, end)) return false; // the usual mprotect: no walk, no copies
  const stop = vmar.firstSealed(start, end) ?? end;
  let whole = stop === end;
  for (let at = start; at < stop;) {
    const m = vmar.mappingAt(at);
    if (m === undefined) return false; // a hole: protect refuses the range
    const to = Math.min(m.end, stop);
    if (m.vmo === null && !m.demand) {
      const upTo = Math.min(m.end, Math.ceil(to / RESERVED_CHUNK) * RESERVED_CHUNK);
      mapGrowing(vmar, ctx.kernel, at, upTo - at, upTo === to ? prot : PROT_NONE, m.name, true);
      if (upTo !== to) whole = false;
    } else {
      whole = false;
    }
    at = to;
  }
  return whole;
}

/**
 * MAP_SHARED of a file with memory to share (`OpenFile.sharedMemory`: a tmpfs file's or memfd's
 * own, a host file's shared pages): the mapping maps those very pages, so its writes are the
 * file's, read(2) and write(2) see them at once, and every process mapping the file shares them,
 * as in Linux. Writable only over an fd open for reading and writing. Undefined if the file has
 * no memory to give this mapping.
 */
function mapSharedMemory(
  ctx: SyscallContext,
  file: OpenFile,
  m: { addr: number | undefined; fixed: boolean; noReplace: boolean; size: number; offset: number; prot: number },
): number | undefined {
  const writable = (file.statusFlags & O_ACCMODE) === O_RDWR;
  if ((m.prot & PROT_WRITE) !== 0 && !writable) throw new KernelError(Errno.EACCES);
  // A memfd sealed against writes maps read-only, and never becomes writable.
  const sealed = ((file.seals ?? 0) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) !== 0;
  if ((m.prot & PROT_WRITE) !== 0 && sealed) throw new KernelError(Errno.EPERM);
  let vmo: Vmo | undefined;
  try {
    vmo = file.sharedMemory!(m.offset + m.size);
    if (vmo === undefined) return undefined;
    const at = ctx.process.vmar.map({
      vmo, vmoOffset: m.offset, len: m.size, prot: m.prot, addr: m.addr, fixed: m.fixed, noReplace: m.noReplace,
      shared: true, name: file.path, maxProt: writable && !sealed ? undefined : PROT_READ | PROT_EXEC,
    });
    ctx.kernel.syncMemory(ctx.thread, ctx.regs); // growing the file's memory may have moved it
    return at;
  } catch (err) {
    vmo?.unmappedNow(); // pages made for a mapping that failed go as if it had been unmapped
    vmError(err);
  }
}

/** A VMO's origin for bytes of `file` from `offset` on (/proc/<pid>/maps shows them). */
function fileOrigin(file: OpenFile, offset: number): Pick<VmoCreateOptions, 'origin' | 'originOffset'> {
  return { origin: fileIdentity(file), originOffset: offset };
}

/** Map a VMO made for this mapping, which then holds its only reference. */
function mapNew(vmar: Vmar, options: MapOptions): number {
  try {
    return vmar.map(options);
  } finally {
    options.vmo.close();
  }
}

/**
 * Map `file` from its kept contents (`keptContents`, read once for every mapping of the unchanged
 * file): read-only memory shares them, copy-on-write (never writable, for MAP_SHARED), writable
 * private memory gets a copy, and the pages past the file's last one are zeros of their own. At
 * `at`, replacing what is there, or where the VMAR finds room. Undefined when the contents are not
 * kept, or for MAP_SHARED of an fd open for writing: the caller then reads what it maps.
 */
function mapKeptFile(
  ctx: SyscallContext,
  file: OpenFile,
  m: { at: number | undefined; size: number; offset: number; prot: number; shared: boolean },
): number | undefined {
  if (m.shared && (file.statusFlags & O_ACCMODE) !== O_RDONLY) return undefined;
  const contents = keptContents(ctx.kernel, file, m.size);
  if (!contents) return undefined;
  const vmar = ctx.process.vmar;
  try {
    const at = m.at ?? vmar.findFree(m.size);
    const { prot, shared } = m;
    const name = file.path;
    const kept = Math.max(0, Math.min(m.size, contents.vmo.size - m.offset));
    // Whole literals, not spreads of the fields they share: `{ ...common, vmo }` took V8 0.4–4 µs.
    if (kept > 0 && !shared && (prot & PROT_WRITE) !== 0) {
      mapNew(vmar, { vmo: contents.vmo.createChildCopy(m.offset, kept), len: kept, prot, addr: at, fixed: true, shared, name });
    } else if (kept > 0) {
      const maxProt = shared ? PROT_READ | PROT_EXEC : undefined;
      vmar.map({ vmo: contents.vmo, vmoOffset: m.offset, len: kept, prot, addr: at, fixed: true, shared, name, copyOnWrite: !shared, maxProt });
    }
    if (kept < m.size) {
      // Past the file's last page: zeros (where Linux would raise SIGBUS).
      const vmo = newVmo(ctx, m.size - kept, fileOrigin(file, m.offset + kept));
      mapNew(vmar, { vmo, len: m.size - kept, prot, addr: at + kept, fixed: true, shared, name });
    }
    ctx.kernel.syncMemory(ctx.thread, ctx.regs);
    return at;
  } catch (err) {
    vmError(err);
  } finally {
    contents.release();
  }
}

/** Implements Linux syscall munmap(2). */
export function sysMunmap(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const len = ctx.addr(1);
  if (addr % PAGE_SIZE !== 0 || len === 0) throw new KernelError(Errno.EINVAL);
  const vmar = ctx.process.vmar;
  const pending = vmar.pendingHostOps;
  try {
    vmar.unmap(addr, pageUp(len));
  } catch (err) {
    vmError(err);
  }
  // Its host ops are munmaps inside the guest's range, which the guest's own call makes too, unless
  // the range holds the kernel's reserved page (never unmapped on the host).
  if (pending === 0 && vmar.pendingHostOps > 0 && !vmar.overlapsReserved(addr, addr + pageUp(len)) && mayPassThrough(ctx)) {
    passThrough(ctx);
    return 0;
  }
  ctx.kernel.syncMemory(ctx.thread, ctx.regs);
  return 0;
}

/**
 * Whether the host may make the thread's own mapping call, which stands for all its pending host
 * ops (checked by the caller), instead of the kernel injecting them: one ptrace stop fewer. Only in
 * a process of one thread (the host makes the call once the thread runs again, and by then a
 * sibling's mapping change, injected meanwhile, could have come first), below the host's VMA limit
 * (a refusal there would leave the host and the VMAR apart, where an injected one kills the
 * guest), and with no signal to deliver as the call returns.
 */
function mayPassThrough(ctx: SyscallContext): boolean {
  return ctx.process.threads.size === 1 && !hasDeliverable(ctx.thread)
    && ctx.process.vmar.mappingCount < ctx.kernel.platform.maxMappings - PASS_THROUGH_MARGIN;
}

/** Let the host make the guest's call as made; what it unmaps is freed at the thread's next stop, after it. */
function passThrough(ctx: SyscallContext): void {
  const vmar = ctx.process.vmar;
  vmar.takeHostOps();
  ctx.thread.afterHostCall = vmar.hostOpsMadeLater();
  ctx.passthrough = true;
}

/** Implements Linux syscall mprotect(2). */
export function sysMprotect(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const len = ctx.addr(1);
  const prot = ctx.int(2);
  if (addr % PAGE_SIZE !== 0 || (prot & ~(PROT_MASK | PROT_GROWSDOWN | PROT_GROWSUP)) !== 0) throw new KernelError(Errno.EINVAL);
  if (len === 0) return 0;
  const vmar = ctx.process.vmar;
  const pending = vmar.pendingHostOps;
  try {
    if ((prot & PROT_MASK) !== PROT_NONE && commitReserved(ctx, addr, addr + pageUp(len), prot & PROT_MASK)) {
      ctx.kernel.syncMemory(ctx.thread, ctx.regs);
      return 0;
    }
    vmar.protect(addr, pageUp(len), prot & PROT_MASK);
  } catch (err) {
    // More than the mapping may ever allow (the vDSO's time page made writable): EACCES, as Linux.
    if (err instanceof ZxError && err.status === ZxStatus.ERR_ACCESS_DENIED) throw new KernelError(Errno.EACCES);
    vmError(err);
  }
  // The one host op is the guest's own call (no copy to map, nothing else pending, prot bits the
  // host takes as they are): the host makes it as made.
  if (pending === 0 && vmar.pendsOnlyMprotect(addr, pageUp(len), prot) && !vmar.holdsReservation(addr, addr + pageUp(len))
    && mayPassThrough(ctx)) {
    passThrough(ctx);
    return 0;
  }
  ctx.kernel.syncMemory(ctx.thread, ctx.regs);
  return 0;
}

/**
 * Implements Linux syscall madvise(2): MADV_DONTNEED discards private memory (anonymous memory
 * reads as zeros again, a private file mapping as the file's bytes); hints are accepted. It comes
 * as a seccomp notification (a thread's exit and every allocator's free make it): a copy-on-write
 * mapping given its own copy leaves host ops, which the run loop makes once it has answered.
 */
export function sysMadvise(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const len = pageUp(ctx.addr(1));
  const advice = ctx.int(2);
  if (addr % PAGE_SIZE !== 0) throw new KernelError(Errno.EINVAL);
  // Sealed read-only private anonymous memory may not be discarded: mappings before it still are, as Linux goes one by one.
  const refused = discardsMemory(advice) && len > 0 ? firstUndiscardable(ctx.process.vmar, addr, addr + len) : undefined;
  const end = refused ?? addr + len;
  if (advice === MADV_DONTNEED && end > addr) ctx.process.vmar.discardPrivate(addr, end - addr);
  if (refused !== undefined) throw new KernelError(Errno.EPERM);
  return 0;
}

/** Where in [start, end) the first sealed mapping that madvise may not discard begins (read-only private anonymous memory). */
function firstUndiscardable(vmar: Vmar, start: number, end: number): number | undefined {
  let at = vmar.firstSealed(start, end);
  while (at !== undefined) {
    const m = vmar.mappingAt(at)!;
    if (isPrivateAnonymous(m) && (m.prot & PROT_WRITE) === 0) return at;
    at = vmar.firstSealed(m.end, end);
  }
  return undefined;
}

/**
 * Implements Linux syscall mseal(2): the mappings in the range may no longer be unmapped, moved,
 * replaced or have their protection changed, and read-only private anonymous ones not discarded
 * (EPERM), for the life of the address space. The whole range must be mapped (ENOMEM).
 */
export function sysMseal(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const lenArg = ctx.arg(1);
  if (ctx.arg(2) !== 0n || addr % PAGE_SIZE !== 0) throw new KernelError(Errno.EINVAL);
  const len = (lenArg + BigInt(PAGE_SIZE - 1)) & ~BigInt(PAGE_SIZE - 1) & 0xffff_ffff_ffff_ffffn;
  if (lenArg !== 0n && len === 0n) throw new KernelError(Errno.EINVAL); // rounded up past 2^64
  if (BigInt(addr) + len > 0xffff_ffff_ffff_ffffn) throw new KernelError(Errno.EINVAL);
  if (len === 0n) return 0;
  const end = BigInt(addr) + len;
  if (end > BigInt(USER_END)) throw new KernelError(Errno.ENOMEM);
  try {
    ctx.process.vmar.seal(addr, Number(len));
  } catch (err) {
    vmError(err); // not fully mapped: ENOMEM
  }
  return 0;
}

const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;
const MREMAP_DONTUNMAP = 4;

/**
 * Implements Linux syscall mremap(2): the range must lie in one mapping; it shrinks in place,
 * grows in place when the pages after it are free, and otherwise moves (with MREMAP_MAYMOVE).
 * The contents move with it: a grown mapping gets a new VMO holding a copy.
 */
export function sysMremap(ctx: SyscallContext) {
  const oldAddr = ctx.addr(0);
  const oldSize = pageUp(ctx.addr(1));
  const newSize = pageUp(ctx.addr(2));
  const flags = ctx.int(3);
  const newAddrArg = ctx.addr(4);
  const vmar = ctx.process.vmar;
  if (oldAddr % PAGE_SIZE !== 0 || newSize === 0 || flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) {
    throw new KernelError(Errno.EINVAL);
  }
  if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) && !(flags & MREMAP_MAYMOVE)) throw new KernelError(Errno.EINVAL);
  if (flags & MREMAP_DONTUNMAP) throw new KernelError(Errno.EINVAL, 'MREMAP_DONTUNMAP is not supported');
  const m = vmar.mappingAt(oldAddr);
  if (!m || oldAddr + oldSize > m.end || oldSize === 0) throw new KernelError(Errno.EFAULT);
  if (m.sealed) throw new KernelError(Errno.EPERM);
  try {
    if (newSize <= oldSize && !(flags & MREMAP_FIXED)) {
      if (newSize < oldSize) vmar.unmap(oldAddr + newSize, oldSize - newSize);
      ctx.kernel.syncMemory(ctx.thread, ctx.regs);
      return oldAddr;
    }
    if (m.vmo === null) {
      // Reserved address space moves or grows as reserved address space.
      const at = moveOrGrow(ctx, m, oldAddr, oldSize, newSize, flags, newAddrArg, null);
      ctx.kernel.syncMemory(ctx.thread, ctx.regs);
      return at;
    }
    const from = m.offset + (oldAddr - m.start);
    if (m.shared && !m.vmo.frozen) {
      // Still the same shared memory (a file's, or shared anonymous memory), grown to cover it.
      m.vmo.cover(from + newSize);
      const at = moveOrGrow(ctx, m, oldAddr, oldSize, newSize, flags, newAddrArg, { vmo: m.vmo, vmoOffset: from });
      ctx.kernel.syncMemory(ctx.thread, ctx.regs);
      return at;
    }
    // A copy of the old contents in a VMO of the new size (from the same place in a file, if any).
    const origin = m.vmo.origin;
    const vmo = newVmo(ctx, newSize, origin && { origin, originOffset: m.vmo.originOffset + from });
    try {
      let done = 0;
      for (const seg of vmo.segments(0, Math.min(oldSize, newSize))) {
        seg.set(m.vmo.read(from + done, seg.length));
        done += seg.length;
      }
      const at = moveOrGrow(ctx, m, oldAddr, oldSize, newSize, flags, newAddrArg, { vmo, vmoOffset: 0 });
      ctx.kernel.syncMemory(ctx.thread, ctx.regs);
      return at;
    } finally {
      vmo.close();
    }
  } catch (err) {
    vmError(err);
  }
}

/**
 * mremap's new mapping of `what` (null: reserved address space): in place when the pages after
 * the old one are free, else elsewhere (MREMAP_MAYMOVE, at `newAddr` with MREMAP_FIXED) and the
 * old range unmapped.
 */
function moveOrGrow(
  ctx: SyscallContext, m: MappingInfo, oldAddr: number, oldSize: number, newSize: number, flags: number, newAddr: number,
  what: { vmo: Vmo; vmoOffset: number } | null,
): number {
  const vmar = ctx.process.vmar;
  const mapAt = (addr: number | undefined, fixed: boolean): number => (what === null
    ? vmar.reserve({ len: newSize, name: m.name, addr, fixed, prot: m.prot, demand: m.demand })
    : vmar.map({
      vmo: what.vmo, vmoOffset: what.vmoOffset, len: newSize, prot: m.prot, shared: m.shared, name: m.name, maxProt: m.maxProt, addr, fixed,
    }));
  const tailFree = !vmar.mappings().some((o) => o.start < oldAddr + newSize && o.end > oldAddr + oldSize);
  if (!(flags & MREMAP_FIXED) && tailFree && oldAddr + newSize <= USER_END) return mapAt(oldAddr, true);
  if (!(flags & MREMAP_MAYMOVE)) throw new KernelError(Errno.ENOMEM);
  if (flags & MREMAP_FIXED && newAddr % PAGE_SIZE !== 0) throw new KernelError(Errno.EINVAL);
  const at = flags & MREMAP_FIXED ? mapAt(newAddr, true) : mapAt(undefined, false);
  vmar.unmap(oldAddr, oldSize);
  return at;
}

const MS_ASYNC = 1;
const MS_INVALIDATE = 2;
const MS_SYNC = 4;

/**
 * Implements Linux syscall msync(2): shared mappings of host files in the range write their file's
 * pages back (MS_ASYNC too, at once); other memory is pmem, with nothing to write back.
 */
export function sysMsync(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const len = pageUp(ctx.addr(1));
  const flags = ctx.int(2);
  if (addr % PAGE_SIZE !== 0 || flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) || (flags & MS_ASYNC && flags & MS_SYNC)) {
    throw new KernelError(Errno.EINVAL);
  }
  if (!mapped(ctx, addr, len)) throw new KernelError(Errno.ENOMEM);
  const written = new Set<Vmo>();
  for (let at = addr; at < addr + len;) {
    const m = ctx.process.vmar.mappingAt(at)!;
    if (m.shared && m.vmo !== null && !written.has(m.vmo)) {
      written.add(m.vmo);
      m.vmo.writeBack();
    }
    at = m.end;
  }
  return 0;
}

const MCL_CURRENT = 1;
const MCL_FUTURE = 2;
const MCL_ONFAULT = 4;
const MLOCK_ONFAULT = 1;

/**
 * mlock's range: from `addr`'s page to the end of `len`'s last, all mapped (ENOMEM otherwise). Memory
 * here is never swapped, so locking asks nothing more of it: only that CAP_IPC_LOCK, or a range within
 * RLIMIT_MEMLOCK (checked per call: locked ranges are not tallied), may be locked.
 */
function lockRange(ctx: SyscallContext, limit: boolean): number {
  const addr = ctx.addr(0);
  const start = addr - (addr % PAGE_SIZE);
  const end = pageUp(addr + ctx.addr(1));
  if (!Number.isSafeInteger(end) || end < start) throw new KernelError(Errno.EINVAL);
  if (!mapped(ctx, start, end - start)) throw new KernelError(Errno.ENOMEM);
  if (limit && !capable(ctx.process.cred, CAP_IPC_LOCK)) {
    const max = processLimit(ctx.process, RLIMIT_MEMLOCK).cur;
    if (max === 0n) throw new KernelError(Errno.EPERM);
    if (BigInt(end - start) > max) throw new KernelError(Errno.ENOMEM);
  }
  return 0;
}

/** Implements Linux syscall mlock(2). */
export function sysMlock(ctx: SyscallContext) {
  return lockRange(ctx, true);
}

/** Implements Linux syscall mlock2(2): mlock, and MLOCK_ONFAULT. */
export function sysMlock2(ctx: SyscallContext) {
  if ((ctx.uint(2) & ~MLOCK_ONFAULT) !== 0) throw new KernelError(Errno.EINVAL);
  return lockRange(ctx, true);
}

/** Implements Linux syscall munlock(2). */
export function sysMunlock(ctx: SyscallContext) {
  return lockRange(ctx, false);
}

/** Implements Linux syscall mlockall(2): MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT (with one of them). */
export function sysMlockall(ctx: SyscallContext) {
  const flags = ctx.int(0);
  if (flags === 0 || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) !== 0 || flags === MCL_ONFAULT) {
    throw new KernelError(Errno.EINVAL);
  }
  if (!capable(ctx.process.cred, CAP_IPC_LOCK) && processLimit(ctx.process, RLIMIT_MEMLOCK).cur === 0n) throw new KernelError(Errno.EPERM);
  return 0;
}

/** Implements Linux syscall mincore(2): every mapped page counts as resident. */
export function sysMincore(ctx: SyscallContext) {
  const addr = ctx.addr(0);
  const len = pageUp(ctx.addr(1));
  if (addr % PAGE_SIZE !== 0) throw new KernelError(Errno.EINVAL);
  if (!mapped(ctx, addr, len)) throw new KernelError(Errno.ENOMEM);
  ctx.mem.write(ctx.addr(2), new Uint8Array(len / PAGE_SIZE).fill(1));
  return 0;
}

/** Whether [addr, addr+len) is mapped without holes. */
function mapped(ctx: SyscallContext, addr: number, len: number): boolean {
  let at = addr;
  while (at < addr + len) {
    const m = ctx.process.vmar.mappingAt(at);
    if (!m) return false;
    at = m.end;
  }
  return true;
}
