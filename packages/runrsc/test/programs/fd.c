// Conformance: descriptor features — close_range, RLIMIT_NOFILE, pipe sizes, slots and packets, flock, fcntl record
// locks (process-associated and OFD), memfd_create, preadv/pwritev(2), splice, tee, vmsplice.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

// Arguments are evaluated in any order: run the call first, then print its result and errno.
#define CALL(expr) (errno = 0, rv = (long)(expr), er = errno)
static long rv;
static int er;
static char path[64];

static void close_ranges(void) {
  for (int fd = 10; fd <= 15; fd++) dup2(1, fd);
  CALL(syscall(SYS_close_range, 11, 13, 0));
  printf("close_range %ld:", rv);
  for (int fd = 10; fd <= 15; fd++) printf(" %d", fcntl(fd, F_GETFD));
  printf("\n");
  CALL(syscall(SYS_close_range, 14, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */));
  printf("close_range cloexec %ld: %d %d %d\n", rv, fcntl(10, F_GETFD), fcntl(14, F_GETFD), fcntl(15, F_GETFD));
  CALL(syscall(SYS_close_range, 5, 4, 0));
  printf("close_range first>last %ld errno %d\n", rv, er);
  CALL(syscall(SYS_close_range, 0, 1, 0x80));
  printf("close_range bad flags %ld errno %d\n", rv, er);
  syscall(SYS_close_range, 10, ~0U, 0);
  printf("after close_range 10..: %d %d\n", fcntl(10, F_GETFD), fcntl(15, F_GETFD));
}

static void nofile_limit(void) {
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl = {16, 16};
    setrlimit(RLIMIT_NOFILE, &rl);
    int opened = 0;
    while (dup(0) >= 0) opened++;
    printf("nofile 16: dup until errno %d\n", errno);
    CALL(dup2(0, 16));
    printf("dup2 at the limit %ld errno %d\n", rv, er);
    CALL(fcntl(0, F_DUPFD, 16));
    printf("F_DUPFD at the limit %ld errno %d\n", rv, er);
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
}

static void pipe_sizes(void) {
  int p[2];
  pipe2(p, O_NONBLOCK);
  printf("pipe size %d\n", fcntl(p[0], F_GETPIPE_SZ));
  CALL(fcntl(p[1], F_SETPIPE_SZ, 5000));
  printf("set 5000 -> %ld, get %d\n", rv, fcntl(p[0], F_GETPIPE_SZ));
  CALL(fcntl(p[1], F_SETPIPE_SZ, 0));
  printf("set 0 -> %ld\n", rv);
  fcntl(p[1], F_SETPIPE_SZ, 8192);
  char buf[1024] = {0};
  long total = 0;
  while (write(p[1], buf, sizeof buf) > 0) total += sizeof buf;
  printf("8192-byte pipe held %ld\n", total);
  CALL(fcntl(p[1], F_SETPIPE_SZ, 4096));
  printf("shrink below content %ld errno %d\n", rv, er);
  CALL(fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
  printf("grow to 1 MiB %ld\n", rv);
  CALL(read(p[0], buf, sizeof buf));
  printf("content still there %ld\n", rv);
  int fd = open("/proc/self/exe", O_RDONLY);
  CALL(fcntl(fd, F_GETPIPE_SZ));
  printf("F_GETPIPE_SZ of a file %ld errno %d\n", rv, er);
  close(fd);
  close(p[0]);
  close(p[1]);
}

static int can_write(int fd) {
  struct pollfd pfd = {fd, POLLOUT, 0};
  return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT) != 0;
}

static int held(int fd) {
  int n = -1;
  ioctl(fd, FIONREAD, &n);
  return n;
}

// A pipe is a ring of page-sized slots: what it holds before it is full depends on how it was
// written, and a slot is free again only once all of it has been read.
static void pipe_pages(void) {
  static char buf[70000];
  int p[2];
  pipe2(p, O_NONBLOCK);
  long total = 0;
  for (long n; (n = write(p[1], buf, 1000)) > 0;) total += n;
  printf("1000-byte writes filled %ld, errno %d\n", total, errno);
  close(p[0]);
  close(p[1]);

  pipe2(p, O_NONBLOCK);
  while (write(p[1], buf, 4096) > 0) {}
  read(p[0], buf, 1);
  CALL(write(p[1], buf, 1));
  printf("full less one byte: write %ld errno %d, POLLOUT %d, held %d\n", rv, er, can_write(p[1]), held(p[0]));
  read(p[0], buf, 4095);
  printf("a page read: POLLOUT %d\n", can_write(p[1]));
  CALL(write(p[1], buf, 1));
  printf("write 1 %ld, POLLOUT %d\n", rv, can_write(p[1]));
  CALL(write(p[1], buf, 1));
  printf("then 1 more %ld errno %d, held %d\n", rv, er, held(p[0]));
  close(p[0]);
  close(p[1]);

  pipe2(p, O_NONBLOCK);
  write(p[1], buf, 100);
  CALL(write(p[1], buf, 70000));
  printf("100 bytes, then a 70000-byte write: %ld\n", rv);
  CALL(write(p[1], buf, 3000));
  printf("then 3000 (atomic) %ld errno %d\n", rv, er);
  close(p[0]);
  close(p[1]);

  pipe2(p, O_NONBLOCK);
  write(p[1], buf, 4096);
  read(p[0], buf, 4000);
  write(p[1], buf, 10); // the newest slot is read to its page's end: a new slot
  CALL(fcntl(p[1], F_SETPIPE_SZ, 4096));
  printf("106 bytes in two slots, shrink to one page %ld errno %d\n", rv, er);

  int q[2];
  pipe2(q, O_NONBLOCK);
  fcntl(q[1], F_SETPIPE_SZ, 4096);
  CALL(tee(p[0], q[1], 10, 0));
  printf("tee into a one-page pipe %ld, held %d\n", rv, held(q[0]));
  CALL(write(q[1], "x", 1));
  printf("write after tee %ld errno %d\n", rv, er);
  read(q[0], buf, sizeof buf);
  CALL(splice(p[0], NULL, q[1], NULL, 100, SPLICE_F_NONBLOCK));
  printf("splice 100 of 106 into it %ld, left %d\n", rv, held(p[0]));
  close(p[0]);
  close(p[1]);
  close(q[0]);
  close(q[1]);
}

/** Reads of one call each, printed as their lengths: "5 3 -1/11" (-1 and its errno at the end). */
static void reads(const char *what, int fd, size_t size) {
  static char buf[70000];
  printf("%s:", what);
  for (int i = 0; i < 20; i++) {
    CALL(read(fd, buf, size));
    if (rv < 0) { printf(" -1/%d", er); break; }
    printf(" %ld", rv);
  }
  printf("\n");
}

/** Packet mode (O_DIRECT): each write's slots are packets, and a read takes at most one. */
static void pipe_packets(void) {
  static char buf[70000];
  int p[2];
  CALL(pipe2(p, O_DIRECT | O_NONBLOCK));
  printf("pipe2 O_DIRECT %ld: read end O_DIRECT %d, write end %d\n", rv,
         !!(fcntl(p[0], F_GETFL) & O_DIRECT), !!(fcntl(p[1], F_GETFL) & O_DIRECT));
  write(p[1], "abc", 3);
  write(p[1], "defgh", 5);
  write(p[1], buf, 6000);
  printf("held %d\n", held(p[0]));
  reads("3, 5 and 6000 bytes", p[0], 100000);
  write(p[1], "0123456789", 10);
  write(p[1], "xyz", 3);
  CALL(read(p[0], buf, 4));
  printf("read 4 of a 10-byte packet %ld '%.4s', held %d\n", rv, buf, held(p[0]));
  CALL(read(p[0], buf, 10));
  printf("next %ld '%.3s'\n", rv, buf);
  long total = 0, writes = 0;
  for (long n; (n = write(p[1], "1", 1)) > 0; writes++) total += n;
  printf("1-byte packets fill at %ld bytes, errno %d, POLLOUT %d\n", total, errno, can_write(p[1]));
  read(p[0], buf, 100);
  printf("one packet read: POLLOUT %d\n", can_write(p[1]));
  reads("the rest, 1000 at a time", p[0], 1000);

  fcntl(p[1], F_SETFL, O_NONBLOCK);
  write(p[1], "ab", 2);
  write(p[1], "cd", 2);
  fcntl(p[1], F_SETFL, O_NONBLOCK | O_DIRECT);
  write(p[1], "ef", 2); // joins the newest slot, which a plain write made
  write(p[1], "gh", 2);
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  write(p[1], "ij", 2); // a packet is never joined
  reads("plain, joined packet, packet, plain", p[0], 100);

  fcntl(p[0], F_SETFL, O_NONBLOCK | O_DIRECT);
  printf("read end O_DIRECT by F_SETFL %d\n", !!(fcntl(p[0], F_GETFL) & O_DIRECT));
  write(p[1], "ab", 2);
  write(p[1], "cd", 2);
  reads("plain writes, read end O_DIRECT", p[0], 100);
  fcntl(p[0], F_SETFL, O_NONBLOCK);

  int q[2];
  pipe2(q, O_NONBLOCK);
  fcntl(p[1], F_SETFL, O_NONBLOCK | O_DIRECT);
  write(p[1], "1234", 4);
  write(p[1], "56", 2);
  CALL(tee(p[0], q[1], 100, SPLICE_F_NONBLOCK));
  printf("tee of two packets %ld\n", rv);
  reads("the copies", q[0], 100);
  CALL(splice(p[0], NULL, q[1], NULL, 5, SPLICE_F_NONBLOCK));
  printf("splice 5 of two packets %ld\n", rv);
  reads("what the splice moved", q[0], 100);
  reads("what it left", p[0], 100);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  write(fd, "from a file", 11);
  CALL(splice(fd, &(loff_t){0}, p[1], NULL, 11, SPLICE_F_NONBLOCK));
  printf("splice from a file into a packet pipe %ld\n", rv);
  reads("read it 4 at a time", p[0], 4);
  write(p[1], "pack", 4);
  write(p[1], "et", 2);
  CALL(splice(p[0], NULL, fd, &(loff_t){0}, 100, SPLICE_F_NONBLOCK));
  printf("splice of packets into a file %ld\n", rv);
  write(p[1], "vm", 2);
  write(p[1], "splice", 6);
  CALL(vmsplice(p[0], &(struct iovec){ buf, 100 }, 1, SPLICE_F_NONBLOCK));
  printf("vmsplice of packets to memory %ld\n", rv);
  close(fd);
  close(p[0]);
  close(p[1]);
  close(q[0]);
  close(q[1]);

  char fifo[64];
  snprintf(fifo, sizeof fifo, "/dev/shm/fd-packets-%d", getpid());
  mkfifo(fifo, 0600);
  CALL(open(fifo, O_RDONLY | O_NONBLOCK | O_DIRECT));
  printf("open a fifo O_DIRECT %ld errno %d\n", rv > 0 ? 0 : rv, er);
  int r = open(fifo, O_RDONLY | O_NONBLOCK);
  int w = open(fifo, O_WRONLY | O_NONBLOCK);
  CALL(fcntl(w, F_SETFL, O_NONBLOCK | O_DIRECT));
  printf("fifo F_SETFL O_DIRECT %ld, O_DIRECT %d\n", rv, !!(fcntl(w, F_GETFL) & O_DIRECT));
  write(w, "abc", 3);
  write(w, "de", 2);
  reads("fifo packets", r, 100);
  close(r);
  close(w);
  if (rv >= 0) close((int)rv);
  unlink(fifo);
}

static void flocks(void) {
  int a = open(path, O_RDWR | O_CREAT, 0600);
  int b = open(path, O_RDWR);
  printf("flock a ex %d\n", flock(a, LOCK_EX));
  CALL(flock(b, LOCK_EX | LOCK_NB));
  printf("flock b ex nb %ld errno %d\n", rv, er);
  CALL(flock(b, LOCK_SH | LOCK_NB));
  printf("flock b sh nb %ld errno %d\n", rv, er);
  int c = dup(a);
  printf("flock dup of a ex %d\n", flock(c, LOCK_EX | LOCK_NB));
  CALL(flock(a, LOCK_SH));
  printf("flock a -> sh %ld\n", rv);
  CALL(flock(b, LOCK_SH | LOCK_NB));
  printf("flock b sh %ld\n", rv);
  CALL(flock(a, 77));
  printf("flock bad op %ld errno %d\n", rv, er);
  flock(b, LOCK_UN);
  flock(a, LOCK_EX);
  int ready[2];
  pipe(ready);
  pid_t pid = fork();
  if (pid == 0) {
    close(a); // the child's copies would keep the parent's open file (and its lock) alive
    close(b);
    close(c);
    int d = open(path, O_RDWR);
    write(ready[1], "r", 1);
    int r = flock(d, LOCK_EX); // waits for the parent
    printf("child flock after wait %d\n", r);
    fflush(stdout);
    _exit(0);
  }
  char ch;
  read(ready[0], &ch, 1);
  usleep(100000);
  printf("parent unlocks\n");
  fflush(stdout);
  close(c);
  close(a); // the last fd of the open file: its flock goes
  waitpid(pid, NULL, 0);
  close(b);
  close(ready[0]);
  close(ready[1]);
}

static int setlk(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  return fcntl(fd, cmd, &fl);
}

static void getlk(const char *what, int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  CALL(fcntl(fd, cmd, &fl));
  if (fl.l_type == F_UNLCK) printf("%s: %ld unlocked\n", what, rv);
  else
    printf("%s: %ld type %d start %ld len %ld pid %s\n", what, rv, fl.l_type, (long)fl.l_start, (long)fl.l_len,
           fl.l_pid == -1 ? "-1" : fl.l_pid == getppid() ? "parent" : fl.l_pid == getpid() ? "self" : "other");
}

static void on_alarm(int sig) { (void)sig; }

static void record_locks(void) {
  int fd = open(path, O_RDWR);
  printf("setlk w 0+10 %d\n", setlk(fd, F_SETLK, F_WRLCK, 0, 10));
  printf("setlk w 10+10 %d\n", setlk(fd, F_SETLK, F_WRLCK, 10, 10));
  printf("setlk r 30+0 %d\n", setlk(fd, F_SETLK, F_RDLCK, 30, 0));
  getlk("own getlk", fd, F_GETLK, F_WRLCK, 0, 0);
  int go[2], done[2];
  pipe(go);
  pipe(done);
  pid_t pid = fork();
  char ch;
  if (pid == 0) {
    int cfd = open(path, O_RDWR);
    getlk("child getlk 5+1", cfd, F_GETLK, F_RDLCK, 5, 1);
    getlk("child getlk 25+2", cfd, F_GETLK, F_WRLCK, 25, 2);
    getlk("child getlk r 40+1", cfd, F_GETLK, F_RDLCK, 40, 1);
    getlk("child getlk w 40+1", cfd, F_GETLK, F_WRLCK, 40, 1);
    CALL(setlk(cfd, F_SETLK, F_WRLCK, 15, 1));
    printf("child setlk 15 %ld errno %d\n", rv, er);
    printf("child setlk r 50+1 %d\n", setlk(cfd, F_SETLK, F_RDLCK, 50, 1));
    printf("child setlk r 60-5 %d\n", setlk(cfd, F_SETLK, F_RDLCK, 60, -5)); // bytes 55..59
    CALL(setlk(cfd, F_SETLK, F_RDLCK, 2, -5));
    printf("child setlk before 0 %ld errno %d\n", rv, er);
    struct flock from_end = {.l_type = F_RDLCK, .l_whence = SEEK_END, .l_start = 1073741824, .l_len = 510};
    CALL(fcntl(cfd, F_SETLK, &from_end));
    printf("child setlk from the end %ld\n", rv);
    struct flock bad = {.l_type = F_WRLCK, .l_whence = 9};
    CALL(fcntl(cfd, F_SETLK, &bad));
    printf("child bad whence %ld errno %d\n", rv, er);
    // A signal without SA_RESTART interrupts a waiting F_SETLKW.
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {.it_value = {0, 100000}};
    setitimer(ITIMER_REAL, &it, NULL);
    CALL(setlk(cfd, F_SETLKW, F_WRLCK, 0, 1));
    printf("child setlkw interrupted %ld errno %d\n", rv, er);
    fflush(stdout);
    write(go[1], "g", 1);
    CALL(setlk(cfd, F_SETLKW, F_WRLCK, 0, 1)); // granted once the parent closes an fd of the file
    printf("child setlkw after close %ld\n", rv);
    fflush(stdout);
    write(done[1], "d", 1);
    read(go[0], &ch, 1);
    _exit(0);
  }
  read(go[0], &ch, 1);
  int other = open(path, O_RDONLY);
  close(other); // closing any fd of the file drops the process's locks
  read(done[0], &ch, 1);
  getlk("parent getlk after child locked", fd, F_GETLK, F_WRLCK, 0, 0);
  getlk("parent getlk 57+1", fd, F_GETLK, F_WRLCK, 57, 1);
  write(go[1], "g", 1);
  waitpid(pid, NULL, 0);
  getlk("after child exit", fd, F_GETLK, F_WRLCK, 0, 0);
  // Splitting a lock by unlocking its middle.
  setlk(fd, F_SETLK, F_WRLCK, 0, 30);
  setlk(fd, F_SETLK, F_UNLCK, 10, 10);
  pid = fork();
  if (pid == 0) {
    getlk("split 0", fd, F_GETLK, F_RDLCK, 0, 0);
    getlk("split 10", fd, F_GETLK, F_RDLCK, 10, 10);
    getlk("split 15+", fd, F_GETLK, F_RDLCK, 15, 0);
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  CALL(setlk(fd, F_SETLK, 7, 0, 1));
  printf("bad type %ld errno %d\n", rv, er);
  int ro = open(path, O_RDONLY);
  CALL(setlk(ro, F_SETLK, F_WRLCK, 0, 1));
  printf("write lock on read-only fd %ld errno %d\n", rv, er);
  close(ro);
  setlk(fd, F_SETLK, F_UNLCK, 0, 0);
  // OFD locks belong to the open file: two opens in one process conflict.
  int a = open(path, O_RDWR), b = open(path, O_RDWR);
  printf("ofd a w %d\n", setlk(a, F_OFD_SETLK, F_WRLCK, 0, 5));
  CALL(setlk(b, F_OFD_SETLK, F_WRLCK, 2, 1));
  printf("ofd b w %ld errno %d\n", rv, er);
  getlk("ofd getlk from b", b, F_OFD_GETLK, F_RDLCK, 0, 1);
  getlk("ofd getlk from a", a, F_OFD_GETLK, F_RDLCK, 0, 1);
  CALL(setlk(fd, F_SETLK, F_RDLCK, 4, 1));
  printf("process lock vs ofd %ld errno %d\n", rv, er);
  struct flock withpid = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1};
  CALL(fcntl(b, F_OFD_SETLK, &withpid));
  printf("ofd with l_pid %ld errno %d\n", rv, er);
  close(a);
  printf("ofd b w after a closed %d\n", setlk(b, F_OFD_SETLK, F_WRLCK, 2, 1));
  close(b);
  close(fd);
}

static void memfds(void) {
  int fd = memfd_create("conf", MFD_CLOEXEC);
  printf("memfd cloexec %d\n", fcntl(fd, F_GETFD));
  printf("memfd write %zd\n", write(fd, "hello memfd", 11));
  char buf[32] = {0};
  CALL(pread(fd, buf, sizeof buf - 1, 6));
  printf("memfd pread %ld %s\n", rv, buf);
  struct stat st;
  fstat(fd, &st);
  printf("memfd size %ld regular %d nlink %ld\n", (long)st.st_size, S_ISREG(st.st_mode), (long)st.st_nlink);
  printf("memfd ftruncate %d\n", ftruncate(fd, 4096));
  fstat(fd, &st);
  printf("memfd size after ftruncate %ld\n", (long)st.st_size);
  char link[64], proc[32];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(proc, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("memfd link %s\n", link);
  printf("memfd seals %d\n", fcntl(fd, F_GET_SEALS));
  CALL(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
  printf("memfd add seal %ld errno %d\n", rv, er);
  CALL(memfd_create("bad", 0x100));
  printf("memfd bad flags %ld errno %d\n", rv, er);
  int f = open("/proc/self/exe", O_RDONLY);
  CALL(fcntl(f, F_GET_SEALS));
  printf("seals of a file %ld errno %d\n", rv, er);
  close(f);
  close(fd);
}

static void vectored(void) {
  int fd = open(path, O_RDWR | O_TRUNC);
  char a[] = "abc", b[] = "defgh";
  struct iovec w[2] = {{a, 3}, {b, 5}};
  printf("pwritev %zd\n", pwritev(fd, w, 2, 3));
  char x[4] = {0}, y[8] = {0};
  struct iovec r[2] = {{x, 3}, {y, 7}};
  CALL(preadv(fd, r, 2, 3));
  printf("preadv %ld '%s' '%s'\n", rv, x, y);
  printf("position %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  lseek(fd, 4, SEEK_SET);
  memset(x, 0, sizeof x);
  struct iovec one = {x, 2};
  CALL(preadv2(fd, &one, 1, -1, 0));
  printf("preadv2 -1 %ld '%s' position %ld\n", rv, x, (long)lseek(fd, 0, SEEK_CUR));
  struct iovec z = {"Z", 1};
  CALL(pwritev2(fd, &z, 1, -1, 0));
  printf("pwritev2 -1 %ld position %ld\n", rv, (long)lseek(fd, 0, SEEK_CUR));
  printf("pwritev2 at 0 RWF_DSYNC %zd\n", pwritev2(fd, &z, 1, 0, RWF_DSYNC));
  CALL(preadv2(fd, &one, 1, 0, 0x1000));
  printf("preadv2 unknown flag %ld errno %d\n", rv, er);
  CALL(preadv(fd, &one, 1, -1));
  printf("preadv -1 %ld errno %d\n", rv, er);
  CALL(preadv2(fd, &one, 1, -2, 0));
  printf("preadv2 -2 %ld errno %d\n", rv, er);
  char all[16] = {0};
  pread(fd, all, sizeof all - 1, 0);
  printf("file now %c%c%c%s\n", all[0] ? all[0] : '.', all[1] ? all[1] : '.', all[2] ? all[2] : '.', all + 3);
  int p[2];
  pipe(p);
  CALL(preadv(p[0], &one, 1, 0));
  printf("preadv on a pipe %ld errno %d\n", rv, er);
  close(p[0]);
  close(p[1]);
  close(fd);
}

static void splices(void) {
  int fd = open(path, O_RDWR | O_TRUNC);
  write(fd, "0123456789", 10);
  int p[2], q[2];
  pipe(p);
  pipe(q);
  loff_t off = 2;
  CALL(splice(fd, &off, p[1], NULL, 5, 0));
  printf("splice file->pipe %ld off %ld\n", rv, (long)off);
  printf("tee %zd\n", tee(p[0], q[1], 100, 0));
  char buf[32] = {0};
  CALL(read(q[0], buf, sizeof buf - 1));
  printf("tee copy %ld %s\n", rv, buf);
  off = 20;
  CALL(splice(p[0], NULL, fd, &off, 100, 0));
  printf("splice pipe->file %ld off %ld\n", rv, (long)off);
  memset(buf, 0, sizeof buf);
  pread(fd, buf, 5, 20);
  printf("file at 20 %s\n", buf);
  CALL(splice(p[0], NULL, fd, NULL, 10, SPLICE_F_NONBLOCK));
  printf("splice empty nonblock %ld errno %d\n", rv, er);
  CALL(splice(fd, NULL, fd, NULL, 10, 0));
  printf("splice file->file %ld errno %d\n", rv, er);
  off = 0;
  CALL(splice(p[0], &off, q[1], NULL, 10, 0));
  printf("splice pipe offset %ld errno %d\n", rv, er);
  CALL(tee(p[0], p[1], 10, 0));
  printf("tee same pipe %ld errno %d\n", rv, er);
  write(p[1], "xyz", 3);
  printf("splice pipe->pipe %zd\n", splice(p[0], NULL, q[1], NULL, 2, 0));
  memset(buf, 0, sizeof buf);
  CALL(read(q[0], buf, sizeof buf - 1));
  printf("got %ld %s\n", rv, buf);
  struct iovec v[2] = {{"vm", 2}, {"splice", 6}};
  printf("vmsplice %zd\n", vmsplice(q[1], v, 2, 0));
  memset(buf, 0, sizeof buf);
  CALL(read(q[0], buf, sizeof buf - 1));
  printf("got %ld %s\n", rv, buf);
  close(p[1]);
  printf("splice at EOF %zd\n", splice(p[0], NULL, q[1], NULL, 10, 0));
  close(p[0]);
  close(q[0]);
  close(q[1]);
  close(fd);
}

static void fifos(void) {
  char fifo[64];
  snprintf(fifo, sizeof fifo, "/dev/shm/fd-fifo-%d", getpid());
  printf("mkfifo %d\n", mkfifo(fifo, 0600));
  CALL(mkfifo(fifo, 0600));
  printf("mkfifo again %ld errno %d\n", rv, er);
  struct stat st;
  stat(fifo, &st);
  printf("fifo is a fifo %d mode %o\n", S_ISFIFO(st.st_mode), st.st_mode & 0777);
  CALL(open(fifo, O_WRONLY | O_NONBLOCK));
  printf("nonblocking writer without reader %ld errno %d\n", rv, er);
  int r = open(fifo, O_RDONLY | O_NONBLOCK);
  char buf[32] = {0};
  CALL(read(r, buf, sizeof buf));
  printf("nonblocking reader without writer: read %ld\n", rv);
  int w = open(fifo, O_WRONLY | O_NONBLOCK);
  printf("nonblocking writer with a reader %d, pipe size %d\n", w >= 0, fcntl(w, F_GETPIPE_SZ));
  write(w, "abc", 3);
  CALL(read(r, buf, sizeof buf));
  printf("read %ld %s\n", rv, buf);
  close(w);
  close(r);
  pid_t pid = fork();
  if (pid == 0) {
    int cw = open(fifo, O_WRONLY); // waits for the parent's reader
    write(cw, "through a fifo", 14);
    close(cw);
    _exit(0);
  }
  int pr = open(fifo, O_RDONLY);
  memset(buf, 0, sizeof buf);
  long total = 0;
  for (long n; (n = read(pr, buf + total, sizeof buf - 1 - total)) > 0;) total += n;
  printf("reader got %ld: %s\n", total, buf);
  close(pr);
  waitpid(pid, NULL, 0);
  unlink(fifo);
}

/** The ioctls every fd takes: FIONBIO and FIOASYNC set status flags, FIOQSIZE gives a file's allocated bytes. */
static void fd_ioctls(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return;
  int on = 1, off = 0;
  char c;
  CALL(ioctl(sv[0], FIONBIO, &on));
  printf("FIONBIO on: %ld, O_NONBLOCK %d", rv, (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
  CALL(read(sv[0], &c, 1));
  printf(", read %ld %s", rv, strerrorname_np(er));
  ioctl(sv[0], FIONBIO, &off);
  printf(", off: O_NONBLOCK %d\n", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
  int p[2];
  if (pipe(p) != 0) return;
  CALL(ioctl(p[0], FIOASYNC, &on));
  printf("FIOASYNC on a pipe: %ld, O_ASYNC %d\n", rv, (fcntl(p[0], F_GETFL) & O_ASYNC) != 0);
  ioctl(p[0], FIOASYNC, &off);
  CALL(ioctl(sv[1], FIONBIO, (int *)8));
  printf("FIONBIO with a bad pointer: %s\n", strerrorname_np(er));
  char qpath[64];
  snprintf(qpath, sizeof qpath, "/tmp/fd-ioctl.%d", getpid());
  int f = open(qpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (write(f, "12345", 5) != 5) return;
  loff_t size = -1;
  CALL(ioctl(f, FIOQSIZE, &size));
  printf("FIOQSIZE of a file: %ld (its allocated bytes: when, depends on the file system); of a pipe: ", rv);
  CALL(ioctl(p[0], FIOQSIZE, &size));
  printf("%s\n", strerrorname_np(er));
  /* FIONREAD: a regular file's bytes after the offset, a pipe's (either end), a socket's. */
  int n = -1;
  lseek(f, 2, SEEK_SET);
  CALL(ioctl(f, FIONREAD, &n));
  printf("FIONREAD of a 5-byte file at 2: %ld %d", rv, n);
  lseek(f, 9, SEEK_SET);
  ioctl(f, FIONREAD, &n);
  printf(", at 9: %d\n", n);
  if (write(p[1], "abc", 3) != 3) return;
  int nr = -1, nw = -1;
  ioctl(p[0], FIONREAD, &nr);
  ioctl(p[1], FIONREAD, &nw);
  printf("FIONREAD of a pipe holding 3 bytes: read end %d, write end %d\n", nr, nw);
  if (write(sv[1], "hello", 5) != 5 || write(sv[1], "!", 1) != 1) return;
  read(sv[0], &c, 1);
  ioctl(sv[0], FIONREAD, &n);
  printf("FIONREAD of a stream socket after reading 1 of 6: %d\n", n);
  int dg[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) != 0) return;
  if (send(dg[1], "abc", 3, 0) != 3 || send(dg[1], "defghij", 7, 0) != 7) return;
  ioctl(dg[0], FIONREAD, &n);
  printf("FIONREAD of a datagram socket holding 3 and 7 bytes: %d\n", n);
  close(dg[0]);
  close(dg[1]);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr = {AF_UNIX};
  snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "fd-ioctl-%d", getpid());
  if (bind(l, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(l, 1) != 0) return;
  CALL(ioctl(l, FIONREAD, &n));
  printf("FIONREAD of a listening socket: %s\n", strerrorname_np(er));
  close(l);
  close(f);
  unlink(qpath);
  close(p[0]);
  close(p[1]);
  close(sv[0]);
  close(sv[1]);
}

int main(void) {
  snprintf(path, sizeof path, "/tmp/fd-conformance-%d", getpid());
  setvbuf(stdout, NULL, _IOLBF, 0);
  close_ranges();
  nofile_limit();
  pipe_sizes();
  pipe_pages();
  pipe_packets();
  flocks();
  record_locks();
  memfds();
  vectored();
  splices();
  fifos();
  fd_ioctls();
  unlink(path);
  return 0;
}
