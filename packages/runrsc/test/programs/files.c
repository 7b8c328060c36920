// Conformance: files — open flags (O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW,
// O_PATH), the deterministic fields of stat and statx, stat after each kind of change, rename/link/unlink, a 10 000-entry
// directory read with getdents64 through small and large buffers, pipes (blocking, EOF, EPIPE),
// epoll and AF_UNIX socket pairs passing descriptors, sendfile and copy_file_range. Works in a
// fresh directory of its own.
//
// With an argument, runs only the section of that name (after the open section, which makes the
// files the others use); "pending" holds the cases the sandbox does not pass yet.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

// Arguments are evaluated in any order: run the call first, then print its result and errno.
#define CALL(expr) (errno = 0, rv = (long)(expr), er = errno)
static long rv;
static int er;

static void show(const char *what) { printf("%s = %ld errno %d\n", what, rv, er); }

/** Prints what is the same on every file system: type, permission bits, link count, size. */
static void st(const char *path, int follow) {
  struct stat s;
  int r = follow ? stat(path, &s) : lstat(path, &s);
  if (r != 0) { printf("stat %s: errno %d\n", path, errno); return; }
  // Directory sizes depend on the file system: only regular files and symlinks show theirs.
  long size = S_ISDIR(s.st_mode) ? 0 : (long)s.st_size;
  printf("%s: type %o mode %o nlink %lu size %ld\n", path, s.st_mode & S_IFMT, s.st_mode & 07777,
         (unsigned long)s.st_nlink, size);
}

static void fst(const char *what, int fd) {
  struct stat s;
  if (fstat(fd, &s) != 0) { printf("fstat %s: errno %d\n", what, errno); return; }
  long size = S_ISDIR(s.st_mode) ? 0 : (long)s.st_size;
  printf("fstat %s: type %o mode %o nlink %lu size %ld\n", what, s.st_mode & S_IFMT,
         s.st_mode & 07777, (unsigned long)s.st_nlink, size);
}

static void sx(const char *what, int dirfd, const char *path, int flags) {
  struct statx s;
  memset(&s, 0, sizeof s);
  CALL(statx(dirfd, path, flags, STATX_BASIC_STATS, &s));
  if (rv != 0) { show(what); return; }
  // Which of the basic fields come back is the file system's choice; type and mode always do.
  long size = S_ISDIR(s.stx_mode) ? 0 : (long)s.stx_size;
  printf("statx %s: has type+mode %d type %o mode %o nlink %u size %ld\n", what,
         (s.stx_mask & (STATX_TYPE | STATX_MODE)) == (STATX_TYPE | STATX_MODE),
         s.stx_mode & S_IFMT, s.stx_mode & 07777, s.stx_nlink, size);
}

static void cat(const char *path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (n < 0) { printf("cat %s: errno %d\n", path, errno); if (fd >= 0) close(fd); return; }
  buf[n] = 0;
  printf("%s: \"%s\"\n", path, buf);
  close(fd);
}

static void put(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) printf("put %s failed\n", path);
  close(fd);
}

static void open_flags(void) {
  int fd;
  char buf[16];
  CALL(fd = open("a", O_RDWR | O_CREAT | O_EXCL, 0640)); show("open O_CREAT|O_EXCL new");
  CALL(write(fd, "abcdef", 6)); show("write");
  close(fd);
  CALL(open("a", O_RDWR | O_CREAT | O_EXCL, 0640)); show("open O_CREAT|O_EXCL existing");
  CALL(open("missing", O_RDONLY)); show("open missing without O_CREAT");
  CALL(fd = open("a", O_RDWR | O_CREAT, 0600)); show("open O_CREAT existing keeps mode");
  close(fd);
  st("a", 1);
  CALL(fd = open("a", O_WRONLY | O_APPEND)); show("open O_APPEND");
  CALL(lseek(fd, 0, SEEK_SET)); show("lseek 0");
  CALL(write(fd, "gh", 2)); show("write appends");
  CALL(lseek(fd, 0, SEEK_CUR)); show("offset after append");
  close(fd);
  cat("a");
  CALL(fd = open("a", O_RDONLY | O_TRUNC)); show("open O_RDONLY|O_TRUNC");
  close(fd);
  st("a", 1);
  put("a", "abcdef");
  CALL(fd = open("a", O_WRONLY | O_TRUNC)); show("open O_TRUNC");
  close(fd);
  st("a", 1);

  mkdir("d", 0755);
  symlink("a", "la");
  symlink("d", "ld");
  symlink("nowhere", "dangling");
  CALL(fd = open("d", O_RDONLY | O_DIRECTORY)); show("open dir O_DIRECTORY"); close(fd);
  CALL(open("a", O_RDONLY | O_DIRECTORY)); show("open file O_DIRECTORY");
  CALL(fd = open("ld", O_RDONLY | O_DIRECTORY)); show("open symlink-to-dir O_DIRECTORY"); close(fd);
  CALL(open("d", O_WRONLY)); show("open dir O_WRONLY");
  CALL(open("d", O_RDWR)); show("open dir O_RDWR");
  CALL(open("a/x", O_RDONLY)); show("open through a file");
  CALL(open("la", O_RDONLY | O_NOFOLLOW)); show("open symlink O_NOFOLLOW");
  CALL(fd = open("la", O_RDONLY)); show("open symlink follows"); close(fd);
  CALL(open("dangling", O_RDONLY)); show("open dangling symlink");
  CALL(fd = open("ld/inner", O_WRONLY | O_CREAT | O_NOFOLLOW, 0644)); show("O_NOFOLLOW only binds the last component");
  close(fd);
  CALL(open("la", O_WRONLY | O_CREAT | O_EXCL, 0644)); show("O_CREAT|O_EXCL on a symlink");

  // O_PATH: a location, not an open file.
  CALL(fd = open("a", O_PATH)); show("open O_PATH");
  CALL(read(fd, buf, 1)); show("read O_PATH");
  CALL(write(fd, "x", 1)); show("write O_PATH");
  fst("O_PATH file", fd);
  CALL(fcntl(fd, F_GETFL) & (O_PATH | O_ACCMODE)); show("F_GETFL O_PATH");
  close(fd);
  CALL(fd = open("la", O_PATH | O_NOFOLLOW)); show("open O_PATH|O_NOFOLLOW symlink");
  fst("O_PATH symlink", fd);
  close(fd);
  CALL(fd = open("d", O_PATH | O_DIRECTORY)); show("open O_PATH dir");
  int in;
  CALL(in = openat(fd, "inner", O_RDONLY)); show("openat relative to O_PATH dir");
  close(in);
  CALL(fchdir(fd)); show("fchdir O_PATH dir");
  st("inner", 0);
  CALL(chdir("..")); show("chdir ..");
  close(fd);
  CALL(open("dangling", O_PATH)); show("open O_PATH dangling");
  CALL(fd = open("dangling", O_PATH | O_NOFOLLOW)); show("open O_PATH|O_NOFOLLOW dangling");
  close(fd);
  CALL(fd = open(".", O_RDONLY | O_CLOEXEC)); show("open . O_CLOEXEC");
  CALL(fcntl(fd, F_GETFD)); show("F_GETFD");
  close(fd);
}

static void stats(void) {
  st("a", 1);
  st("d", 1);
  st("la", 0);
  st("la", 1);
  st("dangling", 0);
  st("dangling", 1);
  chmod("a", 04751);
  st("a", 1);
  chmod("a", 0644);
  sx("a", AT_FDCWD, "a", 0);
  sx("d", AT_FDCWD, "d", 0);
  sx("la nofollow", AT_FDCWD, "la", AT_SYMLINK_NOFOLLOW);
  sx("la follow", AT_FDCWD, "la", 0);
  int fd = open("a", O_RDONLY);
  sx("empty path", fd, "", AT_EMPTY_PATH);
  sx("empty path without flag", fd, "", 0);
  close(fd);
  sx("missing", AT_FDCWD, "missing", 0);
  sx("bad flags", AT_FDCWD, "a", 0x40000000);
}

/**
 * Stats `path` and an fd of it just opened, and prints whether the two agree on every attribute,
 * then the attributes that are the same on every run. A kernel that keeps a file's attributes
 * between stats must drop them at each change; fstat of a new fd reads the file itself.
 */
static void check(const char *what, const char *path) {
  struct stat a, b;
  if (stat(path, &a) != 0) { printf("%s: stat errno %d\n", what, errno); return; }
  int fd = open(path, O_RDONLY);
  if (fd < 0 || fstat(fd, &b) != 0) { printf("%s: fstat errno %d\n", what, errno); return; }
  close(fd);
  int same = a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_mode == b.st_mode &&
             a.st_nlink == b.st_nlink && a.st_uid == b.st_uid && a.st_gid == b.st_gid &&
             a.st_size == b.st_size && a.st_blocks == b.st_blocks &&
             a.st_atim.tv_sec == b.st_atim.tv_sec && a.st_atim.tv_nsec == b.st_atim.tv_nsec &&
             a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
             a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
  printf("%s: stat matches fstat %d mode %o nlink %lu size %ld\n", what, same, a.st_mode & 07777,
         (unsigned long)a.st_nlink, S_ISDIR(a.st_mode) ? 0 : (long)a.st_size);
}

// Every kind of change is seen by the next stat: writes, truncation, modes, times (atime by a
// read too), links and renames, through the path or through an fd.
static void attributes(void) {
  put("at", "one");
  check("created", "at");
  int fd = open("at", O_WRONLY | O_APPEND);
  check("opened for writing", "at");
  if (write(fd, "two", 3) != 3) printf("write failed\n");
  check("written, still open", "at");
  close(fd);
  check("closed", "at");
  truncate("at", 1);
  check("truncate", "at");
  chmod("at", 0600);
  check("chmod", "at");
  struct timespec times[2] = {{1000, 0}, {2000, 0}};
  utimensat(AT_FDCWD, "at", times, 0);
  check("utimensat", "at");
  struct stat s;
  stat("at", &s);
  printf("times set: atime %ld mtime %ld\n", (long)s.st_atim.tv_sec, (long)s.st_mtim.tv_sec);
  char c;
  fd = open("at", O_RDONLY);
  if (read(fd, &c, 1) != 1) printf("read failed\n");
  close(fd);
  check("read", "at");
  stat("at", &s);
  printf("read moved atime past mtime %d\n", s.st_atim.tv_sec > 2000);
  link("at", "at2");
  check("linked", "at");
  check("the new name", "at2");
  fd = open("at", O_WRONLY);
  fchmod(fd, 0640);
  check("fchmod through the other name", "at2");
  if (ftruncate(fd, 7) != 0) printf("ftruncate failed\n");
  check("ftruncate", "at2");
  close(fd);
  unlink("at2");
  check("unlinked the other name", "at");
  rename("at", "at3");
  check("renamed", "at3");
  close(open("at3", O_WRONLY | O_TRUNC));
  check("O_TRUNC", "at3");
  unlink("at3");
  // A directory's: entries made and removed in it, a listing (its atime), a chmod.
  mkdir("ad", 0755);
  check("directory made", "ad");
  put("ad/f", "x");
  check("a file made in it", "ad");
  mkdir("ad/sub", 0755);
  check("a subdirectory made in it", "ad");
  rmdir("ad/sub");
  check("the subdirectory removed", "ad");
  DIR *dir = opendir("ad");
  while (dir && readdir(dir)) {}
  if (dir) closedir(dir);
  check("listed", "ad");
  rename("ad/f", "ad/g");
  check("an entry renamed", "ad");
  chmod("ad", 0700);
  check("chmod", "ad");
  unlink("ad/g");
  check("an entry removed", "ad");
  rmdir("ad");
}

static void names(void) {
  put("r1", "one");
  put("r2", "two");
  CALL(rename("r1", "r2")); show("rename over a file");
  cat("r2");
  st("r1", 0);
  CALL(rename("r2", "r2")); show("rename to itself");
  mkdir("e1", 0755);
  mkdir("e2", 0755);
  mkdir("full", 0755);
  put("full/x", "x");
  CALL(rename("e1", "e2")); show("rename dir over empty dir");
  CALL(rename("e2", "full")); show("rename dir over non-empty dir");
  CALL(rename("r2", "full")); show("rename file over dir");
  CALL(rename("full", "r2")); show("rename dir over file");
  CALL(rename("full", "full/sub")); show("rename dir into itself");
  CALL(rename("missing", "x")); show("rename missing");
  CALL(link("r2", "r3")); show("link");
  st("r2", 0);
  CALL(link("r2", "r3")); show("link existing");
  CALL(link("full", "full2")); show("link dir");
  put("r3", "three");
  cat("r2");
  CALL(unlink("r2")); show("unlink");
  st("r3", 0);
  CALL(unlink("r2")); show("unlink again");
  CALL(unlink("full")); show("unlink dir");
  CALL(rmdir("full")); show("rmdir non-empty");
  CALL(rmdir("r3")); show("rmdir file");
  CALL(unlink("full/x")); show("unlink full/x");
  CALL(rmdir("full")); show("rmdir now empty");
  CALL(rmdir("e2")); show("rmdir e2");
  CALL(rmdir(".")); show("rmdir .");
  CALL(renameat2(AT_FDCWD, "r3", AT_FDCWD, "a", RENAME_NOREPLACE)); show("RENAME_NOREPLACE");
  CALL(renameat2(AT_FDCWD, "r3", AT_FDCWD, "a", RENAME_EXCHANGE)); show("RENAME_EXCHANGE");
  cat("a");
  cat("r3");
  unlink("r3");
}

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/**
 * Reads the whole directory with getdents64 (or the old getdents: `legacy`, whose records keep
 * d_type in their last byte) through a `size`-byte buffer; checks each name once.
 */
static void list_dir_with(const char *path, size_t size, int count, int legacy) {
  static unsigned char seen[10000];
  char *buf = malloc(size);
  memset(seen, 0, sizeof seen);
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  long entries = 0, dots = 0, dupes = 0, strays = 0, calls = 0, regular = 0;
  for (;;) {
    long n = syscall(legacy ? SYS_getdents : SYS_getdents64, fd, buf, size);
    if (n < 0) { printf("getdents errno %d\n", errno); break; }
    if (n == 0) break;
    calls++;
    for (long off = 0; off < n;) {
      struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
      const char *name = legacy ? (char *)d + 18 : d->d_name;
      unsigned char type = legacy ? ((unsigned char *)d)[d->d_reclen - 1] : d->d_type;
      off += d->d_reclen;
      entries++;
      if (!strcmp(name, ".") || !strcmp(name, "..")) { dots++; continue; }
      if (type == DT_REG) regular++;
      int i = atoi(name + 1);
      if (name[0] != 'f' || i < 0 || i >= count) strays++;
      else if (seen[i]++) dupes++;
    }
  }
  long missing = 0;
  for (int i = 0; i < count; i++) missing += !seen[i];
  // Small buffers must take many calls; how many depends on name lengths, not the file system.
  printf("%s buffer %zu: entries %ld dots %ld regular %ld dupes %ld strays %ld missing %ld many-calls %d\n",
         legacy ? "getdents" : "getdents64", size, entries, dots, regular, dupes, strays, missing, calls > (long)(count / 1000));
  close(fd);
  free(buf);
}

static void list_dir(const char *path, size_t size, int count) {
  list_dir_with(path, size, count, 0);
}

/** The names a getdents64 call returns, joined, into `out`; the d_off of its `k`th record into `*off`. */
static long names_at(int fd, size_t size, char *out, int k, off_t *off) {
  char buf[4096];
  long n = syscall(SYS_getdents64, fd, buf, size);
  out[0] = 0;
  int i = 0;
  for (long at = 0; at < n; i++) {
    struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + at);
    if (i == k && off) *off = d->d_off;
    strcat(out, d->d_name);
    strcat(out, ",");
    at += d->d_reclen;
  }
  return n;
}

// Directory positions: a record's d_off and telldir give a place that lseek and seekdir return to,
// whatever the file system uses for them (ext4 hashes natively), and rewinddir starts again.
static void positions(void) {
  char name[32], first[4096], again[4096];
  mkdir("pos", 0755);
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "pos/e%03d", i);
    close(open(name, O_WRONLY | O_CREAT, 0644));
  }
  int fd = open("pos", O_RDONLY | O_DIRECTORY);
  off_t off = -1;
  names_at(fd, 512, first, 4, &off); // a small buffer: a dozen records
  names_at(fd, 512, first, -1, NULL);
  CALL(lseek(fd, off, SEEK_SET));
  printf("lseek to the fifth record's d_off returns it: %d errno %d\n", rv == off, er);
  // After the fifth record: the rest of the first call's names, then the second call's.
  char rest[4096];
  names_at(fd, 2048, rest, -1, NULL);
  lseek(fd, 0, SEEK_SET);
  char whole[8192] = "";
  names_at(fd, 4096, whole, -1, NULL);
  char *fifth = whole;
  for (int i = 0; i < 5 && fifth; i++) fifth = strchr(fifth, ',') ? strchr(fifth, ',') + 1 : NULL;
  printf("names after the d_off are the ones after the fifth record: %d\n",
         fifth != NULL && strncmp(rest, fifth, strlen(rest) < strlen(fifth) ? strlen(rest) : strlen(fifth)) == 0);
  close(fd);

  DIR *d = opendir("pos");
  for (int i = 0; i < 100; i++) readdir(d);
  long here = telldir(d);
  first[0] = 0;
  for (int i = 0; i < 50; i++) { strcat(first, readdir(d)->d_name); strcat(first, ","); }
  for (struct dirent *e; (e = readdir(d));) {}
  seekdir(d, here);
  again[0] = 0;
  for (int i = 0; i < 50; i++) { strcat(again, readdir(d)->d_name); strcat(again, ","); }
  printf("seekdir to telldir's place reads the same 50 names: %d\n", strcmp(first, again) == 0);
  rewinddir(d);
  long count = 0;
  while (readdir(d)) count++;
  printf("rewinddir, then entries %ld\n", count);
  closedir(d);
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "pos/e%03d", i);
    unlink(name);
  }
  CALL(rmdir("pos")); show("rmdir pos");
}

static void big_directory(void) {
  enum { COUNT = 10000 };
  char name[32];
  mkdir("big", 0755);
  int dir = open("big", O_RDONLY | O_DIRECTORY);
  long failures = 0;
  for (int i = 0; i < COUNT; i++) {
    snprintf(name, sizeof name, "f%d", i);
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) failures++;
    else close(fd);
  }
  printf("created %d failures %ld\n", COUNT, failures);
  st("big", 0);
  list_dir("big", 128, COUNT);
  list_dir("big", 1 << 16, COUNT);
  list_dir("big", 1 << 20, COUNT);
  list_dir_with("big", 128, COUNT, 1);
  list_dir_with("big", 1 << 16, COUNT, 1);
  char tiny[8];
  CALL(syscall(SYS_getdents64, dir, tiny, sizeof tiny)); show("getdents64 buffer too small");
  CALL(syscall(SYS_getdents64, open("a", O_RDONLY), tiny, sizeof tiny)); show("getdents64 on a file");
  CALL(syscall(SYS_getdents, dir, tiny, sizeof tiny)); show("getdents buffer too small");
  CALL(syscall(SYS_getdents, dir, (void *)8, 4096)); show("getdents to a bad address");
  // readdir after removing half: the rest are listed once each.
  for (int i = 0; i < COUNT; i += 2) {
    snprintf(name, sizeof name, "f%d", i);
    if (unlinkat(dir, name, 0) != 0) failures++;
  }
  DIR *d = opendir("big");
  long left = 0;
  for (struct dirent *e; (e = readdir(d));) left += e->d_name[0] == 'f' && atoi(e->d_name + 1) % 2 == 1;
  closedir(d);
  printf("after removing evens: odd names listed %ld\n", left);
  for (int i = 1; i < COUNT; i += 2) {
    snprintf(name, sizeof name, "f%d", i);
    if (unlinkat(dir, name, 0) != 0) failures++;
  }
  printf("removed failures %ld\n", failures);
  list_dir("big", 4096, 0);
  close(dir);
  CALL(rmdir("big")); show("rmdir big");
}

static void pipes(void) {
  int p[2];
  char buf[4096];
  CALL(pipe(p)); show("pipe");
  pid_t child = fork();
  if (child == 0) {
    // The writer: 1 MiB in odd-sized chunks, then EOF by exiting.
    close(p[0]);
    static char chunk[3001];
    memset(chunk, 'z', sizeof chunk);
    long left = 1 << 20;
    while (left > 0) {
      long n = write(p[1], chunk, left < (long)sizeof chunk ? left : (long)sizeof chunk);
      if (n <= 0) _exit(1);
      left -= n;
    }
    _exit(0);
  }
  close(p[1]);
  long total = 0, n, bad = 0;
  while ((n = read(p[0], buf, sizeof buf)) > 0) {
    total += n;
    for (long i = 0; i < n; i++) bad += buf[i] != 'z';
  }
  int status;
  waitpid(child, &status, 0);
  printf("blocking pipe: read %ld bytes, bad %ld, last read %ld, writer exit %d\n", total, bad, n,
         WEXITSTATUS(status));
  CALL(read(p[0], buf, 1)); show("read at EOF again");
  close(p[0]);

  // EPIPE: with SIGPIPE ignored the write fails; by default SIGPIPE kills.
  pipe(p);
  close(p[0]);
  signal(SIGPIPE, SIG_IGN);
  CALL(write(p[1], "x", 1)); show("write with no reader, SIGPIPE ignored");
  signal(SIGPIPE, SIG_DFL);
  child = fork();
  if (child == 0) { write(p[1], "x", 1); _exit(0); }
  waitpid(child, &status, 0);
  printf("write with no reader: signaled %d signal %d\n", WIFSIGNALED(status), WTERMSIG(status));
  close(p[1]);

  // Non-blocking: an empty pipe gives EAGAIN; a full one too, at Linux's default 64 KiB.
  pipe2(p, O_NONBLOCK);
  CALL(read(p[0], buf, 1)); show("read empty O_NONBLOCK");
  long filled = 0;
  memset(buf, 'y', sizeof buf);
  while ((n = write(p[1], buf, sizeof buf)) > 0) filled += n;
  printf("filled %ld then errno %d\n", filled, errno);
  close(p[1]);
  long drained = 0;
  while ((n = read(p[0], buf, sizeof buf)) > 0) drained += n;
  printf("drained %ld then %ld\n", drained, n);
  close(p[0]);
  CALL(pipe2(p, 0x1)); show("pipe2 bad flags");
}

static void epolls(void) {
  int p[2];
  pipe(p);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
  struct epoll_event out[4];
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)); show("epoll_ctl add");
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)); show("epoll_ctl add again");
  CALL(epoll_wait(ep, out, 4, 0)); show("epoll_wait empty");
  write(p[1], "ab", 2);
  CALL(epoll_wait(ep, out, 4, 0)); show("epoll_wait readable");
  printf("events %x data %llu\n", out[0].events, (unsigned long long)out[0].data.u64);
  CALL(epoll_wait(ep, out, 4, 0)); show("level-triggered again");
  ev.events = EPOLLIN | EPOLLET;
  CALL(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev)); show("epoll_ctl mod ET");
  CALL(epoll_wait(ep, out, 4, 0)); show("edge after mod");
  CALL(epoll_wait(ep, out, 4, 0)); show("edge again");
  write(p[1], "c", 1);
  CALL(epoll_wait(ep, out, 4, 0)); show("edge after new data");
  close(p[1]);
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
  CALL(epoll_wait(ep, out, 4, 0)); show("writer closed");
  printf("events %x\n", out[0].events);
  // A child writes later; the parent blocks in epoll_wait until then.
  int q[2];
  pipe(q);
  ev.events = EPOLLIN;
  ev.data.u64 = 9;
  epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
  epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev);
  pid_t child = fork();
  if (child == 0) { usleep(20000); write(q[1], "x", 1); _exit(0); }
  CALL(epoll_wait(ep, out, 4, 5000)); show("blocking epoll_wait");
  printf("data %llu\n", (unsigned long long)out[0].data.u64);
  waitpid(child, NULL, 0);
  CALL(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL)); show("epoll_ctl del missing");
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev)); show("epoll_ctl add itself");
  int f = open("a", O_RDONLY);
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev)); show("epoll_ctl add regular file");
  CALL(epoll_wait(ep, out, 0, 0)); show("epoll_wait maxevents 0");
  close(f);
  close(p[0]);
  close(q[0]);
  close(q[1]);
  close(ep);
}

static int send_fd(int sock, int fd, const char *text) {
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &msg, 0);
}

static int recv_fd(int sock, char *text, size_t size) {
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = text, .iov_len = size - 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  long n = recvmsg(sock, &msg, 0);
  if (n < 0) return -errno;
  text[n] = 0;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1000;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

static void sockets(void) {
  int sv[2];
  char text[64];
  CALL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv)); show("socketpair stream");
  put("passed", "contents of passed");
  pid_t child = fork();
  if (child == 0) {
    // The child opens a file and a pipe and hands both to the parent.
    close(sv[0]);
    int f = open("passed", O_RDONLY);
    lseek(f, 3, SEEK_SET);
    int p[2];
    pipe(p);
    write(p[1], "through the pipe", 16);
    close(p[1]);
    if (send_fd(sv[1], f, "file") < 0 || send_fd(sv[1], p[0], "pipe") < 0) _exit(1);
    _exit(0);
  }
  close(sv[1]);
  int status;
  waitpid(child, &status, 0);
  printf("sender exit %d\n", WEXITSTATUS(status));
  int f = recv_fd(sv[0], text, sizeof text);
  printf("received \"%s\" fd ok %d\n", text, f >= 0);
  char buf[64] = {0};
  long n = read(f, buf, sizeof buf - 1);
  printf("read via passed fd (shares offset) %ld \"%s\"\n", n, buf);
  int p = recv_fd(sv[0], text, sizeof text);
  printf("received \"%s\" fd ok %d\n", text, p >= 0);
  memset(buf, 0, sizeof buf);
  n = read(p, buf, sizeof buf - 1);
  printf("read via passed pipe %ld \"%s\"\n", n, buf);
  CALL(read(sv[0], buf, sizeof buf)); show("read after peer exit");
  close(f);
  close(p);
  close(sv[0]);

  // Datagram pairs keep message boundaries; MSG_PEEK leaves the message queued.
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  send(sv[0], "one", 3, 0);
  send(sv[0], "two!", 4, 0);
  CALL(recv(sv[1], buf, sizeof buf, MSG_PEEK)); show("dgram peek");
  CALL(recv(sv[1], buf, 2, 0)); show("dgram truncated");
  CALL(recv(sv[1], buf, sizeof buf, 0)); show("dgram second");
  CALL(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)); show("dgram empty");
  close(sv[0]);
  close(sv[1]);
}

// A FIFO on the rootfs: its type, and bytes from a writer process to a reader.
static void fifos(void) {
  CALL(mkfifo("fifo", 0620)); show("mkfifo");
  st("fifo", 0);
  CALL(mkfifo("fifo", 0600)); show("mkfifo again");
  CALL(mkfifo("fifo/", 0600)); show("mkfifo again, a trailing slash");
  CALL(mkfifo("newfifo/", 0600)); show("mkfifo of a new name with a trailing slash");
  CALL(open("fifo", O_WRONLY | O_NONBLOCK)); show("open for writing, no reader, O_NONBLOCK");
  chmod("fifo", 0600);
  pid_t child = fork();
  if (child == 0) {
    int w = open("fifo", O_WRONLY);
    if (w < 0 || write(w, "through the fifo", 16) != 16) _exit(1);
    _exit(0);
  }
  int r = open("fifo", O_RDONLY);
  char buf[64];
  long total = 0, n;
  while ((n = read(r, buf + total, sizeof buf - 1 - total)) > 0) total += n;
  buf[total] = 0;
  int status;
  waitpid(child, &status, 0);
  printf("fifo: read \"%s\", then %ld, writer exit %d\n", buf, n, WEXITSTATUS(status));
  fst("fifo reader", r);
  close(r);
  CALL(unlink("fifo")); show("unlink fifo");
}

// O_TMPFILE on /dev/shm (tmpfs) and the rootfs: an unnamed file that holds data and shows in no directory.
static void tmpfiles(void) {
  CALL(open("/dev/shm", O_TMPFILE | O_RDWR, 0640)); show("O_TMPFILE | O_RDWR");
  int fd = (int)rv;
  fst("tmpfile", fd);
  CALL(write(fd, "unnamed", 7)); show("write tmpfile");
  char buf[16] = {0};
  CALL(pread(fd, buf, sizeof buf - 1, 0)); show("pread tmpfile");
  printf("tmpfile holds \"%s\"\n", buf);
  fst("tmpfile after write", fd);
  close(fd);
  CALL(open("/dev/shm", O_TMPFILE | O_RDONLY, 0640)); show("O_TMPFILE | O_RDONLY");
  CALL(open("/dev/shm", O_TMPFILE | O_CREAT | O_RDWR, 0640)); show("O_TMPFILE | O_CREAT");
  CALL(open("/dev/shm/nothing", O_TMPFILE | O_RDWR, 0640)); show("O_TMPFILE in a missing directory");
  put("/dev/shm/files-plain", "x");
  CALL(open("/dev/shm/files-plain", O_TMPFILE | O_RDWR, 0640)); show("O_TMPFILE on a file");
  unlink("/dev/shm/files-plain");
  // The rootfs too, where the host file system has unnamed files of its own.
  CALL(open(".", O_TMPFILE | O_WRONLY, 0600)); show("O_TMPFILE in the rootfs");
  fd = (int)rv;
  CALL(write(fd, "abc", 3)); show("write rootfs tmpfile");
  fst("rootfs tmpfile", fd);
  close(fd);
}

// Cases the sandbox still answers differently from Linux; run with the argument "pending".
/** Prints the whole content of `path` (up to 255 bytes) in brackets. */
static void dump(const char *what, const char *path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  long n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n < 0 ? 0 : n] = 0;
  printf("%s: [%s]\n", what, buf);
}

// sendfile and copy_file_range: with and without offsets, short counts, the file position they
// move or leave, a pipe on either side, a transfer bigger than one chunk, and the errors.
static void copies(void) {
  put("src", "0123456789abcdefghij");
  int in = open("src", O_RDONLY);
  int out = open("dst", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CALL(sendfile(out, in, NULL, 5)); show("sendfile 5 from the position");
  CALL(lseek(in, 0, SEEK_CUR)); show("in position after");
  off_t off = 12;
  CALL(sendfile(out, in, &off, 100)); show("sendfile from offset 12, count past the end");
  printf("offset now %ld\n", (long)off);
  CALL(lseek(in, 0, SEEK_CUR)); show("in position unchanged");
  CALL(sendfile(out, in, &off, 10)); show("sendfile at the end");
  dump("dst", "dst");
  CALL(sendfile(in, out, NULL, 1)); show("sendfile to a read-only fd");
  CALL(sendfile(out, 999, NULL, 1)); show("sendfile from a bad fd");
  off = -1;
  CALL(sendfile(out, in, &off, 1)); show("sendfile negative offset");
  int p[2];
  pipe(p);
  lseek(in, 0, SEEK_SET);
  CALL(sendfile(p[1], in, NULL, 8)); show("sendfile to a pipe");
  char buf[16] = {0};
  CALL(read(p[0], buf, sizeof buf)); show("read it back");
  printf("pipe got [%s]\n", buf);
  close(p[0]);
  close(p[1]);
  // To a pipe with no reader: EPIPE with SIGPIPE ignored, killed by it by default.
  pipe(p);
  close(p[0]);
  signal(SIGPIPE, SIG_IGN);
  CALL(sendfile(p[1], in, NULL, 4)); show("sendfile to a pipe with no reader, SIGPIPE ignored");
  signal(SIGPIPE, SIG_DFL);
  pid_t child = fork();
  if (child == 0) { sendfile(p[1], in, NULL, 4); _exit(0); }
  int status;
  waitpid(child, &status, 0);
  printf("sendfile to a pipe with no reader: signaled %d signal %d\n", WIFSIGNALED(status), WTERMSIG(status));
  close(p[1]);
  close(in);
  close(out);

  // 200 KiB, several chunks of any kernel buffer, checked byte by byte.
  int big = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
  static char pattern[200 * 1024];
  for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (char)(i * 7 + i / 1000);
  if (write(big, pattern, sizeof pattern) != (long)sizeof pattern) printf("write big failed\n");
  int copy = open("big2", O_RDWR | O_CREAT | O_TRUNC, 0644);
  off = 0;
  long total = 0;
  while ((rv = sendfile(copy, big, &off, 70000)) > 0) total += rv;
  static char back[200 * 1024];
  long got = pread(copy, back, sizeof back, 0);
  printf("big sendfile moved %ld, read back %ld, same %d\n", total, got, memcmp(back, pattern, sizeof pattern) == 0);

  loff_t ioff = 100, ooff = 3;
  ftruncate(copy, 0);
  CALL(copy_file_range(big, &ioff, copy, &ooff, 50, 0)); show("copy_file_range 50 at offsets");
  printf("offsets now %ld %ld\n", (long)ioff, (long)ooff);
  got = pread(copy, back, 53, 0);
  printf("read back %ld, zeros before %d, same %d\n", got, back[0] == 0 && back[1] == 0 && back[2] == 0,
         memcmp(back + 3, pattern + 100, 50) == 0);
  lseek(big, 10, SEEK_SET);
  lseek(copy, 0, SEEK_SET);
  CALL(copy_file_range(big, NULL, copy, NULL, 20, 0)); show("copy_file_range at the positions");
  CALL(lseek(big, 0, SEEK_CUR)); show("in position after");
  CALL(lseek(copy, 0, SEEK_CUR)); show("out position after");
  CALL(copy_file_range(big, NULL, copy, NULL, 20, 1)); show("copy_file_range with flags");
  close(big);
  close(copy);
}

static void pending(void) {
}

// Pipe sizes and the socket families that cannot make pairs.
static void more(void) {
  int p[2], sv[2];
  pipe(p);
  CALL(fcntl(p[0], F_GETPIPE_SZ)); show("F_GETPIPE_SZ");
  close(p[0]);
  close(p[1]);
  CALL(socketpair(AF_INET, SOCK_STREAM, 0, sv)); show("socketpair AF_INET");
}

/** Prints `s` with every byte outside printable ASCII as \xNN: the same text natively and here. */
static void hex(const char *what, const char *s) {
  printf("%s: ", what);
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c >= 0x20 && *c < 0x7f && *c != '\\') putchar(*c);
    else printf("\\x%02x", *c);
  }
  putchar('\n');
}

static int by_bytes(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static const char *self; // this program's path, to run it again with arguments that are not UTF-8

/** Names, paths and arguments are bytes: ones that are not UTF-8 keep every byte, and no two become one. */
static void byte_names(void) {
  mkdir("bytes", 0755);
  put("bytes/a\xff" "b", "ff");
  put("bytes/a\xfe" "b", "fe");
  put("bytes/caf\xc3\xa9", "utf-8");
  put("bytes/\x80\x9f", "c1");
  DIR *d = opendir("bytes");
  char *names[16];
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d)) && n < 16;) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  }
  if (d) closedir(d);
  qsort(names, n, sizeof names[0], by_bytes);
  for (int i = 0; i < n; i++) {
    char path[64], buf[16] = "";
    snprintf(path, sizeof path, "bytes/%s", names[i]);
    int fd = open(path, O_RDONLY);
    if (fd >= 0 && read(fd, buf, sizeof buf - 1) < 0) buf[0] = 0;
    if (fd >= 0) close(fd);
    hex("listed", names[i]);
    printf("  reads \"%s\"\n", buf);
    free(names[i]);
  }
  CALL(rename("bytes/a\xff" "b", "bytes/d\xe9j\xe0")); show("rename to latin-1 bytes");
  struct stat s;
  CALL(stat("bytes/d\xe9j\xe0", &s)); show("stat the new name");
  CALL(stat("bytes/a\xff" "b", &s)); show("stat the old name");
  CALL(symlink("a\xfe" "b", "bytes/l\xff")); show("symlink to a latin-1 name");
  char link[64] = "";
  CALL(readlink("bytes/l\xff", link, sizeof link - 1)); show("readlink");
  hex("target", link);
  int back = open(".", O_RDONLY | O_DIRECTORY);
  mkdir("bytes/dir\xff", 0755);
  CALL(chdir("bytes/dir\xff")); show("chdir");
  char cwd[4096] = "";
  if (getcwd(cwd, sizeof cwd)) hex("getcwd ends", strstr(cwd, "/bytes/") ? strstr(cwd, "/bytes/") : cwd);
  if (fchdir(back) != 0) printf("fchdir failed\n");
  close(back);
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    char *argv[] = {(char *)self, "--hex", "x\xff" "y\xc3\xa9", NULL};
    char *envp[] = {"V=\xfe\x80", NULL};
    execve(self, argv, envp);
    _exit(127);
  }
  int st;
  waitpid(c, &st, 0);
  printf("exec with such an argument: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static const struct { const char *name; void (*run)(void); } SECTIONS[] = {
    {"open", open_flags}, {"stat", stats},   {"names", names}, {"big", big_directory},
    {"pipes", pipes},     {"epoll", epolls}, {"sockets", sockets}, {"more", more},
    {"fifo", fifos},      {"tmpfile", tmpfiles}, {"attributes", attributes}, {"copies", copies},
    {"positions", positions}, {"bytes", byte_names},
    {"pending", pending},
};

static int remove_entry(const char *path, const struct stat *s, int type, struct FTW *ftw) {
  (void)s, (void)type, (void)ftw;
  return remove(path);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--hex")) { // run by the bytes section
    hex("argument", argv[2]);
    hex("environment", getenv("V") ? getenv("V") : "");
    return 0;
  }
  self = argv[0];
  char tmpl[] = "/tmp/files-XXXXXX";
  if (!mkdtemp(tmpl) || chdir(tmpl) != 0) { perror("setup"); return 1; }
  umask(022);
  setvbuf(stdout, NULL, _IONBF, 0);
  for (size_t i = 0; i < sizeof SECTIONS / sizeof SECTIONS[0]; i++) {
    // Later sections use files the open section made.
    int wanted = argc > 1 ? !strcmp(argv[1], SECTIONS[i].name) : SECTIONS[i].run != pending;
    if (!wanted && i != 0) continue;
    printf("== %s\n", SECTIONS[i].name);
    SECTIONS[i].run();
  }
  // Leave nothing behind: the native run works in the host's /tmp.
  if (chdir("/") != 0 || nftw(tmpl, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) printf("cleanup failed\n");
  return 0;
}
