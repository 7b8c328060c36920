/*
 * System V shared memory: shmget, shmat, shmdt, shmctl, what fork shares, removal while attached.
 * Keys are made from the pid, so the native run meets no other segment, and every segment made is
 * removed. Printed line by line for a native-vs-sandbox comparison.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
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
