// Conformance: openat2 — struct open_how read by size (EINVAL, E2BIG, EFAULT), its strict checks
// of flags, mode and resolve (EINVAL, EAGAIN), and each RESOLVE_* flag's allowed and refused walks:
// symlinks relative and absolute, '..', magic links of /proc/self, and mount crossings into /proc
// and /dev. Works in a fresh directory of its own under /tmp, by relative paths; prints only what
// is the same everywhere (file types, contents, errno names).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

// linux/openat2.h, defined here in case the headers lack it.
struct how {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
#define NO_XDEV 0x01ULL
#define NO_MAGICLINKS 0x02ULL
#define NO_SYMLINKS 0x04ULL
#define BENEATH 0x08ULL
#define IN_ROOT 0x10ULL
#define CACHED 0x20ULL

static long openat2_raw(int dfd, const char *path, const void *how, size_t size) {
  return syscall(SYS_openat2, dfd, path, how, size);
}

static long o2(int dfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  struct how h = {flags, mode, resolve};
  return openat2_raw(dfd, path, &h, sizeof h);
}

// Directories the results are named by (device and inode, never printed).
static struct known {
  const char *name;
  dev_t dev;
  ino_t ino;
} known[8];
static int nknown;

static void know(const char *name, const char *path) {
  struct stat s;
  if (stat(path, &s) != 0) { printf("stat %s: %s\n", path, strerrorname_np(errno)); return; }
  known[nknown++] = (struct known){name, s.st_dev, s.st_ino};
}

/** What an fd is: its type, a known directory's name, a regular file's first bytes if readable. */
static void describe(int fd) {
  struct stat s;
  if (fstat(fd, &s) != 0) { printf("fstat %s", strerrorname_np(errno)); return; }
  switch (s.st_mode & S_IFMT) {
    case S_IFDIR:
      printf("dir");
      for (int i = 0; i < nknown; i++) {
        if (known[i].dev == s.st_dev && known[i].ino == s.st_ino) { printf(" %s", known[i].name); break; }
      }
      return;
    case S_IFREG: {
      printf("reg");
      char buf[32];
      long n = read(fd, buf, sizeof buf - 1);
      if (n >= 0) {
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        printf(" \"%s\"", buf);
      }
      return;
    }
    case S_IFLNK: printf("symlink"); return;
    case S_IFCHR: printf("chr"); return;
    case S_IFIFO: printf("fifo"); return;
    default: printf("type %o", s.st_mode & S_IFMT);
  }
}

static void report(const char *what, long fd) {
  printf("%s: ", what);
  if (fd < 0) {
    printf("%s\n", strerrorname_np(errno));
    return;
  }
  printf("ok ");
  describe((int)fd);
  printf("\n");
  close((int)fd);
}

static void try(const char *what, int dfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  errno = 0;
  report(what, o2(dfd, path, flags, mode, resolve));
}

static void put(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) printf("put %s failed\n", path);
  close(fd);
}

static void link_(const char *target, const char *path) {
  if (symlink(target, path) != 0) printf("symlink %s: %s\n", path, strerrorname_np(errno));
}

static int rm(const char *path, const struct stat *s, int type, struct FTW *f) {
  (void)s; (void)type; (void)f;
  return remove(path);
}

static void open_how_struct(void) {
  printf("-- struct open_how\n");
  struct how h = {O_RDONLY, 0, 0};
  static unsigned char big[4097];
  memcpy(big, &h, sizeof h);
  errno = 0; report("size 0", openat2_raw(AT_FDCWD, "d/f", &h, 0));
  errno = 0; report("size 8", openat2_raw(AT_FDCWD, "d/f", &h, 8));
  errno = 0; report("size 23", openat2_raw(AT_FDCWD, "d/f", &h, 23));
  errno = 0; report("size 24", openat2_raw(AT_FDCWD, "d/f", &h, 24));
  errno = 0; report("size 25, zero tail", openat2_raw(AT_FDCWD, "d/f", big, 25));
  errno = 0; report("size 4096, zero tail", openat2_raw(AT_FDCWD, "d/f", big, 4096));
  errno = 0; report("size 4097", openat2_raw(AT_FDCWD, "d/f", big, 4097));
  errno = 0; report("size -1", openat2_raw(AT_FDCWD, "d/f", big, (size_t)-1));
  big[31] = 1;
  errno = 0; report("size 32, nonzero tail", openat2_raw(AT_FDCWD, "d/f", big, 32));
  errno = 0; report("size 24 ignores the tail", openat2_raw(AT_FDCWD, "d/f", big, 24));
  big[31] = 0;
  big[4095] = 1;
  errno = 0; report("size 4096, last byte set", openat2_raw(AT_FDCWD, "d/f", big, 4096));
  big[4095] = 0;
  errno = 0; report("how NULL", openat2_raw(AT_FDCWD, "d/f", NULL, 24));
  errno = 0; report("how NULL, size 4097", openat2_raw(AT_FDCWD, "d/f", NULL, 4097));
  errno = 0; report("how NULL, size 23", openat2_raw(AT_FDCWD, "d/f", NULL, 23));
  // A struct whose tail runs into a page that cannot be read.
  unsigned char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(pages + 4096, 4096, PROT_NONE);
  memcpy(pages + 4096 - 24, &h, sizeof h);
  errno = 0; report("tail unreadable", openat2_raw(AT_FDCWD, "d/f", pages + 4096 - 24, 32));
  errno = 0; report("struct fits before the unreadable page", openat2_raw(AT_FDCWD, "d/f", pages + 4096 - 24, 24));
  errno = 0; report("struct unreadable", openat2_raw(AT_FDCWD, "d/f", pages + 4096, 24));
  munmap(pages, 8192);
  errno = 0; report("path NULL", o2(AT_FDCWD, NULL, O_RDONLY, 0, 0));
  errno = 0; report("path NULL, bad flags first", o2(AT_FDCWD, NULL, 4, 0, 0));
  try("empty path", AT_FDCWD, "", O_RDONLY, 0, 0);
}

static void flag_checks(void) {
  printf("-- flags, mode, resolve\n");
  try("unknown flag 04", AT_FDCWD, "d/f", 04, 0, 0);
  try("flag bit 32", AT_FDCWD, "d/f", 1ULL << 32, 0, 0);
  try("flag bit 63", AT_FDCWD, "d/f", 1ULL << 63, 0, 0);
  try("mode without O_CREAT", AT_FDCWD, "d/f", O_RDONLY, 0644, 0);
  try("mode 010000 with O_CREAT", AT_FDCWD, "d/m1", O_CREAT | O_WRONLY, 010000, 0);
  try("mode bit 32 with O_CREAT", AT_FDCWD, "d/m1", O_CREAT | O_WRONLY, 1ULL << 32, 0);
  try("mode 070000 with O_TMPFILE", AT_FDCWD, "d", O_TMPFILE | O_RDWR, 070000, 0);
  try("O_TMPFILE read-only", AT_FDCWD, "d", O_TMPFILE | O_RDONLY, 0600, 0);
  try("O_DIRECTORY|O_CREAT", AT_FDCWD, "d/m1", O_DIRECTORY | O_CREAT, 0600, 0);
  try("O_PATH|O_RDWR", AT_FDCWD, "d/f", O_PATH | O_RDWR, 0, 0);
  try("O_PATH|O_CREAT", AT_FDCWD, "d/f", O_PATH | O_CREAT, 0, 0);
  try("O_PATH|O_DIRECTORY|O_CLOEXEC", AT_FDCWD, "d", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0);
  try("resolve 0x40", AT_FDCWD, "d/f", O_RDONLY, 0, 0x40);
  try("resolve bit 40", AT_FDCWD, "d/f", O_RDONLY, 0, 1ULL << 40);
  try("BENEATH|IN_ROOT", AT_FDCWD, "d/f", O_RDONLY, 0, BENEATH | IN_ROOT);
  try("unknown flag before unknown resolve", AT_FDCWD, "d/f", 04, 0, 0x40);
  try("CACHED", AT_FDCWD, "d/f", O_RDONLY, 0, CACHED);
  try("CACHED|O_TRUNC", AT_FDCWD, "d/f", O_WRONLY | O_TRUNC, 0, CACHED);
  try("CACHED|O_CREAT", AT_FDCWD, "d/f", O_WRONLY | O_CREAT, 0600, CACHED);
  try("CACHED|O_TMPFILE", AT_FDCWD, "d", O_TMPFILE | O_RDWR, 0600, CACHED);
  try("CACHED|O_TMPFILE read-only: EINVAL first", AT_FDCWD, "d", O_TMPFILE | O_RDONLY, 0600, CACHED);
  try("CACHED|O_CREAT bad mode: EINVAL first", AT_FDCWD, "d/f", O_CREAT | O_WRONLY, 010000, CACHED);
  try("CACHED|O_CREAT bad resolve: EINVAL first", AT_FDCWD, "d/f", O_CREAT | O_WRONLY, 0600, CACHED | 0x40);

  // What openat2 opened, as openat would have.
  long fd = o2(AT_FDCWD, "d/f", O_RDONLY | O_CLOEXEC, 0, 0);
  printf("O_CLOEXEC: fd flags %d, status flags %#x\n", fcntl((int)fd, F_GETFD), fcntl((int)fd, F_GETFL));
  close((int)fd);
  fd = o2(AT_FDCWD, "d", O_PATH | O_DIRECTORY, 0, 0);
  printf("O_PATH|O_DIRECTORY: status flags %#x\n", fcntl((int)fd, F_GETFL));
  close((int)fd);
  fd = o2(AT_FDCWD, "d/m2", O_CREAT | O_EXCL | O_WRONLY, 0640, 0);
  struct stat s;
  fstat((int)fd, &s);
  printf("O_CREAT mode 0640: fd %s, mode %o\n", fd >= 0 ? "ok" : strerrorname_np(errno), s.st_mode & 07777);
  close((int)fd);
  try("O_CREAT|O_EXCL of an existing file", AT_FDCWD, "d/m2", O_CREAT | O_EXCL | O_WRONLY, 0640, 0);
  try("O_CREAT mode 07777 is valid", AT_FDCWD, "d/m2", O_CREAT | O_RDONLY, 07777, 0);
  try("bad dirfd", 999, "f", O_RDONLY, 0, 0);
  try("bad dirfd, absolute path", 999, "/", O_RDONLY | O_DIRECTORY, 0, 0);
  try("bad dirfd, absolute path, IN_ROOT", 999, "/f", O_RDONLY, 0, IN_ROOT);
  try("bad dirfd, absolute path, BENEATH", 999, "/f", O_RDONLY, 0, BENEATH);
  int file = open("d/f", O_RDONLY);
  try("dirfd a file", file, "x", O_RDONLY, 0, 0);
  try("dirfd a file, BENEATH", file, "x", O_RDONLY, 0, BENEATH);
  close(file);
}

/* Open d/f; its magic link's path, `prefix` and the fd number, into `path` (64 bytes). */
static int open_with_link(char *path, const char *prefix) {
  int fd = open("d/f", O_RDONLY);
  snprintf(path, 64, "%s%d", prefix, fd);
  return fd;
}

static void no_symlinks(int d) {
  printf("-- RESOLVE_NO_SYMLINKS\n");
  char fdpath[64];
  int fd = open_with_link(fdpath, "/proc/self/fd/");
  try("plain file", AT_FDCWD, "d/f", O_RDONLY, 0, NO_SYMLINKS);
  try("symlink, no flags", AT_FDCWD, "d/rel", O_RDONLY, 0, 0);
  try("symlink", AT_FDCWD, "d/rel", O_RDONLY, 0, NO_SYMLINKS);
  try("symlink, O_NOFOLLOW", AT_FDCWD, "d/rel", O_RDONLY | O_NOFOLLOW, 0, NO_SYMLINKS);
  try("symlink, O_PATH|O_NOFOLLOW", AT_FDCWD, "d/rel", O_PATH | O_NOFOLLOW, 0, NO_SYMLINKS);
  try("symlink with a trailing slash", AT_FDCWD, "d/rel/", O_RDONLY, 0, 0);
  try("symlink with a trailing slash", AT_FDCWD, "d/rel/", O_RDONLY, 0, NO_SYMLINKS);
  try("symlink to a directory on the way", AT_FDCWD, "dlink/f", O_RDONLY, 0, NO_SYMLINKS);
  try("symlink to a directory on the way, no flags", AT_FDCWD, "dlink/f", O_RDONLY, 0, 0);
  try("symlink loop", AT_FDCWD, "d/loop", O_RDONLY, 0, NO_SYMLINKS);
  try("dangling symlink", AT_FDCWD, "d/dangling", O_RDONLY, 0, NO_SYMLINKS);
  try("dangling symlink, O_CREAT", AT_FDCWD, "d/dangling", O_CREAT | O_WRONLY, 0600, NO_SYMLINKS);
  try("O_CREAT of a new name", AT_FDCWD, "d/new-ns", O_CREAT | O_WRONLY, 0600, NO_SYMLINKS);
  try("magic link", AT_FDCWD, fdpath, O_RDONLY, 0, NO_SYMLINKS);
  try("/proc/self", AT_FDCWD, "/proc/self", O_RDONLY | O_DIRECTORY, 0, NO_SYMLINKS);
  try("symlink beneath dirfd", d, "sub/uplink", O_RDONLY, 0, NO_SYMLINKS | BENEATH);
  close(fd);
}

static void no_magiclinks(void) {
  printf("-- RESOLVE_NO_MAGICLINKS\n");
  char self[64], bypid[64];
  int fd = open("d/f", O_RDONLY);
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  snprintf(bypid, sizeof bypid, "/proc/%d/fd/%d", (int)getpid(), fd);
  link_(self, "tofd");
  try("/proc/self/fd/N, no flags", AT_FDCWD, self, O_RDONLY, 0, 0);
  try("/proc/self/fd/N", AT_FDCWD, self, O_RDONLY, 0, NO_MAGICLINKS);
  try("/proc/<pid>/fd/N", AT_FDCWD, bypid, O_RDONLY, 0, NO_MAGICLINKS);
  try("/proc/self/fd/N, O_PATH|O_NOFOLLOW", AT_FDCWD, self, O_PATH | O_NOFOLLOW, 0, NO_MAGICLINKS);
  try("/proc/self/fd/N, O_NOFOLLOW", AT_FDCWD, self, O_RDONLY | O_NOFOLLOW, 0, NO_MAGICLINKS);
  try("symlink to /proc/self/fd/N", AT_FDCWD, "tofd", O_RDONLY, 0, NO_MAGICLINKS);
  try("symlink to /proc/self/fd/N, no flags", AT_FDCWD, "tofd", O_RDONLY, 0, 0);
  try("ordinary symlink", AT_FDCWD, "d/rel", O_RDONLY, 0, NO_MAGICLINKS);
  try("/proc/self (not magic)", AT_FDCWD, "/proc/self", O_RDONLY | O_DIRECTORY, 0, NO_MAGICLINKS);
  try("/proc/self/cwd, no flags", AT_FDCWD, "/proc/self/cwd", O_RDONLY | O_DIRECTORY, 0, 0);
  try("/proc/self/cwd", AT_FDCWD, "/proc/self/cwd", O_RDONLY | O_DIRECTORY, 0, NO_MAGICLINKS);
  try("/proc/self/root", AT_FDCWD, "/proc/self/root", O_RDONLY | O_DIRECTORY, 0, NO_MAGICLINKS);
  try("/proc/self/exe", AT_FDCWD, "/proc/self/exe", O_PATH, 0, NO_MAGICLINKS);
  try("/proc/self/exe, no flags", AT_FDCWD, "/proc/self/exe", O_PATH, 0, 0);
  try("/proc/self/cwd/d/f", AT_FDCWD, "/proc/self/cwd/d/f", O_RDONLY, 0, NO_MAGICLINKS);
  try("/dev/stdin", AT_FDCWD, "/dev/stdin", O_RDONLY, 0, NO_MAGICLINKS);
  unlink("tofd");
  close(fd);
}

static void no_xdev(const char *scratch) {
  printf("-- RESOLVE_NO_XDEV\n");
  int root = open("/", O_PATH | O_DIRECTORY);
  int proc = open("/proc", O_PATH | O_DIRECTORY);
  int dev = open("/dev", O_PATH | O_DIRECTORY);
  int file = open("d/f", O_RDONLY);
  int procfile = open("/proc/self/stat", O_RDONLY);
  int pipefd[2];
  if (pipe(pipefd) != 0) printf("pipe: %s\n", strerrorname_np(errno));
  char path[64];
  try("/ → etc", root, "etc", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("/ → proc", root, "proc", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("/ → proc, O_PATH", root, "proc", O_PATH, 0, NO_XDEV);
  try("/ → proc/self/stat", root, "proc/self/stat", O_RDONLY, 0, NO_XDEV);
  try("/ → dev/null", root, "dev/null", O_RDONLY, 0, NO_XDEV);
  try("/ → dev/null, no flags", root, "dev/null", O_RDONLY, 0, 0);
  try("/ → proc, O_CREAT", root, "proc", O_CREAT | O_RDONLY, 0600, NO_XDEV);
  try("/ → ..", root, "..", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("/proc → .", proc, ".", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("/proc → self (a symlink within)", proc, "self", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("/proc → ..", proc, "..", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("/proc → ../etc", proc, "../etc", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("/proc → self/..", proc, "self/..", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  snprintf(path, sizeof path, "self/fd/%d", file);
  try("/proc → magic link to a file on /", proc, path, O_RDONLY, 0, NO_XDEV);
  try("/proc → magic link to a file on /, no flags", proc, path, O_RDONLY, 0, 0);
  snprintf(path, sizeof path, "self/fd/%d", procfile);
  try("/proc → magic link to a file on /proc", proc, path, O_PATH, 0, NO_XDEV);
  snprintf(path, sizeof path, "self/fd/%d", pipefd[0]);
  try("/proc → magic link to a pipe", proc, path, O_RDONLY | O_NONBLOCK, 0, NO_XDEV);
  try("/proc → self/cwd", proc, "self/cwd", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("/proc → self/cwd, no flags", proc, "self/cwd", O_RDONLY | O_DIRECTORY, 0, 0);
  try("/dev → null", dev, "null", O_RDONLY, 0, NO_XDEV);
  try("/dev → shm", dev, "shm", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("/dev → stdin (absolute symlink from /dev)", dev, "stdin", O_RDONLY, 0, NO_XDEV);
  try("/dev → ..", dev, "..", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("absolute path from /proc", proc, "/etc", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("absolute path into /proc", AT_FDCWD, "/proc/self/stat", O_RDONLY, 0, NO_XDEV);
  try("absolute path /", proc, "/", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("relative walk in one mount", AT_FDCWD, "d/sub/../f", O_RDONLY, 0, NO_XDEV);
  try("relative symlink in one mount", AT_FDCWD, "d/rel", O_RDONLY, 0, NO_XDEV);
  // An absolute symlink is refused until Linux has fetched the root (an absolute path or a '..'
  // before it), and then from any mount but the root's.
  try("absolute symlink, first thing", AT_FDCWD, "d/absroot", O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
  try("absolute symlink, first thing, no flags", AT_FDCWD, "d/absroot", O_RDONLY | O_DIRECTORY, 0, 0);
  struct stat here, top;
  stat(".", &here);
  stat("/", &top);
  int want = here.st_dev == top.st_dev ? 0 : EXDEV;
  char abs[PATH_MAX];
  snprintf(abs, sizeof abs, "%s/d/absroot", scratch);
  const char *after[] = {"d/../d/absroot", abs};
  for (int i = 0; i < 2; i++) {
    errno = 0;
    long fd = o2(AT_FDCWD, after[i], O_RDONLY | O_DIRECTORY, 0, NO_XDEV);
    int got = fd < 0 ? errno : 0;
    printf("absolute symlink after %s: %s\n", i == 0 ? "'..'" : "an absolute path", got == want ? "as expected" : strerrorname_np(got));
    if (fd >= 0) close((int)fd);
  }
  close(root);
  close(proc);
  close(dev);
  close(file);
  close(procfile);
  close(pipefd[0]);
  close(pipefd[1]);
}

static void beneath(int d) {
  printf("-- RESOLVE_BENEATH\n");
  char fdpath[64];
  int fd = open_with_link(fdpath, "self/fd/");
  int proc = open("/proc", O_PATH | O_DIRECTORY);
  try("f", d, "f", O_RDONLY, 0, BENEATH);
  try(".", d, ".", O_RDONLY | O_DIRECTORY, 0, BENEATH);
  try("sub/g", d, "sub/g", O_RDONLY, 0, BENEATH);
  try("sub/../f", d, "sub/../f", O_RDONLY, 0, BENEATH);
  try("./sub/./g", d, "./sub/./g", O_RDONLY, 0, BENEATH);
  try("rel (→ f)", d, "rel", O_RDONLY, 0, BENEATH);
  try("sub/uplink (→ ../f)", d, "sub/uplink", O_RDONLY, 0, BENEATH);
  try("..", d, "..", O_RDONLY | O_DIRECTORY, 0, BENEATH);
  try("../d/f", d, "../d/f", O_RDONLY, 0, BENEATH);
  try("../nonexistent", d, "../nonexistent", O_RDONLY, 0, BENEATH);
  try("sub/../../d/f", d, "sub/../../d/f", O_RDONLY, 0, BENEATH);
  try("/f (absolute)", d, "/f", O_RDONLY, 0, BENEATH);
  try("/ (absolute)", d, "/", O_RDONLY | O_DIRECTORY, 0, BENEATH);
  try("abs (→ /sub/g)", d, "abs", O_RDONLY, 0, BENEATH);
  try("abs (→ /sub/g), no flags", d, "abs", O_RDONLY, 0, 0);
  try("escape (→ ../outside)", d, "escape", O_RDONLY, 0, BENEATH);
  try("escape (→ ../outside), no flags", d, "escape", O_RDONLY, 0, 0);
  try("upx (→ ..)", d, "upx", O_RDONLY | O_DIRECTORY, 0, BENEATH);
  try("upx (→ ..), O_PATH|O_NOFOLLOW", d, "upx", O_PATH | O_NOFOLLOW, 0, BENEATH);
  try("AT_FDCWD d/f", AT_FDCWD, "d/f", O_RDONLY, 0, BENEATH);
  try("AT_FDCWD ../x", AT_FDCWD, "../x", O_RDONLY, 0, BENEATH);
  try("magic link from /proc", proc, fdpath, O_RDONLY, 0, BENEATH);
  try("/proc → self/cwd", proc, "self/cwd", O_RDONLY | O_DIRECTORY, 0, BENEATH);
  try("O_CREAT beneath", d, "new-beneath", O_CREAT | O_WRONLY, 0600, BENEATH);
  try("O_CREAT above", d, "../new-above", O_CREAT | O_WRONLY, 0600, BENEATH);
  try("O_CREAT through an absolute symlink", d, "absnew", O_CREAT | O_WRONLY, 0600, BENEATH);
  try("O_CREAT through an escaping symlink", d, "escape-new", O_CREAT | O_WRONLY, 0600, BENEATH);
  printf("../new-above exists: %d\n", access("new-above", F_OK) == 0);
  close(proc);
  close(fd);
}

static void in_root(int d) {
  printf("-- RESOLVE_IN_ROOT\n");
  char fdpath[64];
  int fd = open_with_link(fdpath, "/proc/self/fd/");
  int proc = open("/proc", O_PATH | O_DIRECTORY);
  int fds = open("/proc/self/fd", O_PATH | O_DIRECTORY);
  char n[16];
  snprintf(n, sizeof n, "%d", fd);
  try("f", d, "f", O_RDONLY, 0, IN_ROOT);
  try("/f", d, "/f", O_RDONLY, 0, IN_ROOT);
  try("//sub//g", d, "//sub//g", O_RDONLY, 0, IN_ROOT);
  try("/", d, "/", O_RDONLY | O_DIRECTORY, 0, IN_ROOT);
  try("..", d, "..", O_RDONLY | O_DIRECTORY, 0, IN_ROOT);
  try("../..", d, "../..", O_RDONLY | O_DIRECTORY, 0, IN_ROOT);
  try("../../f", d, "../../f", O_RDONLY, 0, IN_ROOT);
  try("sub/../../sub/g", d, "sub/../../sub/g", O_RDONLY, 0, IN_ROOT);
  try("abs (→ /sub/g)", d, "abs", O_RDONLY, 0, IN_ROOT);
  try("absroot (→ /)", d, "absroot", O_RDONLY | O_DIRECTORY, 0, IN_ROOT);
  try("escape (→ ../outside)", d, "escape", O_RDONLY, 0, IN_ROOT);
  try("upx (→ ..)", d, "upx", O_RDONLY | O_DIRECTORY, 0, IN_ROOT);
  try("sub/uplink (→ ../f)", d, "sub/uplink", O_RDONLY, 0, IN_ROOT);
  try("/proc/self/fd/N (absent here)", d, fdpath, O_RDONLY, 0, IN_ROOT);
  try("magic link from /proc/self/fd", fds, n, O_RDONLY, 0, IN_ROOT);
  try("magic link from /proc/self/fd, no flags", fds, n, O_RDONLY, 0, 0);
  try("/proc → self/root", proc, "self/root", O_RDONLY | O_DIRECTORY, 0, IN_ROOT);
  try("/proc → self (a relative symlink)", proc, "self", O_RDONLY | O_DIRECTORY, 0, IN_ROOT);
  try("AT_FDCWD /d/f", AT_FDCWD, "/d/f", O_RDONLY, 0, IN_ROOT);
  try("AT_FDCWD ../d/f", AT_FDCWD, "../d/f", O_RDONLY, 0, IN_ROOT);
  try("O_CREAT /made", d, "/made", O_CREAT | O_WRONLY, 0600, IN_ROOT);
  printf("d/made exists: %d\n", access("d/made", F_OK) == 0);
  try("O_CREAT through absnew (→ /made2)", d, "absnew", O_CREAT | O_WRONLY, 0600, IN_ROOT);
  printf("d/made2 exists: %d\n", access("d/made2", F_OK) == 0);
  try("O_CREAT ../../made3", d, "../../made3", O_CREAT | O_WRONLY, 0600, IN_ROOT);
  printf("d/made3 exists: %d\n", access("d/made3", F_OK) == 0);
  try("O_PATH|O_NOFOLLOW of abs", d, "abs", O_PATH | O_NOFOLLOW, 0, IN_ROOT);
  close(fds);
  close(proc);
  close(fd);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  umask(022);
  char scratch[] = "/tmp/openat2.XXXXXX";
  if (mkdtemp(scratch) == NULL || chdir(scratch) != 0) {
    printf("scratch directory: %s\n", strerrorname_np(errno));
    return 1;
  }
  mkdir("d", 0755);
  mkdir("d/sub", 0755);
  put("d/f", "in d\n");
  put("d/sub/g", "in d/sub\n");
  put("outside", "outside d\n");
  link_("f", "d/rel");
  link_("../f", "d/sub/uplink");
  link_("../outside", "d/escape");
  link_("../escaped-new", "d/escape-new");
  link_("/sub/g", "d/abs");
  link_("/", "d/absroot");
  link_("/made2", "d/absnew");
  link_("..", "d/upx");
  link_("loop", "d/loop");
  link_("nonexistent", "d/dangling");
  link_("d", "dlink");
  know("scratch", ".");
  know("d", "d");
  know("d/sub", "d/sub");
  know("/", "/");
  know("/proc", "/proc");
  know("/dev", "/dev");
  know("/etc", "/etc");

  int d = open("d", O_PATH | O_DIRECTORY);
  open_how_struct();
  flag_checks();
  no_symlinks(d);
  no_magiclinks();
  no_xdev(scratch);
  beneath(d);
  in_root(d);
  close(d);

  if (chdir("/") != 0 || nftw(scratch, rm, 16, FTW_DEPTH | FTW_PHYS) != 0) printf("cleanup failed\n");
  return 0;
}
