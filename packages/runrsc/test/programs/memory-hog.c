/*
 * Allocates and touches 1 MiB at a time until malloc fails (or 4 GiB), then says how far it got.
 * With "reserve": reserves 64 GiB of PROT_NONE address space (which costs no memory), then makes
 * 1 MiB of it at a time readable and writable, touched, until mprotect fails (or 4 GiB).
 * With "noreserve": maps 64 GiB with MAP_NORESERVE and touches it 1 MiB at a time, saying so
 * after each, until it is killed (or 4 GiB).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
  size_t mib = 0;
  if (argc > 1 && strcmp(argv[1], "reserve") == 0) {
    char *r = mmap(NULL, 64UL << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) {
      printf("reserve: %s\n", strerror(errno));
      return 1;
    }
    while (mib < 4096 && mprotect(r + (mib << 20), 1 << 20, PROT_READ | PROT_WRITE) == 0) memset(r + (mib++ << 20), 1, 1 << 20);
    printf("made %zu MiB of 65536 reserved usable before failing (%s)\n", mib, strerror(errno));
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "noreserve") == 0) {
    char *r = mmap(NULL, 64UL << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) {
      printf("map: %s\n", strerror(errno));
      return 1;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    while (mib < 4096) {
      memset(r + (mib << 20), 1, 1 << 20);
      printf("touched %zu MiB\n", ++mib);
    }
    return 0;
  }
  for (;;) {
    char *p = malloc(1 << 20);
    if (!p) break;
    memset(p, 1, 1 << 20);
    if (++mib >= 4096) break;
  }
  printf("allocated %zu MiB before failing\n", mib);
  return 0;
}
