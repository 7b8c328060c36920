// Escape attempts: ways a guest might name a file outside its root. escape.test.ts puts a decoy
// secret just outside the rootfs and symlinks pointing at it inside; this program tries to reach
// it and prints outcomes only (an errno name, or "ok" and whether the decoy was read).
//
//   escape paths   `..`, symlinks and loops; the output must equal a native run under chroot
//   escape proc    /proc/self/root, /proc/<pid>/root, /proc/self/cwd, /proc/self/exe, fd links
//   escape race    opens /race/dir/file in a loop while the host swaps /race/dir for a symlink
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/** The marker every decoy file holds; it must never reach a guest. */
#define DECOY_MARK "DECOY"

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case ELOOP: return "ELOOP";
    case ENOTDIR: return "ENOTDIR";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EXDEV: return "EXDEV";
    case EINVAL: return "EINVAL";
    default: return "E?";
  }
}

/** Opens and reads `path` (relative to dirfd); 1 = read the decoy, 0 = read something else, -errno. */
static int try_read(int dirfd, const char *path, int flags) {
  int fd = openat(dirfd, path, O_RDONLY | flags);
  if (fd < 0) return -errno;
  char buf[4096];
  long n = read(fd, buf, sizeof buf - 1);
  int e = errno;
  close(fd);
  if (n < 0) return -e;
  buf[n] = 0;
  return strstr(buf, DECOY_MARK) != NULL;
}

static void report(const char *what, int dirfd, const char *path, int flags) {
  int r = try_read(dirfd, path, flags);
  if (r < 0) printf("%s = -1 %s\n", what, errno_name(-r));
  else printf("%s = ok decoy %d\n", what, r);
}

static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void paths(void) {
  report("/../../../../etc/shadow", AT_FDCWD, "/../../../../etc/shadow", 0);
  chdir("/tmp");
  report("../../../../etc/shadow from /tmp", AT_FDCWD, "../../../../etc/shadow", 0);
  report("/abs-out (absolute host path)", AT_FDCWD, "/abs-out", 0);
  report("/rel-out (../etc/shadow)", AT_FDCWD, "/rel-out", 0);
  report("/tmp/deep-out (many ..)", AT_FDCWD, "/tmp/deep-out", 0);
  report("/dir-out/etc/shadow (link to ..)", AT_FDCWD, "/dir-out/etc/shadow", 0);
  report("/abs-dir-out/etc/shadow (link to host dir)", AT_FDCWD, "/abs-dir-out/etc/shadow", 0);
  int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
  report("openat(/tmp, ../../../etc/shadow)", tmp, "../../../etc/shadow", 0);
  close(tmp);
  printf("/.. is / %d\n", same_file("/..", "/"));
  printf("/tmp/../../.. is / %d\n", same_file("/tmp/../../..", "/"));
  printf("/dir-out is / %d\n", same_file("/dir-out", "/"));

  // Symlink loops and chains, made here so native and sandboxed runs make the same ones.
  char dir[] = "/tmp/escape-XXXXXX";
  if (!mkdtemp(dir) || chdir(dir) != 0) { perror("setup"); return; }
  symlink("self", "self");
  symlink("loop-b", "loop-a");
  symlink("loop-a", "loop-b");
  symlink("loop-a/x", "through-loop");
  int fd = open("target", O_WRONLY | O_CREAT, 0644);
  write(fd, "target", 6);
  close(fd);
  // chain-N follows N links to reach target; Linux allows 40.
  char name[32], next[32];
  for (int i = 1; i <= 41; i++) {
    snprintf(name, sizeof name, "chain-%d", i);
    if (i == 1) strcpy(next, "target");
    else snprintf(next, sizeof next, "chain-%d", i - 1);
    symlink(next, name);
  }
  report("self loop", AT_FDCWD, "self", 0);
  report("two-link loop", AT_FDCWD, "loop-a", 0);
  report("loop in a directory component", AT_FDCWD, "through-loop", 0);
  report("self loop O_NOFOLLOW", AT_FDCWD, "self", O_NOFOLLOW);
  report("chain of 40", AT_FDCWD, "chain-40", 0);
  report("chain of 41", AT_FDCWD, "chain-41", 0);
  struct stat s;
  errno = 0;
  printf("stat self loop = %s\n", stat("self", &s) == 0 ? "ok" : errno_name(errno));
  printf("lstat self loop = %s\n", lstat("self", &s) == 0 ? "ok" : errno_name(errno));
  errno = 0;
  printf("mkdir through loop = %s\n", mkdir("loop-a/new", 0755) == 0 ? "ok" : errno_name(errno));
  // Renaming and linking "up and out" stays inside too.
  errno = 0;
  printf("rename to ../../../../escaped = %s\n",
         rename("target", "../../../../escaped") == 0 ? "ok" : errno_name(errno));
  printf("/escaped exists %d\n", access("/escaped", F_OK) == 0);
  unlink("/escaped");
  for (int i = 1; i <= 41; i++) {
    snprintf(name, sizeof name, "chain-%d", i);
    unlink(name);
  }
  unlink("self");
  unlink("loop-a");
  unlink("loop-b");
  unlink("through-loop");
  chdir("/");
  rmdir(dir);
}

/** Compares the bytes of two files. */
static int same_contents(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int same = fa && fb;
  while (same) {
    int ca = fgetc(fa), cb = fgetc(fb);
    if (ca != cb) same = 0;
    if (ca == EOF || cb == EOF) break;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return same;
}

static void show_link(const char *what, const char *path) {
  char buf[4096];
  long n = readlink(path, buf, sizeof buf - 1);
  if (n < 0) { printf("readlink %s = -1 %s\n", what, errno_name(errno)); return; }
  buf[n] = 0;
  printf("readlink %s = %s\n", what, buf);
}

static void proc(const char *self_path) {
  char path[128];
  show_link("/proc/self/root", "/proc/self/root");
  report("/proc/self/root/../../../etc/shadow", AT_FDCWD, "/proc/self/root/../../../etc/shadow", 0);
  report("/proc/self/root/abs-dir-out/etc/shadow", AT_FDCWD, "/proc/self/root/abs-dir-out/etc/shadow", 0);
  printf("/proc/self/root/etc/passwd is /etc/passwd %d\n", same_contents("/proc/self/root/etc/passwd", "/etc/passwd"));
  printf("/proc/self/root/.. is / %d\n", same_file("/proc/self/root/..", "/"));
  snprintf(path, sizeof path, "/proc/%d/root/../../etc/shadow", getpid());
  report("/proc/<pid>/root/../../etc/shadow", AT_FDCWD, path, 0);

  // Another process's root and cwd: a child parked in /tmp.
  int ready[2];
  pipe(ready);
  pid_t child = fork();
  if (child == 0) {
    chdir("/tmp");
    write(ready[1], "r", 1);
    pause();
    _exit(0);
  }
  char c;
  read(ready[0], &c, 1);
  snprintf(path, sizeof path, "/proc/%d/root", child);
  show_link("/proc/<child>/root", path);
  snprintf(path, sizeof path, "/proc/%d/cwd", child);
  show_link("/proc/<child>/cwd", path);
  snprintf(path, sizeof path, "/proc/%d/cwd/../../../etc/shadow", child);
  report("/proc/<child>/cwd/../../../etc/shadow", AT_FDCWD, path, 0);
  snprintf(path, sizeof path, "/proc/%d/root/rel-out", child);
  report("/proc/<child>/root/rel-out", AT_FDCWD, path, 0);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);

  chdir("/tmp");
  show_link("/proc/self/cwd", "/proc/self/cwd");
  report("/proc/self/cwd/../../../../etc/shadow", AT_FDCWD, "/proc/self/cwd/../../../../etc/shadow", 0);
  show_link("/proc/self/exe", "/proc/self/exe");
  printf("/proc/self/exe is the program %d\n", same_contents("/proc/self/exe", self_path));
  report("/proc/self/exe/../etc/shadow", AT_FDCWD, "/proc/self/exe/../etc/shadow", 0);

  // A directory fd's link leads back inside, however many .. follow it.
  int root = open("/", O_RDONLY | O_DIRECTORY);
  snprintf(path, sizeof path, "/proc/self/fd/%d/../../../etc/shadow", root);
  report("/proc/self/fd/<root>/../../../etc/shadow", AT_FDCWD, path, 0);
  snprintf(path, sizeof path, "/proc/self/fd/%d", root);
  show_link("/proc/self/fd/<root>", path);
  close(root);
  report("/proc/1/root/abs-out", AT_FDCWD, "/proc/1/root/abs-out", 0);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void race(void) {
  long inside = 0, decoy = 0, missing = 0, other = 0, listed_decoy = 0;
  int race_dir = open("/race", O_RDONLY | O_DIRECTORY);
  double end = now() + 3;
  for (long i = 0; i < 20000 && now() < end; i++) {
    // Absolute, dirfd-relative and cwd-relative opens, each resolved while the host swaps.
    int r = i % 3 == 0 ? try_read(AT_FDCWD, "/race/dir/file", 0)
          : i % 3 == 1 ? try_read(race_dir, "dir/file", 0)
          : chdir("/race/dir") == 0 ? try_read(AT_FDCWD, "file", 0) : -errno;
    if (r == 1) decoy++;
    else if (r == 0) inside++;
    else if (r == -ENOENT) missing++;
    else other++;
    // The secret's name must not show up in a listing either.
    if (i % 50 == 0 && access("/race/dir/secret-name", F_OK) == 0) listed_decoy++;
    chdir("/");
  }
  close(race_dir);
  printf("race: decoy %ld decoy-names %ld\n", decoy, listed_decoy);
  // Counts vary with timing: the test only checks that both sides of the swap were seen.
  fprintf(stderr, "race counts: inside %ld missing %ld other %ld\n", inside, missing, other);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "paths")) paths();
  else if (argc > 1 && !strcmp(argv[1], "proc")) proc(argv[0]);
  else if (argc > 1 && !strcmp(argv[1], "race")) race();
  else { fprintf(stderr, "usage: escape paths|proc|race\n"); return 2; }
  return 0;
}
