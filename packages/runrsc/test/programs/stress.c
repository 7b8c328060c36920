// Resource pressure and bad input for robustness.test.ts. Every mode prints what it saw; where
// Linux's answer is defined the test compares the output with a native run.
//
//   stress fds         RLIMIT_NOFILE 256: open until EMFILE, then close one and open again
//   stress threads N   N threads that each add 1 to a counter, all joined
//   stress badptr      a bad pointer in each pointer argument of a list of syscalls: EFAULT
//   stress getdents    a getdents64 that faults, then one that does not
//   stress pmem MIB    MAP_POPULATE mappings of MIB MiB until ENOMEM, then free them and go on
//   stress children    25 batches of 50 children that exec /bin/true, while the parent, a SIGCHLD
//                      handler installed, sleeps in short naps and checks its memory
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *ename(int e) {
  const char *n = strerrorname_np(e);
  return n ? n : "E?";
}

static void fds(void) {
  struct rlimit lim = { 256, 256 };
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) { perror("setrlimit"); exit(1); }
  int last = -1;
  for (;;) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0) { printf("open until %s: highest fd %d\n", ename(errno), last); break; }
    last = fd;
  }
  errno = 0;
  int p[2];
  printf("pipe at the limit: %s\n", pipe(p) == 0 ? "ok" : ename(errno));
  errno = 0;
  printf("dup at the limit: %s\n", dup(0) >= 0 ? "ok" : ename(errno));
  errno = 0;
  printf("dup2 to 256: %s\n", dup2(0, 256) >= 0 ? "ok" : ename(errno));
  errno = 0;
  printf("F_DUPFD from 300: %s\n", fcntl(0, F_DUPFD, 300) >= 0 ? "ok" : ename(errno));
  close(last);
  int fd = open("/dev/null", O_RDONLY);
  printf("after one close: fd %d\n", fd);
  for (int i = 3; i <= last; i++) close(i);
  // Everything is usable again: a child, a pipe, a file.
  if (pipe(p) != 0) { perror("pipe"); exit(1); }
  pid_t child = fork();
  if (child == 0) { write(p[1], "ok", 2); _exit(0); }
  char buf[3] = { 0 };
  read(p[0], buf, 2);
  waitpid(child, NULL, 0);
  printf("after closing all: child says %s\n", buf);
}

static int counter;

static void *add_one(void *arg) {
  (void)arg;
  __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static void threads(int n) {
  pthread_t *t = calloc(n, sizeof *t);
  int started = 0;
  for (int i = 0; i < n; i++) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int e = pthread_create(&t[i], &attr, add_one, NULL);
    pthread_attr_destroy(&attr);
    if (e != 0) { printf("pthread_create %d: %s\n", i, ename(e)); break; }
    started++;
  }
  for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
  printf("%d threads joined, counter %d\n", started, counter);
}

#define BAD_COUNT 4
/** Unmapped low memory, an unmapped high user address, the trampoline page, a kernel address. */
static void *const BAD[BAD_COUNT] = {
  (void *)1, (void *)0x100000000000UL, (void *)0x7ff000000000UL, (void *)0xffff880000000000UL,
};

/** Runs `call` with each bad pointer and prints the errnos it got, e.g. "read buf: EFAULT x4". */
#define PROBE(name, call)                                                                          \
  do {                                                                                             \
    char seen[128] = "";                                                                           \
    int efault = 0;                                                                                \
    for (int i_ = 0; i_ < BAD_COUNT; i_++) {                                                       \
      void *bad = BAD[i_];                                                                         \
      errno = 0;                                                                                   \
      long r_ = (call);                                                                            \
      if (r_ == -1 && errno == EFAULT) efault++;                                                   \
      else {                                                                                       \
        char one[40];                                                                              \
        snprintf(one, sizeof one, " [%d]=%ld %s", i_, r_, r_ == -1 ? ename(errno) : "");           \
        strncat(seen, one, sizeof seen - strlen(seen) - 1);                                        \
      }                                                                                            \
    }                                                                                              \
    printf("%s: EFAULT x%d%s\n", name, efault, seen);                                              \
  } while (0)

static void badptr(void) {
  int p[2];
  pipe(p);
  write(p[1], "data", 4);
  int dir = open("/", O_RDONLY | O_DIRECTORY);
  int file = open("/etc/passwd", O_RDONLY);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  struct timespec ts = { 0, 0 };
  char buf[64];
  PROBE("read buf", syscall(SYS_read, p[0], bad, 4));
  write(p[1], "data", 4);
  PROBE("write buf", syscall(SYS_write, p[1], bad, 4));
  PROBE("pread64 buf", syscall(SYS_pread64, file, bad, 4, 0));
  PROBE("readv iov", syscall(SYS_readv, p[0], bad, 1));
  PROBE("readv iov_base", syscall(SYS_readv, p[0], &(struct iovec){ bad, 4 }, 1));
  PROBE("writev iov", syscall(SYS_writev, p[1], bad, 1));
  PROBE("writev iov_base", syscall(SYS_writev, p[1], &(struct iovec){ bad, 4 }, 1));
  PROBE("openat path", syscall(SYS_openat, AT_FDCWD, bad, O_RDONLY));
  PROBE("newfstatat path", syscall(SYS_newfstatat, AT_FDCWD, bad, buf, 0));
  PROBE("newfstatat statbuf", syscall(SYS_newfstatat, AT_FDCWD, "/", bad, 0));
  PROBE("fstat statbuf", syscall(SYS_fstat, dir, bad));
  PROBE("statx buf", syscall(SYS_statx, AT_FDCWD, "/", 0, 0x7ff, bad));
  PROBE("access path", syscall(SYS_access, bad, F_OK));
  PROBE("readlink path", syscall(SYS_readlink, bad, buf, sizeof buf));
  PROBE("readlink buf", syscall(SYS_readlink, "/bin/sh", bad, 64));
  PROBE("getcwd buf", syscall(SYS_getcwd, bad, 64));
  PROBE("chdir path", syscall(SYS_chdir, bad));
  PROBE("mkdir path", syscall(SYS_mkdir, bad, 0755));
  PROBE("unlink path", syscall(SYS_unlink, bad));
  PROBE("rename old", syscall(SYS_rename, bad, "/tmp/x"));
  PROBE("getdents64 buf", (lseek(dir, 0, SEEK_SET), syscall(SYS_getdents64, dir, bad, 4096)));
  PROBE("pipe2 fds", syscall(SYS_pipe2, bad, 0));
  PROBE("socketpair fds", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, bad));
  PROBE("sendto buf", syscall(SYS_sendto, sv[0], bad, 4, 0, NULL, 0));
  PROBE("recvfrom buf", (send(sv[0], "x", 1, 0), syscall(SYS_recvfrom, sv[1], bad, 4, 0, NULL, NULL)));
  PROBE("sendmsg msg", syscall(SYS_sendmsg, sv[0], bad, 0));
  PROBE("getsockopt optlen", syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, buf, bad));
  PROBE("uname buf", syscall(SYS_uname, bad));
  PROBE("sysinfo buf", syscall(SYS_sysinfo, bad));
  PROBE("getrusage buf", syscall(SYS_getrusage, RUSAGE_SELF, bad));
  PROBE("times buf", syscall(SYS_times, bad));
  PROBE("getrlimit buf", syscall(SYS_getrlimit, RLIMIT_NOFILE, bad));
  PROBE("prlimit64 old", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, bad));
  PROBE("clock_gettime tp", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, bad));
  PROBE("gettimeofday tv", syscall(SYS_gettimeofday, bad, NULL));
  PROBE("nanosleep req", syscall(SYS_nanosleep, bad, NULL));
  PROBE("clock_nanosleep req", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, bad, NULL));
  PROBE("rt_sigaction act", syscall(SYS_rt_sigaction, SIGUSR1, bad, NULL, 8));
  PROBE("rt_sigaction oldact", syscall(SYS_rt_sigaction, SIGUSR1, NULL, bad, 8));
  PROBE("rt_sigprocmask set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad, NULL, 8));
  PROBE("rt_sigprocmask oldset", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, bad, 8));
  PROBE("rt_sigpending set", syscall(SYS_rt_sigpending, bad, 8));
  PROBE("sigaltstack ss", syscall(SYS_sigaltstack, bad, NULL));
  PROBE("poll fds", syscall(SYS_poll, bad, 1, 0));
  PROBE("ppoll tsp", syscall(SYS_ppoll, NULL, 0, bad, NULL, 8));
  PROBE("select readfds", syscall(SYS_select, 1, bad, NULL, NULL, &(struct timeval){ 0, 0 }));
  PROBE("futex uaddr", syscall(SYS_futex, bad, 0 /* FUTEX_WAIT */, 0, &ts, NULL, 0));
  PROBE("execve path", syscall(SYS_execve, bad, NULL, NULL));
  PROBE("execve argv", syscall(SYS_execve, "/bin/true", bad, NULL));
  PROBE("getrandom buf", syscall(SYS_getrandom, bad, 16, 0));
  PROBE("sched_getaffinity mask", syscall(SYS_sched_getaffinity, 0, 128, bad));
  PROBE("getresuid ruid", syscall(SYS_getresuid, bad, buf, buf + 8));
  PROBE("wait4 rusage", (fork() == 0 ? _exit(0), 0L : syscall(SYS_wait4, -1, NULL, 0, bad)));
  while (waitpid(-1, NULL, WNOHANG) > 0) {}
  printf("still running: yes\n");
}

/** A getdents64 that faults must not consume the entries it could not copy out. */
static void getdents_after_efault(void) {
  int dir = open("/", O_RDONLY | O_DIRECTORY);
  char buf[4096];
  errno = 0;
  long r = syscall(SYS_getdents64, dir, (void *)1, sizeof buf);
  printf("getdents64 to a bad buffer: %ld %s\n", r, r < 0 ? ename(errno) : "");
  r = syscall(SYS_getdents64, dir, buf, sizeof buf);
  printf("then to a good one: %s\n", r > 0 ? "entries" : r == 0 ? "end of directory" : ename(errno));
}

static void pmem(long mib) {
  size_t size = (size_t)mib << 20;
  void *maps[4096];
  int n = 0;
  for (; n < 4096; n++) {
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED) { printf("mapping %d: %s\n", n, ename(errno)); break; }
    maps[n] = m;
  }
  printf("mapped %ld MiB before the limit\n", n * mib);
  for (int i = 0; i < n; i++) munmap(maps[i], size);
  void *again = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  printf("after freeing: %s\n", again == MAP_FAILED ? ename(errno) : "mapped again");
  pid_t child = fork();
  if (child == 0) _exit(3);
  int status = 0;
  waitpid(child, &status, 0);
  printf("fork after freeing: child exit %d\n", WEXITSTATUS(status));
}

static volatile sig_atomic_t sigchlds;
static void on_sigchld(int sig) { (void)sig; sigchlds++; }

/**
 * Many children exiting while the parent makes calls: the host's SIGCHLDs and the kernel's
 * notifications cross. Every call must come back with its own answer.
 */
static void children(void) {
  struct sigaction sa = { .sa_handler = on_sigchld };
  sigaction(SIGCHLD, &sa, NULL);
  static char mark[4096];
  long bad = 0, failed = 0, made = 0;
  for (int b = 0; b < 25; b++) {
    pid_t pids[50];
    for (int j = 0; j < 50; j++) {
      memset(mark, b * 50 + j, sizeof mark);
      pids[j] = fork();
      if (pids[j] == 0) {
        execl("/bin/true", "true", (char *)0);
        _exit(127);
      }
      if (pids[j] > 0) made++;
    }
    for (int k = 0; k < 200; k++) {
      if (mark[100] != (char)(b * 50 + 49)) bad++;
      if (usleep(10) != 0 && errno != EINTR) bad++;
    }
    for (int j = 0; j < 50; j++) {
      int st;
      while (waitpid(pids[j], &st, 0) < 0 && errno == EINTR) continue;
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failed++;
    }
  }
  printf("children %ld failed %ld bad %ld\n", made, failed, bad);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "fds")) fds();
  else if (!strcmp(mode, "threads")) threads(argc > 2 ? atoi(argv[2]) : 200);
  else if (!strcmp(mode, "badptr")) badptr();
  else if (!strcmp(mode, "getdents")) getdents_after_efault();
  else if (!strcmp(mode, "pmem")) pmem(argc > 2 ? atol(argv[2]) : 16);
  else if (!strcmp(mode, "children")) children();
  else { fprintf(stderr, "usage: stress fds|threads N|badptr|getdents|pmem MIB|children\n"); return 2; }
  return 0;
}
