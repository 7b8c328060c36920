/*
 * Runs a command and prints how long it took, from fork to its exit, measured inside the
 * sandbox so that the sandbox's own start-up is not counted:
 *
 *   ns_per_op 123456789.0
 *
 * Usage: timeit PROGRAM [ARGS...]   (fails if PROGRAM does not exit with status 0)
 * Static, so it runs on the host, in a rootfs and under every tracer.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: timeit PROGRAM [ARGS...]\n");
    return 2;
  }
  double start = now_ns();
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 1;
  }
  if (child == 0) {
    execv(argv[1], argv + 1);
    perror(argv[1]);
    _exit(127);
  }
  int status;
  if (waitpid(child, &status, 0) != child) {
    perror("waitpid");
    return 1;
  }
  double end = now_ns();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "timeit: %s failed (status 0x%x)\n", argv[1], status);
    return 1;
  }
  printf("ns_per_op %.1f\n", end - start);
  return 0;
}
