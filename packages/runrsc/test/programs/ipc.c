/*
 * System V IPC. Shared memory: shmget, shmat, shmdt, shmctl, what fork shares, removal while
 * attached. Semaphores: semget, semop (waiting, IPC_NOWAIT, SEM_UNDO at exit), semtimedop, semctl.
 * Message queues: msgget, msgsnd and msgrcv (types, waiting, truncation), msgctl.
 * Keys are made from the pid, so the native run meets no other segment, and every segment made is
 * removed. Printed line by line for a native-vs-sandbox comparison.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <time.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(long r) { return r < 0 || r == (long)(void *)-1 ? strerrorname_np(errno) : "ok"; }

/** IPC_STAT of `id`; `times` also prints whether this process made the last shmat/shmdt, and when. */
static void stat_line(const char *what, int id) {
  struct shmid_ds ds;
  if (shmctl(id, IPC_STAT, &ds) < 0) {
    printf("%s: IPC_STAT %s\n", what, strerrorname_np(errno));
    return;
  }
  printf("%s: size %zu, mode %o, nattch %lu, creator %d, last %d, attached %d detached %d, owner %d\n", what,
         (size_t)ds.shm_segsz, ds.shm_perm.mode, (unsigned long)ds.shm_nattch, ds.shm_cpid == getpid(),
         ds.shm_lpid == getpid(), ds.shm_atime != 0, ds.shm_dtime != 0, ds.shm_perm.uid == geteuid());
}

static int in_maps(const char *needle) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  int found = 0;
  while (f && fgets(line, sizeof line, f)) found |= strstr(line, needle) != NULL;
  if (f) fclose(f);
  return found;
}

union semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
};

static int semval(int id, int num) { return semctl(id, num, GETVAL); }

static void semaphores(void) {
  int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  printf("semget: %s, values %d %d %d\n", err(id), semval(id, 0), semval(id, 1), semval(id, 2));
  struct semid_ds ds;
  union semun arg = {.buf = &ds};
  const char *r = err(semctl(id, 0, IPC_STAT, arg));
  printf("IPC_STAT: %s, nsems %lu, mode %o, owner %d, otime %ld\n", r, (unsigned long)ds.sem_nsems, ds.sem_perm.mode,
         ds.sem_perm.uid == geteuid(), (long)ds.sem_otime);
  arg.val = 2;
  r = err(semctl(id, 0, SETVAL, arg));
  printf("SETVAL 2: %s, GETVAL %d, GETPID mine %d\n", r, semval(id, 0), semctl(id, 0, GETPID) == getpid());
  arg.val = 40000;
  printf("SETVAL 40000: %s; semnum 3: %s\n", err(semctl(id, 0, SETVAL, arg)), err(semctl(id, 3, GETVAL)));
  unsigned short all[3] = {5, 0, 7};
  arg.array = all;
  r = err(semctl(id, 0, SETALL, arg));
  unsigned short got[3] = {0};
  arg.array = got;
  semctl(id, 0, GETALL, arg);
  printf("SETALL: %s, GETALL %u %u %u\n", r, got[0], got[1], got[2]);
  struct sembuf take2[2] = {{0, -2, 0}, {2, -3, 0}};
  r = err(semop(id, take2, 2));
  printf("semop take 2 and 3: %s, now %d %d, otime set %d\n", r, semval(id, 0), semval(id, 2),
         (semctl(id, 0, IPC_STAT, (union semun){.buf = &ds}), ds.sem_otime != 0));
  struct sembuf all_or_none[2] = {{0, -1, 0}, {1, -1, IPC_NOWAIT}};
  r = err(semop(id, all_or_none, 2));
  printf("all or none with IPC_NOWAIT: %s, sem 0 kept %d\n", r, semval(id, 0));
  struct sembuf bad_num = {3, 1, 0};
  struct sembuf too_big = {0, 32767, 0};
  printf("semnum 3: %s; past SEMVMX: %s; no ops: %s\n", err(semop(id, &bad_num, 1)), err(semop(id, &too_big, 1)), err(semop(id, &too_big, 0)));
  struct timespec ten_ms = {0, 10 * 1000 * 1000};
  struct sembuf wait1 = {1, -1, 0};
  printf("semtimedop waiting 10 ms: %s\n", err(semtimedop(id, &wait1, 1, &ten_ms)));

  pid_t c = fork();
  if (c == 0) {
    struct sembuf down = {1, -1, 0};
    long rr = semop(id, &down, 1); // waits for the parent's up
    printf("the child's wait: %s\n", err(rr));
    struct sembuf zero = {2, 0, 0};
    rr = semop(id, &zero, 1); // waits for sem 2 to reach 0
    printf("the child's wait for zero: %s\n", err(rr));
    _exit(0);
  }
  while (semctl(id, 1, GETNCNT) != 1) usleep(1000);
  printf("GETNCNT while the child waits: %d\n", semctl(id, 1, GETNCNT));
  struct sembuf up = {1, 1, 0};
  semop(id, &up, 1);
  while (semctl(id, 2, GETZCNT) != 1) usleep(1000);
  printf("GETZCNT while the child waits: %d\n", semctl(id, 2, GETZCNT));
  struct sembuf down2 = {2, -4, 0};
  semop(id, &down2, 1);
  waitpid(c, NULL, 0);

  c = fork();
  if (c == 0) {
    struct sembuf undo = {0, 2, SEM_UNDO};
    semop(id, &undo, 1);
    printf("the child added 2 with SEM_UNDO: %d\n", semval(id, 0));
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("after its exit: %d\n", semval(id, 0));

  key_t key = 0x7d000000 | (getpid() & 0xffff);
  int keyed = semget(key, 2, IPC_CREAT | IPC_EXCL | 0640);
  printf("keyed: %s, excl again: %s, more sems: %s, found: %d, missing: %s, nsems 0 new: %s\n", err(keyed),
         err(semget(key, 2, IPC_CREAT | IPC_EXCL)), err(semget(key, 3, 0)), semget(key, 0, 0) == keyed,
         err(semget(key + 1, 1, 0)), err(semget(IPC_PRIVATE, 0, IPC_CREAT)));
  r = err(semctl(keyed, 0, IPC_RMID));
  printf("IPC_RMID: %s, then GETVAL: %s\n", r, err(semctl(keyed, 0, GETVAL)));

  c = fork();
  if (c == 0) {
    struct sembuf down = {1, -5, 0};
    long rr = semop(id, &down, 1);
    printf("a waiter when the set goes: %s\n", err(rr));
    _exit(0);
  }
  while (semctl(id, 1, GETNCNT) != 1) usleep(1000);
  semctl(id, 0, IPC_RMID);
  waitpid(c, NULL, 0);
}

struct message {
  long type;
  char text[64];
};

/** Wait until process `pid` sleeps (its state in /proc/<pid>/stat is S): blocked in its call. */
static void wait_sleeping(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  for (;;) {
    FILE *f = fopen(path, "r");
    char *state = f && fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    if (f) fclose(f);
    if (state && state[2] == 'S') return;
    usleep(1000);
  }
}

static void message_queues(void) {
  int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  printf("msgget: %s\n", err(q));
  struct message m = {.type = 2};
  strcpy(m.text, "two");
  const char *r = err(msgsnd(q, &m, 4, 0));
  m.type = 1;
  strcpy(m.text, "one");
  const char *r2 = err(msgsnd(q, &m, 4, 0));
  m.type = 3;
  strcpy(m.text, "three, longer");
  msgsnd(q, &m, 14, 0);
  struct msqid_ds ds;
  msgctl(q, IPC_STAT, &ds);
  printf("msgsnd: %s %s, qnum %lu, cbytes %lu, qbytes %lu, lspid mine %d, mode %o\n", r, r2, (unsigned long)ds.msg_qnum,
         (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes, ds.msg_lspid == getpid(), ds.msg_perm.mode);
  m.type = 0;
  printf("type 0: %s; size past MSGMAX: %s\n", err(msgsnd(q, &m, 4, 0)), err(msgsnd(q, &m, 9000, 0)));
  struct message got = {0};
  long n = msgrcv(q, &got, sizeof got.text, 1, 0);
  printf("type 1: %ld bytes, type %ld, %s\n", n, got.type, got.text);
  n = msgrcv(q, &got, sizeof got.text, -3, 0);
  printf("lowest type up to 3: %ld, type %ld, %s\n", n, got.type, got.text);
  n = msgrcv(q, &got, 5, 0, 0);
  printf("too long for 5 bytes: %ld %s\n", n, strerrorname_np(errno));
  memset(&got, 0, sizeof got);
  n = msgrcv(q, &got, 5, 3, MSG_NOERROR);
  printf("MSG_NOERROR: %ld, %.5s\n", n, got.text);
  n = msgrcv(q, &got, sizeof got.text, 0, IPC_NOWAIT);
  printf("empty, IPC_NOWAIT: %ld %s\n", n, strerrorname_np(errno));
  m.type = 5;
  msgsnd(q, &m, 1, 0);
  m.type = 6;
  msgsnd(q, &m, 1, 0);
  n = msgrcv(q, &got, sizeof got.text, 5, MSG_EXCEPT);
  printf("MSG_EXCEPT 5: type %ld\n", got.type);
  msgrcv(q, &got, sizeof got.text, 0, 0);

  pid_t c = fork();
  if (c == 0) {
    struct message in = {0};
    long rr = msgrcv(q, &in, sizeof in.text, 9, 0); // waits for the parent's
    printf("the child waited for type 9: %ld, %s\n", rr, in.text);
    _exit(0);
  }
  wait_sleeping(c);
  m.type = 9;
  strcpy(m.text, "nine");
  msgsnd(q, &m, 5, 0);
  waitpid(c, NULL, 0);

  msgctl(q, IPC_STAT, &ds);
  ds.msg_qbytes = 10;
  ds.msg_perm.mode = 0640;
  r = err(msgctl(q, IPC_SET, &ds));
  msgctl(q, IPC_STAT, &ds);
  printf("IPC_SET qbytes 10: %s, qbytes %lu, mode %o\n", r, (unsigned long)ds.msg_qbytes, ds.msg_perm.mode);
  m.type = 1;
  r = err(msgsnd(q, &m, 8, 0));
  printf("8 bytes: %s, 8 more with IPC_NOWAIT: %s\n", r, err(msgsnd(q, &m, 8, IPC_NOWAIT)));
  c = fork();
  if (c == 0) {
    long rr = msgsnd(q, &m, 8, 0); // waits for room
    printf("the child's send once there was room: %s\n", err(rr));
    _exit(0);
  }
  wait_sleeping(c);
  msgrcv(q, &got, sizeof got.text, 0, 0);
  waitpid(c, NULL, 0);
  msgctl(q, IPC_STAT, &ds);
  printf("then qnum %lu\n", (unsigned long)ds.msg_qnum);

  key_t key = 0x7c000000 | (getpid() & 0xffff);
  int keyed = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
  printf("keyed: %s, excl again: %s, found: %d, missing: %s\n", err(keyed), err(msgget(key, IPC_CREAT | IPC_EXCL)),
         msgget(key, 0) == keyed, err(msgget(key + 1, 0)));
  r = err(msgctl(keyed, IPC_RMID, NULL));
  printf("IPC_RMID: %s, then msgsnd: %s\n", r, err(msgsnd(keyed, &m, 1, 0)));

  c = fork();
  if (c == 0) {
    struct message in;
    long rr = msgrcv(q, &in, sizeof in.text, 42, 0);
    printf("a waiter when the queue goes: %s\n", err(rr));
    _exit(0);
  }
  wait_sleeping(c);
  msgctl(q, IPC_RMID, NULL);
  waitpid(c, NULL, 0);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  message_queues();
  semaphores();
  long page = sysconf(_SC_PAGESIZE);
  int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
  printf("shmget private: %s\n", err(id));
  stat_line("fresh", id);
  char *p = shmat(id, NULL, 0);
  printf("shmat: %s, zeros %d\n", err((long)p), p[0] == 0 && p[9999] == 0);
  strcpy(p, "hello");
  stat_line("attached", id);
  char *q = shmat(id, NULL, SHM_RDONLY);
  printf("read-only attach: %s, reads %s, mprotect writable %s\n", err((long)q), q, err(mprotect(q, page, PROT_READ | PROT_WRITE)));
  stat_line("twice", id);
  pid_t c = fork();
  if (c == 0) {
    p[0] = 'J';
    _exit(0);
  }
  waitpid(c, NULL, 0);
  printf("a child's write: %s, %s\n", p, q);
  struct shmid_ds after;
  shmctl(id, IPC_STAT, &after);
  printf("after the child: nattch %lu\n", (unsigned long)after.shm_nattch); // its exit detached it
  const char *r1 = err(shmdt(q));
  const char *r2 = err(shmdt(q));
  printf("shmdt read-only: %s, again: %s, inside: %s\n", r1, r2, err(shmdt(p + page)));
  stat_line("once", id);
  char *half = p + page;
  printf("mprotect one page of it: %s\n", err(mprotect(half, page, PROT_READ)));
  char *again = shmat(id, NULL, 0);
  printf("a third attach reads %s\n", again);
  printf("unaligned: %s, bad id: %s, size 0: %s\n", err((long)shmat(id, p + 1, 0)), err((long)shmat(id + 100000, NULL, 0)),
         err(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600)));
  char *taken = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  long r = (long)shmat(id, taken, 0);
  printf("over a mapping: %s", err(r));
  char *remapped = shmat(id, taken, SHM_REMAP);
  printf(", with SHM_REMAP: %s, reads %s\n", err((long)remapped), remapped == taken ? remapped : "?");
  printf("in /proc/self/maps: %d\n", in_maps("/SYSV00000000"));
  shmdt(remapped);
  shmdt(again);

  key_t key = 0x7e000000 | (getpid() & 0xffff);
  int keyed = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
  printf("keyed: %s, same key excl: %s, bigger: %s, found: %d, missing key: %s\n", err(keyed),
         err(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600)), err(shmget(key, 8192, 0)), shmget(key, 0, 0) == keyed,
         err(shmget(key + 1, 4096, 0)));
  struct shmid_ds ds;
  shmctl(keyed, IPC_STAT, &ds);
  ds.shm_perm.mode = 0640;
  r1 = err(shmctl(keyed, IPC_SET, &ds));
  printf("IPC_SET 0640: %s", r1);
  shmctl(keyed, IPC_STAT, &ds);
  printf(", mode %o, key kept %d\n", ds.shm_perm.mode, ds.shm_perm.__key == key);
  printf("SHM_LOCK: %s", err(shmctl(keyed, SHM_LOCK, NULL)));
  shmctl(keyed, IPC_STAT, &ds);
  printf(", mode %o\n", ds.shm_perm.mode);
  printf("IPC_RMID unattached: %s", err(shmctl(keyed, IPC_RMID, NULL)));
  printf(", stat %s, key %s\n", err(shmctl(keyed, IPC_STAT, &ds)), err(shmget(key, 4096, 0)));

  printf("IPC_RMID attached: %s\n", err(shmctl(id, IPC_RMID, NULL)));
  shmctl(id, IPC_STAT, &ds);
  printf("marked: mode %o, key %d, still reads %s\n", ds.shm_perm.mode, ds.shm_perm.__key, p);
  c = fork();
  if (c == 0) {
    printf("a child still reads %s\n", p);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  r1 = err(shmdt(p));
  printf("last shmdt: %s, then stat %s\n", r1, err(shmctl(id, IPC_STAT, &ds)));
  return 0;
}
