/*
 * futex(2) directly: value checks, timeouts, wakes with counts and bitsets, requeue, and a futex
 * shared between processes through MAP_SHARED memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts, uint32_t *addr2, uint32_t val3) {
  return syscall(SYS_futex, addr, op, val, ts, addr2, val3);
}
static const char *e(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static uint32_t word, word2;
static volatile int woke;

static void *waiter(void *arg) {
  uint32_t bits = (uint32_t)(uintptr_t)arg;
  futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, bits);
  __atomic_fetch_add(&woke, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static int settle(int want) {
  for (int i = 0; i < 200 && woke < want; i++) usleep(5000);
  return woke;
}

static uint32_t orphan_word;
static void *orphan_waiter(void *arg) {
  (void)arg;
  while (__atomic_load_n(&orphan_word, __ATOMIC_SEQ_CST) == 0) futex(&orphan_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  return NULL;
}

/**
 * A process that dies while a thread of its waits on a futex leaves no waiter behind: the next
 * process, likely given the same memory, wakes its own waiter on the same word.
 */
static void dead_waiters(void) {
  int lost = 0;
  for (int i = 0; i < 12; i++) {
    pid_t c = fork();
    if (c == 0) {
      alarm(5);
      pthread_t t;
      pthread_create(&t, NULL, orphan_waiter, NULL);
      usleep(20000);
      if (i % 2 == 0) _exit(0); /* the waiter dies waiting */
      __atomic_store_n(&orphan_word, 1, __ATOMIC_SEQ_CST);
      futex(&orphan_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
      pthread_join(t, NULL);
      _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (!WIFEXITED(st)) lost++;
  }
  printf("wakes after processes died with waiters: %s\n", lost ? "lost" : "all arrived");
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct timespec short_wait = {0, 20 * 1000 * 1000};
  printf("wait with a different value: %s\n", e(futex(&word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0)));
  printf("wait times out: %s\n", e(futex(&word, FUTEX_WAIT_PRIVATE, 0, &short_wait, NULL, 0)));
  printf("wake with no waiter: %ld\n", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  printf("unaligned: %s\n", e(futex((uint32_t *)((char *)&word + 1), FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
  printf("bad op: %s\n", e(futex(&word, 99, 0, NULL, NULL, 0)));

  pthread_t t[3];
  pthread_create(&t[0], NULL, waiter, (void *)1);
  pthread_create(&t[1], NULL, waiter, (void *)2);
  pthread_create(&t[2], NULL, waiter, (void *)2);
  usleep(100000);
  printf("wake bitset 1: %ld\n", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 1));
  printf("woken so far: %d\n", settle(1));
  printf("requeue 1, move the rest: %ld\n", futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)10, &word2, 0));
  printf("woken so far: %d\n", settle(2));
  printf("wake the requeued one on word2: %ld\n", futex(&word2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  printf("all woken: %d\n", woke);

  uint32_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pid_t c = fork();
  if (c == 0) {
    /* Woken (0), or already past the wait if the parent was first (EAGAIN): both see the store. */
    long r = futex(shared, FUTEX_WAIT, 0, NULL, NULL, 0);
    _exit((r == 0 || errno == EAGAIN) && *shared == 1 ? 0 : 1);
  }
  usleep(100000);
  __atomic_store_n(shared, 1, __ATOMIC_SEQ_CST);
  long woken = futex(shared, FUTEX_WAKE, 1, NULL, NULL, 0);
  int st;
  waitpid(c, &st, 0);
  printf("shared futex across fork: woken<=1=%d child_ok=%d\n", woken <= 1, WEXITSTATUS(st) == 0);
  dead_waiters();
  return 0;
}
