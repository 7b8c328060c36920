/**
 * A malformed or unsupported ELF file. execve(2) answers it with ENOEXEC.
 *
 * `reason` says what is wrong and where, e.g.
 * `"program header 3: p_filesz (0x2000) > p_memsz (0x1000)"`.
 */
export class ElfError extends Error {
  /** What is wrong with the file, and where. */
  readonly reason: string;
  /**
   * Set when the file may be fine but the caller gave too few of its bytes: parse again with at
   * least this many bytes from the start of the file.
   */
  readonly bytesNeeded: number | undefined;

  constructor(reason: string, bytesNeeded?: number) {
    super(`invalid ELF: ${reason}`);
    this.name = 'ElfError';
    this.reason = reason;
    this.bytesNeeded = bytesNeeded;
  }
}

/**
 * The argument and environment strings exceed Linux's limits. execve(2) answers it with E2BIG.
 */
export class ArgListTooLongError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgListTooLongError';
  }
}

/** Formats a number as Linux tools do in messages: `0x1f`. */
export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}
