// Conformance: ping sockets (SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6) on loopback — an
// echo request answered with a reply that carries the socket's identifier, the request's
// sequence number and data, and a valid checksum, from the address pinged (port 0); what a send
// refuses (another ICMP type, a message shorter than the header: EINVAL; no route: ENETUNREACH);
// the identifier bind chooses; IPv6's echo. Needs net.ipv4.ping_group_range to hold the caller's
// group (the test runs it natively in a network namespace of its own that allows every group).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *err(long r) {
  return r < 0 ? strerrorname_np(errno) : "ok";
}

/** RFC 1071's checksum of `len` bytes, after the partial sum `sum`. */
static uint16_t checksum(const uint8_t *p, size_t len, uint32_t sum) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (len % 2) sum += (uint32_t)(p[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/** An echo request: type, code 0, id 0x1234 (which the kernel replaces), `seq`, `n` bytes of data. */
static size_t request(uint8_t *m, int type, int seq, size_t n) {
  memset(m, 0, 8);
  m[0] = (uint8_t)type;
  m[4] = 0x12, m[5] = 0x34;
  m[6] = (uint8_t)(seq >> 8), m[7] = (uint8_t)seq;
  for (size_t i = 0; i < n; i++) m[8 + i] = (uint8_t)('a' + i % 26);
  return 8 + n;
}

static void ipv4(void) {
  int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
  printf("socket: %s\n", err(s));
  if (s < 0) return;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(7)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  uint8_t m[256], r[256];
  size_t len = request(m, 8, 1, 40);
  printf("send: %ld\n", (long)sendto(s, m, len, 0, (struct sockaddr *)&to, sizeof to));
  struct sockaddr_in local;
  socklen_t ll = sizeof local;
  getsockname(s, (struct sockaddr *)&local, &ll);
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  long n = recvfrom(s, r, sizeof r, 0, (struct sockaddr *)&from, &fl);
  char addr[32];
  inet_ntop(AF_INET, &from.sin_addr, addr, sizeof addr);
  printf("reply: %ld bytes, type %d code %d, id is the socket's %d, seq %d, data same %d, checksum valid %d, from %s port %d\n",
         n, r[0], r[1], (r[4] << 8 | r[5]) == ntohs(local.sin_port), r[6] << 8 | r[7], memcmp(r + 8, m + 8, 40) == 0,
         checksum(r, (size_t)n, 0) == 0, addr, ntohs(from.sin_port));
  printf("an id was chosen %d\n", ntohs(local.sin_port) != 0);

  size_t other = request(m, 13, 2, 4); // a timestamp request
  printf("send of another type: %s\n", err(sendto(s, m, other, 0, (struct sockaddr *)&to, sizeof to)));
  printf("send of 4 bytes: %s\n", err(sendto(s, m, 4, 0, (struct sockaddr *)&to, sizeof to)));
  struct sockaddr_in far = {.sin_family = AF_INET};
  inet_pton(AF_INET, "192.0.2.1", &far.sin_addr);
  len = request(m, 8, 3, 8);
  printf("send off loopback: %s\n", err(sendto(s, m, len, 0, (struct sockaddr *)&far, sizeof far)));
  close(s);

  // bind chooses the identifier.
  s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(4242)};
  inet_pton(AF_INET, "127.0.0.1", &at.sin_addr);
  printf("bind id 4242: %s\n", err(bind(s, (struct sockaddr *)&at, sizeof at)));
  len = request(m, 8, 9, 0);
  sendto(s, m, len, 0, (struct sockaddr *)&to, sizeof to);
  n = recv(s, r, sizeof r, 0);
  printf("reply: %ld bytes, id %d, seq %d\n", n, r[4] << 8 | r[5], r[6] << 8 | r[7]);
  close(s);
}

static void ipv6(void) {
  int s = socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);
  printf("socket6: %s\n", err(s));
  if (s < 0) return;
  struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  uint8_t m[128], r[128];
  size_t len = request(m, 128, 5, 16);
  printf("send6: %ld\n", (long)sendto(s, m, len, 0, (struct sockaddr *)&to, sizeof to));
  struct sockaddr_in6 local;
  socklen_t ll = sizeof local;
  getsockname(s, (struct sockaddr *)&local, &ll);
  long n = recv(s, r, sizeof r, 0);
  // ICMPv6's checksum covers a pseudo-header: ::1 to ::1, the length, next header 58.
  uint32_t pseudo = 1 + 1 + (uint32_t)n + 58;
  printf("reply6: %ld bytes, type %d, id is the socket's %d, seq %d, data same %d, checksum valid %d\n", n, r[0],
         (r[4] << 8 | r[5]) == ntohs(local.sin6_port), r[6] << 8 | r[7], memcmp(r + 8, m + 8, 16) == 0,
         checksum(r, (size_t)n, pseudo) == 0);
  len = request(m, 8, 6, 0); // ICMPv4's echo type on an ICMPv6 socket
  printf("send6 of ICMPv4's type: %s\n", err(sendto(s, m, len, 0, (struct sockaddr *)&to, sizeof to)));
  close(s);
}

int main(void) {
  ipv4();
  ipv6();
  return 0;
}
