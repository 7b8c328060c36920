// Conformance: NETLINK_ROUTE sockets as programs meet them — port ids and binding, link, address
// and route dumps of the loopback interface, single requests with acknowledgements, errors as
// NLMSG_ERROR, truncation and peeking, readiness, options, and libc's users (getifaddrs,
// if_nameindex). Only what concerns `lo` is printed: the host has other interfaces, and
// counters and cache stamps differ from machine to machine.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CALL(expr) (errno = 0, rv = (long)(expr), er = errno)
static long rv;
static int er;
static unsigned seq = 100;

static void result(const char *what) {
  if (rv < 0) printf("%s: -1 errno %d\n", what, er);
  else printf("%s: %ld\n", what, rv);
}

static int route_socket(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) { perror("socket"); exit(1); }
  return fd;
}

static unsigned port_of(int fd) {
  struct sockaddr_nl sa;
  socklen_t len = sizeof sa;
  getsockname(fd, (void *)&sa, &len);
  return sa.nl_pid;
}

/** Send one request of `type` whose payload is `body` (`len` bytes). */
static unsigned request(int fd, int type, int flags, const void *body, size_t len) {
  char buf[512] = {0};
  struct nlmsghdr *h = (void *)buf;
  h->nlmsg_len = NLMSG_LENGTH(len);
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | flags;
  h->nlmsg_seq = ++seq;
  memcpy(NLMSG_DATA(h), body, len);
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  CALL(sendto(fd, buf, h->nlmsg_len, 0, (void *)&kernel, sizeof kernel));
  if (rv != (long)h->nlmsg_len) result("request sendto");
  return seq;
}

static const char *type_name(int t) {
  switch (t) {
    case NLMSG_DONE: return "DONE";
    case NLMSG_ERROR: return "ERROR";
    case RTM_NEWLINK: return "NEWLINK";
    case RTM_NEWADDR: return "NEWADDR";
    case RTM_NEWROUTE: return "NEWROUTE";
    default: return "other";
  }
}

static void print_addr(const char *what, int family, const void *p) {
  char text[64];
  inet_ntop(family, p, text, sizeof text);
  printf(" %s=%s", what, text);
}

static void print_link(struct nlmsghdr *h) {
  struct ifinfomsg *i = NLMSG_DATA(h);
  printf("  link index %d type %d flags %#x", i->ifi_index, i->ifi_type, i->ifi_flags);
  int len = IFLA_PAYLOAD(h);
  for (struct rtattr *a = IFLA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    unsigned *u = RTA_DATA(a);
    switch (a->rta_type) {
      case IFLA_IFNAME: printf(" name=%s", (char *)RTA_DATA(a)); break;
      case IFLA_MTU: printf(" mtu=%u", *u); break;
      case IFLA_TXQLEN: printf(" txqlen=%u", *u); break;
      case IFLA_OPERSTATE: printf(" operstate=%u", *(unsigned char *)u); break;
      case IFLA_CARRIER: printf(" carrier=%u", *(unsigned char *)u); break;
      case IFLA_NUM_TX_QUEUES: printf(" txqueues=%u", *u); break;
      case IFLA_ADDRESS: printf(" address=%d bytes", (int)RTA_PAYLOAD(a)); break;
      case IFLA_BROADCAST: printf(" broadcast=%d bytes", (int)RTA_PAYLOAD(a)); break;
      case IFLA_QDISC: printf(" qdisc=%s", (char *)RTA_DATA(a)); break;
      case IFLA_STATS: printf(" stats=%d bytes", (int)RTA_PAYLOAD(a)); break;
      case IFLA_STATS64: printf(" stats64=%d bytes", (int)RTA_PAYLOAD(a) >= 192 ? 192 : (int)RTA_PAYLOAD(a)); break;
    }
  }
  printf("\n");
}

static void print_address(struct nlmsghdr *h) {
  struct ifaddrmsg *i = NLMSG_DATA(h);
  printf("  address family %d prefix %d flags %#x scope %d index %d", i->ifa_family, i->ifa_prefixlen, i->ifa_flags,
         i->ifa_scope, i->ifa_index);
  int len = IFA_PAYLOAD(h);
  for (struct rtattr *a = IFA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    switch (a->rta_type) {
      case IFA_ADDRESS: print_addr("address", i->ifa_family, RTA_DATA(a)); break;
      case IFA_LOCAL: print_addr("local", i->ifa_family, RTA_DATA(a)); break;
      case IFA_LABEL: printf(" label=%s", (char *)RTA_DATA(a)); break;
      case IFA_FLAGS: printf(" flags32=%#x", *(unsigned *)RTA_DATA(a)); break;
      case IFA_CACHEINFO: {
        struct ifa_cacheinfo *c = RTA_DATA(a);
        printf(" preferred=%#x valid=%#x", c->ifa_prefered, c->ifa_valid);
        break;
      }
    }
  }
  printf("\n");
}

static void print_route(struct nlmsghdr *h) {
  struct rtmsg *r = NLMSG_DATA(h);
  int len = RTM_PAYLOAD(h), oif = 0;
  char line[512];
  int n = snprintf(line, sizeof line, "  route family %d dst_len %d table %d protocol %d scope %d type %d",
                   r->rtm_family, r->rtm_dst_len, r->rtm_table, r->rtm_protocol, r->rtm_scope, r->rtm_type);
  for (struct rtattr *a = RTM_RTA(r); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    char text[64];
    switch (a->rta_type) {
      case RTA_DST: inet_ntop(r->rtm_family, RTA_DATA(a), text, sizeof text); n += snprintf(line + n, sizeof line - n, " dst=%s", text); break;
      case RTA_PREFSRC: inet_ntop(r->rtm_family, RTA_DATA(a), text, sizeof text); n += snprintf(line + n, sizeof line - n, " src=%s", text); break;
      case RTA_TABLE: n += snprintf(line + n, sizeof line - n, " table32=%u", *(unsigned *)RTA_DATA(a)); break;
      case RTA_PRIORITY: n += snprintf(line + n, sizeof line - n, " metric=%u", *(unsigned *)RTA_DATA(a)); break;
      case RTA_OIF: oif = *(int *)RTA_DATA(a); break;
    }
  }
  if (oif == 1) printf("%s\n", line); // routes of the host's other interfaces are not ours
}

/**
 * Read replies to `sent` until DONE, an ERROR, or (`single`) one reply and its ack. Prints
 * each message of `lo` and what the headers say about the rest.
 */
static void replies(int fd, unsigned sent, int single) {
  static char buf[65536];
  unsigned me = port_of(fd);
  for (int datagrams = 0; datagrams < 20; datagrams++) {
    struct sockaddr_nl from;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    CALL(recvmsg(fd, &msg, MSG_DONTWAIT));
    if (rv < 0) { result("  recvmsg"); return; }
    if (from.nl_family != AF_NETLINK || from.nl_pid != 0 || msg.msg_namelen != sizeof from) printf("  not from the kernel\n");
    int len = rv;
    for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != sent || h->nlmsg_pid != me) printf("  seq or port differ\n");
      int multi = (h->nlmsg_flags & NLM_F_MULTI) != 0;
      if (h->nlmsg_type == NLMSG_DONE) {
        printf("  DONE multi=%d value=%d len=%d\n", multi, *(int *)NLMSG_DATA(h), h->nlmsg_len);
        return;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = NLMSG_DATA(h);
        printf("  ERROR error=%d flags=%#x len=%d echoed type %d len %d\n", e->error, h->nlmsg_flags, h->nlmsg_len,
               e->msg.nlmsg_type, e->msg.nlmsg_len);
        return;
      }
      if (h->nlmsg_type == RTM_NEWLINK && ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index == 1) {
        printf("  %s multi=%d\n", type_name(h->nlmsg_type), multi);
        print_link(h);
      } else if (h->nlmsg_type == RTM_NEWADDR && ((struct ifaddrmsg *)NLMSG_DATA(h))->ifa_index == 1) {
        printf("  %s multi=%d\n", type_name(h->nlmsg_type), multi);
        print_address(h);
      } else if (h->nlmsg_type == RTM_NEWROUTE) {
        print_route(h);
      }
      if (single && !multi && h->nlmsg_type != NLMSG_ERROR && !(single & 2)) return;
    }
  }
}

static void ports(void) {
  printf("ports\n");
  CALL(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE)); result("socket stream");
  CALL(socket(AF_NETLINK, SOCK_RAW, 99)); result("socket protocol 99");
  CALL(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE)); printf("socket dgram: %s\n", rv >= 0 ? "ok" : "failed");
  if (rv >= 0) close(rv);
  int a = route_socket(), b = route_socket(), c = route_socket();
  printf("unbound port: %u\n", port_of(a));
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  CALL(bind(a, (void *)&sa, sizeof sa)); result("bind a 0");
  printf("a's port is my pid: %d\n", port_of(a) == (unsigned)getpid());
  CALL(bind(b, (void *)&sa, sizeof sa)); result("bind b 0");
  printf("b's port: %s\n", (int)port_of(b) < 0 ? "negative" : "positive");
  sa.nl_pid = port_of(a);
  CALL(bind(c, (void *)&sa, sizeof sa)); result("bind c to a's port");
  sa.nl_pid = 4242;
  CALL(bind(a, (void *)&sa, sizeof sa)); result("rebind a to another port");
  sa.nl_pid = port_of(a);
  CALL(bind(a, (void *)&sa, sizeof sa)); result("rebind a to its port");
  sa.nl_pid = 4242;
  CALL(bind(c, (void *)&sa, sizeof sa)); result("bind c 4242");
  printf("c's port: %u\n", port_of(c));
  sa.nl_family = AF_INET;
  CALL(bind(b, (void *)&sa, sizeof sa)); result("bind AF_INET");
  CALL(bind(b, (void *)&sa, 4)); result("bind short");
  struct sockaddr_nl peer;
  socklen_t len = sizeof peer;
  CALL(getpeername(a, (void *)&peer, &len)); printf("getpeername: %ld family %d pid %u len %u\n", rv, peer.nl_family, peer.nl_pid, len);
  CALL(listen(a, 1)); result("listen");
  CALL(accept(a, NULL, NULL)); result("accept");
  CALL(shutdown(a, SHUT_RDWR)); result("shutdown");
  int type = 0, proto = -1, domain = 0;
  len = sizeof type;
  getsockopt(a, SOL_SOCKET, SO_TYPE, &type, &len);
  getsockopt(a, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
  getsockopt(a, SOL_SOCKET, SO_DOMAIN, &domain, &len);
  printf("type %d protocol %d domain %d\n", type, proto, domain);
  // A socket that sends first is bound then (autobind).
  int d = route_socket();
  struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
  request(d, RTM_GETLINK, NLM_F_DUMP, &g, sizeof g);
  printf("sender bound: %d\n", port_of(d) != 0);
  close(a); close(b); close(c); close(d);
}

static void dumps(void) {
  int fd = route_socket();
  struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
  printf("link dump\n");
  replies(fd, request(fd, RTM_GETLINK, NLM_F_DUMP, &g, sizeof g), 0);
  printf("address dump, unspec\n");
  replies(fd, request(fd, RTM_GETADDR, NLM_F_DUMP, &g, sizeof g), 0);
  struct ifaddrmsg ifa = {.ifa_family = AF_INET};
  printf("address dump, inet\n");
  replies(fd, request(fd, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa), 0);
  ifa.ifa_family = AF_INET6;
  printf("address dump, inet6\n");
  replies(fd, request(fd, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa), 0);
  struct rtmsg rt = {.rtm_family = AF_INET};
  printf("route dump, inet\n");
  replies(fd, request(fd, RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof rt), 0);
  rt.rtm_family = AF_INET6;
  printf("route dump, inet6\n");
  replies(fd, request(fd, RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof rt), 0);
  printf("neighbour dump\n");
  replies(fd, request(fd, RTM_GETNEIGH, NLM_F_DUMP, &g, sizeof g), 0);
  close(fd);
}

static void singles(void) {
  int fd = route_socket();
  struct ifinfomsg link = {.ifi_index = 1};
  printf("link 1\n");
  replies(fd, request(fd, RTM_GETLINK, 0, &link, sizeof link), 1);
  printf("link 1 with ack\n");
  replies(fd, request(fd, RTM_GETLINK, NLM_F_ACK, &link, sizeof link), 3);
  printf("link by name\n");
  struct { struct ifinfomsg i; struct rtattr a; char name[4]; } byname = {
    .a = {.rta_len = RTA_LENGTH(3), .rta_type = IFLA_IFNAME}, .name = "lo"};
  replies(fd, request(fd, RTM_GETLINK, 0, &byname, sizeof byname), 1);
  printf("no such link\n");
  link.ifi_index = 9999;
  replies(fd, request(fd, RTM_GETLINK, 0, &link, sizeof link), 1);
  strcpy(byname.name, "zz");
  printf("no such name\n");
  replies(fd, request(fd, RTM_GETLINK, 0, &byname, sizeof byname), 1);
  printf("unknown type\n");
  replies(fd, request(fd, RTM_MAX + 4, 0, &link, sizeof link), 1);
  printf("control message with ack\n");
  replies(fd, request(fd, NLMSG_NOOP, NLM_F_ACK, &link, sizeof link), 1);
  printf("control message without ack\n");
  request(fd, NLMSG_NOOP, 0, &link, sizeof link);
  CALL(recv(fd, &link, sizeof link, MSG_DONTWAIT)); result("  recv");
  printf("not a request\n");
  struct nlmsghdr h = {.nlmsg_len = sizeof h, .nlmsg_type = RTM_GETLINK, .nlmsg_seq = 1};
  CALL(send(fd, &h, sizeof h, 0)); result("  send");
  CALL(recv(fd, &link, sizeof link, MSG_DONTWAIT)); result("  recv");
  printf("short header\n");
  CALL(send(fd, &h, 8, 0)); result("  send");
  CALL(recv(fd, &link, sizeof link, MSG_DONTWAIT)); result("  recv");
  printf("length past the end\n");
  h.nlmsg_len = 64;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  CALL(send(fd, &h, sizeof h, 0)); result("  send");
  CALL(recv(fd, &link, sizeof link, MSG_DONTWAIT)); result("  recv");
  printf("two requests in one datagram\n");
  char two[64] = {0};
  struct nlmsghdr *m = (void *)two;
  for (int i = 0; i < 2; i++, m = (void *)(two + 32)) {
    m->nlmsg_len = NLMSG_LENGTH(sizeof link);
    m->nlmsg_type = RTM_GETLINK;
    m->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    m->nlmsg_seq = 7 + i;
    ((struct ifinfomsg *)NLMSG_DATA(m))->ifi_index = 1;
  }
  CALL(send(fd, two, 64, 0)); result("  send");
  for (int i = 0; i < 4; i++) {
    static char in[4096];
    CALL(recv(fd, in, sizeof in, MSG_DONTWAIT));
    if (rv < 0) { result("  recv"); break; }
    struct nlmsghdr *r = (void *)in;
    printf("  datagram: %s seq %u\n", type_name(r->nlmsg_type), r->nlmsg_seq);
  }
  close(fd);
}

/** A single RTM_GETROUTE to `ip` (`ip route get`): the reply's header and its attributes' types and values. */
static void route_get(int fd, int family, const char *ip, int flags) {
  struct { struct rtmsg r; struct rtattr a; unsigned char addr[16]; } body = {
    .r = {.rtm_family = family, .rtm_dst_len = family == AF_INET ? 32 : 128},
    .a = {.rta_len = RTA_LENGTH(family == AF_INET ? 4 : 16), .rta_type = RTA_DST}};
  inet_pton(family, ip, body.addr);
  printf("route get %s%s\n", ip, flags ? " with ack" : "");
  request(fd, RTM_GETROUTE, flags, &body, sizeof body.r + RTA_ALIGN(body.a.rta_len));
  for (int datagrams = 0; datagrams < (flags ? 2 : 1); datagrams++) {
    static char in[4096];
    CALL(recv(fd, in, sizeof in, MSG_DONTWAIT));
    if (rv < 0) { result("  recv"); return; }
    struct nlmsghdr *h = (void *)in;
    if (h->nlmsg_type == NLMSG_ERROR) {
      printf("  ERROR error=%d\n", ((struct nlmsgerr *)NLMSG_DATA(h))->error);
      continue;
    }
    struct rtmsg *r = NLMSG_DATA(h);
    printf("  %s flags %#x: family %d dst_len %d src_len %d tos %d table %d protocol %d scope %d type %d flags %#x\n",
           type_name(h->nlmsg_type), h->nlmsg_flags, r->rtm_family, r->rtm_dst_len, r->rtm_src_len, r->rtm_tos,
           r->rtm_table, r->rtm_protocol, r->rtm_scope, r->rtm_type, r->rtm_flags);
    int len = RTM_PAYLOAD(h);
    for (struct rtattr *a = RTM_RTA(r); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
      printf("    attr %d len %d", a->rta_type, a->rta_len);
      if (a->rta_type == RTA_CACHEINFO) { printf("\n"); continue; } // times and counters of the host's cache
      printf(":");
      for (unsigned i = 0; i < RTA_PAYLOAD(a); i++) printf(" %02x", ((unsigned char *)RTA_DATA(a))[i]);
      printf("\n");
    }
  }
}

static void route_gets(void) {
  int fd = route_socket();
  route_get(fd, AF_INET, "127.0.0.1", 0);
  route_get(fd, AF_INET, "127.0.0.5", 0);
  route_get(fd, AF_INET6, "::1", 0);
  route_get(fd, AF_INET, "127.0.0.1", NLM_F_ACK);
  close(fd);
}

static void changes(void) {
  printf("changes without CAP_NET_ADMIN\n");
  pid_t pid = fork();
  if (pid == 0) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    syscall(SYS_capget, &hdr, data);
    data[0].effective &= ~(1u << CAP_NET_ADMIN);
    syscall(SYS_capset, &hdr, data);
    int fd = route_socket();
    struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = 8, .ifa_index = 1};
    replies(fd, request(fd, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, &ifa, sizeof ifa), 1);
    replies(fd, request(fd, RTM_DELADDR, NLM_F_ACK, &ifa, sizeof ifa), 1);
    struct ifinfomsg link = {.ifi_index = 1};
    replies(fd, request(fd, RTM_SETLINK, NLM_F_ACK, &link, sizeof link), 1);
    struct sockaddr_nl other = {.nl_family = AF_NETLINK, .nl_pid = 77};
    CALL(sendto(fd, &link, sizeof link, 0, (void *)&other, sizeof other)); result("  sendto a user port");
    _exit(0);
  }
  waitpid(pid, NULL, 0);
}

static void reading(void) {
  printf("reading\n");
  int fd = route_socket();
  struct pollfd p = {fd, POLLIN | POLLOUT, 0};
  CALL(poll(&p, 1, 0)); printf("poll empty: %ld revents %#x\n", rv, p.revents);
  char small[64];
  CALL(recv(fd, small, sizeof small, MSG_DONTWAIT)); result("recv empty");
  struct ifinfomsg link = {.ifi_index = 1};
  request(fd, RTM_GETLINK, 0, &link, sizeof link);
  CALL(poll(&p, 1, 0)); printf("poll with a reply: %ld revents %#x\n", rv, p.revents);
  int avail = -1;
  CALL(ioctl(fd, FIONREAD, &avail)); result("FIONREAD");
  CALL(recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC)); printf("peek length: %s\n", rv > 100 ? "more than 100" : "less");
  long whole = rv;
  struct iovec iov = {small, sizeof small};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  CALL(recvmsg(fd, &msg, MSG_PEEK)); printf("peek small: %ld truncated %d\n", rv, (msg.msg_flags & MSG_TRUNC) != 0);
  CALL(recvmsg(fd, &msg, MSG_TRUNC)); printf("read small with MSG_TRUNC: whole %d truncated %d\n", rv == whole, (msg.msg_flags & MSG_TRUNC) != 0);
  CALL(recv(fd, small, sizeof small, MSG_DONTWAIT)); result("the rest is gone");
  // write(2) and read(2) work too.
  struct { struct nlmsghdr h; struct ifinfomsg i; } req = {
    {NLMSG_LENGTH(sizeof link), RTM_GETLINK, NLM_F_REQUEST, 5, 0}, {.ifi_index = 1}};
  CALL(write(fd, &req, sizeof req)); result("write");
  static char buf[8192];
  CALL(read(fd, buf, sizeof buf)); printf("read: %s type %s\n", rv > 0 ? "ok" : "failed", type_name(((struct nlmsghdr *)buf)->nlmsg_type));
  CALL(recv(fd, buf, sizeof buf, 0x1000000 /* not a flag */ | MSG_DONTWAIT)); result("recv, unknown flag");
  CALL(sendto(fd, &req, sizeof req, 0, (void *)1, sizeof(struct sockaddr_nl))); result("sendto bad address");
  CALL(send(fd, (void *)1, 32, 0)); result("send bad buffer");
  struct sockaddr_nl inet = {.nl_family = AF_INET};
  CALL(sendto(fd, &req, sizeof req, 0, (void *)&inet, sizeof inet)); result("sendto AF_INET");
  CALL(sendto(fd, &req, sizeof req, 0, (void *)&inet, 4)); result("sendto short name");
  // Options.
  int one = 1, value = 0;
  socklen_t len = sizeof value;
  CALL(setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one)); result("NETLINK_EXT_ACK");
  CALL(setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one)); result("NETLINK_GET_STRICT_CHK");
  CALL(getsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &value, &len)); printf("get NETLINK_EXT_ACK: %ld value %d\n", rv, value);
  int group = RTNLGRP_IPV4_IFADDR;
  CALL(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group)); result("ADD_MEMBERSHIP");
  unsigned groups[2] = {0};
  len = sizeof groups;
  CALL(getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, groups, &len)); printf("LIST_MEMBERSHIPS: %ld %#x len %u\n", rv, groups[0], len);
  struct sockaddr_nl sa;
  len = sizeof sa;
  getsockname(fd, (void *)&sa, &len);
  printf("groups in the name: %#x\n", sa.nl_groups);
  group = 0;
  CALL(setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group)); result("ADD_MEMBERSHIP 0");
  CALL(setsockopt(fd, SOL_NETLINK, 999, &one, sizeof one)); result("unknown option");
  CALL(setsockopt(fd, SOL_IP, 1, &one, sizeof one)); result("SOL_IP option");
  close(fd);
}

static void libc(void) {
  printf("libc\n");
  struct ifaddrs *list;
  CALL(getifaddrs(&list)); result("getifaddrs");
  for (struct ifaddrs *i = list; i; i = i->ifa_next) {
    if (strcmp(i->ifa_name, "lo") != 0) continue;
    int family = i->ifa_addr ? i->ifa_addr->sa_family : -1;
    printf("  lo family %d flags %#x", family, i->ifa_flags);
    if (family == AF_INET) {
      print_addr("addr", AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr);
      print_addr("mask", AF_INET, &((struct sockaddr_in *)i->ifa_netmask)->sin_addr);
    } else if (family == AF_INET6) {
      print_addr("addr", AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr);
      print_addr("mask", AF_INET6, &((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr);
    }
    printf(" data %s\n", i->ifa_data ? "yes" : "no");
  }
  freeifaddrs(list);
  struct if_nameindex *names = if_nameindex();
  for (struct if_nameindex *n = names; n && n->if_index; n++)
    if (n->if_index == 1) printf("  if_nameindex: 1 %s\n", n->if_name);
  if_freenameindex(names);
  char name[IF_NAMESIZE];
  printf("  if_indextoname(1): %s\n", if_indextoname(1, name));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  ports();
  dumps();
  singles();
  route_gets();
  changes();
  reading();
  libc();
  return 0;
}
