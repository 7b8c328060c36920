/*
 * Threads: creation, join, mutexes, condition variables, thread-locals, per-thread ids, signals
 * queued to one thread (rt_tgsigqueueinfo).
 * Printed deterministically; the acceptance test compares it with a native run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static __thread int mine = -1;
static int tid_distinct[THREADS];

static void *worker(void *arg) {
  int id = (int)(long)arg;
  mine = id;
  tid_distinct[id] = syscall(SYS_gettid) != getpid();
  for (int i = 0; i < ROUNDS; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  /* Take turns in id order through a condition variable. */
  pthread_mutex_lock(&lock);
  while (turn != id) pthread_cond_wait(&turn_changed, &lock);
  printf("thread %d: tls=%d\n", id, mine);
  turn++;
  pthread_cond_broadcast(&turn_changed);
  pthread_mutex_unlock(&lock);
  return (void *)(long)(id * 10);
}

static void *spin(void *arg) {
  (void)arg;
  for (volatile unsigned long i = 0;; i++) {
  }
  return NULL;
}

static void *block(void *arg) {
  (void)arg;
  pause();
  return NULL;
}

/*
 * fork copies the address space at one instant for every thread: a sibling that increments a word
 * at the start of 8 MiB and then one at its end never shows the end ahead of the start in a child.
 */
static volatile unsigned long *first_word, *last_word;
static volatile int stop_writer;

static void *writer(void *arg) {
  (void)arg;
  while (!stop_writer) {
    ++*first_word;
    ++*last_word;
  }
  return NULL;
}

static void fork_snapshot(void) {
  const long size = 8 << 20;
  char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (long i = 0; i < size; i += 4096) m[i] = 1;
  first_word = (unsigned long *)m;
  last_word = (unsigned long *)(m + size - 64);
  pthread_t t;
  pthread_create(&t, NULL, writer, NULL);
  int torn = 0;
  for (int i = 0; i < 50; i++) {
    pid_t p = fork();
    if (p == 0) _exit(*last_word > *first_word);
    int st;
    waitpid(p, &st, 0);
    torn += WIFEXITED(st) ? WEXITSTATUS(st) : 100;
  }
  stop_writer = 1;
  pthread_join(t, NULL);
  printf("fork beside a writing thread: torn snapshots %d of 50\n", torn);
}

static volatile pid_t handled_in;
static volatile int handled_code, handled_value;

static void on_queued(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  handled_in = syscall(SYS_gettid);
  handled_code = si->si_code;
  handled_value = si->si_value.sival_int;
}

static volatile pid_t waiting_tid;
static volatile int release_waiter;

static void *waiting(void *arg) {
  (void)arg;
  waiting_tid = syscall(SYS_gettid);
  while (!release_waiter) usleep(1000);
  return NULL;
}

static void *queue_from_a_thread(void *arg) {
  (void)arg;
  siginfo_t si = { .si_code = SI_USER };
  long r = syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si);
  printf("rt_sigqueueinfo of a kill's code, from a thread to its process: %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
  return NULL;
}

static void show_call(const char *what, long r) {
  printf("%s: %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "");
}

/** rt_tgsigqueueinfo: a signal with its siginfo to one thread; who may pass which si_code. */
static void queued_to_threads(void) {
  struct sigaction sa = { .sa_sigaction = on_queued, .sa_flags = SA_SIGINFO };
  sigaction(SIGUSR1, &sa, NULL);
  pthread_t t;
  pthread_create(&t, NULL, waiting, NULL);
  while (!waiting_tid) usleep(1000);
  pid_t me = syscall(SYS_gettid);
  siginfo_t si = { .si_code = SI_QUEUE, .si_value.sival_int = 42 };
  show_call("to the other thread, SI_QUEUE", syscall(SYS_rt_tgsigqueueinfo, getpid(), waiting_tid, SIGUSR1, &si));
  while (!handled_in) usleep(1000);
  printf("handled in that thread %d, code %d, value %d\n", handled_in == waiting_tid, handled_code, handled_value);
  si.si_code = SI_USER;
  show_call("to the other thread, a kill's code", syscall(SYS_rt_tgsigqueueinfo, getpid(), waiting_tid, SIGUSR1, &si));
  si.si_code = SI_TKILL;
  show_call("to the other thread, tkill's code", syscall(SYS_rt_tgsigqueueinfo, getpid(), waiting_tid, SIGUSR1, &si));
  si.si_code = SI_USER;
  handled_in = 0;
  show_call("to itself, a kill's code", syscall(SYS_rt_tgsigqueueinfo, getpid(), me, SIGUSR1, &si));
  printf("handled in this thread %d, code %d\n", handled_in == me, handled_code);
  si.si_code = SI_QUEUE;
  show_call("tid 0", syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, SIGUSR1, &si));
  show_call("tgid 0", syscall(SYS_rt_tgsigqueueinfo, 0, me, SIGUSR1, &si));
  show_call("tid 0, siginfo at a bad address", syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, SIGUSR1, (void *)8));
  show_call("a thread of another process", syscall(SYS_rt_tgsigqueueinfo, 999999, waiting_tid, SIGUSR1, &si));
  show_call("no such thread", syscall(SYS_rt_tgsigqueueinfo, getpid(), 999999, SIGUSR1, &si));
  show_call("signal 65", syscall(SYS_rt_tgsigqueueinfo, getpid(), waiting_tid, 65, &si));
  show_call("signal 0", syscall(SYS_rt_tgsigqueueinfo, getpid(), waiting_tid, 0, &si));
  show_call("rt_sigqueueinfo signal 0", syscall(SYS_rt_sigqueueinfo, getpid(), 0, &si));
  pthread_t q;
  pthread_create(&q, NULL, queue_from_a_thread, NULL);
  pthread_join(q, NULL);
  release_waiter = 1;
  pthread_join(t, NULL);
  signal(SIGUSR1, SIG_DFL);
}

int main(int argc, char **argv) {
  pthread_t t[THREADS];
  if (argc > 1) {
    printf("after exec: %s\n", argv[1]);
    return 0;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  mine = 99;
  for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  long sum = 0;
  for (int i = 0; i < THREADS; i++) {
    void *ret;
    pthread_join(t[i], &ret);
    sum += (long)ret;
  }
  int distinct = 1;
  for (int i = 0; i < THREADS; i++) distinct &= tid_distinct[i];
  printf("counter=%ld expected=%d joined_sum=%ld main_tls=%d distinct_tids=%d\n", counter, THREADS * ROUNDS, sum, mine, distinct);

  fork_snapshot();
  queued_to_threads();

  /* execve from a process with a running and a blocked thread: both end, the new image runs. */
  pthread_t runner, sleeper;
  pthread_create(&runner, NULL, spin, NULL);
  pthread_create(&sleeper, NULL, block, NULL);
  usleep(50000);
  char *args[] = {argv[0], "one thread left", NULL};
  execv(argv[0], args);
  perror("execv");
  return 1;
}
