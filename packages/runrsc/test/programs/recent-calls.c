// Conformance: calls newer than the C library's headers, made by number. fchmodat2 (Linux 6.6):
// its flags, an fd with AT_EMPTY_PATH (O_PATH ones too), a symlink's own mode (EOPNOTSUPP), a
// NULL path (EFAULT). The *xattrat calls (Linux 6.13): struct xattr_args and its size (EINVAL, a
// larger struct's zero or non-zero tail), their flags, a path from a directory fd, followed or
// not, and a NULL or empty path with AT_EMPTY_PATH, which names the fd (the cwd for AT_FDCWD, in
// set and get only). Works in a fresh directory under /tmp (or the one its argument names).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NR_fchmodat2 452
#define NR_setxattrat 463
#define NR_getxattrat 464
#define NR_listxattrat 465
#define NR_removexattrat 466

struct xattr_args {
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};

static void show(const char *what, long r) {
  if (r < 0) printf("%s: %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static void mode_of(const char *label, const char *path) {
  struct stat s;
  if (lstat(path, &s) != 0) printf("%s: %s\n", label, strerrorname_np(errno));
  else printf("%s: %o\n", label, s.st_mode & 07777);
}

static long setat(int dirfd, const char *path, int at, const char *name, const char *value, uint32_t flags) {
  struct xattr_args a = { (uintptr_t)value, value ? strlen(value) : 0, flags };
  return syscall(NR_setxattrat, dirfd, path, at, name, &a, sizeof a);
}

/** getxattrat's value, printed as "length 'value'". */
static void getat(const char *label, int dirfd, const char *path, int at, const char *name) {
  char buf[64];
  struct xattr_args a = { (uintptr_t)buf, sizeof buf - 1, 0 };
  long n = syscall(NR_getxattrat, dirfd, path, at, name, &a, sizeof a);
  if (n < 0) { printf("%s: %s\n", label, strerrorname_np(errno)); return; }
  buf[n] = 0;
  printf("%s: %ld '%s'\n", label, n, buf);
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/** listxattrat's names, sorted (file systems list them in their own orders). */
static void listat(const char *label, int dirfd, const char *path, int at) {
  char buf[1024];
  long n = syscall(NR_listxattrat, dirfd, path, at, buf, sizeof buf);
  if (n < 0) { printf("%s: %s\n", label, strerrorname_np(errno)); return; }
  char *names[32];
  int count = 0;
  for (char *p = buf; p < buf + n && count < 32; p += strlen(p) + 1) names[count++] = p;
  qsort(names, count, sizeof names[0], cmp);
  printf("%s:", label);
  for (int i = 0; i < count; i++) printf(" %s", names[i]);
  printf("\n");
}

static void fchmodat2_section(void) {
  printf("-- fchmodat2\n");
  show("plain", syscall(NR_fchmodat2, AT_FDCWD, "f", 0640, 0));
  mode_of("mode", "f");
  show("bits past 07777", syscall(NR_fchmodat2, AT_FDCWD, "f", 0170600, 0));
  mode_of("mode", "f");
  show("unknown flag", syscall(NR_fchmodat2, AT_FDCWD, "f", 0600, 0x8000));
  show("unknown flag, bad path", syscall(NR_fchmodat2, AT_FDCWD, (char *)8, 0600, 0x8000));
  show("NULL path", syscall(NR_fchmodat2, AT_FDCWD, NULL, 0600, AT_EMPTY_PATH));
  show("empty path without AT_EMPTY_PATH", syscall(NR_fchmodat2, AT_FDCWD, "", 0600, 0));
  show("through link", syscall(NR_fchmodat2, AT_FDCWD, "link", 0604, 0));
  mode_of("f after", "f");
  show("link itself", syscall(NR_fchmodat2, AT_FDCWD, "link", 0600, AT_SYMLINK_NOFOLLOW));
  show("missing, NOFOLLOW", syscall(NR_fchmodat2, AT_FDCWD, "nothing", 0600, AT_SYMLINK_NOFOLLOW));
  int dir = open("d", O_RDONLY | O_DIRECTORY);
  show("from a directory fd", syscall(NR_fchmodat2, dir, "g", 0620, 0));
  mode_of("d/g", "d/g");
  show("from a file fd", syscall(NR_fchmodat2, open("f", O_RDONLY), "g", 0620, 0));
  int fd = open("f", O_RDONLY);
  show("AT_EMPTY_PATH on an fd", syscall(NR_fchmodat2, fd, "", 0660, AT_EMPTY_PATH));
  mode_of("f", "f");
  int path_fd = open("f", O_PATH);
  show("AT_EMPTY_PATH on an O_PATH fd", syscall(NR_fchmodat2, path_fd, "", 0606, AT_EMPTY_PATH));
  mode_of("f", "f");
  int link_fd = open("link", O_PATH | O_NOFOLLOW);
  show("AT_EMPTY_PATH on a symlink's O_PATH fd", syscall(NR_fchmodat2, link_fd, "", 0600, AT_EMPTY_PATH));
  show("AT_EMPTY_PATH on a closed fd", syscall(NR_fchmodat2, 999, "", 0600, AT_EMPTY_PATH));
  show("glibc fchmodat of the link itself", fchmodat(AT_FDCWD, "link", 0600, AT_SYMLINK_NOFOLLOW));
  show("fchownat NULL path", syscall(SYS_fchownat, fd, NULL, -1, -1, AT_EMPTY_PATH));
  show("fchownat unknown flag, bad path", syscall(SYS_fchownat, AT_FDCWD, (char *)8, -1, -1, 0x8000));
}

static void xattrat_section(void) {
  printf("-- setxattrat and getxattrat\n");
  show("set", setat(AT_FDCWD, "f", 0, "user.a", "one", 0));
  getat("get", AT_FDCWD, "f", 0, "user.a");
  show("XATTR_CREATE again", setat(AT_FDCWD, "f", 0, "user.a", "two", XATTR_CREATE));
  show("XATTR_REPLACE", setat(AT_FDCWD, "f", 0, "user.a", "two", XATTR_REPLACE));
  getat("get", AT_FDCWD, "f", 0, "user.a");
  show("xattr flags unknown", setat(AT_FDCWD, "f", 0, "user.a", "x", 4));
  show("at flags unknown", setat(AT_FDCWD, "f", 0x8000, "user.a", "x", 0));
  show("AT_SYMLINK_FOLLOW is not one", setat(AT_FDCWD, "f", AT_SYMLINK_FOLLOW, "user.a", "x", 0));

  struct xattr_args a = { (uintptr_t)"v", 1, 0 };
  show("size 8", syscall(NR_setxattrat, AT_FDCWD, "f", 0, "user.b", &a, 8));
  show("size 0", syscall(NR_setxattrat, AT_FDCWD, "f", 0, "user.b", &a, 0));
  show("size past a page", syscall(NR_setxattrat, AT_FDCWD, "f", 0, "user.b", &a, 4097));
  show("args NULL", syscall(NR_setxattrat, AT_FDCWD, "f", 0, "user.b", NULL, 16));
  struct { struct xattr_args a; uint64_t more; } big = { { (uintptr_t)"big", 3, 0 }, 0 };
  show("larger struct, zero tail", syscall(NR_setxattrat, AT_FDCWD, "f", 0, "user.big", &big, sizeof big));
  big.more = 1;
  show("larger struct, non-zero tail", syscall(NR_setxattrat, AT_FDCWD, "f", 0, "user.big", &big, sizeof big));
  getat("get user.big", AT_FDCWD, "f", 0, "user.big");
  show("size past XATTR_SIZE_MAX", syscall(NR_setxattrat, AT_FDCWD, "f", 0, "user.big",
    &(struct xattr_args){ (uintptr_t)"x", 65537, 0 }, 16));
  show("empty value", setat(AT_FDCWD, "f", 0, "user.empty", NULL, 0));
  getat("get empty", AT_FDCWD, "f", 0, "user.empty");

  char buf[8];
  struct xattr_args g = { (uintptr_t)buf, sizeof buf, 1 };
  show("getxattrat flags", syscall(NR_getxattrat, AT_FDCWD, "f", 0, "user.a", &g, sizeof g));
  g.flags = 0;
  g.size = 0;
  show("getxattrat size query", syscall(NR_getxattrat, AT_FDCWD, "f", 0, "user.a", &g, sizeof g));
  g.size = 1;
  show("getxattrat too small", syscall(NR_getxattrat, AT_FDCWD, "f", 0, "user.a", &g, sizeof g));
  g.size = sizeof buf;
  g.value = 8;
  show("getxattrat bad buffer", syscall(NR_getxattrat, AT_FDCWD, "f", 0, "user.a", &g, sizeof g));
  getat("missing", AT_FDCWD, "f", 0, "user.none");
  getat("empty name", AT_FDCWD, "f", 0, "");
  getat("no namespace", AT_FDCWD, "f", 0, "plain");

  int dir = open("d", O_RDONLY | O_DIRECTORY);
  close(open("d/h", O_CREAT | O_WRONLY, 0644));
  symlink("h", "d/hl");
  show("from a directory fd", setat(dir, "h", 0, "user.h", "in d", 0));
  getat("get from the directory fd", dir, "h", 0, "user.h");
  getat("get by an absolute path, bad fd", 999, "/proc/self/cwd/d/h", 0, "user.h");
  getat("through a link", dir, "hl", 0, "user.h");
  getat("the link itself", dir, "hl", AT_SYMLINK_NOFOLLOW, "user.h");
  show("user. on the link itself", setat(dir, "hl", AT_SYMLINK_NOFOLLOW, "user.h", "x", 0));
  int fd = open("f", O_RDONLY);
  getat("relative to a file fd", fd, "x", 0, "user.a");
  getat("relative to a closed fd", 999, "x", 0, "user.a");

  show("AT_EMPTY_PATH, empty path, fd", setat(fd, "", AT_EMPTY_PATH, "user.fd", "by fd", 0));
  getat("get it by fd, NULL path", fd, NULL, AT_EMPTY_PATH, "user.fd");
  getat("empty path without AT_EMPTY_PATH", fd, "", 0, "user.fd");
  getat("NULL path without AT_EMPTY_PATH", fd, NULL, 0, "user.fd");
  int path_fd = open("f", O_PATH);
  getat("AT_EMPTY_PATH on an O_PATH fd", path_fd, "", AT_EMPTY_PATH, "user.fd");
  getat("a path from an O_PATH directory fd", open("d", O_PATH), "h", 0, "user.h");
  if (chdir("d") == 0) {
    show("AT_FDCWD, NULL path: the cwd", setat(AT_FDCWD, NULL, AT_EMPTY_PATH, "user.cwd", "here", 0));
    getat("get the cwd's", AT_FDCWD, "", AT_EMPTY_PATH, "user.cwd");
    listat("list AT_FDCWD, empty path", AT_FDCWD, "", AT_EMPTY_PATH);
    show("remove AT_FDCWD, NULL path", syscall(NR_removexattrat, AT_FDCWD, NULL, AT_EMPTY_PATH, "user.cwd"));
    chdir("..");
  }
  getat("the cwd's, by path", AT_FDCWD, "d", 0, "user.cwd");

  printf("-- listxattrat and removexattrat\n");
  listat("list", AT_FDCWD, "f", 0);
  listat("list by fd", fd, NULL, AT_EMPTY_PATH);
  listat("list from a directory fd", dir, "h", 0);
  listat("list the link itself", dir, "hl", AT_SYMLINK_NOFOLLOW);
  show("list flags", syscall(NR_listxattrat, AT_FDCWD, "f", 0x8000, buf, sizeof buf));
  show("list size query", syscall(NR_listxattrat, AT_FDCWD, "f", 0, NULL, 0));
  show("list too small", syscall(NR_listxattrat, AT_FDCWD, "f", 0, buf, 2));
  show("list O_PATH fd", syscall(NR_listxattrat, path_fd, "", AT_EMPTY_PATH, buf, sizeof buf));
  show("remove", syscall(NR_removexattrat, AT_FDCWD, "f", 0, "user.a"));
  show("remove again", syscall(NR_removexattrat, AT_FDCWD, "f", 0, "user.a"));
  show("remove by fd", syscall(NR_removexattrat, fd, "", AT_EMPTY_PATH, "user.fd"));
  show("remove from a directory fd", syscall(NR_removexattrat, dir, "h", 0, "user.h"));
  show("remove flags", syscall(NR_removexattrat, AT_FDCWD, "f", 0x8000, "user.b"));
  show("remove empty name", syscall(NR_removexattrat, AT_FDCWD, "f", 0, ""));
  listat("list after", AT_FDCWD, "f", 0);
  listat("list d/h after", dir, "h", 0);
}

int main(int argc, char **argv) {
  char dir[64];
  snprintf(dir, sizeof dir, "%s/recent-XXXXXX", argc > 1 ? argv[1] : "/tmp");
  if (!mkdtemp(dir) || chdir(dir) != 0) { perror("dir"); return 1; }
  close(open("f", O_CREAT | O_WRONLY, 0644));
  mkdir("d", 0755);
  close(open("d/g", O_CREAT | O_WRONLY, 0644));
  symlink("f", "link");
  fchmodat2_section();
  xattrat_section();
  return 0;
}
