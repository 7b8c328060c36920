/**
 * open(2) flags, `*at` flags, fcntl(2) commands and lseek(2) whence values (x86-64).
 *
 * @module
 */

// open(2) flags, octal as in asm-generic/fcntl.h.
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
/** Mask of the access mode (O_RDONLY / O_WRONLY / O_RDWR). */
export const O_ACCMODE = 0o3;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_ASYNC = 0o20000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_SYNC = 0o4010000;
export const O_PATH = 0o10000000;
/** O_TMPFILE includes O_DIRECTORY, as on Linux. */
export const O_TMPFILE = 0o20200000;
/** Flags F_SETFL may change (Linux's SETFL_MASK). */
export const SETFL_MASK = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
/** Every flag open(2) knows (Linux's VALID_OPEN_FLAGS): openat2(2) refuses any other. */
export const VALID_OPEN_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK
  | O_SYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH
  | O_TMPFILE;
/** The flags O_PATH may come with (Linux's O_PATH_FLAGS). */
export const O_PATH_FLAGS = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

// openat2(2)'s struct open_how `resolve` flags (linux/openat2.h).
/** No mount point crossed, either way. */
export const RESOLVE_NO_XDEV = 0x01;
/** No magic link (/proc/<pid>/fd/N, exe, cwd, root) followed. */
export const RESOLVE_NO_MAGICLINKS = 0x02;
/** No symlink followed, magic links included. */
export const RESOLVE_NO_SYMLINKS = 0x04;
/** The walk stays beneath the starting directory: no absolute paths or symlinks, no '..' above it. */
export const RESOLVE_BENEATH = 0x08;
/** The starting directory is the walk's root, as if chrooted there. */
export const RESOLVE_IN_ROOT = 0x10;
/** Only what the lookup caches hold (EAGAIN where that cannot be known: create, truncate). */
export const RESOLVE_CACHED = 0x20;
/** Every resolve flag Linux knows. */
export const VALID_RESOLVE_FLAGS = 0x3f;

/** dirfd meaning "the current working directory". */
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
/** unlinkat(2): remove a directory. */
export const AT_REMOVEDIR = 0x200;
/** faccessat(2): check with the effective ids (same value as AT_REMOVEDIR). */
export const AT_EACCESS = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;
export const AT_STATX_SYNC_AS_STAT = 0x0000;
export const AT_STATX_FORCE_SYNC = 0x2000;
export const AT_STATX_DONT_SYNC = 0x4000;
export const AT_STATX_SYNC_TYPE = 0x6000;
export const AT_RECURSIVE = 0x8000;

// fcntl(2) commands.
export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_GETLK = 5;
export const F_SETLK = 6;
export const F_SETLKW = 7;
export const F_SETOWN = 8;
export const F_GETOWN = 9;
export const F_SETSIG = 10;
export const F_GETSIG = 11;
export const F_SETOWN_EX = 15;
export const F_GETOWN_EX = 16;
export const F_OFD_GETLK = 36;
export const F_OFD_SETLK = 37;
export const F_OFD_SETLKW = 38;
export const F_SETLEASE = 1024;
export const F_GETLEASE = 1025;
export const F_NOTIFY = 1026;
export const F_DUPFD_CLOEXEC = 1030;
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;
export const F_ADD_SEALS = 1033;
export const F_GET_SEALS = 1034;
/** Seals (F_ADD_SEALS) of a memfd or tmpfs file: no more seals, no shrinking, no growing, no writes. */
export const F_SEAL_SEAL = 0x1;
export const F_SEAL_SHRINK = 0x2;
export const F_SEAL_GROW = 0x4;
export const F_SEAL_WRITE = 0x8;
/** No new writes or writable mappings; existing writable mappings go on. */
export const F_SEAL_FUTURE_WRITE = 0x10;
/** No change of the exec bits. */
export const F_SEAL_EXEC = 0x20;
/** The fd flag F_GETFD/F_SETFD report: close on execve. */
export const FD_CLOEXEC = 1;
export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;

// lseek(2) whence.
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

// access(2) modes.
export const F_OK = 0;
export const X_OK = 1;
export const W_OK = 2;
export const R_OK = 4;
