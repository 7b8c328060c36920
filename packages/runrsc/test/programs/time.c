/*
 * Time: clocks, the CPU-time clocks included, sleeps, alarm and interval timers, POSIX timers,
 * times and getrusage. Only what is the same on
 * every run is printed (orderings and bounds, not values).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

/* A time read through libc (the vDSO), then the real syscall, then libc again, never go back. */
static int agrees_with_syscall(clockid_t clock) {
  for (int i = 0; i < 1000; i++) {
    struct timespec a, b, c;
    clock_gettime(clock, &a);
    syscall(SYS_clock_gettime, clock, &b);
    clock_gettime(clock, &c);
    if (ns(b) < ns(a) || ns(c) < ns(b)) return 0;
  }
  return 1;
}

static sigjmp_buf fault_jump;
static void on_fault(int sig) { siglongjmp(fault_jump, sig); }

/* The page right before the vDSO's image holds the time it reads: read-only, so a write faults. */
static int time_page_write_faults(unsigned long vdso) {
  struct sigaction sa = {0}, old;
  sa.sa_handler = on_fault;
  sigaction(SIGSEGV, &sa, &old);
  int sig = sigsetjmp(fault_jump, 1);
  if (sig == 0) *(volatile char *)(vdso - 4096) = 1;
  sigaction(SIGSEGV, &old, NULL);
  return sig == SIGSEGV;
}

/* With a vDSO (Linux has one; the sandbox has one when the host's clock runs on the TSC). */
static void vdso_checks(void) {
  unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
  printf("monotonic through libc agrees with the syscall: %d\n", agrees_with_syscall(CLOCK_MONOTONIC));
  printf("realtime through libc agrees with the syscall: %d\n", agrees_with_syscall(CLOCK_REALTIME));
  struct timeval tv;
  struct timespec rt;
  gettimeofday(&tv, NULL);
  clock_gettime(CLOCK_REALTIME, &rt);
  printf("gettimeofday before clock_gettime: %d\n", tv.tv_sec * 1000000LL + tv.tv_usec <= ns(rt) / 1000);
  printf("no vdso, or one that is an ELF: %d\n", vdso == 0 || memcmp((void *)vdso, "\177ELF", 4) == 0);
  printf("no vdso, or a write to its time page faults: %d\n", vdso == 0 || time_page_write_faults(vdso));
  // Nor can the page be made writable: mprotect answers EACCES.
  int denied = vdso == 0 || (mprotect((void *)(vdso - 4096), 4096, PROT_READ | PROT_WRITE) != 0 && errno == EACCES);
  printf("no vdso, or its time page cannot be made writable: %d\n", denied);
}

static volatile sig_atomic_t timer_code, timer_value, timer_overrun, timer_hits;

static void on_timer(int sig, siginfo_t *si, void *ctx) {
  (void)sig;
  (void)ctx;
  timer_code = si->si_code;
  timer_value = si->si_value.sival_int;
  timer_overrun = si->si_overrun;
  timer_hits++;
}

static const char *terr(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

/** Block real-time signal `signo` (into `set`, to take it with sigwaitinfo); a timer event sending it with `value`. */
static struct sigevent blocked_signal_event(int signo, int value, sigset_t *set) {
  sigemptyset(set);
  sigaddset(set, signo);
  sigprocmask(SIG_BLOCK, set, NULL);
  return (struct sigevent){.sigev_notify = SIGEV_SIGNAL, .sigev_signo = signo, .sigev_value.sival_int = value};
}

/** POSIX timers: signals with their id and value, overruns, absolute times, SIGEV_NONE, a thread target, errors. */
static void posix_timers(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_timer;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGALRM, &sa, NULL);
  timer_t t;
  printf("timer_create: %s\n", terr(timer_create(CLOCK_MONOTONIC, NULL, &t)));
  struct itimerspec it = {0}, got;
  timer_gettime(t, &got);
  printf("unarmed: %ld.%09ld\n", (long)got.it_value.tv_sec, got.it_value.tv_nsec);
  it.it_value.tv_nsec = 10 * 1000 * 1000;
  printf("arm 10 ms once: %s", terr(timer_settime(t, 0, &it, NULL)));
  while (timer_hits == 0) pause();
  printf(", SI_TIMER %d, value is the id %d, overrun %d\n", timer_code == SI_TIMER, timer_value == (int)(long)t, timer_overrun);

  sigset_t rt;
  struct sigevent ev = blocked_signal_event(SIGRTMIN + 1, 0x1234, &rt);
  timer_t p;
  timer_create(CLOCK_MONOTONIC, &ev, &p);
  struct itimerspec every = {{0, 1000 * 1000}, {0, 1000 * 1000}};
  timer_settime(p, 0, &every, NULL);
  struct timespec twenty = {0, 20 * 1000 * 1000};
  nanosleep(&twenty, NULL);
  timer_gettime(p, &got);
  printf("periodic 1 ms: interval %ld ns, value within it %d\n", got.it_interval.tv_nsec,
         got.it_value.tv_sec == 0 && got.it_value.tv_nsec > 0 && got.it_value.tv_nsec <= 1000 * 1000);
  siginfo_t si;
  int sig = sigwaitinfo(&rt, &si);
  printf("blocked while it fired: signal %d, value %#x, overrun > 0 %d, timer_getoverrun > 0 %d\n", sig == SIGRTMIN + 1,
         si.si_value.sival_int, si.si_overrun > 0, timer_getoverrun(p) > 0);
  struct itimerspec off = {0};
  timer_settime(p, 0, &off, NULL);
  timer_gettime(p, &got);
  printf("disarmed: %ld.%09ld\n", (long)got.it_value.tv_sec, got.it_value.tv_nsec);

  timer_t wall;
  ev.sigev_value.sival_int = 7;
  timer_create(CLOCK_REALTIME, &ev, &wall);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct itimerspec at = {{0, 0}, {now.tv_sec, now.tv_nsec}};
  at.it_value.tv_nsec += 10 * 1000 * 1000;
  if (at.it_value.tv_nsec >= 1000000000) { at.it_value.tv_sec++; at.it_value.tv_nsec -= 1000000000; }
  printf("TIMER_ABSTIME on CLOCK_REALTIME: %s", terr(timer_settime(wall, TIMER_ABSTIME, &at, NULL)));
  struct timespec second = {1, 0};
  sig = sigtimedwait(&rt, &si, &second);
  printf(", fired %d, value %d\n", sig == SIGRTMIN + 1, si.si_value.sival_int);

  timer_t none;
  struct sigevent quiet = {0};
  quiet.sigev_notify = SIGEV_NONE;
  timer_create(CLOCK_MONOTONIC, &quiet, &none);
  struct itimerspec long_one = {{0, 0}, {100, 0}};
  timer_settime(none, 0, &long_one, NULL);
  timer_gettime(none, &got);
  printf("SIGEV_NONE counts down: %d\n", got.it_value.tv_sec >= 98 && got.it_value.tv_sec < 100);

  struct sigevent to_me = {0};
  to_me.sigev_notify = SIGEV_THREAD_ID;
  to_me.sigev_signo = SIGRTMIN + 1;
  to_me._sigev_un._tid = gettid();
  timer_t mine;
  printf("SIGEV_THREAD_ID to this thread: %s", terr(timer_create(CLOCK_MONOTONIC, &to_me, &mine)));
  it.it_value.tv_nsec = 1000 * 1000;
  timer_settime(mine, 0, &it, NULL);
  sig = sigtimedwait(&rt, &si, &second);
  printf(", fired %d\n", sig == SIGRTMIN + 1);
  to_me._sigev_un._tid = 999999;
  timer_t bad;
  ev.sigev_signo = 0;
  printf("bad clock: %s, bad notify: %s, signal 0: %s, no such thread: %s\n", terr(timer_create(99, NULL, &bad)),
         terr(timer_create(CLOCK_MONOTONIC, &(struct sigevent){.sigev_notify = 9}, &bad)), terr(timer_create(CLOCK_MONOTONIC, &ev, &bad)),
         terr(timer_create(CLOCK_MONOTONIC, &to_me, &bad)));
  struct itimerspec bad_ns = {{0, 0}, {0, 2000000000}};
  printf("bad flags: %s, bad nsec: %s\n", terr(timer_settime(p, 4, &off, NULL)), terr(timer_settime(p, 0, &bad_ns, NULL)));
  pid_t c = fork();
  if (c == 0) {
    printf("a child has none of them: %s\n", terr(timer_gettime(t, &got)));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  const char *r = terr(timer_delete(t));
  printf("timer_delete: %s, again: %s\n", r, terr(timer_delete(t)));
  timer_delete(p);
  timer_delete(wall);
  timer_delete(none);
  timer_delete(mine);
  sigprocmask(SIG_UNBLOCK, &rt, NULL);
}

static volatile sig_atomic_t profs, vtalrms;
static void on_cpu_timer(int sig) {
  if (sig == SIGPROF) profs++;
  else vtalrms++;
}

/** Compute until `clock` has advanced by `ms` or `done` is set (whichever first), at most 5 s of it. */
static void spin_on(clockid_t clock, long ms, volatile sig_atomic_t *done) {
  struct timespec a, b;
  clock_gettime(clock, &a);
  volatile unsigned long x = 0;
  do {
    for (int i = 0; i < 200000; i++) x += i;
    clock_gettime(clock, &b);
  } while ((done == NULL || !*done) && ns(b) - ns(a) < ms * 1000000LL && ns(b) - ns(a) < 5000000000LL);
}

static volatile sig_atomic_t stop_spinning;
static void *spinner(void *arg) {
  (void)arg;
  spin_on(CLOCK_THREAD_CPUTIME_ID, 5000, &stop_spinning);
  return NULL;
}

/** CPU-time clocks: reading them, their errors, setitimer's CPU timers, and POSIX timers and sleeps on them. */
static void cpu_clocks(void) {
  clockid_t proc_clock, thread_clock, child_clock;
  struct timespec a, b, res;
  printf("clock_getcpuclockid: %s, pthread_getcpuclockid: %s\n", strerror(clock_getcpuclockid(0, &proc_clock)),
         strerror(pthread_getcpuclockid(pthread_self(), &thread_clock)));
  clock_gettime(proc_clock, &a);
  spin_on(CLOCK_PROCESS_CPUTIME_ID, 5, NULL);
  clock_gettime(proc_clock, &b);
  printf("the process's clock advances while it computes: %d\n", ns(b) - ns(a) >= 5000000);
  clock_gettime(thread_clock, &a);
  spin_on(CLOCK_THREAD_CPUTIME_ID, 5, NULL);
  clock_gettime(thread_clock, &b);
  printf("the thread's clock advances while it computes: %d\n", ns(b) - ns(a) >= 5000000);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
  struct timespec nap = {0, 20 * 1000 * 1000};
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
  printf("and hardly while it sleeps: %d\n", ns(b) - ns(a) < 5000000);
  clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res);
  printf("resolution of the process's and thread's clocks: %ld %ld", res.tv_nsec, (clock_getres(CLOCK_THREAD_CPUTIME_ID, &res), res.tv_nsec));
  printf(", of an encoded one: %ld\n", (clock_getres(proc_clock, &res), res.tv_nsec));
  pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  printf("a child's clock: %s", strerror(clock_getcpuclockid(child, &child_clock)));
  printf(", read: %s\n", terr(clock_gettime(child_clock, &a)));
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  clockid_t nobody = ((~999999) << 3) | 2, clockfd = ((~0) << 3) | 3, other_thread = ((~999999) << 3) | 4 | 2;
  printf("no such process: %s, clock fd: %s, no such thread: %s\n", terr(clock_gettime(nobody, &a)), terr(clock_gettime(clockfd, &a)),
         terr(clock_gettime(other_thread, &a)));
  struct timespec ten = {0, 10 * 1000 * 1000};
  printf("clock_nanosleep on its own thread's clock: %s\n", strerrorname_np(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ten, NULL)));

  /* setitimer's CPU timers. */
  signal(SIGPROF, on_cpu_timer);
  signal(SIGVTALRM, on_cpu_timer);
  struct itimerval every = {{0, 10000}, {0, 10000}}, got, off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &every, NULL);
  getitimer(ITIMER_PROF, &got);
  printf("ITIMER_PROF armed: interval %ld us, value > 0 %d\n", (long)got.it_interval.tv_usec, got.it_value.tv_usec > 0);
  spin_on(CLOCK_PROCESS_CPUTIME_ID, 100, NULL);
  setitimer(ITIMER_PROF, &off, NULL);
  printf("SIGPROF while computing 100 ms: %d\n", profs >= 3);
  struct itimerval once = {{0, 0}, {0, 20000}};
  setitimer(ITIMER_VIRTUAL, &once, NULL);
  nanosleep(&nap, NULL);
  printf("SIGVTALRM after sleeping: %d", vtalrms);
  spin_on(CLOCK_PROCESS_CPUTIME_ID, 5000, &vtalrms);
  getitimer(ITIMER_VIRTUAL, &got);
  printf(", after computing: %d, then disarmed: %ld\n", vtalrms, (long)got.it_value.tv_usec);
  struct itimerval interval_only = {{1, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &interval_only, NULL);
  getitimer(ITIMER_REAL, &got);
  printf("a disarming setitimer of ITIMER_REAL keeps its interval: %ld s, value %ld", (long)got.it_interval.tv_sec, (long)got.it_value.tv_usec);
  setitimer(ITIMER_PROF, &interval_only, NULL);
  getitimer(ITIMER_PROF, &got);
  printf("; of ITIMER_PROF: %ld s, value %ld\n", (long)got.it_interval.tv_sec, (long)got.it_value.tv_usec);
  setitimer(ITIMER_REAL, &off, NULL);
  setitimer(ITIMER_PROF, &off, NULL);
  printf("setitimer which 3: %s\n", terr(setitimer(3, &off, NULL)));

  /* POSIX timers on the CPU clocks. */
  sigset_t rt;
  struct sigevent ev = blocked_signal_event(SIGRTMIN + 2, 42, &rt);
  timer_t pt, tt;
  printf("timer_create on the process's clock: %s", terr(timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &pt)));
  struct itimerspec twenty = {{0, 0}, {0, 20 * 1000 * 1000}}, left;
  timer_settime(pt, 0, &twenty, NULL);
  nanosleep(&nap, NULL);
  struct timespec none = {0, 0};
  siginfo_t si;
  int sig = sigtimedwait(&rt, &si, &none);
  timer_gettime(pt, &left);
  printf(", fired while asleep: %d, left > 0 %d", sig > 0, left.it_value.tv_nsec > 0);
  spin_on(CLOCK_PROCESS_CPUTIME_ID, 25, NULL);
  struct timespec second = {1, 0};
  sig = sigtimedwait(&rt, &si, &second);
  printf(", after computing: %d (value %d, SI_TIMER %d)\n", sig == SIGRTMIN + 2, si.si_value.sival_int, si.si_code == SI_TIMER);
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev._sigev_un._tid = gettid();
  printf("timer_create on the thread's clock: %s", terr(timer_create(thread_clock, &ev, &tt)));
  struct itimerspec abs;
  clock_gettime(thread_clock, &abs.it_value);
  abs.it_interval = (struct timespec){0, 0};
  abs.it_value.tv_nsec += 10 * 1000 * 1000;
  if (abs.it_value.tv_nsec >= 1000000000) { abs.it_value.tv_sec++; abs.it_value.tv_nsec -= 1000000000; }
  timer_settime(tt, TIMER_ABSTIME, &abs, NULL);
  spin_on(CLOCK_THREAD_CPUTIME_ID, 15, NULL);
  sig = sigtimedwait(&rt, &si, &second);
  printf(", TIMER_ABSTIME, fired after computing: %d\n", sig == SIGRTMIN + 2);
  struct itimerspec interval_kept = {{1, 0}, {0, 0}};
  timer_settime(pt, 0, &interval_kept, NULL);
  timer_gettime(pt, &left);
  printf("a disarming timer_settime keeps its interval: %ld s\n", (long)left.it_interval.tv_sec);
  timer_delete(pt);
  timer_delete(tt);
  sigprocmask(SIG_UNBLOCK, &rt, NULL);

  /* A sleep on the process's clock ends when another thread has computed for it. */
  pthread_t th;
  pthread_create(&th, NULL, spinner, NULL);
  int r = clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &nap, NULL);
  stop_spinning = 1;
  pthread_join(th, NULL);
  printf("clock_nanosleep on the process's clock while a thread computes: %d\n", r);
}

static int sleep_300ms(void) {
  struct timespec nap = {0, 300 * 1000 * 1000};
  return nanosleep(&nap, NULL);
}

static int poll_300ms(void) {
  int p[2];
  if (pipe(p) != 0) return -1;
  struct pollfd pfd = {p[0], POLLIN, 0};
  return poll(&pfd, 1, 300);
}

/** A 300 ms wait that a stop interrupts for 100 ms goes on to its own deadline, not 300 ms after the continue. */
static void stopped_for_100ms(const char *what, int (*wait_300ms)(void)) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return;
  pid_t child = fork();
  if (child == 0) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (write(pipefd[1], "x", 1) != 1) _exit(1);
    int rc = wait_300ms();
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("a 300 ms %s stopped for 100 ms: %d, ends by its deadline: %d\n", what, rc,
           ns(b) - ns(a) >= 300000000 && ns(b) - ns(a) < 400000000);
    _exit(0);
  }
  char c;
  if (read(pipefd[0], &c, 1) != 1) return;
  struct timespec t20 = {0, 20 * 1000 * 1000}, t100 = {0, 100 * 1000 * 1000};
  nanosleep(&t20, NULL);
  kill(child, SIGSTOP);
  nanosleep(&t100, NULL);
  kill(child, SIGCONT);
  waitpid(child, NULL, 0);
  close(pipefd[0]);
  close(pipefd[1]);
}

static void on_wake(int sig) { (void)sig; }

/** A sleep a handler interrupts reports what was left; one a stop interrupts goes on to its own deadline. */
static void interrupted_sleeps(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_wake;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval soon = {{0, 0}, {0, 20000}};
  struct timespec second = {1, 0}, rem = {0, 0};
  setitimer(ITIMER_REAL, &soon, NULL);
  int r = nanosleep(&second, &rem);
  printf("nanosleep interrupted by a handler: %s, rem within (0.5 s, 1 s): %d\n", r < 0 ? strerrorname_np(errno) : "ok",
         rem.tv_sec == 0 && rem.tv_nsec > 500000000);
  rem = (struct timespec){0, 0};
  setitimer(ITIMER_REAL, &soon, NULL);
  r = clock_nanosleep(CLOCK_MONOTONIC, 0, &second, &rem);
  printf("clock_nanosleep interrupted by a handler: %s, rem within (0.5 s, 1 s): %d\n", strerrorname_np(r),
         rem.tv_sec == 0 && rem.tv_nsec > 500000000);
  errno = 0;
  printf("restart_syscall with nothing to restart: %s\n", syscall(SYS_restart_syscall) < 0 ? strerrorname_np(errno) : "ok");
  signal(SIGALRM, SIG_DFL);

  stopped_for_100ms("nanosleep", sleep_300ms);
  stopped_for_100ms("poll", poll_300ms);
}

int main(void) {
  struct timespec a, b, res;
  setvbuf(stdout, NULL, _IONBF, 0);
  vdso_checks();
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec nap = {0, 20 * 1000 * 1000};
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("monotonic advances by the sleep: %d\n", ns(b) - ns(a) >= 20 * 1000 * 1000);
  struct timespec bad = {0, 1000000000};
  printf("nanosleep bad timespec: %s\n", nanosleep(&bad, NULL) < 0 ? strerrorname_np(errno) : "ok");
  printf("bad clock: %s\n", clock_gettime(12345, &a) < 0 ? strerrorname_np(errno) : "ok");
  clock_getres(CLOCK_MONOTONIC, &res);
  printf("monotonic resolution <= 1ms: %d\n", res.tv_sec == 0 && res.tv_nsec <= 1000000);

  struct timeval tv;
  gettimeofday(&tv, NULL);
  time_t now = time(NULL);
  printf("gettimeofday and time agree: %d\n", tv.tv_sec - now <= 1 && now - tv.tv_sec <= 1);
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  printf("realtime and time agree: %d\n", rt.tv_sec - now <= 1 && now - rt.tv_sec <= 1);

  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_nsec += 10 * 1000 * 1000;
  if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
  printf("clock_nanosleep absolute: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
  struct timespec woke;
  clock_gettime(CLOCK_MONOTONIC, &woke);
  printf("woke at or after the deadline: %d\n", ns(woke) >= ns(abs));

  signal(SIGALRM, on_alarm);
  printf("alarm first: %u\n", alarm(5));
  printf("alarm replaced, seconds left: %u\n", alarm(0));
  struct itimerval it = {{0, 20000}, {0, 20000}};
  setitimer(ITIMER_REAL, &it, NULL);
  while (alarms < 3) pause();
  struct itimerval off = {{0, 0}, {0, 0}}, old;
  setitimer(ITIMER_REAL, &off, &old);
  printf("interval timer fired 3 times: %d; interval kept=%ld us\n", alarms >= 3, (long)old.it_interval.tv_usec);
  getitimer(ITIMER_REAL, &old);
  printf("disarmed: %ld %ld\n", (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);

  volatile unsigned long spin = 0;
  for (unsigned long i = 0; i < 200000000UL; i++) spin += i;
  struct tms t;
  clock_t c = times(&t);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("times counts cpu: %d\n", c != (clock_t)-1 && t.tms_utime + t.tms_stime > 0);
  printf("getrusage counts cpu: %d\n", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0);
  posix_timers();
  cpu_clocks();
  interrupted_sleeps();
  return 0;
}
