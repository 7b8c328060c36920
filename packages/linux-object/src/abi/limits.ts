/**
 * Path limits of Linux's VFS.
 *
 * @module
 */

/** Longest path a syscall accepts, counting the terminating NUL (`PATH_MAX`). */
export const PATH_MAX = 4096;
/** Longest single path component (`NAME_MAX`). */
export const NAME_MAX = 255;
/** Most symbolic links followed while resolving one path before ELOOP (Linux's `MAXSYMLINKS`). */
export const MAXSYMLINKS = 40;
