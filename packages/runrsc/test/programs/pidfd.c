// Conformance: process file descriptors — pidfd_open and its errors, polling for a child's exit,
// pidfd_send_signal, waitid(P_PIDFD) blocking and not, pidfd_getfd, and clone's and clone3's
// CLONE_PIDFD, and /proc/<pid> directories as pidfds.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_NONBLOCK O_NONBLOCK

#define CALL(expr) (errno = 0, rv = (long)(expr), er = errno)
static long rv;
static int er;

static void result(const char *what) {
  if (rv < 0) printf("%s: -1 %s\n", what, strerrorname_np(er));
  else printf("%s: %ld\n", what, rv);
}

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int send_signal(int fd, int sig, siginfo_t *info, unsigned flags) { return syscall(SYS_pidfd_send_signal, fd, sig, info, flags); }
static int getfd(int pidfd, int fd, unsigned flags) { return syscall(SYS_pidfd_getfd, pidfd, fd, flags); }

static int poll_in(int fd, int timeout) {
  struct pollfd p = {fd, POLLIN, 0};
  int n = poll(&p, 1, timeout);
  return n <= 0 ? n : p.revents;
}

static pid_t sleeper(void) {
  pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  return pid;
}

static void opening(void) {
  printf("-- pidfd_open\n");
  int self = pidfd_open(getpid(), 0);
  printf("self: %s, close-on-exec %d\n", self >= 0 ? "ok" : "failed", fcntl(self, F_GETFD) == FD_CLOEXEC);
  char link[64] = {0}, path[32];
  snprintf(path, sizeof path, "/proc/self/fd/%d", self);
  readlink(path, link, sizeof link - 1);
  printf("link: %s\n", link);
  CALL(pidfd_open(-1, 0)); result("pid -1");
  CALL(pidfd_open(0x3fffffff, 0)); result("no such pid");
  CALL(pidfd_open(getpid(), 1)); result("unknown flag");
  CALL(send_signal(0, 0, NULL, 0)); result("send_signal on stdin");
  CALL(send_signal(self, 0, NULL, 0x20)); result("send_signal with an unknown flag");
  CALL(send_signal(self, 0, NULL, 0)); result("send_signal 0 to self");
  siginfo_t info = {.si_signo = SIGUSR2, .si_code = SI_QUEUE};
  CALL(send_signal(self, SIGUSR1, &info, 0)); result("send_signal, siginfo of another signal");
  close(self);
}

static void exiting(void) {
  printf("-- a child's exit through its pidfd\n");
  pid_t pid = sleeper();
  int fd = pidfd_open(pid, 0);
  printf("poll while it runs: %d\n", poll_in(fd, 0));
  CALL(send_signal(fd, SIGTERM, NULL, 0)); result("send_signal SIGTERM");
  printf("poll after: %#x\n", poll_in(fd, 5000));
  siginfo_t info = {0};
  CALL(waitid(P_PIDFD, fd, &info, WEXITED));
  printf("waitid: %ld pid matches %d code %d status %d\n", rv, info.si_pid == pid, info.si_code, info.si_status);
  printf("poll once reaped: %#x\n", poll_in(fd, 0));
  CALL(send_signal(fd, SIGTERM, NULL, 0)); result("send_signal once reaped");
  CALL(waitid(P_PIDFD, fd, &info, WEXITED)); result("waitid once reaped");
  CALL(getfd(fd, 0, 0)); result("getfd once reaped");
  close(fd);

  pid = sleeper();
  int nb = pidfd_open(pid, PIDFD_NONBLOCK);
  CALL(waitid(P_PIDFD, nb, &info, WEXITED)); result("waitid, non-blocking pidfd, running child");
  memset(&info, 0xff, sizeof info);
  CALL(waitid(P_PIDFD, nb, &info, WEXITED | WNOHANG));
  printf("waitid WNOHANG: %ld si_pid %d\n", rv, info.si_pid);
  kill(pid, SIGKILL);
  poll_in(nb, 5000);
  CALL(waitid(P_PIDFD, nb, &info, WEXITED)); printf("waitid after SIGKILL: %ld status %d\n", rv, info.si_status);
  close(nb);

  int self = pidfd_open(getpid(), 0);
  CALL(waitid(P_PIDFD, self, &info, WEXITED | WNOHANG)); result("waitid on itself");
  close(self);
}

static void stealing(void) {
  printf("-- pidfd_getfd\n");
  int ready[2];
  pipe(ready);
  pid_t pid = fork();
  if (pid == 0) {
    int f = open("/tmp/pidfd-file", O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(f, "from the child", 14);
    dup2(f, 42);
    write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  char c;
  read(ready[0], &c, 1);
  int fd = pidfd_open(pid, 0);
  CALL(getfd(fd, 42, 0));
  int got = rv;
  char buf[32] = {0};
  pread(got, buf, sizeof buf - 1, 0);
  printf("getfd: %s, reads \"%s\", close-on-exec %d\n", got >= 0 ? "ok" : "failed", buf, fcntl(got, F_GETFD) == FD_CLOEXEC);
  CALL(getfd(fd, 500, 0)); result("getfd of a closed fd");
  CALL(getfd(fd, 42, 1)); result("getfd with a flag");
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(got);
  close(fd);
  unlink("/tmp/pidfd-file");
}

static void cloning(void) {
  printf("-- CLONE_PIDFD\n");
  int pfd = -1;
  struct clone_args args = {.flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pfd, .exit_signal = SIGCHLD};
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) _exit(3);
  siginfo_t info = {0};
  CALL(waitid(P_PIDFD, pfd, &info, WEXITED));
  printf("clone3: pidfd %s, waitid %ld status %d pid matches %d\n", pfd >= 0 ? "ok" : "missing", rv, info.si_status, info.si_pid == pid);
  close(pfd);

  pfd = -1;
  pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pfd, 0, 0);
  if (pid == 0) _exit(4);
  CALL(waitid(P_PIDFD, pfd, &info, WEXITED));
  printf("clone: pidfd %s, waitid %ld status %d\n", pfd >= 0 ? "ok" : "missing", rv, info.si_status);
  close(pfd);
  CALL(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pfd, 0, 0));
  if (rv == 0) _exit(0);
  result("clone with CLONE_PIDFD and CLONE_PARENT_SETTID");
}

static volatile sig_atomic_t usr1;
static void on_usr1(int s) { (void)s; usr1 = 1; }

/** pidfd_send_signal takes an open /proc/<pid> directory as a pidfd; no other /proc file. */
static void proc_directories(void) {
  signal(SIGUSR1, on_usr1);
  int self = open("/proc/self", O_RDONLY | O_DIRECTORY);
  CALL(send_signal(self, SIGUSR1, NULL, 0)); result("signal through /proc/self");
  printf("handled: %d\n", usr1);
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d", getpid());
  int task = open(path, O_RDONLY | O_DIRECTORY);
  CALL(send_signal(task, 0, NULL, 0)); result("through a task directory");
  int status = open("/proc/self/status", O_RDONLY);
  CALL(send_signal(status, 0, NULL, 0)); result("through /proc/self/status");
  int root = open("/proc", O_RDONLY | O_DIRECTORY);
  CALL(send_signal(root, 0, NULL, 0)); result("through /proc");
  pid_t child = sleeper();
  snprintf(path, sizeof path, "/proc/%d", child);
  int dir = open(path, O_RDONLY | O_DIRECTORY);
  CALL(send_signal(dir, SIGKILL, NULL, 0)); result("SIGKILL through the child's directory");
  waitpid(child, NULL, 0);
  CALL(send_signal(dir, 0, NULL, 0)); result("through it once reaped");
  close(dir);
  close(root);
  close(status);
  close(task);
  close(self);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  opening();
  exiting();
  stealing();
  cloning();
  proc_directories();
  return 0;
}
