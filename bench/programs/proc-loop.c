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
 * Usage: proc-loop [--warm W] [--heap MB] fork|execve|mmap|thread [N] [PROGRAM]   (N default 200).
 * With --warm, W rounds run first, untimed: a JIT-compiled kernel reaches its steady speed only
 * after some thousands of rounds. With --heap, the process first fills MB MiB of heap, as a
 * language runtime's is; each fork's child then writes a byte of it and the parent, once the child
 * is reaped, a byte in each of its MiB, as a runtime that spawns a program goes on. Static, so it
 * runs on the host and in a rootfs.
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

static char *heap;
static long heap_mib;

/* N rounds of `op`; returns 0, or 1 when one failed. */
static int rounds(const char *op, long n, char **noop) {
  for (long i = 0; i < n; i++) {
    if (strcmp(op, "mmap") == 0) {
      char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return 1;
      for (int off = 0; off < 65536; off += 4096) p[off] = 1;
      munmap(p, 65536);
    } else if (strcmp(op, "thread") == 0) {
      pthread_t t;
      if (pthread_create(&t, NULL, returns, NULL) != 0 || pthread_join(t, NULL) != 0) return 1;
    } else {
      pid_t c = fork();
      if (c == 0) {
        if (strcmp(op, "execve") == 0) execv(noop[0], noop);
        if (heap) heap[i % (heap_mib << 20)]++;
        _exit(0);
      }
      int st;
      if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "proc-loop: child failed\n");
        return 1;
      }
      for (long m = 0; m < heap_mib; m++) heap[(m << 20) + i % 4096]++;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "noop") == 0) return 0;
  char *self = argv[0];
  long warm = 0;
  if (argc > 2 && strcmp(argv[1], "--warm") == 0) {
    warm = atol(argv[2]);
    argc -= 2;
    argv += 2;
  }
  if (argc > 2 && strcmp(argv[1], "--heap") == 0) {
    heap_mib = atol(argv[2]);
    argc -= 2;
    argv += 2;
    heap = malloc(heap_mib << 20);
    if (heap == NULL) return 1;
    memset(heap, 1, heap_mib << 20);
  }
  const char *op = argc > 1 ? argv[1] : "";
  if (strcmp(op, "fork") != 0 && strcmp(op, "execve") != 0 && strcmp(op, "mmap") != 0 && strcmp(op, "thread") != 0) {
    fprintf(stderr, "usage: proc-loop [--warm W] [--heap MB] fork|execve|mmap|thread [N] [PROGRAM]\n");
    return 2;
  }
  long n = argc > 2 ? atol(argv[2]) : 200;
  char *noop[] = {argc > 3 ? argv[3] : self, argc > 3 ? NULL : "noop", NULL};
  if (rounds(op, warm, noop) != 0) return 1;
  double start = now_ns();
  if (rounds(op, n, noop) != 0) return 1;
  printf("%s ns_per_call %.1f\n", op, (now_ns() - start) / (double)n);
  return 0;
}
