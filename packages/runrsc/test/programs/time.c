/*
 * Time: clocks, sleeps, alarm and interval timers, times and getrusage. Only what is the same on
 * every run is printed (orderings and bounds, not values).
 */
#define _GNU_SOURCE
#include <errno.h>
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
  sigemptyset(&rt);
  sigaddset(&rt, SIGRTMIN + 1);
  sigprocmask(SIG_BLOCK, &rt, NULL);
  struct sigevent ev = {0};
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGRTMIN + 1;
  ev.sigev_value.sival_int = 0x1234;
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
  return 0;
}
