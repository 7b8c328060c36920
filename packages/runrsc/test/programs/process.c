/*
 * Processes: ids, sessions and groups, resource limits, names, fork/exec/wait and their errors,
 * orphans. Run as the container's init (pid 1) in the sandbox and as an ordinary process natively,
 * so only relations between ids are printed, never their values.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *e(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

/** Field `n` (22 starttime, 24 rss) of /proc/<pid>/stat as a number (-1 if unreadable). */
static long stat_field(pid_t pid, int n) {
  char path[64], line[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long v = -1;
  if (fgets(line, sizeof line, f)) {
    char *p = strrchr(line, ')');
    for (int field = 2; p && field < n; field++) p = strchr(p + 1, ' ');
    if (p) v = atol(p + 1);
  }
  fclose(f);
  return v;
}

static long start_ticks(pid_t pid) { return stat_field(pid, 22); }

/** The number after `name` in /proc/self/status (-1 if absent). */
static long status_field(const char *name) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long v = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, name, strlen(name)) == 0) v = atol(line + strlen(name));
  }
  fclose(f);
  return v;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && strcmp(argv[1], "quiet") == 0) return 42; /* spawned: its output would race the parent's */
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    printf("exec'd child: argv[2]=%s\n", argv[2]);
    return 42;
  }
  printf("getpid == gettid: %d\n", getpid() == gettid());

  /* The CPU a thread runs on is one it may run on (libc's through the vDSO or rseq, then the syscall). */
  cpu_set_t set;
  unsigned cpu = ~0u, node = ~0u;
  sched_getaffinity(0, sizeof set, &set);
  int libc_cpu = sched_getcpu();
  printf("sched_getcpu is an allowed CPU: %d\n", libc_cpu >= 0 && CPU_ISSET(libc_cpu, &set));
  long got = syscall(SYS_getcpu, &cpu, &node, NULL);
  printf("getcpu: %s, an allowed CPU: %d, a node: %d\n", e(got), cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set), node != ~0u);
  printf("getcpu with no pointers: %s\n", e(syscall(SYS_getcpu, NULL, NULL, NULL)));
  printf("getcpu to a bad pointer: %s\n", e(syscall(SYS_getcpu, (void *)8, NULL, NULL)));

  /* CPU time: a child's counts for its parent once waited for (wait4's rusage, RUSAGE_CHILDREN,
   * times' cutime), not before. The child spins ~150 ms of user time; at least 50 must show. */
  long my_start = start_ticks(getpid());
  /* The CPU-time clocks count CPU time, not time: a 300 ms sleep adds little. */
  struct timespec c0, c1, t0, t1, nap = {0, 300000000};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  printf("a 300 ms sleep moves the CPU-time clocks < 100 ms: process %d thread %d\n",
         (c1.tv_sec - c0.tv_sec) * 1000000000L + (c1.tv_nsec - c0.tv_nsec) < 100000000L,
         (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 100000000L);
  /* starttime (/proc/<pid>/stat field 22, ticks since boot): a child forked after the 300 ms sleep starts later. */
  pid_t late = fork();
  if (late == 0) { pause(); _exit(0); }
  long late_start = start_ticks(late);
  kill(late, SIGKILL);
  waitpid(late, NULL, 0);
  printf("starttime: a child forked now starts >= 30 ticks after this process %d\n", late_start >= my_start + 30);

  /* rss (field 24, pages): 16 MiB written count. */
  long rss_before = stat_field(getpid(), 24);
  struct rusage mine;
  getrusage(RUSAGE_SELF, &mine);
  long faults_before = mine.ru_minflt, stat_faults_before = stat_field(getpid(), 10);
  volatile char *touched = malloc(16 << 20);
  for (long i = 0; i < (16 << 20); i += 4096) touched[i] = 1;
  long rss_after = stat_field(getpid(), 24);
  printf("rss: > 0 %d, grows by >= 3000 pages after writing 16 MiB %d\n", rss_before > 0, rss_after >= rss_before + 3000);
  /* Each page written first is a minor fault: getrusage's ru_minflt and /proc/<pid>/stat's minflt (field 10). */
  getrusage(RUSAGE_SELF, &mine);
  printf("minor faults grow by >= 3000 after writing 16 MiB: ru_minflt %d, /proc minflt %d\n",
         mine.ru_minflt >= faults_before + 3000, stat_field(getpid(), 10) >= stat_faults_before + 3000);
  free((void *)touched);
  getrusage(RUSAGE_SELF, &mine);
  printf("ru_maxrss of this process >= 16 MiB: %d\n", mine.ru_maxrss >= 16384);

  /* Voluntary context switches: a task that sleeps in a syscall gives up the CPU (ru_nvcsw, for
   * the process, for the thread, in /proc/self/status); a child's count for its parent once
   * waited for. */
  struct rusage sw0, sw1, tsw0, tsw1;
  struct timespec ms = {0, 1000000};
  getrusage(RUSAGE_SELF, &sw0);
  getrusage(RUSAGE_THREAD, &tsw0);
  long status_before = status_field("voluntary_ctxt_switches:");
  for (int i = 0; i < 5; i++) nanosleep(&ms, NULL);
  getrusage(RUSAGE_SELF, &sw1);
  getrusage(RUSAGE_THREAD, &tsw1);
  printf("five 1 ms sleeps: ru_nvcsw grows by >= 5 %d, the thread's %d, /proc/self/status's %d\n",
         sw1.ru_nvcsw >= sw0.ru_nvcsw + 5, tsw1.ru_nvcsw >= tsw0.ru_nvcsw + 5,
         status_field("voluntary_ctxt_switches:") >= status_before + 5);
  struct rusage ch0, ch1, chw;
  getrusage(RUSAGE_CHILDREN, &ch0);
  pid_t sleeper = fork();
  if (sleeper == 0) {
    for (int i = 0; i < 5; i++) nanosleep(&ms, NULL);
    _exit(0);
  }
  wait4(sleeper, NULL, 0, &chw);
  getrusage(RUSAGE_CHILDREN, &ch1);
  printf("a child that slept five times: wait4's ru_nvcsw >= 5 %d, RUSAGE_CHILDREN's grows by >= 5 %d\n",
         chw.ru_nvcsw >= 5, ch1.ru_nvcsw >= ch0.ru_nvcsw + 5);

  /* A child's peak memory: wait4's ru_maxrss and RUSAGE_CHILDREN's, once it is waited for. */
  pid_t big = fork();
  if (big == 0) {
    volatile char *m = malloc(32 << 20);
    for (long i = 0; i < (32 << 20); i += 4096) m[i] = 2; /* volatile: every page is written */
    _exit(m[4096] == 2 ? 0 : 1);
  }
  struct rusage bigru;
  int bigst;
  wait4(big, &bigst, 0, &bigru);
  getrusage(RUSAGE_CHILDREN, &mine);
  printf("a child that wrote 32 MiB: wait4's ru_maxrss >= 32 MiB %d, RUSAGE_CHILDREN's %d\n",
         bigru.ru_maxrss >= 32768, mine.ru_maxrss >= 32768);
  printf("its minor faults: wait4's >= 8000 %d, RUSAGE_CHILDREN's %d, /proc cminflt %d\n",
         bigru.ru_minflt >= 8000, mine.ru_minflt >= 8000, stat_field(getpid(), 11) >= 8000);

  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  // What the children so far used (the 32 MiB writer's faults take more user time on a busy host).
  long before_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec;
  pid_t spinner = fork();
  if (spinner == 0) {
    struct rusage self;
    volatile unsigned long x = 0;
    do {
      for (int i = 0; i < 1000000; i++) x += i;
      getrusage(RUSAGE_SELF, &self);
    } while (self.ru_utime.tv_sec * 1000000L + self.ru_utime.tv_usec < 150000);
    /* Its own time, as times, /proc/self/stat (utime, field 14) and RUSAGE_THREAD see it. */
    struct tms own;
    times(&own);
    long utime = -1;
    FILE *f = fopen("/proc/self/stat", "r");
    if (f) {
      char line[1024];
      if (fgets(line, sizeof line, f)) {
        char *p = strrchr(line, ')');
        for (int field = 2; p && field < 14; field++) p = strchr(p + 1, ' ');
        if (p) utime = atol(p + 1);
      }
      fclose(f);
    }
    struct rusage thread;
    getrusage(RUSAGE_THREAD, &thread);
    printf("spinner: times' utime >= 5 ticks %d, /proc/self/stat utime >= 5 ticks %d, thread's <= process's %d\n",
           own.tms_utime >= 5, utime >= 5, thread.ru_utime.tv_sec <= self.ru_utime.tv_sec + 1);
    struct timespec pcpu, tcpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &pcpu);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &tcpu);
    printf("spinner: CPU-time clocks >= 100 ms: process %d thread %d\n",
           pcpu.tv_sec * 1000000000L + pcpu.tv_nsec >= 100000000L, tcpu.tv_sec * 1000000000L + tcpu.tv_nsec >= 100000000L);
    _exit(0);
  }
  int spun;
  struct rusage waited;
  wait4(spinner, &spun, 0, &waited);
  long waited_us = waited.ru_utime.tv_sec * 1000000L + waited.ru_utime.tv_usec;
  printf("wait4's rusage: user time >= 50 ms %d, < 10 s %d\n", waited_us >= 50000, waited_us < 10000000);
  getrusage(RUSAGE_CHILDREN, &ru);
  printf("children's user time grew by the spinner's: >= 50 ms %d\n",
         ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec - before_us >= 50000);
  struct tms tm;
  times(&tm);
  printf("times' cutime >= 5 ticks %d\n", tm.tms_cutime >= 5);

  /* fork, wait4, exit statuses. */
  pid_t c = fork();
  if (c == 0) _exit(7);
  int st;
  printf("waitpid returns the child: %d\n", waitpid(c, &st, 0) == c);
  printf("exit status: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
  printf("no more children: %s\n", e(waitpid(-1, &st, 0)));
  c = fork();
  if (c == 0) { pause(); _exit(0); }
  printf("WNOHANG while running: %d\n", waitpid(c, &st, WNOHANG));
  kill(c, SIGKILL);
  waitpid(c, &st, 0);
  printf("killed: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

  /* Job control: stop, continue, then terminate a child, as its parent sees it. */
  c = fork();
  if (c == 0) { for (;;) pause(); }
  kill(c, SIGSTOP);
  printf("stopped: pid_ok=%d ", waitpid(c, &st, WUNTRACED) == c);
  printf("stopped=%d sig=%d\n", WIFSTOPPED(st), WSTOPSIG(st));
  kill(c, SIGCONT);
  printf("continued: pid_ok=%d ", waitpid(c, &st, WCONTINUED) == c);
  printf("continued=%d\n", WIFCONTINUED(st));
  kill(c, SIGTERM);
  waitpid(c, &st, 0);
  printf("terminated: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

  /* The child sees its parent; a grandchild orphaned by its parent's exit is adopted. */
  int fds[2];
  pipe(fds);
  c = fork();
  if (c == 0) {
    if (fork() == 0) {
      char buf;
      read(fds[0], &buf, 1); /* wait until the middle process is gone */
      printf("orphan adopted (parent changed): %d\n", getppid() != 0);
      _exit(0);
    }
    _exit(0);
  }
  waitpid(c, NULL, 0);
  write(fds[1], "x", 1);
  usleep(100000);

  /* execve: a program, and the errors for what cannot run. */
  c = fork();
  if (c == 0) {
    char *args[] = {argv[0], "child", "two", NULL};
    execv(argv[0], args);
    _exit(99);
  }
  waitpid(c, &st, 0);
  printf("exec'd child exit: %d\n", WEXITSTATUS(st));
  char *none[] = {"x", NULL};

  /* vfork, and posix_spawn (glibc: clone with CLONE_VM | CLONE_VFORK on a stack of its own): the
     child shares the parent's memory until it execs or exits, which is how posix_spawn learns
     that the exec failed. */
  static volatile int seen_by_parent;
  c = vfork();
  if (c == 0) { seen_by_parent = 1; _exit(3); }
  waitpid(c, &st, 0);
  printf("vfork: the child's write is seen: %d, exit %d\n", seen_by_parent, WEXITSTATUS(st));
  pid_t spawned;
  char *spawn_args[] = {argv[0], "quiet", NULL};
  int r = posix_spawn(&spawned, argv[0], NULL, NULL, spawn_args, environ);
  printf("posix_spawn: %s\n", r ? strerrorname_np(r) : "ok");
  if (r == 0) {
    waitpid(spawned, &st, 0);
    printf("posix_spawn child exit: %d\n", WEXITSTATUS(st));
  }
  r = posix_spawn(&spawned, "/nonexistent", NULL, NULL, none, environ);
  printf("posix_spawn missing: %s\n", r ? strerrorname_np(r) : "ok");

  printf("exec missing: %s\n", e(execv("/nonexistent", none)));
  printf("exec a directory: %s\n", e(execv("/tmp", none)));
  printf("exec empty path: %s\n", e(execv("", none)));

  /* Sessions and process groups. */
  c = fork();
  if (c == 0) {
    printf("setpgid self: %s\n", e(setpgid(0, 0)));
    printf("getpgrp is pid: %d\n", getpgrp() == getpid());
    printf("setsid as group leader: %s\n", e(setsid()));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  c = fork();
  if (c == 0) {
    pid_t s = setsid();
    printf("setsid in child: %s sid_is_pid=%d pgid_is_pid=%d\n", e(s), getsid(0) == getpid(), getpgrp() == getpid());
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("getpgid of nobody: %s\n", e(getpgid(999999)));

  /* Resource limits. */
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  struct rlimit lower = {16, rl.rlim_max};
  printf("setrlimit nofile: %s\n", e(setrlimit(RLIMIT_NOFILE, &lower)));
  int opened = 0;
  while (dup(0) >= 0) opened++;
  printf("fds stop at the limit: %s total<=16: %d\n", strerrorname_np(errno), opened + 3 <= 16);
  struct rlimit bad = {10, 5};
  printf("soft above hard: %s\n", e(setrlimit(RLIMIT_NOFILE, &bad)));
  /* The old setrlimit call (glibc's setrlimit is prlimit64; Go's runtime and older programs make it). */
  printf("SYS_setrlimit: %s", e(syscall(SYS_setrlimit, RLIMIT_CORE, &(struct rlimit){0, 0})));
  getrlimit(RLIMIT_CORE, &rl);
  printf(", core now %lu %lu", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
  printf(", soft above hard: %s", e(syscall(SYS_setrlimit, RLIMIT_CORE, &bad)));
  printf(", resource 99: %s", e(syscall(SYS_setrlimit, 99, &rl)));
  printf(", bad pointer: %s\n", e(syscall(SYS_setrlimit, RLIMIT_CORE, (void *)8)));
  /* prlimit of another process: with the same ids, or not (EPERM), or none (ESRCH). */
  pid_t limited = fork();
  if (limited == 0) { pause(); _exit(0); }
  struct rlimit lim = {40, 50}, was = {0, 0};
  printf("prlimit of a child: %s", e(prlimit(limited, RLIMIT_NOFILE, &lim, &was)));
  printf(", was at most 16: %d", was.rlim_cur <= 16);
  prlimit(limited, RLIMIT_NOFILE, NULL, &was);
  printf(", now %lu %lu", (unsigned long)was.rlim_cur, (unsigned long)was.rlim_max);
  printf(", of nobody: %s\n", e(prlimit(999999, RLIMIT_NOFILE, NULL, &was)));
  pid_t other = fork();
  if (other == 0) {
    if (setgid(65534) == 0 && setuid(65534) == 0) {
      printf("another uid's prlimit of it: %s", e(prlimit(limited, RLIMIT_NOFILE, NULL, &was)));
      printf(", of itself by pid: %s\n", e(prlimit(getpid(), RLIMIT_NOFILE, NULL, &was)));
    }
    _exit(0);
  }
  waitpid(other, NULL, 0);
  kill(limited, SIGKILL);
  waitpid(limited, NULL, 0);

  /* Names. */
  prctl(PR_SET_NAME, "renamed-thread");
  char name[16] = {0};
  prctl(PR_GET_NAME, name);
  printf("prctl name: %s\n", name);
  // prctl: no_new_privs (for good, inherited), child subreaper (orphans come back to us), the rest.
  printf("no_new_privs %d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  printf(", set: %s", e(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)));
  printf(", now %d, clear: %s, extra arg: %s\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), e(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0)),
         e(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0)));
  pid_t nc = fork();
  if (nc == 0) {
    printf("a child's no_new_privs %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    _exit(0);
  }
  waitpid(nc, NULL, 0);
  // In a process that is not init (the sandbox runs this program as pid 1, which adopts every orphan).
  pid_t *adopted = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pid_t sub = fork();
  if (sub == 0) {
    int reaper = -1;
    printf("subreaper: %s", e(prctl(PR_SET_CHILD_SUBREAPER, 1)));
    prctl(PR_GET_CHILD_SUBREAPER, &reaper);
    printf(", reads %d\n", reaper);
    pid_t middle = fork();
    if (middle == 0) {
      pid_t me = getpid();
      pid_t grandchild = fork();
      if (grandchild == 0) {
        while (getppid() == me) usleep(1000); // until its parent is gone and someone adopted it
        _exit(getppid() == getpid() ? 0 : 7);
      }
      *adopted = grandchild;
      _exit(0);
    }
    waitpid(middle, NULL, 0);
    int ost = 0;
    pid_t reaped = waitpid(*adopted, &ost, 0);
    printf("the orphaned grandchild is the subreaper's to wait for: %d, exit %d\n", reaped == *adopted, WEXITSTATUS(ost));
    _exit(0);
  }
  waitpid(sub, NULL, 0);
  printf("dumpable %d", prctl(PR_GET_DUMPABLE));
  printf(", set 0: %s", e(prctl(PR_SET_DUMPABLE, 0)));
  printf(", now %d, set 2: %s\n", prctl(PR_GET_DUMPABLE), e(prctl(PR_SET_DUMPABLE, 2)));
  prctl(PR_SET_DUMPABLE, 1);
  printf("keepcaps: set %s", e(prctl(PR_SET_KEEPCAPS, 1)));
  printf(", reads %d\n", prctl(PR_GET_KEEPCAPS));
  prctl(PR_SET_KEEPCAPS, 0);
  printf("timerslack: set 1000 %s", e(prctl(PR_SET_TIMERSLACK, 1000)));
  printf(", reads %d\n", prctl(PR_GET_TIMERSLACK));
  printf("THP disable: set %s", e(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)));
  printf(", reads %d\n", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
  prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
  printf("seccomp mode %d, CAP_CHOWN in the bounding set %d, cap 100: %s\n", prctl(PR_GET_SECCOMP), prctl(PR_CAPBSET_READ, 0),
         e(prctl(PR_CAPBSET_READ, 100)));

  // personality: asked with 0xffffffff, kept, inherited.
  int persona = personality(0xffffffff);
  int before = personality(ADDR_NO_RANDOMIZE);
  printf("personality %#x, setting ADDR_NO_RANDOMIZE returned %#x, now %#x\n", persona, before, personality(0xffffffff));
  pid_t pc = fork();
  if (pc == 0) {
    printf("a child's personality %#x\n", personality(0xffffffff));
    _exit(0);
  }
  waitpid(pc, NULL, 0);
  personality(persona);
  /* A parent that ignores SIGCHLD, or sets SA_NOCLDWAIT, leaves no zombies: wait blocks until its
   * children are gone, then fails with ECHILD. Orphans adopted earlier (in the sandbox this
   * program is init) are reaped first. */
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  /* A zombie still holds its pid: kill succeeds (and drops the signal) until it is reaped. */
  pid_t zombie = fork();
  if (zombie == 0) _exit(0);
  usleep(100000);
  printf("kill of a zombie: %s, SIGTERM %s\n", e(kill(zombie, 0)), e(kill(zombie, SIGTERM)));
  waitpid(zombie, NULL, 0);
  printf("kill once reaped: %s\n", e(kill(zombie, 0)));
  for (int how = 0; how < 2; how++) {
    struct sigaction sa = {0};
    sa.sa_handler = how == 0 ? SIG_IGN : SIG_DFL;
    sa.sa_flags = how == 0 ? 0 : SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
    pid_t quick = fork();
    if (quick == 0) _exit(3);
    usleep(100000);
    errno = 0;
    int gone = kill(quick, 0) < 0 && errno == ESRCH;
    pid_t slow = fork();
    if (slow == 0) {
      usleep(100000);
      _exit(0);
    }
    int st;
    errno = 0;
    long r = wait(&st);
    const char *why = r < 0 ? strerrorname_np(errno) : "";
    printf("%s: an exited child is gone %d, wait %ld %s, the slow one gone %d\n", how == 0 ? "SIGCHLD ignored" : "SA_NOCLDWAIT",
           gone, r, why, kill(slow, 0) < 0);
    signal(SIGCHLD, SIG_DFL);
  }
  return 0;
}
