// Exercises every wasi_snapshot_preview1 function, through wasi-libc where it
// has a wrapper and through the raw __wasi_* calls of <wasi/api.h>. Works in
// the preopened directory named by argv[1] (e.g. `--dir /tmp/x::/work` and
// argument `/work`), inside a scratch subdirectory it creates and removes.
//
// Prints one line per check, deterministic (no times, inodes or random
// values printed raw), so the transcripts of the two backends can be compared
// byte for byte. Exits 0 when every check passed (through proc_exit).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "wasi_expect.h"

// proc_raise is in the witx of wasi_snapshot_preview1 but no longer in
// wasi-libc's header.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) uint16_t
raw_proc_raise(uint32_t sig);

static void check(const char* what, int ok) {
  printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) ++failures;
}

// Prints the errno name; a mismatch counts as a failure.

static void rm_rf(const char* path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR* d = opendir(path);
    if (d) {
      struct dirent* e;
      while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        rm_rf(sub);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

static int cmpstr(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

int main(int argc, char** argv) {
  const char* root = argc > 1 ? argv[1] : "/work";

  // ---- args / environ ----
  {
    __wasi_size_t n = 0, size = 0;
    expect("args_sizes_get", __wasi_args_sizes_get(&n, &size), 0);
    check("args_sizes_get matches argc", (int)n == argc);
    char** av = malloc(n * sizeof(char*));
    char* buf = malloc(size);
    expect("args_get", __wasi_args_get((uint8_t**)av, (uint8_t*)buf), 0);
    int same = 1;
    size_t total = 0;
    for (int i = 0; i < argc; ++i) {
      same &= strcmp(av[i], argv[i]) == 0;
      total += strlen(av[i]) + 1;
    }
    check("args_get matches argv", same && total == size);
    printf("argc: %d\n", argc);
    for (int i = 1; i < argc; ++i) printf("argv[%d]: %s\n", i, argv[i]);
    free(av);
    free(buf);

    expect("environ_sizes_get", __wasi_environ_sizes_get(&n, &size), 0);
    char** ev = malloc((n + 1) * sizeof(char*));
    char* ebuf = malloc(size + 1);
    expect("environ_get", __wasi_environ_get((uint8_t**)ev, (uint8_t*)ebuf), 0);
    int ok = 1;
    total = 0;
    for (__wasi_size_t i = 0; i < n; ++i) {
      ok &= strchr(ev[i], '=') != NULL;
      total += strlen(ev[i]) + 1;
    }
    check("environ entries are KEY=VALUE and fill the buffer", ok && total == size);
    free(ev);
    free(ebuf);
  }

  // ---- clocks ----
  {
    static const char* names[] = {"realtime", "monotonic", "process_cputime", "thread_cputime"};
    for (__wasi_clockid_t id = 0; id < 4; ++id) {
      __wasi_timestamp_t res = 0, t = 0;
      char what[64];
      snprintf(what, sizeof what, "clock_res_get(%s) > 0", names[id]);
      check(what, __wasi_clock_res_get(id, &res) == 0 && res > 0);
      snprintf(what, sizeof what, "clock_time_get(%s)", names[id]);
      expect(what, __wasi_clock_time_get(id, 1, &t), 0);
    }
    __wasi_timestamp_t t = 0, t2 = 0;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t);
    check("realtime is after 2020", t > 1577836800ull * 1000000000ull);
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t2);
    check("monotonic does not go back", t2 >= t);
    expect("clock_time_get(99)", __wasi_clock_time_get(99, 1, &t), __WASI_ERRNO_INVAL);
    struct timespec ts;
    check("libc clock_gettime", clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
  }

  // ---- random, sched, raise, sockets ----
  {
    uint8_t a[32] = {0}, b[32] = {0};
    expect("random_get", __wasi_random_get(a, sizeof a), 0);
    (void)__wasi_random_get(b, sizeof b);
    int nonzero = 0;
    for (int i = 0; i < 32; ++i) nonzero |= a[i];
    printf("random_get: 32 bytes, %s\n", nonzero ? "not all zero" : "ALL ZERO");
    if (!nonzero) ++failures;
    check("random_get twice differs", memcmp(a, b, 32) != 0);
    expect("sched_yield", __wasi_sched_yield(), 0);
    expect("proc_raise", raw_proc_raise(6), __WASI_ERRNO_NOSYS);
    __wasi_fd_t nfd;
    expect("sock_accept", __wasi_sock_accept(3, 0, &nfd), __WASI_ERRNO_NOTSUP);
    __wasi_size_t n;
    __wasi_roflags_t rof;
    uint8_t byte;
    __wasi_iovec_t iov = {&byte, 1};
    __wasi_ciovec_t ciov = {&byte, 1};
    expect("sock_recv", __wasi_sock_recv(3, &iov, 1, 0, &n, &rof), __WASI_ERRNO_NOTSUP);
    expect("sock_send", __wasi_sock_send(3, &ciov, 1, 0, &n), __WASI_ERRNO_NOTSUP);
    expect("sock_shutdown", __wasi_sock_shutdown(3, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSUP);
  }

  // ---- preopens ----
  __wasi_fd_t pre = (__wasi_fd_t)-1;
  {
    int count = 0;
    for (__wasi_fd_t fd = 3;; ++fd) {
      __wasi_prestat_t ps;
      __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
      if (e == __WASI_ERRNO_BADF) break;
      if (e != 0) {
        expect("fd_prestat_get", e, 0);
        break;
      }
      ++count;
      char name[256] = {0};
      if (ps.u.dir.pr_name_len < sizeof name &&
          __wasi_fd_prestat_dir_name(fd, (uint8_t*)name, ps.u.dir.pr_name_len) == 0 &&
          strcmp(name, root) == 0)
        pre = fd;
    }
    check("fd_prestat_get lists preopens", count >= 1);
    check("fd_prestat_dir_name finds argv[1]", pre != (__wasi_fd_t)-1);
    if (pre == (__wasi_fd_t)-1) {
      printf("no preopen named %s\n", root);
      fflush(stdout);
      __wasi_proc_exit(1);
    }
    __wasi_prestat_t ps;
    (void)__wasi_fd_prestat_get(pre, &ps);
    char small[1];
    if (ps.u.dir.pr_name_len > 1)
      expect("fd_prestat_dir_name(short buffer)",
             __wasi_fd_prestat_dir_name(pre, (uint8_t*)small, 1), __WASI_ERRNO_NAMETOOLONG);
    __wasi_fdstat_t fs;
    expect("fd_fdstat_get(preopen)", __wasi_fd_fdstat_get(pre, &fs), 0);
    check("preopen is a directory", fs.fs_filetype == __WASI_FILETYPE_DIRECTORY);
    expect("fd_prestat_get(stdout)", __wasi_fd_prestat_get(1, &ps), __WASI_ERRNO_BADF);
  }

  // ---- stdio ----
  {
    __wasi_fdstat_t fs;
    expect("fd_fdstat_get(stdout)", __wasi_fd_fdstat_get(1, &fs), 0);
    check("stdout is writable", (fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE) != 0);
    const char msg[] = "fd_write(stdout): raw\n";
    fflush(stdout);
    __wasi_ciovec_t iov = {(const uint8_t*)msg, sizeof msg - 1};
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_fd_write(1, &iov, 1, &n);
    check("fd_write(stdout) wrote everything", e == 0 && n == sizeof msg - 1);
    expect("fd_write(closed fd)", __wasi_fd_write(1000, &iov, 1, &n), __WASI_ERRNO_BADF);
  }

  // ---- files ----
  char dir[512], path[600], path2[600];
  snprintf(dir, sizeof dir, "%s/wasi_all.tmp", root);
  rm_rf(dir);
  expect("mkdir (path_create_directory)", mkdir(dir, 0755) == 0 ? 0 : errno, 0);
  expect("mkdir again", mkdir(dir, 0755) == 0 ? 0 : errno, __WASI_ERRNO_EXIST);
  // Relative paths from here on go through the preopen fd with raw calls.
  const char* rel = "wasi_all.tmp";
  __wasi_fd_t dfd;
  expect("path_open(dir, directory)",
         __wasi_path_open(pre, 0, rel, __WASI_OFLAGS_DIRECTORY, ~0ull, ~0ull, 0, &dfd), 0);

  {
    snprintf(path, sizeof path, "%s/a.txt", dir);
    FILE* f = fopen(path, "w");
    check("fopen(w) (path_open creat|trunc)", f != NULL);
    if (f) {
      fputs("hello, wasi\n", f);
      check("fclose", fclose(f) == 0);
    }
    int fd = open(path, O_RDWR);
    check("open(O_RDWR)", fd >= 0);
    char buf[64] = {0};
    ssize_t n = read(fd, buf, 5);
    check("read (fd_read)", n == 5 && memcmp(buf, "hello", 5) == 0);
    off_t pos = lseek(fd, 0, SEEK_CUR);
    check("lseek cur (fd_seek/fd_tell)", pos == 5);
    __wasi_filesize_t tell = 0;
    expect("fd_tell", __wasi_fd_tell(fd, &tell), 0);
    check("fd_tell == 5", tell == 5);
    __wasi_filesize_t np = 0;
    expect("fd_seek(end)", __wasi_fd_seek(fd, -1, __WASI_WHENCE_END, &np), 0);
    check("fd_seek(end) == 11", np == 11);
    expect("fd_seek(bad whence)", __wasi_fd_seek(fd, 0, 7, &np), __WASI_ERRNO_INVAL);
    n = pread(fd, buf, 4, 7);
    check("pread (fd_pread)", n == 4 && memcmp(buf, "wasi", 4) == 0);
    n = pwrite(fd, "WASI", 4, 7);
    check("pwrite (fd_pwrite)", n == 4);
    (void)__wasi_fd_tell(fd, &tell);
    check("pread/pwrite keep the offset", tell == 11);
    lseek(fd, 0, SEEK_SET);
    n = read(fd, buf, sizeof buf);
    check("content after pwrite", n == 12 && memcmp(buf, "hello, WASI\n", 12) == 0);
    // Gathered write and scattered read.
    struct iovec wv[2] = {{"ab", 2}, {"cd", 2}};
    check("writev (fd_write, 2 iovecs)", writev(fd, wv, 2) == 4);
    char r1[3] = {0}, r2[3] = {0};
    struct iovec rv[2] = {{r1, 2}, {r2, 2}};
    lseek(fd, 12, SEEK_SET);
    check("readv (fd_read, 2 iovecs)",
          readv(fd, rv, 2) == 4 && !strcmp(r1, "ab") && !strcmp(r2, "cd"));

    struct stat st;
    check("fstat (fd_filestat_get)",
          fstat(fd, &st) == 0 && st.st_size == 16 && S_ISREG(st.st_mode) && st.st_nlink == 1);
    check("ftruncate (fd_filestat_set_size)", ftruncate(fd, 5) == 0);
    fstat(fd, &st);
    check("size after ftruncate == 5", st.st_size == 5);
    struct timespec times[2] = {{1000, 0}, {2000, 500}};
    check("futimens (fd_filestat_set_times)", futimens(fd, times) == 0);
    fstat(fd, &st);
    check("mtime set", st.st_mtim.tv_sec == 2000 && st.st_mtim.tv_nsec == 500);
    check("atime set", st.st_atim.tv_sec == 1000);
    expect("fd_filestat_set_times(atim|atim_now)",
           __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
           __WASI_ERRNO_INVAL);
    expect("posix_fadvise (fd_advise)", posix_fadvise(fd, 0, 5, POSIX_FADV_SEQUENTIAL), 0);
    expect("fd_advise(bad advice)", __wasi_fd_advise(fd, 0, 5, 9), __WASI_ERRNO_INVAL);
    expect("fd_allocate", __wasi_fd_allocate(fd, 0, 100), 0);
    fstat(fd, &st);
    check("size after fd_allocate == 100", st.st_size == 100);
    check("fdatasync (fd_datasync)", fdatasync(fd) == 0);
    check("fsync (fd_sync)", fsync(fd) == 0);

    __wasi_fdstat_t fs;
    expect("fd_fdstat_get(file)", __wasi_fd_fdstat_get(fd, &fs), 0);
    check("file type is regular", fs.fs_filetype == __WASI_FILETYPE_REGULAR_FILE);
    check("file rights include read and write",
          (fs.fs_rights_base & (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)) ==
              (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE));
    expect("fd_fdstat_set_flags(append)", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), 0);
    (void)__wasi_fd_fdstat_get(fd, &fs);
    check("append flag set", fs.fs_flags == __WASI_FDFLAGS_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "Z", 1);
    fstat(fd, &st);
    check("append writes at the end", st.st_size == 101);
    expect("fd_fdstat_set_flags(0)", __wasi_fd_fdstat_set_flags(fd, 0), 0);
    expect("fd_fdstat_set_rights(drop write)",
           __wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, 0), 0);
    __wasi_ciovec_t ci = {(const uint8_t*)"x", 1};
    __wasi_size_t nw;
    expect("fd_write after dropping the right", __wasi_fd_write(fd, &ci, 1, &nw),
           __WASI_ERRNO_BADF);
    expect("fd_fdstat_set_rights(gain)", __wasi_fd_fdstat_set_rights(fd, ~0ull, ~0ull),
           __WASI_ERRNO_NOTCAPABLE);

    // renumber: a second fd takes the place of the first.
    int fd2 = open(path, O_RDONLY);
    check("open(O_RDONLY)", fd2 >= 0);
    expect("write to O_RDONLY fd", write(fd2, "x", 1) < 0 ? errno : 0, __WASI_ERRNO_BADF);
    expect("fd_renumber", __wasi_fd_renumber(fd2, fd), 0);
    expect("fd_renumber(closed)", __wasi_fd_renumber(fd2, fd), __WASI_ERRNO_BADF);
    n = read(fd, buf, 5);
    check("read through the renumbered fd", n == 5 && memcmp(buf, "hello", 5) == 0);
    expect("fd_close", __wasi_fd_close(fd), 0);
    expect("fd_close again", __wasi_fd_close(fd), __WASI_ERRNO_BADF);
    // Raw open with explicit oflags / rights.
    __wasi_fd_t rf;
    expect("path_open(excl, existing)",
           __wasi_path_open(dfd, 0, "a.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, ~0ull, 0, 0,
                            &rf),
           __WASI_ERRNO_EXIST);
    expect("path_open(missing)", __wasi_path_open(dfd, 0, "nope.txt", 0, ~0ull, 0, 0, &rf),
           __WASI_ERRNO_NOENT);
    expect("path_open(file as directory)",
           __wasi_path_open(dfd, 0, "a.txt", __WASI_OFLAGS_DIRECTORY, ~0ull, 0, 0, &rf),
           __WASI_ERRNO_NOTDIR);
    expect("path_open(file fd as dir)", __wasi_path_open(1, 0, "a.txt", 0, ~0ull, 0, 0, &rf),
           __WASI_ERRNO_NOTDIR);
  }

  // ---- paths ----
  {
    snprintf(path, sizeof path, "%s/sub", dir);
    check("mkdir sub", mkdir(path, 0755) == 0);
    snprintf(path, sizeof path, "%s/sub/f", dir);
    FILE* f = fopen(path, "w");
    if (f) fclose(f);
    struct stat st;
    check("stat (path_filestat_get)", stat(path, &st) == 0 && S_ISREG(st.st_mode));
    __wasi_filestat_t fst;
    expect("path_filestat_get(raw)", __wasi_path_filestat_get(dfd, 0, "sub", &fst), 0);
    check("sub is a directory", fst.filetype == __WASI_FILETYPE_DIRECTORY);
    expect("path_filestat_get(missing)", __wasi_path_filestat_get(dfd, 0, "zzz", &fst),
           __WASI_ERRNO_NOENT);
    expect("path_filestat_set_times",
           __wasi_path_filestat_set_times(dfd, 0, "sub/f", 0, 3000000000ull, __WASI_FSTFLAGS_MTIM),
           0);
    stat(path, &st);
    check("mtime via path", st.st_mtim.tv_sec == 3 && st.st_mtim.tv_nsec == 0);

    // symlink / readlink / follow or not
    expect("path_symlink", __wasi_path_symlink("a.txt", dfd, "ln"), 0);
    snprintf(path, sizeof path, "%s/ln", dir);
    char target[64] = {0};
    ssize_t n = readlink(path, target, sizeof target - 1);
    check("readlink (path_readlink)", n == 5 && !strcmp(target, "a.txt"));
    __wasi_size_t used;
    expect("path_readlink(raw)",
           __wasi_path_readlink(dfd, "ln", (uint8_t*)target, sizeof target, &used), 0);
    expect("path_readlink(not a link)",
           __wasi_path_readlink(dfd, "a.txt", (uint8_t*)target, sizeof target, &used),
           __WASI_ERRNO_INVAL);
    check("lstat sees the link", lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
    check("stat follows the link", stat(path, &st) == 0 && S_ISREG(st.st_mode));
    expect("path_filestat_get(follow)",
           __wasi_path_filestat_get(dfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "ln", &fst), 0);
    check("followed link is a file", fst.filetype == __WASI_FILETYPE_REGULAR_FILE);
    __wasi_fd_t lf;
    expect("path_open(link, nofollow)", __wasi_path_open(dfd, 0, "ln", 0, ~0ull, 0, 0, &lf),
           __WASI_ERRNO_LOOP);
    int fd = open(path, O_RDONLY);
    check("open through the link", fd >= 0);
    if (fd >= 0) close(fd);

    // link / rename / unlink / rmdir
    snprintf(path, sizeof path, "%s/a.txt", dir);
    snprintf(path2, sizeof path2, "%s/hard.txt", dir);
    check("link (path_link)", link(path, path2) == 0);
    stat(path, &st);
    check("nlink == 2", st.st_nlink == 2);
    expect("path_link(exists)", __wasi_path_link(dfd, 0, "a.txt", dfd, "hard.txt"),
           __WASI_ERRNO_EXIST);
    snprintf(path, sizeof path, "%s/moved.txt", dir);
    check("rename (path_rename)", rename(path2, path) == 0);
    expect("path_rename(missing)", __wasi_path_rename(dfd, "hard.txt", dfd, "x"),
           __WASI_ERRNO_NOENT);
    check("unlink (path_unlink_file)", unlink(path) == 0);
    expect("path_unlink_file(missing)", __wasi_path_unlink_file(dfd, "moved.txt"),
           __WASI_ERRNO_NOENT);
    expect("path_unlink_file(dir)", __wasi_path_unlink_file(dfd, "sub"), __WASI_ERRNO_ISDIR);
    expect("path_remove_directory(not empty)", __wasi_path_remove_directory(dfd, "sub"),
           __WASI_ERRNO_NOTEMPTY);
    expect("path_create_directory(raw)", __wasi_path_create_directory(dfd, "empty"), 0);
    expect("path_remove_directory", __wasi_path_remove_directory(dfd, "empty"), 0);
  }

  // ---- readdir ----
  {
    // libc: opendir/readdir, sorted for a stable transcript.
    DIR* d = opendir(dir);
    check("opendir", d != NULL);
    char* names[32];
    int count = 0;
    struct dirent* e;
    while (d && (e = readdir(d)) && count < 32) names[count++] = strdup(e->d_name);
    if (d) closedir(d);
    qsort(names, count, sizeof names[0], cmpstr);
    printf("readdir:");
    for (int i = 0; i < count; ++i) {
      printf(" %s", names[i]);
      free(names[i]);
    }
    printf("\n");
    // raw: cookies resume where the previous call stopped.
    uint8_t buf[512];
    __wasi_size_t used = 0;
    expect("fd_readdir", __wasi_fd_readdir(dfd, buf, sizeof buf, 0, &used), 0);
    int entries = 0;
    __wasi_dircookie_t second = 0;
    for (__wasi_size_t off = 0; off + sizeof(__wasi_dirent_t) <= used;) {
      __wasi_dirent_t de;
      memcpy(&de, buf + off, sizeof de);
      if (entries == 0) second = de.d_next;
      ++entries;
      off += sizeof de + de.d_namlen;
    }
    check("fd_readdir sees every entry", entries == count);
    __wasi_size_t used2 = 0;
    expect("fd_readdir(cookie)", __wasi_fd_readdir(dfd, buf, sizeof buf, second, &used2), 0);
    check("fd_readdir(cookie) skips one entry", used2 < used && used2 > 0);
    expect("fd_readdir(file)", __wasi_fd_readdir(1, buf, sizeof buf, 0, &used),
           __WASI_ERRNO_NOTDIR);
  }

  // ---- poll_oneoff ----
  {
    __wasi_subscription_t sub[3];
    __wasi_event_t ev[3];
    __wasi_size_t n = 0;
    memset(sub, 0, sizeof sub);
    sub[0].userdata = 11;
    sub[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    sub[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub[0].u.u.clock.timeout = 2000000;  // 2 ms
    __wasi_timestamp_t t0, t1;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t0);
    expect("poll_oneoff(relative clock)", __wasi_poll_oneoff(sub, ev, 1, &n), 0);
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t1);
    check("relative clock fired after its timeout",
          n == 1 && ev[0].userdata == 11 && ev[0].error == 0 &&
              ev[0].type == __WASI_EVENTTYPE_CLOCK && t1 - t0 >= 2000000);
    sub[0].u.u.clock.id = __WASI_CLOCKID_REALTIME;
    sub[0].u.u.clock.timeout = 1;
    sub[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    expect("poll_oneoff(absolute clock in the past)", __wasi_poll_oneoff(sub, ev, 1, &n), 0);
    check("absolute clock fired", n == 1 && ev[0].userdata == 11);
    struct timespec req = {0, 1000000};
    check("nanosleep (poll_oneoff)", nanosleep(&req, NULL) == 0);

    snprintf(path, sizeof path, "%s/a.txt", dir);
    int fd = open(path, O_RDONLY);
    sub[0].userdata = 21;
    sub[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    sub[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    sub[0].u.u.clock.timeout = 60000000000ull;  // 60 s: must not be waited for
    sub[0].u.u.clock.flags = 0;
    sub[1].userdata = 22;
    sub[1].u.tag = __WASI_EVENTTYPE_FD_READ;
    sub[1].u.u.fd_read.file_descriptor = fd;
    sub[2].userdata = 23;
    sub[2].u.tag = __WASI_EVENTTYPE_FD_READ;
    sub[2].u.u.fd_read.file_descriptor = 999;
    expect("poll_oneoff(file read + bad fd + long clock)", __wasi_poll_oneoff(sub, ev, 3, &n), 0);
    int saw_file = 0, saw_bad = 0, saw_clock = 0;
    for (__wasi_size_t i = 0; i < n; ++i) {
      if (ev[i].userdata == 22 && ev[i].error == 0 && ev[i].type == __WASI_EVENTTYPE_FD_READ &&
          ev[i].fd_readwrite.nbytes == 101)
        saw_file = 1;
      if (ev[i].userdata == 23 && ev[i].error == __WASI_ERRNO_BADF) saw_bad = 1;
      if (ev[i].userdata == 21) saw_clock = 1;
    }
    check("file is ready to read with its size", saw_file);
    check("bad fd reported as EBADF", saw_bad);
    check("long clock not reported", !saw_clock);
    close(fd);
    sub[0].userdata = 31;
    sub[0].u.tag = __WASI_EVENTTYPE_FD_WRITE;
    sub[0].u.u.fd_write.file_descriptor = 1;
    fflush(stdout);
    expect("poll_oneoff(stdout writable)", __wasi_poll_oneoff(sub, ev, 1, &n), 0);
    check("stdout ready for writing",
          n == 1 && ev[0].userdata == 31 && ev[0].type == __WASI_EVENTTYPE_FD_WRITE);
    expect("poll_oneoff(no subscriptions)", __wasi_poll_oneoff(sub, ev, 0, &n), __WASI_ERRNO_INVAL);
  }

  // ---- clean up ----
  expect("fd_close(dir)", __wasi_fd_close(dfd), 0);
  rm_rf(dir);
  struct stat st;
  check("scratch directory removed", stat(dir, &st) != 0 && errno == ENOENT);

  printf("failures: %d\n", failures);
  fflush(stdout);
  __wasi_proc_exit(failures ? 1 : 0);
}
