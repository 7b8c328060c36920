/*
 * Threads: creation, join, mutexes, condition variables, thread-locals, per-thread ids.
 * Printed deterministically; the acceptance test compares it with a native run.
 */
#define _GNU_SOURCE
#include <pthread.h>
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
