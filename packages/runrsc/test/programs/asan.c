// Built with -fsanitize=address: AddressSanitizer maps terabytes of shadow memory (MAP_NORESERVE)
// and a PROT_NONE gap at start-up, and touches the shadow of every access. The program does some
// ordinary work (a thread, a fork, I/O into heap buffers), then, with "overflow", writes one byte
// past a heap block, which AddressSanitizer reports; with "leak", loses a heap block, which
// LeakSanitizer finds at exit (it stops the world with a clone sharing memory, and ptrace).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *sum(void *arg) {
  long *v = arg, s = 0;
  for (int i = 0; i < 1000; i++) s += v[i];
  return (void *)s;
}

static void *volatile lost;

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  long *v = malloc(1000 * sizeof *v);
  for (int i = 0; i < 1000; i++) v[i] = i;
  pthread_t t;
  void *s;
  pthread_create(&t, NULL, sum, v);
  pthread_join(t, &s);
  printf("sum in a thread: %ld\n", (long)s);
  char *buf = malloc(64);
  FILE *f = fopen("/etc/passwd", "r");
  size_t n = fread(buf, 1, 63, f);
  buf[n] = 0;
  fclose(f);
  printf("read into the heap: %s\n", strncmp(buf, "root:", 5) == 0 ? "root" : "other");
  pid_t c = fork();
  if (c == 0) _exit(v[999] == 999 ? 3 : 4);
  int st;
  waitpid(c, &st, 0);
  printf("child status %d\n", WEXITSTATUS(st));
  free(v);
  if (argc > 1 && strcmp(argv[1], "leak") == 0) {
    lost = malloc(40);
    lost = NULL;
  } else if (argc > 1) {
    char *p = malloc(10);
    memset(p, 0, 10);
    p[argc + 9] = 1; // one byte past the block
    free(p);
  }
  free(buf);
  printf("done\n");
  return 0;
}
