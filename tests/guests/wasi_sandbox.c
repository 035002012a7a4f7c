// Tries every way out of the WASI sandbox and prints the errno name of each
// attempt. Run with a writable preopen and a read-only one:
//   spindle run --dir BOX::/box --dir-ro RO::/ro wasi_sandbox.wasm /box /ro
// (the read-only directory should contain a file `data.txt`; the guest
// creates and removes everything else it needs inside /box).
// Exits 0 when every attempt failed with the expected errno.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "wasi_expect.h"

// libc results: 0 on success, else errno.
static int rc(int r) { return r < 0 ? errno : 0; }

static int open_rc(const char* path, int flags) {
  int fd = open(path, flags, 0644);
  if (fd >= 0) {
    close(fd);
    return 0;
  }
  return errno;
}

// The preopen fd whose name is `name`, or -1.
static __wasi_fd_t find_preopen(const char* name) {
  for (__wasi_fd_t fd = 3;; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) return (__wasi_fd_t)-1;
    char buf[256] = {0};
    if (ps.u.dir.pr_name_len < sizeof buf &&
        __wasi_fd_prestat_dir_name(fd, (uint8_t*)buf, ps.u.dir.pr_name_len) == 0 &&
        strcmp(buf, name) == 0)
      return fd;
  }
}

static int raw_open(__wasi_fd_t dir, uint32_t lookup, const char* path, uint16_t oflags,
                    uint64_t rights) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(dir, lookup, path, oflags, rights, rights, 0, &fd);
  if (e == 0) (void)__wasi_fd_close(fd);
  return e;
}

int main(int argc, char** argv) {
  const char* box = argc > 1 ? argv[1] : "/box";
  const char* ro = argc > 2 ? argv[2] : "/ro";
  __wasi_fd_t bfd = find_preopen(box), rfd = find_preopen(ro);
  if (bfd == (__wasi_fd_t)-1 || rfd == (__wasi_fd_t)-1) {
    printf("missing preopen %s or %s\n", box, ro);
    return 2;
  }
  const uint64_t R = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_READDIR;
  const uint64_t RW = ~0ull;
  const uint32_t FOLLOW = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
  char p[512];

  // Scratch area inside the box.
  (void)__wasi_path_unlink_file(bfd, "out_abs");
  (void)__wasi_path_unlink_file(bfd, "out_up");
  (void)__wasi_path_unlink_file(bfd, "out_deep");
  (void)__wasi_path_unlink_file(bfd, "d/out");
  (void)__wasi_path_remove_directory(bfd, "d");
  (void)__wasi_path_create_directory(bfd, "d");

  // ---- `..` ----
  expect("raw open ..", raw_open(bfd, 0, "..", 0, R), __WASI_ERRNO_NOTCAPABLE);
  expect("raw open ../etc/passwd", raw_open(bfd, FOLLOW, "../etc/passwd", 0, R),
         __WASI_ERRNO_NOTCAPABLE);
  expect("raw open d/../../etc/passwd", raw_open(bfd, FOLLOW, "d/../../etc/passwd", 0, R),
         __WASI_ERRNO_NOTCAPABLE);
  expect("raw create ../escaped.txt", raw_open(bfd, 0, "../escaped.txt", __WASI_OFLAGS_CREAT, RW),
         __WASI_ERRNO_NOTCAPABLE);
  snprintf(p, sizeof p, "%s/../etc/passwd", box);
  expect("libc open <box>/../etc/passwd", open_rc(p, O_RDONLY), __WASI_ERRNO_NOTCAPABLE);
  snprintf(p, sizeof p, "%s/d/../../escaped", box);
  expect("libc mkdir <box>/d/../../escaped", rc(mkdir(p, 0755)), __WASI_ERRNO_NOTCAPABLE);
  expect("raw mkdir ../escaped", __wasi_path_create_directory(bfd, "../escaped"),
         __WASI_ERRNO_NOTCAPABLE);
  expect("raw unlink ../x", __wasi_path_unlink_file(bfd, "../x"), __WASI_ERRNO_NOTCAPABLE);
  __wasi_filestat_t st;
  expect("raw stat ..", __wasi_path_filestat_get(bfd, 0, "..", &st), __WASI_ERRNO_NOTCAPABLE);

  // ---- absolute paths ----
  expect("raw open /etc/passwd", raw_open(bfd, FOLLOW, "/etc/passwd", 0, R),
         __WASI_ERRNO_NOTCAPABLE);
  expect("raw open /", raw_open(bfd, FOLLOW, "/", 0, R), __WASI_ERRNO_NOTCAPABLE);
  expect("raw stat /etc/passwd", __wasi_path_filestat_get(bfd, FOLLOW, "/etc/passwd", &st),
         __WASI_ERRNO_NOTCAPABLE);
  // wasi-libc refuses a path under no preopen by itself, with the same errno.
  expect("libc open /etc/passwd", open_rc("/etc/passwd", O_RDONLY), __WASI_ERRNO_NOTCAPABLE);

  // ---- symlinks out ----
  expect("raw symlink out_abs -> /etc (absolute target)",
         __wasi_path_symlink("/etc", bfd, "out_abs"), __WASI_ERRNO_NOTCAPABLE);
  expect("raw symlink out_up -> ../ (created)", __wasi_path_symlink("..", bfd, "out_up"), 0);
  expect("raw symlink out_deep -> d/../../etc", __wasi_path_symlink("d/../../etc", bfd, "out_deep"),
         0);
  expect("raw symlink d/out -> ../..", __wasi_path_symlink("../..", bfd, "d/out"), 0);
  expect("open out_up (follow)", raw_open(bfd, FOLLOW, "out_up", 0, R), __WASI_ERRNO_NOTCAPABLE);
  expect("open out_up/etc/passwd (intermediate)", raw_open(bfd, 0, "out_up/etc/passwd", 0, R),
         __WASI_ERRNO_NOTCAPABLE);
  expect("open out_deep/passwd (intermediate)", raw_open(bfd, 0, "out_deep/passwd", 0, R),
         __WASI_ERRNO_NOTCAPABLE);
  expect("open d/out/etc/passwd (nested)", raw_open(bfd, 0, "d/out/etc/passwd", 0, R),
         __WASI_ERRNO_NOTCAPABLE);
  expect("create out_up/escaped (intermediate)",
         raw_open(bfd, 0, "out_up/escaped", __WASI_OFLAGS_CREAT, RW), __WASI_ERRNO_NOTCAPABLE);
  expect("stat out_up (follow)", __wasi_path_filestat_get(bfd, FOLLOW, "out_up", &st),
         __WASI_ERRNO_NOTCAPABLE);
  expect("stat out_up/ (trailing slash)", __wasi_path_filestat_get(bfd, 0, "out_up/", &st),
         __WASI_ERRNO_NOTCAPABLE);
  expect("stat out_up (nofollow) sees the link", __wasi_path_filestat_get(bfd, 0, "out_up", &st),
         0);
  expect("open out_up (nofollow)", raw_open(bfd, 0, "out_up", 0, R), __WASI_ERRNO_LOOP);
  snprintf(p, sizeof p, "%s/out_up/etc/passwd", box);
  expect("libc open <box>/out_up/etc/passwd", open_rc(p, O_RDONLY), __WASI_ERRNO_NOTCAPABLE);
  expect("mkdir out_up/x", __wasi_path_create_directory(bfd, "out_up/x"), __WASI_ERRNO_NOTCAPABLE);
  expect("link out_deep/passwd -> stolen",
         __wasi_path_link(bfd, 0, "out_deep/passwd", bfd, "stolen"), __WASI_ERRNO_NOTCAPABLE);
  expect("rename out_deep/passwd -> stolen",
         __wasi_path_rename(bfd, "out_deep/passwd", bfd, "stolen"), __WASI_ERRNO_NOTCAPABLE);
  expect("set times out_up/ (follow)",
         __wasi_path_filestat_set_times(bfd, FOLLOW, "out_up", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
         __WASI_ERRNO_NOTCAPABLE);
  // The links themselves go away without touching their targets.
  expect("unlink out_up", __wasi_path_unlink_file(bfd, "out_up"), 0);
  expect("unlink out_deep", __wasi_path_unlink_file(bfd, "out_deep"), 0);
  expect("unlink d/out", __wasi_path_unlink_file(bfd, "d/out"), 0);
  expect("rmdir d", __wasi_path_remove_directory(bfd, "d"), 0);

  // ---- the read-only preopen ----
  expect("ro: open data.txt for reading", raw_open(rfd, 0, "data.txt", 0, R), 0);
  expect("ro: open data.txt for writing", raw_open(rfd, 0, "data.txt", 0, RW), __WASI_ERRNO_PERM);
  expect("ro: create new.txt", raw_open(rfd, 0, "new.txt", __WASI_OFLAGS_CREAT, R),
         __WASI_ERRNO_PERM);
  expect("ro: truncate data.txt", raw_open(rfd, 0, "data.txt", __WASI_OFLAGS_TRUNC, R),
         __WASI_ERRNO_PERM);
  snprintf(p, sizeof p, "%s/data.txt", ro);
  expect("ro: libc open(O_WRONLY)", open_rc(p, O_WRONLY), __WASI_ERRNO_PERM);
  expect("ro: libc open(O_RDWR|O_APPEND)", open_rc(p, O_RDWR | O_APPEND), __WASI_ERRNO_PERM);
  snprintf(p, sizeof p, "%s/new.txt", ro);
  expect("ro: libc fopen(w)", fopen(p, "w") ? 0 : errno, __WASI_ERRNO_PERM);
  expect("ro: mkdir", __wasi_path_create_directory(rfd, "nd"), __WASI_ERRNO_PERM);
  expect("ro: unlink", __wasi_path_unlink_file(rfd, "data.txt"), __WASI_ERRNO_PERM);
  expect("ro: rmdir", __wasi_path_remove_directory(rfd, "nd"), __WASI_ERRNO_PERM);
  expect("ro: rename", __wasi_path_rename(rfd, "data.txt", rfd, "x.txt"), __WASI_ERRNO_PERM);
  expect("ro: rename into box", __wasi_path_rename(rfd, "data.txt", bfd, "x.txt"),
         __WASI_ERRNO_PERM);
  expect("ro: symlink", __wasi_path_symlink("data.txt", rfd, "ln"), __WASI_ERRNO_PERM);
  expect("ro: link", __wasi_path_link(rfd, 0, "data.txt", rfd, "hard"), __WASI_ERRNO_PERM);
  expect("ro: set times",
         __wasi_path_filestat_set_times(rfd, 0, "data.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
         __WASI_ERRNO_PERM);
  __wasi_fd_t fd;
  expect("ro: open data.txt", __wasi_path_open(rfd, 0, "data.txt", 0, R, 0, 0, &fd), 0);
  expect("ro: fd_filestat_set_size", __wasi_fd_filestat_set_size(fd, 0), __WASI_ERRNO_PERM);
  expect("ro: fd_filestat_set_times",
         __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_PERM);
  __wasi_ciovec_t iov = {(const uint8_t*)"x", 1};
  __wasi_size_t n;
  expect("ro: fd_write", __wasi_fd_write(fd, &iov, 1, &n), __WASI_ERRNO_BADF);
  expect("ro: fd_pwrite", __wasi_fd_pwrite(fd, &iov, 1, 0, &n), __WASI_ERRNO_BADF);
  (void)__wasi_fd_close(fd);
  expect("ro: escape with ..", raw_open(rfd, 0, "../etc/passwd", 0, R), __WASI_ERRNO_NOTCAPABLE);

  printf("failures: %d\n", failures);
  return failures ? 1 : 0;
}
