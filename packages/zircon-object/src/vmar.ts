/**
 * Virtual memory address regions: a guest address space, mirrored into its host process.
 *
 * @module
 */
import { bytesToString } from './byte-string.js';
import type { InjectedSyscall } from './platform.js';
import { KObject } from './object.js';
import { PAGE_SIZE } from './platform.js';
import { Sharers } from './sharers.js';
import { isPageAligned, pageRoundUp } from './pmem-allocator.js';
import { PageFaultError, ZxError, ZxStatus } from './status.js';
import type { MovedFrames, Vmo, VmoMapper } from './vmo.js';

/** Linux `PROT_*` bits used for mapping permissions. */
export const Prot = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4 } as const;

/** Host syscall numbers and flags used to mirror mappings. */
export const HostSyscall = {
  mmap: 9,
  mprotect: 10,
  munmap: 11,
  MAP_SHARED: 0x01,
  MAP_PRIVATE: 0x02,
  MAP_FIXED: 0x10,
  MAP_ANONYMOUS: 0x20,
  MAP_NORESERVE: 0x4000,
} as const;

/** An address range [start, end). */
export interface AddressRange {
  readonly start: number;
  readonly end: number;
}

/** Options of the {@link Vmar} constructor. */
export interface VmarOptions {
  /** Lowest guest address (page aligned). */
  base: number;
  /** Size in bytes of the address space (page aligned). */
  size: number;
  /** The guest-side fd of pmem, for the mirrored mmap calls. */
  pmemGuestFd: number;
  /** Ranges that may never be mapped (e.g. the platform's trampoline). */
  reserved?: readonly { readonly start: number | bigint; readonly end: number | bigint }[];
  /** Where the top-down search for free space starts (default: the top of the address space). */
  mmapBase?: number;
  /**
   * A new zero-filled VMO of `len` bytes for memory made on first touch ({@link ReserveOptions.demand}),
   * charged as the caller charges; throws ZxError ERR_NO_MEMORY when there is none.
   */
  demandMemory?: (len: number) => Vmo;
}

/** Options of {@link Vmar.map}. */
export interface MapOptions {
  vmo: Vmo;
  /** Offset in the VMO (page aligned, default 0). */
  vmoOffset?: number;
  /** Length in bytes (rounded up to a page). */
  len: number;
  /** `PROT_READ | PROT_WRITE | PROT_EXEC` bits. */
  prot: number;
  /** The address: required with `fixed`, otherwise a hint used if that range is free. */
  addr?: number;
  /** Map exactly at `addr`, replacing what was there (MAP_FIXED). */
  fixed?: boolean;
  /** With `fixed`: fail with ERR_ALREADY_EXISTS instead of replacing (MAP_FIXED_NOREPLACE). */
  noReplace?: boolean;
  /** Shared with the VMO's other users across fork (MAP_SHARED); private mappings are copied. */
  shared?: boolean;
  /** A label for /proc/<pid>/maps (e.g. a path, `[heap]`, `[stack]`). */
  name?: string;
  /**
   * A read-only private mapping of a VMO that others map too (fork, execve's image cache): it
   * gets its own copy before it can be written (`protect` to writable, `discardPrivate`).
   */
  copyOnWrite?: boolean;
  /**
   * The most `prot` may ever be (Linux's VM_MAYREAD/MAYWRITE/MAYEXEC): `protect` to more fails
   * with ERR_ACCESS_DENIED. Default: read, write and execute.
   */
  maxProt?: number;
  /** Sealed from its start (fork's copy of a sealed mapping): see {@link Vmar.seal}. */
  sealed?: boolean;
}

/** Options of {@link Vmar.reserve}: where, as for {@link Vmar.map}. */
export interface ReserveOptions {
  /** Length in bytes (rounded up to a page). */
  len: number;
  addr?: number;
  fixed?: boolean;
  noReplace?: boolean;
  name?: string;
  /** Sealed from its start (fork's copy of a sealed reservation). */
  sealed?: boolean;
  /**
   * The protection the guest sees (default PROT_NONE). Other than PROT_NONE only with `demand`:
   * memory is made a chunk at a time where the guest or the kernel first touches it (Linux's
   * MAP_NORESERVE memory, which no one pays for until used).
   */
  prot?: number;
  demand?: boolean;
}

/** One mapping as {@link Vmar.mappings} reports it. */
export interface MappingInfo {
  readonly start: number;
  readonly end: number;
  readonly prot: number;
  /** Null for a reservation ({@link Vmar.reserve}): no memory, no access. */
  readonly vmo: Vmo | null;
  /** Offset in the VMO of `start`. */
  readonly offset: number;
  readonly shared: boolean;
  readonly name: string;
  /** The most `prot` may become (see {@link MapOptions.maxProt}). */
  readonly maxProt: number;
  /** Whether it is sealed ({@link Vmar.seal}). */
  readonly sealed: boolean;
  /** A reservation whose memory is made where it is first touched ({@link ReserveOptions.demand}). */
  readonly demand: boolean;
}

interface Mapping {
  start: number;
  end: number;
  prot: number;
  /** Null for a reservation: address space without memory, PROT_NONE for good. */
  vmo: Vmo | null;
  offset: number;
  shared: boolean;
  name: string;
  /**
   * A private mapping whose VMO another address space may map privately too (fork shares
   * read-only private mappings): it gets its own copy before anything could write to it.
   */
  cow: boolean;
  /** The most `prot` may become (see {@link MapOptions.maxProt}). */
  maxProt: number;
  /** Sealed: it may not be unmapped, replaced or have its protection changed. */
  sealed: boolean;
  /** A reservation whose memory is made a chunk at a time where it is first touched. */
  demand: boolean;
}

/**
 * How much memory reserved address space gets at a time, aligned and within the reservation: a
 * touch of demand memory makes this much, and the Linux layer's mprotect opens this much.
 */
export const RESERVED_CHUNK = 2 ** 20;

/**
 * Writable private mappings at least this long are shared copy-on-write by a fork given
 * `lazyExcept`; shorter ones are copied at once, which costs less than the fault a first write
 * would (the copy skips the pages never touched).
 */
export const LAZY_COPY_MIN = 256 * 1024;

/** The largest copy-on-write mapping the first write after a fork's other side is gone takes back with the one written. */
const TAKE_BACK_MAX = 2 ** 20;

/** The protection the host maps `m` with: a copy-on-write mapping is never writable there. */
function hostProt(m: { prot: number; cow: boolean }): number {
  return m.cow ? m.prot & ~Prot.WRITE : m.prot;
}

type HostOp =
  | { kind: 'mmap'; addr: number; len: number; prot: number; off: number }
  | { kind: 'munmap'; addr: number; len: number }
  | { kind: 'mprotect'; addr: number; len: number; prot: number }
  | { kind: 'reserve'; addr: number; len: number };

/** Guest addresses fit in 47 bits; anything at or above this is never mapped. */
const USER_LIMIT = 2 ** 47;

/**
 * NAME
 *   vmar - Virtual Memory Address Region: a guest address space
 *
 * SYNOPSIS
 *   `map({ vmo, vmoOffset, len, prot, addr?, fixed?, noReplace?, shared? })` maps part of a VMO;
 *   `reserve({ len, addr?, fixed? })` holds address space with no memory (PROT_NONE);
 *   `unmap(addr, len)`, `protect(addr, len, prot)`, `seal(addr, len)` change mappings, splitting
 *   them as needed;
 *   `read`/`write`/`segments`/`readCString`… access guest memory by translation;
 *   `takeHostOps()` returns the host syscalls that make the guest's host process match.
 *
 * DESCRIPTION
 *   The VMAR is authoritative; the host process mirrors it. Every mapping is pmem mapped with
 *   mmap(addr, len, prot, MAP_SHARED|MAP_FIXED, pmemGuestFd, vmo.pmemOffset + offset). Private
 *   semantics come from private VMOs (copied on fork), not from MAP_PRIVATE. A reservation is the
 *   one exception: anonymous PROT_NONE memory of the host's (no pmem, nothing to read), which
 *   `protect` never opens: memory must be mapped over it first.
 *
 *   Without `fixed`, the VMAR picks the highest free range below `mmapBase` (then anywhere),
 *   like Linux's top-down layout; a free `addr` hint is honoured. Reserved ranges are never mapped.
 *
 *   Memory of unmapped VMOs is released once the host has made the ops that unmap it
 *   (`hostOpsMade`, after `takeHostOps`): the caller must run every op list it takes, in order.
 *
 *   Guest accesses by the kernel check the mapping's prot (read needs PROT_READ, write needs
 *   PROT_WRITE) and throw {@link PageFaultError} for any unmapped or forbidden byte, and for any
 *   address that is not a safe non-negative integer, before touching memory.
 *
 * RIGHTS
 *   A handle needs READ/WRITE/EXECUTE for mappings with those permissions (checked by the caller).
 *
 * ERRORS
 *   ERR_INVALID_ARGS   unaligned address or offset, zero length, unknown prot bits, `fixed` without `addr`.
 *   ERR_NO_MEMORY      no free range large enough, or a fixed range outside the address space.
 *   ERR_ACCESS_DENIED  a fixed range overlapping a reserved range.
 *   ERR_ALREADY_EXISTS `noReplace` and the range is in use.
 *   ERR_OUT_OF_RANGE   the mapping extends past the end of the VMO; `readCString` found no NUL.
 *   ERR_NOT_FOUND      `protect` or `seal` over a range that is not fully mapped (Linux: ENOMEM).
 *   ERR_NOT_SUPPORTED  `protect` of a reservation (but demand memory) to anything but PROT_NONE.
 *   ERR_BAD_STATE      `unmap`, `protect` or a fixed `map` or `reserve` over a sealed mapping (Linux: EPERM).
 */
export class Vmar extends KObject implements VmoMapper {
  static override readonly typeName: string = 'vmar';

  readonly base: number;
  readonly size: number;
  readonly pmemGuestFd: number;
  /** The reserved ranges, sorted. */
  readonly reserved: readonly AddressRange[];
  /** Where the top-down search for free space starts. Settable (the Linux layer places it below the stack). */
  mmapBase: number;
  /** Mappings sorted by address, never overlapping. */
  #maps: Mapping[] = [];
  #ops: HostOp[] = [];
  /**
   * What `unmapAll` removed while no op was pending (execve): unmapped when the ops are taken,
   * except where the new mappings cover it, and kept on the host where a new mapping is the same
   * pmem with the same permissions (the same program's text, the vDSO).
   */
  #replaced: { start: number; end: number; off: number; prot: number }[] = [];
  /** Work to do once the pending host ops have been made (releasing unmapped memory). */
  #afterTake: (() => void)[] = [];
  readonly #demandMemory: ((len: number) => Vmo) | undefined;
  /** That work for ops taken and not yet reported made. */
  #afterMade: (() => void)[] = [];
  #hostChanges = 0;
  /** The processes using this address space: more than one after a clone with CLONE_VM alone. */
  readonly sharers = new Sharers();

  constructor(options: VmarOptions) {
    super('root');
    const { base, size } = options;
    if (!isPageAligned(base) || !isPageAligned(size) || size === 0 || base + size > USER_LIMIT) {
      throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'bad vmar range');
    }
    this.base = base;
    this.size = size;
    this.pmemGuestFd = options.pmemGuestFd;
    this.reserved = (options.reserved ?? [])
      .map((r) => ({ start: Number(r.start), end: Number(r.end) }))
      .sort((a, b) => a.start - b.start);
    this.mmapBase = options.mmapBase ?? base + size;
    this.#demandMemory = options.demandMemory;
  }

  /** The end of the address space. */
  get end(): number {
    return this.base + this.size;
  }

  // ---- mapping -------------------------------------------------------------------------------

  /** Map part of a VMO; returns the address chosen. */
  map(options: MapOptions): number {
    const { vmo, vmoOffset = 0, prot, fixed = false, noReplace = false, shared = false, name = '' } = options;
    if (!Number.isSafeInteger(options.len) || options.len <= 0) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'bad length');
    const len = pageRoundUp(options.len);
    checkProt(prot);
    const cow = options.copyOnWrite === true;
    const maxProt = options.maxProt ?? ALL_PROT;
    if ((prot & ~maxProt) !== 0) throw new ZxError(ZxStatus.ERR_ACCESS_DENIED, 'beyond the mapping\'s maximum protection');
    if (cow && shared) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'copy-on-write needs a private mapping');
    if (!isPageAligned(vmoOffset)) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'unaligned vmo offset');
    if (vmoOffset + len > vmo.size) throw new ZxError(ZxStatus.ERR_OUT_OF_RANGE, 'mapping past the end of the vmo');

    const addr = this.#place(len, options.addr, fixed, noReplace);
    // MAP_FIXED on the host replaces atomically: no munmap needed for what was there.
    this.#removeRange(addr, addr + len);
    vmo.attach(this);
    // Every mapping has the same fields, in the same order: one hidden class for V8.
    this.#insert({ start: addr, end: addr + len, prot, vmo, offset: vmoOffset, shared, name, cow, maxProt, sealed: options.sealed === true, demand: false });
    this.#emit({ kind: 'mmap', addr, len, prot: cow ? prot & ~Prot.WRITE : prot, off: vmo.pmemOffset + vmoOffset });
    return addr;
  }

  /**
   * Reserve address space without memory (Linux's PROT_NONE anonymous mappings, which programs
   * make to hold room for later: heaps, thread arenas, shadow gaps): it counts as mapped (it is
   * listed, kept apart from other mappings, and can be sealed), but nothing can access it, and it
   * costs no pmem. On the host it is anonymous PROT_NONE memory. Making part of it accessible
   * takes a real mapping there first ({@link Vmar.map} over it): `protect` to anything but
   * PROT_NONE fails with ERR_NOT_SUPPORTED. Placed as {@link Vmar.map} places; returns the address.
   */
  reserve(options: ReserveOptions): number {
    if (!Number.isSafeInteger(options.len) || options.len <= 0) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'bad length');
    const len = pageRoundUp(options.len);
    const demand = options.demand === true;
    const prot = options.prot ?? Prot.NONE;
    checkProt(prot);
    if (prot !== Prot.NONE && !demand) throw new ZxError(ZxStatus.ERR_NOT_SUPPORTED, 'a reservation without memory is PROT_NONE');
    if (demand && this.#demandMemory === undefined) throw new ZxError(ZxStatus.ERR_NOT_SUPPORTED, 'no memory on demand here');
    const addr = this.#place(len, options.addr, options.fixed === true, options.noReplace === true);
    this.#removeRange(addr, addr + len);
    this.#insert({
      start: addr, end: addr + len, prot, vmo: null, offset: addr, shared: false, name: options.name ?? '', cow: false,
      maxProt: ALL_PROT, sealed: options.sealed === true, demand,
    });
    this.#emit({ kind: 'reserve', addr, len });
    return addr;
  }

  /** Where a new mapping of `len` bytes goes: at `addr` with `fixed` (checked), else the hint if free, else found. */
  #place(len: number, hint: number | undefined, fixed: boolean, noReplace: boolean): number {
    if (!fixed) {
      const at = hint !== undefined && Number.isSafeInteger(hint) && hint > 0 ? pageRoundUp(hint) : undefined;
      return at !== undefined && this.#isFree(at, at + len) ? at : this.findFree(len);
    }
    if (hint === undefined || !isPageAligned(hint)) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'fixed mapping needs an aligned address');
    if (hint < this.base || hint + len > this.end) throw new ZxError(ZxStatus.ERR_NO_MEMORY, 'outside the address space');
    if (this.overlapsReserved(hint, hint + len)) throw new ZxError(ZxStatus.ERR_ACCESS_DENIED, 'reserved range');
    if (noReplace && this.#overlapsMapping(hint, hint + len)) throw new ZxError(ZxStatus.ERR_ALREADY_EXISTS, 'range in use');
    this.#checkUnsealed(hint, hint + len);
    return hint;
  }

  /** Remove mappings in [addr, addr+len) (rounded up to pages); holes are fine, as in Linux. */
  unmap(addr: number, len: number): void {
    const end = this.#checkRange(addr, len);
    this.#checkUnsealed(addr, end);
    for (const r of this.#removeRange(addr, end)) this.#emit({ kind: 'munmap', addr: r.start, len: r.end - r.start });
  }

  /**
   * Set the permissions of [addr, addr+len); the whole range must be mapped (else ERR_NOT_FOUND).
   * A sealed mapping in it fails the call with ERR_BAD_STATE once the mappings before it have
   * changed, as Linux's mprotect goes mapping by mapping.
   */
  protect(addr: number, len: number, prot: number): void {
    checkProt(prot);
    if (len === 0 && isPageAligned(addr)) return;
    const end = this.#checkRange(addr, len);
    if (!this.#isFullyMapped(addr, end)) throw new ZxError(ZxStatus.ERR_NOT_FOUND, 'range not fully mapped');
    for (let i = this.#firstEndingAfter(addr); i < this.#maps.length && this.#maps[i]!.start < end; i++) {
      if ((prot & ~this.#maps[i]!.maxProt) !== 0) {
        throw new ZxError(ZxStatus.ERR_ACCESS_DENIED, 'beyond the mapping\'s maximum protection');
      }
    }
    if (prot !== Prot.NONE) {
      for (let i = this.#firstEndingAfter(addr); i < this.#maps.length && this.#maps[i]!.start < end; i++) {
        const m = this.#maps[i]!;
        if (m.vmo === null && !m.demand) throw new ZxError(ZxStatus.ERR_NOT_SUPPORTED, 'reserved range: map memory there first');
      }
    }
    const sealed = this.firstSealed(addr, end);
    if (sealed !== undefined) {
      if (sealed > addr) this.protect(addr, sealed - addr, prot);
      throw new ZxError(ZxStatus.ERR_BAD_STATE, 'sealed mapping');
    }
    // The host's reservations stay PROT_NONE whatever the guest is told: only memory is opened.
    const whole = prot === Prot.NONE || !this.holdsReservation(addr, end);
    this.#updateRange(addr, end, (m) => {
      if ((prot & Prot.WRITE) !== 0) this.#unshare(m);
      m.prot = prot;
      if (!whole && m.vmo !== null) this.#emit({ kind: 'mprotect', addr: m.start, len: m.end - m.start, prot });
    });
    if (whole) this.#emit({ kind: 'mprotect', addr, len: end - addr, prot });
  }

  /** Whether [start, end) touches reserved address space ({@link Vmar.reserve}). */
  holdsReservation(start: number, end: number): boolean {
    for (let i = this.#firstEndingAfter(start); i < this.#maps.length && this.#maps[i]!.start < end; i++) {
      if (this.#maps[i]!.vmo === null) return true;
    }
    return false;
  }

  /**
   * A guest fault at `addr`: if it lies in a demand reservation the guest may access, make its
   * memory there (a chunk, mapped by the pending host ops) and return true, for the guest to run
   * its instruction again; false for a real fault. ZxError ERR_NO_MEMORY when there is no memory.
   */
  commitOnFault(addr: number): boolean {
    const m = this.#find(addr);
    if (m !== undefined && m.cow && (m.prot & Prot.WRITE) !== 0) {
      this.#unshareAt(m, addr); // a write to memory a fork left shared: the host maps it read-only
      return true;
    }
    if (m === undefined || m.vmo !== null || !m.demand || m.prot === Prot.NONE) return false;
    this.#commit(m, addr);
    return true;
  }

  /** Memory for the chunk of demand reservation `m` around `addr`, mapped with `m`'s protection. */
  #commit(m: Mapping, addr: number): void {
    const chunk = Math.floor(addr / RESERVED_CHUNK) * RESERVED_CHUNK;
    const start = Math.max(m.start, chunk);
    const end = Math.min(m.end, chunk + RESERVED_CHUNK);
    const vmo = this.#demandMemory!(end - start);
    const { prot, name, maxProt, sealed } = m;
    this.#removeRange(start, end);
    vmo.attach(this);
    vmo.close(); // the mapping's reference is the one that stays
    this.#insert({ start, end, prot, vmo, offset: 0, shared: false, name, cow: false, maxProt, sealed, demand: false });
    this.#emit({ kind: 'mmap', addr: start, len: end - start, prot, off: vmo.pmemOffset });
  }

  /**
   * The mapping at `addr` for a kernel access needing `need`: its memory made first in a demand
   * reservation, its chunk copied first for a write where a fork shares it (undefined when there
   * is no memory for either: the access faults).
   */
  #findForAccess(addr: number, need: number): Mapping | undefined {
    const m = this.#find(addr);
    const copy = m !== undefined && m.cow && (need & m.prot & Prot.WRITE) !== 0; // the kernel writes for the guest
    if (m === undefined || (!copy && (m.vmo !== null || !m.demand || (m.prot & need) === 0))) return m;
    try {
      if (copy) this.#unshareAt(m, addr);
      else this.#commit(m, addr);
    } catch (err) {
      if (err instanceof ZxError && err.status === ZxStatus.ERR_NO_MEMORY) return undefined; // the access faults
      throw err;
    }
    return this.#find(addr);
  }

  /**
   * Discard the private memory in [addr, addr+len) (madvise MADV_DONTNEED): it reads as zeros
   * again, or as the bytes it was read from (`Vmo.discard`); shared mappings and holes are left
   * alone. Copy-on-write mappings get their own copy first.
   */
  discardPrivate(addr: number, len: number): void {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(len) || addr < 0 || len <= 0) return;
    this.#updateRange(addr, addr + len, (m) => {
      if (m.shared || m.vmo === null) return;
      this.#unshare(m);
      m.vmo.discard(m.offset, m.end - m.start);
    });
  }

  /**
   * Seal the mappings in [addr, addr+len) (Linux's mseal): from now on they may not be unmapped,
   * replaced by a fixed mapping, or have their protection changed (ERR_BAD_STATE), for the rest of
   * the address space's life; fork copies the seals. The whole range must be mapped (else
   * ERR_NOT_FOUND). Nothing changes on the host: the guest's host process only ever maps what
   * this VMAR says.
   */
  seal(addr: number, len: number): void {
    const end = this.#checkRange(addr, len);
    if (!this.#isFullyMapped(addr, end)) throw new ZxError(ZxStatus.ERR_NOT_FOUND, 'range not fully mapped');
    this.#updateRange(addr, end, (m) => {
      m.sealed = true;
    });
  }

  /** The start of the first sealed mapping that [start, end) touches, if any (where it begins, or `start`). */
  firstSealed(start: number, end: number): number | undefined {
    for (let i = this.#firstEndingAfter(start); i < this.#maps.length && this.#maps[i]!.start < end; i++) {
      const m = this.#maps[i]!;
      if (m.sealed) return Math.max(m.start, start);
    }
    return undefined;
  }

  #checkUnsealed(start: number, end: number): void {
    if (this.firstSealed(start, end) !== undefined) throw new ZxError(ZxStatus.ERR_BAD_STATE, 'sealed mapping');
  }

  /** Split the mappings at `start` and `end`, change each one in between, then merge what can be. */
  #updateRange(start: number, end: number, change: (m: Mapping) => void): void {
    this.#splitAt(start);
    this.#splitAt(end);
    const first = this.#firstEndingAfter(start);
    let i = first;
    for (; i < this.#maps.length && this.#maps[i].start < end; i++) change(this.#maps[i]);
    this.#mergeAround(first, i);
  }

  /**
   * Give a copy-on-write mapping its own copy of its memory (the host remaps it); or, when no one
   * else holds that memory any more (the other side of a fork has exec'd or exited), take it as it
   * is (the host makes it writable again, if the mapping is).
   */
  #unshare(m: Mapping): void {
    if (!m.cow || m.vmo === null) return;
    const len = m.end - m.start;
    if (m.vmo.mappedOnlyBy(this)) {
      // The other side is gone, likely from all the memory the fork shared: take back the other
      // small writable mappings it left too, in one injection, rather than a fault each. Large
      // ones wait for their own write: an mprotect's cost grows with the pages it covers (~3.8 ms
      // for 200 MB here), and memory never written again stays read-only through later forks.
      for (const o of this.#maps) {
        const small = o.end - o.start <= TAKE_BACK_MAX;
        if (o === m || (small && o.cow && (o.prot & Prot.WRITE) !== 0 && o.vmo!.mappedOnlyBy(this))) this.#takeBack(o);
      }
      return;
    }
    const copy = m.vmo.createChildCopy(m.offset, len);
    copy.attach(this);
    copy.close(); // the mapping's reference is the one that stays
    this.#releaseLater(m.vmo);
    m.vmo = copy;
    m.offset = 0;
    m.cow = false;
    this.#emit({ kind: 'mmap', addr: m.start, len, prot: m.prot, off: copy.pmemOffset });
  }

  /**
   * A write at `addr` into copy-on-write mapping `m`: the chunk of at most {@link LAZY_COPY_MIN}
   * bytes around it gets its own copy (the rest stays shared), or everything, once no one else
   * holds the memory.
   */
  #unshareAt(m: Mapping, addr: number): void {
    if (m.vmo !== null && !m.vmo.mappedOnlyBy(this)) {
      const chunk = Math.floor(addr / LAZY_COPY_MIN) * LAZY_COPY_MIN;
      const end = Math.min(m.end, chunk + LAZY_COPY_MIN); // before the first split shortens m
      this.#splitAt(Math.max(m.start, chunk));
      this.#splitAt(end);
      m = this.#find(addr)!;
    }
    this.#unshare(m);
  }

  /** End the copy-on-write of `m`, whose memory no one else holds: the host lets it write again. */
  #takeBack(m: Mapping): void {
    m.cow = false;
    if ((m.prot & Prot.WRITE) !== 0) this.#emit({ kind: 'mprotect', addr: m.start, len: m.end - m.start, prot: m.prot });
  }

  /** Remove every mapping (execve, exit). */
  unmapAll(): void {
    const deferred = this.#ops.length === 0 && this.#replaced.length === 0;
    for (const m of this.#maps) {
      // A reservation is never "the same pmem" as a new mapping (off -1): it is unmapped or covered.
      if (deferred) this.#replaced.push({ start: m.start, end: m.end, off: m.vmo === null ? -1 : m.vmo.pmemOffset + m.offset, prot: hostProt(m) });
      else this.#emit({ kind: 'munmap', addr: m.start, len: m.end - m.start });
      this.#releaseLater(m.vmo);
    }
    this.#maps = [];
  }

  /**
   * Drop every mapping and pending host op, and free what only this address space held: for when
   * its host process is gone (an exit) or never was (a fork that failed). No host op is made.
   */
  destroy(): void {
    const maps = this.#maps;
    const after = [...this.#afterMade, ...this.#afterTake];
    this.#maps = [];
    this.#ops = [];
    this.#replaced = [];
    this.#afterMade = [];
    this.#afterTake = [];
    for (const fn of after) fn();
    for (const m of maps) m.vmo?.detach(this);
  }

  /** The mappings, sorted by address. */
  mappings(): readonly MappingInfo[] {
    return this.#maps.map((m) => ({ ...m }));
  }

  /** The mapping that contains `addr`, if any. */
  mappingAt(addr: number): MappingInfo | undefined {
    const m = this.#find(addr);
    return m && { ...m };
  }

  /**
   * The start of a free range of `len` bytes (rounded up to a page): the highest one below
   * `mmapBase`, else the highest anywhere. Throws ERR_NO_MEMORY.
   */
  findFree(len: number): number {
    if (!Number.isSafeInteger(len) || len <= 0) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'bad length');
    const size = pageRoundUp(len);
    const found = this.#findFreeBelow(size, Math.min(this.mmapBase, this.end)) ?? this.#findFreeBelow(size, this.end);
    if (found === undefined) throw new ZxError(ZxStatus.ERR_NO_MEMORY, `no free range of ${size} bytes`);
    return found;
  }

  /**
   * Copy every mapping into `into` (fork): shared mappings share their VMO; private ones that
   * cannot be written (program text, read-only data) share it too, copy-on-write: whichever side
   * later makes it writable (`protect`) or discards it (`discardPrivate`) copies it first; other
   * private ones get an eager copy of their VMO range.
   *
   * With `lazyExcept` (an address: the forking thread's stack pointer), writable private mappings
   * of at least {@link LAZY_COPY_MIN} bytes that do not hold it are shared copy-on-write as well:
   * the host maps them read-only on both sides (an mprotect here, before the host fork), and the
   * first write, the guest's (a fault, `commitOnFault`) or the kernel's for it, gives the writer
   * its copy; or, once the other side has exec'd or exited, gives it the memory back without one.
   * A child that execs at once (a shell's or Node's spawn) copies nothing.
   *
   * With `hostInherits`, `into`'s host process is a host fork of this one's, made after the host
   * ops this VMAR has pending once this returns, and with none pending before: it already maps the
   * shared VMOs where they are, so only the copies get host ops. (With ops pending before, everything is mapped again.)
   *
   * With `share` (vfork, clone with CLONE_VM | CLONE_VFORK), nothing is copied: `into` maps every
   * VMO of this VMAR where it is, so each side sees the other's writes until `into` is emptied
   * (the child's execve or exit). Memory an earlier fork left copy-on-write is made this VMAR's own
   * first, so that the child's writes reach it.
   */
  fork(into: Vmar, options: { hostInherits?: boolean; share?: boolean; lazyExcept?: number } = {}): void {
    const inherited = options.hostInherits === true && this.pendingHostOps === 0;
    const { share = false, lazyExcept } = options;
    for (const m of this.#maps) {
      const len = m.end - m.start;
      if (m.vmo === null) {
        if (inherited) into.#insert({ ...m }); // the host fork has it too
        else into.reserve({ len, addr: m.start, fixed: true, name: m.name, sealed: m.sealed, prot: m.prot, demand: m.demand });
        continue;
      }
      const writable = (m.prot & Prot.WRITE) !== 0;
      if (share && writable) this.#unshare(m);
      const lazy = !share && !m.shared && writable && lazyExcept !== undefined && len >= LAZY_COPY_MIN && (lazyExcept < m.start || lazyExcept >= m.end);
      if (share || m.shared || !writable || lazy) {
        if (!share && !m.shared) {
          if (writable && !m.cow) this.#emit({ kind: 'mprotect', addr: m.start, len, prot: m.prot & ~Prot.WRITE });
          m.cow = true;
        }
        if (inherited) {
          m.vmo.attach(into);
          into.#insert({ ...m });
        } else {
          const { shared, name, vmo, offset: vmoOffset, cow: copyOnWrite, maxProt, sealed } = m;
          into.map({ len, prot: m.prot, addr: m.start, fixed: true, shared, name, vmo, vmoOffset, copyOnWrite, maxProt, sealed });
        }
      } else {
        const copy = m.vmo.createChildCopy(m.offset, len);
        into.map({ len, prot: m.prot, addr: m.start, fixed: true, name: m.name, vmo: copy, maxProt: m.maxProt, sealed: m.sealed });
        copy.close();
      }
    }
  }

  // ---- host mirroring ------------------------------------------------------------------------

  /**
   * Return and clear the pending host syscalls: run them in the guest's host process, in order,
   * then call `hostOpsMade`.
   */
  takeHostOps(): InjectedSyscall[] {
    const ops = this.#replaced.length > 0 ? this.#withReplacedUnmapped() : this.#ops;
    const calls = ops.map((op) => this.#toSyscall(op));
    if (calls.length > 0) this.#hostChanges++;
    this.#ops = [];
    this.#replaced = [];
    if (this.#afterTake.length > 0) {
      this.#afterMade.push(...this.#afterTake);
      this.#afterTake = [];
    }
    return calls;
  }

  /**
   * The host has made the ops taken: free what they unmapped. Not before: until the host unmaps
   * it, another thread of the guest can still reach that memory, and what it wrote into frames
   * already freed would reach their next owner.
   */
  hostOpsMade(): void {
    if (this.#afterMade.length > 0) this.hostOpsMadeLater()();
  }

  /**
   * The host will make the ops taken later (the guest's own call stands for them): returns what
   * `hostOpsMade` would do, to be called once it has. Until then the frames stay allocated, even
   * through `destroy`.
   */
  hostOpsMadeLater(): () => void {
    const after = this.#afterMade;
    this.#afterMade = [];
    return () => {
      for (const fn of after) fn();
    };
  }

  /** Whether [start, end) overlaps a reserved range. */
  overlapsReserved(start: number, end: number): boolean {
    return this.reserved.some((r) => r.start < end && start < r.end);
  }

  /** Number of mappings (the host's VMAs for them are at most as many, and a few more). */
  get mappingCount(): number {
    return this.#maps.length;
  }

  /**
   * How many times host ops have been taken: a guest fault from before the last change may be
   * stale (the host maps that memory now), one from after it is not.
   */
  get hostChanges(): number {
    return this.#hostChanges;
  }

  /**
   * Whether the one pending host op is mprotect(addr, len, prot): a guest's own mprotect may then
   * stand for it. (A count is not enough: memory taken back from a fork can coalesce with it.)
   */
  pendsOnlyMprotect(addr: number, len: number, prot: number): boolean {
    const op = this.#ops[0];
    return this.#ops.length === 1 && this.#replaced.length === 0 && op!.kind === 'mprotect' && op!.addr === addr && op!.len === len && op!.prot === prot;
  }

  /** Number of pending host syscalls (at most; some of `unmapAll`'s may prove unneeded). */
  get pendingHostOps(): number {
    return this.#ops.length + this.#replaced.length;
  }

  /**
   * The pending ops with what `unmapAll` removed unmapped first, less what needs no host call: an
   * old mapping that a new one maps again the same way stays (and that mmap goes), and the parts
   * new mappings cover are replaced by their mmaps (MAP_FIXED) without being unmapped first.
   * What is left to unmap goes in as few munmaps as the kept mappings and the reserved ranges
   * allow: each is an injected syscall (one ptrace stop), and unmapping a hole costs the host
   * nothing, while what the new mappings cover in between is mapped again after.
   */
  #withReplacedUnmapped(): HostOp[] {
    const ops = this.#ops;
    const kept = new Set<HostOp>();
    const unmaps: HostOp[] = [];
    let run: { start: number; end: number } | undefined; // the munmap being extended; #replaced is in address order
    const flush = () => {
      if (run) unmaps.push({ kind: 'munmap', addr: run.start, len: run.end - run.start });
      run = undefined;
    };
    for (const old of this.#replaced) {
      const first = ops.find((op) => op.addr < old.end && old.start < op.addr + op.len);
      if (first?.kind === 'mmap' && first.addr === old.start && first.len === old.end - old.start && first.off === old.off && first.prot === old.prot) {
        kept.add(first);
        flush();
        continue;
      }
      let uncovered: AddressRange[] = [{ start: old.start, end: old.end }];
      for (const op of ops) if (op.kind === 'mmap' || op.kind === 'reserve') uncovered = subtract(uncovered, op.addr, op.addr + op.len);
      for (const r of uncovered) {
        if (run && !this.overlapsReserved(run.end, r.start)) run.end = r.end;
        else {
          flush();
          run = { start: r.start, end: r.end };
        }
      }
    }
    flush();
    return [...unmaps, ...ops.filter((op) => !kept.has(op))];
  }

  /** Remap every mapping of `vmo`, which moved in pmem; its old frames go after the next take. */
  onVmoMoved(vmo: Vmo, oldFrames: MovedFrames): void {
    for (const m of this.#maps) {
      if (m.vmo === vmo) this.#emit({ kind: 'mmap', addr: m.start, len: m.end - m.start, prot: hostProt(m), off: vmo.pmemOffset + m.offset });
    }
    this.#afterTake.push(() => oldFrames.done());
  }

  // ---- guest memory access -------------------------------------------------------------------

  /** Copy `len` bytes of guest memory at `addr`. */
  read(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(addr, out);
    return out;
  }

  /** Fill `out` from guest memory at `addr`; nothing is read if any byte would fault. */
  readInto(addr: number, out: Uint8Array): void {
    const whole = this.view(addr, out.length, 'read');
    if (whole !== undefined) {
      out.set(whole);
      return;
    }
    let at = 0;
    for (const seg of this.segments(addr, out.length, 'read')) {
      out.set(seg, at);
      at += seg.length;
    }
  }

  /** Copy `bytes` into guest memory at `addr`; nothing is written if any byte would fault. */
  write(addr: number, bytes: Uint8Array): void {
    const whole = this.view(addr, bytes.length, 'write');
    if (whole !== undefined) {
      whole.set(bytes);
      return;
    }
    let at = 0;
    for (const seg of this.segments(addr, bytes.length, 'write')) {
      seg.set(bytes.subarray(at, at + seg.length));
      at += seg.length;
    }
  }

  /**
   * A debugger's read (ptrace's PEEKDATA, Linux's FOLL_FORCE): any mapping's memory, whatever its
   * protection; memory not made yet in a demand reservation reads as zeros. PageFaultError where
   * nothing is mapped, or only reserved address space is.
   */
  peek(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let at = 0; at < len;) {
      const a = addr + at;
      const m = Number.isSafeInteger(a) ? this.#find(a) : undefined;
      if (m === undefined || (m.vmo === null && !m.demand)) throw new PageFaultError(a, 'read');
      const n = Math.min(len - at, m.end - a);
      if (m.vmo !== null) out.set(m.vmo.read(m.offset + (a - m.start), n), at);
      at += n;
    }
    return out;
  }

  /**
   * A debugger's write (ptrace's POKEDATA, FOLL_FORCE): into private memory whatever its
   * protection, a breakpoint into a program's text say. The pages of a copy-on-write mapping get
   * their own copy first (a host op), so the file's other mappings are untouched; shared mappings
   * must be writable. PageFaultError where that is not so.
   */
  poke(addr: number, bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length;) {
      const a = addr + at;
      let m = Number.isSafeInteger(a) ? this.#findForAccess(a, Prot.READ | Prot.WRITE | Prot.EXEC) : undefined;
      if (m === undefined || m.vmo === null || (m.shared && (m.prot & Prot.WRITE) === 0)) throw new PageFaultError(a, 'write');
      const n = Math.min(bytes.length - at, m.end - a);
      if (m.cow) {
        // Only the pages written leave the shared copy.
        const start = Math.floor(a / PAGE_SIZE) * PAGE_SIZE;
        const end = Math.min(m.end, Math.ceil((a + n) / PAGE_SIZE) * PAGE_SIZE);
        this.#splitAt(Math.max(start, m.start));
        this.#splitAt(end);
        m = this.#find(a)!;
        this.#unshare(m);
      }
      m.vmo!.write(m.offset + (a - m.start), bytes.subarray(at, at + n));
      at += n;
    }
  }

  readU8(addr: number): number {
    return this.#load(addr, 1).getUint8(0);
  }

  readU32(addr: number): number {
    return this.#load(addr, 4).getUint32(0, true);
  }

  readU64(addr: number): bigint {
    return this.#load(addr, 8).getBigUint64(0, true);
  }

  writeU32(addr: number, value: number): void {
    scratchView.setUint32(0, value >>> 0, true);
    this.#store(addr, 4);
  }

  writeU64(addr: number, value: bigint): void {
    scratchView.setBigUint64(0, BigInt.asUintN(64, value), true);
    this.#store(addr, 8);
  }

  /** Copy `len` (≤ 8) bytes at `addr` into the scratch; its view. */
  #load(addr: number, len: number): DataView {
    this.readInto(addr, len === 8 ? scratch : scratch.subarray(0, len));
    return scratchView;
  }

  /** Copy the scratch's first `len` bytes to `addr`. */
  #store(addr: number, len: number): void {
    const whole = this.view(addr, len, 'write');
    if (whole !== undefined) {
      for (let i = 0; i < len; i++) whole[i] = scratch[i];
      return;
    }
    let at = 0;
    for (const seg of this.segments(addr, len, 'write')) {
      for (let i = 0; i < seg.length; i++) seg[i] = scratch[at + i];
      at += seg.length;
    }
  }

  /**
   * Guest memory [addr, addr+len) as one zero-copy view, when it lies in one mapping that allows
   * `access` (and in one pmem chunk): a syscall's buffer almost always does. Undefined otherwise,
   * for {@link Vmar.segments} to split or fault.
   */
  view(addr: number, len: number, access: 'read' | 'write'): Uint8Array | undefined {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(len) || addr < 0 || len <= 0) return undefined;
    const m = this.#find(addr);
    if (m === undefined || addr + len > m.end) return undefined;
    if ((m.prot & (access === 'read' ? Prot.READ : Prot.WRITE)) === 0 || m.vmo === null) return undefined; // segments makes demand memory
    if (m.cow && access === 'write') return undefined; // shared by a fork: segments copies it first
    return m.vmo.view(m.offset + (addr - m.start), len);
  }

  /**
   * Zero-copy views of guest memory [addr, addr+len) for `access`, in order. All or nothing: throws
   * {@link PageFaultError} at the first byte that is unmapped or lacks permission.
   */
  segments(addr: number, len: number, access: 'read' | 'write'): Uint8Array[] {
    if (!Number.isSafeInteger(len) || len < 0) throw new PageFaultError(addr, access);
    if (len === 0) return [];
    if (!Number.isSafeInteger(addr) || addr < 0) throw new PageFaultError(addr, access);
    const out: Uint8Array[] = [];
    const end = addr + len;
    let a = addr;
    while (a < end) {
      const n = this.#accessibleRun(a, end, access);
      if (n === 0) throw new PageFaultError(a, access);
      const m = this.#find(a)!;
      for (const seg of m.vmo!.segments(m.offset + (a - m.start), n)) out.push(seg);
      a += n;
    }
    return out;
  }

  /**
   * How many bytes from `addr` (up to `len`) can be accessed before the first fault: for partial
   * transfers, where bytes moved beat a later EFAULT.
   */
  accessibleLength(addr: number, len: number, access: 'read' | 'write'): number {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(len) || addr < 0 || len <= 0) return 0;
    const end = addr + len;
    let a = addr;
    while (a < end) {
      const n = this.#accessibleRun(a, end, access);
      if (n === 0) break;
      a += n;
    }
    return a - addr;
  }

  /**
   * The bytes of the NUL-terminated string at `addr`, without the NUL. Throws PageFaultError, or
   * ERR_OUT_OF_RANGE if no NUL is found within `maxLen` bytes.
   */
  readCStringBytes(addr: number, maxLen: number): Uint8Array {
    if (!Number.isSafeInteger(addr) || addr < 0) throw new PageFaultError(addr, 'read');
    const parts: Uint8Array[] = [];
    let total = 0;
    let a = addr;
    while (total < maxLen) {
      // Scan at most to the end of the current page, so a string ending before an unmapped page is fine.
      const pageEnd = (Math.floor(a / PAGE_SIZE) + 1) * PAGE_SIZE;
      const n = Math.min(pageEnd - a, maxLen - total);
      const [seg] = this.segments(a, n, 'read');
      const nul = seg.indexOf(0);
      if (nul >= 0) {
        parts.push(seg.subarray(0, nul));
        return concat(parts, total + nul);
      }
      parts.push(seg);
      total += n;
      a += n;
    }
    throw new ZxError(ZxStatus.ERR_OUT_OF_RANGE, `no NUL within ${maxLen} bytes`);
  }

  /** The NUL-terminated string at `addr` as a byte string (see {@link Vmar.readCStringBytes}). */
  readCString(addr: number, maxLen: number): string {
    // Most strings end in the page they start in: decoded straight from guest memory, no copy.
    if (Number.isSafeInteger(addr) && addr >= 0) {
      const n = Math.min(PAGE_SIZE - (addr % PAGE_SIZE), maxLen);
      const seg = n > 0 ? this.view(addr, n, 'read') : undefined;
      if (seg !== undefined) {
        const nul = seg.indexOf(0);
        if (nul >= 0) return bytesToString(seg.subarray(0, nul));
      }
    }
    return bytesToString(this.readCStringBytes(addr, maxLen));
  }

  // ---- internals -----------------------------------------------------------------------------

  /** Validate an unmap/protect range; returns its page-rounded end. */
  #checkRange(addr: number, len: number): number {
    if (!isPageAligned(addr) || !Number.isSafeInteger(len) || len <= 0) {
      throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'bad range');
    }
    const end = addr + pageRoundUp(len);
    if (end > USER_LIMIT) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'range beyond user space');
    return end;
  }

  /** Length of the run from `a` (below `end`) that one mapping allows for `access`; 0 if none. */
  #accessibleRun(a: number, end: number, access: 'read' | 'write'): number {
    const needed = access === 'read' ? Prot.READ : Prot.WRITE;
    const m = this.#findForAccess(a, needed);
    if (!m) return 0;
    if ((m.prot & needed) === 0 || m.vmo === null) return 0;
    const vmoOffset = m.offset + (a - m.start);
    // A VMO shrunk under its mapping: bytes past its end fault (SIGBUS in Linux, EFAULT here).
    const inVmo = m.vmo.size - vmoOffset;
    return Math.max(0, Math.min(Math.min(end, m.end) - a, inVmo));
  }

  /** Index of the first mapping whose end is > addr. */
  #firstEndingAfter(addr: number): number {
    let lo = 0;
    let hi = this.#maps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#maps[mid].end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #find(addr: number): Mapping | undefined {
    const m = this.#maps[this.#firstEndingAfter(addr)];
    return m && m.start <= addr ? m : undefined;
  }

  #overlapsMapping(start: number, end: number): boolean {
    const m = this.#maps[this.#firstEndingAfter(start)];
    return m !== undefined && m.start < end;
  }

  #isFree(start: number, end: number): boolean {
    return start >= this.base && end <= this.end && !this.overlapsReserved(start, end) && !this.#overlapsMapping(start, end);
  }

  #isFullyMapped(start: number, end: number): boolean {
    let at = start;
    for (let i = this.#firstEndingAfter(start); i < this.#maps.length && at < end; i++) {
      const m = this.#maps[i];
      if (m.start > at) return false;
      at = m.end;
    }
    return at >= end;
  }

  /** The highest start of a free `size`-byte range ending at or below `limit`. */
  #findFreeBelow(size: number, limit: number): number | undefined {
    const occupied = [...this.#maps, ...this.reserved].sort((a, b) => a.start - b.start);
    let hi = limit;
    for (let k = occupied.length - 1; k >= -1; k--) {
      const lo = Math.max(k >= 0 ? occupied[k].end : this.base, this.base);
      if (lo < hi && hi - lo >= size) return hi - size;
      if (k >= 0) hi = Math.min(hi, occupied[k].start);
      if (hi - this.base < size) return undefined;
    }
    return undefined;
  }

  /** Split the mapping that strictly contains `addr` in two at `addr`. */
  #splitAt(addr: number): void {
    const i = this.#firstEndingAfter(addr);
    const m = this.#maps[i];
    if (!m || m.start >= addr) return;
    const right: Mapping = { ...m, start: addr, offset: m.offset + (addr - m.start) };
    m.end = addr;
    m.vmo?.attach(this);
    this.#maps.splice(i + 1, 0, right);
  }

  /** Remove [start, end) from the mappings; returns the ranges that were mapped (merged). */
  #removeRange(start: number, end: number): AddressRange[] {
    this.#splitAt(start);
    this.#splitAt(end);
    const i = this.#firstEndingAfter(start);
    let j = i;
    while (j < this.#maps.length && this.#maps[j].start < end) j++;
    const removed = this.#maps.splice(i, j - i);
    const ranges: { start: number; end: number }[] = [];
    for (const m of removed) {
      this.#releaseLater(m.vmo);
      const last = ranges[ranges.length - 1];
      if (last && last.end === m.start) last.end = m.end;
      else ranges.push({ start: m.start, end: m.end });
    }
    return ranges;
  }

  /** Drop a mapping's VMO reference once the guest no longer maps it (after the next take). */
  #releaseLater(vmo: Vmo | null): void {
    if (vmo !== null) this.#afterTake.push(() => vmo.detach(this));
  }

  #insert(mapping: Mapping): void {
    const i = this.#firstEndingAfter(mapping.start);
    this.#maps.splice(i, 0, mapping);
    this.#mergeAround(i, i + 1);
  }

  /** Merge compatible neighbours among mappings [from-1, to]. */
  #mergeAround(from: number, to: number): void {
    const lo = Math.max(from - 1, 0);
    const hi = Math.min(to, this.#maps.length - 1);
    for (let i = hi; i > lo; i--) {
      const a = this.#maps[i - 1];
      const b = this.#maps[i];
      if (
        a.end === b.start &&
        a.vmo === b.vmo &&
        a.offset + (a.end - a.start) === b.offset &&
        a.prot === b.prot &&
        a.shared === b.shared &&
        a.cow === b.cow &&
        a.maxProt === b.maxProt &&
        a.sealed === b.sealed &&
        a.demand === b.demand &&
        a.name === b.name
      ) {
        a.end = b.end;
        this.#maps.splice(i, 1);
        // The host mapping stays (the merged one covers it): drop the reference at once.
        b.vmo?.detach(this);
      }
    }
  }

  /** Queue a host op, folding it into the previous one when they are adjacent and alike. */
  #emit(op: HostOp): void {
    const last = this.#ops[this.#ops.length - 1];
    if (last && last.kind === op.kind && last.addr + last.len === op.addr) {
      if (op.kind === 'munmap') {
        last.len += op.len;
        return;
      }
      if (op.kind === 'mprotect' && last.kind === 'mprotect' && last.prot === op.prot) {
        last.len += op.len;
        return;
      }
      if (op.kind === 'mmap' && last.kind === 'mmap' && last.prot === op.prot && last.off + last.len === op.off) {
        last.len += op.len;
        return;
      }
      if (op.kind === 'reserve') {
        last.len += op.len;
        return;
      }
    }
    this.#ops.push(op);
  }

  #toSyscall(op: HostOp): InjectedSyscall {
    switch (op.kind) {
      case 'mmap':
        return {
          nr: HostSyscall.mmap,
          args: [op.addr, op.len, op.prot, HostSyscall.MAP_SHARED | HostSyscall.MAP_FIXED, this.pmemGuestFd, op.off],
        };
      case 'munmap':
        return { nr: HostSyscall.munmap, args: [op.addr, op.len] };
      case 'mprotect':
        return { nr: HostSyscall.mprotect, args: [op.addr, op.len, op.prot] };
      case 'reserve':
        return {
          nr: HostSyscall.mmap,
          args: [op.addr, op.len, Prot.NONE, HostSyscall.MAP_PRIVATE | HostSyscall.MAP_ANONYMOUS | HostSyscall.MAP_FIXED | HostSyscall.MAP_NORESERVE, -1, 0],
        };
    }
  }
}

/** `ranges` less [start, end). */
function subtract(ranges: AddressRange[], start: number, end: number): AddressRange[] {
  const out: AddressRange[] = [];
  for (const r of ranges) {
    if (end <= r.start || r.end <= start) {
      out.push(r);
      continue;
    }
    if (r.start < start) out.push({ start: r.start, end: start });
    if (end < r.end) out.push({ start: end, end: r.end });
  }
  return out;
}

const ALL_PROT = Prot.READ | Prot.WRITE | Prot.EXEC;

function checkProt(prot: number): void {
  if (!Number.isInteger(prot) || (prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC)) !== 0) {
    throw new ZxError(ZxStatus.ERR_INVALID_ARGS, `bad prot ${prot}`);
  }
}

/**
 * Where the fixed-size accessors move their bytes, with its DataView made once: a DataView over a
 * fresh small array costs ~0.7 µs (V8 first moves the array's bytes off its heap), which clock_gettime
 * or a futex would pay on every call. The kernel is one thread.
 */
const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0].slice();
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

