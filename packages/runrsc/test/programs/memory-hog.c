/* Allocates and touches 1 MiB at a time until malloc fails (or 4 GiB), then says how far it got. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  size_t mib = 0;
  for (;;) {
    char *p = malloc(1 << 20);
    if (!p) break;
    memset(p, 1, 1 << 20);
    if (++mib >= 4096) break;
  }
  printf("allocated %zu MiB before failing\n", mib);
  return 0;
}
