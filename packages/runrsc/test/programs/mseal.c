// Conformance: mseal (Linux 6.10; newer than the C library's headers) — its argument checks, a
// range that must be mapped, and what a seal refuses with EPERM: munmap (nothing unmapped),
// mprotect and madvise's discards (the mappings before the sealed one still change, as Linux goes
// one mapping at a time; discards only of read-only private anonymous memory), MAP_FIXED over it,
// mremap from or onto it, brk shrinking over it. Seals split mappings (/proc/self/maps), survive
// fork, and go with the address space at execve.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SYS_mseal_ 462

static long ps;

static void show(const char *what, long r) {
  if (r == -1) printf("%s: %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static long mseal_(void *addr, size_t len, unsigned long flags) { return syscall(SYS_mseal_, addr, len, flags); }

/** `n` pages of anonymous memory with an unmapped page on either side. */
static char *fenced(int n, int prot) {
  char *p = mmap(NULL, (n + 2) * ps, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p, ps);
  munmap(p + (n + 1) * ps, ps);
  return p + ps;
}

/** /proc/self/maps's lines for [lo, hi), addresses as page numbers from lo. */
static void maps(const char *what, char *lo, char *hi) {
  printf("%s:\n", what);
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  while (fgets(line, sizeof line, f)) {
    unsigned long s, e;
    char perms[8];
    sscanf(line, "%lx-%lx %7s", &s, &e, perms);
    if (s < (unsigned long)hi && e > (unsigned long)lo)
      printf("  pages %ld-%ld %s\n", (long)(s - (unsigned long)lo) / ps, (long)(e - (unsigned long)lo) / ps, perms);
  }
  fclose(f);
}

static void arguments(void) {
  printf("-- arguments\n");
  char *a = fenced(2, PROT_READ | PROT_WRITE);
  show("flags 1", mseal_(a, ps, 1));
  show("unaligned", mseal_(a + 1, ps, 0));
  show("length 0", mseal_(a, 0, 0));
  show("length 0 of an unmapped address", mseal_(a - ps, 0, 0));
  show("length -1", mseal_(a, (size_t)-1, 0));
  show("past the end of memory", mseal_(a, (size_t)-1 - 4 * ps, 0));
  show("a range running into a hole", mseal_(a + ps, 2 * ps, 0));
  show("an unmapped page", mseal_(a - ps, ps, 0));
  show("a range starting in a hole", mseal_(a - ps, 2 * ps, 0));
  show("nothing was sealed: munmap", munmap(a, 2 * ps));
  char *b = fenced(1, PROT_READ | PROT_WRITE);
  show("length not a page multiple", mseal_(b, 1, 0));
  show("again", mseal_(b, ps, 0));
}

static void refusals(void) {
  printf("-- what a seal refuses\n");
  char *a = fenced(4, PROT_READ | PROT_WRITE);
  a[ps] = 5;
  show("seal page 1", mseal_(a + ps, ps, 0));
  maps("maps", a, a + 4 * ps);
  show("write to it", (a[ps] = 6));
  show("munmap it", munmap(a + ps, ps));
  show("munmap pages 0-3", munmap(a, 4 * ps));
  show("page 0 still mapped", mprotect(a, ps, PROT_READ | PROT_WRITE));
  show("mprotect it", mprotect(a + ps, ps, PROT_READ));
  show("mprotect it to what it is", mprotect(a + ps, ps, PROT_READ | PROT_WRITE));
  show("mprotect pages 0-2 read-only", mprotect(a, 3 * ps, PROT_READ));
  maps("maps", a, a + 4 * ps);
  show("MAP_FIXED over it", mmap(a + ps, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
  show("MAP_FIXED over pages 2-3", mmap(a + 2 * ps, 2 * ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
  show("MAP_FIXED_NOREPLACE over it", mmap(a + ps, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED ? -1 : 0);
  int fd = open("/etc/passwd", O_RDONLY);
  show("MAP_FIXED of a file over it", mmap(a + ps, ps, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED ? -1 : 0);
  close(fd);
  show("mremap shrinking it", mremap(a + ps, ps, ps / 2, 0) == MAP_FAILED ? -1 : 0);
  show("mremap moving it", mremap(a + ps, ps, ps, MREMAP_MAYMOVE | MREMAP_FIXED, a + 3 * ps) == MAP_FAILED ? -1 : 0);
  char *b = fenced(1, PROT_READ | PROT_WRITE);
  show("mremap onto it", mremap(b, ps, ps, MREMAP_MAYMOVE | MREMAP_FIXED, a + ps) == MAP_FAILED ? -1 : 0);
  show("madvise DONTNEED of writable sealed memory", madvise(a + ps, ps, MADV_DONTNEED));
  show("  which it discarded", a[ps]);
  show("the seal still holds", munmap(a + ps, ps));
}

static void discards(void) {
  printf("-- discards\n");
  char *r = fenced(2, PROT_READ | PROT_WRITE);
  r[0] = 1;
  r[ps] = 2;
  mprotect(r + ps, ps, PROT_READ);
  show("seal read-only page 1", mseal_(r + ps, ps, 0));
  show("MADV_DONTNEED over pages 0-1", madvise(r, 2 * ps, MADV_DONTNEED));
  show("  page 0 discarded (reads 0)", r[0]);
  show("  page 1 kept", r[ps]);
  int advice[] = { MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_WIPEONFORK, MADV_WILLNEED, MADV_NORMAL, MADV_SEQUENTIAL };
  const char *names[] = { "FREE", "REMOVE", "DONTFORK", "WIPEONFORK", "WILLNEED", "NORMAL", "SEQUENTIAL" };
  for (unsigned i = 0; i < sizeof advice / sizeof *advice; i++) {
    char what[64];
    snprintf(what, sizeof what, "MADV_%s of it", names[i]);
    show(what, madvise(r + ps, ps, advice[i]));
  }
  int fd = open("/etc/passwd", O_RDONLY);
  char *f = mmap(NULL, ps, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  show("seal a read-only private file mapping", mseal_(f, ps, 0));
  show("MADV_DONTNEED of it", madvise(f, ps, MADV_DONTNEED));
  char *s = mmap(NULL, ps, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  show("seal read-only shared memory", mseal_(s, ps, 0));
  show("MADV_DONTNEED of it", madvise(s, ps, MADV_DONTNEED));
}

static void heap(void) {
  printf("-- the heap\n");
  char *start = sbrk(0);
  sbrk(4 * ps);
  char *top = sbrk(0);
  char *last = (char *)(((unsigned long)top - 1) & ~(ps - 1));
  show("seal the heap's last page", mseal_(last, ps, 0));
  show("brk back to the start leaves the break", (long)syscall(SYS_brk, start) == (long)top);
  show("brk growing still works", (long)syscall(SYS_brk, top + ps) == (long)(top + ps));
}

static void inheritance(char *self) {
  printf("-- fork and execve\n");
  char *a = fenced(1, PROT_READ | PROT_WRITE);
  mseal_(a, ps, 0);
  pid_t c = fork();
  if (c == 0) {
    show("child: munmap the sealed page", munmap(a, ps));
    show("child: mprotect it", mprotect(a, ps, PROT_READ));
    fflush(stdout);
    char arg[32];
    snprintf(arg, sizeof arg, "%p", (void *)a);
    execl(self, self, "after-exec", arg, NULL);
    _exit(1);
  }
  int st;
  waitpid(c, &st, 0);
  show("child's status", WEXITSTATUS(st));
}

static void after_exec(const char *addr) {
  char *a = (char *)strtoul(addr, NULL, 16);
  char *p = mmap(a, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  show("after execve: map that address again", p == a ? 0 : -1);
  show("after execve: munmap it", munmap(a, ps));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  ps = sysconf(_SC_PAGESIZE);
  if (argc > 2 && strcmp(argv[1], "after-exec") == 0) {
    after_exec(argv[2]);
    return 0;
  }
  arguments();
  refusals();
  discards();
  heap();
  inheritance(argv[0]);
  return 0;
}
