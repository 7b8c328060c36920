import { PAGE_SIZE, PHDR_SIZE } from './constants.js';

/** Auxiliary vector entry types (`AT_*` from Linux's `include/uapi/linux/auxvec.h`). */
export const AuxType = {
  AT_NULL: 0,
  AT_IGNORE: 1,
  AT_EXECFD: 2,
  AT_PHDR: 3,
  AT_PHENT: 4,
  AT_PHNUM: 5,
  AT_PAGESZ: 6,
  AT_BASE: 7,
  AT_FLAGS: 8,
  AT_ENTRY: 9,
  AT_NOTELF: 10,
  AT_UID: 11,
  AT_EUID: 12,
  AT_GID: 13,
  AT_EGID: 14,
  AT_PLATFORM: 15,
  AT_HWCAP: 16,
  AT_CLKTCK: 17,
  AT_SECURE: 23,
  AT_BASE_PLATFORM: 24,
  AT_RANDOM: 25,
  AT_HWCAP2: 26,
  AT_EXECFN: 31,
  AT_SYSINFO_EHDR: 33,
  AT_MINSIGSTKSZ: 51,
} as const;

/** One of the {@link AuxType} values. */
export type AuxTypeValue = (typeof AuxType)[keyof typeof AuxType];

/** One auxiliary vector entry: `[type, value]`. */
export type AuxEntry = readonly [type: number, value: number | bigint];

/** What {@link standardAuxv} needs to know about the new process. */
export interface StandardAuxvOptions {
  /** AT_PHDR: the main program's program headers in memory (`ElfLayout.phdr`). */
  readonly phdr: number;
  /** AT_PHNUM: the main program's `e_phnum`. */
  readonly phnum: number;
  /** AT_ENTRY: the main program's entry point with its bias (`ElfLayout.entry`). */
  readonly entry: number;
  /** AT_BASE: where the interpreter is loaded (its load bias); 0 without an interpreter. */
  readonly base?: number;
  /** AT_SYSINFO_EHDR: where the vDSO's image is mapped; 0 or absent: no vDSO, no entry. */
  readonly vdso?: number;
  readonly uid?: number;
  readonly euid?: number;
  readonly gid?: number;
  readonly egid?: number;
  /** AT_SECURE: 1 when the program runs with privileges its caller lacks (setuid). */
  readonly secure?: boolean;
  /** AT_HWCAP: CPUID(1).EDX on x86-64; 0 makes libc probe CPUID itself. */
  readonly hwcap?: number | bigint;
  /** AT_HWCAP2: x86 extra capability bits (bit 1: FSGSBASE). */
  readonly hwcap2?: number | bigint;
  /** AT_CLKTCK: the tick rate that times(2) counts in; Linux reports 100. */
  readonly clktck?: number;
  /** AT_MINSIGSTKSZ: the signal frame size the kernel needs; glibc sizes sigaltstack from it. */
  readonly minsigstksz?: number;
}

/**
 * The complete auxiliary vector for a new process, in the order Linux's `create_elf_tables` writes
 * it, ending with AT_NULL. AT_RANDOM, AT_EXECFN and AT_PLATFORM carry 0 here: they point into the
 * stack, and {@link buildInitialStack} fills them in. Without a vDSO there is no AT_SYSINFO_EHDR, and
 * libc makes real time syscalls, which the kernel answers.
 */
export function standardAuxv(options: StandardAuxvOptions): AuxEntry[] {
  return [
    ...(options.vdso ? [[AuxType.AT_SYSINFO_EHDR, options.vdso] as const] : []),
    [AuxType.AT_MINSIGSTKSZ, options.minsigstksz ?? DEFAULT_MINSIGSTKSZ],
    [AuxType.AT_HWCAP, options.hwcap ?? 0],
    [AuxType.AT_PAGESZ, PAGE_SIZE],
    [AuxType.AT_CLKTCK, options.clktck ?? 100],
    [AuxType.AT_PHDR, options.phdr],
    [AuxType.AT_PHENT, PHDR_SIZE],
    [AuxType.AT_PHNUM, options.phnum],
    [AuxType.AT_BASE, options.base ?? 0],
    [AuxType.AT_FLAGS, 0],
    [AuxType.AT_ENTRY, options.entry],
    [AuxType.AT_UID, options.uid ?? 0],
    [AuxType.AT_EUID, options.euid ?? options.uid ?? 0],
    [AuxType.AT_GID, options.gid ?? 0],
    [AuxType.AT_EGID, options.egid ?? options.gid ?? 0],
    [AuxType.AT_SECURE, options.secure ? 1 : 0],
    [AuxType.AT_RANDOM, 0],
    [AuxType.AT_HWCAP2, options.hwcap2 ?? 0],
    [AuxType.AT_EXECFN, 0],
    [AuxType.AT_PLATFORM, 0],
    [AuxType.AT_NULL, 0],
  ];
}

/**
 * A signal frame size that covers the x86-64 frame with a full XSAVE area (AVX-512 included),
 * for when the caller does not know the exact one.
 */
const DEFAULT_MINSIGSTKSZ = 3632;
