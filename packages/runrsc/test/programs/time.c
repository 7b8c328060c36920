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
  return 0;
}
