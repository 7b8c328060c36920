/** Memory mapping constants (mmap, mprotect, madvise), x86-64 values. */
export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const PROT_GROWSDOWN = 0x0100_0000;
export const PROT_GROWSUP = 0x0200_0000;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
/** The bits of mmap flags that hold the mapping type. */
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_32BIT = 0x40;
export const MAP_GROWSDOWN = 0x100;
export const MAP_DENYWRITE = 0x800;
export const MAP_EXECUTABLE = 0x1000;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_NONBLOCK = 0x10000;
export const MAP_STACK = 0x20000;
export const MAP_HUGETLB = 0x40000;
export const MAP_SYNC = 0x80000;
export const MAP_FIXED_NOREPLACE = 0x100000;

export const MADV_DONTNEED = 4;
export const MADV_FREE = 8;
export const MADV_REMOVE = 9;
export const MADV_DONTFORK = 10;
export const MADV_WIPEONFORK = 18;
export const MADV_DONTNEED_LOCKED = 24;
export const MADV_GUARD_INSTALL = 102;

/** The madvise advice that discards memory, or may: what a sealed read-only anonymous mapping refuses (EPERM). */
export function discardsMemory(advice: number): boolean {
  switch (advice) {
    case MADV_DONTNEED:
    case MADV_FREE:
    case MADV_REMOVE:
    case MADV_DONTFORK:
    case MADV_WIPEONFORK:
    case MADV_DONTNEED_LOCKED:
    case MADV_GUARD_INSTALL:
      return true;
    default:
      return false;
  }
}

/**
 * Whether a mapping is private anonymous memory (the heap, a stack, unnamed memory): not a file's
 * bytes (named by the file's path) and not shared.
 */
export function isPrivateAnonymous(m: { readonly shared: boolean; readonly name: string }): boolean {
  return !m.shared && (m.name === '' || m.name.startsWith('['));
}
