// Escape probes beyond the file system: host pids, host-only syscalls, the 32-bit ABIs, fds the
// guest never opened, and memory it was never given. Every probe prints one line
//
//   <what it tried>: blocked (<how>)      or      <what it tried>: ESCAPED (<what happened>)
//
// and escape.test.ts fails on any ESCAPED. A probe counts as blocked only when its answer is one
// a pass-through to the host could not give (the arguments are chosen so that the host's answer
// would differ and be harmless). Every syscall is raw, so the C library cannot answer on its own.
//
//   probes hostpid     reads host pids (one a line) from stdin, then signals, traces and reads them
//   probes syscalls    host-only syscalls; argv[2] is a host block device to try to mount,
//                      argv[3] the host's hostname (the guest must see another)
//   probes abi         int 0x80 (i386) and x32 syscall numbers
//   probes int80       int 0x80 getpid alone (run natively: does the host run i386 syscalls?)
//   probes fds         read/write/fstat/close/... on fds 3..1023, none of them opened
//   probes memory      the trampoline page, /proc/self/mem, MAP_SHARED of /proc/self/mem
//   probes network     the host's network: argv[2] a TCP and UDP port the host listens on (on
//                      every address), argv[3] one of the host's own non-loopback IPv4 addresses
//
// Only "fds" is safe to run natively (and must agree with Linux there).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/reboot.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/** The platform's trampoline page (docs/platform.md): reserved in every guest address space. */
#define TRAMPOLINE 0x7ff000000000UL
#define X32_BIT 0x40000000L

static int escapes;

static const char *ename(int e) {
  const char *n = strerrorname_np(e);
  return n ? n : "E?";
}

/** Reports a call that must fail with one of the errnos in `allowed` (a NUL-separated list). */
static void expect_fail(const char *what, long ret, const char *allowed) {
  int e = errno;
  if (ret == -1) {
    for (const char *a = allowed; *a; a += strlen(a) + 1) {
      if (!strcmp(a, ename(e))) {
        printf("%s: blocked (%s)\n", what, ename(e));
        return;
      }
    }
    printf("%s: ESCAPED (-1 %s, which only the host gives)\n", what, ename(e));
  } else {
    printf("%s: ESCAPED (returned %ld)\n", what, ret);
  }
  escapes++;
}

#define NO_PID "ESRCH\0EPERM\0ENOSYS\0"
#define REFUSED "EPERM\0ENOSYS\0"

static void probe_pid(long pid) {
  char what[160], path[64];
  char buf[64];
  struct iovec local = { buf, sizeof buf };
  struct iovec remote = { (void *)0x1000, sizeof buf }; // never mapped on the host: EFAULT there
#define TRY(fmt, call, allowed)                                                                    \
  do {                                                                                             \
    snprintf(what, sizeof what, fmt, pid);                                                         \
    errno = 0;                                                                                     \
    long r_ = (call);                                                                              \
    expect_fail(what, r_, allowed);                                                                \
  } while (0)
  TRY("kill(%ld, 0)", syscall(SYS_kill, pid, 0), NO_PID);
  TRY("kill(%ld, SIGWINCH)", syscall(SYS_kill, pid, SIGWINCH), NO_PID);
  TRY("kill(-%ld, SIGWINCH) (its group)", syscall(SYS_kill, -pid, SIGWINCH), NO_PID);
  TRY("tgkill(%ld, same, SIGWINCH)", syscall(SYS_tgkill, pid, pid, SIGWINCH), NO_PID);
  siginfo_t si = { .si_signo = SIGWINCH, .si_code = SI_QUEUE };
  TRY("rt_sigqueueinfo(%ld, SIGWINCH)", syscall(SYS_rt_sigqueueinfo, pid, SIGWINCH, &si), NO_PID);
  TRY("ptrace(PTRACE_ATTACH, %ld)", syscall(SYS_ptrace, PTRACE_ATTACH, pid, 0, 0), NO_PID);
  TRY("ptrace(PTRACE_SEIZE, %ld)", syscall(SYS_ptrace, PTRACE_SEIZE, pid, 0, 0), NO_PID);
  TRY("process_vm_readv(%ld)", syscall(SYS_process_vm_readv, pid, &local, 1, &remote, 1, 0), NO_PID);
  TRY("process_vm_writev(%ld)", syscall(SYS_process_vm_writev, pid, &local, 1, &remote, 1, 0), NO_PID);
  TRY("pidfd_open(%ld)", syscall(SYS_pidfd_open, pid, 0), NO_PID);
  TRY("kcmp(self, %ld)", syscall(SYS_kcmp, getpid(), pid, 0 /* KCMP_FILE */, 0, 0), NO_PID);
  TRY("sched_getparam(%ld)", syscall(SYS_sched_getparam, pid, buf), NO_PID);
  TRY("getpgid(%ld)", syscall(SYS_getpgid, pid), NO_PID);
  TRY("getsid(%ld)", syscall(SYS_getsid, pid), NO_PID);
  TRY("prlimit64(%ld, RLIMIT_NOFILE, NULL, &old)", syscall(SYS_prlimit64, pid, 7, NULL, buf), NO_PID);
  TRY("setpriority(PRIO_PROCESS, %ld, 19)", syscall(SYS_setpriority, 0, pid, 19), NO_PID);
  TRY("get_robust_list(%ld)", syscall(SYS_get_robust_list, pid, buf, buf + 8), NO_PID);
  const char *links[] = { "status", "root", "cwd", "exe", "mem", "environ" };
  for (unsigned i = 0; i < sizeof links / sizeof *links; i++) {
    snprintf(path, sizeof path, "/proc/%ld/%s", pid, links[i]);
    snprintf(what, sizeof what, "open %s", path);
    errno = 0;
    expect_fail(what, syscall(SYS_openat, AT_FDCWD, path, O_RDONLY), "ENOENT\0");
  }
#undef TRY
}

static void hostpid(void) {
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    long pid = strtol(line, NULL, 10);
    if (pid > 0) probe_pid(pid);
  }
  // Every process but init: only the container's own may hear it.
  errno = 0;
  long r = syscall(SYS_kill, -1, SIGWINCH);
  printf("kill(-1, SIGWINCH): %s (%s)\n", "blocked", r == 0 ? "reached only the container" : ename(errno));
}

static void syscalls(const char *device, const char *host_name) {
  struct timespec bad_time = { .tv_sec = -1, .tv_nsec = 0 };
  // Each comment says what the host would answer root, had the call passed through.
  errno = 0; // host: EINVAL (bad magic)
  expect_fail("reboot(bad magic)", syscall(SYS_reboot, 0xdead, 0xbeef, LINUX_REBOOT_CMD_CAD_OFF, 0), REFUSED);
  errno = 0; // host: EBADF
  expect_fail("kexec_file_load(-1, -1)", syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL), REFUSED);
  errno = 0; // host: ENOENT (no /probe-mnt on the host)
  expect_fail("mount(host device, /probe-mnt, ext4, MS_RDONLY)",
              syscall(SYS_mount, device, "/probe-mnt", "ext4", MS_RDONLY, NULL), "EPERM\0ENOSYS\0ENODEV\0ENOTBLK\0");
  errno = 0; // host: EBADF
  expect_fail("finit_module(-1)", syscall(SYS_finit_module, -1, "", 0), REFUSED);
  errno = 0; // host: ENOENT
  expect_fail("delete_module(\"rvisor_probe_none\")", syscall(SYS_delete_module, "rvisor_probe_none", O_NONBLOCK), REFUSED);
  errno = 0; // host: a new network namespace for the guest's host process
  expect_fail("unshare(CLONE_NEWNET)", syscall(SYS_unshare, CLONE_NEWNET), REFUSED);
  errno = 0; // host: a new mount namespace
  expect_fail("unshare(CLONE_NEWNS)", syscall(SYS_unshare, CLONE_NEWNS), REFUSED);
  errno = 0; // host: EBADF
  expect_fail("setns(-1, 0)", syscall(SYS_setns, -1, 0), "EPERM\0ENOSYS\0EBADF\0");
  // Without namespace files there is nothing to join; with one, joining must still be refused.
  errno = 0;
  int ns = open("/proc/self/ns/mnt", O_RDONLY);
  expect_fail("setns(/proc/self/ns/mnt)", ns < 0 ? -1 : syscall(SYS_setns, ns, 0), "EPERM\0ENOSYS\0ENOENT\0");
  errno = 0; // host: EINVAL or EBUSY
  expect_fail("pivot_root(/tmp, /tmp)", syscall(SYS_pivot_root, "/tmp", "/tmp"), REFUSED);
  errno = 0; // host: ENOENT
  expect_fail("swapon(/rvisor-probe-none)", syscall(SYS_swapon, "/rvisor-probe-none", 0), REFUSED);
  errno = 0; // host: ENOENT
  expect_fail("swapoff(/rvisor-probe-none)", syscall(SYS_swapoff, "/rvisor-probe-none"), REFUSED);
  errno = 0; // host: ENOENT
  expect_fail("acct(/rvisor-probe-none)", syscall(SYS_acct, "/rvisor-probe-none"), REFUSED);
  errno = 0; // host: 0 (sets nothing)
  expect_fail("settimeofday(NULL, NULL)", syscall(SYS_settimeofday, NULL, NULL), REFUSED);
  errno = 0; // host: EINVAL
  expect_fail("clock_settime(CLOCK_REALTIME, -1 s)", syscall(SYS_clock_settime, CLOCK_REALTIME, &bad_time), "EPERM\0ENOSYS\0EINVAL\0");
  // The hostname a guest reads is the container's, never the host's.
  char name[65] = { 0 };
  gethostname(name, sizeof name);
  printf("hostname is virtual: %s\n", strcmp(name, host_name) ? "yes" : "no");
  errno = 0; // host: EINVAL (bad level)
  expect_fail("iopl(3)", syscall(SYS_iopl, 3), REFUSED);
  errno = 0;
  expect_fail("ioperm(0x80, 1, 1)", syscall(SYS_ioperm, 0x80, 1, 1), REFUSED);
  errno = 0; // host: the size of the kernel log (SYSLOG_ACTION_SIZE_BUFFER only reads it)
  expect_fail("syslog(SIZE_BUFFER)", syscall(SYS_syslog, 10, NULL, 0), REFUSED);
  errno = 0;
  expect_fail("vhangup()", syscall(SYS_vhangup), REFUSED);
  errno = 0; // host: ENOENT
  expect_fail("quotactl(Q_SYNC, /rvisor-probe-none)", syscall(SYS_quotactl, 0x800001, "/rvisor-probe-none", 0, NULL), "EPERM\0ENOSYS\0");
  errno = 0;
  expect_fail("add_key(user)", syscall(SYS_add_key, "user", "rvisor-probe", "x", 1, -2 /* session */), REFUSED);
  errno = 0;
  expect_fail("request_key(user)", syscall(SYS_request_key, "user", "rvisor-probe", NULL, 0), REFUSED);
  errno = 0;
  expect_fail("open_by_handle_at(/, ...)", syscall(SYS_open_by_handle_at, AT_FDCWD, name, O_RDONLY), "EPERM\0ENOSYS\0");
}

/** Runs `fn` in a child; returns its exit status as waitpid gives it. */
static int in_child(long (*fn)(long), long arg, int fds[2]) {
  pid_t child = fork();
  if (child == 0) {
    long r = fn(arg);
    write(fds[1], &r, sizeof r);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return status;
}

static long int80_getpid(long unused) {
  (void)unused;
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
  return r;
}

static long int80_kill(long pid) {
  long r;
  // i386 kill is 37: ebx = pid, ecx = signal.
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(37L), "b"(pid), "c"((long)SIGWINCH) : "memory");
  return r;
}

static void report_child(const char *what, int status, int fds[2], long own_pid) {
  if (WIFSIGNALED(status)) {
    printf("%s: blocked (killed by signal %d)\n", what, WTERMSIG(status));
    return;
  }
  long r = 0;
  read(fds[0], &r, sizeof r);
  if (r < 0 || (own_pid && r == own_pid)) printf("%s: blocked (answered %ld)\n", what, r);
  else {
    printf("%s: ESCAPED (returned %ld)\n", what, r);
    escapes++;
  }
}

/**
 * rtnetlink is the kernel's own: it lists the container's loopback alone, never the host's
 * interfaces, and changes nothing even for the container's root. Other protocols are refused.
 */
static void netlink(void) {
  struct if_nameindex *names = if_nameindex();
  int others = 0;
  for (struct if_nameindex *n = names; n && n->if_index; n++) others += strcmp(n->if_name, "lo") != 0;
  if (names && !others) printf("rtnetlink's interfaces: blocked (lo alone)\n");
  else {
    printf("rtnetlink's interfaces: ESCAPED (%d of the host's)\n", others);
    escapes++;
  }
  if_freenameindex(names);
  // ip addr add 192.0.2.77/32 dev lo
  int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  struct {
    struct nlmsghdr h;
    struct ifaddrmsg a;
    struct rtattr local;
    unsigned char addr[4];
  } req = {{sizeof req, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1, 0},
           {AF_INET, 32, 0, 0, 1}, {RTA_LENGTH(4), IFA_LOCAL}, {192, 0, 2, 77}};
  send(fd, &req, sizeof req, 0);
  struct { struct nlmsghdr h; struct nlmsgerr e; } ack = {0};
  recv(fd, &ack, sizeof ack, 0);
  errno = ack.h.nlmsg_type == NLMSG_ERROR ? -ack.e.error : 0;
  expect_fail("rtnetlink RTM_NEWADDR 192.0.2.77 on lo", errno ? -1 : 0, "EOPNOTSUPP\0");
  close(fd);
  expect_fail("socket(AF_NETLINK, NETLINK_SOCK_DIAG)", syscall(SYS_socket, 16, SOCK_RAW, 4 /* NETLINK_SOCK_DIAG */), "EPROTONOSUPPORT\0");
}

static void abi(long host_pid) {
  int fds[2];
  pipe(fds);
  report_child("int 0x80 getpid", in_child(int80_getpid, 0, fds), fds, -1);
  report_child("int 0x80 kill(host pid, SIGWINCH)", in_child(int80_kill, host_pid, fds), fds, 0);
  errno = 0;
  expect_fail("x32 getpid", syscall(X32_BIT | SYS_getpid), "ENOSYS\0");
  errno = 0;
  expect_fail("x32 kill(host pid, SIGWINCH)", syscall(X32_BIT | SYS_kill, host_pid, SIGWINCH), "ENOSYS\0");
  errno = 0;
  expect_fail("x32 openat(/etc/passwd)", syscall(X32_BIT | SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY), "ENOSYS\0");
  errno = 0;
  expect_fail("syscall number -1", syscall(-1L), "ENOSYS\0");
  errno = 0;
  expect_fail("syscall number 0x7fffffff", syscall(0x7fffffffL), "ENOSYS\0");
  printf("still running after int 0x80: yes\n");
}

/** int 0x80 getpid alone, harmless natively: whether this host runs i386 syscalls at all. */
static void int80(void) {
  int fds[2];
  pipe(fds);
  report_child("int 0x80 getpid", in_child(int80_getpid, 0, fds), fds, -1);
}

/** Counts fds in 3..1023 on which each call does anything but fail with EBADF. */
static void fds(void) {
  char buf[16];
  struct stat st;
  int read_ok = 0, write_ok = 0, fstat_ok = 0, close_ok = 0, lseek_ok = 0, mmap_ok = 0, dup_ok = 0,
      fchdir_ok = 0, fcntl_ok = 0, other = 0;
  for (long fd = 3; fd < 1024; fd++) {
#define COUNT(call, counter)                                                                        \
    do {                                                                                           \
      errno = 0;                                                                                   \
      long r_ = (call);                                                                            \
      if (r_ != -1) counter++;                                                                     \
      else if (errno != EBADF) other++;                                                            \
    } while (0)
    COUNT(syscall(SYS_read, fd, buf, sizeof buf), read_ok);
    COUNT(syscall(SYS_write, fd, "x", 1), write_ok);
    COUNT(syscall(SYS_fstat, fd, &st), fstat_ok);
    COUNT(syscall(SYS_lseek, fd, 0, SEEK_SET), lseek_ok);
    COUNT(syscall(SYS_fcntl, fd, F_GETFD), fcntl_ok);
    COUNT(syscall(SYS_dup2, fd, 1023), dup_ok);
    COUNT(syscall(SYS_fchdir, fd), fchdir_ok);
    errno = 0;
    void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) mmap_ok++;
    else if (errno != EBADF) other++;
    COUNT(syscall(SYS_close, fd), close_ok);
#undef COUNT
  }
  printf("fds 3..1023: read %d write %d fstat %d lseek %d fcntl %d dup2 %d fchdir %d mmap %d close %d other-errno %d\n",
         read_ok, write_ok, fstat_ok, lseek_ok, fcntl_ok, dup_ok, fchdir_ok, mmap_ok, close_ok, other);
  if (read_ok + write_ok + fstat_ok + lseek_ok + fcntl_ok + dup_ok + fchdir_ok + mmap_ok + close_ok + other) {
    printf("fds never opened: ESCAPED\n");
    escapes++;
  } else {
    printf("fds never opened: blocked (EBADF on every one)\n");
  }
}

static long write_trampoline(long unused) {
  (void)unused;
  *(volatile char *)TRAMPOLINE = 0xcc;
  return 1;
}

/** Whether the kernel can still shape this address space: an mmap and a fork both work. */
static int kernel_still_works(void) {
  char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) return 0;
  p[0] = 1;
  munmap(p, 8192);
  pid_t child = fork();
  if (child == 0) _exit(7);
  int status = 0;
  return child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 7;
}

static void memory(void) {
  void *t = (void *)TRAMPOLINE;
  errno = 0;
  void *p = mmap(t, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (p == MAP_FAILED) printf("mmap MAP_FIXED over the trampoline: blocked (%s)\n", ename(errno));
  else if (kernel_still_works()) printf("mmap MAP_FIXED over the trampoline: blocked (kernel still works)\n");
  else { printf("mmap MAP_FIXED over the trampoline: ESCAPED (the kernel lost it)\n"); escapes++; }
  errno = 0;
  p = mmap((void *)(TRAMPOLINE - 4096), 3 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (p == MAP_FAILED) printf("mmap MAP_FIXED across the trampoline: blocked (%s)\n", ename(errno));
  else if (kernel_still_works()) printf("mmap MAP_FIXED across the trampoline: blocked (kernel still works)\n");
  else { printf("mmap MAP_FIXED across the trampoline: ESCAPED (the kernel lost it)\n"); escapes++; }
  errno = 0;
  expect_fail("mprotect(trampoline, RWX)", mprotect(t, 4096, PROT_READ | PROT_WRITE | PROT_EXEC), "ENOMEM\0EINVAL\0EPERM\0");
  errno = 0;
  long r = munmap(t, 4096);
  printf("munmap(trampoline) = %ld: %s\n", r, kernel_still_works() ? "blocked (kernel still works)" : "ESCAPED (the kernel lost it)");
  int fds[2];
  pipe(fds);
  report_child("write to the trampoline page", in_child(write_trampoline, 0, fds), fds, -2);
  // The kernel reads guest memory through the guest's VMAR: the trampoline is not the guest's.
  errno = 0;
  expect_fail("write(pipe, trampoline)", syscall(SYS_write, fds[1], t, 16), "EFAULT\0");
  char buf[16];
  errno = 0;
  int mem = open("/proc/self/mem", O_RDWR);
  int mem_errno = errno;
  printf("open(/proc/self/mem) = %s\n", mem < 0 ? ename(mem_errno) : "ok");
  errno = mem_errno;
  expect_fail("pread(/proc/self/mem, trampoline)", mem < 0 ? -1 : pread(mem, buf, sizeof buf, (off_t)TRAMPOLINE), "EIO\0ENOENT\0EACCES\0");
  errno = mem_errno;
  expect_fail("pwrite(/proc/self/mem, trampoline)", mem < 0 ? -1 : pwrite(mem, "\xcc", 1, (off_t)TRAMPOLINE), "EIO\0ENOENT\0EACCES\0");
  // Addresses the kernel (not the guest) maps pmem at are somewhere high; none is the guest's.
  int unreadable = 0, tried = 0;
  for (unsigned long a = 0x7f0000000000UL; a < 0x800000000000UL; a += 0x1000000000UL, tried++) {
    if (mem >= 0 && pread(mem, buf, 1, (off_t)a) < 0) unreadable++;
  }
  printf("unmapped high addresses via /proc/self/mem: %s\n", mem < 0 || unreadable == tried ? "blocked (EIO)" : "ESCAPED");
  if (!(mem < 0 || unreadable == tried)) escapes++;
  errno = mem_errno;
  p = mem < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mem, (off_t)TRAMPOLINE);
  expect_fail("mmap(MAP_SHARED, /proc/self/mem)", p == MAP_FAILED ? -1 : (long)p, "ENODEV\0EACCES\0ENOENT\0EINVAL\0");
  if (mem >= 0) close(mem);
  errno = 0;
  expect_fail("process_vm_readv(self, trampoline)",
              syscall(SYS_process_vm_readv, getpid(), &(struct iovec){ buf, 16 }, 1, &(struct iovec){ t, 16 }, 1, 0),
              "EFAULT\0EPERM\0ENOSYS\0");
}

/** One of the host's sockets reached through inet sockets: none may be (the container has its own loopback). */
static void network(int port, const char *host_addr) {
  struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, "127.0.0.1", &lo.sin_addr);
  struct sockaddr_in host = lo;
  inet_pton(AF_INET, host_addr, &host.sin_addr);
  struct sockaddr_in host_any = host;
  host_any.sin_port = 0;
  long tcp = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
  expect_fail("TCP connect to the host's listener on 127.0.0.1", syscall(SYS_connect, tcp, &lo, sizeof lo), "ECONNREFUSED\0");
  close(tcp);
  tcp = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
  expect_fail("TCP connect to the host's own address", syscall(SYS_connect, tcp, &host, sizeof host), "ENETUNREACH\0");
  expect_fail("bind to the host's own address", syscall(SYS_bind, tcp, &host_any, sizeof host_any), "EADDRNOTAVAIL\0");
  close(tcp);
  long udp = syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
  expect_fail("UDP sendto the host's own address", syscall(SYS_sendto, udp, "x", 1, 0, &host, sizeof host), "ENETUNREACH\0");
  // To 127.0.0.1 it is sent, but only the container's loopback hears it (the host test counts).
  long sent = syscall(SYS_sendto, udp, "x", 1, 0, &lo, sizeof lo);
  printf("UDP sendto 127.0.0.1: %s (sent %ld to the container's loopback)\n", sent == 1 ? "blocked" : "ESCAPED", sent);
  if (sent != 1) escapes++;
  close(udp);
  expect_fail("socket(AF_PACKET)", syscall(SYS_socket, 17 /* AF_PACKET */, SOCK_RAW, 0), "EAFNOSUPPORT\0");
  netlink();
  expect_fail("socket(AF_INET, SOCK_RAW)", syscall(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_ICMP), "ESOCKTNOSUPPORT\0");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "hostpid")) hostpid();
  else if (!strcmp(mode, "syscalls") && argc > 3) syscalls(argv[2], argv[3]);
  else if (!strcmp(mode, "abi")) abi(argc > 2 ? atol(argv[2]) : 1);
  else if (!strcmp(mode, "int80")) int80();
  else if (!strcmp(mode, "fds")) fds();
  else if (!strcmp(mode, "memory")) memory();
  else if (!strcmp(mode, "network") && argc > 3) network(atoi(argv[2]), argv[3]);
  else { fprintf(stderr, "usage: probes hostpid|syscalls DEVICE HOSTNAME|abi HOSTPID|fds|memory|network PORT ADDRESS\n"); return 2; }
  printf("escapes: %d\n", escapes);
  return 0;
}
