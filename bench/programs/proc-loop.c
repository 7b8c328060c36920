/*
 * Process and address-space costs: N times fork + _exit + waitpid, N times fork + execve of itself
 * in its "noop" mode (or of PROGRAM, given) + waitpid, N times mmap of 64 KiB + a touch of each page + munmap, or N times
 * pthread_create + pthread_join of a thread that returns at once. Prints the mean cost of one round:
 *
 *   fork ns_per_call 123456.7
 *   execve ns_per_call 234567.8
 *   mmap ns_per_call 3456.7
 *   thread ns_per_call 12345.6
 *
 * Usage: proc-loop fork|execve|mmap|thread [N] [PROGRAM]   (N default 200). Static, so it runs on the
 * host and in a rootfs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *returns(void *arg) { return arg; }

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "noop") == 0) return 0;
  if (argc < 2 || (strcmp(argv[1], "fork") != 0 && strcmp(argv[1], "execve") != 0 && strcmp(argv[1], "mmap") != 0 &&
                   strcmp(argv[1], "thread") != 0)) {
    fprintf(stderr, "usage: proc-loop fork|execve|mmap|thread [N]\n");
    return 2;
  }
  int exec = strcmp(argv[1], "execve") == 0;
  long n = argc > 2 ? atol(argv[2]) : 200;
  if (strcmp(argv[1], "mmap") == 0) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
      char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return 1;
      for (int off = 0; off < 65536; off += 4096) p[off] = 1;
      munmap(p, 65536);
    }
    printf("mmap ns_per_call %.1f\n", (now_ns() - t0) / (double)n);
    return 0;
  }
  if (strcmp(argv[1], "thread") == 0) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
      pthread_t t;
      if (pthread_create(&t, NULL, returns, NULL) != 0 || pthread_join(t, NULL) != 0) return 1;
    }
    printf("thread ns_per_call %.1f\n", (now_ns() - t0) / (double)n);
    return 0;
  }
  char *noop[] = {argc > 3 ? argv[3] : argv[0], argc > 3 ? NULL : "noop", NULL};
  double start = now_ns();
  for (long i = 0; i < n; i++) {
    pid_t c = fork();
    if (c == 0) {
      if (exec) execv(noop[0], noop);
      _exit(0);
    }
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      fprintf(stderr, "proc-loop: child failed\n");
      return 1;
    }
  }
  printf("%s ns_per_call %.1f\n", argv[1], (now_ns() - start) / (double)n);
  return 0;
}
