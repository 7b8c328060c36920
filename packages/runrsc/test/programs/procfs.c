// Conformance: what /proc shows that is the same on every run — the shape of /proc/self/stat,
// the keys of /proc/self/status, cmdline, environ and comm of a process that re-executed itself
// with fixed arguments and environment, /proc/self as a link to the pid, the fd directory, and
// a child's entry before and after it is reaped; what creating in /proc (and in a read-only /sys)
// answers, maps' " (deleted)", /proc/net/unix, and what /proc/self/io counts. Pids and paths are
// compared, never printed.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/sysinfo.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/** Reads a whole small file; returns its length or -errno. */
static long slurp(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -errno;
  long total = 0, n;
  while (total < (long)size - 1 && (n = read(fd, buf + total, size - 1 - total)) > 0) total += n;
  close(fd);
  buf[total] = 0;
  return total;
}

/** Prints a buffer with NUL bytes shown as '|'. */
static void show_nuls(const char *what, const char *buf, long n) {
  printf("%s (%ld bytes): ", what, n);
  for (long i = 0; i < n; i++) putchar(buf[i] ? buf[i] : '|');
  putchar('\n');
}

static void stat_file(const char *path, pid_t pid, pid_t ppid, const char *comm) {
  char buf[4096];
  long n = slurp(path, buf, sizeof buf);
  if (n < 0) { printf("%s: errno %ld\n", path, -n); return; }
  // comm may hold spaces and parentheses: fields after it start past the last ')'.
  char *close_paren = strrchr(buf, ')');
  char *open_paren = strchr(buf, '(');
  int fields = 2;
  for (char *p = close_paren + 1; *p && *p != '\n'; p++) fields += *p == ' ';
  char state = close_paren[2];
  int stat_ppid = 0;
  sscanf(close_paren + 4, "%d", &stat_ppid);
  printf("stat: fields %d pid ok %d comm \"%.*s\" comm ok %d state %c ppid ok %d newline %d\n", fields,
         atoi(buf) == pid, (int)(close_paren - open_paren - 1), open_paren + 1,
         !strncmp(open_paren + 1, comm, strlen(comm)), state, stat_ppid == ppid, buf[n - 1] == '\n');
}

static void status_file(pid_t pid, pid_t ppid) {
  // Keys every Linux since 4.x prints, in order; the sandbox must give each one.
  static const char *KEYS[] = {"Name", "Umask", "State", "Tgid", "Pid", "PPid", "TracerPid", "Uid",
                               "Gid", "FDSize", "Groups", "Threads", "SigQ", "SigPnd", "ShdPnd",
                               "SigBlk", "SigIgn", "SigCgt", "CapInh", "CapPrm", "CapEff", "CapBnd",
                               "CapAmb", "NoNewPrivs", "Cpus_allowed", "Cpus_allowed_list"};
  char buf[8192];
  long n = slurp("/proc/self/status", buf, sizeof buf);
  if (n < 0) { printf("status: errno %ld\n", -n); return; }
  const char *at = buf;
  int in_order = 1;
  for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
    char key[64];
    snprintf(key, sizeof key, "\n%s:\t", KEYS[i]);
    const char *found = i == 0 && !strncmp(buf, "Name:\t", 6) ? buf : strstr(buf, key);
    if (!found) { printf("status: no %s\n", KEYS[i]); continue; }
    if (found < at) in_order = 0;
    at = found;
  }
  char name[64] = "";
  int st_pid = 0, st_ppid = 0, threads = 0;
  unsigned umask_value = 0;
  char state = 0;
  sscanf(buf, "Name:\t%63s", name);
  const char *p;
  if ((p = strstr(buf, "\nPid:\t"))) st_pid = atoi(p + 6);
  if ((p = strstr(buf, "\nPPid:\t"))) st_ppid = atoi(p + 7);
  if ((p = strstr(buf, "\nThreads:\t"))) threads = atoi(p + 10);
  if ((p = strstr(buf, "\nUmask:\t"))) umask_value = strtoul(p + 8, NULL, 8);
  if ((p = strstr(buf, "\nState:\t"))) state = p[8];
  printf("status: keys in order %d name %s umask %03o state %c pid ok %d ppid ok %d threads %d\n", in_order, name,
         umask_value, state, st_pid == pid, st_ppid == ppid, threads);
}

/** The re-executed child: argv and envp are fixed, so cmdline and environ are too. */
static int exec_side(void) {
  char buf[4096];
  long n = slurp("/proc/self/cmdline", buf, sizeof buf);
  show_nuls("cmdline", buf, n);
  n = slurp("/proc/self/environ", buf, sizeof buf);
  show_nuls("environ", buf, n);
  prctl(PR_SET_NAME, "renamed-by-prctl");
  n = slurp("/proc/self/comm", buf, sizeof buf);
  show_nuls("comm after PR_SET_NAME", buf, n);
  stat_file("/proc/self/stat", getpid(), getppid(), "renamed-by-prct");
  return 0;
}

/** After execve("/proc/self/exe"), comm is named after the path given ("exe"), not the image. */
static int comm_after_exec(void) {
  pid_t child = fork();
  if (child == 0) {
    char *args[] = {"procfs", "comm-after-exec", NULL};
    execve("/proc/self/exe", args, NULL);
    _exit(1);
  }
  waitpid(child, NULL, 0);
  return 0;
}

/** The machine's memory as /proc/meminfo and sysinfo give it (the host's, with no limit set). */
/** One line of /proc/<pid>/maps. */
struct maps_line {
  unsigned long lo, hi, off, ino;
  unsigned maj, min;
  char perms[8], path[512];
};

/** The next line of `f`, parsed (the path empty for anonymous memory); 0 at the end. */
static int next_maps_line(FILE *f, struct maps_line *m) {
  char line[1024];
  while (f && fgets(line, sizeof line, f)) {
    m->path[0] = 0;
    if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %511[^\n]", &m->lo, &m->hi, m->perms, &m->off, &m->maj, &m->min, &m->ino, m->path) >= 7) return 1;
  }
  return 0;
}

/** Whether a maps line names the file `st` describes (its device and inode). */
static int same_file(const struct maps_line *m, const struct stat *st) {
  return m->maj == major(st->st_dev) && m->min == minor(st->st_dev) && m->ino == st->st_ino;
}

/**
 * /proc/self/maps shows this program's own mappings with where in the file each starts and the
 * file's device and inode (those of stat on it); private anonymous memory shows offset 0.
 */
static void own_maps(void) {
  char exe[512];
  long n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n < 0 ? 0 : n] = 0;
  struct stat st;
  if (stat("/proc/self/exe", &st) != 0) printf("stat exe errno %d\n", errno);
  char *anon = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  // This program's second page, mapped again and moved by mremap: still that page of the file.
  int self = open("/proc/self/exe", O_RDONLY);
  char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self, 4096);
  char *moved = mremap(page, 4096, 2 * 4096, MREMAP_MAYMOVE);
  close(self);
  mprotect(anon + 4096, 4096, PROT_READ); // three mappings now, the last at offset 2 pages in
  FILE *f = fopen("/proc/self/maps", "r");
  struct maps_line m;
  while (next_maps_line(f, &m)) {
    if (m.lo == (unsigned long)moved) {
      printf("moved mapping %s offset %lx same file %d\n", m.perms, m.off, same_file(&m, &st));
    } else if (strcmp(m.path, exe) == 0) {
      printf("own mapping %s offset %lx same file %d\n", m.perms, m.off, same_file(&m, &st));
    } else if (m.lo >= (unsigned long)anon && m.hi <= (unsigned long)anon + 3 * 4096) {
      printf("anonymous %s offset %lx device %x:%x inode %lu\n", m.perms, m.off, m.maj, m.min, m.ino);
    }
  }
  if (f) fclose(f);
  munmap(anon, 3 * 4096);
  munmap(moved, 2 * 4096);
  // A memfd's pages mapped shared, from its second page: its offset, device and inode, its name.
  int fd = memfd_create("maps-probe", 0);
  ftruncate(fd, 2 * 4096);
  char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
  fstat(fd, &st);
  f = fopen("/proc/self/maps", "r");
  while (next_maps_line(f, &m)) {
    if (m.lo == (unsigned long)shared) printf("memfd mapping %s offset %lx same file %d name %s\n", m.perms, m.off, same_file(&m, &st), m.path);
  }
  if (f) fclose(f);
  munmap(shared, 4096);
  close(fd);
}

/** /proc/self/statm: seven counts of pages, the first VmSize, lib and dt always 0. */
static void statm(void) {
  char buf[256], status[4096];
  int fd = open("/proc/self/statm", O_RDONLY);
  long n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n < 0 ? 0 : n] = 0;
  unsigned long size, resident, shared, text, lib, data, dt;
  int fields = sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu", &size, &resident, &shared, &text, &lib, &data, &dt);
  int newline = n > 0 && buf[n - 1] == '\n';
  fd = open("/proc/self/status", O_RDONLY);
  n = read(fd, status, sizeof status - 1);
  close(fd);
  status[n < 0 ? 0 : n] = 0;
  char *vm = strstr(status, "VmSize:");
  unsigned long vm_kb = vm ? strtoul(vm + 7, NULL, 10) : 0;
  printf("statm fields %d size is VmSize %d resident %d text %d lib %lu data %d dt %lu newline %d\n", fields,
         size * (sysconf(_SC_PAGESIZE) / 1024) == vm_kb, resident > 0, text > 0, lib, data > 0, dt, newline);
}

static pid_t worker_tid;
static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t worker_ready = PTHREAD_COND_INITIALIZER;

static void *worker(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "procfs-worker");
  pthread_mutex_lock(&worker_lock);
  worker_tid = gettid();
  pthread_cond_signal(&worker_ready);
  pthread_mutex_unlock(&worker_lock);
  pause(); // until the process exits
  return NULL;
}

/** The fields of /proc/self/task/<tid>/stat after the comm: the pid field, the state. */
static void task_stat(pid_t tid, long *pid, char *state) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  if (slurp(path, buf, sizeof buf) < 0) buf[0] = 0;
  *pid = atol(buf);
  char *close_paren = strrchr(buf, ')');
  *state = close_paren ? close_paren[2] : '?';
}

/** /proc/self/task: a directory per thread, with the thread's own stat, status and comm. */
static void tasks(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&worker_lock);
  while (worker_tid == 0) pthread_cond_wait(&worker_ready, &worker_lock);
  pthread_mutex_unlock(&worker_lock);
  usleep(20000); // let the worker reach pause()
  DIR *d = opendir("/proc/self/task");
  int count = 0, self_listed = 0, worker_listed = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    count++;
    self_listed += atoi(e->d_name) == getpid();
    worker_listed += atoi(e->d_name) == worker_tid;
  }
  if (d) closedir(d);
  printf("task entries %d main %d worker %d\n", count, self_listed, worker_listed);
  char path[64], buf[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/comm", worker_tid);
  if (slurp(path, buf, sizeof buf) < 0) buf[0] = 0;
  printf("worker comm %s", buf);
  long pid;
  char state;
  task_stat(worker_tid, &pid, &state);
  printf("worker stat pid is its tid %d state %c\n", pid == worker_tid, state);
  task_stat(getpid(), &pid, &state);
  printf("main stat pid is the pid %d state %c\n", pid == getpid(), state);
  char status[4096];
  snprintf(path, sizeof path, "/proc/self/task/%d/status", worker_tid);
  if (slurp(path, status, sizeof status) < 0) status[0] = 0;
  char *name = strstr(status, "Name:"), *p = strstr(status, "\nPid:"), *tg = strstr(status, "\nTgid:");
  printf("worker status name %.13s pid is its tid %d tgid is the pid %d\n", name ? name + 6 : "?",
         p && atol(p + 5) == worker_tid, tg && atol(tg + 6) == getpid());
  snprintf(path, sizeof path, "/proc/self/task/%d", 999999);
  struct stat st;
  printf("a tid that is not a thread: %s\n", stat(path, &st) == 0 ? "found" : strerror(errno));
  // A thread's tid also names it in /proc itself, though /proc does not list it.
  snprintf(path, sizeof path, "/proc/%d/comm", worker_tid);
  memset(buf, 0, sizeof buf);
  slurp(path, buf, sizeof buf - 1);
  printf("/proc/<worker tid>/comm %s", buf);
  char link[64], want[64];
  ssize_t n = readlink("/proc/thread-self", link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  snprintf(want, sizeof want, "%d/task/%d", getpid(), gettid());
  printf("/proc/thread-self is <pid>/task/<tid> %d\n", strcmp(link, want) == 0);
  memset(buf, 0, sizeof buf);
  slurp("/proc/thread-self/comm", buf, sizeof buf - 1);
  printf("/proc/thread-self/comm %s", buf);
}

static void memory_total(void) {
  char buf[4096];
  long n = slurp("/proc/meminfo", buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  unsigned long kb = 0;
  sscanf(buf, "MemTotal: %lu kB", &kb);
  struct sysinfo si;
  sysinfo(&si);
  printf("MemTotal %lu kB, sysinfo agrees %d\n", kb, (unsigned long long)si.totalram * si.mem_unit / 1024 == kb);
}

/** /proc/self/fd/N opens the file itself: a pipe's end reopened, by path or through /dev/stdin and /dev/stdout. */
static void magic_links(void) {
  int p[2];
  if (pipe(p) != 0) return;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
  int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644); /* what `echo > /dev/stdout` does */
  long n = w < 0 ? -1 : write(w, "via proc", 8);
  snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
  int r = open(path, O_RDONLY);
  char buf[16] = {0};
  long got = r < 0 ? -1 : read(r, buf, sizeof buf - 1);
  printf("pipe ends reopened through /proc/self/fd: wrote %ld, read %ld \"%s\"\n", n, got, buf);
  int nf = open(path, O_RDONLY | O_NOFOLLOW);
  printf("O_NOFOLLOW on it: %s", nf < 0 ? strerrorname_np(errno) : "opened");
  struct stat st;
  printf("; stat through it is a FIFO: %d, lstat a link: %d\n", stat(path, &st) == 0 && S_ISFIFO(st.st_mode),
         lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
  close(w);
  close(r);
  close(p[0]);
  close(p[1]);
}

/**
 * Fill `fd` (O_RDWR, non-blocking) and poll it for POLLOUT while a child reads one PIPE_BUF from
 * it: the read frees the space the poll waits for, so the poll ends while the child still waits
 * (for the parent's word that it did, which never comes within 3 s if the poll slept on).
 */
static void poll_wakes_for_space(int fd, const char *what) {
  char chunk[256] = {0};
  int done[2];
  if (pipe(done) != 0) return;
  while (write(fd, chunk, sizeof chunk) > 0) {}
  pid_t child = fork();
  if (child == 0) {
    char drain[4096];
    usleep(50000);
    if (read(fd, drain, sizeof drain) != sizeof drain) _exit(2);
    struct pollfd word = {done[0], POLLIN, 0};
    _exit(poll(&word, 1, 3000) == 1 ? 0 : 1);
  }
  struct pollfd pfd = {fd, POLLOUT, 0};
  int r = poll(&pfd, 1, 10000);
  if (write(done[1], "", 1) != 1) perror("write");
  int status = 0;
  waitpid(child, &status, 0);
  printf("%s full, a reader takes 4096 bytes: poll %d revents %#x, ended while the reader waited %d\n", what, r,
         pfd.revents, WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(done[0]);
  close(done[1]);
}

/**
 * A pipe reopened O_RDWR through /proc/self/fd holds both ends, as a FIFO opened O_RDWR does: it
 * reads what the write end wrote, writes for the read end, sees neither EOF nor EPIPE once the
 * pipe's own ends are closed, and its poll wakes when a reader frees space.
 */
static void both_ends(void) {
  int p[2];
  if (pipe(p) != 0) return;
  char path[64], buf[16] = {0};
  snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
  int rw = open(path, O_RDWR | O_NONBLOCK);
  if (rw < 0) {
    printf("pipe reopened O_RDWR: %s\n", strerrorname_np(errno));
  } else {
    long a = write(p[1], "one", 3), b = read(rw, buf, 3), c = write(rw, "two", 3), d = read(p[0], buf + 3, 3);
    printf("pipe reopened O_RDWR: wrote %ld, read %ld, wrote %ld, read %ld \"%s\"\n", a, b, c, d, buf);
    close(p[0]);
    close(p[1]);
    long e = read(rw, buf, 1);
    printf("its own ends closed: read %ld %s", e, e < 0 ? strerrorname_np(errno) : "");
    struct pollfd pfd = {rw, POLLIN | POLLOUT, 0};
    printf(", write %ld", write(rw, "x", 1));
    int r = poll(&pfd, 1, 0);
    printf(", poll %d revents %#x\n", r, pfd.revents);
    poll_wakes_for_space(rw, "pipe reopened O_RDWR");
    close(rw);
  }
  char fifo[] = "/tmp/procfs-fifo-XXXXXX";
  int tmp = mkstemp(fifo);
  if (tmp < 0) return;
  close(tmp);
  unlink(fifo);
  if (mkfifo(fifo, 0600) != 0) return;
  int f = open(fifo, O_RDWR | O_NONBLOCK);
  if (f >= 0) {
    poll_wakes_for_space(f, "FIFO opened O_RDWR");
    close(f);
  }
  unlink(fifo);
}

/** A call's result as its errno's name, or "ok" (closing what it opened). */
static const char *outcome(int rc) {
  if (rc < 0) return strerrorname_np(errno);
  if (rc > 2) close(rc);
  return "ok";
}

/**
 * Creating a name in /proc: Linux's procfs lookup of a name it lacks fails, so every kind of
 * create answers ENOENT, whatever the directory, before any other check (a trailing slash on
 * open(O_CREAT) is EISDIR first). What it has cannot be removed, renamed or chmod'ed: EPERM.
 */
static void creating_in_proc(const char *tmpfile) {
  static const char *NAMES[] = {"/proc/procfs-new", "/proc/self/procfs-new", "/proc/self/fd/999",
                                "/proc/self/task/procfs-new", "/proc/sys/kernel/procfs-new", "/proc/net/procfs-new"};
  for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
    const char *p = NAMES[i];
    printf("%s: open O_CREAT %s", p, outcome(open(p, O_CREAT | O_WRONLY, 0644)));
    printf(", O_CREAT|O_EXCL %s", outcome(open(p, O_CREAT | O_EXCL | O_RDWR, 0644)));
    printf(", mkdir %s", outcome(mkdir(p, 0755)));
    printf(", mknod FIFO %s", outcome(mknod(p, S_IFIFO | 0644, 0)));
    printf(", mknod REG %s", outcome(mknod(p, S_IFREG | 0644, 0)));
    printf(", symlink %s", outcome(symlink("/tmp", p)));
    printf(", link %s", outcome(link(tmpfile, p)));
    printf(", rename in %s\n", outcome(rename(tmpfile, p)));
  }
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "/proc/procfs-sock"};
  printf("bind a socket in /proc: %s\n", outcome(bind(s, (struct sockaddr *)&a, sizeof a)));
  close(s);
  printf("mkdir /proc/procfs-new/: %s, open O_CREAT of it: %s, mkdir /proc/self: %s\n",
         outcome(mkdir("/proc/procfs-new/", 0755)), outcome(open("/proc/procfs-new/", O_CREAT | O_WRONLY, 0644)),
         outcome(mkdir("/proc/self", 0755)));
  printf("rename /proc/self/stat to a new name: %s, over /proc/self/status: %s\n",
         outcome(rename("/proc/self/stat", "/proc/self/procfs-new")), outcome(rename("/proc/self/stat", "/proc/self/status")));
  printf("unlink /proc/cpuinfo: %s, rmdir /proc/self/fd: %s, chmod /proc/self/stat: %s, access W_OK /proc/cpuinfo: %s\n",
         outcome(unlink("/proc/cpuinfo")), outcome(rmdir("/proc/self/fd")), outcome(chmod("/proc/self/stat", 0444)),
         outcome(access("/proc/cpuinfo", W_OK)));
}

/** Whether /sys is mounted read-only, by /proc/self/mounts. */
static int sys_read_only(void) {
  FILE *f = fopen("/proc/self/mounts", "r");
  char line[1024], dir[512], type[64], opts[512];
  int ro = -1;
  while (f && fgets(line, sizeof line, f)) {
    if (sscanf(line, "%*s %511s %63s %511s", dir, type, opts) == 3 && !strcmp(dir, "/sys")) ro = !strncmp(opts, "ro", 2) && (opts[2] == ',' || !opts[2]);
  }
  if (f) fclose(f);
  return ro;
}

/**
 * Creating in a read-only sysfs, as a container's /sys is (runc mounts it so): sysfs leaves room
 * for new names (unlike procfs), so a create answers EROFS, ENOENT for a name ending in '/' that
 * only a directory may have, EXDEV for a rename from another mount; unlink, rmdir and rename
 * answer EROFS before looking their name up, and its files cannot be opened for writing. The
 * host's /sys is read-write: natively, a child makes it read-only in a mount namespace of its own.
 */
static void creating_in_read_only_sys(const char *tmpfile) {
  pid_t child = fork();
  if (child == 0) {
    if (sys_read_only() != 1 && (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0
                                 || mount(NULL, "/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)) {
      printf("cannot make /sys read-only: %s\n", strerrorname_np(errno));
      _exit(1);
    }
    static const char *NAMES[] = {"/sys/procfs-new", "/sys/kernel/procfs-new", "/sys/devices/system/cpu/procfs-new"};
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
      const char *p = NAMES[i];
      char slash[128];
      snprintf(slash, sizeof slash, "%s/", p);
      printf("%s: open O_CREAT %s", p, outcome(open(p, O_CREAT | O_WRONLY, 0644)));
      printf(", mkdir %s", outcome(mkdir(p, 0755)));
      printf(", mknod FIFO %s", outcome(mknod(p, S_IFIFO | 0644, 0)));
      printf(", mknod REG %s", outcome(mknod(p, S_IFREG | 0644, 0)));
      printf(", symlink %s", outcome(symlink("/tmp", p)));
      printf(", link %s", outcome(link(tmpfile, p)));
      printf(", rename in %s", outcome(rename(tmpfile, p)));
      printf(", unlink %s, rmdir %s", outcome(unlink(p)), outcome(rmdir(p)));
      printf("; with a slash: mkdir %s, symlink %s, link %s\n", outcome(mkdir(slash, 0755)),
             outcome(symlink("/tmp", slash)), outcome(link(tmpfile, slash)));
    }
    const char *thp = "/sys/kernel/mm/transparent_hugepage/enabled";
    printf("/sys: open a file O_WRONLY %s, O_CREAT|O_RDONLY %s; rename it %s, unlink it %s, rmdir /sys/kernel %s, mkdir /sys/kernel %s\n",
           outcome(open(thp, O_WRONLY)), outcome(open(thp, O_CREAT | O_RDONLY, 0644)),
           outcome(rename(thp, "/sys/kernel/procfs-new")), outcome(unlink(thp)), outcome(rmdir("/sys/kernel")),
           outcome(mkdir("/sys/kernel", 0755)));
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
}

/** The name /proc/self/maps gives the mapping at `at` ("(no mapping)" if none). */
static void mapped_name(void *at, char *name, size_t size) {
  FILE *f = fopen("/proc/self/maps", "r");
  struct maps_line m;
  snprintf(name, size, "(no mapping)");
  while (next_maps_line(f, &m)) {
    if (m.lo == (unsigned long)at) snprintf(name, size, "%s", m.path);
  }
  if (f) fclose(f);
}

/** Maps `path` (two pages of it, private, read-only), or NULL. */
static void *map_file(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT, 0600);
  if (fd < 0) return NULL;
  ftruncate(fd, 8192);
  void *at = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  return at == MAP_FAILED ? NULL : at;
}

/** How a mapping of `path` is named: `path` itself, `path` with " (deleted)", or something else. */
static const char *named(void *at, const char *path) {
  char name[600], deleted[600];
  mapped_name(at, name, sizeof name);
  snprintf(deleted, sizeof deleted, "%s (deleted)", path);
  return !strcmp(name, path) ? "its path" : !strcmp(name, deleted) ? "its path (deleted)" : "something else";
}

/**
 * A file's mapping is named "<path> (deleted)" in /proc/<pid>/maps once that path is gone: unlinked
 * (also while another link remains: the name is what counts), or replaced by a rename; on the
 * rootfs and on a tmpfs.
 */
static void deleted_mappings(void) {
  const char *dirs[] = {"/tmp", "/dev/shm"};
  for (int d = 0; d < 2; d++) {
    char a[128], b[128], c[128], fresh[128];
    snprintf(a, sizeof a, "%s/procfs-map-a-%d", dirs[d], getpid());
    snprintf(b, sizeof b, "%s/procfs-map-b-%d", dirs[d], getpid());
    snprintf(c, sizeof c, "%s/procfs-map-c-%d", dirs[d], getpid());
    snprintf(fresh, sizeof fresh, "%s/procfs-map-new-%d", dirs[d], getpid());
    void *ma = map_file(a), *mc = map_file(c);
    printf("%s: mapped file named by %s", dirs[d], named(ma, a));
    unlink(a);
    printf(", unlinked: %s", named(ma, a));
    void *mb = map_file(b);
    link(b, a);
    unlink(b);
    printf("; unlinked with another link left: %s", named(mb, b));
    close(open(fresh, O_WRONLY | O_CREAT, 0600));
    rename(fresh, c);
    printf("; renamed over: %s\n", named(mc, c));
    unlink(a);
    unlink(c);
    munmap(ma, 8192);
    munmap(mb, 8192);
    munmap(mc, 8192);
  }
}

/** The text of the link `path` with the pid and the digits after '#' (an inode) masked. */
static const char *link_text(const char *path) {
  static char out[256];
  char buf[256];
  long n = readlink(path, buf, sizeof buf - 1);
  if (n < 0) return strerrorname_np(errno);
  buf[n] = 0;
  char pid[16];
  int plen = snprintf(pid, sizeof pid, "%d", getpid());
  size_t o = 0;
  for (long i = 0; i < n && o < sizeof out - 8; i++) {
    if (!strncmp(buf + i, pid, plen)) {
      o += snprintf(out + o, sizeof out - o, "PID");
      i += plen - 1;
    } else if (buf[i] == '#') {
      o += snprintf(out + o, sizeof out - o, "#INO");
      while (i + 1 < n && buf[i + 1] >= '0' && buf[i + 1] <= '9') i++;
    } else {
      out[o++] = buf[i];
    }
  }
  out[o] = 0;
  return out;
}

static const char *fd_link(int fd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return link_text(path);
}

/**
 * fd and cwd links of files and directories whose names have gone: " (deleted)", as d_path says.
 * (Not a rename: Linux's link follows the file to its new name, the kernel's shows the old one deleted.)
 */
static void deleted_links(void) {
  const char *dirs[] = {"/tmp", "/dev/shm"};
  for (int d = 0; d < 2; d++) {
    char file[128], dir[128];
    snprintf(file, sizeof file, "%s/procfs-link-%d", dirs[d], getpid());
    snprintf(dir, sizeof dir, "%s/procfs-dir-%d", dirs[d], getpid());
    int f = open(file, O_RDWR | O_CREAT, 0600);
    printf("%s: a file's link %s", dirs[d], fd_link(f));
    unlink(file);
    printf(", unlinked %s", fd_link(f));
    close(open(file, O_RDWR | O_CREAT, 0600));
    printf(", another file took the name %s\n", fd_link(f));
    close(f);
    unlink(file);
    mkdir(dir, 0700);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    rmdir(dir);
    printf("  removed directory %s", fd_link(dfd));
    close(dfd);
    int t = open(dirs[d], O_TMPFILE | O_RDWR, 0600);
    printf("; O_TMPFILE %s", t < 0 ? strerrorname_np(errno) : fd_link(t));
    if (t >= 0) {
      ftruncate(t, 4096);
      void *at = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, t, 0);
      char name[256];
      mapped_name(at, name, sizeof name);
      char *hash = strchr(name, '#'), *end = hash;
      if (hash != NULL) {
        while (*++end >= '0' && *end <= '9') {}
        printf(", mapped as %.*s#INO%s\n", (int)(hash - name), name, end);
      } else {
        printf(", mapped as %s\n", name);
      }
      munmap(at, 4096);
      close(t);
    } else {
      printf("\n");
    }
  }
  int m = memfd_create("procfs", 0);
  printf("memfd %s\n", fd_link(m));
  close(m);
  char cwd[256], dir[128];
  getcwd(cwd, sizeof cwd);
  snprintf(dir, sizeof dir, "/tmp/procfs-cwd-%d", getpid());
  mkdir(dir, 0700);
  chdir(dir);
  printf("cwd %s", link_text("/proc/self/cwd"));
  rmdir(dir);
  printf(", removed %s\n", link_text("/proc/self/cwd"));
  chdir(cwd);
}

/** Whether `s` is a UUID in text (8-4-4-4-12 hex digits, version 4) followed by a newline. */
static int is_uuid(const char *s) {
  for (int i = 0; i < 36; i++) {
    int dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
  }
  return s[14] == '4' && s[36] == '\n' && s[37] == 0;
}

/** /proc/sys: the settings whose values are Linux's defaults, read-only ones refusing root's writes. */
static void sysctls(void) {
  const char *same[] = {
    "fs/nr_open", "fs/pipe-max-size", "kernel/cap_last_cap", "kernel/msgmax", "kernel/msgmnb", "kernel/msgmni",
    "kernel/ngroups_max", "kernel/ostype", "kernel/random/poolsize", "kernel/random/entropy_avail", "kernel/sem",
    "kernel/shmmni", "net/core/somaxconn", "net/ipv4/ip_default_ttl", "net/ipv4/ip_local_port_range",
    "net/ipv4/ip_unprivileged_port_start",
  };
  char path[128], buf[256];
  for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
    snprintf(path, sizeof path, "/proc/sys/%s", same[i]);
    long n = slurp(path, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("sysctl %s: %s", same[i], n < 0 ? "missing\n" : buf);
  }
  char a[64] = {0}, b[64] = {0};
  slurp("/proc/sys/kernel/random/boot_id", a, sizeof a - 1);
  slurp("/proc/sys/kernel/random/boot_id", b, sizeof b - 1);
  printf("boot_id is a uuid %d, the same twice %d\n", is_uuid(a), !strcmp(a, b));
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  slurp("/proc/sys/kernel/random/uuid", a, sizeof a - 1);
  slurp("/proc/sys/kernel/random/uuid", b, sizeof b - 1);
  printf("uuid is a uuid %d, new each time %d\n", is_uuid(a), strcmp(a, b) != 0);
  int w = open("/proc/sys/kernel/ngroups_max", O_WRONLY);
  printf("root opens ngroups_max (0444) to write: %s\n", w < 0 ? strerrorname_np(errno) : "opened");
  if (w >= 0) close(w);
  printf("access(W_OK) of osrelease: %s\n", access("/proc/sys/kernel/osrelease", W_OK) < 0 ? strerrorname_np(errno) : "allowed");
  printf("access(R_OK) of osrelease: %s\n", access("/proc/sys/kernel/osrelease", R_OK) < 0 ? strerrorname_np(errno) : "allowed");
}

/** The line of /proc/net/unix for the socket `fd` (by its inode), without the kernel address and inode, or why not. */
static void unix_line(const char *what, int fd, const char *dir) {
  struct stat st;
  fstat(fd, &st);
  FILE *f = fopen("/proc/net/unix", "r");
  char line[1024], path[512];
  unsigned refs, proto, flags, type, state;
  unsigned long ino;
  int found = 0;
  while (f && fgets(line, sizeof line, f)) {
    path[0] = 0;
    if (sscanf(line, "%*s %x %x %x %x %x %lu %511[^\n]", &refs, &proto, &flags, &type, &state, &ino, path) < 6 || ino != st.st_ino) continue;
    found = 1;
    size_t n = strlen(dir);
    // Paths in our directory, which differs from run to run, are printed from it.
    printf("%s: refs %u protocol %u flags %05x type %04x state %02x path %s%s\n", what, refs, proto, flags, type, state,
           strncmp(path, dir, n) ? "" : "<dir>", strncmp(path, dir, n) ? path : path + n);
  }
  if (f) fclose(f);
  if (!found) printf("%s: not listed\n", what);
}

/**
 * /proc/net/unix lists AF_UNIX sockets as Linux does: a listener (flag __SO_ACCEPTCON), a
 * connection's two ends (connected; the accepted one named as its listener), socket pairs, an
 * abstract name ('@' for its NULs), unbound and unconnected sockets, and ends whose peer closed.
 */
static void unix_sockets_listed(void) {
  char header[128] = "";
  FILE *f = fopen("/proc/net/unix", "r");
  if (f && !fgets(header, sizeof header, f)) header[0] = 0;
  if (f) fclose(f);
  printf("/proc/net/unix header: %s", header);
  char dir[] = "/tmp/procfs-unix-XXXXXX";
  if (!mkdtemp(dir)) return;
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s/listener", dir);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  bind(l, (struct sockaddr *)&a, sizeof a);
  listen(l, 4);
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  connect(c, (struct sockaddr *)&a, sizeof a);
  int s = accept(l, NULL, NULL);
  int dp[2], qp[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, dp);
  socketpair(AF_UNIX, SOCK_SEQPACKET, 0, qp);
  struct sockaddr_un abstract = {.sun_family = AF_UNIX};
  memcpy(abstract.sun_path, "\0rvisor-procfs\0test", 19);
  socklen_t abstract_len = offsetof(struct sockaddr_un, sun_path) + 19;
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  bind(d, (struct sockaddr *)&abstract, abstract_len);
  int dc = socket(AF_UNIX, SOCK_DGRAM, 0);
  connect(dc, (struct sockaddr *)&abstract, abstract_len);
  int unbound = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  unix_line("listener", l, dir);
  unix_line("client", c, dir);
  unix_line("accepted", s, dir);
  unix_line("datagram pair", dp[0], dir);
  unix_line("seqpacket pair", qp[0], dir);
  unix_line("abstract datagram, connected to", d, dir);
  unix_line("datagram connected to it", dc, dir);
  unix_line("unbound seqpacket", unbound, dir);
  close(s);
  close(dp[1]);
  unix_line("client, its peer closed", c, dir);
  unix_line("datagram pair, its peer closed", dp[0], dir);
  int rest[] = {l, c, dp[0], qp[0], qp[1], d, dc, unbound};
  for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) close(rest[i]);
  unlink(a.sun_path);
  rmdir(dir);
}

/** /proc/self/io's counters, and the length of the text they were read from. */
struct io_snapshot { long rchar, wchar, syscr, syscw, read_bytes; long len; };

static long io_field(const char *text, const char *key) {
  const char *at = strstr(text, key);
  return at ? atol(at + strlen(key)) : -1;
}

/** One read of /proc/self/io (itself a read of `len` bytes, counted in the next snapshot). */
static struct io_snapshot io_now(void) {
  char buf[512];
  int fd = open("/proc/self/io", O_RDONLY);
  long n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  struct io_snapshot s = {io_field(buf, "rchar: "), io_field(buf, "wchar: "), io_field(buf, "syscr: "),
                          io_field(buf, "syscw: "), io_field(buf, "\nread_bytes: "), n};
  return s;
}

/**
 * /proc/self/io: the bytes and calls of read- and write-like calls between two reads of it,
 * nothing printed in between (stdout is unbuffered: each printf is a write).
 */
static void io_counts(void) {
  char path[] = "/tmp/procfs-io-XXXXXX";
  int fd = mkstemp(path), p[2];
  if (fd < 0 || pipe(p) != 0) { perror("io setup"); return; }
  char b[64] = "0123456789abcdef";
  struct iovec v[2] = {{b, 4}, {b + 4, 4}};
  struct io_snapshot a = io_now();
  write(fd, b, 10);
  pwrite(fd, b, 5, 20);
  writev(fd, v, 2);
  lseek(fd, 0, SEEK_SET);
  read(fd, b, 7);
  pread(fd, b, 3, 2);
  readv(fd, v, 2);
  lseek(fd, 0, SEEK_END);
  read(fd, b, 5); // at the end: a call, no bytes
  write(p[1], b, 6);
  read(p[0], b, 6);
  struct io_snapshot z = io_now();
  printf("io: syscr +%ld, syscw +%ld, rchar +%ld, wchar +%ld, read_bytes counted %d\n",
         z.syscr - a.syscr - 1, z.syscw - a.syscw, z.rchar - a.rchar - a.len, z.wchar - a.wchar, a.read_bytes >= 0);
  close(fd);
  close(p[0]);
  close(p[1]);
  unlink(path);
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "exec-side")) return exec_side();
  if (argc > 1 && !strcmp(argv[1], "comm-after-exec")) {
    char buf[64];
    show_nuls("comm", buf, slurp("/proc/self/comm", buf, sizeof buf));
    return 0;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  umask(027);
  pid_t pid = getpid(), ppid = getppid();
  char buf[4096], path[64];

  memory_total();
  tasks();
  statm();
  own_maps();
  magic_links();
  both_ends();
  stat_file("/proc/self/stat", pid, ppid, "procfs");
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  stat_file(path, pid, ppid, "procfs");
  status_file(pid, ppid);
  char scratch[] = "/tmp/procfs-file-XXXXXX";
  close(mkstemp(scratch));
  creating_in_proc(scratch);
  creating_in_read_only_sys(scratch);
  unlink(scratch);
  deleted_mappings();
  deleted_links();
  sysctls();
  unix_sockets_listed();
  io_counts();

  long n = readlink("/proc/self", buf, sizeof buf - 1);
  buf[n < 0 ? 0 : n] = 0;
  printf("/proc/self links to the pid %d\n", atoi(buf) == pid);
  struct stat s;
  printf("lstat /proc/self: link %d\n", lstat("/proc/self", &s) == 0 && S_ISLNK(s.st_mode));
  printf("stat /proc/self: dir %d\n", stat("/proc/self", &s) == 0 && S_ISDIR(s.st_mode));

  // /proc lists this process among its numeric entries.
  DIR *d = opendir("/proc");
  int listed = 0;
  for (struct dirent *e; d && (e = readdir(d));) listed += atoi(e->d_name) == pid;
  if (d) closedir(d);
  printf("/proc lists this pid %d\n", listed);

  // The fd directory: a freshly opened descriptor appears there and links to its file.
  char tmpl[] = "/tmp/procfs-XXXXXX";
  if (!mkdtemp(tmpl) || chdir(tmpl) != 0) { perror("setup"); return 1; }
  int fd = open("marker", O_RDWR | O_CREAT, 0600);
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  n = readlink(path, buf, sizeof buf - 1);
  buf[n < 0 ? 0 : n] = 0;
  const char *base = strrchr(buf, '/');
  printf("fd link names the file %d\n", base && !strcmp(base, "/marker"));
  d = opendir("/proc/self/fd");
  listed = 0;
  for (struct dirent *e; d && (e = readdir(d));) listed += e->d_name[0] != '.' && atoi(e->d_name) == fd;
  closedir(d);
  printf("fd directory lists it %d\n", listed);
  // Opening the link opens the file itself, with a fresh offset.
  write(fd, "via fd link", 11);
  int again = open(path, O_RDONLY);
  n = read(again, buf, sizeof buf - 1);
  buf[n < 0 ? 0 : n] = 0;
  printf("read through /proc/self/fd: \"%s\"\n", buf);
  close(again);
  close(fd);
  unlink("marker");

  // cwd follows chdir; its link is the directory getcwd names.
  char cwd[4096];
  getcwd(cwd, sizeof cwd);
  n = readlink("/proc/self/cwd", buf, sizeof buf - 1);
  buf[n < 0 ? 0 : n] = 0;
  printf("/proc/self/cwd is getcwd %d\n", !strcmp(buf, cwd));
  chdir("/");
  rmdir(tmpl);
  n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  buf[n < 0 ? 0 : n] = 0;
  base = strrchr(buf, '/');
  printf("/proc/self/exe names the program %d\n", base && !strcmp(base, "/procfs"));

  // A child's entry exists while it is a zombie and goes when it is reaped.
  pid_t child = fork();
  if (child == 0) _exit(0);
  siginfo_t info;
  waitid(P_PID, child, &info, WEXITED | WNOWAIT);
  snprintf(path, sizeof path, "/proc/%d/stat", child);
  n = slurp(path, buf, sizeof buf);
  char *close_paren = n > 0 ? strrchr(buf, ')') : NULL;
  printf("zombie child: stat state %c\n", close_paren ? close_paren[2] : '?');
  waitpid(child, NULL, 0);
  n = slurp(path, buf, sizeof buf);
  printf("reaped child: stat errno %ld\n", n < 0 ? -n : 0);

  // Re-execute with fixed arguments and environment (after a fork, so the pid differs).
  child = fork();
  if (child == 0) {
    char *args[] = {"procfs-exec", "exec-side", "an argument with spaces", "", "last", NULL};
    char *env[] = {"A=1", "GREETING=hello world", NULL};
    execve("/proc/self/exe", args, env);
    printf("execve /proc/self/exe: errno %d\n", errno);
    _exit(1);
  }
  int status;
  waitpid(child, &status, 0);
  printf("exec-side exit %d\n", WEXITSTATUS(status));

  n = slurp("/proc/self/nonexistent", buf, sizeof buf);
  printf("missing entry: errno %ld\n", -n);
  n = slurp("/proc/999999/stat", buf, sizeof buf);
  printf("missing pid: errno %ld\n", -n);
  fd = open("/proc/self/stat", O_WRONLY);
  printf("open stat for writing: errno %d\n", fd < 0 ? errno : 0);
  return comm_after_exec();
}
