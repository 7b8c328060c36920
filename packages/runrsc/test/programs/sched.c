/*
 * Scheduling and file advice: nice values (getpriority, setpriority), policies (sched_*), I/O
 * priorities, affinity, the robust list, fadvise/readahead/sync_file_range and epoll_pwait2.
 * Every value printed is one the program set itself (the native run must not depend on the
 * scheduling it was started with), and it first moves to a process group of its own, so that
 * PRIO_PGRP selects nothing else. Printed line by line for a native-vs-sandbox comparison.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *err(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static long ioprio_get(int which, int who) { return syscall(SYS_ioprio_get, which, who); }
static long ioprio_set(int which, int who, int prio) { return syscall(SYS_ioprio_set, which, who, prio); }

static void *thread_nice(void *arg) {
  (void)arg;
  printf("a new thread's nice: %d, policy %d\n", getpriority(PRIO_PROCESS, 0), sched_getscheduler(0));
  return NULL;
}

static void nice_values(void) {
  const char *r = err(setpriority(PRIO_PROCESS, 0, 5));
  int now = getpriority(PRIO_PROCESS, 0);
  printf("setpriority 5: %s, getpriority %d, raw %ld\n", r, now, syscall(SYS_getpriority, PRIO_PROCESS, 0));
  r = err(setpriority(PRIO_PROCESS, 0, -3));
  printf("lower to -3 as root: %s, now %d\n", r, getpriority(PRIO_PROCESS, 0));
  r = err(setpriority(PRIO_PROCESS, 0, 100));
  printf("100 is clamped: %s, now %d\n", r, getpriority(PRIO_PROCESS, 0));
  setpriority(PRIO_PROCESS, 0, 4);
  errno = 0;
  int bad = getpriority(7, 0);
  printf("bad which: %d %s\n", bad, strerrorname_np(errno));
  errno = 0;
  int none = getpriority(PRIO_PROCESS, 999999);
  printf("no such process: %d %s\n", none, strerrorname_np(errno));
  pid_t c = fork();
  if (c == 0) {
    printf("a child's nice: %d\n", getpriority(PRIO_PROCESS, 0));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  pthread_t t;
  pthread_create(&t, NULL, thread_nice, NULL);
  pthread_join(t, NULL);
  printf("by pid: %d\n", getpriority(PRIO_PROCESS, getpid()));
  r = err(setpriority(PRIO_PGRP, 0, 7));
  printf("process group: %s, reads %d\n", r, getpriority(PRIO_PGRP, 0));
  setpriority(PRIO_PROCESS, 0, 0);
}

static void policies(void) {
  struct sched_param p = {0};
  struct timespec ts;
  printf("policy %d; FIFO %d..%d, RR %d..%d, OTHER %d..%d, BATCH %d, IDLE %d; bad: %s\n", sched_getscheduler(0),
         sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO), sched_get_priority_min(SCHED_RR),
         sched_get_priority_max(SCHED_RR), sched_get_priority_min(SCHED_OTHER), sched_get_priority_max(SCHED_OTHER),
         sched_get_priority_max(SCHED_BATCH), sched_get_priority_max(SCHED_IDLE), err(sched_get_priority_max(42)));
  p.sched_priority = 10;
  const char *r = err(sched_setscheduler(0, SCHED_FIFO, &p));
  p.sched_priority = 0;
  sched_getparam(0, &p);
  sched_rr_get_interval(0, &ts);
  printf("SCHED_FIFO 10: %s, policy %d, priority %d, interval %ld.%09ld\n", r, sched_getscheduler(0), p.sched_priority,
         (long)ts.tv_sec, ts.tv_nsec);
  p.sched_priority = 5;
  r = err(sched_setscheduler(0, SCHED_RR, &p));
  sched_rr_get_interval(0, &ts);
  printf("SCHED_RR 5: %s, interval %ld.%09ld\n", r, (long)ts.tv_sec, ts.tv_nsec);
  p.sched_priority = 7;
  r = err(sched_setparam(0, &p));
  p.sched_priority = 0;
  sched_getparam(0, &p);
  printf("setparam 7: %s, priority %d\n", r, p.sched_priority);
  p.sched_priority = 100;
  printf("RR 100: %s; ", err(sched_setscheduler(0, SCHED_RR, &p)));
  p.sched_priority = 1;
  printf("OTHER 1: %s; ", err(sched_setscheduler(0, SCHED_OTHER, &p)));
  printf("policy 42: %s; ", err(sched_setscheduler(0, 42, &p)));
  printf("NULL param: %s; ", err(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL)));
  printf("no such pid: %s\n", err(sched_setscheduler(999999, SCHED_OTHER, &p)));
  p.sched_priority = 3;
  r = err(sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &p));
  setpriority(PRIO_PROCESS, 0, -2);
  printf("FIFO with reset-on-fork: %s, policy %#x\n", r, sched_getscheduler(0));
  pid_t c = fork();
  if (c == 0) {
    sched_getparam(0, &p);
    printf("a child's policy %d, priority %d, nice %d\n", sched_getscheduler(0), p.sched_priority, getpriority(PRIO_PROCESS, 0));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  p.sched_priority = 0;
  r = err(sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &p));
  printf("BATCH with reset-on-fork: %s\n", r);
  c = fork();
  if (c == 0) {
    printf("a child's policy %d\n", sched_getscheduler(0));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  r = err(sched_setscheduler(0, SCHED_OTHER, &p));
  setpriority(PRIO_PROCESS, 0, 0);
  printf("back to OTHER: %s, policy %d\n", r, sched_getscheduler(0));
}

/** struct sched_attr, as sched_setattr(2) describes it. */
struct attr {
  unsigned size, policy;
  unsigned long long flags;
  int nice;
  unsigned priority;
  unsigned long long runtime, deadline, period;
  unsigned util_min, util_max;
};

static void sched_attr(void) {
  struct attr a;
  memset(&a, 0xff, sizeof a);
  const char *r = err(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0));
  printf("sched_getattr: %s, size %u, policy %u, flags %llu, nice %d, priority %u\n", r, a.size, a.policy, a.flags, a.nice, a.priority);
  memset(&a, 0xff, sizeof a);
  r = err(syscall(SYS_sched_getattr, 0, &a, 48, 0));
  printf("asked for 48 bytes: %s, size %u, past them untouched %d\n", r, a.size, a.util_min == 0xffffffffu);
  printf("40 bytes: %s; flags 1: %s\n", err(syscall(SYS_sched_getattr, 0, &a, 40, 0)), err(syscall(SYS_sched_getattr, 0, &a, sizeof a, 1)));
  struct attr s = {.size = 48, .policy = SCHED_OTHER, .nice = 3};
  r = err(syscall(SYS_sched_setattr, 0, &s, 0));
  memset(&a, 0, sizeof a);
  syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);
  printf("setattr nice 3: %s, reads %d\n", r, a.nice);
  s.policy = SCHED_FIFO;
  s.priority = 5;
  r = err(syscall(SYS_sched_setattr, 0, &s, 0));
  memset(&a, 0, sizeof a);
  syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);
  printf("FIFO 5: %s, reads policy %u priority %u nice %d\n", r, a.policy, a.priority, a.nice);
  s.policy = SCHED_OTHER;
  s.priority = 0;
  s.nice = 0;
  s.flags = 1;
  r = err(syscall(SYS_sched_setattr, 0, &s, 0));
  memset(&a, 0, sizeof a);
  syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);
  printf("OTHER with reset-on-fork: %s, reads policy %u flags %llu\n", r, a.policy, a.flags);
  s.size = 40;
  r = err(syscall(SYS_sched_setattr, 0, &s, 0));
  printf("size 40: %s, size then %u\n", r, s.size);
  s.size = 48;
  s.flags = 0x1000;
  printf("unknown flag: %s", err(syscall(SYS_sched_setattr, 0, &s, 0)));
  s.flags = 0;
  s.policy = 42;
  printf("; policy 42: %s", err(syscall(SYS_sched_setattr, 0, &s, 0)));
  s.policy = SCHED_OTHER;
  printf("; flags argument 1: %s", err(syscall(SYS_sched_setattr, 0, &s, 1)));
  s.nice = 30;
  printf("; nice 30: %s\n", err(syscall(SYS_sched_setattr, 0, &s, 0)));
  s.nice = 0;
  s.flags = 0;
  syscall(SYS_sched_setattr, 0, &s, 0);
}

static void io_priorities(void) {
  const char *r = err(ioprio_set(1, 0, (2 << 13) | 4));
  printf("ioprio_set BE 4: %s, get %ld\n", r, ioprio_get(1, 0));
  r = err(ioprio_set(1, 0, 3 << 13));
  printf("IDLE: %s, get %ld\n", r, ioprio_get(1, 0));
  r = err(ioprio_set(1, 0, (1 << 13) | 2));
  printf("RT 2 as root: %s, get %ld\n", r, ioprio_get(1, 0));
  printf("NONE with a level: %s; ", err(ioprio_set(1, 0, 1)));
  printf("class 5: %s; ", err(ioprio_set(1, 0, 5 << 13)));
  printf("which 9: %s, ", err(ioprio_set(9, 0, 0)));
  printf("%s\n", err(ioprio_get(9, 0)));
  pid_t c = fork();
  if (c == 0) {
    printf("a child's: %ld\n", ioprio_get(1, 0));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  r = err(ioprio_set(2, 0, (2 << 13) | 6));
  printf("process group: %s, best %ld\n", r, ioprio_get(2, 0));
  ioprio_set(1, 0, 0);
  printf("back to none: %ld\n", ioprio_get(1, 0));
}

/** Cpus_allowed_list of /proc/self/status. */
static void allowed_list(char *out, size_t size) {
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  out[0] = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (sscanf(line, "Cpus_allowed_list: %63s", out) == 1) break;
  }
  if (f) fclose(f);
  (void)size;
}

/**
 * A mask of the last CPU the thread may use: kept, reported and inherited. (getcpu is not asked:
 * the sandbox answers CPU 0 whatever the mask, its vDSO as its syscall.)
 */
static void affinity_kept(void) {
  cpu_set_t all, one, got;
  sched_getaffinity(0, sizeof all, &all);
  int last = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) if (CPU_ISSET(cpu, &all)) last = cpu;
  CPU_ZERO(&one);
  CPU_SET(last, &one);
  printf("affinity to the last CPU: %s", err(sched_setaffinity(0, sizeof one, &one)));
  sched_getaffinity(0, sizeof got, &got);
  printf(", read back: %d", CPU_EQUAL(&got, &one));
  char list[64], want[16];
  allowed_list(list, sizeof list);
  snprintf(want, sizeof want, "%d", last);
  printf(", Cpus_allowed_list: %d", strcmp(list, want) == 0);
  pid_t c = fork();
  if (c == 0) {
    sched_getaffinity(0, sizeof got, &got);
    printf(", a child's: %d", CPU_EQUAL(&got, &one));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  sched_setaffinity(0, sizeof all, &all);
  sched_getaffinity(0, sizeof got, &got);
  printf(", all again: %d\n", CPU_EQUAL(&got, &all));
}

static void affinity_and_robust_list(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  printf("affinity to CPU 0: %s", err(sched_setaffinity(0, sizeof set, &set)));
  CPU_ZERO(&set);
  printf(", to none: %s", err(sched_setaffinity(0, sizeof set, &set)));
  printf(", of no such pid: %s", err(sched_setaffinity(999999, sizeof set, &set)));
  printf(", of pid -1: %s", err(syscall(SYS_sched_setaffinity, -1, sizeof set, &set)));
  printf("; get of pid -1: %s", err(syscall(SYS_sched_getaffinity, -1, sizeof set, &set)));
  printf(", of 4 bytes: %s\n", err(syscall(SYS_sched_getaffinity, 0, 4, &set)));
  void *head = NULL;
  size_t len = 0;
  const char *r = err(syscall(SYS_get_robust_list, 0, &head, &len));
  printf("get_robust_list: %s, set by libc %d, len %zu\n", r, head != NULL, len);
  static long mine[3];
  syscall(SYS_set_robust_list, mine, 24);
  syscall(SYS_get_robust_list, 0, &head, &len);
  int ours = head == (void *)mine;
  printf("after set_robust_list: ours %d; of no such thread: %s\n", ours, err(syscall(SYS_get_robust_list, 999999, &head, &len)));
}

static void file_advice(void) {
  char path[] = "/tmp/sched-advice-XXXXXX";
  int fd = mkstemp(path);
  if (write(fd, "data", 4) != 4) printf("write failed\n");
  int p[2];
  if (pipe(p) != 0) printf("pipe failed\n");
  printf("fadvise: file %d, pipe %d, bad advice %d, negative length %d, bad fd %d\n",
         posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL), posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL),
         posix_fadvise(fd, 0, 0, 42), posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL), posix_fadvise(999, 0, 0, 0));
  int wr = open(path, O_WRONLY);
  printf("readahead: file %s, pipe %s, write-only %s\n", err(readahead(fd, 0, 4096)), err(readahead(p[0], 0, 1)),
         err(readahead(wr, 0, 1)));
  printf("sync_file_range: file %s, all flags %s, bad flags %s, negative offset %s, pipe %s, bad fd %s\n",
         err(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE)),
         err(sync_file_range(fd, 0, 4, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)),
         err(sync_file_range(fd, 0, 0, 8)), err(sync_file_range(fd, -1, 0, 0)), err(sync_file_range(p[0], 0, 0, 0)),
         err(sync_file_range(999, 0, 0, 0)));
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  struct timespec ten_ms = {0, 10 * 1000 * 1000}, bad = {0, 2000000000};
  struct epoll_event out[2];
  long n = syscall(SYS_epoll_pwait2, ep, out, 2, &ten_ms, NULL, 8);
  printf("epoll_pwait2: nothing ready in 10 ms %ld", n);
  if (write(p[1], "x", 1) != 1) printf("write failed\n");
  n = syscall(SYS_epoll_pwait2, ep, out, 2, NULL, NULL, 8);
  printf(", ready with no timeout %ld (data %llu)", n, (unsigned long long)out[0].data.u64);
  printf(", a bad timespec %s\n", err(syscall(SYS_epoll_pwait2, ep, out, 2, &bad, NULL, 8)));
  close(ep);
  close(p[0]);
  close(p[1]);
  close(wr);
  close(fd);
  unlink(path);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  setpgid(0, 0);
  nice_values();
  policies();
  sched_attr();
  io_priorities();
  affinity_and_robust_list();
  affinity_kept();
  file_advice();
  return 0;
}
