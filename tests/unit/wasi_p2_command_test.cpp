// The WASI 0.2 host (src/wasi/p2) driven by real components: C programs
// built with clang-19 and wrapped by `jco new --wasi-command`, whose
// preview 1 calls jco's adapter turns into wasi:cli, wasi:io, wasi:clocks,
// wasi:random and wasi:filesystem calls.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "wasi_p2_util.h"

namespace spindle::wasi::p2::test {
namespace {

wasi::Config with_args(std::vector<std::string> args) {
  wasi::Config c;
  c.args = std::move(args);
  return c;
}

TEST_F(WasiP2, StdoutStderrArgumentsAndEnvironment) {
  auto c = command("echo", R"(#include <stdio.h>
#include <stdlib.h>
extern char** environ;
int main(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) printf("arg[%d]=%s\n", i, argv[i]);
  printf("K=%s\n", getenv("K"));
  int n = 0;
  for (char** e = environ; *e; ++e) ++n;
  printf("environ=%d\n", n);
  fprintf(stderr, "to stderr\n");
  return 0;
}
)");
  wasi::Config cfg;
  cfg.args = {"echo.wasm", "a", "b c"};
  cfg.env = {"K=v=w", "OTHER=1"};
  Ran r = run(c, cfg);
  EXPECT_EQ(r.status, 0) << engine::describe(r.outcome);
  EXPECT_EQ(r.out, "arg[0]=echo.wasm\narg[1]=a\narg[2]=b c\nK=v=w\nenviron=2\n");
  EXPECT_EQ(r.err, "to stderr\n");
}

TEST_F(WasiP2, ExitGivesTheExitOutcome) {
  auto c = command("exit", R"(#include <stdio.h>
#include <stdlib.h>
int main(int argc, char** argv) {
  printf("before exit\n");
  fflush(stdout);
  if (argc > 1) exit(atoi(argv[1]));
  return 0;
}
)");
  Ran r = run(c, with_args({"exit"}));
  EXPECT_TRUE(r.outcome.ok()) << engine::describe(r.outcome);
  EXPECT_EQ(r.status, 0);
  r = run(c, with_args({"exit", "0"}));
  EXPECT_EQ(r.outcome.trap, engine::TrapKind::Exit) << engine::describe(r.outcome);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "before exit\n");
  // jco's adapter turns proc_exit(n != 0) into exit(err): code 1, as wasmtime.
  r = run(c, with_args({"exit", "3"}));
  EXPECT_EQ(r.outcome.trap, engine::TrapKind::Exit) << engine::describe(r.outcome);
  EXPECT_EQ(r.status, 1);
}

TEST_F(WasiP2, StdinIsReadToTheEnd) {
  auto c = command("upper", R"(#include <ctype.h>
#include <stdio.h>
int main(void) {
  int ch, n = 0;
  while ((ch = getchar()) != EOF) { putchar(toupper(ch)); ++n; }
  printf("[%d bytes]\n", n);
  return 0;
}
)");
  Ran r = run(c, {}, "hello\nworld\n");
  EXPECT_EQ(r.status, 0) << engine::describe(r.outcome);
  EXPECT_EQ(r.out, "HELLO\nWORLD\n[12 bytes]\n");
  r = run(c, {});
  EXPECT_EQ(r.out, "[0 bytes]\n");
}

TEST_F(WasiP2, ClocksSleepAndRandom) {
  auto c = command("clocks", R"(#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(void) {
  struct timespec a, b, res;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec d = {0, 30 * 1000 * 1000};
  nanosleep(&d, 0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  printf("slept_ms %ld\n", ms);
  clock_getres(CLOCK_MONOTONIC, &res);
  printf("res_ok %d\n", res.tv_sec == 0 && res.tv_nsec > 0);
  struct timespec w;
  clock_gettime(CLOCK_REALTIME, &w);
  printf("wall %lld\n", (long long)w.tv_sec);
  unsigned char r1[32], r2[32];
  getentropy(r1, sizeof r1);
  getentropy(r2, sizeof r2);
  printf("random_differs %d\n", memcmp(r1, r2, sizeof r1) != 0);
  return 0;
}
)");
  Ran r = run(c, {});
  ASSERT_EQ(r.status, 0) << engine::describe(r.outcome) << r.err;
  long ms = -1, wall = -1;
  int res_ok = 0, differs = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str(), "slept_ms %ld\nres_ok %d\nwall %ld\nrandom_differs %d", &ms,
                        &res_ok, &wall, &differs),
            4)
      << r.out;
  EXPECT_GE(ms, 30);
  EXPECT_LT(ms, 5000);
  EXPECT_EQ(res_ok, 1);
  long now = static_cast<long>(std::time(nullptr));
  EXPECT_LE(std::labs(now - wall), 10) << r.out;
  EXPECT_EQ(differs, 1);
}

TEST_F(WasiP2, SleepIsBoundedByTheDeadline) {
  auto c = command("sleepy", R"(#include <unistd.h>
int main(void) { sleep(60); return 0; }
)");
  auto start = std::chrono::steady_clock::now();
  Ran r = run(c, {}, {}, start + std::chrono::milliseconds(200));
  EXPECT_EQ(r.outcome.trap, engine::TrapKind::Timeout) << engine::describe(r.outcome);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// A program that looks at a preopened directory the way a user would.
constexpr const char* kFilesProgram = R"(#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
static void cat(const char* p) {
  FILE* f = fopen(p, "r");
  if (!f) { printf("open %s: %s\n", p, strerror(errno)); return; }
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  printf("%s: %s", p, buf);
  fclose(f);
}
static void try_write(const char* p) {
  FILE* f = fopen(p, "w");
  if (!f) { printf("write %s: %s\n", p, strerror(errno)); return; }
  fprintf(f, "new text\n");
  fclose(f);
  printf("write %s: ok\n", p);
}
int main(int argc, char** argv) {
  const char* root = argv[1];
  char p[512];
  DIR* d = opendir(root);
  if (!d) { printf("opendir: %s\n", strerror(errno)); return 1; }
  struct dirent* e;
  while ((e = readdir(d))) printf("entry %s type %d\n", e->d_name, e->d_type);
  closedir(d);
  snprintf(p, sizeof p, "%s/a.txt", root); cat(p);
  snprintf(p, sizeof p, "%s/sub/b.txt", root); cat(p);
  struct stat st;
  snprintf(p, sizeof p, "%s/a.txt", root);
  if (stat(p, &st) == 0) printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  snprintf(p, sizeof p, "%s/sub", root);
  if (stat(p, &st) == 0) printf("sub dir %d\n", S_ISDIR(st.st_mode));
  snprintf(p, sizeof p, "%s/new.txt", root); try_write(p);
  snprintf(p, sizeof p, "%s/sub/x", root);
  printf("mkdir: %s\n", mkdir(p, 0755) == 0 ? "ok" : strerror(errno));
  snprintf(p, sizeof p, "%s/a.txt", root);
  printf("unlink: %s\n", unlink(p) == 0 ? "ok" : strerror(errno));
  snprintf(p, sizeof p, "%s/../escape.txt", root); cat(p);
  snprintf(p, sizeof p, "%s/sub/../../escape.txt", root); cat(p);
  snprintf(p, sizeof p, "%s/abs/passwd", root); cat(p);
  snprintf(p, sizeof p, "%s/up/escape.txt", root); cat(p);
  return 0;
}
)";

void make_tree(const fs::path& root) {
  fs::create_directories(root / "data" / "sub");
  std::ofstream(root / "data" / "a.txt") << "alpha\n";
  std::ofstream(root / "data" / "sub" / "b.txt") << "beta\n";
  std::ofstream(root / "escape.txt") << "outside\n";
  fs::create_directory_symlink("/etc", root / "data" / "abs");
  fs::create_directory_symlink("..", root / "data" / "up");
}

TEST_F(WasiP2, ReadOnlyPreopenIsListedReadAndNeverChangedOrEscaped) {
  auto c = command("files", kFilesProgram);
  make_tree(dir_);
  wasi::Config cfg;
  cfg.args = {"files", "/data"};
  cfg.preopens.push_back({dir_ / "data", "/data", true});
  Ran r = run(c, cfg);
  EXPECT_EQ(r.status, 0) << engine::describe(r.outcome) << r.err;
  // d_type is wasi-libc's (the WASI filetype): 3 directory, 4 regular, 7 symlink.
  EXPECT_EQ(r.out,
            "entry . type 3\n"
            "entry .. type 3\n"
            "entry a.txt type 4\n"
            "entry abs type 7\n"
            "entry sub type 3\n"
            "entry up type 7\n"
            "/data/a.txt: alpha\n"
            "/data/sub/b.txt: beta\n"
            "size 6 regular 1\n"
            "sub dir 1\n"
            "write /data/new.txt: Operation not permitted\n"
            "mkdir: Operation not permitted\n"
            "unlink: Operation not permitted\n"
            "open /data/../escape.txt: Operation not permitted\n"
            "open /data/sub/../../escape.txt: Operation not permitted\n"
            "open /data/abs/passwd: Operation not permitted\n"
            "open /data/up/escape.txt: Operation not permitted\n");
  EXPECT_TRUE(fs::exists(dir_ / "data" / "a.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "data" / "new.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "data" / "sub" / "x"));
}

TEST_F(WasiP2, WritablePreopenIsChanged) {
  auto c = command("writes", R"(#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define CHECK(x) printf("%s: %s\n", #x, (x) == 0 ? "ok" : strerror(errno))
int main(void) {
  FILE* f = fopen("/out/log.txt", "w");
  fprintf(f, "one\n");
  fclose(f);
  f = fopen("/out/log.txt", "a");
  fprintf(f, "two\n");
  fclose(f);
  f = fopen("/out/log.txt", "r+");
  fseek(f, 1, SEEK_SET);
  fputc('N', f);
  fclose(f);
  CHECK(mkdir("/out/dir", 0755));
  CHECK(rename("/out/log.txt", "/out/dir/moved.txt"));
  f = fopen("/out/gone.txt", "w");
  fclose(f);
  CHECK(unlink("/out/gone.txt"));
  CHECK(mkdir("/out/empty", 0755));
  CHECK(rmdir("/out/empty"));
  CHECK(truncate("/out/dir/moved.txt", 7));
  CHECK(symlink("moved.txt", "/out/dir/link"));
  char buf[64] = {0};
  printf("readlink: %d %s\n", (int)readlink("/out/dir/link", buf, sizeof buf), buf);
  printf("abs symlink: %s\n", symlink("/etc", "/out/abs") == 0 ? "ok" : strerror(errno));
  struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
  CHECK(utimensat(AT_FDCWD, "/out/dir/moved.txt", ts, 0));
  struct stat st;
  CHECK(stat("/out/dir/moved.txt", &st));
  printf("mtime %lld size %lld\n", (long long)st.st_mtim.tv_sec, (long long)st.st_size);
  return 0;
}
)");
  fs::create_directories(dir_ / "out");
  wasi::Config cfg;
  cfg.preopens.push_back({dir_ / "out", "/out", false});
  Ran r = run(c, cfg);
  EXPECT_EQ(r.status, 0) << engine::describe(r.outcome) << r.err;
  EXPECT_EQ(r.out,
            "mkdir(\"/out/dir\", 0755): ok\n"
            "rename(\"/out/log.txt\", \"/out/dir/moved.txt\"): ok\n"
            "unlink(\"/out/gone.txt\"): ok\n"
            "mkdir(\"/out/empty\", 0755): ok\n"
            "rmdir(\"/out/empty\"): ok\n"
            "truncate(\"/out/dir/moved.txt\", 7): ok\n"
            "symlink(\"moved.txt\", \"/out/dir/link\"): ok\n"
            "readlink: 9 moved.txt\n"
            "abs symlink: Operation not permitted\n"
            "utimensat(AT_FDCWD, \"/out/dir/moved.txt\", ts, 0): ok\n"
            "stat(\"/out/dir/moved.txt\", &st): ok\n"
            "mtime 1000000000 size 7\n");
  EXPECT_EQ(read_text(dir_ / "out" / "dir" / "moved.txt"), "oNe\ntwo");
  EXPECT_FALSE(fs::exists(dir_ / "out" / "log.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "gone.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "empty"));
  EXPECT_TRUE(fs::is_symlink(dir_ / "out" / "dir" / "link"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir_ / "out" / "abs")));
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "out" / "dir" / "moved.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000000000);
}

TEST_F(WasiP2, CaptureLimitFailsTheWriteAsPreview1Does) {
  auto c = command("chatty", R"(#include <errno.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  char big[100];
  memset(big, 'x', sizeof big);
  ssize_t a = write(1, "small\n", 6);
  ssize_t b = write(1, big, sizeof big);
  int e = errno;
  ssize_t c = write(2, "after\n", 6);
  return a == 6 && b < 0 && e != 0 && c == 6 ? 0 : 1;
}
)");
  wasi::Config cfg;
  cfg.capture_limit = 50;
  Ran r = run(c, cfg);
  EXPECT_EQ(r.status, 0) << engine::describe(r.outcome);
  EXPECT_EQ(r.out, "small\n");
  EXPECT_EQ(r.err, "after\n");
}

}  // namespace
}  // namespace spindle::wasi::p2::test
