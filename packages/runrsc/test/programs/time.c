/*
 * Time: clocks, sleeps, alarm and interval timers, times and getrusage. Only what is the same on
 * every run is printed (orderings and bounds, not values).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
  struct timespec a, b, res;
  setvbuf(stdout, NULL, _IONBF, 0);
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
