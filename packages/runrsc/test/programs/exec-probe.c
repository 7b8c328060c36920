// Runs each program named on the command line in a child and prints one line per program:
//
//   NAME: execve -1 ERRNO           (execve failed)
//   NAME: exit N / NAME: signal N   (it ran, and ended so)
//
// elf-malformed.test.ts feeds it malformed executables, in the sandbox and natively.
// "big-args:NAME" runs NAME with 4 MiB of arguments (more than Linux's 1/4 of the 8 MiB stack).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void run(const char *spec) {
  const char *path = spec;
  char **argv;
  static char *plain[2];
  if (!strncmp(spec, "big-args:", 9)) {
    path = spec + 9;
    // 4096 arguments of 1 KiB each: 4 MiB, past the 2 MiB Linux allows an 8 MiB stack.
    enum { COUNT = 4096, SIZE = 1024 };
    argv = calloc(COUNT + 2, sizeof *argv);
    argv[0] = (char *)path;
    for (int i = 1; i <= COUNT; i++) {
      argv[i] = malloc(SIZE);
      memset(argv[i], 'a', SIZE - 1);
      argv[i][SIZE - 1] = 0;
    }
  } else {
    plain[0] = (char *)path;
    argv = plain;
  }
  int report[2];
  pipe2(report, O_CLOEXEC);
  pid_t child = fork();
  if (child == 0) {
    execve(path, argv, environ);
    int e = errno;
    write(report[1], &e, sizeof e);
    _exit(127);
  }
  close(report[1]);
  int e = 0;
  int failed = read(report[0], &e, sizeof e) == sizeof e;
  close(report[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (failed) printf("%s: execve -1 %s\n", spec, strerrorname_np(e));
  else if (WIFSIGNALED(status)) printf("%s: signal %d\n", spec, WTERMSIG(status));
  else printf("%s: exit %d\n", spec, WEXITSTATUS(status));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  for (int i = 1; i < argc; i++) run(argv[i]);
  return 0;
}
