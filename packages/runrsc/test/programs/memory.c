/*
 * Memory: mmap/munmap/mprotect, fixed and no-replace mappings, mremap, madvise, brk, mincore,
 * what fork shares or copies, mappings of a file (read-only ones share the file's kept bytes in
 * the sandbox: writes must stay in the writer's copy), and shared mappings of memfds, /dev/shm files
 * and files on disk, which are the file's own pages, and memfd seals; large memory a fork shares
 * copy-on-write in the sandbox (each side's writes, the kernel's, a signal frame, a futex wait
 * across the copy, a vfork after it). Printed line by line for a native-vs-sandbox comparison.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>


/** In the program's data segment (initialised, so read from the file), one page-aligned page of its own. */
static char program_data[4096] __attribute__((aligned(4096))) = {42};
static sigjmp_buf jump;
static void on_segv(int sig) { siglongjmp(jump, sig); }

static const char *err(long r) { return r < 0 || r == (long)MAP_FAILED ? strerrorname_np(errno) : "ok"; }

/** Mappings of a file that has settled (its bytes are then kept and shared in the sandbox). */
static void file_mappings(long page) {
  char path[] = "/tmp/memory-map-XXXXXX";
  int fd = mkstemp(path);
  static char content[3 * 4096];
  for (size_t i = 0; i < sizeof content; i++) content[i] = (char)('a' + i % 26);
  if (write(fd, content, 2 * page + 100) != 2 * page + 100) printf("write failed\n");
  close(fd);
  fd = open(path, O_RDONLY);
  char *fresh = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, page);
  close(fd);
  fresh[0] = '!';
  long gone = madvise(fresh, page, MADV_DONTNEED);
  printf("dontneed a private mapping of a file just written: %s, reads the file again %d\n", err(gone),
         memcmp(fresh, content + page, page) == 0);
  munmap(fresh, page);
  sleep(3); // older than the kernel's two seconds: a file whose bytes may be kept
  fd = open(path, O_RDONLY);
  char *ro = mmap(NULL, 3 * page, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("private read-only: %s, bytes match %d, past the end zero %d\n", err((long)ro),
         memcmp(ro, content, 2 * page + 100) == 0, ro[2 * page + 100] == 0);
  char *rw = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, page);
  printf("private writable at page 1: %s, bytes match %d\n", err((long)rw), memcmp(rw, content + page, page) == 0);
  rw[0] = '!';
  char back;
  pread(fd, &back, 1, page);
  printf("a write there reaches neither the file %d nor the other mapping %d\n", back == content[page], ro[page] == content[page]);
  printf("mprotect the read-only one writable: %s\n", err(mprotect(ro, page, PROT_READ | PROT_WRITE)));
  ro[1] = '?';
  char *again = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("its write is its own: a new mapping reads %d\n", again[1] == content[1]);
  pid_t c = fork();
  if (c == 0) { signal(SIGSEGV, SIG_DFL); again[0] = 'x'; _exit(0); } // PROT_READ: the child faults
  int st;
  waitpid(c, &st, 0);
  printf("child writing a read-only mapping: signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
  c = fork();
  if (c == 0) { rw[1] = '#'; _exit(0); }
  waitpid(c, &st, 0);
  printf("a child's write to a private mapping stays its own: %d\n", rw[1] == content[page + 1]);
  // madvise(MADV_DONTNEED) drops a private file mapping's own pages: they read the file again.
  long r = madvise(rw, page, MADV_DONTNEED);
  printf("dontneed a written private mapping: %s, reads the file again %d\n", err(r), memcmp(rw, content + page, page) == 0);
  r = madvise(ro, 3 * page, MADV_DONTNEED);
  printf("dontneed a read-only one made writable and written: %s, reads the file again %d\n", err(r),
         memcmp(ro, content, 2 * page + 100) == 0 && ro[2 * page + 100] == 0);
  r = madvise(again, page, MADV_DONTNEED);
  printf("dontneed an unwritten read-only one: %s, still the file %d\n", err(r), memcmp(again, content, page) == 0);
  int fd2 = open(path, O_RDONLY);
  char *closed = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd2, 0);
  close(fd2);
  closed[0] = '!';
  r = madvise(closed, page, MADV_DONTNEED);
  printf("dontneed after its fd is closed: %s, reads the file again %d\n", err(r), closed[0] == content[0]);
  char *sh = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
  printf("shared read-only: %s, bytes match %d\n", err((long)sh), memcmp(sh, content, page) == 0);
  printf("mprotect it writable: %s\n", err(mprotect(sh, page, PROT_READ | PROT_WRITE)));
  close(fd);
  fd = open(path, O_WRONLY);
  if (pwrite(fd, "Z", 1, 0) != 1) printf("pwrite failed\n");
  close(fd);
  fd = open(path, O_RDONLY);
  char *changed = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("after a write to the file, a new mapping reads it: %d\n", changed[0] == 'Z');
  close(fd);
  unlink(path);
}

/** MAP_SHARED of files whose bytes live in memory (a memfd, a /dev/shm file): one set of pages. */
static void shared_memory_files(long page) {
  int fd = memfd_create("shared", 0);
  if (ftruncate(fd, 2 * page) != 0) printf("ftruncate failed\n");
  char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("memfd shared writable: %s\n", err((long)p));
  char buf[8] = {0};
  memcpy(p, "mapped", 6);
  pread(fd, buf, 6, 0);
  printf("read(2) sees a write through the mapping: %s\n", buf);
  pwrite(fd, "filed", 5, page);
  printf("the mapping sees pwrite(2): %.5s\n", p + page);
  char *second = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
  printf("a second mapping at page 1 reads %.5s\n", second);
  pid_t c = fork();
  if (c == 0) { p[page] = 'F'; _exit(0); }
  waitpid(c, NULL, 0);
  printf("a child's write is the parent's too: %.5s, and the other mapping's: %.5s\n", p + page, second);
  // Growing the file while it is mapped keeps one set of pages.
  if (pwrite(fd, "end", 3, 64 * page) != 3) printf("pwrite failed\n");
  p[1] = 'A';
  pread(fd, buf, 6, 0);
  printf("after the file grew: read(2) %s, mapping %.5s\n", buf, second);
  if (ftruncate(fd, 4 * page) != 0) printf("ftruncate failed\n");
  char *grown = mremap(p, 2 * page, 4 * page, MREMAP_MAYMOVE);
  printf("mremap grown: %s, keeps the bytes %d\n", err((long)grown), memcmp(grown, "mApped", 6) == 0);
  memcpy(grown + 3 * page, "grown", 5);
  pread(fd, buf, 5, 3 * page);
  printf("read(2) sees a write to the grown part: %.5s\n", buf);
  if (ftruncate(fd, page) != 0 || ftruncate(fd, 2 * page) != 0) printf("ftruncate failed\n");
  printf("truncated and grown again: the mapping reads zeros %d\n", second[0] == 0);
  munmap(grown, 4 * page);
  munmap(second, page);
  close(fd);

  char name[64];
  snprintf(name, sizeof name, "/dev/shm/rvisor-memory-%d", getpid());
  fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (ftruncate(fd, page) != 0) printf("ftruncate failed\n");
  int *counter = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  *counter = 41;
  c = fork();
  if (c == 0) {
    int cfd = open(name, O_RDWR);
    int *mine = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
    (*mine)++;
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("/dev/shm file mapped by two processes: %d\n", *counter);
  munmap(counter, page);
  fd = open(name, O_RDONLY);
  int value = 0;
  pread(fd, &value, sizeof value, 0);
  printf("its bytes stay in the file after munmap: %d\n", value);
  printf("PROT_WRITE over a read-only fd: %s\n", err((long)mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)));
  int *ro = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
  printf("read-only: %d, mprotect it writable: %s\n", *ro, err(mprotect(ro, page, PROT_READ | PROT_WRITE)));
  printf("a private mapping of it is writable: %s\n", err((long)mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)));
  close(fd);
  unlink(name);
}

/**
 * A memfd mapped by two processes grows past memory taken by other files since (which may move
 * its pages in the sandbox): both still share one set of pages with the file.
 */
static void shared_memory_growth(long page) {
  int fd = memfd_create("grows", 0);
  if (ftruncate(fd, page) != 0) printf("ftruncate failed\n");
  char *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int others[8];
  for (int i = 0; i < 8; i++) {
    others[i] = memfd_create("other", 0);
    if (pwrite(others[i], "x", 1, 0) != 1) printf("pwrite failed\n");
  }
  int go[2];
  if (pipe(go) != 0) printf("pipe failed\n");
  pid_t c = fork();
  if (c == 0) {
    char b;
    if (read(go[0], &b, 1) != 1) _exit(1);
    printf("the child, once it grew: %.3s\n", p);
    p[3] = '!';
    _exit(0);
  }
  memcpy(p, "one", 4);
  if (pwrite(fd, "z", 1, 64 * page) != 1) printf("pwrite failed\n");
  p[0] = 'O';
  char buf[8] = {0};
  pread(fd, buf, 3, 0);
  printf("grown while mapped: read(2) %s, mapping %.3s\n", buf, p);
  if (write(go[1], "g", 1) != 1) printf("write failed\n");
  waitpid(c, NULL, 0);
  pread(fd, buf, 4, 0);
  printf("after the child wrote: read(2) %.4s, mapping %.4s\n", buf, p);
  for (int i = 0; i < 8; i++) close(others[i]);
  close(go[0]);
  close(go[1]);
  munmap(p, page);
  close(fd);
}

/** MAP_SHARED of a file on disk, writable: one set of pages with read(2) and write(2), kept in the file. */
static void shared_disk_file(long page) {
  char path[] = "/tmp/memory-shared-XXXXXX";
  int fd = mkstemp(path);
  static char content[2 * 4096];
  for (size_t i = 0; i < sizeof content; i++) content[i] = (char)('a' + i % 26);
  if (write(fd, content, 2 * page) != 2 * page) printf("write failed\n");
  char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("disk file shared writable: %s, bytes match %d\n", err((long)p), memcmp(p, content, 2 * page) == 0);
  p[0] = 'M';
  char b[4] = {0};
  pread(fd, b, 1, 0);
  printf("read(2) sees the mapping's write: %c\n", b[0]);
  pwrite(fd, "W", 1, page);
  lseek(fd, 2, SEEK_SET);
  if (write(fd, "w", 1) != 1) printf("write failed\n");
  printf("the mapping sees pwrite(2) %c and write(2) %c\n", p[page], p[2]);
  int ro = open(path, O_RDONLY);
  char *view = mmap(NULL, page, PROT_READ, MAP_SHARED, ro, 0);
  printf("a read-only fd's shared mapping: %s, sees %c\n", err((long)view), view[0]);
  pid_t c = fork();
  if (c == 0) { p[1] = 'C'; _exit(0); }
  waitpid(c, NULL, 0);
  pread(ro, b, 2, 0);
  printf("a child's write: mapping %c, other mapping %c, read(2) %c\n", p[1], view[1], b[1]);
  printf("msync: %s\n", err(msync(p, 2 * page, MS_SYNC)));
  if (ftruncate(fd, page) != 0 || ftruncate(fd, 2 * page) != 0) printf("ftruncate failed\n");
  printf("truncated and grown again: page 1 reads zeros %d\n", p[page] == 0 && p[page + 1] == 0);
  pwrite(fd, "G", 1, 2 * page);
  char *grown = mremap(p, 2 * page, 3 * page, MREMAP_MAYMOVE);
  printf("mremap grown over more of the file: %s, reads %c\n", err((long)grown), grown[2 * page]);
  grown[page + 5] = 'T';
  munmap(grown, 3 * page);
  munmap(view, page);
  close(ro);
  close(fd);
  fd = open(path, O_RDONLY);
  char kept[8] = {0};
  pread(fd, kept, 4, 0);
  pread(fd, kept + 4, 1, page + 5);
  printf("after munmap and close, the file holds %s\n", kept);
  close(fd);
  fd = open(path, O_RDWR);
  char *again = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("mapped again: %.4s\n", again);
  again[3] = '!';
  printf("fsync: %s\n", err(fsync(fd)));
  int other = open(path, O_RDONLY);
  pread(other, b, 1, 3);
  printf("after fsync, read(2) through another fd: %c\n", b[0]);
  close(other);
  munmap(again, page);
  close(fd);
  unlink(path);
}

/** memfd seals and fallocate on memory files, as fcntl(2) and memfd_create(2) describe them. */
static void memfd_seals(long page) {
  int plain = memfd_create("plain", 0);
  printf("seals of a memfd without MFD_ALLOW_SEALING: %d, adding one: %s\n", fcntl(plain, F_GET_SEALS),
         err(fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE)));
  close(plain);
  int fd = memfd_create("sealed", MFD_ALLOW_SEALING);
  if (ftruncate(fd, 2 * page) != 0) printf("ftruncate failed\n");
  const char *r1 = err(fallocate(fd, 0, 0, 3 * page));
  printf("fallocate past the end: %s, size then %ld\n", r1, (long)lseek(fd, 0, SEEK_END));
  pwrite(fd, "data", 4, 0);
  r1 = err(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, page));
  char c = 1;
  pread(fd, &c, 1, 0);
  printf("punch a hole: %s, reads zero %d\n", r1, c == 0);
  printf("FALLOC_FL_ZERO_RANGE: %s\n", err(fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, page)));
  printf("seals: %d, an unknown one: %s\n", fcntl(fd, F_GET_SEALS), err(fcntl(fd, F_ADD_SEALS, 0x4000)));
  char *w = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("F_SEAL_WRITE while mapped writable: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
  munmap(w, page);
  printf("after munmap: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)));
  printf("seals now: %d\n", fcntl(fd, F_GET_SEALS));
  printf("write: %s, pwrite: %s\n", err(write(fd, "x", 1)), err(pwrite(fd, "x", 1, 0)));
  printf("shrink: %s, grow: %s, same size: %s\n", err(ftruncate(fd, page)), err(ftruncate(fd, 4 * page)),
         err(ftruncate(fd, 3 * page)));
  printf("fallocate past the end: %s, punch: %s\n", err(fallocate(fd, 0, 0, 4 * page)),
         err(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, page)));
  printf("shared writable mapping: %s\n", err((long)mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)));
  char *r = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
  printf("shared read-only mapping: %s, mprotect writable: %s\n", err((long)r), err(mprotect(r, page, PROT_READ | PROT_WRITE)));
  char *priv = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  printf("private writable mapping: %s\n", err((long)priv));
  r1 = err(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
  printf("F_SEAL_SEAL: %s, then another: %s\n", r1, err(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE)));
  close(fd);
  fd = memfd_create("future", MFD_ALLOW_SEALING);
  if (ftruncate(fd, page) != 0) printf("ftruncate failed\n");
  char *before = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("F_SEAL_FUTURE_WRITE while mapped writable: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE)));
  before[0] = 'k';
  char back = 0;
  pread(fd, &back, 1, 0);
  printf("the earlier mapping still writes: %c; write: %s; a new writable mapping: %s\n", back, err(write(fd, "x", 1)),
         err((long)mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)));
  close(fd);
  char name[64];
  snprintf(name, sizeof name, "/dev/shm/rvisor-seals-%d", getpid());
  fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  printf("a /dev/shm file's seals: %d, adding one: %s\n", fcntl(fd, F_GET_SEALS), err(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW)));
  close(fd);
  unlink(name);
}

/** Locking memory: ranges that must be mapped, flags checked; as root, no limit. */
/** The lines of /proc/self/maps within [lo, hi), as page numbers from lo and permissions. */
static void maps_between(const char *what, char *lo, char *hi, long page) {
  printf("%s:", what);
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    unsigned long s, e;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3) continue;
    if (s < (unsigned long)hi && e > (unsigned long)lo)
      printf(" [%ld-%ld %s]", (long)(s - (unsigned long)lo) / page, (long)(e - (unsigned long)lo) / page, perms);
  }
  if (f) fclose(f);
  printf("\n");
}

static char *race_area;
static pthread_barrier_t race_start;

/** Each thread touches a page of every fresh MiB of MAP_NORESERVE memory, all at once. */
static void *race_touch(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < 64; i++) {
    pthread_barrier_wait(&race_start);
    race_area[((size_t)i << 20) + id * 4096] = (char)(id + 1);
  }
  return NULL;
}

/** Threads that touch one fresh piece of MAP_NORESERVE memory at the same time all go on. */
static void racing_touches(long page) {
  (void)page;
  race_area = mmap(NULL, 64UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  pthread_barrier_init(&race_start, NULL, 4);
  pthread_t t[4];
  for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, race_touch, (void *)i);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  int good = 1;
  for (int i = 0; i < 64; i++)
    for (long id = 0; id < 4; id++) good &= race_area[((size_t)i << 20) + id * 4096] == (char)(id + 1);
  printf("four threads touching fresh MAP_NORESERVE memory at once: %s\n", good ? "all written" : "lost writes");
  munmap(race_area, 64UL << 20);
}

/**
 * PROT_NONE anonymous memory held for later, as thread arenas, the JVM and sanitizers hold it:
 * parts made accessible by mprotect or by MAP_FIXED over it, moved with mremap, kept over fork.
 */
static void reservations(long page) {
  printf("-- reserved address space\n");
  char *r = mmap(NULL, 64 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  printf("reserve 64 pages: %s\n", err((long)r));
  int faulted = sigsetjmp(jump, 1);
  if (!faulted) r[0] = 1;
  printf("touch it: fault=%d\n", faulted);
  printf("read(2) into it: %s\n", err(read(open("/dev/zero", O_RDONLY), r, 16)));
  printf("mprotect pages 8-11 rw: %s\n", err(mprotect(r + 8 * page, 4 * page, PROT_READ | PROT_WRITE)));
  r[8 * page] = 5;
  r[12 * page - 1] = 6;
  printf("zero-filled and kept: %d %d %d\n", r[9 * page], r[8 * page], r[12 * page - 1]);
  faulted = sigsetjmp(jump, 1);
  if (!faulted) r[12 * page] = 1;
  printf("page 12 still reserved: fault=%d\n", faulted);
  char *c = mmap(r + 20 * page, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("MAP_FIXED over pages 20-21: %s\n", err((long)(c == r + 20 * page ? 0 : -1)));
  c[0] = 7;
  maps_between("maps", r, r + 64 * page, page);
  printf("mprotect pages 8-9 back to none: %s\n", err(mprotect(r + 8 * page, 2 * page, PROT_NONE)));
  long again = mprotect(r + 8 * page, 2 * page, PROT_READ);
  printf("and readable again, contents kept: %s %d\n", err(again), r[8 * page]);
  printf("MAP_FIXED_NOREPLACE over it: %s\n", err((long)mmap(r + 40 * page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)));
  printf("munmap pages 30-33: %s\n", err(munmap(r + 30 * page, 4 * page)));
  pid_t child = fork();
  if (child == 0) {
    int ok = r[8 * page] == 5 && r[12 * page - 1] == 6 && c[0] == 7;
    int fault = sigsetjmp(jump, 1);
    if (!fault) r[50 * page] = 1;
    _exit(ok && fault ? 0 : 1);
  }
  int status;
  waitpid(child, &status, 0);
  printf("a child sees the same: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");
  char *moved = mremap(r + 40 * page, 8 * page, 16 * page, MREMAP_MAYMOVE);
  printf("mremap a reserved part: %s\n", err((long)moved));
  faulted = sigsetjmp(jump, 1);
  if (!faulted) moved[15 * page] = 1;
  printf("still reserved where it went: fault=%d\n", faulted);
  printf("mprotect its last page rw: %s\n", err(mprotect(moved + 15 * page, page, PROT_READ | PROT_WRITE)));
  moved[15 * page] = 3;
  printf("written: %d\n", moved[15 * page]);
  munmap(moved, 16 * page);
  munmap(r, 64 * page);
  // MAP_NORESERVE memory: usable at once, paid for where touched.
  char *lazy = mmap(NULL, 1UL << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  printf("map 1 TiB MAP_NORESERVE: %s\n", err((long)lazy));
  lazy[0] = 1;
  lazy[(1UL << 39) + 12345] = 2;
  lazy[(1UL << 40) - 1] = 3;
  long got = read(open("/proc/self/stat", O_RDONLY), lazy + (1UL << 38), 8);
  printf("touched: %d %d %d, untouched reads %d, read(2) into it: %s\n", lazy[0], lazy[(1UL << 39) + 12345],
         lazy[(1UL << 40) - 1], lazy[3UL << 37], got == 8 ? "8" : "short");
  printf("write(2) from untouched memory: %s\n", err(write(open("/dev/null", O_WRONLY), lazy + (5UL << 36), 4096)));
  long ro = mprotect(lazy + (1UL << 39), 1 << 20, PROT_READ);
  faulted = sigsetjmp(jump, 1);
  if (!faulted) lazy[(1UL << 39) + 12345] = 9;
  printf("made read-only: %s, write fault=%d, value %d\n", err(ro), faulted, lazy[(1UL << 39) + 12345]);
  long none = mprotect(lazy + (1UL << 38) + (8UL << 20), 1 << 20, PROT_NONE);
  faulted = sigsetjmp(jump, 1);
  if (!faulted) lazy[(1UL << 38) + (8UL << 20)] = 1;
  printf("made PROT_NONE before it was touched: %s, fault=%d\n", err(none), faulted);
  child = fork();
  if (child == 0) _exit(lazy[0] == 1 && lazy[(1UL << 40) - 1] == 3 && lazy[1UL << 30] == 0 ? 0 : 1);
  waitpid(child, &status, 0);
  printf("a child sees the same: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");
  maps_between("maps around the read-only part", lazy + (1UL << 39) - (1 << 20), lazy + (1UL << 39) + (2 << 20), 1 << 20);
  printf("munmap it: %s\n", err(munmap(lazy, 1UL << 40)));
  racing_touches(page);
  char *big = mmap(NULL, 1UL << 40, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  printf("reserve 1 TiB: %s\n", err((long)big));
  printf("mprotect 1 MiB of it rw: %s\n", err(mprotect(big + (1UL << 39), 1 << 20, PROT_READ | PROT_WRITE)));
  big[(1UL << 39) + 4096] = 1;
  printf("munmap it: %s\n", err(munmap(big, 1UL << 40)));
}

static void locking(long page) {
  char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p + 2 * page, page); // a hole at page 2
  printf("mlock: %s, unaligned start: %s, over the hole: %s\n", err(mlock(p, 2 * page)), err(mlock(p + 100, page)),
         err(mlock(p + page, 2 * page)));
  printf("mlock2 MLOCK_ONFAULT: %s, bad flags: %s\n", err(syscall(SYS_mlock2, p, page, 1)), err(syscall(SYS_mlock2, p, page, 2)));
  printf("munlock: %s, over the hole: %s\n", err(munlock(p, 2 * page)), err(munlock(p, 4 * page)));
  printf("mlockall(0): %s, MCL_ONFAULT alone: %s, MCL_CURRENT: %s\n", err(mlockall(0)), err(mlockall(MCL_ONFAULT)),
         err(mlockall(MCL_CURRENT)));
  printf("munlockall: %s\n", err(munlockall()));
  munmap(p, 2 * page);
  munmap(p + 3 * page, page);
}

static pthread_mutex_t *cow_lock;
static pthread_cond_t *cow_cond;
static int *cow_flag;

static void *cow_waiter(void *arg) {
  (void)arg;
  pthread_mutex_lock(cow_lock);
  while (!*cow_flag) pthread_cond_wait(cow_cond, cow_lock);
  pthread_mutex_unlock(cow_lock);
  return NULL;
}

static void *word_writer(void *arg) {
  volatile long *words = arg;
  pthread_mutex_t *lock = (pthread_mutex_t *)(words + 8);
  while (words[0] >= 0) {
    usleep(100);
    pthread_mutex_lock(lock); // the word both threads write, as CPython's GIL
    words[3]++;
    pthread_mutex_unlock(lock);
  }
  return NULL;
}

static volatile int on_alt_stack;
static void on_usr1(int sig) {
  char here;
  (void)sig;
  on_alt_stack = (long)&here & 1 ? 2 : 1; // touches the stack the handler runs on
}

/** Memory large enough for the sandbox's fork to share it copy-on-write (1 MiB and more). */
static void fork_copies(long page) {
  size_t len = 1 << 20;
  char *region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *heap = malloc(4 << 20);
  memset(region, 1, len);
  memset(heap, 1, 4 << 20);
  int to_child[2], to_parent[2];
  if (pipe(to_child) || pipe(to_parent)) printf("pipe failed\n");
  pid_t child = fork();
  if (child == 0) {
    region[0] = 2;
    heap[(4 << 20) - 1] = 2;
    char go;
    if (read(to_child[0], &go, 1) != 1) _exit(1);
    // What the parent wrote after the fork is not the child's; a read() the kernel fills is.
    if (read(to_child[0], region + page, 3) != 3) _exit(1);
    char out[8] = {region[0], region[5], region[page], heap[0], heap[(4 << 20) - 1], heap[100]};
    if (write(to_parent[1], out, sizeof out) != sizeof out) _exit(1);
    _exit(0);
  }
  region[5] = 3; // while the child still shares it
  heap[100] = 3;
  if (write(to_child[1], "gxyz", 4) != 4) printf("write failed\n");
  char seen[8];
  if (read(to_parent[0], seen, sizeof seen) != sizeof seen) printf("read failed\n");
  waitpid(child, NULL, 0);
  printf("fork copy, child saw: %d %d %c %d %d %d\n", seen[0], seen[1], seen[2], seen[3], seen[4], seen[5]);
  printf("fork copy, parent has: %d %d %d %d %d %d\n", region[0], region[5], region[page], heap[0], heap[(4 << 20) - 1], heap[100]);

  // The parent alone again: its writes land, and a second fork's child sees them.
  region[7] = 4;
  child = fork();
  if (child == 0) _exit(region[7] == 4 && region[5] == 3 ? 0 : 1);
  int status;
  waitpid(child, &status, 0);
  printf("second fork sees the parent's writes: %s\n", WEXITSTATUS(status) == 0 ? "yes" : "no");

  // madvise(DONTNEED) in the child zeroes only its copy; mprotect there leaves the parent alone.
  child = fork();
  if (child == 0) {
    madvise(region, len, MADV_DONTNEED);
    mprotect(region + page, page, PROT_READ);
    _exit(region[0] == 0 && region[page] == 0 ? 0 : 1);
  }
  waitpid(child, &status, 0);
  region[page] = 5; // still writable here
  printf("child's DONTNEED: %s, parent keeps %d %d\n", WEXITSTATUS(status) == 0 ? "zeros" : "not zeros", region[0], region[page]);

  // A signal frame on an alternate stack the fork shared.
  child = fork();
  if (child == 0) {
    stack_t ss = {.ss_sp = region, .ss_size = len, .ss_flags = 0};
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
    sigaltstack(&ss, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    _exit(on_alt_stack != 0 && region[0] == 1 ? 0 : 1);
  }
  waitpid(child, &status, 0);
  printf("signal on a shared alternate stack: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "handled" : "failed");

  // A thread waits on a condition variable in shared memory; the fork's copy moves the word under
  // it before the main thread signals.
  cow_lock = (pthread_mutex_t *)(region + 2 * page);
  cow_cond = (pthread_cond_t *)(region + 3 * page);
  cow_flag = (int *)(region + 4 * page);
  pthread_mutex_init(cow_lock, NULL);
  pthread_cond_init(cow_cond, NULL);
  *cow_flag = 0;
  pthread_t waiter;
  pthread_create(&waiter, NULL, cow_waiter, NULL);
  usleep(20000);
  child = fork();
  if (child == 0) {
    usleep(50000);
    _exit(0);
  }
  pthread_mutex_lock(cow_lock);
  *cow_flag = 1;
  pthread_cond_signal(cow_cond);
  pthread_mutex_unlock(cow_lock);
  pthread_join(waiter, NULL);
  waitpid(child, NULL, 0);
  printf("condition variable across a fork's copy: woken\n");

  // A thread that sleeps and takes a lock the forking thread takes too, fork after fork: the lock
  // word lives in memory each fork shares (dynamic.test.ts's CPython pool is the case that once
  // killed such a thread, whose fault came in before the forking thread's copy).
  static volatile long words[1 << 17]; // 1 MiB
  pthread_t writer;
  pthread_mutex_t *lock = (pthread_mutex_t *)(words + 8);
  words[0] = 0;
  pthread_mutex_init(lock, NULL);
  pthread_create(&writer, NULL, word_writer, (void *)words);
  for (int i = 0; i < 100; i++) {
    child = fork();
    if (child == 0) _exit(words[1] == 0 ? 0 : 1);
    pthread_mutex_lock(lock);
    words[2]++;
    pthread_mutex_unlock(lock);
    waitpid(child, NULL, 0);
    usleep(100);
  }
  words[0] = -1;
  pthread_join(writer, NULL);
  printf("a thread's writes across 100 forks: done, %ld\n", words[2]);

  // vfork borrows the memory: the child's writes reach the parent, even where a fork left it shared.
  child = fork();
  if (child == 0) {
    usleep(50000);
    _exit(0);
  }
  pid_t borrower = vfork();
  if (borrower == 0) {
    region[9] = 9;
    _exit(0);
  }
  waitpid(borrower, NULL, 0);
  waitpid(child, NULL, 0);
  printf("vfork child's write: %d\n", region[9]);
  free(heap);
  munmap(region, len);
}

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGSEGV, on_segv);

  char *a = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("anon zero-filled: %d\n", a[0] == 0 && a[4 * page - 1] == 0);
  strcpy(a, "hello");
  printf("mprotect ro: %s\n", err(mprotect(a, page, PROT_READ)));
  int faulted = sigsetjmp(jump, 1);
  if (!faulted) a[0] = 'H';
  printf("write to read-only: fault=%d content=%s\n", faulted, a);
  mprotect(a, page, PROT_READ | PROT_WRITE);
  printf("munmap middle: %s\n", err(munmap(a + page, page)));
  faulted = sigsetjmp(jump, 1);
  if (!faulted) a[page] = 1;
  printf("touch unmapped hole: fault=%d\n", faulted);
  char *f = mmap(a + page, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("fixed_noreplace into the hole: %s\n", err((long)f));
  f = mmap(a, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  printf("fixed_noreplace over a mapping: %s\n", err((long)f));
  f = mmap(a, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("fixed replaces: %s zeroed=%d\n", err((long)f), a[0] == 0);
  printf("mmap len 0: %s\n", err((long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
  printf("mmap unaligned offset: %s\n", err((long)mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1)));
  printf("mprotect over a hole: %s\n", err(mprotect(a, 4 * page, PROT_READ)));

  char *r = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  strcpy(r, "kept");
  char *r2 = mremap(r, page, 64 * page, MREMAP_MAYMOVE);
  printf("mremap grow: %s content=%s tail_zero=%d\n", err((long)r2), r2, r2[63 * page] == 0);
  r2 = mremap(r2, 64 * page, page, 0);
  printf("mremap shrink: %s content=%s\n", err((long)r2), r2);

  char *d = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  d[10] = 7;
  madvise(d, page, MADV_DONTNEED);
  printf("madvise dontneed reads zero: %d\n", d[10] == 0);
  // The program's own data is a private mapping of its file: a discarded page reads the file again.
  program_data[0] = 9;
  char *data_page = (char *)((unsigned long)program_data & ~(unsigned long)(page - 1));
  long gone = madvise(data_page, page, MADV_DONTNEED);
  printf("dontneed of the program's data: %s, reads the file's value %d\n", err(gone), program_data[0] == 42);

  unsigned char vec[4] = {0};
  d[0] = 1; /* resident, natively too */
  long mc = mincore(d, page, vec);
  printf("mincore: %s resident=%d\n", err(mc), vec[0] & 1);
  printf("msync: %s\n", err(msync(d, page, MS_SYNC)));

  char *b0 = sbrk(0);
  char *b1 = sbrk(1 << 20);
  b1[(1 << 20) - 1] = 1;
  printf("brk grows: %d\n", sbrk(0) == b0 + (1 << 20));
  /* Many small growths: the heap stays one mapping, and a child sees every byte of it. */
  for (int i = 0; i < 64; i++) {
    char *g = sbrk(65536);
    for (int j = 0; j < 65536; j += 4096) g[j] = (char)(i + j / 4096);
  }
  char *top = sbrk(0);
  pid_t heap_child = fork();
  if (heap_child == 0) {
    int same = 1;
    for (int i = 0; i < 64; i++)
      for (int j = 0; j < 65536; j += 4096) same &= top[-65536 * (64 - i) + j] == (char)(i + j / 4096);
    _exit(same ? 0 : 1);
  }
  int heap_status;
  waitpid(heap_child, &heap_status, 0);
  printf("heap after 64 growths, as the child sees it: %s\n", WEXITSTATUS(heap_status) == 0 ? "same" : "different");
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  int heap_lines = 0;
  while (maps && fgets(line, sizeof line, maps)) heap_lines += strstr(line, "[heap]") != NULL;
  if (maps) fclose(maps);
  printf("heap mappings: %d\n", heap_lines);

  int *shared = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int *private = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *shared = 1;
  *private = 1;
  pid_t child = fork();
  if (child == 0) {
    *shared = 2;
    *private = 2;
    _exit(0);
  }
  waitpid(child, NULL, 0);
  printf("after fork: shared=%d private=%d\n", *shared, *private);
  file_mappings(page);
  shared_memory_files(page);
  shared_memory_growth(page);
  shared_disk_file(page);
  memfd_seals(page);
  reservations(page);
  locking(page);
  fork_copies(page);
  return 0;
}
