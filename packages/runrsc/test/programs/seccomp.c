// Conformance: a process's own seccomp filters — seccomp(2) and prctl(PR_SET_SECCOMP): the ops and
// their argument errors, a filter's checks (EINVAL for what classic BPF or seccomp refuses), who may
// add one (no_new_privs or CAP_SYS_ADMIN: EACCES), each action (ERRNO and its cap, TRAP's SIGSYS and
// its siginfo, KILL_PROCESS, KILL_THREAD of one thread or the last, TRACE and USER_NOTIF with no
// tracer or listener, LOG, an unknown action), which of several filters wins, the BPF machine (ALU,
// scratch memory, jumps, the length load, arguments' high words), filters kept across fork and
// execve, PR_GET_SECCOMP and /proc's Seccomp lines, strict mode, and TSYNC. Each case runs in a
// child of its own, since filters cannot be removed.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define NR (offsetof(struct seccomp_data, nr))
#define ARG0 (offsetof(struct seccomp_data, args[0]))
#define ARG0_HI (offsetof(struct seccomp_data, args[0]) + 4)
#define ARCH (offsetof(struct seccomp_data, arch))

static long sc(unsigned op, unsigned flags, void *args) {
  return syscall(SYS_seccomp, op, flags, args);
}

static void show(const char *what, long r) {
  const char *name = strerrorname_np(errno);
  if (r < 0 && name) printf("%s: %s\n", what, name);
  else if (r < 0) printf("%s: errno %d\n", what, errno);
  else printf("%s: %ld\n", what, r);
}

/** Install `n` instructions (no_new_privs first); prints errors only. */
static long install(struct sock_filter *f, unsigned short n, unsigned flags) {
  struct sock_fprog prog = { n, f };
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  return sc(SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/** A filter answering `action` for syscall `nr` and allowing the rest. */
static long on(int nr, unsigned action) {
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, action),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  return install(f, 4, 0);
}

/** Run `fn` in a child and print how it ended, after its output. */
static void child(const char *name, void (*fn)(void)) {
  printf("-- %s\n", name);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    fn();
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) printf("killed by signal %d\n", WTERMSIG(status));
  else printf("exit %d\n", WEXITSTATUS(status));
}

static void ops(void) {
  show("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
  show("unknown op", sc(99, 0, NULL));
  show("strict with flags", sc(SECCOMP_SET_MODE_STRICT, 1, NULL));
  show("strict with args", sc(SECCOMP_SET_MODE_STRICT, 0, (void *)8));
  unsigned actions[] = { SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO,
                         SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW, 0x00100000 };
  for (int i = 0; i < 9; i++) {
    char what[64];
    snprintf(what, sizeof what, "action %#x available", actions[i]);
    show(what, sc(SECCOMP_GET_ACTION_AVAIL, 0, &actions[i]));
  }
  show("action avail, flags", sc(SECCOMP_GET_ACTION_AVAIL, 1, &actions[0]));
  show("action avail, NULL", sc(SECCOMP_GET_ACTION_AVAIL, 0, NULL));
  struct seccomp_notif_sizes sizes;
  show("notif sizes", sc(SECCOMP_GET_NOTIF_SIZES, 0, &sizes));
  printf("sizes %d %d %d\n", sizes.seccomp_notif, sizes.seccomp_notif_resp, sizes.seccomp_data);
  show("notif sizes, flags", sc(SECCOMP_GET_NOTIF_SIZES, 1, &sizes));
  show("prctl PR_SET_SECCOMP 3", prctl(PR_SET_SECCOMP, 3, 0, 0, 0));
}

static void checks(void) {
  struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
  struct sock_fprog prog = { 0, allow };
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  show("no instructions", sc(SECCOMP_SET_MODE_FILTER, 0, &prog));
  prog.len = 4097;
  show("4097 instructions", sc(SECCOMP_SET_MODE_FILTER, 0, &prog));
  prog.len = 1;
  prog.filter = (void *)8;
  show("instructions at a bad address", sc(SECCOMP_SET_MODE_FILTER, 0, &prog));
  show("program at a bad address", sc(SECCOMP_SET_MODE_FILTER, 0, (void *)8));
  show("unknown flag", sc(SECCOMP_SET_MODE_FILTER, 1 << 10, &prog));
  show("WAIT_KILLABLE_RECV alone", sc(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog));
  struct { const char *what; struct sock_filter f[3]; unsigned short n; } bad[] = {
    { "halfword load", { BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "load past seccomp_data", { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "unaligned load", { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "jump past the end", { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "ja past the end", { BPF_STMT(BPF_JMP | BPF_JA, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "no return at the end", { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), BPF_STMT(BPF_LD | BPF_IMM, 1) }, 2 },
    { "divide by constant 0", { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "shift by 32", { BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "modulo", { BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "memory word never stored", { BPF_STMT(BPF_LD | BPF_MEM, 3), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "memory word 16", { BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 2 },
    { "stored on one path only", { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), BPF_STMT(BPF_ST, 2), BPF_STMT(BPF_LDX | BPF_MEM, 2) }, 3 },
    { "stored, then loaded", { BPF_STMT(BPF_ST, 2), BPF_STMT(BPF_LD | BPF_MEM, 2), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) }, 3 },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct sock_fprog p = { bad[i].n, bad[i].f };
    show(bad[i].what, sc(SECCOMP_SET_MODE_FILTER, 0, &p));
  }
  show("PR_GET_SECCOMP after one", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
  show("strict after a filter", sc(SECCOMP_SET_MODE_STRICT, 0, NULL));
}

static void unprivileged(void) {
  if (setgid(65534) != 0 || setuid(65534) != 0) { perror("setuid"); return; }
  struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
  struct sock_fprog prog = { 1, allow };
  show("without no_new_privs", sc(SECCOMP_SET_MODE_FILTER, 0, &prog));
  show("length checked first", sc(SECCOMP_SET_MODE_FILTER, 0, &(struct sock_fprog){ 0, allow }));
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  show("with it", sc(SECCOMP_SET_MODE_FILTER, 0, &prog));
}

static void errno_action(void) {
  show("install", on(SYS_getpid, SECCOMP_RET_ERRNO | EPERM));
  show("getpid", syscall(SYS_getpid));
  show("getppid", syscall(SYS_getppid) > 0);
  on(SYS_getuid, SECCOMP_RET_ERRNO | 5000);
  show("errno 5000 is capped", syscall(SYS_getuid));
  on(SYS_getgid, SECCOMP_RET_ERRNO | 0);
  show("errno 0: 'succeeds' without running", syscall(SYS_getgid));
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "Seccomp", 7) == 0) fputs(line, stdout);
  }
  if (f) fclose(f);
  show("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
}

static void arguments(void) {
  // close(fd) refused for fd 1000 only; and for an fd whose high word is set.
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 0, 5),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1000, 2, 0),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_HI),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  show("install", install(f, 8, 0));
  show("close(1000)", syscall(SYS_close, 1000));
  show("close(999)", syscall(SYS_close, 999));
  show("close(1 << 32 | 999)", syscall(SYS_close, (1L << 32) | 999));
}

static void machine(void) {
  // A = arch; X = A; M[3] = X; A = len (64); A = A * 2 + 1 - 1 >> 1 ... each step checked by a jump.
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH),
    BPF_STMT(BPF_MISC | BPF_TAX, 0),
    BPF_STMT(BPF_STX, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
    BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 3),         // 192
    BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 8),         // 200
    BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 10),        // 20
    BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 2),         // 80
    BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 0xff),      // 175
    BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 176),       // 0xffffffff
    BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 28),        // 15
    BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 0x30),       // 63
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x2f),      // 47
    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 46, 0, 9),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 48, 8, 0),
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x20, 0, 7),
    BPF_STMT(BPF_LD | BPF_MEM, 3),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
    BPF_STMT(BPF_ALU | BPF_NEG, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 3, 0),  // -arch != arch
    BPF_STMT(BPF_LDX | BPF_IMM, 0),
    BPF_STMT(BPF_MISC | BPF_TXA, 0),
    BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO | 77),
    BPF_STMT(BPF_RET | BPF_A, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
  };
  show("install", install(f, sizeof f / sizeof f[0], 0));
  show("getuid (errno 77 if every step held)", syscall(SYS_getuid));
  // A division by a zero X makes the program return 0: KILL_THREAD, the last thread.
  struct sock_filter g[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getgid, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LDX | BPF_IMM, 0),
    BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
  };
  show("install the divider", install(g, 6, 0));
  fflush(stdout);
  syscall(SYS_getgid);
  printf("not reached\n");
}

static void on_sigsys(int sig, siginfo_t *si, void *uc) {
  ucontext_t *ctx = uc;
  printf("SIGSYS %d: code %d errno %#x syscall %d arch ok %d call addr ok %d rax %lld\n", sig, si->si_code,
         si->si_errno, si->si_syscall, si->si_arch == AUDIT_ARCH_X86_64, si->si_call_addr != NULL,
         (long long)ctx->uc_mcontext.gregs[REG_RAX]);
  ctx->uc_mcontext.gregs[REG_RAX] = 777;
}

static void trap_action(void) {
  struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
  sigaction(SIGSYS, &sa, NULL);
  show("install", on(SYS_getuid, SECCOMP_RET_TRAP | 0x42));
  show("getuid (the handler sets 777)", syscall(SYS_getuid));
}

static void trap_blocked(void) {
  struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
  sigaction(SIGSYS, &sa, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGSYS);
  sigprocmask(SIG_BLOCK, &set, NULL);
  on(SYS_getuid, SECCOMP_RET_TRAP);
  fflush(stdout);
  syscall(SYS_getuid);
  printf("not reached\n");
}

static void trap_default(void) {
  on(SYS_getuid, SECCOMP_RET_TRAP);
  fflush(stdout);
  syscall(SYS_getuid);
  printf("not reached\n");
}

static void kill_process(void) {
  on(SYS_getuid, SECCOMP_RET_KILL_PROCESS);
  fflush(stdout);
  syscall(SYS_getuid);
  printf("not reached\n");
}

static void unknown_action(void) {
  on(SYS_getuid, 0x00100000);
  fflush(stdout);
  syscall(SYS_getuid);
  printf("not reached\n");
}

static void *getuid_thread(void *arg) {
  (void)arg;
  syscall(SYS_getuid);
  printf("thread: not reached\n");
  return NULL;
}

static void kill_thread(void) {
  on(SYS_getuid, SECCOMP_RET_KILL_THREAD);
  pthread_t t;
  pthread_create(&t, NULL, getuid_thread, NULL);
  pthread_join(t, NULL);
  printf("joined the killed thread; the process goes on\n");
  fflush(stdout);
  syscall(SYS_getuid);
  printf("not reached\n");
}

static void no_tracer(void) {
  on(SYS_getuid, SECCOMP_RET_TRACE);
  show("TRACE with no tracer", syscall(SYS_getuid));
  on(SYS_getgid, SECCOMP_RET_USER_NOTIF);
  show("USER_NOTIF with no listener", syscall(SYS_getgid));
  on(SYS_getppid, SECCOMP_RET_LOG);
  show("LOG runs the call", syscall(SYS_getppid) > 0);
}

static void precedence(void) {
  on(SYS_getuid, SECCOMP_RET_ERRNO | 1);
  on(SYS_getuid, SECCOMP_RET_ERRNO | 2);
  show("two ERRNO filters: the newest", syscall(SYS_getuid));
  on(SYS_getuid, SECCOMP_RET_ALLOW);
  show("then an ALLOW one", syscall(SYS_getuid));
  on(SYS_getuid, SECCOMP_RET_TRACE);
  show("then a TRACE one", syscall(SYS_getuid));
  on(SYS_getuid, SECCOMP_RET_TRAP);
  fflush(stdout);
  syscall(SYS_getuid);
  printf("not reached\n");
}

static void inherited(void) {
  on(SYS_getpid, SECCOMP_RET_ERRNO | EPERM);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    show("forked child: getpid", syscall(SYS_getpid));
    fflush(stdout);
    execl("/proc/self/exe", "seccomp", "after-exec", (char *)NULL);
    _exit(9);
  }
  int status;
  waitpid(pid, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
}

static void after_exec(void) {
  show("after execve: getpid", syscall(SYS_getpid));
  show("after execve: PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
}

static void strict(void) {
  show("strict", prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0));
  fflush(stdout);
  char msg[] = "write works in strict mode\n";
  syscall(SYS_write, 1, msg, sizeof msg - 1);
  syscall(SYS_getpid);
  syscall(SYS_write, 1, "not reached\n", 12);
}

static void strict_exit(void) {
  sc(SECCOMP_SET_MODE_STRICT, 0, NULL);
  syscall(SYS_exit, 3);
}

static volatile int go;
static volatile pid_t other_tid;

static void *waiter(void *arg) {
  other_tid = syscall(SYS_gettid);
  if (arg) on(SYS_getgid, SECCOMP_RET_ERRNO | 3); // a filter of its own
  while (!go) usleep(1000);
  show("other thread: getuid", syscall(SYS_getuid));
  return NULL;
}

static void tsync(void) {
  pthread_t t;
  pthread_create(&t, NULL, waiter, NULL);
  while (!other_tid) usleep(1000);
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 4),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  show("TSYNC", install(f, 4, SECCOMP_FILTER_FLAG_TSYNC));
  go = 1;
  pthread_join(t, NULL);
}

static void tsync_conflict(void) {
  pthread_t t;
  pthread_create(&t, NULL, waiter, (void *)1);
  usleep(20000);
  while (!other_tid) usleep(1000);
  struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
  long r = install(allow, 1, SECCOMP_FILTER_FLAG_TSYNC);
  printf("TSYNC against another thread's filter: %s\n", r == other_tid ? "its tid" : "something else");
  show("TSYNC_ESRCH", install(allow, 1, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH));
  show("PR_GET_SECCOMP (not added)", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
  go = 1;
  pthread_join(t, NULL);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
    after_exec();
    return 0;
  }
  child("ops", ops);
  child("checks", checks);
  child("unprivileged", unprivileged);
  child("errno", errno_action);
  child("arguments", arguments);
  child("the machine", machine);
  child("trap", trap_action);
  child("trap, SIGSYS blocked", trap_blocked);
  child("trap, no handler", trap_default);
  child("kill process", kill_process);
  child("unknown action", unknown_action);
  child("kill thread", kill_thread);
  child("no tracer, no listener", no_tracer);
  child("precedence", precedence);
  child("fork and execve", inherited);
  child("strict", strict);
  child("strict exit", strict_exit);
  child("tsync", tsync);
  child("tsync conflict", tsync_conflict);
  return 0;
}
