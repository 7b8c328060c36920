// Conformance: readiness and event files — eventfd, pipe + epoll (level, edge, one-shot),
// timerfd, select, AF_UNIX socket pairs with SCM_RIGHTS, signalfd.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

// Arguments are evaluated in any order: run the call first, then print its result and errno.
#define CALL(expr) (errno = 0, rv = (long)(expr), er = errno)
static long rv;
static int er;

static void eventfds(void) {
  int fd = eventfd(3, EFD_NONBLOCK);
  uint64_t v = 0;
  CALL(read(fd, &v, 8));
  printf("eventfd read %ld value %llu\n", rv, (unsigned long long)v);
  CALL(read(fd, &v, 8));
  printf("eventfd empty read %ld errno %d\n", rv, er);
  v = 5;
  write(fd, &v, 8);
  v = 2;
  write(fd, &v, 8);
  read(fd, &v, 8);
  printf("eventfd sum %llu\n", (unsigned long long)v);
  v = 0xffffffffffffffffULL;
  CALL(write(fd, &v, 8));
  printf("eventfd write max %ld errno %d\n", rv, er);
  CALL(read(fd, &v, 4));
  printf("eventfd short read %ld errno %d\n", rv, er);
  close(fd);
  fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
  for (int i = 0; i < 3; i++) {
    v = 0;
    ssize_t n = read(fd, &v, 8);
    printf("semaphore read %zd value %llu\n", n, (unsigned long long)v);
  }
  struct pollfd p = {fd, POLLIN | POLLOUT, 0};
  CALL(poll(&p, 1, 0));
  printf("semaphore poll %ld revents %#x\n", rv, p.revents);
  close(fd);
}

static void epolls(void) {
  int p[2];
  pipe(p);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7}, out[4];
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  printf("epoll add twice %ld errno %d\n", rv, er);
  printf("epoll empty %d\n", epoll_wait(ep, out, 4, 0));
  write(p[1], "ab", 2);
  int n = epoll_wait(ep, out, 4, 0);
  printf("level %d events %#x data %llu\n", n, out[0].events, (unsigned long long)out[0].data.u64);
  printf("level again %d\n", epoll_wait(ep, out, 4, 0));
  ev.events = EPOLLIN | EPOLLET;
  epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
  printf("edge first %d\n", epoll_wait(ep, out, 4, 0));
  printf("edge again %d\n", epoll_wait(ep, out, 4, 0));
  write(p[1], "c", 1);
  printf("edge after write %d\n", epoll_wait(ep, out, 4, 0));
  char buf[8];
  read(p[0], buf, sizeof buf);
  ev.events = EPOLLIN | EPOLLONESHOT;
  epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
  write(p[1], "d", 1);
  printf("oneshot %d\n", epoll_wait(ep, out, 4, 0));
  printf("oneshot again %d\n", epoll_wait(ep, out, 4, 0));
  epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
  printf("oneshot rearmed %d\n", epoll_wait(ep, out, 4, 0));
  // A blocking wait woken by a child's write.
  read(p[0], buf, sizeof buf);
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
  if (fork() == 0) {
    usleep(20000);
    write(p[1], "e", 1);
    _exit(0);
  }
  n = epoll_wait(ep, out, 4, 5000);
  printf("blocking wait %d events %#x\n", n, out[0].events);
  wait(NULL);
  read(p[0], buf, sizeof buf);
  close(p[1]);
  n = epoll_wait(ep, out, 4, 1000);
  printf("writer closed %d events %#x\n", n, out[0].events);
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, open("/proc/self/exe", 0), &ev));
  printf("epoll_ctl regular file %ld errno %d\n", rv, er);
  close(p[0]);
  close(ep);
}

static void timerfds(void) {
  int fd = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec its = {.it_interval = {0, 5000000}, .it_value = {0, 5000000}}, cur;
  timerfd_settime(fd, 0, &its, NULL);
  uint64_t exp = 0;
  ssize_t n = read(fd, &exp, 8);
  printf("timerfd read %zd expirations>=1 %d\n", n, exp >= 1);
  usleep(30000);
  read(fd, &exp, 8);
  printf("timerfd after sleep >=2 %d\n", exp >= 2);
  timerfd_gettime(fd, &cur);
  printf("timerfd interval %ld\n", cur.it_interval.tv_nsec);
  memset(&its, 0, sizeof its);
  timerfd_settime(fd, 0, &its, NULL);
  timerfd_gettime(fd, &cur);
  printf("timerfd disarmed %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
  int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  CALL(read(nb, &exp, 8));
  printf("timerfd nonblock read %ld errno %d\n", rv, er);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  its.it_value = now;
  its.it_value.tv_nsec += 10000000;
  if (its.it_value.tv_nsec >= 1000000000) its.it_value.tv_sec++, its.it_value.tv_nsec -= 1000000000;
  timerfd_settime(nb, TFD_TIMER_ABSTIME, &its, NULL);
  struct pollfd p = {nb, POLLIN, 0};
  CALL(poll(&p, 1, 5000));
  printf("timerfd poll %ld revents %#x\n", rv, p.revents);
  CALL(read(nb, &exp, 8));
  printf("timerfd abs read %ld value %llu\n", rv, (unsigned long long)exp);
  close(fd);
  close(nb);
}

static void selects(void) {
  int p[2];
  pipe(p);
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(p[0], &r);
  FD_SET(p[1], &w);
  struct timeval tv = {0, 0};
  int n = select(p[1] + 1, &r, &w, NULL, &tv);
  printf("select %d read %d write %d\n", n, FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
  write(p[1], "x", 1);
  FD_SET(p[0], &r);
  tv.tv_sec = 1;
  n = select(p[0] + 1, &r, NULL, NULL, &tv);
  printf("select readable %d %d\n", n, FD_ISSET(p[0], &r));
  // The time left goes back into the timeout: all of it when ready at once, none after a timeout.
  printf("select left the whole second: %d\n", tv.tv_sec == 0 && tv.tv_usec > 900000 || tv.tv_sec == 1);
  char c;
  read(p[0], &c, 1);
  FD_SET(p[0], &r);
  tv = (struct timeval){0, 30000};
  n = select(p[0] + 1, &r, NULL, NULL, &tv);
  printf("select timed out %d, left %ld.%06ld\n", n, (long)tv.tv_sec, (long)tv.tv_usec);
  struct pollfd pfd = {p[0], POLLIN, 0};
  struct timespec ts = {0, 30 * 1000 * 1000};
  n = syscall(SYS_ppoll, &pfd, 1, &ts, NULL, 8);
  printf("ppoll timed out %d, left %ld.%09ld\n", n, (long)ts.tv_sec, ts.tv_nsec);
  // Woken by a child's write after 20 ms, with most of a second left.
  if (fork() == 0) {
    usleep(20000);
    write(p[1], "y", 1);
    _exit(0);
  }
  tv = (struct timeval){1, 0};
  FD_SET(p[0], &r);
  n = select(p[0] + 1, &r, NULL, NULL, &tv);
  printf("select woken by a write %d, left within (0.5 s, 1 s) %d\n", n, tv.tv_sec == 0 && tv.tv_usec > 500000);
  wait(NULL);
  close(p[0]);
  close(p[1]);
}

static void sockets(void) {
  int sv[2];
  printf("socketpair %d\n", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  if (fork() == 0) {
    char buf[16];
    for (int i = 0; i < 3; i++) {
      ssize_t n = read(sv[1], buf, sizeof buf);
      buf[n] = 0;
      printf("child got %s\n", buf);
      fflush(stdout);
      write(sv[1], "pong", 4);
    }
    _exit(0);
  }
  char buf[16];
  for (int i = 0; i < 3; i++) {
    write(sv[0], "ping", 4);
    ssize_t n = read(sv[0], buf, sizeof buf);
    buf[n] = 0;
    printf("parent got %s\n", buf);
    fflush(stdout);
  }
  wait(NULL);
  shutdown(sv[1], SHUT_WR);
  printf("after peer shutdown read %zd\n", read(sv[0], buf, sizeof buf));
  close(sv[1]);
  signal(SIGPIPE, SIG_IGN);
  CALL(write(sv[0], "x", 1));
  printf("write to closed peer %ld errno %d\n", rv, er);
  close(sv[0]);

  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  send(sv[0], "one", 3, 0);
  send(sv[0], "three", 5, 0);
  printf("dgram recv %zd\n", recv(sv[1], buf, sizeof buf, 0));
  printf("dgram trunc %zd\n", recv(sv[1], buf, 2, MSG_TRUNC));
  CALL(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  printf("dgram empty %ld errno %d\n", rv, er);
  close(sv[0]);
  close(sv[1]);

  // SCM_RIGHTS: pass a pipe's write end, write through it, read from the pipe.
  socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
  int p[2];
  pipe(p);
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {"F", 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &p[1], sizeof(int));
  printf("sendmsg %zd\n", sendmsg(sv[0], &m, 0));
  close(p[1]);
  char rb[4];
  struct iovec riov = {rb, sizeof rb};
  char rc[CMSG_SPACE(sizeof(int))];
  struct msghdr rm = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rc, .msg_controllen = sizeof rc};
  ssize_t n = recvmsg(sv[1], &rm, 0);
  struct cmsghdr *rcm = CMSG_FIRSTHDR(&rm);
  int passed = -1;
  if (rcm && rcm->cmsg_type == SCM_RIGHTS) memcpy(&passed, CMSG_DATA(rcm), sizeof(int));
  printf("recvmsg %zd byte %c rights %d controllen %zu flags %d\n", n, rb[0], passed >= 0, (size_t)rm.msg_controllen, rm.msg_flags);
  write(passed, "via", 3);
  close(passed);
  char pb[8] = {0};
  CALL(read(p[0], pb, sizeof pb));
  printf("pipe read %ld %s\n", rv, pb);
  printf("pipe eof %zd\n", read(p[0], pb, sizeof pb));
  close(p[0]);
  close(sv[0]);
  close(sv[1]);
}

static void signalfds(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int fd = signalfd(-1, &set, SFD_NONBLOCK);
  struct signalfd_siginfo si;
  CALL(read(fd, &si, sizeof si));
  printf("signalfd empty %ld errno %d\n", rv, er);
  kill(getpid(), SIGUSR1);
  struct pollfd p = {fd, POLLIN, 0};
  CALL(poll(&p, 1, 1000));
  printf("signalfd poll %ld revents %#x\n", rv, p.revents);
  ssize_t n = read(fd, &si, sizeof si);
  printf("signalfd read %zd signo %u code %d pid ok %d\n", n, si.ssi_signo, si.ssi_code, si.ssi_pid == (uint32_t)getpid());
  close(fd);
  // A blocking read woken by a child's kill.
  fd = signalfd(-1, &set, 0);
  pid_t parent = getpid();
  if (fork() == 0) {
    usleep(20000);
    kill(parent, SIGUSR1);
    _exit(0);
  }
  n = read(fd, &si, sizeof si);
  printf("signalfd blocking read %zd signo %u\n", n, si.ssi_signo);
  wait(NULL);
  // A poll and an epoll_wait woken by a child's kill.
  if (fork() == 0) {
    usleep(20000);
    kill(parent, SIGUSR1);
    _exit(0);
  }
  p = (struct pollfd){fd, POLLIN, 0};
  CALL(poll(&p, 1, 5000));
  printf("signalfd poll woken by a kill %ld revents %#x\n", rv, p.revents);
  read(fd, &si, sizeof si);
  wait(NULL);
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLIN, {.u64 = 7}}, out;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  if (fork() == 0) {
    usleep(20000);
    kill(parent, SIGUSR1);
    _exit(0);
  }
  CALL(epoll_wait(ep, &out, 1, 5000));
  printf("signalfd epoll woken by a kill %ld data %llu\n", rv, (unsigned long long)out.data.u64);
  read(fd, &si, sizeof si);
  wait(NULL);
  close(ep);
  close(fd);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  eventfds();
  epolls();
  timerfds();
  selects();
  sockets();
  signalfds();
  return 0;
}
