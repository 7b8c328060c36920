/*
 * Asks for things a container must never get: rebooting the host, loading a kernel or a module,
 * tracing PID 1, mounting, new user namespaces, BPF, perf events, the kernel keyring; then tries to
 * read /etc/shadow through `..`. Every syscall is raw (syscall(2)), so the C library cannot
 * answer on its own. Each attempt prints one line:
 *
 *   name = -1 ERRNO_NAME      (the call failed)
 *   name = N                  (the call succeeded)
 *   open PATH = -1 ERRNO_NAME / open PATH = ok: FIRST LINE OF THE FILE
 *
 * Usage: forbidden [privileged|files|all]   (default all)
 * "privileged" must only ever run inside the sandbox: on the host, as root, several calls would
 * succeed (the reboot one only disables Ctrl-Alt-Del, but ptrace would attach to PID 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *name, long ret) {
  if (ret == -1) {
    const char *errname = strerrorname_np(errno);
    printf("%s = -1 %s\n", name, errname ? errname : "E?");
  } else {
    printf("%s = %ld\n", name, ret);
  }
  fflush(stdout);
}

static void try_privileged(void) {
  /* CAD_OFF is the harmless reboot command: it only makes Ctrl-Alt-Del send SIGINT to init. */
  report("reboot", syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
                           LINUX_REBOOT_CMD_CAD_OFF, 0));
  report("kexec_load", syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0xffffffffUL));
  report("ptrace", syscall(SYS_ptrace, PTRACE_ATTACH, 1, 0, 0));
  report("init_module", syscall(SYS_init_module, NULL, 0UL, ""));
  /* A bind mount of the root over /mnt: the container may mount its own tmpfs and proc, never host trees. */
  report("mount", syscall(SYS_mount, "/", "/mnt", NULL, 0x1000UL /* MS_BIND */, NULL));
  report("unshare", syscall(SYS_unshare, CLONE_NEWUSER));
  report("bpf", syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, NULL, 0U));
  report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0UL));
  report("keyctl", syscall(SYS_keyctl, -1, 0UL, 0UL, 0UL, 0UL));
}

static void try_open(const char *path) {
  long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    const char *errname = strerrorname_np(errno);
    printf("open %s = -1 %s\n", path, errname ? errname : "E?");
  } else {
    char buf[128];
    long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    printf("open %s = ok: %s\n", path, buf);
    syscall(SYS_close, fd);
  }
  fflush(stdout);
}

static void try_files(void) {
  try_open("../../../../etc/shadow");
  try_open("/etc/shadow");
  try_open("../etc/shadow");
  try_open("/../../etc/shadow");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "all";
  int all = strcmp(mode, "all") == 0;
  if (all || strcmp(mode, "privileged") == 0) try_privileged();
  if (all || strcmp(mode, "files") == 0) try_files();
  return 0;
}
