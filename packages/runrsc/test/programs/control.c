// Conformance: ancillary data. AF_UNIX's (other levels ignored, credentials and files cut to a
// short buffer), and UDP's on the loopback interface — what a receiver asks for
// (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVORIGDSTADDR; IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT,
// IPV6_RECVTCLASS, IPV6_RECVORIGDSTADDR and the RFC 2292 forms), what a sender sets per message
// (IP_TTL, IP_TOS, IP_PKTINFO; IPV6_HOPLIMIT, IPV6_TCLASS, IPV6_PKTINFO) and per socket, the
// truncation of a short control buffer (MSG_CTRUNC), IPv4 traffic on a dual-stack socket, TCP,
// and the error cases of each control message.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CALL(expr) (errno = 0, rv = (long)(expr), er = errno)
static long rv;
static int er;

static void result(const char *what) {
  if (rv < 0) printf("%s: -1 errno %d\n", what, er);
  else printf("%s: %ld\n", what, rv);
}

static int on = 1;

static int udp(int family, const char *ip) {
  int fd = socket(family, SOCK_DGRAM, 0);
  if (family == AF_INET) {
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, ip, &sa.sin_addr);
    bind(fd, (void *)&sa, sizeof sa);
  } else {
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, ip, &sa.sin6_addr);
    bind(fd, (void *)&sa, sizeof sa);
  }
  return fd;
}

/** The port `fd` is bound to. */
static int port_of(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  getsockname(fd, (void *)&ss, &len);
  return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port) : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/** Where to send to reach `fd`: its address and port, in `family`'s form (IPv4 as ::ffff:a.b.c.d). */
static socklen_t target(int fd, int family, const char *ip, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET) {
    struct sockaddr_in *sa = (void *)ss;
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port_of(fd));
    inet_pton(AF_INET, ip, &sa->sin_addr);
    return sizeof *sa;
  }
  struct sockaddr_in6 *sa = (void *)ss;
  sa->sin6_family = AF_INET6;
  sa->sin6_port = htons(port_of(fd));
  inet_pton(AF_INET6, ip, &sa->sin6_addr);
  return sizeof *sa;
}

/** Send "hi" from `from` to `to` (at `ip`), with `control` of `clen` bytes. */
static void send_with(const char *what, int from, int to, int family, const char *ip, void *control, size_t clen) {
  struct sockaddr_storage ss;
  socklen_t len = target(to, family, ip, &ss);
  struct iovec iov = {.iov_base = "hi", .iov_len = 2};
  struct msghdr msg = {.msg_name = &ss, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = clen};
  CALL(sendmsg(from, &msg, 0));
  result(what);
}

/** One control message of `len` data bytes. */
static size_t one_cmsg(void *buf, int level, int type, const void *data, size_t len) {
  struct cmsghdr *c = buf;
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(len);
  memcpy(CMSG_DATA(c), data, len);
  return CMSG_SPACE(len);
}

static void send_int(const char *what, int from, int to, int family, const char *ip, int level, int type, int value) {
  char buf[CMSG_SPACE(sizeof(int))];
  send_with(what, from, to, family, ip, buf, one_cmsg(buf, level, type, &value, sizeof value));
}

static const char *addr_text(int family, const void *addr) {
  static char out[64];
  inet_ntop(family, addr, out, sizeof out);
  return out;
}

/** Print a control message: its level, type and length, and what its data says. */
static void print_cmsg(struct cmsghdr *c, int bound_port, size_t room) {
  printf("  cmsg level %d type %d len %zu", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
  size_t data = c->cmsg_len > CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
  if (data > room) data = room;
  unsigned char *d = CMSG_DATA(c);
  if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && data >= sizeof(struct in_pktinfo)) {
    struct in_pktinfo *p = (void *)d;
    printf(": ifindex %d spec_dst %s", p->ipi_ifindex, addr_text(AF_INET, &p->ipi_spec_dst));
    printf(" addr %s", addr_text(AF_INET, &p->ipi_addr));
  } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_ORIGDSTADDR && data >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in *sa = (void *)d;
    printf(": family %d %s port %s", sa->sin_family, addr_text(AF_INET, &sa->sin_addr), ntohs(sa->sin_port) == bound_port ? "bound" : "other");
  } else if (c->cmsg_level == IPPROTO_IPV6 && (c->cmsg_type == IPV6_PKTINFO || c->cmsg_type == IPV6_2292PKTINFO) && data >= sizeof(struct in6_pktinfo)) {
    struct in6_pktinfo *p = (void *)d;
    printf(": ifindex %d addr %s", p->ipi6_ifindex, addr_text(AF_INET6, &p->ipi6_addr));
  } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_ORIGDSTADDR && data >= sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 *sa = (void *)d;
    printf(": family %d %s port %s", sa->sin6_family, addr_text(AF_INET6, &sa->sin6_addr), ntohs(sa->sin6_port) == bound_port ? "bound" : "other");
  } else {
    printf(":");
    for (size_t i = 0; i < data; i++) printf(" %02x", d[i]);
  }
  printf("\n");
}

/** Receive one datagram into a control buffer of `room` bytes and print what came with it. */
static void receive(const char *what, int fd, size_t room) {
  char data[16];
  struct sockaddr_storage name;
  union { char buf[512]; struct cmsghdr align; } control;
  memset(control.buf, 0xee, sizeof control.buf);
  struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
  struct msghdr msg = {.msg_name = &name, .msg_namelen = sizeof name, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = room ? control.buf : NULL, .msg_controllen = room};
  CALL(recvmsg(fd, &msg, MSG_DONTWAIT));
  result(what);
  if (rv < 0) return;
  struct sockaddr_storage *from = &name;
  const void *src = from->ss_family == AF_INET ? (void *)&((struct sockaddr_in *)from)->sin_addr : (void *)&((struct sockaddr_in6 *)from)->sin6_addr;
  const char *source = msg.msg_namelen == 0 ? "nowhere" : addr_text(from->ss_family, src);
  printf("  from %s, controllen %zu, flags %#x\n", source, (size_t)msg.msg_controllen, msg.msg_flags);
  size_t used = msg.msg_controllen;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    print_cmsg(c, port_of(fd), used - ((char *)CMSG_DATA(c) - control.buf));
  }
  if (used < room) printf("  byte after: %02x\n", (unsigned char)control.buf[used]);
}

static void ipv4(void) {
  printf("== IPv4\n");
  int rx = udp(AF_INET, "127.0.0.1"), tx = udp(AF_INET, "127.0.0.1");
  send_with("plain, nothing asked", tx, rx, AF_INET, "127.0.0.1", NULL, 0);
  receive("recvmsg", rx, 512);
  int opts[] = {IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVORIGDSTADDR};
  for (int i = 0; i < 4; i++) setsockopt(rx, IPPROTO_IP, opts[i], &on, sizeof on);
  for (int i = 0; i < 4; i++) {
    int v = -1;
    socklen_t len = sizeof v;
    getsockopt(rx, IPPROTO_IP, opts[i], &v, &len);
    printf("option %d reads %d\n", opts[i], v);
  }
  send_with("defaults", tx, rx, AF_INET, "127.0.0.1", NULL, 0);
  receive("recvmsg", rx, 512);
  int ttl = 7, tos = 0x10;
  setsockopt(tx, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  setsockopt(tx, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  send_with("socket's TTL 7 and TOS 0x10, to 127.0.0.1 on a wildcard", tx, rx, AF_INET, "127.0.0.1", NULL, 0);
  receive("recvmsg", rx, 512);

  char buf[256];
  size_t n = 0;
  int t = 9;
  unsigned char b = 0x20;
  n += one_cmsg(buf + n, IPPROTO_IP, IP_TTL, &t, sizeof t);
  n += one_cmsg(buf + n, IPPROTO_IP, IP_TOS, &b, 1);
  send_with("sendmsg IP_TTL 9 and a one-byte IP_TOS", tx, rx, AF_INET, "127.0.0.1", buf, n);
  receive("recvmsg", rx, 512);
  send_int("sendmsg an int IP_TOS 0x28", tx, rx, AF_INET, "127.0.0.1", IPPROTO_IP, IP_TOS, 0x28);
  receive("recvmsg", rx, 512);

  int any = udp(AF_INET, "0.0.0.0");
  for (int i = 0; i < 4; i++) setsockopt(any, IPPROTO_IP, opts[i], &on, sizeof on);
  struct in_pktinfo pi = {.ipi_ifindex = 0};
  inet_pton(AF_INET, "127.0.0.2", &pi.ipi_spec_dst);
  send_with("sendmsg IP_PKTINFO from 127.0.0.2 to 127.0.0.3", tx, any, AF_INET, "127.0.0.3", buf, one_cmsg(buf, IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi));
  receive("recvmsg", any, 512);
  pi.ipi_ifindex = 1;
  send_with("IP_PKTINFO on ifindex 1", tx, any, AF_INET, "127.0.0.1", buf, one_cmsg(buf, IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi));
  receive("recvmsg", any, 512);
  pi.ipi_ifindex = 99;
  send_with("IP_PKTINFO on ifindex 99", tx, any, AF_INET, "127.0.0.1", buf, one_cmsg(buf, IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi));
  receive("recvmsg", any, 512);
  close(any);

  printf("-- truncation\n");
  for (size_t room = 0; room <= 60; room += 4) {
    if (room == 8 || (room > 20 && room < 32) || (room > 36 && room < 56)) continue;
    send_with("send", tx, rx, AF_INET, "127.0.0.1", NULL, 0);
    char what[32];
    snprintf(what, sizeof what, "recvmsg with %zu bytes", room);
    receive(what, rx, room);
  }

  printf("-- errors\n");
  send_int("IP_TTL 0", tx, rx, AF_INET, "127.0.0.1", IPPROTO_IP, IP_TTL, 0);
  send_int("IP_TTL 256", tx, rx, AF_INET, "127.0.0.1", IPPROTO_IP, IP_TTL, 256);
  send_with("IP_TTL of one byte", tx, rx, AF_INET, "127.0.0.1", buf, one_cmsg(buf, IPPROTO_IP, IP_TTL, &b, 1));
  send_int("IP_TOS 256", tx, rx, AF_INET, "127.0.0.1", IPPROTO_IP, IP_TOS, 256);
  send_int("IP_TOS -1", tx, rx, AF_INET, "127.0.0.1", IPPROTO_IP, IP_TOS, -1);
  send_int("SOL_IP type 99", tx, rx, AF_INET, "127.0.0.1", IPPROTO_IP, 99, 1);
  send_int("SOL_IPV6 IPV6_HOPLIMIT on IPv4", tx, rx, AF_INET, "127.0.0.1", IPPROTO_IPV6, IPV6_HOPLIMIT, 3);
  send_int("level 200", tx, rx, AF_INET, "127.0.0.1", 200, 1, 3);
  send_int("SCM_RIGHTS of stdin", tx, rx, AF_INET, "127.0.0.1", SOL_SOCKET, SCM_RIGHTS, 0);
  send_int("SOL_SOCKET type 99", tx, rx, AF_INET, "127.0.0.1", SOL_SOCKET, 99, 0);
  inet_pton(AF_INET, "10.1.2.3", &pi.ipi_spec_dst);
  pi.ipi_ifindex = 0;
  send_with("IP_PKTINFO from 10.1.2.3", tx, rx, AF_INET, "127.0.0.1", buf, one_cmsg(buf, IPPROTO_IP, IP_PKTINFO, &pi, sizeof pi));
  send_with("IP_PKTINFO short", tx, rx, AF_INET, "127.0.0.1", buf, one_cmsg(buf, IPPROTO_IP, IP_PKTINFO, &pi, 8));
  n = one_cmsg(buf, IPPROTO_IP, IP_TTL, &t, sizeof t);
  ((struct cmsghdr *)buf)->cmsg_len = n + 8;
  send_with("cmsg_len past the buffer", tx, rx, AF_INET, "127.0.0.1", buf, n);
  ((struct cmsghdr *)buf)->cmsg_len = 8;
  send_with("cmsg_len below a header", tx, rx, AF_INET, "127.0.0.1", buf, n);
  send_with("a buffer shorter than a header", tx, rx, AF_INET, "127.0.0.1", buf, 8);
  int drained = 0;
  while (recv(rx, buf, sizeof buf, MSG_DONTWAIT) >= 0) drained++;
  printf("datagrams that went: %d\n", drained);
  close(rx);
  close(tx);
}

static void ipv6(void) {
  printf("== IPv6\n");
  int rx = udp(AF_INET6, "::1"), tx = udp(AF_INET6, "::1");
  int opts[] = {IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS, IPV6_RECVORIGDSTADDR, IPV6_2292PKTINFO, IPV6_2292HOPLIMIT};
  for (int i = 0; i < 6; i++) setsockopt(rx, IPPROTO_IPV6, opts[i], &on, sizeof on);
  for (int i = 0; i < 6; i++) {
    int v = -1;
    socklen_t len = sizeof v;
    CALL(getsockopt(rx, IPPROTO_IPV6, opts[i], &v, &len));
    printf("option %d reads %d (%ld)\n", opts[i], v, rv);
  }
  send_with("defaults", tx, rx, AF_INET6, "::1", NULL, 0);
  receive("recvmsg", rx, 512);
  int hops = 5, tclass = 0x28;
  setsockopt(tx, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops);
  setsockopt(tx, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass);
  send_with("socket's hop limit 5 and class 0x28", tx, rx, AF_INET6, "::1", NULL, 0);
  receive("recvmsg", rx, 512);
  char buf[256];
  size_t n = 0;
  int h = 3, c = 0xb8;
  n += one_cmsg(buf + n, IPPROTO_IPV6, IPV6_HOPLIMIT, &h, sizeof h);
  n += one_cmsg(buf + n, IPPROTO_IPV6, IPV6_TCLASS, &c, sizeof c);
  send_with("sendmsg IPV6_HOPLIMIT 3 and IPV6_TCLASS 0xb8", tx, rx, AF_INET6, "::1", buf, n);
  receive("recvmsg", rx, 512);
  n = 0;
  h = -1;
  c = -1;
  n += one_cmsg(buf + n, IPPROTO_IPV6, IPV6_HOPLIMIT, &h, sizeof h);
  n += one_cmsg(buf + n, IPPROTO_IPV6, IPV6_TCLASS, &c, sizeof c);
  send_with("sendmsg -1 for both (the socket's)", tx, rx, AF_INET6, "::1", buf, n);
  receive("recvmsg", rx, 512);
  struct in6_pktinfo pi = {.ipi6_ifindex = 0};
  inet_pton(AF_INET6, "::1", &pi.ipi6_addr);
  send_with("IPV6_PKTINFO from ::1", tx, rx, AF_INET6, "::1", buf, one_cmsg(buf, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi));
  receive("recvmsg", rx, 512);

  printf("-- errors\n");
  send_int("IPV6_HOPLIMIT 256", tx, rx, AF_INET6, "::1", IPPROTO_IPV6, IPV6_HOPLIMIT, 256);
  send_int("IPV6_HOPLIMIT -2", tx, rx, AF_INET6, "::1", IPPROTO_IPV6, IPV6_HOPLIMIT, -2);
  send_int("IPV6_TCLASS 256", tx, rx, AF_INET6, "::1", IPPROTO_IPV6, IPV6_TCLASS, 256);
  send_int("IPV6_DONTFRAG 1", tx, rx, AF_INET6, "::1", IPPROTO_IPV6, IPV6_DONTFRAG, 1);
  send_int("IPV6_DONTFRAG 2", tx, rx, AF_INET6, "::1", IPPROTO_IPV6, IPV6_DONTFRAG, 2);
  send_int("SOL_IPV6 type 99", tx, rx, AF_INET6, "::1", IPPROTO_IPV6, 99, 1);
  send_int("SOL_IP IP_TTL on IPv6", tx, rx, AF_INET6, "::1", IPPROTO_IP, IP_TTL, 1);
  inet_pton(AF_INET6, "2001:db8::1", &pi.ipi6_addr);
  send_with("IPV6_PKTINFO from 2001:db8::1", tx, rx, AF_INET6, "::1", buf, one_cmsg(buf, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi));
  inet_pton(AF_INET6, "::1", &pi.ipi6_addr);
  pi.ipi6_ifindex = 99;
  send_with("IPV6_PKTINFO on ifindex 99", tx, rx, AF_INET6, "::1", buf, one_cmsg(buf, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof pi));
  send_with("IPV6_PKTINFO short", tx, rx, AF_INET6, "::1", buf, one_cmsg(buf, IPPROTO_IPV6, IPV6_PKTINFO, &pi, 16));
  int drained = 0;
  while (recv(rx, buf, sizeof buf, MSG_DONTWAIT) >= 0) drained++;
  printf("datagrams that went: %d\n", drained);

  printf("-- IPv4 to a dual-stack socket\n");
  int any = udp(AF_INET6, "::");
  for (int i = 0; i < 6; i++) setsockopt(any, IPPROTO_IPV6, opts[i], &on, sizeof on);
  int v4opts[] = {IP_PKTINFO, IP_RECVTTL, IP_RECVTOS};
  for (int i = 0; i < 3; i++) setsockopt(any, IPPROTO_IP, v4opts[i], &on, sizeof on);
  int tx4 = udp(AF_INET, "127.0.0.1");
  send_int("sendmsg IP_TTL 11", tx4, any, AF_INET, "127.0.0.1", IPPROTO_IP, IP_TTL, 11);
  receive("recvmsg", any, 512);
  int ttl = 12, tx6 = udp(AF_INET6, "::");
  setsockopt(tx6, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  send_with("from a dual-stack socket, its IP_TTL 12", tx6, any, AF_INET6, "::ffff:127.0.0.1", NULL, 0);
  receive("recvmsg", any, 512);
  send_int("with IPV6_HOPLIMIT 4 (not IPv4's)", tx6, any, AF_INET6, "::ffff:127.0.0.1", IPPROTO_IPV6, IPV6_HOPLIMIT, 4);
  receive("recvmsg", any, 512);
  send_int("with IP_TTL 13", tx6, any, AF_INET6, "::ffff:127.0.0.1", IPPROTO_IP, IP_TTL, 13);
  receive("recvmsg", any, 512);
  close(tx6);
  close(tx4);
  close(any);
  close(rx);
  close(tx);
}

static void tcp(void) {
  printf("== TCP\n");
  int srv = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  bind(srv, (void *)&sa, sizeof sa);
  listen(srv, 1);
  socklen_t len = sizeof sa;
  getsockname(srv, (void *)&sa, &len);
  int cli = socket(AF_INET, SOCK_STREAM, 0);
  connect(cli, (void *)&sa, sizeof sa);
  int conn = accept(srv, NULL, NULL);
  setsockopt(conn, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  setsockopt(conn, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
  char buf[64];
  int t = 9;
  size_t n = one_cmsg(buf, IPPROTO_IP, IP_TTL, &t, sizeof t);
  struct iovec iov = {.iov_base = "hi", .iov_len = 2};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = n};
  CALL(sendmsg(cli, &msg, 0));
  result("sendmsg with IP_TTL");
  n = one_cmsg(buf, SOL_SOCKET, 99, &t, sizeof t);
  msg.msg_controllen = n;
  CALL(sendmsg(cli, &msg, 0));
  result("sendmsg with SOL_SOCKET type 99");
  n = one_cmsg(buf, SOL_SOCKET, SCM_RIGHTS, &t, sizeof t);
  msg.msg_controllen = n;
  CALL(sendmsg(cli, &msg, 0));
  result("sendmsg with SCM_RIGHTS");
  usleep(10000);
  receive("recvmsg", conn, 512);
  close(conn);
  close(cli);
  close(srv);
}

static void unix_control(void) {
  printf("== AF_UNIX\n");
  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  char buf[256];
  struct iovec iov = {.iov_base = "hi", .iov_len = 2};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf};
  int t = 1;
  msg.msg_controllen = one_cmsg(buf, IPPROTO_IP, IP_TTL, &t, sizeof t);
  CALL(sendmsg(sv[0], &msg, 0));
  result("sendmsg with an IP_TTL message");
  msg.msg_controllen = one_cmsg(buf, SOL_SOCKET, SCM_RIGHTS, &t, 0);
  CALL(sendmsg(sv[0], &msg, 0));
  result("sendmsg with no files in SCM_RIGHTS");
  msg.msg_controllen = one_cmsg(buf, SOL_SOCKET, 99, &t, sizeof t);
  CALL(sendmsg(sv[0], &msg, 0));
  result("sendmsg with SOL_SOCKET type 99");
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  int fds[2] = {0, 1};
  msg.msg_controllen = one_cmsg(buf, SOL_SOCKET, SCM_RIGHTS, fds, sizeof fds);
  size_t rooms[] = {0, 20, 40, 48, 52, 64};
  for (int i = 0; i < 6; i++) {
    CALL(sendmsg(sv[0], &msg, 0));
    char what[48];
    snprintf(what, sizeof what, "two files and credentials, %zu bytes", rooms[i]);
    char data[4];
    union { char b[128]; struct cmsghdr align; } control;
    memset(control.b, 0xee, sizeof control.b);
    struct iovec riov = {.iov_base = data, .iov_len = sizeof data};
    struct msghdr r = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rooms[i] ? control.b : NULL, .msg_controllen = rooms[i]};
    CALL(recvmsg(sv[1], &r, MSG_DONTWAIT));
    result(what);
    printf("  controllen %zu, flags %#x\n", (size_t)r.msg_controllen, r.msg_flags);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&r); c != NULL; c = CMSG_NXTHDR(&r, c)) {
      printf("  cmsg level %d type %d len %zu\n", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
      if (c->cmsg_type == SCM_RIGHTS) {
        for (size_t k = 0; k * 4 + CMSG_LEN(0) < c->cmsg_len; k++) close(((int *)CMSG_DATA(c))[k]);
      }
    }
  }
  close(sv[0]);
  close(sv[1]);
}

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/** The clock just before and just after the last `send_one`. */
static long long sent_before, sent_after;

/** Send "hi" on `fd`, noting the time around the call, then wait so that a receive comes later. */
static void send_one(int fd) {
  sent_before = now_ns();
  send(fd, "hi", 2, 0);
  sent_after = now_ns();
  usleep(20000);
}

/**
 * Receive one message on `fd` and say what its control messages are; with `timed`, a time as
 * whether it was taken during the last send_one's call (when it was queued, not when it was read).
 * Without: a time of the host's choosing (UDP's is the send's once Linux's stamps are on, until
 * then the receive's).
 */
static void receive_stamped(const char *what, int fd, int timed) {
  char data[16];
  union { char buf[256]; struct cmsghdr align; } control;
  struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  CALL(recvmsg(fd, &msg, MSG_DONTWAIT));
  result(what);
  if (rv < 0) return;
  printf("  controllen %zu flags %#x\n", (size_t)msg.msg_controllen, msg.msg_flags);
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    printf("  cmsg level %d type %d len %zu", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
    if (timed && c->cmsg_level == SOL_SOCKET && c->cmsg_len == CMSG_LEN(16) && c->cmsg_type != SCM_CREDENTIALS) {
      long long *t = (long long *)CMSG_DATA(c);
      int ns = c->cmsg_type == SO_TIMESTAMPNS || c->cmsg_type == 64;
      long long at = t[0] * 1000000000LL + t[1] * (ns ? 1 : 1000);
      // A timeval drops the nanoseconds: allow the microsecond it was cut to.
      int during = at >= sent_before - 1000 && at <= sent_after;
      printf(": at the send %d, fraction in range %d", during, t[1] >= 0 && t[1] < (ns ? 1000000000 : 1000000));
    }
    printf("\n");
  }
}

static void timestamps(void) {
  printf("== timestamps\n");
  int sv[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  int names[] = {SO_TIMESTAMP, SO_TIMESTAMPNS, 63, 64};
  for (int i = 0; i < 4; i++) {
    setsockopt(sv[1], SOL_SOCKET, names[i], &on, sizeof on);
    printf("set %d, reads:", names[i]);
    for (int j = 0; j < 4; j++) {
      int v = -1;
      socklen_t len = sizeof v;
      getsockopt(sv[1], SOL_SOCKET, names[j], &v, &len);
      printf(" %d", v);
    }
    printf("\n");
    send_one(sv[0]);
    receive_stamped("  recvmsg", sv[1], 1);
  }
  int off = 0;
  setsockopt(sv[1], SOL_SOCKET, 64, &off, sizeof off);
  send_one(sv[0]);
  receive_stamped("off again", sv[1], 1);
  send_one(sv[0]);
  setsockopt(sv[1], SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on);
  receive_stamped("queued before the option: stamped as received, not at the send", sv[1], 1);
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  send_one(sv[0]);
  receive_stamped("with credentials (the time comes first)", sv[1], 1);
  CALL(setsockopt(sv[1], SOL_SOCKET, SO_TIMESTAMP, &on, 2));
  result("setsockopt with 2 bytes");
  close(sv[0]);
  close(sv[1]);

  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  setsockopt(sv[1], SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on);
  send(sv[0], "hi", 2, 0);
  receive_stamped("a stream socket", sv[1], 1);
  close(sv[0]);
  close(sv[1]);

  int rx = udp(AF_INET, "127.0.0.1"), tx = udp(AF_INET, "127.0.0.1");
  setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  setsockopt(rx, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
  send_with("udp", tx, rx, AF_INET, "127.0.0.1", NULL, 0);
  usleep(20000);
  receive_stamped("  recvmsg (the time before IP_TTL)", rx, 0);
  close(rx);
  close(tx);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  unix_control();
  timestamps();
  ipv4();
  ipv6();
  tcp();
  return 0;
}
