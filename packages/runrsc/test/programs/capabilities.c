// Conformance: capabilities, run as root — capget's version check, capset's rules, the bounding
// and ambient sets through prctl, what set*uid and execve do to the sets, and the checks that
// consult them (file access, chown, the sticky bit, kill, binding a low port, mount). Each case
// runs in a child, which changes its own sets; the program prints facts about the sets (which
// capabilities are in which set), not the sets themselves, which depend on the host.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *e(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

struct sets { unsigned long long eff, prm, inh; };

static struct sets get(void) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  syscall(SYS_capget, &h, d);
  return (struct sets){d[0].effective | (unsigned long long)d[1].effective << 32,
                       d[0].permitted | (unsigned long long)d[1].permitted << 32,
                       d[0].inheritable | (unsigned long long)d[1].inheritable << 32};
}

static long set(struct sets s) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2] = {
      {(unsigned)s.eff, (unsigned)s.prm, (unsigned)s.inh},
      {(unsigned)(s.eff >> 32), (unsigned)(s.prm >> 32), (unsigned)(s.inh >> 32)},
  };
  return syscall(SYS_capset, &h, d);
}

#define BIT(c) (1ULL << (c))

static void has(const char *what, int cap) {
  struct sets s = get();
  printf("%s: effective %d permitted %d inheritable %d ambient %d bounding %d\n", what, !!(s.eff & BIT(cap)),
         !!(s.prm & BIT(cap)), !!(s.inh & BIT(cap)), (int)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0),
         (int)prctl(PR_CAPBSET_READ, cap, 0, 0, 0));
}

/** Drop `cap` from the effective set only. */
static void drop_effective(int cap) {
  struct sets s = get();
  s.eff &= ~BIT(cap);
  set(s);
}

static void in_child(const char *name, void (*body)(void)) {
  printf("-- %s\n", name);
  pid_t pid = fork();
  if (pid == 0) {
    body();
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("child ended with status %#x\n", st);
}

static void versions(void) {
  struct __user_cap_header_struct h = {0x12345678, 0};
  struct __user_cap_data_struct d[2];
  const char *r = e(syscall(SYS_capget, &h, d));
  printf("capget with a bad version: %s, version written back %#x\n", r, h.version);
  h.version = 0x12345678;
  r = e(syscall(SYS_capget, &h, NULL));
  printf("capget with a bad version and no data: %s, version %#x\n", r, h.version);
  h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_1, 0};
  memset(d, 0xff, sizeof d);
  printf("capget v1: %s, the second word untouched %d\n", e(syscall(SYS_capget, &h, d)), d[1].effective == 0xffffffffu);
  h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, -1};
  printf("capget of pid -1: %s\n", e(syscall(SYS_capget, &h, d)));
  h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, 99999};
  printf("capget of a pid that is none: %s\n", e(syscall(SYS_capget, &h, d)));
  h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, getppid()};
  printf("capset of another process: %s\n", e(syscall(SYS_capset, &h, d)));
  printf("capget of a bad header pointer: %s\n", e(syscall(SYS_capget, (void *)8, d)));
  struct sets s = get();
  printf("root: effective == permitted %d, inheritable empty %d\n", s.eff == s.prm, s.inh == 0);
  has("root CAP_SYS_ADMIN", CAP_SYS_ADMIN);
}

static void capset_rules(void) {
  struct sets s = get();
  struct sets t = s;
  t.eff &= ~BIT(CAP_CHOWN);
  printf("drop CAP_CHOWN from effective: %s\n", e(set(t)));
  has("CAP_CHOWN", CAP_CHOWN);
  t = get();
  t.eff |= BIT(CAP_CHOWN);
  printf("raise it again (still permitted): %s\n", e(set(t)));
  t.prm &= ~BIT(CAP_CHOWN);
  printf("drop it from permitted while effective: %s\n", e(set(t)));
  t.eff &= ~BIT(CAP_CHOWN);
  printf("drop it from both: %s\n", e(set(t)));
  t.prm |= BIT(CAP_CHOWN);
  printf("take it back into permitted: %s\n", e(set(t)));
  t = get();
  t.inh |= BIT(CAP_KILL);
  printf("add CAP_KILL to inheritable: %s\n", e(set(t)));
  has("CAP_KILL", CAP_KILL);
  printf("PR_CAPBSET_READ of cap 99: %s\n", e(prctl(PR_CAPBSET_READ, 99, 0, 0, 0)));
}

static void ambient_and_bounding(void) {
  printf("raise CAP_NET_RAW into ambient, not inheritable: %s\n", e(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0)));
  struct sets s = get();
  s.inh |= BIT(CAP_NET_RAW);
  set(s);
  printf("raise it once inheritable: %s\n", e(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0)));
  has("CAP_NET_RAW", CAP_NET_RAW);
  s = get();
  s.inh &= ~BIT(CAP_NET_RAW);
  set(s);
  printf("ambient after it leaves inheritable: %d\n", (int)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0));
  printf("clear all with a stray argument: %s\n", e(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0)));
  printf("drop CAP_MKNOD from bounding: %s\n", e(prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0)));
  has("CAP_MKNOD", CAP_MKNOD);
  drop_effective(CAP_SETPCAP);
  printf("drop CAP_SYS_TIME from bounding without CAP_SETPCAP: %s\n", e(prctl(PR_CAPBSET_DROP, CAP_SYS_TIME, 0, 0, 0)));
  s = get();
  s.inh |= BIT(CAP_MKNOD);
  printf("add CAP_MKNOD to inheritable once out of bounding: %s\n", e(set(s)));
}

static void setuid_transitions(void) {
  printf("seteuid(1000): %s\n", e(seteuid(1000)));
  struct sets s = get();
  printf("  effective empty %d, permitted kept %d\n", s.eff == 0, s.prm != 0);
  printf("seteuid(0): %s\n", e(seteuid(0)));
  s = get();
  printf("  effective == permitted %d\n", s.eff == s.prm);
  prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
  printf("setresuid(1000, 1000, 1000) with keepcaps: %s\n", e(setresuid(1000, 1000, 1000)));
  s = get();
  printf("  effective empty %d, permitted kept %d\n", s.eff == 0, s.prm != 0);
  s.eff = s.prm & BIT(CAP_DAC_OVERRIDE);
  printf("  raise CAP_DAC_OVERRIDE as uid 1000: %s\n", e(set(s)));
  printf("  open /etc/shadow-like 0600 root file for reading: %s\n", e(open("/tmp/cap-secret", O_RDONLY)));
  printf("setuid(0) back: %s\n", e(setuid(0)));
}

static void setuid_drops_all(void) {
  printf("setuid(1000) without keepcaps: %s\n", e(setuid(1000)));
  struct sets s = get();
  printf("  effective empty %d, permitted empty %d\n", s.eff == 0, s.prm == 0);
  printf("  open a 0600 root file: %s\n", e(open("/tmp/cap-secret", O_RDONLY)));
  printf("  kill(1, 0) of another user's process: %s\n", e(kill(getppid(), 0)));
  printf("  setuid(0): %s\n", e(setuid(0)));
}

/** The fourth field of /proc/self/status's `Uid:` or `Gid:` line: the file system id. */
static void status_ids(const char *what, const char *key) {
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, key, strlen(key)) == 0) printf("%s: %s", what, line);
  if (f) fclose(f);
}

static void owner_of_new_file(const char *what) {
  unlink("/tmp/cap-fsid");
  int f = open("/tmp/cap-fsid", O_CREAT | O_WRONLY, 0644);
  struct stat st;
  if (f < 0 || fstat(f, &st) != 0) printf("%s: %s\n", what, strerrorname_np(errno));
  else printf("%s: uid %d gid %d\n", what, (int)st.st_uid, (int)st.st_gid);
  if (f >= 0) close(f);
  unlink("/tmp/cap-fsid");
}

static void fs_ids(void) {
  printf("setfsuid(-1) reads: %d\n", setfsuid(-1));
  prctl(PR_SET_PDEATHSIG, SIGUSR1);
  int old = setfsuid(1000);
  printf("setfsuid(1000): old %d, now %d, euid %d\n", old, setfsuid(-1), (int)geteuid());
  int sig = -1;
  prctl(PR_GET_PDEATHSIG, &sig);
  printf("  death signal %d dumpable %d\n", sig, prctl(PR_GET_DUMPABLE));
  has("  CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE);
  has("  CAP_CHOWN", CAP_CHOWN);
  has("  CAP_KILL", CAP_KILL);
  status_ids("  status", "Uid:");
  printf("  open a 0600 root file: %s\n", e(open("/tmp/cap-secret", O_RDONLY)));
  printf("  access(2) checks the real ids: %s\n", e(access("/tmp/cap-secret", R_OK)));
  printf("setfsgid(1000): old %d\n", setfsgid(1000));
  status_ids("  status", "Gid:");
  owner_of_new_file("  a new file");
  printf("setfsuid(0): old %d\n", setfsuid(0));
  has("  CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE);
  owner_of_new_file("  a new file");
  setfsuid(1000);
  printf("seteuid(0) again: %s\n", e(seteuid(0)));
  old = setfsuid(-1);
  printf("  fsuid %d fsgid %d\n", old, setfsgid(-1));
  has("  CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE);
  const char *r = e(setresuid(1000, 1000, 1000));
  printf("setresuid(1000, 1000, 1000): %s, fsuid %d\n", r, setfsuid(-1));
  old = setfsuid(2000);
  printf("  setfsuid(2000) without CAP_SETUID: old %d, now %d\n", old, setfsuid(-1));
  old = setfsgid(2000);
  printf("  setfsgid(2000) without CAP_SETGID: old %d, now %d\n", old, setfsgid(-1));
  old = setfsgid(0);
  printf("  setfsgid(0), its real gid: old %d, now %d\n", old, setfsgid(-1));
}

static void checks(void) {
  drop_effective(CAP_DAC_OVERRIDE);
  printf("without CAP_DAC_OVERRIDE: read a 0000 file %s, write it %s\n", e(open("/tmp/cap-zero", O_RDONLY)),
         e(open("/tmp/cap-zero", O_WRONLY)));
  drop_effective(CAP_DAC_READ_SEARCH);
  printf("and without CAP_DAC_READ_SEARCH: read it %s\n", e(open("/tmp/cap-zero", O_RDONLY)));
  drop_effective(CAP_CHOWN);
  printf("without CAP_CHOWN: chown a file to 1000 %s\n", e(chown("/tmp/cap-zero", 1000, -1)));
  drop_effective(CAP_FOWNER);
  printf("without CAP_FOWNER: chmod a file of uid 1000 %s\n", e(chmod("/tmp/cap-other", 0600)));
  drop_effective(CAP_KILL);
  printf("without CAP_KILL: kill(parent, 0) of the same uid %s\n", e(kill(getppid(), 0)));
  drop_effective(CAP_NET_BIND_SERVICE);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(81), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  printf("without CAP_NET_BIND_SERVICE: bind port 81 %s\n", e(bind(fd, (void *)&sa, sizeof sa)));
  drop_effective(CAP_SYS_ADMIN);
  printf("without CAP_SYS_ADMIN: mount a tmpfs %s\n", e(mount("none", "/tmp", "tmpfs", 0, NULL)));
  drop_effective(CAP_SETUID);
  printf("without CAP_SETUID: setuid(1000) %s\n", e(setuid(1000)));
  drop_effective(CAP_SYS_CHROOT);
  printf("without CAP_SYS_CHROOT: chroot %s\n", e(chroot("/tmp")));
}

static void exec_child(void) {
  prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0);
  drop_effective(CAP_CHOWN);
  struct sets s = get();
  s.prm &= ~BIT(CAP_CHOWN);
  set(s);
  execl("/proc/self/exe", "capabilities", "after-exec", NULL);
  printf("exec: %s\n", e(-1));
}

static void after_exec(void) {
  has("after execve, CAP_CHOWN (dropped from permitted, still bounding)", CAP_CHOWN);
  has("after execve, CAP_MKNOD (dropped from bounding)", CAP_MKNOD);
}

/** What a set-user-ID or set-group-ID program runs with: its ids, AT_SECURE, dumpable and CAP_CHOWN. */
static void report(void) {
  uid_t r, ef, sv;
  gid_t gr, ge, gs;
  getresuid(&r, &ef, &sv);
  getresgid(&gr, &ge, &gs);
  printf("ids: uid %d euid %d suid %d gid %d egid %d sgid %d\n", r, ef, sv, gr, ge, gs);
  printf("AT_SECURE %lu dumpable %d\n", getauxval(AT_SECURE), prctl(PR_GET_DUMPABLE));
  has("CAP_CHOWN", CAP_CHOWN);
}

/** A copy of this program at `path`, owned by `uid`:`gid` with `mode`. */
static void copy_self(const char *path, int uid, int gid, int mode) {
  int in = open("/proc/self/exe", O_RDONLY), out = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0700);
  char buf[65536];
  for (long n; (n = read(in, buf, sizeof buf)) > 0;) write(out, buf, n);
  close(in);
  close(out);
  chown(path, uid, gid);
  chmod(path, mode); // after chown, which clears the set-id bits
}

static void run_as(uid_t uid, gid_t gid, const char *path) {
  setgroups(0, NULL);
  setresgid(gid, gid, gid);
  setresuid(uid, uid, uid);
  execl(path, "capabilities", "report", NULL);
  printf("exec %s: %s\n", path, e(-1));
}

static void suid_root(void) { run_as(1000, 1000, "/tmp/cap-suid"); }
static void suid_other(void) { run_as(1000, 1000, "/tmp/cap-suid-other"); }
static void sgid_root(void) { run_as(1000, 1000, "/tmp/cap-sgid"); }
static void suid_no_new_privs(void) {
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  run_as(1000, 1000, "/tmp/cap-suid");
}
/** Root with another effective uid: execve makes the saved uid follow the effective one. */
static void saved_follows_effective(void) {
  setresuid(0, 1000, 0);
  execl("/tmp/cap-plain", "capabilities", "report", NULL);
}

/** New effective ids make a process undumpable and cancel its parent-death signal (commit_creds). */
static void new_ids_reset_death_signal(void) {
  prctl(PR_SET_PDEATHSIG, SIGUSR1);
  int sig = -1;
  setresgid(0, 0, 0); // no change
  prctl(PR_GET_PDEATHSIG, &sig);
  printf("same ids: death signal %d dumpable %d\n", sig, prctl(PR_GET_DUMPABLE));
  setresuid(0, 1000, 0);
  prctl(PR_GET_PDEATHSIG, &sig);
  printf("new effective uid: death signal %d dumpable %d\n", sig, prctl(PR_GET_DUMPABLE));
}

static void set_id_programs(void) {
  copy_self("/tmp/cap-suid", 0, 0, 04755);
  copy_self("/tmp/cap-suid-other", 2000, 2000, 06755);
  copy_self("/tmp/cap-sgid", 0, 0, 02755);
  copy_self("/tmp/cap-plain", 0, 0, 0755);
  in_child("set-user-ID root, run by uid 1000", suid_root);
  in_child("set-user-ID and set-group-ID 2000, run by uid 1000", suid_other);
  in_child("set-group-ID root, run by uid 1000", sgid_root);
  in_child("set-user-ID root under no_new_privs", suid_no_new_privs);
  in_child("root with effective uid 1000 runs a plain program", saved_follows_effective);
  in_child("new effective ids", new_ids_reset_death_signal);
  unlink("/tmp/cap-suid");
  unlink("/tmp/cap-suid-other");
  unlink("/tmp/cap-sgid");
  unlink("/tmp/cap-plain");
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
    after_exec();
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "report") == 0) {
    report();
    return 0;
  }
  int f = open("/tmp/cap-secret", O_CREAT | O_WRONLY | O_TRUNC, 0600);
  close(f);
  f = open("/tmp/cap-zero", O_CREAT | O_WRONLY | O_TRUNC, 0000);
  close(f);
  f = open("/tmp/cap-other", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  close(f);
  chown("/tmp/cap-other", 1000, 1000);
  chmod("/tmp/cap-secret", 0600);
  chmod("/tmp/cap-zero", 0000);
  in_child("versions", versions);
  in_child("capset", capset_rules);
  in_child("ambient and bounding", ambient_and_bounding);
  in_child("set*uid", setuid_transitions);
  in_child("setuid drops all", setuid_drops_all);
  in_child("setfsuid and setfsgid", fs_ids);
  in_child("checks", checks);
  in_child("execve", exec_child);
  set_id_programs();
  unlink("/tmp/cap-secret");
  unlink("/tmp/cap-zero");
  unlink("/tmp/cap-other");
  return 0;
}
