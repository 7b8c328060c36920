/**
 * Where things go in a guest address space. Fixed (no randomization yet), like Linux with
 * `setarch -R`: reproducible addresses make native-vs-sandbox comparisons simple.
 *
 * @module
 */

/** The lowest address a guest may map (Linux's default vm.mmap_min_addr). */
export const USER_BASE = 0x10000;
/** One past the highest user address (Linux's TASK_SIZE on x86-64 with 4-level paging). */
export const USER_END = 0x7fff_ffff_f000;
/** The top of the main thread's stack. */
export const STACK_TOP = USER_END;
/** Size of the main thread's stack mapping (RLIMIT_STACK's default). */
export const STACK_SIZE = 8 * 1024 * 1024;
/** Where top-down mmap placement starts: below the stack and a gap, as Linux's mmap_base. */
export const MMAP_BASE = STACK_TOP - STACK_SIZE - 128 * 1024 * 1024;
/** Load bias of a position-independent main program (Linux's ELF_ET_DYN_BASE without ASLR). */
export const PIE_BASE = 0x5555_5555_4000;
