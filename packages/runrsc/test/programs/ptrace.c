// Conformance: ptrace within the container, and clone's processes that share memory. A clone with
// CLONE_VM and no CLONE_THREAD (one address space, fds and cwd shared, an exit signal of its own
// or none, and wait's __WCLONE/__WALL for it); PTRACE_TRACEME with a signal-delivery-stop, its
// siginfo, PEEKDATA/POKEDATA, PEEKUSER, GETREGS/SETREGS, a signal suppressed or swapped at
// PTRACE_CONT, and the SIGTRAP after execve; PTRACE_ATTACH to every thread of another process and
// GETREGSET, as LeakSanitizer stops the world; PTRACE_SEIZE with PTRACE_INTERRUPT and the exec
// event; PTRACE_SYSCALL's stops, PTRACE_GET_SYSCALL_INFO, a call skipped and a result changed,
// the fork and exit events; a breakpoint poked into the text and a single step; a stop signal's
// delivery and group stop; a tracer's end; each request's errors; process_vm_readv/writev and
// /proc/<pid>/mem; PTRACE_EVENT_SECCOMP.
#define _GNU_SOURCE
#include <elf.h>
#include <linux/filter.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static void show_status(const char *what, int status) {
  if (WIFEXITED(status)) printf("%s: exited %d\n", what, WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) printf("%s: killed by %s\n", what, sigabbrev_np(WTERMSIG(status)));
  else if (WIFSTOPPED(status)) printf("%s: stopped by %s, event %d\n", what, sigabbrev_np(WSTOPSIG(status)), status >> 16);
  else printf("%s: status %#x\n", what, status);
}

// ---- clone with CLONE_VM, no CLONE_THREAD ----------------------------------------------------

static volatile int shared_word;
static int *child_mapping;
static int child_fd = -1;
static volatile sig_atomic_t usr1;

static int vm_child(void *arg) {
  (void)arg;
  shared_word = 42;
  child_mapping = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *child_mapping = 7;
  child_fd = open("/etc/passwd", O_RDONLY);
  chdir("/tmp");
  return 3;
}

static void on_usr1(int sig) { (void)sig; usr1 = 1; }

/**
 * A CLONE_FILES child (its own memory): with `arg`, it takes its own fd table and opens a file
 * there as fd 900; then it execs.
 */
static int files_child(void *arg) {
  if (arg != NULL) {
    syscall(SYS_close_range, 1000, 1000, CLOSE_RANGE_UNSHARE);
    dup2(open("/etc/passwd", O_RDONLY), 900);
  }
  execl("/proc/self/exe", "ptrace", "exec-check", NULL);
  return 99;
}

static void clone_vm(void) {
  printf("-- clone with CLONE_VM\n");
  char *stack = malloc(1 << 16);
  signal(SIGUSR1, on_usr1);
  pid_t pid = clone(vm_child, stack + (1 << 16), CLONE_VM | CLONE_FS | CLONE_FILES | SIGUSR1, NULL);
  printf("clone: %s\n", pid > 0 ? "ok" : strerrorname_np(errno));
  int status;
  printf("waitpid without __WCLONE: %s\n", err(waitpid(pid, &status, 0)));
  pid_t r = waitpid(pid, &status, __WCLONE);
  printf("waitpid __WCLONE: %s\n", r == pid ? "the child" : err(r));
  show_status("child", status);
  printf("SIGUSR1 as its exit signal: %d\n", usr1);
  printf("its store: %d, its mapping: %d\n", shared_word, child_mapping ? *child_mapping : -1);
  printf("its fd: %s\n", fcntl(child_fd, F_GETFD) >= 0 ? "open here too" : "not here");
  char cwd[64];
  printf("its chdir: %s\n", getcwd(cwd, sizeof cwd));
  chdir("/");
  close(child_fd);

  pid = clone(vm_child, stack + (1 << 16), CLONE_VM, NULL); // no exit signal at all
  r = waitpid(pid, &status, __WALL);
  printf("exit signal 0, waitpid __WALL: %s\n", r == pid ? "the child" : err(r));
  printf("its fd, without CLONE_FILES: %s\n", fcntl(child_fd, F_GETFD) >= 0 ? "open here too" : "not here");
  printf("CLONE_SIGHAND without CLONE_VM: %s\n", err(clone(vm_child, stack + (1 << 16), CLONE_SIGHAND | SIGCHLD, NULL)));

  // A shared fd table stays shared until a process takes its own copy: close_range's
  // CLOSE_RANGE_UNSHARE, or execve (whose close-on-exec fds close in its copy only).
  int keep = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
  pid = clone(files_child, stack + (1 << 16), CLONE_FILES | SIGCHLD, "unshare");
  waitpid(pid, &status, 0);
  show_status("a CLONE_FILES child that unshares, then execs", status);
  printf("its fd after close_range(CLOSE_RANGE_UNSHARE): %s\n", fcntl(900, F_GETFD) >= 0 ? "open here too" : "not here");
  pid = clone(files_child, stack + (1 << 16), CLONE_FILES | SIGCHLD, NULL);
  waitpid(pid, &status, 0);
  show_status("a CLONE_FILES child that execs", status);
  printf("our close-on-exec fd after its execve: %s\n", fcntl(keep, F_GETFD) >= 0 ? "still open" : "closed");
  close(keep);
  free(stack);
}

// ---- PTRACE_TRACEME ----------------------------------------------------------------------

static long target_word = 1234;

static void traceme(void) {
  printf("-- PTRACE_TRACEME\n");
  signal(SIGUSR1, on_usr1);
  usr1 = 0;
  pid_t pid = fork();
  if (pid == 0) {
    printf("TRACEME: %s\n", err(ptrace(PTRACE_TRACEME, 0, 0, 0)));
    printf("TRACEME again: %s\n", err(ptrace(PTRACE_TRACEME, 0, 0, 0)));
    fflush(stdout);
    raise(SIGUSR2); // the tracer suppresses it: no handler, yet no death
    printf("child: after SIGUSR2, word %ld\n", target_word);
    raise(SIGUSR2); // the tracer swaps it for SIGUSR1
    printf("child: SIGUSR1 handled %d\n", usr1);
    fflush(stdout);
    execl("/proc/self/exe", "ptrace", "exec-check", NULL);
    _exit(99);
  }
  int status;
  waitpid(pid, &status, 0);
  show_status("first stop", status);
  siginfo_t si;
  const char *r = err(ptrace(PTRACE_GETSIGINFO, pid, 0, &si));
  printf("GETSIGINFO: %s, signo %s, code %d\n", r, sigabbrev_np(si.si_signo), si.si_code);
  errno = 0;
  long word = ptrace(PTRACE_PEEKDATA, pid, &target_word, 0);
  printf("PEEKDATA: %ld (%s)\n", word, errno ? strerrorname_np(errno) : "ok");
  printf("POKEDATA: %s\n", err(ptrace(PTRACE_POKEDATA, pid, &target_word, (void *)5678)));
  errno = 0;
  ptrace(PTRACE_PEEKDATA, pid, (void *)16, 0);
  printf("PEEKDATA at 16: %s\n", errno ? strerrorname_np(errno) : "ok");
  struct user_regs_struct regs;
  printf("GETREGS: %s\n", err(ptrace(PTRACE_GETREGS, pid, 0, &regs)));
  errno = 0;
  long rsp = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user, regs.rsp), 0);
  printf("PEEKUSER rsp matches GETREGS: %d\n", errno == 0 && (unsigned long)rsp == regs.rsp);
  errno = 0;
  long dr = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user, u_debugreg), 0);
  printf("PEEKUSER debug register 0: %ld (%s)\n", dr, errno ? strerrorname_np(errno) : "ok");
  errno = 0;
  ptrace(PTRACE_PEEKUSER, pid, 3, 0);
  printf("PEEKUSER misaligned: %s\n", errno ? strerrorname_np(errno) : "ok");
  errno = 0;
  ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user, u_debugreg) + 10 * 8, 0); // the kernel's sizeof(struct user)
  printf("PEEKUSER past struct user: %s\n", errno ? strerrorname_np(errno) : "ok");
  printf("SETREGS unchanged: %s\n", err(ptrace(PTRACE_SETREGS, pid, 0, &regs)));
  struct user_regs_struct bad = regs;
  bad.cs = 0x10;
  printf("SETREGS with a kernel cs: %s\n", err(ptrace(PTRACE_SETREGS, pid, 0, &bad)));
  bad = regs;
  bad.fs_base = 0xffff800000000000ul;
  printf("SETREGS with a kernel fs_base: %s\n", err(ptrace(PTRACE_SETREGS, pid, 0, &bad)));
  unsigned long mask;
  printf("GETSIGMASK: %s\n", err(ptrace(PTRACE_GETSIGMASK, pid, 8, &mask)));
  printf("GETSIGMASK, size 4: %s\n", err(ptrace(PTRACE_GETSIGMASK, pid, 4, &mask)));
  printf("SETOPTIONS, unknown: %s\n", err(ptrace(PTRACE_SETOPTIONS, pid, 0, 0x8000)));
  printf("CONT with signal 65: %s\n", err(ptrace(PTRACE_CONT, pid, 0, 65)));
  printf("INTERRUPT, not seized: %s\n", err(ptrace(PTRACE_INTERRUPT, pid, 0, 0)));
  // Each resumed tracee prints before it stops again: the tracer prints after its wait.
  r = err(ptrace(PTRACE_CONT, pid, 0, 0));
  waitpid(pid, &status, 0);
  printf("CONT, SIGUSR2 suppressed: %s\n", r);
  show_status("second stop", status);
  r = err(ptrace(PTRACE_CONT, pid, 0, SIGUSR1));
  waitpid(pid, &status, 0);
  printf("CONT with SIGUSR1 for it: %s\n", r);
  show_status("after execve", status);
  r = err(ptrace(PTRACE_GETSIGINFO, pid, 0, &si));
  printf("GETSIGINFO: %s, signo %s, code %d\n", r, sigabbrev_np(si.si_signo), si.si_code);
  r = err(ptrace(PTRACE_CONT, pid, 0, 0));
  waitpid(pid, &status, 0);
  printf("CONT: %s\n", r);
  show_status("end", status);
  printf("PEEKDATA of a reaped tracee: %s\n", err(ptrace(PTRACE_PEEKDATA, pid, &target_word, 0)));
}

// ---- PTRACE_ATTACH to each thread of another process (LeakSanitizer's way) -------------------

static volatile int spin_stop;

static void *spinner(void *arg) {
  (void)arg;
  while (!spin_stop) {
  }
  return NULL;
}

static void *sleeper(void *arg) {
  (void)arg;
  while (!spin_stop) usleep(1000);
  return NULL;
}

static void attach_threads(void) {
  printf("-- PTRACE_ATTACH to each thread\n");
  int ready[2];
  pipe(ready);
  pid_t pid = fork();
  if (pid == 0) {
    pthread_t a, b;
    pthread_create(&a, NULL, spinner, NULL);
    pthread_create(&b, NULL, sleeper, NULL);
    write(ready[1], "x", 1);
    sleep(1);
    spin_stop = 1;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    _exit(0);
  }
  char c;
  read(ready[0], &c, 1);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  // Attach to every thread the task directory lists, as LeakSanitizer's ThreadLister does.
  int attached = 0, stopped = 0, regs_ok = 0, fp_ok = 0, xstate_ok = 0;
  int dir = open(path, O_RDONLY | O_DIRECTORY);
  char buf[4096];
  long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
  close(dir);
  pid_t all[8];
  int count = 0;
  for (long off = 0; off < n;) {
    struct { unsigned long ino; long off; unsigned short reclen; unsigned char type; char name[]; } *d = (void *)(buf + off);
    if (d->name[0] != '.' && count < 8) all[count++] = atoi(d->name);
    off += d->reclen;
  }
  for (int i = 0; i < count; i++) {
    if (ptrace(PTRACE_ATTACH, all[i], 0, 0) == 0) attached++;
    int status;
    for (;;) {
      if (waitpid(all[i], &status, __WALL) < 0) break;
      if (WIFSTOPPED(status) && WSTOPSIG(status) != SIGSTOP) {
        ptrace(PTRACE_CONT, all[i], 0, WSTOPSIG(status));
        continue;
      }
      if (WIFSTOPPED(status)) stopped++;
      break;
    }
    struct user_regs_struct regs;
    struct iovec io = {&regs, sizeof regs};
    if (ptrace(PTRACE_GETREGSET, all[i], NT_PRSTATUS, &io) == 0 && io.iov_len == sizeof regs && regs.rsp != 0) regs_ok++;
    char fp[1024];
    struct iovec fio = {fp, sizeof fp};
    if (ptrace(PTRACE_GETREGSET, all[i], NT_PRFPREG, &fio) == 0 && fio.iov_len == 512) fp_ok++;
    static char xsave[16384] __attribute__((aligned(64)));
    struct iovec xio = {xsave, sizeof xsave};
    if (ptrace(PTRACE_GETREGSET, all[i], NT_X86_XSTATE, &xio) == 0 && xio.iov_len >= 576) xstate_ok++;
  }
  printf("threads: %d, attached %d, stopped %d, NT_PRSTATUS %d, NT_PRFPREG %d, NT_X86_XSTATE %d\n", count, attached, stopped, regs_ok,
         fp_ok, xstate_ok);
  struct user_regs_struct regs;
  struct iovec io = {&regs, 12};
  printf("GETREGSET, length not whole words: %s\n", err(ptrace(PTRACE_GETREGSET, all[0], NT_PRSTATUS, &io)));
  io.iov_len = sizeof regs;
  printf("GETREGSET, unknown set: %s\n", err(ptrace(PTRACE_GETREGSET, all[0], 0x4711, &io)));
  printf("ATTACH again: %s\n", err(ptrace(PTRACE_ATTACH, all[0], 0, 0)));
  int detached = 0;
  for (int i = 0; i < count; i++) detached += ptrace(PTRACE_DETACH, all[i], 0, 0) == 0;
  printf("detached %d\n", detached);
  printf("DETACH again: %s\n", err(ptrace(PTRACE_DETACH, all[0], 0, 0)));
  int status;
  waitpid(pid, &status, 0);
  show_status("the process", status);
}

// ---- PTRACE_SEIZE ------------------------------------------------------------------------

static void seize(void) {
  printf("-- PTRACE_SEIZE\n");
  int go[2];
  pipe(go);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    read(go[0], &c, 1); // interrupted by PTRACE_INTERRUPT, then restarted
    execl("/proc/self/exe", "ptrace", "exec-check", NULL);
    _exit(99);
  }
  printf("SEIZE with an address: %s\n", err(ptrace(PTRACE_SEIZE, pid, 8, 0)));
  printf("SEIZE with unknown options: %s\n", err(ptrace(PTRACE_SEIZE, pid, 0, 0x8000)));
  printf("SEIZE: %s\n", err(ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXEC)));
  usleep(20000);
  printf("GETREGS while it waits: %s\n", err(ptrace(PTRACE_GETREGS, pid, 0, 0)));
  printf("INTERRUPT: %s\n", err(ptrace(PTRACE_INTERRUPT, pid, 0, 0)));
  int status;
  waitpid(pid, &status, 0);
  show_status("interrupted", status);
  printf("CONT: %s\n", err(ptrace(PTRACE_CONT, pid, 0, 0)));
  write(go[1], "x", 1);
  waitpid(pid, &status, 0);
  show_status("exec event", status);
  unsigned long msg = 0;
  const char *r = err(ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg));
  printf("GETEVENTMSG: %s, the same tid %d\n", r, msg == (unsigned long)pid);
  r = err(ptrace(PTRACE_DETACH, pid, 0, 0));
  waitpid(pid, &status, 0);
  printf("DETACH: %s\n", r);
  show_status("end", status);
}

// ---- PTRACE_SYSCALL: syscall stops, and the fork and exit events -----------------------------

/**
 * The next stop of `pid`, shown; for a syscall stop, what PTRACE_GET_SYSCALL_INFO says of it (the
 * result only if `result`: a pid differs from Linux's).
 */
static int next_stop(pid_t pid, const char *what, int result) {
  int status;
  if (waitpid(pid, &status, __WALL) < 0) {
    printf("%s: %s\n", what, strerrorname_np(errno));
    return -1;
  }
  if (WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80)) {
    struct __ptrace_syscall_info info;
    long size = ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
    if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
      printf("%s: syscall entry (size %ld), call %llu\n", what, size, info.entry.nr);
    } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
      printf("%s: syscall exit (size %ld), result %lld, error %d\n", what, size, result ? info.exit.rval : 0, info.exit.is_error);
    } else {
      printf("%s: syscall stop, op %d\n", what, info.op);
    }
  } else {
    show_status(what, status);
  }
  return status;
}

static void syscall_stops(void) {
  printf("-- PTRACE_SYSCALL\n");
  pid_t pid = fork();
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    syscall(SYS_getppid);
    long skipped = syscall(SYS_getuid);
    long changed = syscall(SYS_getpid);
    pid_t child = fork();
    if (child == 0) _exit(7);
    waitpid(child, NULL, 0);
    printf("child: skipped call %ld, changed result %ld\n", skipped, changed);
    fflush(stdout);
    _exit(4);
  }
  int status;
  waitpid(pid, &status, 0);
  show_status("stopped itself", status);
  long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXIT;
  printf("SETOPTIONS: %s\n", err(ptrace(PTRACE_SETOPTIONS, pid, 0, options)));
  struct __ptrace_syscall_info info;
  printf("GET_SYSCALL_INFO outside a syscall: %ld\n", ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info));
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  next_stop(pid, "getppid", 0);
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  next_stop(pid, "getppid", 0);
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  next_stop(pid, "getuid", 1);
  struct user_regs_struct regs;
  ptrace(PTRACE_GETREGS, pid, 0, &regs);
  printf("at entry: rax %lld, orig_rax %llu\n", (long long)regs.rax, regs.orig_rax);
  regs.orig_rax = -1; // skip it
  ptrace(PTRACE_SETREGS, pid, 0, &regs);
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  next_stop(pid, "getuid skipped", 1);
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  next_stop(pid, "getpid", 0);
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  next_stop(pid, "getpid", 0);
  ptrace(PTRACE_GETREGS, pid, 0, &regs);
  regs.rax = 4242;
  ptrace(PTRACE_SETREGS, pid, 0, &regs);
  // On to fork: its entry, its event (the child's pid), its exit, and the child's first stop.
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  next_stop(pid, "fork", 1);
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  next_stop(pid, "fork", 1);
  unsigned long child = 0;
  ptrace(PTRACE_GETEVENTMSG, pid, 0, &child);
  next_stop(child, "the new child", 1);
  printf("the new child is traced: %s\n", err(ptrace(PTRACE_GETREGS, child, 0, &regs)));
  ptrace(PTRACE_CONT, child, 0, 0);
  next_stop(child, "the new child's exit", 1);
  ptrace(PTRACE_CONT, child, 0, 0);
  next_stop(child, "the new child", 1);
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  next_stop(pid, "fork", 0);
  // Its child's exit came meanwhile: SIGCHLD, passed on; then its own exit.
  printf("CONT: %s\n", err(ptrace(PTRACE_CONT, pid, 0, 0)));
  next_stop(pid, "after fork", 1);
  ptrace(PTRACE_CONT, pid, 0, SIGCHLD);
  next_stop(pid, "exit event", 1);
  unsigned long msg = 0;
  ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
  printf("its message: status %#lx\n", msg);
  ptrace(PTRACE_CONT, pid, 0, 0);
  next_stop(pid, "end", 1);
}

// ---- a breakpoint in the text, and a single step ------------------------------------------

__attribute__((noinline)) static int bp_target(int x) { return x * 3 + 1; }
static int (*volatile bp_call)(int) = bp_target;

static void breakpoints(void) {
  printf("-- breakpoints and single steps\n");
  pid_t pid = fork();
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    int r = bp_call(4);
    printf("child: bp_target(4) = %d\n", r);
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  unsigned long addr = (unsigned long)bp_target;
  long ours = *(volatile long *)addr;
  errno = 0;
  long orig = ptrace(PTRACE_PEEKTEXT, pid, addr, 0);
  printf("PEEKTEXT of the text: %s, as ours: %d\n", errno ? strerrorname_np(errno) : "ok", orig == ours);
  printf("POKETEXT of an int3: %s\n", err(ptrace(PTRACE_POKETEXT, pid, addr, (orig & ~0xffL) | 0xcc)));
  printf("our text unchanged: %d\n", *(volatile long *)addr == ours);
  long poked = ptrace(PTRACE_PEEKTEXT, pid, addr, 0);
  printf("its text now: int3 %d\n", (poked & 0xff) == 0xcc);
  ptrace(PTRACE_CONT, pid, 0, 0);
  waitpid(pid, &status, 0);
  show_status("breakpoint", status);
  siginfo_t si;
  ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
  printf("its siginfo: code %#x\n", si.si_code);
  struct user_regs_struct regs;
  ptrace(PTRACE_GETREGS, pid, 0, &regs);
  printf("rip just past the int3: %d\n", regs.rip == addr + 1);
  ptrace(PTRACE_POKETEXT, pid, addr, orig);
  regs.rip = addr;
  ptrace(PTRACE_SETREGS, pid, 0, &regs);
  printf("SINGLESTEP: %s\n", err(ptrace(PTRACE_SINGLESTEP, pid, 0, 0)));
  waitpid(pid, &status, 0);
  show_status("step", status);
  ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
  printf("its siginfo: code %#x\n", si.si_code);
  ptrace(PTRACE_GETREGS, pid, 0, &regs);
  printf("one instruction on: %d\n", regs.rip > addr && regs.rip < addr + 16);
  long r = ptrace(PTRACE_CONT, pid, 0, 0);
  waitpid(pid, &status, 0);
  printf("CONT: %s\n", err(r));
  show_status("end", status);
}

// ---- process_vm_readv and process_vm_writev ------------------------------------------------

static char vm_text[64] = "in the child";
/* Large enough that a fork shares it copy-on-write in the sandbox: a remote write gives the target its own copy. */
static char vm_big[1 << 20];

static void process_vm(void) {
  printf("-- process_vm_readv/writev\n");
  int go[2], done[2];
  pipe(go);
  pipe(done);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    strcpy(vm_text, "the child's own words");
    write(done[1], "x", 1);
    read(go[0], &c, 1);
    printf("child: now \"%s\", and \"%s\"\n", vm_text, vm_big + 300000);
    fflush(stdout);
    _exit(0);
  }
  char c;
  read(done[0], &c, 1);
  char a[8] = {0}, b[64] = {0};
  struct iovec local[2] = {{a, 7}, {b, sizeof b - 1}};
  struct iovec remote[1] = {{vm_text, sizeof vm_text}};
  long n = process_vm_readv(pid, local, 2, remote, 1, 0);
  printf("readv: %ld, \"%s\" + \"%s\"\n", n, a, b);
  char words[] = "written by the parent";
  struct iovec src[1] = {{words, sizeof words}};
  struct iovec dst[1] = {{vm_text, sizeof vm_text}};
  printf("writev: %ld\n", process_vm_writev(pid, src, 1, dst, 1, 0));
  struct iovec shared[1] = {{vm_big + 300000, sizeof words}};
  long into_shared = process_vm_writev(pid, src, 1, shared, 1, 0);
  printf("writev into memory both had at the fork: %ld, ours unchanged: %d\n", into_shared, vm_big[300000] == 0);
  // The second remote buffer is not mapped: what the first held is copied.
  struct iovec partial[2] = {{vm_text, 4}, {(void *)4096, 8}};
  struct iovec big[1] = {{b, sizeof b}};
  printf("readv, second remote buffer unmapped: %ld\n", process_vm_readv(pid, big, 1, partial, 2, 0));
  struct iovec bad[1] = {{(void *)4096, 8}};
  printf("readv, remote buffer unmapped: %s\n", err(process_vm_readv(pid, big, 1, bad, 1, 0)));
  struct iovec text[1] = {{(void *)bp_target, 8}};
  printf("writev into its text: %s\n", err(process_vm_writev(pid, src, 1, text, 1, 0)));
  printf("readv, flags: %s\n", err(process_vm_readv(pid, big, 1, remote, 1, 1)));
  printf("readv, nothing to copy: %ld\n", process_vm_readv(99999, big, 0, remote, 1, 0));
  printf("readv, no such process: %s\n", err(process_vm_readv(99999, big, 1, remote, 1, 0)));
  printf("readv, 1025 iovecs: %s\n", err(process_vm_readv(pid, big, 1025, remote, 1, 0)));
  printf("readv, bad iovec array: %s\n", err(process_vm_readv(pid, (void *)16, 1, remote, 1, 0)));
  // The same through /proc/<pid>/mem, which forces its way: its text can be written too.
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", pid);
  int mem = open(path, O_RDWR);
  printf("open %s: %s\n", "/proc/<pid>/mem", mem >= 0 ? "ok" : strerrorname_np(errno));
  memset(b, 0, sizeof b);
  printf("pread: %ld, \"%s\"\n", (long)pread(mem, b, 21, (off_t)(unsigned long)vm_text), b);
  printf("pwrite: %ld\n", (long)pwrite(mem, "through mem", 12, (off_t)(unsigned long)vm_text));
  unsigned long addr = (unsigned long)bp_target;
  long ours = *(volatile long *)addr, its = 0;
  long got = pread(mem, &its, 8, (off_t)addr);
  printf("pread of its text: %ld, as ours: %d\n", got, its == ours);
  unsigned char int3 = 0xcc;
  got = pwrite(mem, &int3, 1, (off_t)addr);
  printf("pwrite into its text: %ld, ours unchanged: %d\n", got, *(volatile long *)addr == ours);
  got = pread(mem, &its, 8, (off_t)addr);
  printf("its text now: int3 %d\n", got == 8 && (its & 0xff) == 0xcc);
  pwrite(mem, &ours, 1, (off_t)addr);
  printf("pread, unmapped: %s\n", err(pread(mem, b, 8, 4096)));
  printf("lseek, SEEK_END: %s\n", err(lseek(mem, 0, SEEK_END)));
  close(mem);
  write(go[1], "x", 1);
  int status;
  waitpid(pid, &status, 0);
  show_status("end", status);
}

// ---- a filter's SECCOMP_RET_TRACE ------------------------------------------------------------

static void seccomp_event(void) {
  printf("-- PTRACE_EVENT_SECCOMP\n");
  pid_t pid = fork();
  if (pid == 0) {
    pid_t parent = getppid();
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x42),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    long first = syscall(SYS_getppid);
    long second = syscall(SYS_getppid);
    errno = 0;
    long third = syscall(SYS_getppid);
    printf("child: let through %d, skipped %ld, without the option %s\n", first == parent, second, third < 0 ? strerrorname_np(errno) : "ok");
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESECCOMP);
  ptrace(PTRACE_CONT, pid, 0, 0);
  waitpid(pid, &status, 0);
  show_status("first getppid", status);
  unsigned long msg = 0;
  ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
  struct __ptrace_syscall_info info;
  long size = ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info);
  printf("its message %#lx; GET_SYSCALL_INFO: op %d, size %ld, call %llu, data %#x\n", msg, info.op, size, info.seccomp.nr, info.seccomp.ret_data);
  ptrace(PTRACE_CONT, pid, 0, 0);
  waitpid(pid, &status, 0);
  show_status("second getppid", status);
  struct user_regs_struct regs;
  ptrace(PTRACE_GETREGS, pid, 0, &regs);
  regs.orig_rax = -1;
  regs.rax = 777;
  ptrace(PTRACE_SETREGS, pid, 0, &regs);
  ptrace(PTRACE_SETOPTIONS, pid, 0, 0);
  long r = ptrace(PTRACE_CONT, pid, 0, 0);
  waitpid(pid, &status, 0);
  printf("CONT: %s\n", err(r));
  show_status("end", status);
}

// ---- exit_group with a thread left blocked, under syscall stops ---------------------------------

static void *blocked(void *arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

/** exit_group, or with `by_signal` a fatal SIGTERM, in a traced process with a thread blocked. */
static void exit_with_threads(int by_signal) {
  printf("-- %s with a thread blocked\n", by_signal ? "SIGTERM" : "exit_group");
  pid_t pid = fork();
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    pthread_t t;
    pthread_create(&t, NULL, blocked, NULL);
    usleep(50000);
    // Each call runs as its tracer resumes it, after the tracer's own: /proc/self is still the caller.
    char self[32] = "";
    ssize_t n = readlink("/proc/self", self, sizeof self - 1);
    if (n > 0) self[n] = 0;
    printf("child: /proc/self is itself: %d\n", atoi(self) == getpid());
    fflush(stdout);
    if (by_signal) raise(SIGTERM);
    syscall(SYS_exit_group, 3);
  }
  int status;
  waitpid(pid, &status, 0);
  ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXIT);
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  int exit_events = 0, exited = 0, leader_code = -1, thread_code = -1;
  unsigned long leader_msg = 0;
  for (;;) {
    pid_t who = waitpid(-1, &status, __WALL);
    if (who < 0) break;
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      exited++;
      int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      if (who == pid) leader_code = code;
      else thread_code = code;
      continue;
    }
    if (status >> 16 == PTRACE_EVENT_EXIT) {
      exit_events++;
      if (who == pid) ptrace(PTRACE_GETEVENTMSG, pid, 0, &leader_msg);
    }
    int sig = WSTOPSIG(status);
    int pass = (status >> 16) == 0 && sig != SIGSTOP && sig != SIGTRAP && sig != (SIGTRAP | 0x80) ? sig : 0;
    ptrace(PTRACE_SYSCALL, who, 0, pass);
  }
  // The blocked thread too stops at an exit event as the group exit ends it.
  printf("exit events: %d, the leader's message %#lx\n", exit_events, leader_msg);
  printf("exits collected: %d, the leader's code %d, the thread's %d\n", exited, leader_code, thread_code);
}

// ---- a tracer's end ------------------------------------------------------------------------

/** A tracer (a child of ours) seizes `tracee`, stops it and exits without detaching. */
static void tracer_ends(pid_t tracee, long options) {
  pid_t tracer = fork();
  if (tracer == 0) {
    ptrace(PTRACE_SEIZE, tracee, 0, options);
    ptrace(PTRACE_INTERRUPT, tracee, 0, 0);
    int status;
    waitpid(tracee, &status, __WALL);
    _exit(WIFSTOPPED(status) ? 0 : 1);
  }
  int status;
  waitpid(tracer, &status, 0);
  show_status("the tracer", status);
}

static void tracer_end(void) {
  printf("-- a tracer's end\n");
  for (int kill_on_exit = 0; kill_on_exit < 2; kill_on_exit++) {
    int go[2];
    pipe(go);
    pid_t tracee = fork();
    if (tracee == 0) {
      char c;
      read(go[0], &c, 1);
      _exit(6);
    }
    tracer_ends(tracee, kill_on_exit ? PTRACE_O_EXITKILL : 0);
    write(go[1], "x", 1);
    int status;
    waitpid(tracee, &status, 0);
    show_status(kill_on_exit ? "its tracee, with PTRACE_O_EXITKILL" : "its tracee, let go", status);
    close(go[0]);
    close(go[1]);
  }
}

// ---- errors and a tracee's end --------------------------------------------------------------

static void errors(void) {
  printf("-- errors\n");
  printf("ATTACH to itself: %s\n", err(ptrace(PTRACE_ATTACH, getpid(), 0, 0)));
  printf("ATTACH to no one: %s\n", err(ptrace(PTRACE_ATTACH, 99999, 0, 0)));
  printf("GETREGS of an untraced process: %s\n", err(ptrace(PTRACE_GETREGS, getppid(), 0, 0)));
  pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  printf("ATTACH: %s\n", err(ptrace(PTRACE_ATTACH, pid, 0, 0)));
  int status;
  waitpid(pid, &status, 0);
  show_status("stopped", status);
  // A stop signal: first a signal-delivery-stop, then, passed on, the group stop.
  printf("CONT: %s\n", err(ptrace(PTRACE_CONT, pid, 0, 0)));
  kill(pid, SIGTSTP);
  waitpid(pid, &status, 0);
  show_status("SIGTSTP's delivery", status);
  siginfo_t si;
  printf("GETSIGINFO: %s\n", err(ptrace(PTRACE_GETSIGINFO, pid, 0, &si)));
  printf("CONT with SIGTSTP: %s\n", err(ptrace(PTRACE_CONT, pid, 0, SIGTSTP)));
  waitpid(pid, &status, 0);
  show_status("group stop", status);
  printf("GETSIGINFO in a group stop: %s\n", err(ptrace(PTRACE_GETSIGINFO, pid, 0, &si)));
  printf("unknown request: %s\n", err(ptrace(0x4711, pid, 0, 0)));
  printf("GETREGS to a bad address: %s\n", err(ptrace(PTRACE_GETREGS, pid, 0, (void *)16)));
  printf("KILL: %s\n", err(ptrace(PTRACE_KILL, pid, 0, 0)));
  waitpid(pid, &status, 0);
  show_status("killed", status);
}

int main(int argc, char **argv) {
  if (argc > 1) {
    printf("child: exec'd, word %ld\n", target_word);
    return 5;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  clone_vm();
  traceme();
  attach_threads();
  seize();
  syscall_stops();
  breakpoints();
  process_vm();
  seccomp_event();
  exit_with_threads(0);
  exit_with_threads(1);
  tracer_end();
  errors();
  return 0;
}
