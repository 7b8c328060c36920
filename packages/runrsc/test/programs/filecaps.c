// Conformance: file capabilities at execve — a copy of this program given a security.capability
// (revisions 2 and 3, with and without the effective bit, permitted and inheritable), run by root
// and by nobody: the sets it starts with, AT_SECURE, EPERM for a capability-dumb program the
// bounding set starves, no_new_privs, the ambient set, what takes them away (a write, a truncate,
// a chown) and what takes set-ID bits away, and a nosuid mount's refusal to honour them. Works in a
// fresh directory of its own under /tmp.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define CAP_NET_BIND_SERVICE 10
#define CAP_NET_RAW 13
#define CAP_SETFCAP 31

struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

/** A set from /proc/self/status: "bounding" when it is the bounding set, else its low word in hex. */
static void show_set(const char *name, unsigned long long set, unsigned long long bounding) {
  if (set == bounding && set != 0) printf("  %s=bounding", name);
  else printf("  %s=%llx", name, set);
}

/** The child's view: its capability sets and AT_SECURE. */
static int show(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  unsigned long long inh = 0, prm = 0, eff = 0, amb = 0, bnd = 0;
  while (fgets(line, sizeof line, f)) {
    sscanf(line, "CapInh: %llx", &inh);
    sscanf(line, "CapPrm: %llx", &prm);
    sscanf(line, "CapEff: %llx", &eff);
    sscanf(line, "CapBnd: %llx", &bnd);
    sscanf(line, "CapAmb: %llx", &amb);
  }
  fclose(f);
  show_set("inh", inh, bnd);
  show_set("prm", prm, bnd);
  show_set("eff", eff, bnd);
  show_set("amb", amb, bnd);
  printf("  secure %lu\n", getauxval(AT_SECURE));
  return 0;
}

/** Copy this program to `path`, mode 0755. */
static void copy_self(const char *path) {
  int in = open("/proc/self/exe", O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) write(out, buf, n);
  close(in);
  close(out);
}

/** security.capability of `path`: revision 2 or 3 (root 0 or `rootid`), fE, fP and fI low words. */
static void set_caps(const char *path, int revision, int effective, uint32_t permitted, uint32_t inheritable, uint32_t rootid) {
  uint32_t v[6] = {(revision == 3 ? 0x03000000u : 0x02000000u) | (effective ? 1u : 0u), permitted, inheritable, 0, 0, rootid};
  if (setxattr(path, "security.capability", v, revision == 3 ? 24 : 20, 0) != 0) printf("setxattr: %s\n", strerrorname_np(errno));
}

static void become_nobody(int keep_caps) {
  if (keep_caps) prctl(PR_SET_KEEPCAPS, 1);
  if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) printf(" setuid: %s", strerrorname_np(errno));
}

/** The calling process's inheritable set (low word), and its effective and permitted ones if not 0. */
static void set_own_caps(uint32_t effective, uint32_t permitted, uint32_t inheritable) {
  struct cap_header h = {0x20080522, 0};
  struct cap_data d[2];
  syscall(SYS_capget, &h, d);
  if (effective != 0) d[0].effective = effective;
  if (permitted != 0) d[0].permitted = permitted;
  d[0].inheritable = inheritable;
  if (syscall(SYS_capset, &h, d) != 0) printf(" capset: %s", strerrorname_np(errno));
}

static void show_mode(const char *what, const char *path) {
  struct stat s;
  stat(path, &s);
  printf("%s: %04o\n", what, s.st_mode & 07777);
}

/** Run `how` on `path` (mode `mode` first) as nobody in a child: 0 write, 1 ftruncate, 2 O_TRUNC. */
static void as_nobody(const char *what, const char *path, mode_t mode, int how) {
  chmod(path, mode);
  fflush(stdout);
  if (fork() == 0) {
    become_nobody(0);
    int fd = open(path, how == 2 ? O_WRONLY | O_TRUNC : O_WRONLY | O_APPEND);
    if (how == 0) write(fd, "", 1);
    if (how == 1) ftruncate(fd, 0);
    close(fd);
    show_mode(what, path);
    fflush(stdout);
    _exit(0);
  }
  wait(NULL);
}

static void setid_changes(const char *path) {
  chmod(path, 06777);
  int fd = open(path, O_WRONLY | O_APPEND);
  write(fd, "", 1);
  close(fd);
  show_mode("root's write", path);
  truncate(path, 1);
  show_mode("root's truncate", path);
  chown(path, 0, 0);
  show_mode("root's chown to the same owner", path);
  as_nobody("nobody's write", path, 06777, 0);
  as_nobody("nobody's write of a second byte, after a chmod", path, 06777, 0);
  as_nobody("nobody's ftruncate", path, 06777, 1);
  as_nobody("nobody's open with O_TRUNC", path, 06777, 2);
  as_nobody("nobody's write, set-group-ID not group-executable", path, 02767, 0);
  as_nobody("nobody's write, no set-ID bit", path, 00777, 0);
  chmod(path, 0755);
}

enum { ROOT, NOBODY, NOBODY_NO_RAW_BOUND, NOBODY_NNP, NOBODY_INHERITABLE, NOBODY_AMBIENT };

/** Run `path` as `who` in a child and print what it starts with (or why execve failed). */
static void run(const char *label, const char *path, int who) {
  printf("%s:", label);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    uint32_t bind = 1u << CAP_NET_BIND_SERVICE;
    switch (who) {
    case ROOT: break;
    case NOBODY: become_nobody(0); break;
    case NOBODY_NO_RAW_BOUND: prctl(PR_CAPBSET_DROP, CAP_NET_RAW); become_nobody(0); break;
    case NOBODY_NNP: prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); become_nobody(0); break;
    case NOBODY_INHERITABLE: set_own_caps(0, 0, bind); become_nobody(0); break;
    case NOBODY_AMBIENT:
      become_nobody(1);
      set_own_caps(bind, bind, bind);
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) != 0) printf(" ambient: %s", strerrorname_np(errno));
      break;
    }
    char *argv[] = {(char *)path, "show", NULL};
    fflush(stdout);
    execv(path, argv);
    printf(" execve: %s\n", strerrorname_np(errno));
    fflush(stdout);
    _exit(1);
  }
  int status;
  waitpid(pid, &status, 0);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "show") == 0) return show();
  char dir[] = "/tmp/filecaps-XXXXXX";
  if (!mkdtemp(dir) || chdir(dir) != 0) { perror("dir"); return 1; }
  chmod(dir, 0755);
  char plain[64], raw[64], raw_noeff[64], inh[64], v3[64], v3other[64];
  snprintf(plain, sizeof plain, "%s/plain", dir);
  snprintf(raw, sizeof raw, "%s/raw", dir);
  snprintf(raw_noeff, sizeof raw_noeff, "%s/raw-noeff", dir);
  snprintf(inh, sizeof inh, "%s/inh", dir);
  snprintf(v3, sizeof v3, "%s/v3", dir);
  snprintf(v3other, sizeof v3other, "%s/v3-other", dir);
  const char *all[] = {plain, raw, raw_noeff, inh, v3, v3other};
  for (int i = 0; i < 6; i++) copy_self(all[i]);
  uint32_t rawbit = 1u << CAP_NET_RAW, bind = 1u << CAP_NET_BIND_SERVICE;
  set_caps(raw, 2, 1, rawbit, 0, 0);
  set_caps(raw_noeff, 2, 0, rawbit, 0, 0);
  set_caps(inh, 2, 1, 0, bind, 0);
  set_caps(v3, 3, 1, rawbit, 0, 0);
  set_caps(v3other, 3, 1, rawbit, 0, 1000);

  run("root, plain", plain, ROOT);
  run("root, fP=net_raw fE", raw, ROOT);
  run("nobody, plain", plain, NOBODY);
  run("nobody, fP=net_raw fE", raw, NOBODY);
  run("nobody, fP=net_raw", raw_noeff, NOBODY);
  run("nobody, v3 root 0", v3, NOBODY);
  run("nobody, v3 root 1000", v3other, NOBODY);
  run("nobody without net_raw in bounding, fE", raw, NOBODY_NO_RAW_BOUND);
  run("nobody without net_raw in bounding", raw_noeff, NOBODY_NO_RAW_BOUND);
  run("nobody, no_new_privs, fE", raw, NOBODY_NNP);
  run("nobody, pI=bind, fI=bind fE", inh, NOBODY_INHERITABLE);
  run("nobody, pI=bind, fP=net_raw fE", raw, NOBODY_INHERITABLE);
  run("nobody, ambient bind, plain", plain, NOBODY_AMBIENT);
  run("nobody, ambient bind, fP=net_raw fE", raw, NOBODY_AMBIENT);

  // Setting needs CAP_SETFCAP; a program that has it may.
  printf("nobody sets caps:");
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    become_nobody(0);
    uint32_t v[5] = {0x02000001, rawbit, 0, 0, 0};
    printf(" %s\n", setxattr(plain, "security.capability", v, sizeof v, 0) == 0 ? "ok" : strerrorname_np(errno));
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, NULL, 0);

  // A write, a truncate or a change of owner takes them away; a chmod or an open does not.
  printf("-- what takes them away\n");
  int fd = open(raw, O_RDWR);
  struct { const char *what; int how; } changes[] = {
    {"write", 0}, {"pwrite", 1}, {"ftruncate", 2}, {"truncate", 3}, {"chown to the same owner", 4},
    {"chmod", 5}, {"open O_TRUNC", 6}, {"open for writing", 7}, {"write of 0 bytes", 8}, {"chown of neither id", 9},
  };
  for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
    set_caps(raw, 2, 1, rawbit, 0, 0);
    setxattr(raw, "user.other", "o", 1, 0);
    struct stat st;
    fstat(fd, &st);
    switch (changes[i].how) {
    case 0: lseek(fd, st.st_size, SEEK_SET); write(fd, "", 1); break;
    case 1: pwrite(fd, "", 1, st.st_size); break;
    case 2: ftruncate(fd, st.st_size + 1); break;
    case 3: truncate(raw, st.st_size + 1); break;
    case 4: chown(raw, 0, 0); break;
    case 5: chmod(raw, 0755); break;
    case 6: close(open(raw, O_WRONLY | O_TRUNC)); copy_self(raw); break;
    case 7: close(open(raw, O_WRONLY)); break;
    case 8: write(fd, "", 0); break;
    case 9: chown(raw, (uid_t)-1, (gid_t)-1); break;
    }
    printf("%s: caps %s, user.other %s\n", changes[i].what,
           getxattr(raw, "security.capability", NULL, 0) > 0 ? "kept" : strerrorname_np(errno),
           getxattr(raw, "user.other", NULL, 0) > 0 ? "kept" : strerrorname_np(errno));
  }
  close(fd);
  set_caps(raw, 2, 1, rawbit, 0, 0);
  run("nobody, fP=net_raw fE, before a write", raw, NOBODY);
  fd = open(raw, O_WRONLY | O_APPEND);
  write(fd, "", 1);
  close(fd);
  run("nobody, fP=net_raw fE, after a write", raw, NOBODY);

  // Set-ID bits: a write or a truncate by a caller without CAP_FSETID takes them (set-group-ID when
  // group-executable or the writer is outside the group); root's keeps them; a chown takes them.
  printf("-- what takes set-ID bits away\n");
  setid_changes(raw);

  // A nosuid mount ignores file capabilities, as it ignores set-user-ID bits.
  mkdir("mnt", 0755);
  if (mount("tmpfs", "mnt", "tmpfs", MS_NOSUID, NULL) == 0) {
    copy_self("mnt/raw");
    set_caps("mnt/raw", 2, 1, rawbit, 0, 0);
    char path[96];
    snprintf(path, sizeof path, "%s/mnt/raw", dir);
    run("nobody, fP=net_raw fE, nosuid", path, NOBODY);
    umount("mnt");
  } else {
    printf("mount: %s\n", strerrorname_np(errno));
  }
  rmdir("mnt");

  for (int i = 0; i < 6; i++) unlink(all[i]);
  chdir("/");
  rmdir(dir);
  return 0;
}
