// Conformance: extended attributes — setxattr, getxattr, listxattr and removexattr with their l
// and f forms: values of every size up to a few KiB, XATTR_CREATE and XATTR_REPLACE, the size
// query (size 0), a buffer too small (ERANGE), names empty, too long or of no namespace (ERANGE,
// EOPNOTSUPP, EINVAL), values past 64 KiB (E2BIG), user.* on a symlink and a FIFO (EPERM,
// ENODATA) but trusted.* there, a symlink followed or not, O_PATH fds (EBADF), pipes (EPERM,
// ENODATA), trusted.* and security.*, security.capability's header (EINVAL), ctime, and what
// another user may do (EACCES, EPERM, hidden trusted.* names). Works in a fresh directory of its
// own under /tmp (or the directory its argument names); lists names sorted, since file systems
// keep them in their own order.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static const char *err(long r) {
  return r < 0 ? strerrorname_np(errno) : "ok";
}

static void show(const char *what, long r) {
  if (r < 0) printf("%s: %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/** The names of `path` (lfollow: 0 for llistxattr), sorted, on one line. */
/** The names of a list, sorted (file systems list them in their own orders). */
static void print_names(const char *label, char *buf, ssize_t n) {
  if (n < 0) { printf("%s: %s\n", label, strerrorname_np(errno)); return; }
  char *names[64];
  int count = 0;
  for (char *p = buf; p < buf + n && count < 64; p += strlen(p) + 1) names[count++] = p;
  qsort(names, count, sizeof names[0], cmp);
  printf("%s:", label);
  for (int i = 0; i < count; i++) printf(" %s", names[i]);
  printf("\n");
}

static void list(const char *label, const char *path, int follow) {
  char buf[4096];
  print_names(label, buf, follow ? listxattr(path, buf, sizeof buf) : llistxattr(path, buf, sizeof buf));
}

static void list_fd(const char *label, int fd) {
  char buf[4096];
  print_names(label, buf, flistxattr(fd, buf, sizeof buf));
}

static void get(const char *label, const char *path, const char *name) {
  char buf[256];
  ssize_t n = getxattr(path, name, buf, sizeof buf - 1);
  if (n < 0) { printf("%s: %s\n", label, strerrorname_np(errno)); return; }
  buf[n] = 0;
  printf("%s: %zd '%s'\n", label, n, buf);
}

static struct timespec ctime_of(const char *path) {
  struct stat s;
  lstat(path, &s);
  return s.st_ctim;
}

int main(int argc, char **argv) {
  char dir[64];
  snprintf(dir, sizeof dir, "%s/xattr-XXXXXX", argc > 1 ? argv[1] : "/tmp");
  if (!mkdtemp(dir) || chdir(dir) != 0) { perror("dir"); return 1; }
  close(open("f", O_CREAT | O_WRONLY, 0644));
  mkdir("d", 0755);
  symlink("f", "link");
  mkfifo("fifo", 0644);

  printf("-- user.*\n");
  show("set user.a", setxattr("f", "user.a", "one", 3, 0));
  get("get user.a", "f", "user.a");
  show("size of user.a", getxattr("f", "user.a", NULL, 0));
  char small[2];
  show("get into 2 bytes", getxattr("f", "user.a", small, sizeof small));
  show("create existing", setxattr("f", "user.a", "two", 3, XATTR_CREATE));
  show("replace missing", setxattr("f", "user.b", "two", 3, XATTR_REPLACE));
  show("replace existing", setxattr("f", "user.a", "three", 5, XATTR_REPLACE));
  get("get user.a", "f", "user.a");
  show("create new", setxattr("f", "user.b", "", 0, XATTR_CREATE));
  get("empty value", "f", "user.b");
  show("both flags", setxattr("f", "user.c", "x", 1, XATTR_CREATE | XATTR_REPLACE));
  show("bad flags", setxattr("f", "user.c", "x", 1, 4));
  list("names", "f", 1);
  show("list size", listxattr("f", NULL, 0));
  show("list into 3 bytes", listxattr("f", small, 2));
  show("get missing", getxattr("f", "user.none", NULL, 0));
  show("remove user.b", removexattr("f", "user.b"));
  show("remove missing", removexattr("f", "user.b"));
  list("names", "f", 1);

  printf("-- values\n");
  static char big[70000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 26);
  for (size_t size = 1; size <= 2048; size *= 2) {
    char name[32], back[2048];
    snprintf(name, sizeof name, "user.v%zu", size);
    long r = setxattr("f", name, big, size, 0);
    ssize_t n = getxattr("f", name, back, sizeof back);
    printf("value of %zu bytes: set %s, back %zd, same %d\n", size, err(r), n, n == (ssize_t)size && memcmp(back, big, size) == 0);
    removexattr("f", name);
  }
  show("value of 65537 bytes", setxattr("f", "user.huge", big, 65537, 0));

  printf("-- names\n");
  show("empty name", setxattr("f", "", "x", 1, 0));
  char longname[300];
  memset(longname, 'n', sizeof longname);
  memcpy(longname, "user.", 5);
  longname[255] = 0;
  show("255-byte name", setxattr("f", longname, "x", 1, 0));
  show("get 255-byte name", getxattr("f", longname, NULL, 0));
  removexattr("f", longname);
  longname[255] = 'n';
  longname[256] = 0;
  show("256-byte name", setxattr("f", longname, "x", 1, 0));
  show("get 256-byte name", getxattr("f", longname, NULL, 0));
  show("no namespace", setxattr("f", "plain", "x", 1, 0));
  show("unknown namespace", setxattr("f", "other.x", "x", 1, 0));
  show("get unknown namespace", getxattr("f", "other.x", NULL, 0));
  show("bare user.", setxattr("f", "user.", "x", 1, 0));
  show("bare trusted.", getxattr("f", "trusted.", NULL, 0));
  char *volatile bad = (char *)8;
  show("name at a bad address", setxattr("f", bad, "x", 1, 0));
  show("value at a bad address", setxattr("f", "user.x", bad, 4, 0));
  setxattr("f", "user.x", "abc", 3, 0);
  show("get into a bad address", getxattr("f", "user.x", bad, 16));
  removexattr("f", "user.x");
  show("missing file", setxattr("nothing", "user.x", "x", 1, 0));

  printf("-- file types\n");
  show("dir user.d", setxattr("d", "user.d", "dv", 2, 0));
  get("dir get", "d", "user.d");
  show("symlink followed", setxattr("link", "user.vialink", "L", 1, 0));
  get("target has it", "f", "user.vialink");
  show("lset user.* on symlink", lsetxattr("link", "user.x", "x", 1, 0));
  show("lget user.* on symlink", lgetxattr("link", "user.vialink", NULL, 0));
  show("lset trusted.* on symlink", lsetxattr("link", "trusted.s", "s", 1, 0));
  show("lget trusted.* on symlink", lgetxattr("link", "trusted.s", NULL, 0));
  show("get trusted.* through symlink", getxattr("link", "trusted.s", NULL, 0));
  list("llist symlink", "link", 0);
  show("lremove trusted.* on symlink", lremovexattr("link", "trusted.s"));
  list("list via symlink", "link", 1);
  show("fifo user.x", setxattr("fifo", "user.x", "x", 1, 0));
  show("fifo get", getxattr("fifo", "user.x", NULL, 0));
  removexattr("f", "user.vialink");

  printf("-- fds\n");
  int fd = open("f", O_RDONLY);
  show("fset on read-only fd", fsetxattr(fd, "user.fd", "fdv", 3, 0));
  char buf[16] = {0};
  show("fget", fgetxattr(fd, "user.fd", buf, sizeof buf));
  printf("fget value '%s'\n", buf);
  show("flist size", flistxattr(fd, NULL, 0));
  show("fremove", fremovexattr(fd, "user.fd"));
  close(fd);
  int pfd = open("f", O_PATH);
  show("fset on O_PATH", fsetxattr(pfd, "user.x", "x", 1, 0));
  show("fget on O_PATH", fgetxattr(pfd, "user.x", NULL, 0));
  show("flist on O_PATH", flistxattr(pfd, NULL, 0));
  close(pfd);
  show("fget on a closed fd", fgetxattr(pfd, "user.x", NULL, 0));
  int pipefd[2];
  pipe(pipefd);
  show("fset on a pipe", fsetxattr(pipefd[0], "user.x", "x", 1, 0));
  show("fget on a pipe", fgetxattr(pipefd[0], "user.x", NULL, 0));
  show("fset trusted.* on a pipe", fsetxattr(pipefd[0], "trusted.x", "x", 1, 0));
  show("flist on a pipe", flistxattr(pipefd[0], NULL, 0));

  printf("-- an open file whose name is gone, or names another file\n");
  int gone = open("gone", O_RDWR | O_CREAT, 0644);
  fsetxattr(gone, "user.old", "old", 3, 0);
  unlink("gone");
  memset(buf, 0, sizeof buf);
  show("fget after unlink", fgetxattr(gone, "user.old", buf, sizeof buf - 1));
  printf("its value '%s'\n", buf);
  show("fset after unlink", fsetxattr(gone, "user.more", "more", 4, 0));
  list_fd("flist after unlink", gone);
  show("fremove after unlink", fremovexattr(gone, "user.more"));
  int again = open("gone", O_RDWR | O_CREAT, 0644);
  fsetxattr(again, "user.new", "new", 3, 0);
  show("the old fd and the new file's name", fgetxattr(gone, "user.new", NULL, 0));
  show("the new file and the old file's name", fgetxattr(again, "user.old", NULL, 0));
  close(again);
  close(gone);
  unlink("gone");

  printf("-- ctime\n");
  struct timespec before = ctime_of("f");
  struct timespec pause = {0, 20 * 1000 * 1000};
  nanosleep(&pause, NULL);
  setxattr("f", "user.t", "t", 1, 0);
  struct timespec after = ctime_of("f");
  printf("set changes ctime: %d\n", after.tv_sec != before.tv_sec || after.tv_nsec != before.tv_nsec);
  nanosleep(&pause, NULL);
  removexattr("f", "user.t");
  struct timespec removed = ctime_of("f");
  printf("remove changes ctime: %d\n", removed.tv_sec != after.tv_sec || removed.tv_nsec != after.tv_nsec);

  printf("-- trusted.* and security.*\n");
  show("set trusted.t", setxattr("f", "trusted.t", "tv", 2, 0));
  get("get trusted.t", "f", "trusted.t");
  show("set security.s", setxattr("f", "security.s", "sv", 2, 0));
  get("get security.s", "f", "security.s");
  show("caps of 3 bytes", setxattr("f", "security.capability", "abc", 3, 0));
  uint32_t caps2[5] = {0x02000001, 1u << 13, 0, 0, 0}; // cap_net_raw, effective
  show("caps v2", setxattr("f", "security.capability", caps2, sizeof caps2, 0));
  uint32_t back[8];
  show("caps v2 back", getxattr("f", "security.capability", back, sizeof back));
  printf("caps v2 magic %#x permitted %#x\n", back[0], back[1]);
  uint32_t caps3[6] = {0x03000000, 1u << 10, 0, 0, 0, 0}; // cap_net_bind_service, root 0
  show("caps v3 root 0", setxattr("f", "security.capability", caps3, sizeof caps3, 0));
  show("caps v3 root 0 back", getxattr("f", "security.capability", back, sizeof back));
  printf("caps v3 magic %#x permitted %#x\n", back[0], back[1]);
  uint32_t caps2bad[5] = {0x03000000, 0, 0, 0, 0}; // a v3 header on v2's size
  show("caps v3 header, v2 size", setxattr("f", "security.capability", caps2bad, sizeof caps2bad, 0));
  list("names", "f", 1);
  show("remove caps", removexattr("f", "security.capability"));
  chmod("f", 0604);
  setxattr("f", "user.a", "root's", 6, XATTR_REPLACE);
  chmod(dir, 01777);
  mkdir("sticky", 01777);

  printf("-- another user\n");
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) { printf("setuid: %s\n", strerrorname_np(errno)); _exit(1); }
    get("nobody get user.a (o+r)", "f", "user.a");
    show("nobody set user.a (no o+w)", setxattr("f", "user.a", "x", 1, 0));
    show("nobody remove user.a", removexattr("f", "user.a"));
    show("nobody get trusted.t", getxattr("f", "trusted.t", NULL, 0));
    show("nobody set trusted.t", setxattr("f", "trusted.t", "x", 1, 0));
    get("nobody get security.s", "f", "security.s");
    show("nobody set security.s", setxattr("f", "security.s", "x", 1, 0));
    show("nobody set caps", setxattr("f", "security.capability", caps2, sizeof caps2, 0));
    list("nobody names", "f", 1);
    show("nobody set user.* on root's sticky dir", setxattr("sticky", "user.x", "x", 1, 0));
    close(open("mine", O_CREAT | O_WRONLY, 0600));
    show("nobody set user.* on own file", setxattr("mine", "user.m", "m", 1, 0));
    chmod("mine", 0);
    show("nobody get user.* of own mode-0 file", getxattr("mine", "user.m", NULL, 0));
    list("nobody list own mode-0 file", "mine", 1);
    unlink("mine");
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  printf("child status %d\n", WEXITSTATUS(status));

  unlink("f");
  unlink("link");
  unlink("fifo");
  rmdir("d");
  rmdir("sticky");
  chdir("/");
  rmdir(dir);
  return 0;
}
