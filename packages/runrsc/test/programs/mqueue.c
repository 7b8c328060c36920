// Conformance: POSIX message queues — mq_open (O_CREAT, O_EXCL, attributes and their limits,
// names, access modes, permissions), mq_timedsend and mq_timedreceive (priority order, sizes,
// O_NONBLOCK, absolute timeouts, blocking until the other side acts), mq_getsetattr, mq_notify
// (SIGEV_SIGNAL with its siginfo, SIGEV_NONE, glibc's SIGEV_THREAD through a netlink socket, one
// registration at a time, one-shot), mq_unlink
// (the queue lives on while open), reading and polling a queue's descriptor, and fork. Queue
// names carry the pid, so runs do not meet.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char name[64], other[64];

static void show(const char *what, long r) {
  if (r < 0) printf("%s: %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static void attrs(const char *what, mqd_t q) {
  struct mq_attr a;
  if (mq_getattr(q, &a) != 0) {
    printf("%s: %s\n", what, strerrorname_np(errno));
    return;
  }
  printf("%s: flags %s maxmsg %ld msgsize %ld curmsgs %ld\n", what, a.mq_flags & O_NONBLOCK ? "O_NONBLOCK" : "0",
         a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
}

/** Receive one message and print it with its priority. */
static void take(const char *what, mqd_t q, size_t size) {
  char buf[16384];
  unsigned prio = 99;
  ssize_t n = mq_receive(q, buf, size, &prio);
  if (n < 0) printf("%s: %s\n", what, strerrorname_np(errno));
  else printf("%s: %zd '%.*s' prio %u\n", what, n, (int)n, buf, prio);
}

/** The descriptor's status line, as read(2) gives it, with NOTIFY_PID's number said as "self" or "none". */
static void status(mqd_t q) {
  char line[128] = "";
  lseek(q, 0, SEEK_SET); // a read moves the offset, as a file's
  ssize_t n = read(q, line, sizeof line - 1);
  if (n < 0) { printf("read: %s\n", strerrorname_np(errno)); return; }
  line[n] = 0;
  char *pid = strstr(line, "NOTIFY_PID:");
  if (!pid) { printf("read: %s", line); return; }
  pid += strlen("NOTIFY_PID:");
  long v = atol(pid);
  int digits = snprintf(NULL, 0, "%ld", v);
  int padded = (int)strlen(pid) == (digits > 6 ? digits : 6) + 1; // %-6d and a newline
  *pid = 0;
  printf("read: %zd bytes less the pid's, %s%s, padded %d\n", n - (digits > 6 ? digits : 6), line, v == 0 ? "0" : v == getpid() ? "self" : "other", padded);
}

static struct timespec in_ms(long ms) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_nsec += ms * 1000000L;
  t.tv_sec += t.tv_nsec / 1000000000L;
  t.tv_nsec %= 1000000000L;
  return t;
}

static void opening(void) {
  printf("-- mq_open\n");
  show("open a missing queue", mq_open(name, O_RDWR));
  struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 64 };
  mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0640, &a);
  show("create", q >= 0 ? 0 : -1);
  attrs("attributes", q);
  printf("close-on-exec: %d\n", (fcntl(q, F_GETFD) & FD_CLOEXEC) != 0);
  struct stat st;
  fstat(q, &st);
  printf("fstat: regular %d mode %o\n", S_ISREG(st.st_mode), st.st_mode & 07777);
  show("O_CREAT | O_EXCL again", mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0640, &a));
  mqd_t again = mq_open(name, O_RDONLY | O_CREAT, 0600, &(struct mq_attr){ .mq_maxmsg = 9, .mq_msgsize = 9 });
  attrs("O_CREAT of one that exists keeps its attributes", again);
  mq_close(again);
  show("O_WRONLY | O_RDWR", mq_open(name, O_WRONLY | O_RDWR));
  mqd_t d = mq_open(other, O_RDWR | O_CREAT, 0600, NULL);
  attrs("default attributes", d);
  mq_close(d);
  mq_unlink(other);
  struct mq_attr bad[] = { { .mq_maxmsg = 0, .mq_msgsize = 8 }, { .mq_maxmsg = 8, .mq_msgsize = 0 },
                           { .mq_maxmsg = -1, .mq_msgsize = 8 } };
  const char *bad_names[] = { "maxmsg 0", "msgsize 0", "maxmsg -1" };
  for (int i = 0; i < 3; i++) {
    char what[80];
    snprintf(what, sizeof what, "attributes %s", bad_names[i]);
    long r = mq_open(other, O_RDWR | O_CREAT, 0600, &bad[i]);
    show(what, r >= 0 ? 0 : -1);
    if (r >= 0) { mq_close(r); mq_unlink(other); }
  }
  show("attributes at a bad address", syscall(SYS_mq_open, other + 1, O_RDWR | O_CREAT, 0600, (void *)8));
  show("name without a slash (glibc)", mq_open("noslash", O_RDWR | O_CREAT, 0600, NULL));
  show("name with another slash", syscall(SYS_mq_open, "a/b", O_RDWR | O_CREAT, 0600, NULL));
  show("name '.'", syscall(SYS_mq_open, ".", O_RDWR | O_CREAT, 0600, NULL));
  show("empty name", syscall(SYS_mq_open, "", O_RDWR | O_CREAT, 0600, NULL));
  show("name at a bad address", syscall(SYS_mq_open, (void *)8, O_RDWR | O_CREAT, 0600, NULL));
  char longname[300];
  memset(longname, 'x', sizeof longname);
  longname[256] = 0;
  show("a 256-byte name", syscall(SYS_mq_open, longname, O_RDWR | O_CREAT, 0600, NULL));
  show("unlink a missing queue", mq_unlink(other));
  mq_close(q);
}

static void messages(void) {
  printf("-- send and receive\n");
  mqd_t q = mq_open(name, O_RDWR);
  show("send prio 1", mq_send(q, "one", 3, 1));
  show("send prio 5", mq_send(q, "five", 4, 5));
  show("send prio 1 again", mq_send(q, "uno", 3, 1));
  show("send prio 0, empty", mq_send(q, "", 0, 0));
  attrs("four held", q);
  struct mq_attr nb = { .mq_flags = O_NONBLOCK };
  show("mq_setattr O_NONBLOCK", mq_setattr(q, &nb, NULL));
  show("send to a full queue", mq_send(q, "x", 1, 0));
  struct timespec past = { 1, 0 };
  nb.mq_flags = 0;
  mq_setattr(q, &nb, NULL);
  show("timed send to a full queue, a past deadline", mq_timedsend(q, "x", 1, 0, &past));
  struct timespec soon = in_ms(50);
  show("timed send to a full queue, 50 ms", mq_timedsend(q, "x", 1, 0, &soon));
  show("message too long", mq_send(q, "x", 65, 0));
  show("priority MQ_PRIO_MAX", mq_send(q, "x", 1, 32768));
  show("bad timeout", mq_timedsend(q, "x", 1, 0, &(struct timespec){ 0, 1000000000 }));
  show("timeout at a bad address", syscall(SYS_mq_timedsend, q, "x", 1, 0, (void *)8));
  take("receive into a buffer too small", q, 63);
  take("receive", q, 64);
  take("receive", q, 64);
  take("receive", q, 64);
  take("receive", q, 64);
  struct mq_attr was;
  nb.mq_flags = O_NONBLOCK;
  show("mq_getsetattr", mq_setattr(q, &nb, &was));
  printf("was: flags %ld curmsgs %ld\n", was.mq_flags, was.mq_curmsgs);
  take("receive from an empty queue, O_NONBLOCK", q, 64);
  show("mq_setattr of another flag", mq_setattr(q, &(struct mq_attr){ .mq_flags = O_APPEND }, NULL));
  nb.mq_flags = 0;
  mq_setattr(q, &nb, NULL);
  soon = in_ms(50);
  char buf[64];
  show("timed receive, 50 ms", mq_timedreceive(q, buf, 64, NULL, &soon));
  show("send from a bad address", mq_send(q, (void *)8, 3, 0));
  mq_send(q, "abc", 3, 2);
  show("receive to a bad address (the message is lost)", mq_receive(q, (void *)8, 64, NULL));
  attrs("after", q);
  mqd_t ro = mq_open(name, O_RDONLY);
  show("send on a read-only descriptor", mq_send(ro, "x", 1, 0));
  mqd_t wo = mq_open(name, O_WRONLY);
  take("receive on a write-only descriptor", wo, 64);
  mq_close(ro);
  mq_close(wo);
  int fd = open("/dev/null", O_RDWR);
  show("send on a file", mq_send(fd, "x", 1, 0));
  close(fd);
  show("send on a closed descriptor", mq_send(999, "x", 1, 0));
  // Another process sends while this one waits, and receives while it waits to send.
  pid_t c = fork();
  if (c == 0) {
    usleep(50000);
    mq_send(q, "late", 4, 3);
    usleep(50000);
    char b[64];
    mq_receive(q, b, 64, NULL);
    _exit(0);
  }
  take("a blocking receive, woken by a send", q, 64);
  for (int i = 0; i < 4; i++) mq_send(q, "fill", 4, 0);
  show("a blocking send, woken by a receive", mq_send(q, "last", 4, 7));
  waitpid(c, NULL, 0);
  attrs("full again", q);
  status(q);
  show("write", write(q, "x", 1));
  struct pollfd p = { .fd = q, .events = POLLIN | POLLOUT };
  poll(&p, 1, 0);
  printf("poll when full: in %d out %d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT));
  take("the highest priority comes first", q, 64);
  for (int i = 0; i < 3; i++) mq_receive(q, buf, 64, NULL);
  poll(&p, 1, 0);
  printf("poll when empty: in %d out %d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT));
  mq_close(q);
}

static volatile int notified_signo, notified_code, notified_value, notified_pid_ok;

static void on_notify(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  notified_signo = sig;
  notified_code = si->si_code;
  notified_value = si->si_value.sival_int;
  notified_pid_ok = si->si_pid == getpid();
}

static pthread_mutex_t thread_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thread_called = PTHREAD_COND_INITIALIZER;
static int thread_value = -1;

static void on_thread(union sigval v) {
  pthread_mutex_lock(&thread_lock);
  thread_value = v.sival_int;
  pthread_cond_signal(&thread_called);
  pthread_mutex_unlock(&thread_lock);
}

/** glibc's SIGEV_THREAD: a helper thread reads the kernel's cookie from a netlink socket, then calls the function. */
static void thread_notifications(mqd_t q) {
  struct sigevent te = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_thread, .sigev_value.sival_int = 55 };
  show("SIGEV_THREAD", mq_notify(q, &te));
  status(q);
  mq_send(q, "t", 1, 0);
  struct timespec limit;
  clock_gettime(CLOCK_REALTIME, &limit);
  limit.tv_sec += 10;
  pthread_mutex_lock(&thread_lock);
  while (thread_value < 0 && pthread_cond_timedwait(&thread_called, &thread_lock, &limit) == 0) {}
  pthread_mutex_unlock(&thread_lock);
  printf("the function ran with %d\n", thread_value);
  char buf[64];
  mq_receive(q, buf, 64, NULL);
  show("SIGEV_THREAD again", mq_notify(q, &te));
  show("and unregistered", mq_notify(q, NULL));
  char cookie[32] = { 0 };
  int fd = open("/dev/null", O_RDONLY);
  struct sigevent raw = { .sigev_notify = SIGEV_THREAD, .sigev_signo = fd, .sigev_value.sival_ptr = cookie };
  show("SIGEV_THREAD to a file", syscall(SYS_mq_notify, q, &raw));
  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  raw.sigev_signo = sv[0];
  show("SIGEV_THREAD to a unix socket", syscall(SYS_mq_notify, q, &raw));
  raw.sigev_signo = 999;
  show("SIGEV_THREAD to a closed fd", syscall(SYS_mq_notify, q, &raw));
  int nl = socket(AF_NETLINK, SOCK_RAW, 0);
  raw.sigev_signo = nl;
  raw.sigev_value.sival_ptr = (void *)8;
  show("SIGEV_THREAD with a cookie at a bad address", syscall(SYS_mq_notify, q, &raw));
  cookie[0] = 'c';
  raw.sigev_value.sival_ptr = cookie;
  show("SIGEV_THREAD to a netlink socket of its own", syscall(SYS_mq_notify, q, &raw));
  mq_send(q, "u", 1, 0);
  char got[64];
  ssize_t n = recv(nl, got, sizeof got, MSG_DONTWAIT);
  printf("the socket got %zd bytes: first '%c', last %d\n", n, n > 0 ? got[0] : '-', n > 0 ? got[n - 1] : -1);
  mq_receive(q, buf, 64, NULL);
  syscall(SYS_mq_notify, q, &raw);
  mq_notify(q, NULL);
  n = recv(nl, got, sizeof got, MSG_DONTWAIT);
  printf("unregistered, the socket got %zd bytes: last %d\n", n, n > 0 ? got[n - 1] : -1);
  close(nl);
  close(sv[0]);
  close(sv[1]);
  close(fd);
}

static void notifications(void) {
  printf("-- mq_notify\n");
  mqd_t q = mq_open(name, O_RDWR);
  struct sigaction sa = { .sa_sigaction = on_notify, .sa_flags = SA_SIGINFO };
  sigaction(SIGUSR1, &sa, NULL);
  struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1, .sigev_value.sival_int = 77 };
  show("register", mq_notify(q, &ev));
  status(q);
  show("register again", mq_notify(q, &ev));
  pid_t c = fork();
  if (c == 0) {
    struct sigevent none = { .sigev_notify = SIGEV_NONE };
    show("another process registers", mq_notify(q, &none));
    show("another process unregisters (no effect)", mq_notify(q, NULL));
    fflush(stdout);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  show("send", mq_send(q, "n", 1, 0));
  printf("notified: signo %d code %d value %d pid ok %d\n", notified_signo, notified_code, notified_value, notified_pid_ok);
  notified_signo = 0;
  mq_send(q, "m", 1, 0);
  printf("a second message: notified again %d\n", notified_signo != 0);
  char buf[64];
  while (mq_timedreceive(q, buf, 64, NULL, &(struct timespec){ 0, 0 }) >= 0) {}
  show("register on an empty queue", mq_notify(q, &ev));
  show("unregister", mq_notify(q, NULL));
  mq_send(q, "x", 1, 0);
  printf("after unregistering: notified %d\n", notified_signo != 0);
  mq_receive(q, buf, 64, NULL);
  show("bad sigev_notify", mq_notify(q, &(struct sigevent){ .sigev_notify = 99 }));
  show("bad signal", mq_notify(q, &(struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 99 }));
  show("sigevent at a bad address", syscall(SYS_mq_notify, q, (void *)8));
  show("a closed descriptor", mq_notify(999, NULL));
  show("SIGEV_NONE", mq_notify(q, &(struct sigevent){ .sigev_notify = SIGEV_NONE }));
  status(q);
  mq_notify(q, NULL);
  thread_notifications(q);
  mq_close(q);
  mqd_t q2 = mq_open(name, O_RDWR);
  show("closing dropped the registration", mq_notify(q2, &ev));
  mq_notify(q2, NULL);
  mq_close(q2);
}

static void lifetime(void) {
  printf("-- unlink and permissions\n");
  mqd_t q = mq_open(name, O_RDWR);
  show("unlink", mq_unlink(name));
  show("open after unlink", mq_open(name, O_RDWR));
  show("the open descriptor still works", mq_send(q, "still", 5, 0));
  take("receive", q, 64);
  mq_close(q);
  q = mq_open(name, O_RDWR | O_CREAT, 0600, &(struct mq_attr){ .mq_maxmsg = 2, .mq_msgsize = 8 });
  char wide[80];
  snprintf(wide, sizeof wide, "%s-wide", name);
  mq_close(mq_open(wide, O_RDWR | O_CREAT, 0666, NULL));
  pid_t c = fork();
  if (c == 0) {
    if (setgid(65534) == 0 && setuid(65534) == 0) {
      // Past /proc/sys/fs/mqueue's msg_max and msgsize_max without CAP_SYS_RESOURCE.
      show("maxmsg 11", mq_open(other, O_RDWR | O_CREAT, 0600, &(struct mq_attr){ .mq_maxmsg = 11, .mq_msgsize = 8 }));
      show("msgsize 8193", mq_open(other, O_RDWR | O_CREAT, 0600, &(struct mq_attr){ .mq_maxmsg = 8, .mq_msgsize = 8193 }));
      show("another user opens a 0600 queue", mq_open(name, O_RDONLY));
      show("another user unlinks it", mq_unlink(name));
      mqd_t mine = mq_open(other, O_RDWR | O_CREAT, 0644, NULL);
      show("another user makes a queue", mine >= 0 ? 0 : -1);
      mq_close(mine);
      char own[80];
      snprintf(own, sizeof own, "%s-own", other);
      mq_close(mq_open(own, O_RDWR | O_CREAT, 0600, NULL));
      show("and unlinks one of its own", mq_unlink(own));
      show("a 0666 queue of root's: open", mq_open(wide, O_RDONLY) >= 0 ? 0 : -1);
      show("a 0666 queue of root's: unlink", mq_unlink(wide));
    }
    fflush(stdout);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  mqd_t theirs = mq_open(other, O_RDONLY);
  show("root opens it", theirs >= 0 ? 0 : -1);
  mq_close(theirs);
  show("root unlinks it", mq_unlink(other));
  mq_close(q);
  mq_unlink(name);
  mq_unlink(wide);

  // The descriptor comes first: a full table makes no queue.
  c = fork();
  if (c == 0) {
    int top = dup(0);
    close(top);
    setrlimit(RLIMIT_NOFILE, &(struct rlimit){ top, top });
    for (int fd = 0; fd < top; fd++) if (fcntl(fd, F_GETFD) < 0) dup2(1, fd);
    show("mq_open with no fd free", mq_open(name, O_RDWR | O_CREAT, 0600, NULL));
    fflush(stdout);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  show("it made no queue", mq_unlink(name));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(name, sizeof name, "/rvisor-mq-%d", getpid());
  snprintf(other, sizeof other, "/rvisor-mq-%d-other", getpid());
  opening();
  messages();
  notifications();
  lifetime();
  return 0;
}
