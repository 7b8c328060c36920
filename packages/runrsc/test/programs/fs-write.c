// Conformance: read-write files — open flags, write and read back, mkdir, rename variants, link
// counts, symlinks, chmod, truncate, unlink, rmdir, utimensat, fsync, statfs. Works in a fresh
// directory of its own, so native and sandboxed runs do the same relative work.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <unistd.h>

#define CALL(expr) (errno = 0, rv = (long)(expr), er = errno)
static long rv;
static int er;

static void show(const char *what) { printf("%s = %ld errno %d\n", what, rv, er); }

static void st(const char *path) {
  struct stat s;
  if (lstat(path, &s) != 0) { printf("lstat %s: errno %d\n", path, errno); return; }
  // Directory sizes depend on the host file system: only regular files and symlinks show theirs.
  long size = S_ISDIR(s.st_mode) ? 0 : (long)s.st_size;
  printf("%s: type %o mode %o nlink %lu size %ld\n", path, s.st_mode & S_IFMT, s.st_mode & 07777,
         (unsigned long)s.st_nlink, size);
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

int main(void) {
  char tmpl[] = "/tmp/fs-write-XXXXXX";
  if (!mkdtemp(tmpl) || chdir(tmpl) != 0) { perror("setup"); return 1; }
  umask(022);

  // open flags
  int fd;
  CALL(fd = open("f", O_WRONLY | O_CREAT | O_EXCL, 0666)); show("open O_CREAT|O_EXCL");
  CALL(write(fd, "hello", 5)); show("write");
  close(fd);
  CALL(open("f", O_WRONLY | O_CREAT | O_EXCL, 0666)); show("open O_EXCL existing");
  st("f");
  CALL(fd = open("f", O_WRONLY | O_APPEND)); show("open O_APPEND");
  CALL(write(fd, " world", 6)); show("append");
  CALL(pwrite(fd, "!", 1, 0)); show("pwrite O_APPEND");
  close(fd);
  cat("f");
  CALL(fd = open("f", O_RDWR)); show("open O_RDWR");
  CALL(pwrite(fd, "J", 1, 0)); show("pwrite");
  CALL(lseek(fd, 0, SEEK_END)); show("lseek end");
  close(fd);
  cat("f");
  CALL(fd = open("f", O_RDWR | O_TRUNC)); show("open O_TRUNC");
  st("f");
  close(fd);
  CALL(fd = open("g", O_WRONLY | O_CREAT | O_TRUNC, 0600)); show("open create 0600");
  CALL(write(fd, "0123456789", 10)); show("write");
  st("g");
  CALL(ftruncate(fd, 4)); show("ftruncate 4");
  st("g");
  CALL(fsync(fd)); show("fsync");
  CALL(fdatasync(fd)); show("fdatasync");
  CALL(fchmod(fd, 0640)); show("fchmod 0640");
  close(fd);
  st("g");
  CALL(truncate("g", 100)); show("truncate 100");
  st("g");
  CALL(truncate("nothing", 1)); show("truncate missing");
  CALL(fd = open("g", O_RDONLY)); show("open O_RDONLY");
  CALL(ftruncate(fd, 0)); show("ftruncate O_RDONLY");
  CALL(write(fd, "x", 1)); show("write O_RDONLY");
  close(fd);

  // directories
  CALL(mkdir("d", 0755)); show("mkdir d");
  CALL(mkdir("d", 0755)); show("mkdir d again");
  CALL(mkdir("d/sub", 0700)); show("mkdir d/sub");
  CALL(mkdir("nothing/sub", 0700)); show("mkdir nothing/sub");
  CALL(mkdir("f/sub", 0700)); show("mkdir f/sub");
  st("d"); st("d/sub");
  CALL(rmdir("d")); show("rmdir non-empty");
  CALL(rmdir("f")); show("rmdir file");
  CALL(unlink("d")); show("unlink dir");
  CALL(rmdir("d/sub/.")); show("rmdir dot");
  CALL(open("d", O_WRONLY)); show("open dir O_WRONLY");
  CALL(open("d/", O_CREAT | O_WRONLY, 0644)); show("open dir/ O_CREAT");

  // rename
  CALL(rename("f", "f2")); show("rename f f2");
  st("f"); st("f2");
  CALL(rename("g", "f2")); show("rename g over f2");
  st("f2");
  CALL(rename("d", "f2")); show("rename dir over file");
  CALL(rename("f2", "d")); show("rename file over dir");
  CALL(rename("d", "d/sub/x")); show("rename into itself");
  CALL(mkdir("e", 0755)); show("mkdir e");
  CALL(rename("d", "e")); show("rename dir over empty dir");
  st("e/sub");
  CALL(mkdir("d", 0755)); show("mkdir d");
  CALL(rename("d", "e")); show("rename over non-empty dir");
  CALL(open("x1", O_CREAT | O_WRONLY, 0644)); close(rv);
  CALL(renameat2(AT_FDCWD, "x1", AT_FDCWD, "f2", RENAME_NOREPLACE)); show("renameat2 NOREPLACE");
  CALL(renameat2(AT_FDCWD, "x1", AT_FDCWD, "f2", RENAME_EXCHANGE)); show("renameat2 EXCHANGE");
  st("x1"); st("f2");
  CALL(renameat2(AT_FDCWD, "d", AT_FDCWD, "x1", RENAME_EXCHANGE)); show("renameat2 EXCHANGE dir/file");
  st("d"); st("x1");
  CALL(renameat2(AT_FDCWD, "d", AT_FDCWD, "none", RENAME_EXCHANGE)); show("EXCHANGE missing");
  CALL(renameat2(AT_FDCWD, "d", AT_FDCWD, "x1", 3)); show("renameat2 both flags");
  // a renamed directory is still reachable, from inside and by its new name
  CALL(chdir("e/sub")); show("chdir e/sub");
  CALL(rename("../../e", "../../e2")); show("rename cwd's parent");
  CALL(open("inside", O_CREAT | O_WRONLY, 0644)); show("create in cwd"); close(rv);
  CALL(chdir("../..")); show("chdir ../..");
  st("e2/sub/inside");

  // links
  CALL(link("f2", "hard")); show("link");
  st("f2"); st("hard");
  CALL(link("f2", "hard")); show("link existing");
  CALL(link("e2", "dirlink")); show("link dir");
  CALL(unlink("hard")); show("unlink hard");
  st("f2");
  CALL(symlink("f2", "sym")); show("symlink");
  CALL(symlink("f2", "sym")); show("symlink existing");
  st("sym");
  char target[64] = {0};
  CALL(readlink("sym", target, sizeof target - 1)); show("readlink");
  printf("target %s\n", target);
  CALL(symlink("nowhere", "dangling")); show("symlink dangling");
  CALL(fd = open("dangling", O_WRONLY | O_CREAT, 0644)); show("create through dangling");
  close(fd);
  st("nowhere");
  CALL(open("sym", O_WRONLY | O_CREAT | O_EXCL, 0644)); show("O_EXCL on symlink");
  CALL(unlink("sym/")); show("unlink sym/");
  CALL(unlink("sym")); show("unlink sym");
  st("f2");

  // modes and times
  CALL(chmod("f2", 04755)); show("chmod 04755");
  st("f2");
  CALL(fchmodat(AT_FDCWD, "e2", 01777, 0)); show("fchmodat dir 01777");
  st("e2");
  CALL(chown("f2", 0, 0)); show("chown");
  CALL(lchown("dangling", -1, -1)); show("lchown");
  struct timespec ts[2] = {{1000000000, 5}, {1200000000, 7}};
  CALL(utimensat(AT_FDCWD, "f2", ts, 0)); show("utimensat");
  struct stat s;
  stat("f2", &s);
  printf("atime %ld.%ld mtime %ld.%ld\n", (long)s.st_atim.tv_sec, s.st_atim.tv_nsec,
         (long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
  ts[0].tv_nsec = UTIME_OMIT;
  ts[1].tv_sec = 1300000000; ts[1].tv_nsec = 0;
  CALL(utimensat(AT_FDCWD, "f2", ts, 0)); show("utimensat OMIT");
  stat("f2", &s);
  printf("atime %ld mtime %ld\n", (long)s.st_atim.tv_sec, (long)s.st_mtim.tv_sec);
  struct timeval tv[2] = {{1400000000, 1}, {1500000000, 2}};
  CALL(utimes("f2", tv)); show("utimes");
  stat("f2", &s);
  printf("atime %ld.%ld mtime %ld.%ld\n", (long)s.st_atim.tv_sec, s.st_atim.tv_nsec,
         (long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
  ts[0].tv_nsec = 2000000000;
  CALL(utimensat(AT_FDCWD, "f2", ts, 0)); show("utimensat bad nsec");

  // an open file outlives its name
  CALL(fd = open("tmpfile", O_RDWR | O_CREAT, 0644)); show("open tmpfile");
  CALL(unlink("tmpfile")); show("unlink open file");
  CALL(write(fd, "abc", 3)); show("write unlinked");
  CALL(ftruncate(fd, 2)); show("ftruncate unlinked");
  fstat(fd, &s);
  printf("unlinked: nlink %lu size %ld\n", (unsigned long)s.st_nlink, (long)s.st_size);
  close(fd);

  // statfs: the type differs (ext4, overlay…), so only that it answers
  struct statfs sf;
  CALL(statfs(".", &sf)); show("statfs");
  printf("namelen %ld\n", (long)sf.f_namelen);
  CALL(fd = open(".", O_RDONLY | O_DIRECTORY)); show("open .");
  CALL(fstatfs(fd, &sf)); show("fstatfs");
  CALL(syncfs(fd)); show("syncfs");
  close(fd);
  sync();

  // cleanup, and errors removing what is not there
  unlink("f2"); unlink("x1"); unlink("dangling"); unlink("nowhere");
  unlink("e2/sub/inside"); rmdir("e2/sub"); rmdir("e2"); unlink("d"); rmdir("x1");
  CALL(unlink("f2")); show("unlink missing");
  CALL(rmdir("e2")); show("rmdir missing");
  CALL(chdir("/")); show("chdir /");
  CALL(rmdir(tmpl)); show("rmdir own dir");
  return 0;
}
