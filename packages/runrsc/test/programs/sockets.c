// Conformance: named and abstract AF_UNIX sockets — socket, bind, listen, accept4, connect
// (blocking and non-blocking), stream echo between two processes, datagrams with addresses,
// getsockname/getpeername, SO_PEERCRED, SO_PASSCRED with SCM_CREDENTIALS, readiness of a
// listener, and the error cases (EADDRINUSE, ECONNREFUSED, ENOENT, EAGAIN …). Path names live in
// fresh directories on /dev/shm (a tmpfs natively and in every container) and /tmp (the rootfs).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

// Arguments are evaluated in any order: run the call first, then print its result and errno.
#define CALL(expr) (errno = 0, rv = (long)(expr), er = errno)
static long rv;
static int er;
static char dir[64];

/** An address for `name`: a path in the test directory, or abstract when name starts with '@'. */
static socklen_t addr_of(struct sockaddr_un *sa, const char *name) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (name[0] == '@') {
    size_t n = strlen(name + 1);
    memcpy(sa->sun_path + 1, name + 1, n);
    return offsetof(struct sockaddr_un, sun_path) + 1 + n;
  }
  snprintf(sa->sun_path, sizeof sa->sun_path, "%s/%s", dir, name);
  return offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1;
}

static int bound(int type, const char *name) {
  struct sockaddr_un sa;
  socklen_t len = addr_of(&sa, name);
  int fd = socket(AF_UNIX, type, 0);
  if (bind(fd, (struct sockaddr *)&sa, len) < 0) printf("bind %s errno %d\n", name, errno);
  return fd;
}

static long connect_to(int fd, const char *name) {
  struct sockaddr_un sa;
  socklen_t len = addr_of(&sa, name);
  CALL(connect(fd, (struct sockaddr *)&sa, len));
  return rv;
}

/** Print an address as the test knows it: relative to the test directory, '@' for abstract. */
static void print_addr(const char *what, struct sockaddr_un *sa, socklen_t len) {
  socklen_t base = offsetof(struct sockaddr_un, sun_path);
  if (len <= base) {
    printf("%s: unnamed (len %u)\n", what, len);
  } else if (sa->sun_path[0] == 0) {
    printf("%s: @%.*s (len %u)\n", what, (int)(len - base - 1), sa->sun_path + 1, len);
  } else {
    size_t d = strlen(dir);
    int inside = strncmp(sa->sun_path, dir, d) == 0;
    printf("%s: %s%s (len-strlen %u)\n", what, inside ? "DIR" : "", sa->sun_path + (inside ? d : 0),
           len - (socklen_t)strlen(sa->sun_path));
  }
}

static void stream_echo(const char *name) {
  int srv = bound(SOCK_STREAM, name);
  CALL(listen(srv, 4));
  printf("[%s] listen %ld\n", name, rv);
  pid_t child = fork();
  if (child == 0) {
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect_to(c, name);
    printf("[%s] child connect %ld errno %d\n", name, rv, er);
    struct ucred cred;
    socklen_t clen = sizeof cred;
    getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
    printf("[%s] child: peer pid is parent %d, uid %u, len %u\n", name, cred.pid == getppid(), cred.uid, clen);
    struct sockaddr_un sa;
    socklen_t len = sizeof sa;
    getpeername(c, (struct sockaddr *)&sa, &len);
    print_addr("child getpeername", &sa, len);
    len = sizeof sa;
    getsockname(c, (struct sockaddr *)&sa, &len);
    print_addr("child getsockname", &sa, len);
    write(c, "hello", 5);
    char buf[32] = {0};
    ssize_t n = read(c, buf, sizeof buf);
    printf("[%s] child read %zd '%.*s'\n", name, n, (int)n, buf);
    fflush(stdout);
    _exit(0);
  }
  // The parent reports after the child has exited, so the two never interleave.
  char out[1024];
  size_t o = 0;
  struct pollfd p = {srv, POLLIN, 0};
  CALL(poll(&p, 1, 5000));
  o += snprintf(out + o, sizeof out - o, "[%s] poll listener %ld revents %#x\n", name, rv, p.revents);
  struct sockaddr_un sa, acc, own;
  socklen_t len = sizeof acc;
  int conn = accept4(srv, (struct sockaddr *)&acc, &len, SOCK_CLOEXEC);
  o += snprintf(out + o, sizeof out - o, "[%s] accept4 ok %d cloexec %d\n", name, conn >= 0, fcntl(conn, F_GETFD));
  socklen_t acc_len = len;
  len = sizeof own;
  getsockname(conn, (struct sockaddr *)&own, &len);
  socklen_t own_len = len;
  struct ucred cred;
  socklen_t clen = sizeof cred;
  getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
  o += snprintf(out + o, sizeof out - o, "[%s] parent: peer pid is child %d\n", name, cred.pid == child);
  char buf[32];
  ssize_t n = read(conn, buf, sizeof buf);
  for (ssize_t i = 0; i < n; i++) buf[i] = buf[i] - 'a' + 'A';
  write(conn, buf, n);
  int status;
  waitpid(child, &status, 0);
  fputs(out, stdout);
  print_addr("accepted peer", &acc, acc_len);
  print_addr("accepted getsockname", &own, own_len);
  n = read(conn, buf, sizeof buf);
  printf("[%s] after child exit read %zd\n", name, n);
  (void)sa;
  close(conn);
  close(srv);
}

static void datagrams(const char *a_name, const char *b_name) {
  int a = bound(SOCK_DGRAM, a_name);
  int b = bound(SOCK_DGRAM, b_name);
  struct sockaddr_un to, from;
  socklen_t to_len = addr_of(&to, b_name);
  CALL(sendto(a, "ping", 4, 0, (struct sockaddr *)&to, to_len));
  printf("dgram sendto %ld\n", rv);
  char buf[16];
  socklen_t from_len = sizeof from;
  CALL(recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len));
  printf("dgram recvfrom %ld '%.*s'\n", rv, (int)rv, buf);
  print_addr("dgram from", &from, from_len);
  CALL(sendto(b, "pong", 4, 0, (struct sockaddr *)&from, from_len));
  from_len = sizeof from;
  CALL(recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len));
  printf("dgram reply %ld '%.*s'\n", rv, (int)rv, buf);
  print_addr("dgram reply from", &from, from_len);
  // An unnamed sender has no address to report.
  int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
  sendto(anon, "x", 1, 0, (struct sockaddr *)&to, to_len);
  from_len = sizeof from;
  CALL(recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len));
  printf("dgram from unnamed %ld fromlen %u\n", rv, from_len);
  CALL(send(anon, "x", 1, 0));
  printf("dgram send unconnected %ld errno %d\n", rv, er);
  connect_to(anon, b_name);
  printf("dgram connect %ld\n", rv);
  CALL(send(anon, "yz", 2, 0));
  printf("dgram send connected %ld\n", rv);
  CALL(recv(b, buf, sizeof buf, MSG_DONTWAIT));
  printf("dgram recv %ld\n", rv);
  CALL(recv(b, buf, sizeof buf, MSG_DONTWAIT));
  printf("dgram recv empty %ld errno %d\n", rv, er);
  close(b);
  CALL(send(anon, "x", 1, 0));
  printf("dgram send to closed %ld errno %d\n", rv, er);
  CALL(send(anon, "x", 1, 0));
  printf("dgram send again %ld errno %d\n", rv, er);
  CALL(sendto(a, "x", 1, 0, (struct sockaddr *)&to, to_len));
  printf("dgram sendto closed name %ld errno %d\n", rv, er);
  close(anon);
  close(a);
}

static void credentials(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  int on = 1;
  CALL(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
  printf("SO_PASSCRED set %ld\n", rv);
  int v = 0;
  socklen_t vlen = sizeof v;
  getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &vlen);
  printf("SO_PASSCRED get %d\n", v);
  pid_t child = fork();
  if (child == 0) {
    send(sv[0], "c", 1, 0);
    _exit(0);
  }
  waitpid(child, NULL, 0);
  char data[4];
  char ctl[CMSG_SPACE(sizeof(struct ucred))];
  struct iovec iov = {data, sizeof data};
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctl;
  msg.msg_controllen = sizeof ctl;
  CALL(recvmsg(sv[1], &msg, 0));
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  printf("recvmsg %ld controllen %zu\n", rv, msg.msg_controllen);
  if (c != NULL) {
    struct ucred cred;
    memcpy(&cred, CMSG_DATA(c), sizeof cred);
    printf("cmsg level %d type %d len %zu: pid is child %d uid %u gid %u\n", c->cmsg_level, c->cmsg_type, c->cmsg_len,
           cred.pid == child, cred.uid, cred.gid);
  }
  // Explicit credentials: our own are accepted.
  struct ucred mine = {getpid(), getuid(), getgid()};
  memset(ctl, 0, sizeof ctl);
  msg.msg_control = ctl;
  msg.msg_controllen = sizeof ctl;
  c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN(sizeof mine);
  memcpy(CMSG_DATA(c), &mine, sizeof mine);
  CALL(sendmsg(sv[0], &msg, 0));
  printf("sendmsg SCM_CREDENTIALS %ld\n", rv);
  msg.msg_controllen = sizeof ctl;
  CALL(recvmsg(sv[1], &msg, 0));
  c = CMSG_FIRSTHDR(&msg);
  if (c != NULL) {
    struct ucred cred;
    memcpy(&cred, CMSG_DATA(c), sizeof cred);
    printf("explicit: pid is self %d type %d\n", cred.pid == getpid(), c->cmsg_type);
  }
  close(sv[0]);
  close(sv[1]);
}

static void options(void) {
  int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  int v;
  socklen_t len = sizeof v;
  getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len);
  printf("SO_TYPE %d len %u\n", v, len);
  len = sizeof v;
  getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
  printf("SO_ERROR %d\n", v);
  len = sizeof v;
  getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len);
  printf("SO_SNDBUF positive %d\n", v > 0);
  v = 65536;
  CALL(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
  len = sizeof v;
  getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len);
  printf("SO_RCVBUF set %ld reads %d\n", rv, v);
  struct ucred cred;
  len = sizeof cred;
  CALL(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len));
  printf("SO_PEERCRED unconnected %ld pid %d uid %d gid %d\n", rv, cred.pid, (int)cred.uid, (int)cred.gid);
  CALL(getsockopt(s, SOL_SOCKET, 9999, &v, &len));
  printf("unknown option %ld errno %d\n", rv, er);
  // The options of every family (sock_setsockopt's), which socketserver and others set.
  int generic[] = {SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST, SO_OOBINLINE, SO_PRIORITY, SO_RCVLOWAT, SO_DONTROUTE, SO_SNDLOWAT};
  for (int i = 0; i < 8; i++) {
    int before = -1, after = -1, three = 3;
    len = sizeof before;
    getsockopt(s, SOL_SOCKET, generic[i], &before, &len);
    CALL(setsockopt(s, SOL_SOCKET, generic[i], &three, sizeof three));
    len = sizeof after;
    getsockopt(s, SOL_SOCKET, generic[i], &after, &len);
    printf("option %d: default %d, set 3 %ld errno %d, reads %d\n", generic[i], before, rv, rv < 0 ? er : 0, after);
  }
  struct linger lg = {1, 7}, lg2 = {0, 0};
  CALL(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
  len = sizeof lg2;
  getsockopt(s, SOL_SOCKET, SO_LINGER, &lg2, &len);
  printf("SO_LINGER set %ld reads %d %d\n", rv, lg2.l_onoff, lg2.l_linger);
  close(s);
}

static long elapsed_ms(struct timespec a) {
  struct timespec b;
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

/**
 * SO_RCVTIMEO and SO_SNDTIMEO: a blocking call that waits past the timeout fails with EAGAIN
 * (read and write too); the values read back as set.
 */
static void timeouts(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  struct timeval tv = {0, 200000}, got = {9, 9};
  socklen_t len = sizeof got;
  CALL(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len);
  printf("SO_RCVTIMEO set %ld reads %ld.%06ld len %u\n", rv, (long)got.tv_sec, (long)got.tv_usec, len);
  struct timeval bad = {1, 1000000};
  CALL(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad)); printf("tv_usec out of range: %ld errno %d\n", rv, er);
  CALL(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 8)); printf("short: %ld errno %d\n", rv, er);
  char c;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CALL(recv(sv[0], &c, 1, 0));
  printf("recv: %ld errno %d, waited %d\n", rv, er, elapsed_ms(t0) >= 150);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CALL(read(sv[0], &c, 1));
  printf("read: %ld errno %d, waited %d\n", rv, er, elapsed_ms(t0) >= 150);
  write(sv[1], "x", 1);
  CALL(recv(sv[0], &c, 1, 0)); printf("recv with data: %ld\n", rv);
  struct timeval negative = {-1, 0};
  setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &negative, sizeof negative);
  len = sizeof got;
  getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len);
  CALL(recv(sv[0], &c, 1, 0));
  printf("negative timeout reads %ld.%06ld, recv %ld errno %d\n", (long)got.tv_sec, (long)got.tv_usec, rv, er);
  // Fill the other way, then a blocking send waits its SO_SNDTIMEO.
  fcntl(sv[1], F_SETFL, O_NONBLOCK);
  static char big[65536];
  while (send(sv[1], big, sizeof big, 0) > 0) {}
  fcntl(sv[1], F_SETFL, 0);
  CALL(setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CALL(send(sv[1], big, sizeof big, 0));
  printf("send to a full socket: %ld errno %d, waited %d\n", rv, er, elapsed_ms(t0) >= 150);
  CALL(write(sv[1], big, 10));
  printf("write to a full socket: %ld errno %d\n", rv, er);
  close(sv[0]);
  close(sv[1]);
}

/** MSG_TRUNC returns a record's whole length from seqpacket sockets too, as from datagrams. */
static void truncation(void) {
  int sv[2];
  socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
  char b[4];
  write(sv[0], "hello world", 11);
  struct iovec io = {b, sizeof b};
  struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1};
  CALL(recvmsg(sv[1], &m, MSG_TRUNC));
  printf("seqpacket recvmsg MSG_TRUNC %ld flags %#x\n", rv, m.msg_flags);
  write(sv[0], "hello world", 11);
  CALL(recvfrom(sv[1], b, sizeof b, MSG_TRUNC, NULL, NULL));
  printf("seqpacket recvfrom MSG_TRUNC %ld\n", rv);
  close(sv[0]);
  close(sv[1]);
}

static void errors(void) {
  int s = bound(SOCK_STREAM, "dup");
  int t = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa;
  socklen_t len = addr_of(&sa, "dup");
  CALL(bind(t, (struct sockaddr *)&sa, len));
  printf("second bind path %ld errno %d\n", rv, er);
  connect_to(t, "dup");
  printf("connect not listening %ld errno %d\n", rv, er);
  connect_to(t, "missing");
  printf("connect missing path %ld errno %d\n", rv, er);
  connect_to(t, "@rvisor-missing");
  printf("connect missing abstract %ld errno %d\n", rv, er);
  close(s);
  connect_to(t, "dup");
  printf("connect closed path %ld errno %d\n", rv, er);
  struct stat st;
  stat(sa.sun_path, &st);
  printf("socket file is a socket %d mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 0777 & ~0022);
  CALL(open(sa.sun_path, O_RDONLY));
  printf("open socket file %ld errno %d\n", rv, er);
  unlink(sa.sun_path);
  int a1 = bound(SOCK_STREAM, "@rvisor-dup");
  int a2 = socket(AF_UNIX, SOCK_STREAM, 0);
  len = addr_of(&sa, "@rvisor-dup");
  CALL(bind(a2, (struct sockaddr *)&sa, len));
  printf("second bind abstract %ld errno %d\n", rv, er);
  close(a1);
  CALL(bind(a2, (struct sockaddr *)&sa, len));
  printf("bind abstract after close %ld\n", rv);
  CALL(bind(a2, (struct sockaddr *)&sa, len));
  printf("bind twice %ld errno %d\n", rv, er);
  close(a2);
  CALL(listen(t, 1));
  printf("listen unbound %ld errno %d\n", rv, er);
  char c;
  CALL(read(t, &c, 1));
  printf("read unconnected %ld errno %d\n", rv, er);
  CALL(send(t, "x", 1, MSG_NOSIGNAL));
  printf("send unconnected %ld errno %d\n", rv, er);
  CALL(accept(t, NULL, NULL));
  printf("accept not listening %ld errno %d\n", rv, er);
  struct sockaddr_un peer;
  socklen_t plen = sizeof peer;
  CALL(getpeername(t, (struct sockaddr *)&peer, &plen));
  printf("getpeername unconnected %ld errno %d\n", rv, er);
  plen = sizeof peer;
  getsockname(t, (struct sockaddr *)&peer, &plen);
  print_addr("getsockname unbound", &peer, plen);
  close(t);
  CALL(socket(AF_UNIX, SOCK_STREAM, 7));
  printf("socket bad protocol %ld errno %d\n", rv, er);
  CALL(socket(AF_UNIX, 9, 0));
  printf("socket bad type %ld errno %d\n", rv, er);
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  CALL(listen(d, 1));
  printf("listen dgram %ld errno %d\n", rv, er);
  close(d);
}

static void nonblocking(void) {
  int srv = bound(SOCK_STREAM | SOCK_NONBLOCK, "@rvisor-nb");
  listen(srv, 0);
  CALL(accept(srv, NULL, NULL));
  printf("accept empty nonblocking %ld errno %d\n", rv, er);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
  epoll_ctl(ep, EPOLL_CTL_ADD, srv, &ev);
  CALL(epoll_wait(ep, &ev, 1, 0));
  printf("epoll before connect %ld\n", rv);
  int c[4];
  for (int i = 0; i < 4; i++) {
    c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect_to(c[i], "@rvisor-nb");
    printf("nonblocking connect %d: %ld errno %d\n", i, rv, er);
  }
  CALL(epoll_wait(ep, &ev, 1, 0));
  printf("epoll after connect %ld events %#x data %u\n", rv, ev.events, ev.data.u32);
  int a = accept(srv, NULL, NULL);
  printf("accept ok %d nonblocking flag kept off %d\n", a >= 0, (fcntl(a, F_GETFL) & O_NONBLOCK) != 0);
  // Data written before accept waited on the server end.
  CALL(write(c[0], "early", 5));
  char buf[8];
  CALL(read(a, buf, sizeof buf));
  printf("read after accept %ld\n", rv);
  for (int i = 0; i < 4; i++) close(c[i]);
  close(a);
  close(ep);
  close(srv);
}

/** Path cases in a fresh directory under `base`; the directory must be empty again at the end. */
static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/** Socket files are files: listed with DT_SOCK, chmod and chown apply, and bind is a create (owner, EACCES). */
static void socket_files(void) {
  DIR *d = opendir(dir);
  char *names[16];
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL && n < 16;)
    if (e->d_type == DT_SOCK) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof names[0], by_name);
  printf("listed sockets:");
  for (int i = 0; i < n; i++) printf(" %s", names[i]), free(names[i]);
  printf("\n");
  char path[128];
  snprintf(path, sizeof path, "%s/srv.sock", dir);
  struct stat st;
  CALL(chmod(path, 0600));
  stat(path, &st);
  printf("chmod 0600: %ld, mode %o", rv, st.st_mode & 07777);
  CALL(chown(path, 1000, 1000));
  stat(path, &st);
  printf("; chown 1000:1000: %ld, owner %d:%d\n", rv, (int)st.st_uid, (int)st.st_gid);
  char open_dir[128], closed_dir[128];
  snprintf(open_dir, sizeof open_dir, "%s/open", dir);
  snprintf(closed_dir, sizeof closed_dir, "%s/closed", dir);
  mkdir(open_dir, 0777);
  chmod(open_dir, 0777);
  mkdir(closed_dir, 0755);
  chmod(dir, 0711); /* searchable by uid 1000 */
  pid_t child = fork();
  if (child == 0) {
    if (setgid(1000) != 0 || setuid(1000) != 0) _exit(1);
    struct sockaddr_un sa = {AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/s", closed_dir);
    CALL(bind(fd, (struct sockaddr *)&sa, sizeof sa));
    printf("uid 1000 binds in a 0755 root directory: %s", rv == 0 ? "ok" : strerrorname_np(er));
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/s", open_dir);
    CALL(bind(fd, (struct sockaddr *)&sa, sizeof sa));
    stat(sa.sun_path, &st);
    printf("; in a 0777 one: %s, owner %d:%d\n", rv == 0 ? "ok" : strerrorname_np(er), (int)st.st_uid, (int)st.st_gid);
    /* srv.sock is 0600 and 1000's own now; a.sock is root's 0755: connecting needs write permission. */
    int c = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un to = {AF_UNIX};
    snprintf(to.sun_path, sizeof to.sun_path, "%s/a.sock", dir);
    CALL(connect(c, (struct sockaddr *)&to, sizeof to));
    printf("uid 1000 connects to root's 0755 socket file: %s\n", rv == 0 ? "ok" : strerrorname_np(er));
    close(c);
    unlink(sa.sun_path);
    _exit(0);
  }
  waitpid(child, NULL, 0);
  chmod(dir, 0700);
  rmdir(open_dir);
  rmdir(closed_dir);
}

/** bind of a path is a create, as mknod's: the errors each shape of name gets. */
static void bind_names(void) {
  const char *names[] = {"fresh/", "fresh//", "taken", "taken/", ".", "..", "missing/x", "taken/x"};
  char taken[128];
  snprintf(taken, sizeof taken, "%s/taken", dir);
  close(open(taken, O_CREAT | O_WRONLY, 0600));
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    struct sockaddr_un sa;
    socklen_t len = addr_of(&sa, names[i]);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CALL(bind(fd, (struct sockaddr *)&sa, len));
    printf("bind %s %ld %s\n", names[i], rv, rv == 0 ? "" : strerrorname_np(er));
    close(fd);
  }
  unlink(taken);
}

/** mknod makes a socket file with no socket behind it: a socket by stat, refused by connect. */
static void mknod_socket(void) {
  struct sockaddr_un sa;
  socklen_t len = addr_of(&sa, "made.sock");
  CALL(mknod(sa.sun_path, S_IFSOCK | 0644, 0));
  printf("mknod S_IFSOCK %ld %s\n", rv, rv == 0 ? "" : strerrorname_np(er));
  struct stat st;
  CALL(stat(sa.sun_path, &st));
  printf("stat %ld socket %d mode %o\n", rv, S_ISSOCK(st.st_mode), st.st_mode & 0777 & ~0022);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  CALL(connect(fd, (struct sockaddr *)&sa, len));
  printf("connect %ld %s\n", rv, rv == 0 ? "" : strerrorname_np(er));
  CALL(bind(fd, (struct sockaddr *)&sa, len));
  printf("bind over it %ld %s\n", rv, rv == 0 ? "" : strerrorname_np(er));
  close(fd);
  CALL(unlink(sa.sun_path));
  printf("unlink %ld\n", rv);
}

static void path_cases(const char *base) {
  snprintf(dir, sizeof dir, "%s/usock-XXXXXX", base);
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return;
  }
  printf("-- paths under %s\n", base);
  stream_echo("srv.sock");
  datagrams("a.sock", "b.sock");
  errors();
  bind_names();
  mknod_socket();
  socket_files();
  char path[128];
  snprintf(path, sizeof path, "%s/srv.sock", dir);
  CALL(rmdir(dir));
  printf("rmdir with a socket file %ld errno %d\n", rv, er);
  const char *names[] = {"srv.sock", "a.sock", "b.sock"};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    CALL(unlink(path));
    printf("unlink %s %ld errno %d\n", names[i], rv, er);
  }
  CALL(rmdir(dir));
  printf("rmdir %ld errno %d\n", rv, er);
}

/** Named datagram sockets for disconnect(): bound to "@rvisor-dN". */
static int named_datagram(int n, struct sockaddr_un *sa, socklen_t *len) {
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  *len = sizeof(sa_family_t) + 1 + snprintf(sa->sun_path + 1, sizeof sa->sun_path - 1, "rvisor-d%d", n);
  bind(fd, (void *)sa, *len);
  return fd;
}

static void say(const char *what, long r) {
  printf("%s: %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "");
}

/**
 * connect(AF_UNSPEC) of a datagram socket forgets its peer; leaving a peer (that way or by
 * connecting elsewhere) drops what was queued, and a peer connected back gets ECONNRESET.
 */
static void disconnect(void) {
  printf("-- datagram disconnect\n");
  struct sockaddr_un sa, sb, sc;
  socklen_t la, lb, lc;
  int a = named_datagram(1, &sa, &la), b = named_datagram(2, &sb, &lb), c = named_datagram(3, &sc, &lc);
  struct sockaddr unspec = {.sa_family = AF_UNSPEC};
  char buf[8];
  say("a connects to b", connect(a, (void *)&sb, lb));
  say("b connects to a", connect(b, (void *)&sa, la));
  say("b sends", send(b, "x", 1, 0));
  say("a connects to AF_UNSPEC", connect(a, &unspec, sizeof unspec));
  say("a's queue was dropped", recv(a, buf, sizeof buf, MSG_DONTWAIT));
  struct pollfd p = {.fd = b, .events = POLLIN};
  poll(&p, 1, 0);
  printf("b polls POLLERR %d\n", (p.revents & POLLERR) != 0);
  say("b's blocking recv", recv(b, buf, sizeof buf, 0));
  int e = -1;
  socklen_t elen = sizeof e;
  getsockopt(b, SOL_SOCKET, SO_ERROR, &e, &elen);
  printf("b's SO_ERROR after: %d\n", e);
  say("b sends again", send(b, "y", 1, 0));
  say("a receives it", recv(a, buf, sizeof buf, MSG_DONTWAIT));
  say("a sends unconnected", send(a, "z", 1, 0));
  say("a sends to c", sendto(a, "z", 1, 0, (void *)&sc, lc));
  say("a connects to AF_UNSPEC again", connect(a, &unspec, sizeof unspec));
  say("a connects to b", connect(a, (void *)&sb, lb));
  say("b sends", send(b, "w", 1, 0));
  say("a connects to c", connect(a, (void *)&sc, lc));
  say("a's queue was dropped", recv(a, buf, sizeof buf, MSG_DONTWAIT));
  getsockopt(b, SOL_SOCKET, SO_ERROR, &e, &elen);
  printf("b's SO_ERROR: %d\n", e);
  say("a connects with a 1-byte address", connect(a, &unspec, 1));
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  say("a stream socket connects to AF_UNSPEC", connect(s, &unspec, sizeof unspec));
  close(s);
  close(a);
  close(b);
  close(c);
}

/** sendmmsg and recvmmsg over a datagram socketpair: counts, msg_len, MSG_WAITFORONE, the timeout, errors. */
static void mmsgs(void) {
  printf("-- sendmmsg and recvmmsg\n");
  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  char out[3][8] = {"one", "second", "3"};
  struct iovec oiov[3];
  struct mmsghdr om[3];
  memset(om, 0, sizeof om);
  for (int i = 0; i < 3; i++) {
    oiov[i] = (struct iovec){ out[i], strlen(out[i]) };
    om[i].msg_hdr.msg_iov = &oiov[i];
    om[i].msg_hdr.msg_iovlen = 1;
    om[i].msg_len = 99;
  }
  say("sendmmsg 3", sendmmsg(sv[0], om, 3, 0));
  printf("msg_len %u %u %u\n", om[0].msg_len, om[1].msg_len, om[2].msg_len);
  char in[4][16];
  struct iovec iiov[4];
  struct mmsghdr im[4];
  memset(im, 0, sizeof im);
  for (int i = 0; i < 4; i++) {
    iiov[i] = (struct iovec){ in[i], sizeof in[i] };
    im[i].msg_hdr.msg_iov = &iiov[i];
    im[i].msg_hdr.msg_iovlen = 1;
  }
  say("recvmmsg 2 of 3", recvmmsg(sv[1], im, 2, 0, NULL));
  printf("msg_len %u %u: %.*s %.*s\n", im[0].msg_len, im[1].msg_len, (int)im[0].msg_len, in[0], (int)im[1].msg_len, in[1]);
  say("recvmmsg 4, MSG_WAITFORONE, 1 left", recvmmsg(sv[1], im, 4, MSG_WAITFORONE, NULL));
  printf("msg_len %u: %.*s\n", im[0].msg_len, (int)im[0].msg_len, in[0]);
  say("recvmmsg, nothing there, MSG_DONTWAIT", recvmmsg(sv[1], im, 4, MSG_DONTWAIT, NULL));
  sendmmsg(sv[0], om, 3, 0);
  struct timespec ts = { 0, 0 };
  say("recvmmsg with a zero timeout: one message", recvmmsg(sv[1], im, 4, 0, &ts));
  printf("timeout left %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  ts = (struct timespec){ 5, 0 };
  say("recvmmsg with 5 s, MSG_DONTWAIT: two", recvmmsg(sv[1], im, 4, MSG_DONTWAIT, &ts));
  printf("some of the timeout left %d\n", ts.tv_sec > 0 && ts.tv_sec <= 5);
  ts = (struct timespec){ 0, 1000000000 };
  say("recvmmsg, a bad timeout", recvmmsg(sv[1], im, 4, 0, &ts));
  say("recvmmsg, a timeout at a bad address", recvmmsg(sv[1], im, 4, 0, (void *)8));
  say("recvmmsg, no messages", recvmmsg(sv[1], im, 0, 0, NULL));
  say("recvmmsg, a bad fd", recvmmsg(99, im, 1, 0, NULL));
  int f = open("/dev/null", O_RDONLY);
  say("sendmmsg, not a socket, no messages", sendmmsg(f, om, 0, 0));
  close(f);
  say("sendmmsg, vector at a bad address", sendmmsg(sv[0], (void *)8, 2, 0));
  om[1].msg_hdr.msg_iov = (void *)8;
  say("sendmmsg, the second message bad", sendmmsg(sv[0], om, 3, 0));
  say("what came", recvmmsg(sv[1], im, 4, MSG_DONTWAIT, NULL));
  close(sv[1]);
  say("sendmmsg, peer gone", sendmmsg(sv[0], om, 1, MSG_NOSIGNAL));
  close(sv[0]);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  path_cases("/dev/shm");
  path_cases("/tmp");
  printf("-- abstract names\n");
  stream_echo("@rvisor-echo");
  datagrams("@rvisor-a", "@rvisor-b");
  credentials();
  options();
  truncation();
  timeouts();
  nonblocking();
  disconnect();
  mmsgs();
  return 0;
}
