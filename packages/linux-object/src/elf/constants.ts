/** ELF64 constants from the System V gABI and the x86-64 psABI, as far as the loader needs them. */

/** `e_type` of a fixed-address executable. */
export const ET_EXEC = 2;
/** `e_type` of a position-independent executable or shared object. */
export const ET_DYN = 3;
/** `e_machine` of x86-64. */
export const EM_X86_64 = 62;

/** Program header types (`p_type`). */
export const PT = {
  NULL: 0,
  LOAD: 1,
  DYNAMIC: 2,
  INTERP: 3,
  NOTE: 4,
  PHDR: 6,
  TLS: 7,
  GNU_STACK: 0x6474e551,
} as const;

/** Program header permission bits (`p_flags`). */
export const PF = { X: 1, W: 2, R: 4 } as const;

/** Size of the ELF64 file header. */
export const EHDR_SIZE = 64;
/** Size of one ELF64 program header (Linux rejects any other `e_phentsize`). */
export const PHDR_SIZE = 56;
/** The guest page size. */
export const PAGE_SIZE = 4096;
/** Linux caps the program header table at 64 KiB (`load_elf_phdrs`). */
export const MAX_PHNUM = Math.floor(65536 / PHDR_SIZE);
/** First address beyond the x86-64 user address space (4-level paging). */
export const USER_ADDRESS_LIMIT = 2 ** 47;
/** Largest total of PT_LOAD sizes the loader accepts. */
export const MAX_LOAD_TOTAL = 4 * 1024 ** 3;
/** Linux's PATH_MAX, the largest PT_INTERP it accepts. */
export const PATH_MAX = 4096;
