/*
 * A syscall fuzzer: children issue random syscalls with random and boundary arguments (bad
 * pointers, huge lengths, negative fds, odd flags); the parent forks a fresh child per batch and
 * kills it if it hangs. Prints how many calls were attempted and how many were issued before a
 * child died (a random call may well kill its caller, e.g. with a signal).
 *
 * Usage: fuzz CALLS [SEED]
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BATCH 100

static uint64_t state;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

/* Calls that would end, replace, multiply or freeze the fuzzer itself, or wait for a long time. */
static int skipped(long nr) {
  switch (nr) {
    case SYS_exit: case SYS_exit_group: case SYS_execve: case SYS_execveat: case SYS_clone:
    case SYS_clone3: case SYS_fork: case SYS_vfork: case SYS_kill: case SYS_tkill: case SYS_tgkill:
    case SYS_rt_sigreturn: case SYS_pause: case SYS_rt_sigsuspend: case SYS_rt_sigtimedwait:
    case SYS_nanosleep: case SYS_clock_nanosleep: case SYS_munmap: case SYS_mremap: case SYS_mmap:
    case SYS_mprotect: case SYS_brk: case SYS_madvise: case SYS_wait4: case SYS_waitid:
    case SYS_futex: case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_pselect6:
    case SYS_epoll_wait: case SYS_epoll_pwait: case SYS_epoll_pwait2: case SYS_read: case SYS_readv:
    case SYS_pread64: case SYS_preadv: case SYS_preadv2: case SYS_recvfrom: case SYS_recvmsg:
    case SYS_accept: case SYS_accept4: case SYS_connect: case SYS_rt_sigprocmask: case SYS_sigaltstack:
    case SYS_arch_prctl: case SYS_set_tid_address: case SYS_setrlimit: case SYS_prlimit64:
    case SYS_alarm: case SYS_setitimer: case SYS_rt_sigaction: case SYS_prctl: case SYS_close:
    case SYS_close_range: case SYS_dup2: case SYS_dup3: case SYS_msgrcv: case SYS_semop:
    case SYS_semtimedop: case SYS_mq_timedreceive: case SYS_io_getevents: case SYS_io_pgetevents:
    case SYS_flock: case SYS_fcntl: case SYS_sendfile: case SYS_splice: case SYS_tee:
    case SYS_vmsplice: case SYS_copy_file_range: case SYS_write: case SYS_writev: case SYS_pwrite64:
    case SYS_pwritev: case SYS_pwritev2: case SYS_sendto: case SYS_sendmsg: case SYS_sendmmsg:
    case SYS_recvmmsg: case SYS_sched_yield: case SYS_setsid: case SYS_setpgid:
      return 1;
  }
  return 0;
}

static long pick_arg(void *scratch) {
  switch (next() % 10) {
    case 0: return 0;
    case 1: return -1;
    case 2: return (long)scratch;                    /* a valid, writable buffer */
    case 3: return (long)scratch + 4093;             /* straddles into an unmapped page */
    case 4: return 0x1000;                           /* unmapped low address */
    case 5: return (long)0xffffffffff600000UL;       /* the kernel half */
    case 6: return (long)(next() & 0xffff);          /* small numbers, fds, flags */
    case 7: return (long)0x7fffffffffffffffL;        /* huge lengths */
    case 8: return (long)(next() % 64) - 32;         /* small negatives */
    default: return (long)next();
  }
}

int main(int argc, char **argv) {
  long calls = argc > 1 ? atol(argv[1]) : 10000;
  state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x9e3779b97f4a7c15ULL;
  setvbuf(stdout, NULL, _IONBF, 0);
  long made = 0;
  volatile long *issued = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  while (made < calls) {
    long batch = calls - made < BATCH ? calls - made : BATCH;
    uint64_t seed = next();
    pid_t child = fork();
    if (child == 0) {
      state = seed | 1;
      /* A page of scratch memory followed by a hole. */
      char *scratch = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      munmap(scratch + 4096, 4096);
      alarm(5);
      for (long i = 0; i < batch; i++) {
        long nr = (long)(next() % 470); /* every number Linux has, up to file_setattr (469) */
        if (skipped(nr)) continue;
        (*issued)++;
        syscall(nr, pick_arg(scratch), pick_arg(scratch), pick_arg(scratch), pick_arg(scratch),
                pick_arg(scratch), pick_arg(scratch));
      }
      _exit(0);
    }
    int st;
    waitpid(child, &st, 0);
    made += batch;
  }
  printf("fuzz: %ld attempted, %ld issued\n", made, *issued);
  return 0;
}
