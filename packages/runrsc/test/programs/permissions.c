// Permission checks (DAC): as root, build a directory of files with various modes and owners,
// then fork children that drop to uid/gid 1000 and print what each access attempt gives (ok or
// an errno name). The children use paths relative to the directory only, so nothing above it
// needs to be searchable.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIR_NAME "/tmp/permissions.d"

static const char *errname(int e) {
  switch (e) {
    case 0: return "ok";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EROFS: return "EROFS";
    default: return "E?";
  }
}

static void report(const char *what, int rc) {
  printf("%-34s %s\n", what, errname(rc < 0 ? errno : 0));
}

static int open_close(const char *path, int flags, mode_t mode) {
  int fd = open(path, flags, mode);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

static void make(const char *path, mode_t mode, uid_t uid, gid_t gid) {
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0 || write(fd, "data\n", 5) != 5) { perror(path); exit(1); }
  close(fd);
  if (chown(path, uid, gid) != 0 || chmod(path, mode) != 0) { perror(path); exit(1); }
}

static void makedir(const char *path, mode_t mode, uid_t uid, gid_t gid) {
  if (mkdir(path, 0700) != 0 || chown(path, uid, gid) != 0 || chmod(path, mode) != 0) {
    perror(path);
    exit(1);
  }
}

static void drop_to(uid_t ruid, uid_t euid) {
  gid_t groups[] = { 1000, 2000 };
  if (setgroups(2, groups) != 0 || setresgid(1000, 1000, 1000) != 0 || setresuid(ruid, euid, euid) != 0) {
    perror("drop");
    exit(1);
  }
}

static void print_mode(const char *what, const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) { report(what, -1); return; }
  printf("%-34s mode %04o uid %u gid %u\n", what, st.st_mode & 07777, st.st_uid, st.st_gid);
}

static void as_user(void) {
  drop_to(1000, 1000);
  report("open readable O_RDONLY", open_close("readable", O_RDONLY, 0));
  report("open readable O_WRONLY", open_close("readable", O_WRONLY, 0));
  report("open readable O_RDONLY|O_TRUNC", open_close("readable", O_RDONLY | O_TRUNC, 0));
  report("open rootonly O_RDONLY", open_close("rootonly", O_RDONLY, 0));
  report("open groupw O_RDWR (group)", open_close("groupw", O_RDWR, 0));
  report("open suppl O_RDWR (2000)", open_close("suppl", O_RDWR, 0));
  report("open mine O_RDWR", open_close("mine", O_RDWR, 0));
  report("open ownerbits O_RDONLY", open_close("ownerbits", O_RDONLY, 0));
  report("open noexec/f O_RDONLY", open_close("noexec/f", O_RDONLY, 0));
  struct stat st;
  report("stat noexec/f", stat("noexec/f", &st));
  report("chdir noexec", chdir("noexec"));
  report("open ro/new O_CREAT", open_close("ro/new", O_CREAT | O_WRONLY, 0644));
  report("open ro/f O_WRONLY", open_close("ro/f", O_WRONLY, 0));
  report("open ro/f O_CREAT|O_EXCL", open_close("ro/f", O_CREAT | O_EXCL | O_WRONLY, 0644));
  report("unlink ro/f", unlink("ro/f"));
  report("unlink ro/none", unlink("ro/none"));
  report("mkdir ro/d", mkdir("ro/d", 0755));
  report("rmdir ro/sub", rmdir("ro/sub"));
  report("symlink ro/l", symlink("f", "ro/l"));
  report("rename ro/f wdir/f", rename("ro/f", "wdir/f"));
  int fd = open("wdir/new", O_CREAT | O_RDWR, 0400);
  report("open wdir/new O_CREAT 0400 O_RDWR", fd);
  if (fd >= 0) {
    report("write to it", write(fd, "x", 1) == 1 ? 0 : -1);
    close(fd);
  }
  print_mode("wdir/new", "wdir/new");
  report("open wdir/new O_RDWR again", open_close("wdir/new", O_RDWR, 0));
  report("mkdir wdir/d", mkdir("wdir/d", 0750));
  print_mode("wdir/d", "wdir/d");
  print_mode("sgid/new (setgid dir)", (close(open("sgid/new", O_CREAT | O_WRONLY, 0644)), "sgid/new"));
  report("mkdir sgid/udir", mkdir("sgid/udir", 0755));
  print_mode("sgid/udir (setgid dir)", "sgid/udir");
  /* mknod and bind create as open and mkdir do: the caller's file, the setgid directory's group. */
  report("mkfifo sgid/fifo", mkfifo("sgid/fifo", 0640));
  print_mode("sgid/fifo (setgid dir)", "sgid/fifo");
  report("mknod sgid/node S_IFREG", mknod("sgid/node", S_IFREG | 0640, 0));
  print_mode("sgid/node (setgid dir)", "sgid/node");
  report("mkfifo ro/fifo", mkfifo("ro/fifo", 0640));
  int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "sgid/sock"};
  report("bind sgid/sock", bind(sock, (struct sockaddr *)&sun, sizeof sun));
  close(sock);
  print_mode("sgid/sock (setgid dir)", "sgid/sock");
  report("unlink wdir/rootfile", unlink("wdir/rootfile"));
  report("unlink sticky/rootfile", unlink("sticky/rootfile"));
  report("rename sticky/rootfile", rename("sticky/rootfile", "sticky/other"));
  report("create sticky/own", open_close("sticky/own", O_CREAT | O_WRONLY, 0644));
  report("unlink sticky/own", unlink("sticky/own"));
  report("rename dirmove wdir/dm (root dir)", rename("wdir/rootdir", "sticky/rootdir"));
  report("chmod readable", chmod("readable", 0666));
  report("chmod mine 0640", chmod("mine", 0640));
  report("chmod othergid 02755", chmod("othergid", 02755));
  print_mode("othergid", "othergid");
  report("chmod mine 02750", chmod("mine", 02750));
  print_mode("mine", "mine");
  report("chown mine 0:-1", chown("mine", 0, -1));
  report("chown mine 1000:1000", chown("mine", 1000, 1000));
  report("chown mine -1:2000", chown("mine", -1, 2000));
  report("chown mine -1:0", chown("mine", -1, 0));
  report("chown readable 1000:1000", chown("readable", 1000, 1000));
  fd = open("readable", O_RDONLY);
  report("fchmod readable", fchmod(fd, 0777));
  report("fchown readable", fchown(fd, 1000, -1));
  close(fd);
  struct timespec times[2] = { { 1, 0 }, { 2, 0 } };
  report("utimensat readable explicit", utimensat(AT_FDCWD, "readable", times, 0));
  report("utimensat readable now", utimensat(AT_FDCWD, "readable", NULL, 0));
  report("utimensat groupw now", utimensat(AT_FDCWD, "groupw", NULL, 0));
  report("utimensat groupw explicit", utimensat(AT_FDCWD, "groupw", times, 0));
  report("utimensat mine explicit", utimensat(AT_FDCWD, "mine", times, 0));
  report("truncate readable", truncate("readable", 0));
  report("truncate groupw", truncate("groupw", 1));
  report("access readable R_OK", access("readable", R_OK));
  report("access readable W_OK", access("readable", W_OK));
  report("access readable X_OK", access("readable", X_OK));
  report("access rootonly F_OK", access("rootonly", F_OK));
  report("access exe X_OK", access("exe", X_OK));
  report("access noexec/f F_OK", access("noexec/f", F_OK));
  report("link mine wdir/mine2", link("mine", "wdir/mine2"));
  report("link mine ro/mine2", link("mine", "ro/mine2"));
  char *argv[] = { "script", NULL };
  report("execve script (0644)", execve("script", argv, argv + 1));
  /* Execute permission is the caller's: a root-only 0700 program is refused to uid 1000, and a
   * directory without search permission hides what is inside. */
  report("execve rootexe (0700 root)", execve("rootexe", argv, argv + 1));
  report("execve noexec/f", execve("noexec/f", argv, argv + 1));
}

static void as_setuid_root(void) {
  drop_to(1000, 0);
  report("setuid: access rootonly R_OK", access("rootonly", R_OK));
  report("setuid: faccessat EACCESS", faccessat(AT_FDCWD, "rootonly", R_OK, AT_EACCESS));
  report("setuid: open rootonly", open_close("rootonly", O_RDONLY, 0));
}

static void in_child(void (*fn)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    fn();
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
}

static void cleanup(void) {
  static const char *files[] = {
    "readable", "rootonly", "groupw", "suppl", "mine", "ownerbits", "othergid", "exe", "script",
    "noexec/f", "rootexe", "ro/f", "wdir/new", "wdir/mine2", "wdir/rootfile", "wdir/f", "sticky/rootfile",
    "sticky/other", "sticky/own", "sgid/new", "sgid/rootnew", "sgid/fifo", "sgid/node", "sgid/sock", "ro/l",
  };
  static const char *dirs[] = {
    "noexec", "ro/sub", "ro/d", "ro", "wdir/d", "wdir/rootdir", "wdir/plain", "sticky/rootdir", "wdir",
    "sticky", "sgid/udir", "sgid/rootdir/sub", "sgid/rootdir", "sgid", "sgid0/d", "sgid0",
  };
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) unlink(files[i]);
  for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) rmdir(dirs[i]);
  chdir("/");
  if (rmdir(DIR_NAME) != 0) perror("rmdir " DIR_NAME);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  umask(022);
  rmdir(DIR_NAME);
  if (mkdir(DIR_NAME, 0755) != 0 || chdir(DIR_NAME) != 0) { perror(DIR_NAME); return 1; }
  make("readable", 0644, 0, 0);
  make("rootonly", 0600, 0, 0);
  make("groupw", 0660, 0, 1000);
  make("suppl", 0660, 0, 2000);
  make("mine", 0600, 1000, 1000);
  make("ownerbits", 0077, 1000, 1000);
  make("othergid", 0644, 1000, 0);
  make("exe", 0755, 0, 0);
  make("rootexe", 0700, 0, 0);
  make("script", 0644, 0, 0);
  makedir("noexec", 0755, 0, 0);
  make("noexec/f", 0644, 0, 0);
  chmod("noexec", 0666);
  makedir("ro", 0755, 0, 0);
  make("ro/f", 0666, 0, 0);
  makedir("ro/sub", 0777, 0, 0);
  makedir("wdir", 0777, 0, 0);
  make("wdir/rootfile", 0644, 0, 0);
  makedir("wdir/rootdir", 0755, 0, 0);
  makedir("sticky", 01777, 0, 0);
  make("sticky/rootfile", 0666, 0, 0);
  makedir("sgid", 02777, 0, 3000);
  makedir("sgid0", 02755, 0, 0);

  in_child(as_user);
  in_child(as_setuid_root);

  // Root again: its own view is unchanged and it may do what DAC forbade the user.
  report("root: open rootonly O_RDWR", open_close("rootonly", O_RDWR, 0));
  report("root: open ownerbits O_RDWR", open_close("ownerbits", O_RDWR, 0));
  report("root: access script X_OK", access("script", X_OK));
  report("root: access noexec X_OK", access("noexec", X_OK));
  report("root: chown readable 1000", chown("readable", 1000, 1000));
  print_mode("readable", "readable");
  print_mode("rootonly", "rootonly");
  // What root creates: a set-group-ID directory's group (and, for a directory, the bit), else its own.
  print_mode("root: sgid/rootnew", (close(open("sgid/rootnew", O_CREAT | O_WRONLY, 0644)), "sgid/rootnew"));
  report("root: mkdir sgid/rootdir", mkdir("sgid/rootdir", 0755));
  print_mode("root: sgid/rootdir", "sgid/rootdir");
  report("root: mkdir sgid/rootdir/sub", mkdir("sgid/rootdir/sub", 0700));
  print_mode("root: sgid/rootdir/sub", "sgid/rootdir/sub");
  // A set-group-ID directory of root's own group: the new directory still gets the bit.
  report("root: mkdir sgid0/d", mkdir("sgid0/d", 0755));
  print_mode("root: sgid0/d", "sgid0/d");
  report("root: mkdir wdir/plain", mkdir("wdir/plain", 0755));
  print_mode("root: wdir/plain", "wdir/plain");
  cleanup();
  return 0;
}
