// Pseudo-terminals: posix_openpt/grantpt/unlockpt/ptsname, canonical input with erase and echo,
// output processing, ^C sending SIGINT to the foreground group, raw reads with VMIN.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t got_int;
static void on_int(int sig) { (void)sig; got_int = 1; }

// Print bytes with control characters escaped.
static void show(const char *label, const char *s, ssize_t n) {
  printf("%s: \"", label);
  for (ssize_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (c == '\r') printf("\\r");
    else if (c == '\n') printf("\\n");
    else if (c == '\b') printf("\\b");
    else if (c < 0x20 || c == 0x7f) printf("\\x%02x", c);
    else putchar(c);
  }
  printf("\"\n");
  fflush(stdout);
}

// Read from the master until `end` has been seen.
static void read_until(int m, const char *end, const char *label) {
  char buf[256];
  size_t len = 0;
  while (len < sizeof buf - 1) {
    ssize_t n = read(m, buf + len, sizeof buf - 1 - len);
    if (n <= 0) break;
    len += n;
    buf[len] = 0;
    if (strstr(buf, end)) break;
  }
  show(label, buf, len);
}

static void report(int fd, const char *msg) { write(fd, msg, strlen(msg)); }

/* A non-canonical read's VMIN and VTIME. */
static void read_mode(int fd, struct termios *t, int vmin, int vtime) {
  t->c_cc[VMIN] = vmin;
  t->c_cc[VTIME] = vtime;
  tcsetattr(fd, TCSANOW, t);
}

/* Copy `lines` lines the child reported to stdout. */
static void relay(FILE *from, int lines) {
  char line[256];
  while (lines-- > 0 && fgets(line, sizeof line, from)) fputs(line, stdout);
  fflush(stdout);
}

/** tcflush, tcflow and tcsendbreak on a pty: what each queue holds after a flush, and the errors. */
static void flushes(void) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  grantpt(m);
  unlockpt(m);
  int s = open(ptsname(m), O_RDWR | O_NOCTTY);
  struct termios t;
  tcgetattr(s, &t);
  cfmakeraw(&t);
  tcsetattr(s, TCSANOW, &t);
  int n = -1;
  if (write(m, "abc", 3) != 3 || write(s, "xyz", 3) != 3) return;
  usleep(10000);
  printf("tcflush(slave, TCIFLUSH) %d", tcflush(s, TCIFLUSH));
  ioctl(s, FIONREAD, &n);
  printf(": slave input %d", n);
  ioctl(m, FIONREAD, &n);
  printf(", master input %d\n", n);
  printf("tcflush(master, TCIFLUSH) %d", tcflush(m, TCIFLUSH));
  ioctl(m, FIONREAD, &n);
  printf(": master input %d\n", n);
  if (write(m, "abc", 3) != 3) return;
  usleep(10000);
  printf("tcflush(master, TCOFLUSH) %d", tcflush(m, TCOFLUSH));
  ioctl(s, FIONREAD, &n);
  printf(": slave input %d", n);
  printf("; tcflush(slave, TCIOFLUSH) %d", tcflush(s, TCIOFLUSH));
  ioctl(s, FIONREAD, &n);
  printf(": slave input %d\n", n);
  int r = tcflush(s, -1);
  printf("tcflush -1: %d %s; ", r, strerrorname_np(errno));
  r = tcflow(s, -1);
  printf("tcflow -1: %d %s; ", r, strerrorname_np(errno));
  printf("tcflow TCOOFF, TCOON: %d %d; tcsendbreak: %d %d; tcdrain %d\n", tcflow(s, TCOOFF), tcflow(s, TCOON),
         tcsendbreak(s, 0), tcsendbreak(s, 1), tcdrain(s));
  close(s);
  close(m);
}

int main(void) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0) { perror("posix_openpt"); return 1; }
  const char *name = ptsname(m);
  printf("ptsname under /dev/pts: %d\n", name && strncmp(name, "/dev/pts/", 9) == 0);
  int early = open(name, O_RDWR | O_NOCTTY);
  printf("open before unlockpt: %s\n", early < 0 ? strerror(errno) : "opened");
  printf("grantpt %d unlockpt %d\n", grantpt(m), unlockpt(m));
  struct termios t;
  printf("tcgetattr master %d\n", tcgetattr(m, &t));
  printf("icanon %d echo %d isig %d icrnl %d onlcr %d\n", !!(t.c_lflag & ICANON), !!(t.c_lflag & ECHO),
         !!(t.c_lflag & ISIG), !!(t.c_iflag & ICRNL), !!(t.c_oflag & ONLCR));
  fflush(stdout);

  int p[2];
  pipe(p);
  pid_t child = fork();
  if (child == 0) {
    close(p[0]);
    struct sigaction sa = {0};
    sa.sa_handler = on_int; // no SA_RESTART: the read is interrupted
    sigaction(SIGINT, &sa, NULL);
    setsid();
    int s = open(name, O_RDWR); // a session leader's first terminal becomes its controlling one
    char msg[128], buf[64];
    snprintf(msg, sizeof msg, "child: fg is own group %d, sid is own %d\n", tcgetpgrp(s) == getpid(),
             tcgetsid(s) == getpid());
    report(p[1], msg);
    ssize_t n = read(s, buf, sizeof buf);
    snprintf(msg, sizeof msg, "child: read %zd \"%.*s\"\n", n, (int)(n > 0 ? n - 1 : 0), buf);
    report(p[1], msg);
    write(s, "out\n", 4);
    n = read(s, buf, sizeof buf); // interrupted by ^C's SIGINT
    snprintf(msg, sizeof msg, "child: read after ^C %zd %s, got SIGINT %d\n", n, n < 0 ? strerror(errno) : "",
             got_int);
    report(p[1], msg);
    struct termios raw;
    tcgetattr(s, &raw);
    raw.c_lflag &= ~(ICANON | ECHO);
    read_mode(s, &raw, 3, 0);
    report(p[1], "child: raw\n");
    n = read(s, buf, sizeof buf);
    snprintf(msg, sizeof msg, "child: raw read %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
    report(p[1], msg);
    read_mode(s, &raw, 0, 2); // VTIME alone: wait that long for any input, else return 0
    n = read(s, buf, sizeof buf);
    snprintf(msg, sizeof msg, "child: VTIME read with nothing typed %zd\n", n);
    report(p[1], msg);
    read_mode(s, &raw, 0, 50);
    report(p[1], "child: VTIME read waiting\n");
    n = read(s, buf, sizeof buf);
    snprintf(msg, sizeof msg, "child: VTIME read %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
    report(p[1], msg);
    _exit(0);
  }
  close(p[1]);
  FILE *from_child = fdopen(p[0], "r");
  relay(from_child, 1);
  write(m, "hellx\x7fo\r", 8);
  read_until(m, "out\r\n", "echo, then what the slave wrote");
  relay(from_child, 1);
  usleep(100000);
  write(m, "\x03", 1);
  read_until(m, "^C", "echo of ^C");
  relay(from_child, 2);
  write(m, "xyz", 3);
  relay(from_child, 3); // the raw read, the timed-out VTIME read, then the waiting one
  write(m, "k", 1);
  relay(from_child, 1);
  int status;
  waitpid(child, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
  flushes();
  return 0;
}
