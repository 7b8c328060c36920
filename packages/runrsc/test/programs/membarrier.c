// Conformance: membarrier(2), which the calling thread makes on the host: the commands the host
// knows, registration (inherited by a fork), the expedited barrier with a second thread running,
// the global one, a signal that arrives while it is due, and the error cases.
#define _GNU_SOURCE
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <sys/time.h>
static long mb(int cmd, unsigned flags) { return syscall(SYS_membarrier, cmd, flags, 0); }
static void say(const char *w, long r) { printf("%s: %ld %s\n", w, r, r < 0 ? strerrorname_np(errno) : ""); }
static void *worker(void *a) { (void)a; for (volatile int i = 0; i < 1000000; i++); return NULL; }
static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }
int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  say("query", mb(MEMBARRIER_CMD_QUERY, 0));
  say("query with a flag", mb(MEMBARRIER_CMD_QUERY, 1));
  say("private expedited unregistered", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
  say("register private expedited", mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0));
  pthread_t t; pthread_create(&t, NULL, worker, NULL);
  say("private expedited", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
  pthread_join(t, NULL);
  say("global", mb(MEMBARRIER_CMD_GLOBAL, 0));
  say("global expedited", mb(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0));
  say("register global expedited", mb(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0));
  say("unknown command", mb(1 << 20, 0));
  say("get registrations", mb(512, 0));
  // Barriers while a timer's signals keep arriving: each call completes, each signal is handled.
  signal(SIGALRM, on_alarm);
  struct itimerval it = {.it_interval = {0, 200}, .it_value = {0, 200}};
  setitimer(ITIMER_REAL, &it, NULL);
  // Until three signals came, not a fixed count: a lone thread's barrier is far shorter natively.
  int failed = 0;
  for (long i = 0; alarms < 3 && i < 100000000; i++) failed += mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) != 0;
  struct itimerval off = {0};
  setitimer(ITIMER_REAL, &off, NULL);
  printf("barriers under a 200 us timer: %d failed, 3 signals handled %d\n", failed, alarms >= 3);
  pid_t p = fork();
  if (p == 0) {
    say("child: private expedited", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
    say("child: get registrations", mb(512, 0));
    _exit(0);
  }
  waitpid(p, NULL, 0);
  return 0;
}
