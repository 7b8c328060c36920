// File benchmark workloads, timed with CLOCK_MONOTONIC. Usage: file-loop WORKLOAD DIR N
// Prints "ns_per_op X" (X: mean ns of one operation; for "write-disk" and "pipe", of one 4 KiB
// or 64 KiB block moved).
//   write-disk  N 4 KiB writes to a new file, then fsync (64 MiB: N=16384)
//   mkdir       N mkdir + rmdir pairs
//   open        N open + close of one file
//   stat        N stat of one file
//   read4k      N 4 KiB preads cycling over a 1 MiB file
//   write4k     N 4 KiB pwrites cycling over a 1 MiB file
//   pipe        N 64 KiB blocks from a child to its parent through a pipe
//   write1m     N 1 MiB writes, one after another, to a new file (no fsync)
//   pingpong    N round trips of one byte, parent to child and back, over two pipes
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static char block[65536];
static char big[1 << 20];

static void fill_file(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) die("open");
  for (int i = 0; i < 16; i++)
    if (write(fd, block, sizeof block) != sizeof block) die("write");
  close(fd);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s WORKLOAD DIR N\n", argv[0]);
    return 2;
  }
  const char *work = argv[1];
  long n = atol(argv[3]);
  char path[4096], sub[4096];
  snprintf(path, sizeof path, "%s/file-loop.%d", argv[2], getpid());
  snprintf(sub, sizeof sub, "%s/file-loop-dir.%d", argv[2], getpid());
  memset(block, 'x', sizeof block);
  double t0 = 0, t1 = 0;

  if (strcmp(work, "write-disk") == 0) {
    t0 = now_ns();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) die("open");
    for (long i = 0; i < n; i++)
      if (write(fd, block, 4096) != 4096) die("write");
    if (fsync(fd) != 0) die("fsync");
    close(fd);
    t1 = now_ns();
  } else if (strcmp(work, "mkdir") == 0) {
    for (long i = -n / 10; i < n; i++) {
      if (i == 0) t0 = now_ns(); // after n/10 untimed warm-up pairs
      if (mkdir(sub, 0700) != 0) die("mkdir");
      if (rmdir(sub) != 0) die("rmdir");
    }
    t1 = now_ns();
  } else if (strcmp(work, "open") == 0 || strcmp(work, "stat") == 0) {
    fill_file(path);
    int is_open = work[0] == 'o';
    struct stat st;
    for (long i = -n / 10; i < n; i++) {
      if (i == 0) t0 = now_ns(); // after n/10 untimed warm-up operations, as in getppid-loop
      if (is_open) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) die("open");
        close(fd);
      } else if (stat(path, &st) != 0) {
        die("stat");
      }
    }
    t1 = now_ns();
  } else if (strcmp(work, "read4k") == 0 || strcmp(work, "write4k") == 0) {
    fill_file(path);
    int writing = work[0] == 'w';
    int fd = open(path, O_RDWR);
    if (fd < 0) die("open");
    for (long i = -n / 10; i < n; i++) {
      if (i == 0) t0 = now_ns(); // after n/10 untimed warm-up operations
      off_t off = ((i + n) % 256) * 4096;
      ssize_t r = writing ? pwrite(fd, block, 4096, off) : pread(fd, block, 4096, off);
      if (r != 4096) die(writing ? "pwrite" : "pread");
    }
    t1 = now_ns();
    close(fd);
  } else if (strcmp(work, "pipe") == 0) {
    int p[2];
    if (pipe(p) != 0) die("pipe");
    t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
      close(p[0]);
      for (long i = 0; i < n; i++)
        if (write(p[1], block, sizeof block) != sizeof block) die("pipe write");
      _exit(0);
    }
    close(p[1]);
    long long total = 0;
    for (ssize_t r; (r = read(p[0], block, sizeof block)) > 0;) total += r;
    waitpid(pid, NULL, 0);
    t1 = now_ns();
    if (total != (long long)n * sizeof block) {
      fprintf(stderr, "pipe moved %lld bytes\n", total);
      return 1;
    }
  } else if (strcmp(work, "write1m") == 0) {
    memset(big, 'y', sizeof big);
    t0 = now_ns();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) die("open");
    for (long i = 0; i < n; i++)
      if (write(fd, big, sizeof big) != sizeof big) die("write");
    close(fd);
    t1 = now_ns();
  } else if (strcmp(work, "pingpong") == 0) {
    int down[2], up[2];
    if (pipe(down) != 0 || pipe(up) != 0) die("pipe");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      char c;
      close(down[1]);
      close(up[0]);
      while (read(down[0], &c, 1) == 1)
        if (write(up[1], &c, 1) != 1) die("pong");
      _exit(0);
    }
    close(down[0]);
    close(up[1]);
    char c = 'p';
    for (long i = -n / 10; i < n; i++) {
      if (i == 0) t0 = now_ns(); // after n/10 untimed warm-up round trips
      if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1) die("ping");
    }
    t1 = now_ns();
    close(down[1]);
    waitpid(pid, NULL, 0);
  } else {
    fprintf(stderr, "unknown workload %s\n", work);
    return 2;
  }
  unlink(path);
  printf("ns_per_op %.1f\n", (t1 - t0) / n);
  return 0;
}
