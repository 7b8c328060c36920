/*
 * Mounts: /proc/self (stat, status, cmdline, exe, fd), and a fresh tmpfs mounted over the
 * program's own directory (create, write, read, list, umount busy and not). Pids and host paths
 * differ between native and sandbox runs, so only comparisons and base names are printed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *err(int r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

/* The result of an open, closing what it opened. */
static const char *open_err(int fd) {
  if (fd < 0) return strerrorname_np(errno);
  close(fd);
  return "ok";
}

static ssize_t slurp(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = 0, r;
  while ((r = read(fd, buf + n, size - 1 - n)) > 0) n += r;
  close(fd);
  buf[n] = 0;
  return n;
}

static void proc_stat(void) {
  char buf[4096];
  if (slurp("/proc/self/stat", buf, sizeof buf) < 0) { printf("stat: %s\n", strerrorname_np(errno)); return; }
  int pid = atoi(buf);
  char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
  printf("stat pid is getpid: %d\n", pid == getpid());
  printf("stat comm: %.*s\n", (int)(close_paren - open_paren - 1), open_paren + 1);
  /* Fields after the comm, numbered from 3 (state) as in proc(5). */
  char *fields[64];
  int n = 0;
  for (char *tok = strtok(close_paren + 2, " "); tok && n < 64; tok = strtok(NULL, " ")) fields[n++] = tok;
  printf("stat fields: %d\n", n + 2);
  printf("state: %s\n", fields[0]);
  printf("ppid is getppid: %d\n", atoi(fields[1]) == getppid());
  printf("pgrp is getpgrp: %d\n", atoi(fields[2]) == getpgrp());
  printf("priority nice threads: %s %s %s\n", fields[15], fields[16], fields[17]);
}

static void proc_status(void) {
  char buf[8192];
  if (slurp("/proc/self/status", buf, sizeof buf) < 0) { printf("status: %s\n", strerrorname_np(errno)); return; }
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "Name:", 5) == 0 || strncmp(line, "State:", 6) == 0 || strncmp(line, "Threads:", 8) == 0) {
      printf("status %s\n", line);
    }
    if (strncmp(line, "Pid:", 4) == 0) printf("status Pid is getpid: %d\n", atoi(line + 4) == getpid());
  }
}

static void proc_cmdline(void) {
  char buf[4096];
  ssize_t n = slurp("/proc/self/cmdline", buf, sizeof buf);
  int args = 0;
  for (ssize_t i = 0; i < n; i++) args += buf[i] == 0;
  printf("cmdline args: %d, ends with NUL: %d, argv0 base: %s\n", args, n > 0 && buf[n - 1] == 0, basename(buf));
}

static void proc_links(char *exe, size_t size) {
  char self[64];
  ssize_t n = readlink("/proc/self", self, sizeof self - 1);
  self[n < 0 ? 0 : n] = 0;
  printf("/proc/self is getpid: %d\n", n > 0 && atoi(self) == getpid());
  n = readlink("/proc/self/exe", exe, size - 1);
  exe[n < 0 ? 0 : n] = 0;
  char copy[4096];
  strcpy(copy, exe);
  printf("exe absolute: %d, base: %s\n", exe[0] == '/', basename(copy));
  struct stat a, b;
  printf("stat of exe link is the exe: %d\n",
         stat("/proc/self/exe", &a) == 0 && stat(exe, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  char cwd[4096], link[4096];
  n = readlink("/proc/self/cwd", link, sizeof link - 1);
  link[n < 0 ? 0 : n] = 0;
  printf("cwd link is getcwd: %d\n", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, link) == 0);
  printf("readlink of a non-link: %s\n", err(readlink("/proc/self/stat", link, sizeof link)));
  printf("missing pid: %s\n", open_err(open("/proc/999999/stat", O_RDONLY)));
  int wfd = open("/proc/self/stat", O_WRONLY);
  printf("open /proc/self/stat for writing: %s\n", err(wfd));
  printf("write to it: %s\n", err(write(wfd, "x", 1)));
  close(wfd);
}

static void proc_fds(void) {
  int extra = open("/proc/self/cmdline", O_RDONLY);
  DIR *d = opendir("/proc/self/fd");
  if (!d) { printf("fd dir: %s\n", strerrorname_np(errno)); return; }
  int seen[64] = {0}, max = -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    int fd = atoi(e->d_name);
    if (fd < 64) seen[fd] = 1;
    if (fd > max) max = fd;
    if (e->d_type != DT_LNK) printf("fd %s is not a link\n", e->d_name);
  }
  printf("fds:");
  for (int i = 0; i <= max && i < 64; i++) if (seen[i]) printf(" %d", i);
  printf("\n");
  char path[64], target[4096];
  snprintf(path, sizeof path, "/proc/self/fd/%d", extra);
  ssize_t n = readlink(path, target, sizeof target - 1);
  target[n < 0 ? 0 : n] = 0;
  printf("fd link of an open file: %s\n", strstr(target, "/cmdline") ? "…/cmdline" : target);
  closedir(d);
  close(extra);
}

static void tmpfs(const char *exe) {
  char dir[4096];
  strcpy(dir, exe);
  dirname(dir);
  printf("mount on a missing dir: %s\n", err(mount("none", "/no/such/dir", "tmpfs", 0, NULL)));
  printf("mount on a file: %s\n", err(mount("none", exe, "tmpfs", 0, NULL)));
  printf("mount of an unknown type: %s\n", err(mount("none", dir, "nosuchfs", 0, NULL)));
  printf("umount of a plain dir: %s\n", err(umount2("/proc/self/fd", 0)));
  printf("mount tmpfs: %s\n", err(mount("none", dir, "tmpfs", 0, "mode=0750")));
  struct stat st;
  stat(dir, &st);
  printf("root mode: %o, nlink: %ld\n", st.st_mode, (long)st.st_nlink);
  char file[4200];
  snprintf(file, sizeof file, "%s/hello.txt", dir);
  int fd = open(file, O_RDWR | O_CREAT | O_EXCL, 0640);
  printf("create: %s\n", fd < 0 ? strerrorname_np(errno) : "ok");
  printf("write: %zd\n", write(fd, "hello, tmpfs\n", 13));
  lseek(fd, 100000, SEEK_SET);
  printf("write past a hole: %zd\n", write(fd, "end", 3));
  fstat(fd, &st);
  printf("size: %lld, mode: %o, nlink: %ld\n", (long long)st.st_size, st.st_mode, (long)st.st_nlink);
  char buf[32] = {0};
  printf("pread: %zd %.12s\n", pread(fd, buf, 12, 0), buf);
  char hole[8];
  pread(fd, hole, 8, 50000);
  printf("hole reads zeros: %d\n", memcmp(hole, "\0\0\0\0\0\0\0\0", 8) == 0);
  printf("O_EXCL again: %s\n", open_err(open(file, O_RDWR | O_CREAT | O_EXCL, 0640)));
  DIR *d = opendir(dir);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) if (e->d_name[0] != '.') printf("entry: %s type %d\n", e->d_name, e->d_type);
  closedir(d);
  printf("umount while open: %s\n", err(umount2(dir, 0)));
  close(fd);
  printf("umount: %s\n", err(umount2(dir, 0)));
  printf("file gone: %s\n", open_err(open(file, O_RDONLY)));
  printf("exe visible again: %d\n", access(exe, X_OK) == 0);
  printf("umount again: %s\n", err(umount2(dir, 0)));
}

int main(void) {
  char exe[4096];
  setvbuf(stdout, NULL, _IONBF, 0);
  proc_stat();
  proc_status();
  proc_cmdline();
  proc_links(exe, sizeof exe);
  proc_fds();
  tmpfs(exe);
  return 0;
}
