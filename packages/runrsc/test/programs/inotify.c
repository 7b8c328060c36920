/*
 * inotify: the events a directory's and a file's watches get for changes made through the file
 * tree (create, write, chmod, rename, link, symlink, truncate, unlink, rmdir), one-shot watches,
 * removal, opens and closes, reads (IN_ACCESS), and the calls' errors. Printed line by line for a
 * native-vs-sandbox comparison.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/time.h>
#include <unistd.h>

#define CHANGES (IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_MOVED_FROM | IN_MOVED_TO)

static const char *err(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static int wds[8];

static int wd_index(int wd) {
  for (int i = 0; i < 8; i++) if (wds[i] == wd) return i;
  return -1;
}

static void print_mask(unsigned m) {
  static const struct { unsigned bit; const char *name; } names[] = {
    {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"}, {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"},
    {IN_CREATE, "CREATE"}, {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"}, {IN_MOVE_SELF, "MOVE_SELF"},
    {IN_IGNORED, "IGNORED"}, {IN_ISDIR, "ISDIR"}, {IN_Q_OVERFLOW, "Q_OVERFLOW"}, {IN_OPEN, "OPEN"},
    {IN_CLOSE_WRITE, "CLOSE_WRITE"}, {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_ACCESS, "ACCESS"},
  };
  const char *sep = "";
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (m & names[i].bit) { printf("%s%s", sep, names[i].name); sep = "|"; }
  }
}

/** Print every queued event: watch, mask, name, and whether a cookie pairs it with the one before. */
static void drain(int fd, const char *after) {
  char buf[4096] __attribute__((aligned(8)));
  unsigned last_cookie = 0;
  printf("after %s:", after);
  for (;;) {
    long n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (char *p = buf; p < buf + n;) {
      struct inotify_event *e = (struct inotify_event *)p;
      printf(" [w%d ", wd_index(e->wd));
      print_mask(e->mask);
      if (e->len) printf(" %s", e->name);
      if (e->cookie) printf(" cookie%s", e->cookie == last_cookie ? "=" : "");
      printf("]");
      last_cookie = e->cookie;
      p += sizeof *e + e->len;
    }
  }
  printf("\n");
}

/** dnotify: fcntl F_NOTIFY on a directory fd signals its owner; F_SETSIG, F_GETSIG, F_SETOWN, F_GETOWN. */
static void dnotify(const char *base) {
  char d[128], f1[160], f2[160];
  snprintf(d, sizeof d, "%s/dnotify", base);
  snprintf(f1, sizeof f1, "%s/one", d);
  snprintf(f2, sizeof f2, "%s/two", d);
  mkdir(d, 0755);
  int dfd = open(d, O_RDONLY | O_DIRECTORY);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 5);
  sigaddset(&set, SIGIO);
  sigprocmask(SIG_BLOCK, &set, NULL);
  struct timespec none = {0, 0};
  siginfo_t si;
  printf("F_SETSIG 65: %s", err(fcntl(dfd, F_SETSIG, 65)));
  printf(", F_SETSIG SIGRTMIN+5: %s", err(fcntl(dfd, F_SETSIG, SIGRTMIN + 5)));
  printf(", F_GETSIG is it: %d\n", fcntl(dfd, F_GETSIG) == SIGRTMIN + 5);
  printf("F_NOTIFY create, multishot: %s", err(fcntl(dfd, F_NOTIFY, DN_CREATE | DN_MULTISHOT)));
  printf(", owner is me: %d\n", fcntl(dfd, F_GETOWN) == getpid());
  close(open(f1, O_WRONLY | O_CREAT, 0600));
  int sig = sigtimedwait(&set, &si, &none);
  printf("after a create: SIGRTMIN+5 %d, POLL_MSG %d, si_fd is the fd %d, band %#lx\n", sig == SIGRTMIN + 5, si.si_code == POLL_MSG,
         si.si_fd == dfd, (long)si.si_band);
  close(open(f2, O_WRONLY | O_CREAT, 0600));
  sig = sigtimedwait(&set, &si, &none);
  printf("again (multishot): %d\n", sig == SIGRTMIN + 5);
  unlink(f2);
  printf("a delete, not asked for: %d\n", sigtimedwait(&set, &si, &none));
  /* A later F_NOTIFY adds to the mask: the delete comes, multishot still. */
  fcntl(dfd, F_SETSIG, 0);
  fcntl(dfd, F_NOTIFY, DN_DELETE);
  unlink(f1);
  sig = sigtimedwait(&set, &si, &none);
  printf("F_SETSIG 0, delete added: SIGIO %d, SI_KERNEL %d", sig == SIGIO, si.si_code == SI_KERNEL);
  close(open(f1, O_WRONLY | O_CREAT, 0600));
  sigtimedwait(&set, &si, &none);
  unlink(f1);
  printf(", a second delete: %d\n", sigtimedwait(&set, &si, &none) == SIGIO);
  /* One-shot: a fresh registration without DN_MULTISHOT ends at its first event. */
  fcntl(dfd, F_NOTIFY, 0);
  fcntl(dfd, F_NOTIFY, DN_CREATE);
  close(open(f1, O_WRONLY | O_CREAT, 0600));
  sig = sigtimedwait(&set, &si, &none);
  unlink(f1);
  close(open(f1, O_WRONLY | O_CREAT, 0600));
  printf("one-shot create: %d, then: %d\n", sig == SIGIO, sigtimedwait(&set, &si, &none));
  unlink(f1);
  fcntl(dfd, F_NOTIFY, DN_CREATE | DN_MULTISHOT);
  fcntl(dfd, F_NOTIFY, 0);
  close(open(f1, O_WRONLY | O_CREAT, 0600));
  printf("after F_NOTIFY 0: %d\n", sigtimedwait(&set, &si, &none));
  int file = open(f1, O_RDONLY);
  printf("F_NOTIFY on a file: %s", err(fcntl(file, F_NOTIFY, DN_CREATE)));
  printf("; F_SETOWN of no such pid: %s", err(fcntl(file, F_SETOWN, 999999)));
  printf(", of my group: %s", err(fcntl(file, F_SETOWN, -getpgrp())));
  printf(", F_GETOWN is it: %d\n", fcntl(file, F_GETOWN) == -getpgrp());
  struct f_owner_ex ex = {F_OWNER_TID, gettid()}, got = {0, 0};
  printf("F_SETOWN_EX to my thread: %s", err(fcntl(file, F_SETOWN_EX, &ex)));
  fcntl(file, F_GETOWN_EX, &got);
  printf(", F_GETOWN_EX gives it back: %d", got.type == F_OWNER_TID && got.pid == gettid());
  ex.type = 7;
  printf(", of type 7: %s\n", err(fcntl(file, F_SETOWN_EX, &ex)));
  close(file);
  unlink(f1);
  close(dfd);
  rmdir(d);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  char b[64];
  printf("init1: %s, empty read: %s, cloexec %d\n", err(fd), err(read(fd, b, sizeof b)), (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  char dir[] = "/tmp/inotify-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  if (chdir(dir) != 0) return 1;
  wds[0] = inotify_add_watch(fd, dir, CHANGES);
  printf("watch the directory: %s\n", err(wds[0]));

  int f = open("f", O_CREAT | O_WRONLY, 0644);
  if (write(f, "hello", 5) != 5) printf("write failed\n");
  close(f);
  drain(fd, "create and write");
  chmod("f", 0600);
  drain(fd, "chmod");
  rename("f", "g");
  drain(fd, "rename f to g");
  mkdir("sub", 0755);
  if (symlink("g", "l") != 0) printf("symlink failed\n");
  if (link("g", "h") != 0) printf("link failed\n");
  drain(fd, "mkdir, symlink, link");
  /* bind(2) makes its socket file as mknod(S_IFSOCK) does: an IN_CREATE. */
  int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "s"};
  if (bind(sock, (struct sockaddr *)&sun, sizeof sun) != 0) printf("bind failed\n");
  close(sock);
  unlink("s");
  drain(fd, "bind of a socket, unlink");

  int src = open("s", O_CREAT | O_RDWR, 0644);
  if (write(src, "abc", 3) != 3) printf("write failed\n");
  int dst = open("d", O_CREAT | O_WRONLY, 0644);
  drain(fd, "create s and d");
  off_t from = 0;
  if (sendfile(dst, src, &from, 3) != 3) printf("sendfile failed\n");
  drain(fd, "sendfile into d");
  loff_t in_at = 0, out_at = 3;
  if (copy_file_range(src, &in_at, dst, &out_at, 3, 0) != 3) printf("copy_file_range failed\n");
  drain(fd, "copy_file_range into d");
  close(src);
  close(dst);
  unlink("s");
  unlink("d");
  drain(fd, "unlink s and d");

  wds[1] = inotify_add_watch(fd, "g", CHANGES);
  printf("watch g: %s, again is the same %d\n", err(wds[1]), inotify_add_watch(fd, "g", IN_MODIFY | IN_MASK_ADD) == wds[1]);
  f = open("g", O_WRONLY | O_APPEND);
  if (write(f, "!", 1) != 1) printf("write failed\n");
  close(f);
  drain(fd, "append to g");
  if (truncate("g", 2) != 0) printf("truncate failed\n");
  struct timeval tv[2] = {{1, 0}, {2, 0}};
  utimes("g", tv);
  drain(fd, "truncate and utimes");
  unlink("h");
  drain(fd, "unlink h (g keeps a link)");
  f = open("g", O_WRONLY | O_TRUNC);
  close(f);
  drain(fd, "open g with O_TRUNC");
  rename("g", "sub/g2");
  drain(fd, "move g into sub");
  wds[2] = inotify_add_watch(fd, "sub", CHANGES | IN_ONESHOT);
  f = open("sub/one", O_CREAT | O_WRONLY, 0644);
  close(f);
  f = open("sub/two", O_CREAT | O_WRONLY, 0644);
  close(f);
  drain(fd, "two creates under a one-shot watch");
  unlink("sub/g2");
  drain(fd, "unlink g2 (its last link)");
  printf("rm_watch of a gone watch: %s\n", err(inotify_rm_watch(fd, wds[1])));

  wds[3] = inotify_add_watch(fd, "sub", IN_CREATE);
  int avail = 0;
  f = open("sub/three", O_CREAT | O_WRONLY, 0644);
  close(f);
  ioctl(fd, FIONREAD, &avail);
  printf("FIONREAD: %d\n", avail);
  printf("a read too small for it: %s\n", err(read(fd, b, 8)));
  drain(fd, "create three");
  printf("rm_watch: %s, twice: %s\n", err(inotify_rm_watch(fd, wds[3])), err(inotify_rm_watch(fd, wds[3])));
  drain(fd, "rm_watch");

  wds[4] = inotify_add_watch(fd, "sub/three", IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
  wds[5] = inotify_add_watch(fd, "sub", IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
  f = open("sub/three", O_RDONLY);
  int dup_of_it = dup(f);
  close(f);
  drain(fd, "open read-only, then close one of two fds");
  close(dup_of_it);
  drain(fd, "close the other");
  f = open("sub/three", O_WRONLY);
  if (write(f, "x", 1) != 1) printf("write failed\n");
  close(f);
  drain(fd, "open for writing, write, close");
  inotify_rm_watch(fd, wds[4]);
  inotify_rm_watch(fd, wds[5]);
  drain(fd, "removing those watches");

  /* IN_ACCESS: reads that moved bytes, on the file and its directory; a directory's listing. */
  wds[4] = inotify_add_watch(fd, "sub/three", IN_ACCESS);
  wds[5] = inotify_add_watch(fd, "sub", IN_ACCESS | IN_MODIFY);
  char byte[4];
  f = open("sub/three", O_RDWR);
  printf("read: %ld\n", (long)read(f, byte, 1));
  drain(fd, "read of one byte");
  printf("read at the end: %ld\n", (long)read(f, byte, 1));
  drain(fd, "read of nothing");
  struct iovec iov = {byte, 1};
  printf("pread, preadv: %ld %ld\n", (long)pread(f, byte, 1, 0), (long)preadv(f, &iov, 1, 0));
  drain(fd, "pread and preadv");
  int copy = open("sub/copy", O_WRONLY | O_CREAT, 0600);
  drain(fd, "creating sub/copy");
  off_t at = 0;
  printf("sendfile: %ld\n", (long)sendfile(copy, f, &at, 1));
  drain(fd, "sendfile from three to copy");
  loff_t in = 0;
  printf("copy_file_range: %ld\n", (long)copy_file_range(f, &in, copy, NULL, 1, 0));
  drain(fd, "copy_file_range from three to copy");
  close(copy);
  close(f);
  unlink("sub/copy");
  inotify_rm_watch(fd, wds[4]);
  drain(fd, "closing, unlinking copy");
  int d = open("sub", O_RDONLY | O_DIRECTORY);
  char dents[4096];
  long got;
  while ((got = syscall(SYS_getdents64, d, dents, sizeof dents)) > 0) {}
  printf("getdents64 to the end: %ld\n", got);
  close(d);
  drain(fd, "listing sub");
  inotify_rm_watch(fd, wds[5]);
  drain(fd, "removing those watches");

  printf("mask 0: %s; IN_ONLYDIR on a file: %s; IN_MASK_CREATE again: %s; missing path: %s; not inotify: %s\n",
         err(inotify_add_watch(fd, "l", 0)), err(inotify_add_watch(fd, "sub/one", IN_MODIFY | IN_ONLYDIR)),
         err(inotify_add_watch(fd, dir, IN_MODIFY | IN_MASK_CREATE)), err(inotify_add_watch(fd, "nope", IN_MODIFY)),
         err(inotify_add_watch(1, dir, IN_MODIFY)));
  unlink("sub/one");
  unlink("sub/two");
  unlink("sub/three");
  rmdir("sub");
  unlink("l");
  drain(fd, "emptying the directory");
  if (chdir("/") != 0) return 1;
  rmdir(dir);
  drain(fd, "rmdir of the watched directory");
  close(fd);
  dnotify("/tmp");
  return 0;
}
