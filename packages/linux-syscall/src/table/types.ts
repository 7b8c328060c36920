/**
 * The raw argument registers of a syscall (rdi, rsi, rdx, r10, r8, r9), as unsigned 64-bit values.
 */
export type SyscallArgs = readonly [bigint, bigint, bigint, bigint, bigint, bigint];

/** What a syscall returns to the guest: a value, or a negative errno. */
export type SysResult = number | bigint;

/** A syscall implementation. Only handlers that may block return a promise. */
export type SyscallHandler<C> = (ctx: C) => SysResult | Promise<SysResult>;

/** How completely a syscall is implemented; a syscall absent from the table answers ENOSYS. */
export type SupportLevel = 'full' | 'partial' | 'stub';

/** A table entry before it is given its name: what the helpers `supported`, `partial`, `stub` make. */
export interface SyscallSpec<C> {
  readonly handler: SyscallHandler<C>;
  readonly support: SupportLevel;
  /** What is missing or different from Linux; shown on the compatibility page. */
  readonly note?: string;
}

/** One syscall of the table. */
export interface SyscallEntry<C> extends SyscallSpec<C> {
  /** The Linux name, e.g. `openat`. */
  readonly name: string;
}

/** The syscall table: entries by syscall number. */
export type SyscallTable<C> = ReadonlyMap<number, SyscallEntry<C>>;
