// Conformance: kcmp — open files (dup and fork share one, two opens do not), address spaces, fd
// tables, fs contexts, signal handlers and System V undo lists across threads and forks, epoll
// targets (KCMP_EPOLL_TFD), the order it reports (consistent both ways), its errors, and who may
// compare (ptrace's read check: ids, dumpable, permitted capabilities, CAP_SYS_PTRACE). The
// order between two objects is the kernel's own, so only "same" or "different" is printed.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long kcmp(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2) {
  return syscall(SYS_kcmp, a, b, type, i1, i2);
}

/** "same", "different" (checking that the reverse order answers the other way), or the error. */
static void show(const char *what, pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2) {
  long r = kcmp(a, b, type, i1, i2);
  if (r < 0) {
    printf("%s: %s\n", what, strerrorname_np(errno));
    return;
  }
  if (r == 0) {
    printf("%s: same\n", what);
    return;
  }
  long back = type == KCMP_EPOLL_TFD ? 3 - r : kcmp(b, a, type, i2, i1);
  printf("%s: different%s\n", what, (r == 1 || r == 2) && r + back == 3 ? "" : " (inconsistent order)");
}

static pid_t main_tid;
static int thread_fd;

static void *in_thread(void *arg) {
  (void)arg;
  pid_t tid = gettid();
  printf("-- from a thread\n");
  show("VM, thread and main thread", tid, main_tid, KCMP_VM, 0, 0);
  show("FILES", tid, main_tid, KCMP_FILES, 0, 0);
  show("FS", tid, main_tid, KCMP_FS, 0, 0);
  show("SIGHAND", tid, main_tid, KCMP_SIGHAND, 0, 0);
  show("SYSVSEM", tid, main_tid, KCMP_SYSVSEM, 0, 0);
  show("FILE, same fd", tid, main_tid, KCMP_FILE, thread_fd, thread_fd);
  return NULL;
}

static void files(void) {
  printf("-- files\n");
  pid_t me = getpid();
  int a = open("/etc/passwd", O_RDONLY);
  int b = dup(a);
  int c = open("/etc/passwd", O_RDONLY);
  int d = fcntl(a, F_DUPFD_CLOEXEC, 100);
  show("an fd and its dup", me, me, KCMP_FILE, a, b);
  show("F_DUPFD_CLOEXEC", me, me, KCMP_FILE, a, d);
  show("two opens of one file", me, me, KCMP_FILE, a, c);
  show("stdin and itself", me, me, KCMP_FILE, 0, 0);
  show("a closed fd", me, me, KCMP_FILE, a, 999);
  show("a closed first fd", me, me, KCMP_FILE, 999, a);
  show("an index past 32 bits names fd index mod 2^32", me, me, KCMP_FILE, a, (1UL << 32) + b);
  thread_fd = a;
  close(c);
  close(d);
}

static void wait_byte(int fd) {
  char x;
  read(fd, &x, 1);
}

/** A child that exits once a byte comes on `fd`. */
static pid_t waiting_child(int fd) {
  pid_t child = fork();
  if (child == 0) {
    wait_byte(fd);
    _exit(0);
  }
  return child;
}

static void processes(void) {
  printf("-- processes\n");
  pid_t me = getpid();
  show("VM of itself", me, me, KCMP_VM, 0, 0);
  show("IO of itself", me, me, KCMP_IO, 0, 0);
  int p[2];
  pipe(p);
  pid_t child = waiting_child(p[0]);
  show("VM, parent and child", me, child, KCMP_VM, 0, 0);
  show("FILES", me, child, KCMP_FILES, 0, 0);
  show("FS", me, child, KCMP_FS, 0, 0);
  show("SIGHAND", me, child, KCMP_SIGHAND, 0, 0);
  // pthread_create shares the undo list (CLONE_SYSVSEM), which made the parent one; not the child.
  show("SYSVSEM, a parent that made a thread and a child", me, child, KCMP_SYSVSEM, 0, 0);
  pid_t other = waiting_child(p[0]);
  show("SYSVSEM, two children with none", child, other, KCMP_SYSVSEM, 0, 0);
  show("FILE, an fd the child inherited", me, child, KCMP_FILE, p[1], p[1]);
  show("FILE, two ends of a pipe", me, child, KCMP_FILE, p[0], p[1]);
  int set = semget(IPC_PRIVATE, 1, 0600);
  semop(set, &(struct sembuf){0, 1, SEM_UNDO}, 1);
  show("SYSVSEM after the parent's SEM_UNDO", me, child, KCMP_SYSVSEM, 0, 0);
  semctl(set, 0, IPC_RMID);
  show("SYSVSEM after its set is removed", me, child, KCMP_SYSVSEM, 0, 0);
  write(p[1], "xx", 2);
  waitpid(child, NULL, 0);
  waitpid(other, NULL, 0);
  show("a reaped child", me, child, KCMP_VM, 0, 0);
  show("no such pid", me, 999999, KCMP_VM, 0, 0);
  show("type 8", me, me, 8, 0, 0);
  show("type -1", me, me, -1, 0, 0);
  close(p[0]);
  close(p[1]);
}

static void epoll_targets(void) {
  printf("-- epoll targets\n");
  pid_t me = getpid();
  int ep = epoll_create1(0);
  int p[2];
  pipe(p);
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &(struct epoll_event){.events = EPOLLIN});
  struct kcmp_epoll_slot slot = {ep, p[0], 0};
  show("the file registered under its fd", me, me, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot);
  show("another file", me, me, KCMP_EPOLL_TFD, p[1], (unsigned long)&slot);
  slot.toff = 1;
  show("a second entry for that fd", me, me, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot);
  slot = (struct kcmp_epoll_slot){ep, p[1], 0};
  show("an fd not registered", me, me, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot);
  slot = (struct kcmp_epoll_slot){p[0], p[0], 0};
  show("efd not an epoll", me, me, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot);
  slot = (struct kcmp_epoll_slot){999, p[0], 0};
  show("efd not open", me, me, KCMP_EPOLL_TFD, p[0], (unsigned long)&slot);
  slot = (struct kcmp_epoll_slot){ep, p[0], 0};
  show("idx1 not open", me, me, KCMP_EPOLL_TFD, 999, (unsigned long)&slot);
  show("a bad slot pointer", me, me, KCMP_EPOLL_TFD, p[0], 16);
  int q = dup(p[0]);
  close(p[0]);
  slot = (struct kcmp_epoll_slot){ep, p[0], 0};
  show("after the registered fd is closed, its file lives on", me, me, KCMP_EPOLL_TFD, q, (unsigned long)&slot);
  close(q);
  close(p[1]);
  close(ep);
}

static void permissions(void) {
  printf("-- who may compare\n");
  int ready[2], go_b[2], go_c[2];
  pipe(ready);
  pipe(go_b);
  pipe(go_c);
  // b: uid 1000 that kept its permitted capabilities (but has no effective ones).
  pid_t b = fork();
  if (b == 0) {
    prctl(PR_SET_KEEPCAPS, 1);
    setresuid(1000, 1000, 1000);
    prctl(PR_SET_DUMPABLE, 1);
    write(ready[1], "b", 1);
    wait_byte(go_b[0]);
    _exit(0);
  }
  // c: uid 1000 without capabilities, dumpable or not as told.
  pid_t c = fork();
  if (c == 0) {
    setresuid(1000, 1000, 1000);
    write(ready[1], "c", 1);
    wait_byte(go_c[0]);
    prctl(PR_SET_DUMPABLE, 1);
    write(ready[1], "c", 1);
    wait_byte(go_c[0]);
    _exit(0);
  }
  wait_byte(ready[0]);
  wait_byte(ready[0]);
  pid_t a = fork();
  if (a == 0) {
    setresuid(1000, 1000, 1000);
    pid_t me = getpid();
    show("uid 1000 compares itself", me, me, KCMP_VM, 0, 0);
    show("uid 1000 and a root process", me, getppid(), KCMP_VM, 0, 0);
    show("uid 1000 and one of uid 1000 with more permitted capabilities", me, b, KCMP_VM, 0, 0);
    show("uid 1000 and one of uid 1000 not dumpable", me, c, KCMP_VM, 0, 0);
    write(go_c[1], "g", 1);
    wait_byte(ready[0]);
    show("uid 1000 and one of uid 1000, dumpable", me, c, KCMP_VM, 0, 0);
    fflush(stdout);
    _exit(0);
  }
  waitpid(a, NULL, 0);
  show("root compares the others", b, c, KCMP_VM, 0, 0);
  write(go_b[1], "g", 1);
  write(go_c[1], "g", 1);
  waitpid(b, NULL, 0);
  waitpid(c, NULL, 0);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  main_tid = gettid();
  files();
  pthread_t t;
  pthread_create(&t, NULL, in_thread, NULL);
  pthread_join(t, NULL);
  processes();
  epoll_targets();
  permissions();
  return 0;
}
