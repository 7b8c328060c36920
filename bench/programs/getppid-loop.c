/*
 * Calls getppid N times through syscall(2) and prints the mean cost of one call:
 *
 *   getppid ns_per_call 1146.3
 *
 * Usage: getppid-loop [N]   (default 100000; a tenth as many warm-up calls go first)
 * Built static so that it runs unchanged on the host, under a tracer, and in a sandbox rootfs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  if (n <= 0) {
    fprintf(stderr, "usage: getppid-loop [N > 0]\n");
    return 2;
  }
  for (long i = 0; i < n / 10; i++) syscall(SYS_getppid);

  double start = now_ns();
  for (long i = 0; i < n; i++) syscall(SYS_getppid);
  double end = now_ns();

  printf("getppid ns_per_call %.1f\n", (end - start) / (double)n);
  return 0;
}
