// Conformance: AF_INET and AF_INET6 sockets on the loopback interface — TCP bind, listen,
// connect (blocking and non-blocking), accept4, names, echo between processes, end of stream,
// readiness; a dual-stack IPv6 listener and IPV6_V6ONLY; UDP datagrams with their sources,
// connected UDP; options; and the error cases (EADDRINUSE, ECONNREFUSED, EADDRNOTAVAIL …).
// Ports are the kernel's choice (port 0), so the program prints how names relate, not ports.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CALL(expr) (errno = 0, rv = (long)(expr), er = errno)
static long rv;
static int er;

static void result(const char *what) {
  if (rv < 0) printf("%s: -1 errno %d\n", what, er);
  else printf("%s: %ld\n", what, rv);
}

static struct sockaddr_in v4(const char *ip, int port) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, ip, &sa.sin_addr);
  return sa;
}

static struct sockaddr_in6 v6(const char *ip, int port) {
  struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
  inet_pton(AF_INET6, ip, &sa.sin6_addr);
  return sa;
}

/** An address as text, with "PORT" for a port other than 0 (the kernel picks them). */
static const char *show(const struct sockaddr_storage *ss, socklen_t len) {
  static char out[128];
  char ip[64];
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *sa = (const void *)ss;
    inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip);
    snprintf(out, sizeof out, "%s:%s (len %u)", ip, sa->sin_port ? "PORT" : "0", len);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *sa = (const void *)ss;
    inet_ntop(AF_INET6, &sa->sin6_addr, ip, sizeof ip);
    snprintf(out, sizeof out, "[%s]:%s (len %u)", ip, sa->sin6_port ? "PORT" : "0", len);
  } else {
    snprintf(out, sizeof out, "family %d (len %u)", ss->ss_family, len);
  }
  return out;
}

static void print_name(const char *what, int fd, int peer) {
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t len = sizeof ss;
  CALL(peer ? getpeername(fd, (void *)&ss, &len) : getsockname(fd, (void *)&ss, &len));
  if (rv < 0) printf("%s: -1 errno %d\n", what, er);
  else printf("%s: %s\n", what, show(&ss, len));
}

static int port_of(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  getsockname(fd, (void *)&ss, &len);
  return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/** Whether two sockets' names (local or peer) are the same address and port. */
static int same_name(int a, int a_peer, int b, int b_peer) {
  struct sockaddr_storage x, y;
  socklen_t lx = sizeof x, ly = sizeof y;
  memset(&x, 0, sizeof x);
  memset(&y, 0, sizeof y);
  if ((a_peer ? getpeername(a, (void *)&x, &lx) : getsockname(a, (void *)&x, &lx)) < 0) return 0;
  if ((b_peer ? getpeername(b, (void *)&y, &ly) : getsockname(b, (void *)&y, &ly)) < 0) return 0;
  return lx == ly && memcmp(&x, &y, lx) == 0;
}

static int tcp_listener(const char *ip) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = v4(ip, 0);
  if (bind(fd, (void *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0) printf("listener %s errno %d\n", ip, errno);
  return fd;
}

/** The fd's link names its inode, and /proc/net/tcp lists the socket under it: the state it shows. */
static void proc_net_entry(int fd) {
  struct stat st;
  fstat(fd, &st);
  char path[64], link[64], want[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st.st_ino);
  printf("fd link is socket:[inode] %d\n", strcmp(link, want) == 0);
  FILE *f = fopen("/proc/net/tcp", "r");
  char line[512];
  const char *state = "missing";
  static char found[8];
  while (f && fgets(line, sizeof line, f)) {
    unsigned long ino = 0;
    char st_hex[8];
    if (sscanf(line, "%*s %*s %*s %7s %*s %*s %*s %*s %*s %lu", st_hex, &ino) == 2 && ino == st.st_ino) {
      snprintf(found, sizeof found, "%s", st_hex);
      state = found;
    }
  }
  if (f) fclose(f);
  printf("/proc/net/tcp state of that inode: %s\n", state);
}

static void tcp_basics(void) {
  printf("-- tcp over 127.0.0.1\n");
  int srv = tcp_listener("127.0.0.1");
  print_name("listener name", srv, 0);
  proc_net_entry(srv);
  print_name("listener peer", srv, 1);
  int cli = socket(AF_INET, SOCK_STREAM, 0);
  print_name("unbound name", cli, 0);
  struct sockaddr_in to = v4("127.0.0.1", port_of(srv));
  CALL(connect(cli, (void *)&to, sizeof to)); result("connect");
  struct sockaddr_storage from;
  socklen_t flen = sizeof from;
  int conn = accept4(srv, (void *)&from, &flen, SOCK_CLOEXEC);
  printf("accept4: %s, cloexec %d\n", show(&from, flen), (fcntl(conn, F_GETFD) & FD_CLOEXEC) != 0);
  print_name("client name", cli, 0);
  print_name("client peer", cli, 1);
  print_name("accepted name", conn, 0);
  printf("accepted peer is the client's name: %d\n", same_name(conn, 1, cli, 0));
  printf("client peer is the accepted name: %d\n", same_name(cli, 1, conn, 0));
  printf("client port is ephemeral: %d\n", port_of(cli) >= 32768 && port_of(cli) <= 60999);
  CALL(connect(cli, (void *)&to, sizeof to)); result("connect again");
  CALL(send(cli, "hello", 5, 0)); result("send");
  struct pollfd p = {conn, POLLIN, 0};
  poll(&p, 1, 1000);
  int avail = -1;
  ioctl(conn, FIONREAD, &avail);
  printf("FIONREAD: %d\n", avail);
  char buf[64] = {0};
  CALL(recv(conn, buf, 2, MSG_PEEK)); printf("peek: %ld %.2s\n", rv, buf);
  CALL(read(conn, buf, sizeof buf)); printf("read: %ld %.5s\n", rv, buf);
  CALL(write(conn, "world", 5)); result("write back");
  CALL(recv(cli, buf, sizeof buf, 0)); printf("recv: %ld %.5s\n", rv, buf);
  struct sockaddr_storage src;
  socklen_t slen = sizeof src;
  CALL(send(cli, "x", 1, 0));
  CALL(recvfrom(conn, buf, sizeof buf, 0, (void *)&src, &slen)); printf("recvfrom: %ld, address length %u\n", rv, slen);
  CALL(shutdown(cli, SHUT_WR)); result("shutdown SHUT_WR");
  CALL(recv(conn, buf, sizeof buf, 0)); result("recv after peer's SHUT_WR");
  CALL(send(cli, "y", 1, MSG_NOSIGNAL)); result("send after SHUT_WR");
  close(conn);
  p = (struct pollfd){cli, POLLIN | POLLOUT | POLLRDHUP, 0};
  poll(&p, 1, 1000);
  printf("client poll after the peer closed: in %d out %d rdhup %d hup %d\n", !!(p.revents & POLLIN),
         !!(p.revents & POLLOUT), !!(p.revents & POLLRDHUP), !!(p.revents & POLLHUP));
  CALL(recv(cli, buf, sizeof buf, 0)); result("recv at end of stream");
  close(cli);
  close(srv);
}

static void tcp_wildcard(void) {
  printf("-- tcp over 0.0.0.0\n");
  int srv = tcp_listener("0.0.0.0");
  print_name("listener name", srv, 0);
  const char *targets[] = {"127.0.0.1", "0.0.0.0", "127.0.0.2"};
  for (int i = 0; i < 3; i++) {
    int cli = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = v4(targets[i], port_of(srv));
    CALL(connect(cli, (void *)&to, sizeof to));
    printf("connect to %s: %ld errno %d\n", targets[i], rv, rv < 0 ? er : 0);
    int conn = accept(srv, NULL, NULL);
    print_name("  client name", cli, 0);
    print_name("  client peer", cli, 1);
    print_name("  accepted name", conn, 0);
    close(conn);
    close(cli);
  }
  close(srv);
}

/** Writing to a peer that has closed: the first write is sent (and reset), then ECONNRESET, then EPIPE. */
static void tcp_reset(void) {
  printf("-- tcp writes after the peer closed\n");
  int srv = tcp_listener("127.0.0.1");
  int cli = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in to = v4("127.0.0.1", port_of(srv));
  connect(cli, (void *)&to, sizeof to);
  int conn = accept(srv, NULL, NULL);
  close(cli);
  usleep(20000);
  char buf[8];
  CALL(recv(conn, buf, sizeof buf, MSG_DONTWAIT)); result("recv: end of stream");
  CALL(send(conn, "a", 1, MSG_NOSIGNAL)); result("first send");
  usleep(20000);
  struct pollfd p = {conn, POLLIN | POLLOUT, 0};
  poll(&p, 1, 0);
  printf("poll: in %d out %d err %d hup %d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT), !!(p.revents & POLLERR),
         !!(p.revents & POLLHUP));
  CALL(send(conn, "b", 1, MSG_NOSIGNAL)); result("second send");
  CALL(send(conn, "c", 1, MSG_NOSIGNAL)); result("third send");
  CALL(recv(conn, buf, sizeof buf, MSG_DONTWAIT)); result("recv");
  close(conn);
  close(srv);
}

/** A connected pair on 127.0.0.1 through `srv`: the client in *cli, the accepted end returned. */
static int tcp_pair(int srv, int *cli) {
  *cli = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in to = v4("127.0.0.1", port_of(srv));
  connect(*cli, (void *)&to, sizeof to);
  return accept(srv, NULL, NULL);
}

/**
 * Closing with unread data resets the connection: the peer reads what reached it, then
 * ECONNRESET once, then end of stream; its writes fail with EPIPE. Closing a listener resets
 * the connections it had not accepted.
 */
static void tcp_abort(void) {
  printf("-- tcp close with unread data\n");
  int srv = tcp_listener("127.0.0.1");
  int cli;
  int conn = tcp_pair(srv, &cli);
  send(cli, "unread", 6, 0);
  send(conn, "abc", 3, 0);
  usleep(20000);
  close(conn);
  usleep(20000);
  struct pollfd p = {cli, POLLIN | POLLOUT | POLLRDHUP, 0};
  poll(&p, 1, 0);
  printf("poll: in %d out %d err %d hup %d rdhup %d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT),
         !!(p.revents & POLLERR), !!(p.revents & POLLHUP), !!(p.revents & POLLRDHUP));
  char buf[8];
  CALL(recv(cli, buf, sizeof buf, MSG_DONTWAIT)); result("recv what came first");
  CALL(recv(cli, buf, sizeof buf, MSG_DONTWAIT)); result("recv after the reset");
  CALL(recv(cli, buf, sizeof buf, MSG_DONTWAIT)); result("recv again");
  CALL(send(cli, "x", 1, MSG_NOSIGNAL)); result("send");
  close(cli);

  conn = tcp_pair(srv, &cli);
  send(cli, "unread", 6, 0);
  usleep(20000);
  int err = 0;
  socklen_t len = sizeof err;
  close(conn);
  usleep(20000);
  getsockopt(cli, SOL_SOCKET, SO_ERROR, &err, &len);
  printf("SO_ERROR after the reset: %d\n", err);
  CALL(send(cli, "x", 1, MSG_NOSIGNAL)); result("send");
  close(cli);

  cli = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in to = v4("127.0.0.1", port_of(srv));
  connect(cli, (void *)&to, sizeof to);
  close(srv);
  usleep(20000);
  CALL(recv(cli, buf, sizeof buf, MSG_DONTWAIT)); result("recv after the listener closed unaccepted");
  CALL(recv(cli, buf, sizeof buf, MSG_DONTWAIT)); result("recv again");
  close(cli);
}

/**
 * sendfile into a non-blocking TCP socket nobody reads yet: it sends what fits and says how much
 * (the file position moves by as much), then EAGAIN; the rest follows as the reader drains.
 */
static void tcp_sendfile(void) {
  printf("-- sendfile to a non-blocking tcp socket\n");
  enum { SIZE = 16 << 20 };
  static unsigned char blob[SIZE];
  for (int i = 0; i < SIZE; i++) blob[i] = (unsigned char)(i * 7 + i / 4096);
  int fd = open("/tmp/inet-sendfile", O_CREAT | O_RDWR | O_TRUNC, 0600);
  write(fd, blob, SIZE);
  lseek(fd, 0, SEEK_SET);
  int srv = tcp_listener("127.0.0.1");
  int cli;
  int conn = tcp_pair(srv, &cli);
  fcntl(cli, F_SETFL, O_NONBLOCK);
  CALL(sendfile(cli, fd, NULL, SIZE));
  long first = rv;
  printf("first: partial %d, position follows %d\n", first > 0 && first < SIZE, lseek(fd, 0, SEEK_CUR) == first);
  CALL(sendfile(cli, fd, NULL, SIZE - first)); result("second, the socket full");
  static unsigned char got[SIZE];
  long sent = first, received = 0;
  while (received < SIZE) {
    long n = recv(conn, got + received, SIZE - received, MSG_DONTWAIT);
    if (n > 0) received += n;
    if (sent < SIZE) {
      long m = sendfile(cli, fd, NULL, SIZE - sent);
      if (m > 0) sent += m;
    }
  }
  printf("all sent %d, received intact %d\n", sent == SIZE, memcmp(got, blob, SIZE) == 0);
  close(cli);
  close(conn);
  close(srv);
  close(fd);
  unlink("/tmp/inet-sendfile");
}

/** UDP-Lite: UDP with ports of its own and checksum-coverage options, kept as Linux clamps them. */
static void udplite(void) {
  printf("-- udplite\n");
  int a = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE), b = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
  struct sockaddr_in sa = v4("127.0.0.1", 0);
  bind(a, (void *)&sa, sizeof sa);
  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in same = v4("127.0.0.1", port_of(a));
  CALL(bind(udp, (void *)&same, sizeof same)); result("UDP binds UDP-Lite's port");
  CALL(sendto(b, "lite", 4, 0, (void *)&same, sizeof same)); result("sendto");
  char buf[8] = {0};
  CALL(recv(a, buf, sizeof buf, 0)); printf("recv: %ld %s\n", rv, buf);
  int v = 0, proto = 0;
  socklen_t len = sizeof v;
  getsockopt(a, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
  int cov[] = {0, 3, 20, 100000};
  for (int i = 0; i < 4; i++) {
    setsockopt(a, IPPROTO_UDPLITE, 10 /* UDPLITE_SEND_CSCOV */, &cov[i], sizeof cov[i]);
    len = sizeof v;
    getsockopt(a, IPPROTO_UDPLITE, 10, &v, &len);
    printf("SO_PROTOCOL %d, send coverage %d reads %d\n", proto, cov[i], v);
  }
  CALL(setsockopt(udp, IPPROTO_UDPLITE, 10, &v, sizeof v)); result("UDP-Lite's option on UDP");
  CALL(socket(AF_INET, SOCK_STREAM, IPPROTO_UDPLITE)); result("a UDP-Lite stream");
  close(a);
  close(b);
  close(udp);
}

/** One megabyte from a child to its parent, checked byte by byte. */
static void tcp_stream(void) {
  printf("-- tcp stream between processes\n");
  int srv = tcp_listener("127.0.0.1");
  int port = port_of(srv);
  pid_t pid = fork();
  if (pid == 0) {
    int cli = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = v4("127.0.0.1", port);
    if (connect(cli, (void *)&to, sizeof to) < 0) _exit(1);
    static unsigned char data[1 << 20];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 7);
    size_t off = 0;
    while (off < sizeof data) {
      ssize_t n = write(cli, data + off, sizeof data - off);
      if (n <= 0) _exit(2);
      off += (size_t)n;
    }
    close(cli);
    _exit(0);
  }
  int conn = accept(srv, NULL, NULL);
  static unsigned char got[1 << 20];
  size_t total = 0;
  ssize_t n;
  while ((n = read(conn, got + total, sizeof got - total > 65536 ? 65536 : sizeof got - total)) > 0) total += (size_t)n;
  int ok = total == sizeof got;
  for (size_t i = 0; ok && i < total; i++) ok = got[i] == (unsigned char)(i * 7);
  int status;
  waitpid(pid, &status, 0);
  printf("received %zu bytes, intact %d, child status %d\n", total, ok, WEXITSTATUS(status));
  close(conn);
  close(srv);
}

static void tcp_nonblocking(void) {
  printf("-- non-blocking tcp\n");
  int srv = tcp_listener("127.0.0.1");
  fcntl(srv, F_SETFL, O_NONBLOCK);
  CALL(accept(srv, NULL, NULL)); result("accept with none waiting");
  int cli = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in to = v4("127.0.0.1", port_of(srv));
  CALL(connect(cli, (void *)&to, sizeof to)); result("connect");
  struct pollfd p = {cli, POLLOUT, 0};
  CALL(poll(&p, 1, 1000)); printf("poll for writing: %ld, out %d\n", rv, !!(p.revents & POLLOUT));
  int err = -1;
  socklen_t len = sizeof err;
  getsockopt(cli, SOL_SOCKET, SO_ERROR, &err, &len);
  printf("SO_ERROR: %d\n", err);
  CALL(connect(cli, (void *)&to, sizeof to)); result("connect again");
  p = (struct pollfd){srv, POLLIN, 0};
  CALL(poll(&p, 1, 1000)); printf("listener poll: %ld, in %d\n", rv, !!(p.revents & POLLIN));
  int conn = accept4(srv, NULL, NULL, SOCK_NONBLOCK);
  printf("accepted non-blocking: %d\n", (fcntl(conn, F_GETFL) & O_NONBLOCK) != 0);
  char buf[8];
  CALL(read(conn, buf, sizeof buf)); result("read with nothing sent");
  close(conn);
  close(cli);

  // A port nobody listens on: the refusal comes through poll and SO_ERROR.
  int idle = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in any = v4("127.0.0.1", 0);
  bind(idle, (void *)&any, sizeof any);
  to = v4("127.0.0.1", port_of(idle));
  cli = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  CALL(connect(cli, (void *)&to, sizeof to)); result("connect to a port not listening");
  p = (struct pollfd){cli, POLLIN | POLLOUT, 0};
  CALL(poll(&p, 1, 1000));
  printf("poll: %ld, in %d out %d err %d hup %d\n", rv, !!(p.revents & POLLIN), !!(p.revents & POLLOUT),
         !!(p.revents & POLLERR), !!(p.revents & POLLHUP));
  len = sizeof err;
  getsockopt(cli, SOL_SOCKET, SO_ERROR, &err, &len);
  printf("SO_ERROR: %d\n", err);
  getsockopt(cli, SOL_SOCKET, SO_ERROR, &err, &len);
  printf("SO_ERROR again: %d\n", err);
  close(cli);
  close(idle);
  close(srv);
}

static void tcp_errors(void) {
  printf("-- tcp errors\n");
  int a = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = v4("127.0.0.1", 0);
  CALL(bind(a, (void *)&sa, sizeof sa)); result("bind");
  CALL(bind(a, (void *)&sa, sizeof sa)); result("bind again");
  int port = port_of(a);
  struct sockaddr_in same = v4("127.0.0.1", port);
  int b = socket(AF_INET, SOCK_STREAM, 0);
  CALL(bind(b, (void *)&same, sizeof same)); result("bind to a taken port");
  struct sockaddr_in wild = v4("0.0.0.0", port);
  CALL(bind(b, (void *)&wild, sizeof wild)); result("bind to the wildcard of a taken port");
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CALL(connect(c, (void *)&same, sizeof same)); result("connect to a bound port nobody listens on");
  CALL(send(c, "x", 1, MSG_NOSIGNAL)); result("send unconnected");
  char buf[4];
  CALL(recv(c, buf, sizeof buf, 0)); result("recv unconnected");
  CALL(shutdown(c, SHUT_RDWR)); result("shutdown unconnected");
  print_name("getpeername unconnected", c, 1);
  struct sockaddr_in far = v4("192.0.2.1", 0);
  CALL(bind(c, (void *)&far, sizeof far)); result("bind to an address not here");
  CALL(bind(c, (void *)&sa, sizeof sa - 1)); result("bind with a short address");
  struct sockaddr_in6 six = v6("::1", 0);
  CALL(bind(c, (void *)&six, sizeof six)); result("bind an IPv6 address");
  // A fresh socket: after a refused connect, Linux 6.18 refuses listen (EINVAL) where 6.1 did not.
  int d = socket(AF_INET, SOCK_STREAM, 0);
  CALL(listen(d, 1)); result("listen unbound (binds a port)");
  printf("listening port is ephemeral: %d\n", port_of(d) >= 32768 && port_of(d) <= 60999);
  close(d);
  CALL(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)); result("socket stream with IPPROTO_UDP");
  CALL(socket(AF_INET, SOCK_SEQPACKET, 0)); result("socket seqpacket");
  int sv[2];
  CALL(socketpair(AF_INET, SOCK_STREAM, 0, sv)); result("socketpair");
  close(a);
  close(b);
  close(c);

  printf("-- SO_REUSEADDR\n");
  int one = 1;
  int r1 = socket(AF_INET, SOCK_STREAM, 0), r2 = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(r1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  CALL(bind(r1, (void *)&sa, sizeof sa)); result("bind first");
  same = v4("127.0.0.1", port_of(r1));
  CALL(bind(r2, (void *)&same, sizeof same)); result("bind second to the same port");
  CALL(listen(r1, 1)); result("listen first");
  CALL(listen(r2, 1)); result("listen second");
  int r3 = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(r3, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  CALL(bind(r3, (void *)&same, sizeof same)); result("bind a third beside a listener");
  close(r1);
  int r4 = socket(AF_INET, SOCK_STREAM, 0);
  CALL(bind(r4, (void *)&same, sizeof same)); result("bind a fourth, without SO_REUSEADDR, beside the bound two");
  close(r2);
  close(r3);
  CALL(bind(r4, (void *)&same, sizeof same)); result("bind it once the port is free");
  close(r4);
}

static void dual_stack(void) {
  printf("-- ipv6, dual stack\n");
  int srv = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 any = v6("::", 0);
  CALL(bind(srv, (void *)&any, sizeof any)); result("bind [::]");
  listen(srv, 4);
  print_name("listener name", srv, 0);
  int port = port_of(srv);
  int c4 = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in to4 = v4("127.0.0.1", port);
  CALL(connect(c4, (void *)&to4, sizeof to4)); result("IPv4 connect");
  int a4 = accept(srv, NULL, NULL);
  print_name("  accepted name", a4, 0);
  printf("  accepted peer: ");
  print_name("", a4, 1);
  int c6 = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 to6 = v6("::1", port);
  CALL(connect(c6, (void *)&to6, sizeof to6)); result("IPv6 connect");
  int a6 = accept(srv, NULL, NULL);
  print_name("  accepted name", a6, 0);
  print_name("  client name", c6, 0);
  struct sockaddr_in6 mapped = v6("::ffff:127.0.0.1", port);
  int cm = socket(AF_INET6, SOCK_STREAM, 0);
  CALL(connect(cm, (void *)&mapped, sizeof mapped)); result("connect to a v4-mapped address");
  print_name("  client name", cm, 0);
  int am = accept(srv, NULL, NULL);
  close(am);
  close(cm);
  close(a4);
  close(a6);
  close(c4);
  close(c6);
  close(srv);

  printf("-- IPV6_V6ONLY\n");
  int only = socket(AF_INET6, SOCK_STREAM, 0);
  int on = 1, v = -1;
  socklen_t len = sizeof v;
  getsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len);
  printf("default: %d\n", v);
  setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  CALL(bind(only, (void *)&any, sizeof any)); result("bind [::] v6only");
  CALL(setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on)); result("set it once bound");
  listen(only, 4);
  port = port_of(only);
  int beside = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in wild4 = v4("0.0.0.0", port);
  CALL(bind(beside, (void *)&wild4, sizeof wild4)); result("bind 0.0.0.0 on its port");
  close(beside);
  c4 = socket(AF_INET, SOCK_STREAM, 0);
  to4 = v4("127.0.0.1", port);
  CALL(connect(c4, (void *)&to4, sizeof to4)); result("IPv4 connect");
  close(c4);
  int plain = socket(AF_INET6, SOCK_STREAM, 0);
  CALL(bind(plain, (void *)&any, sizeof any));
  CALL(bind(plain, (void *)&to4, sizeof to4)); result("bind an IPv4 address on an IPv6 socket");
  close(plain);
  int o2 = socket(AF_INET6, SOCK_STREAM, 0);
  setsockopt(o2, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  CALL(bind(o2, (void *)&mapped, sizeof mapped)); result("bind a v4-mapped address v6only");
  close(o2);
  close(only);
}

static void udp(void) {
  printf("-- udp\n");
  int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in lo = v4("127.0.0.1", 0);
  bind(b, (void *)&lo, sizeof lo);
  struct sockaddr_in to = v4("127.0.0.1", port_of(b));
  CALL(sendto(a, "ping", 4, 0, (void *)&to, sizeof to)); result("sendto from unbound");
  print_name("sender name", a, 0);
  char buf[64] = {0};
  struct sockaddr_storage from;
  socklen_t flen = sizeof from;
  CALL(recvfrom(b, buf, sizeof buf, 0, (void *)&from, &flen)); printf("recvfrom: %ld %.4s from %s\n", rv, buf, show(&from, flen));
  int from_is_sender = ((struct sockaddr_in *)&from)->sin_port == htons(port_of(a));
  printf("from is the sender: %d\n", from_is_sender);
  CALL(sendto(a, "one", 3, 0, (void *)&to, sizeof to));
  CALL(sendto(a, "two!", 4, 0, (void *)&to, sizeof to));
  int avail = -1;
  ioctl(b, FIONREAD, &avail);
  printf("FIONREAD: %d\n", avail);
  CALL(recv(b, buf, 2, MSG_TRUNC)); printf("recv truncated: %ld\n", rv);
  struct iovec iov = {buf, sizeof buf};
  struct sockaddr_storage name;
  struct msghdr msg = {.msg_name = &name, .msg_namelen = sizeof name, .msg_iov = &iov, .msg_iovlen = 1};
  CALL(recvmsg(b, &msg, 0)); printf("recvmsg: %ld %.4s from %s flags %d\n", rv, buf, show(&name, msg.msg_namelen), msg.msg_flags);
  CALL(send(a, "x", 1, 0)); result("send unconnected");
  print_name("getpeername unconnected", a, 1);
  CALL(connect(a, (void *)&to, sizeof to)); result("connect");
  print_name("connected name", a, 0);
  CALL(send(a, "conn", 4, 0)); result("send");
  CALL(recv(b, buf, sizeof buf, 0)); printf("recv: %ld %.4s\n", rv, buf);
  int c = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to_a = v4("127.0.0.1", port_of(a));
  CALL(sendto(c, "stranger", 8, 0, (void *)&to_a, sizeof to_a)); result("sendto a connected socket from another");
  fcntl(a, F_SETFL, O_NONBLOCK);
  CALL(recv(a, buf, sizeof buf, 0)); result("it hears only its peer");
  struct sockaddr unspec = {.sa_family = AF_UNSPEC};
  CALL(connect(a, &unspec, sizeof unspec)); result("connect AF_UNSPEC");
  print_name("getpeername after", a, 1);
  CALL(listen(a, 1)); result("listen");
  CALL(sendto(a, buf, 65508, 0, (void *)&to, sizeof to)); result("sendto 65508 bytes");

  // A connected socket whose peer has gone learns it at its next receive.
  int d = socket(AF_INET, SOCK_DGRAM, 0);
  bind(d, (void *)&lo, sizeof lo);
  struct sockaddr_in to_d = v4("127.0.0.1", port_of(d));
  close(d);
  int e = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  CALL(connect(e, (void *)&to_d, sizeof to_d)); result("connect to a closed port");
  CALL(send(e, "?", 1, 0)); result("send");
  struct pollfd p = {e, POLLIN, 0};
  CALL(poll(&p, 1, 1000)); printf("poll: %ld err %d\n", rv, !!(p.revents & POLLERR));
  CALL(recv(e, buf, sizeof buf, 0)); result("recv");
  CALL(recv(e, buf, sizeof buf, 0)); result("recv again");
  close(e);
  close(a);
  close(b);
  close(c);
}

/** The loopback interface through glibc's name/index calls and the SIOCGIF* ioctls (any socket answers them). */
static void interfaces(void) {
  printf("-- the loopback interface\n");
  printf("if_nametoindex(lo) %u, if_indextoname(1) %s\n", if_nametoindex("lo"), if_indextoname(1, (char[IF_NAMESIZE]){0}));
  errno = 0;
  unsigned none = if_nametoindex("nosuch0");
  printf("if_nametoindex(nosuch0) %u errno %d\n", none, errno);
  int fds[3] = {socket(AF_INET, SOCK_DGRAM, 0), socket(AF_UNIX, SOCK_DGRAM, 0), socket(AF_NETLINK, SOCK_RAW, 0)};
  const char *kinds[3] = {"inet", "unix", "netlink"};
  for (int i = 0; i < 3; i++) {
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    CALL(ioctl(fds[i], SIOCGIFFLAGS, &r));
    printf("%s SIOCGIFFLAGS %ld up %d loopback %d running %d\n", kinds[i], rv, !!(r.ifr_flags & IFF_UP),
           !!(r.ifr_flags & IFF_LOOPBACK), !!(r.ifr_flags & IFF_RUNNING));
    CALL(ioctl(fds[i], SIOCGIFMTU, &r)); printf("  SIOCGIFMTU %ld %d\n", rv, r.ifr_mtu);
    CALL(ioctl(fds[i], SIOCGIFTXQLEN, &r)); printf("  SIOCGIFTXQLEN %ld %d\n", rv, r.ifr_qlen);
    CALL(ioctl(fds[i], SIOCGIFADDR, &r));
    printf("  SIOCGIFADDR %ld errno %d %s\n", rv, rv < 0 ? er : 0, inet_ntoa(((struct sockaddr_in *)&r.ifr_addr)->sin_addr));
    CALL(ioctl(fds[i], SIOCGIFNETMASK, &r));
    printf("  SIOCGIFNETMASK %ld errno %d %s\n", rv, rv < 0 ? er : 0, inet_ntoa(((struct sockaddr_in *)&r.ifr_netmask)->sin_addr));
    CALL(ioctl(fds[i], SIOCGIFHWADDR, &r)); printf("  SIOCGIFHWADDR %ld family %d\n", rv, r.ifr_hwaddr.sa_family);
    CALL(ioctl(fds[i], SIOCGIFINDEX, &r)); printf("  SIOCGIFINDEX %ld %d\n", rv, r.ifr_ifindex);
    strcpy(r.ifr_name, "nosuch0");
    CALL(ioctl(fds[i], SIOCGIFFLAGS, &r)); result("  SIOCGIFFLAGS nosuch0");
    r.ifr_ifindex = 1;
    CALL(ioctl(fds[i], SIOCGIFNAME, &r)); printf("  SIOCGIFNAME %ld %s\n", rv, r.ifr_name);
  }
  struct ifconf conf = {.ifc_len = 0, .ifc_buf = NULL};
  CALL(ioctl(fds[0], SIOCGIFCONF, &conf));
  printf("SIOCGIFCONF without a buffer %ld, room for some %d\n", rv, conf.ifc_len >= (int)sizeof(struct ifreq));
  struct ifreq list[8];
  conf = (struct ifconf){.ifc_len = sizeof list, .ifc_req = list};
  CALL(ioctl(fds[0], SIOCGIFCONF, &conf));
  printf("SIOCGIFCONF %ld, first %s %s\n", rv, list[0].ifr_name, inet_ntoa(((struct sockaddr_in *)&list[0].ifr_addr)->sin_addr));
  close(fds[0]);
  close(fds[1]);
  close(fds[2]);
}

static void options(void) {
  printf("-- options\n");
  int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET6, SOCK_DGRAM, 0);
  struct { int level, name; const char *what; } opts[] = {
    {SOL_SOCKET, SO_TYPE, "SO_TYPE"}, {SOL_SOCKET, SO_PROTOCOL, "SO_PROTOCOL"}, {SOL_SOCKET, SO_DOMAIN, "SO_DOMAIN"},
    {SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN"}, {SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR"},
    {SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE"}, {SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF"}, {SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF"},
    {IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY"}, {IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE"},
    {IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL"}, {IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT"},
    {IPPROTO_IP, IP_TTL, "IP_TTL"}, {IPPROTO_IP, IP_TOS, "IP_TOS"}, {IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY"},
  };
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
    for (int s = 0; s < 2; s++) {
      int v = -1;
      socklen_t len = sizeof v;
      CALL(getsockopt(s ? u : t, opts[i].level, opts[i].name, &v, &len));
      if (rv < 0) printf("%s %s: errno %d\n", s ? "udp6" : "tcp4", opts[i].what, er);
      else printf("%s %s: %d (len %u)\n", s ? "udp6" : "tcp4", opts[i].what, v, len);
    }
  }
  int on = 5, v = 0;
  socklen_t len = sizeof v;
  setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  getsockopt(t, IPPROTO_TCP, TCP_NODELAY, &v, &len);
  printf("TCP_NODELAY after setting 5: %d\n", v);
  setsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  getsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &v, &len);
  printf("SO_KEEPALIVE after setting 5: %d\n", v);
  int big = 65536;
  setsockopt(t, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  getsockopt(t, SOL_SOCKET, SO_SNDBUF, &v, &len);
  printf("SO_SNDBUF after setting 65536: %d\n", v);
  int zero = 0, ttl = 300, reset = -1;
  CALL(setsockopt(t, IPPROTO_TCP, TCP_KEEPIDLE, &zero, sizeof zero)); result("TCP_KEEPIDLE 0");
  CALL(setsockopt(t, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl)); result("IP_TTL 300");
  ttl = 9;
  setsockopt(t, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  getsockopt(t, IPPROTO_IP, IP_TTL, &v, &len);
  printf("IP_TTL after setting 9: %d\n", v);
  setsockopt(t, IPPROTO_IP, IP_TTL, &reset, sizeof reset);
  getsockopt(t, IPPROTO_IP, IP_TTL, &v, &len);
  printf("IP_TTL after setting -1: %d\n", v);
  CALL(setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &on, 2)); result("SO_REUSEADDR with 2 bytes");
  struct linger lg = {1, 7}, back = {0, 0};
  setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  len = sizeof back;
  getsockopt(t, SOL_SOCKET, SO_LINGER, &back, &len);
  printf("SO_LINGER: %d %d (len %u)\n", back.l_onoff, back.l_linger, len);
  short small = 0;
  len = sizeof small;
  CALL(getsockopt(t, SOL_SOCKET, SO_TYPE, &small, &len)); printf("SO_TYPE into 2 bytes: %ld %d (len %u)\n", rv, small, len);
  close(t);
  close(u);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  tcp_basics();
  tcp_wildcard();
  tcp_stream();
  tcp_reset();
  tcp_abort();
  tcp_sendfile();
  tcp_nonblocking();
  tcp_errors();
  dual_stack();
  udp();
  udplite();
  options();
  interfaces();
  return 0;
}
