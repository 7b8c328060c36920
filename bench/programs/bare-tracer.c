/*
 * The smallest ptrace + seccomp tracer that emulates getppid the way the rVisor-ts kernel does:
 * the guest's seccomp filter returns SECCOMP_RET_TRACE for every syscall; at each seccomp stop the
 * tracer answers getppid itself (one PTRACE_GETREGS, one PTRACE_SETREGS with orig_rax = -1 and
 * rax = the answer, one PTRACE_CONT) and lets every other syscall run on the host.
 * It is the floor for the cost of one emulated syscall with this mechanism.
 *
 * Usage: bare-tracer PROGRAM [ARGS...]   (exits with PROGRAM's exit status)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

/** What the emulated getppid returns: the guest's parent is PID 1 of its container. */
#define EMULATED_PPID 1

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* Trace every syscall; kill anything that is not x86-64. */
static struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
};

static void run_guest(char **argv) {
  struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
  if (ptrace(PTRACE_TRACEME, 0, 0, 0) == -1) die("PTRACE_TRACEME");
  /* Wait for the tracer to set PTRACE_O_TRACESECCOMP: until then RET_TRACE fails syscalls. */
  raise(SIGSTOP);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) die("PR_SET_NO_NEW_PRIVS");
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == -1) die("seccomp");
  execv(argv[0], argv);
  die("execv");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bare-tracer PROGRAM [ARGS...]\n");
    return 2;
  }
  pid_t child = fork();
  if (child == -1) die("fork");
  if (child == 0) run_guest(argv + 1);

  int status;
  if (waitpid(child, &status, 0) == -1 || !WIFSTOPPED(status)) die("waiting for the guest's SIGSTOP");
  if (ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) == -1)
    die("PTRACE_SETOPTIONS");
  if (ptrace(PTRACE_CONT, child, 0, 0) == -1) die("PTRACE_CONT");

  for (;;) {
    if (waitpid(child, &status, 0) == -1) die("waitpid");
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);

    int deliver = 0;
    if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
      struct user_regs_struct regs;
      if (ptrace(PTRACE_GETREGS, child, 0, &regs) == -1) die("PTRACE_GETREGS");
      if (regs.orig_rax == SYS_getppid) {
        regs.orig_rax = -1; /* skip the host's syscall */
        regs.rax = EMULATED_PPID;
        if (ptrace(PTRACE_SETREGS, child, 0, &regs) == -1) die("PTRACE_SETREGS");
      }
    } else if (WSTOPSIG(status) != SIGTRAP) {
      /* A real signal for the guest (the SIGTRAP after execve is ptrace's own and is dropped). */
      deliver = WSTOPSIG(status);
    }
    if (ptrace(PTRACE_CONT, child, 0, deliver) == -1) die("PTRACE_CONT");
  }
}
