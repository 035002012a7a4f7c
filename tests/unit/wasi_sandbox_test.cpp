// WASI preview 1 sandbox: no path may leave its preopen, and a read-only
// preopen cannot be changed. Every escape is tried with the openat2
// resolution and with the portable walk, and the host side is checked to be
// untouched.
#include <sys/stat.h>

#include "wasi_test_util.h"

namespace spindle::wasi::testing {
namespace {

using namespace abi;

class WasiSandbox : public ResolutionModes {
 protected:
  void SetUp() override {
    ResolutionModes::SetUp();
    base = test_root(std::string("sandbox-") + (GetParam() ? "p" : "o"));
    // base/
    //   secret.txt             outside every preopen
    //   outside/               outside every preopen
    //   box/                   --dir box::/box (fd 3)
    //     file.txt
    //     dir/inner.txt
    //     abs -> <base>/outside          absolute symlink out
    //     up -> ../outside               relative symlink climbing out
    //     upfile -> ../secret.txt
    //     chain -> dir/../up             a chain that ends outside
    //     ok -> dir/inner.txt            stays inside
    //     dotdot -> ..                   the parent of the root
    //   ro/                    --dir-ro ro::/ro (fd 4)
    //     data.txt
    //     d/
    fsys::create_directories(base / "outside");
    fsys::create_directories(base / "box" / "dir");
    fsys::create_directories(base / "ro" / "d");
    write_file(base / "secret.txt", "secret");
    write_file(base / "outside" / "o.txt", "outside");
    write_file(base / "box" / "file.txt", "inside");
    write_file(base / "box" / "dir" / "inner.txt", "inner");
    write_file(base / "ro" / "data.txt", "read only");
    fsys::create_directory_symlink(base / "outside", base / "box" / "abs");
    fsys::create_directory_symlink("../outside", base / "box" / "up");
    fsys::create_symlink("../secret.txt", base / "box" / "upfile");
    fsys::create_symlink("dir/../up", base / "box" / "chain");
    fsys::create_symlink("dir/inner.txt", base / "box" / "ok");
    fsys::create_directory_symlink("..", base / "box" / "dotdot");
    snapshot_ = snapshot();
    Config cfg;
    cfg.preopens.push_back({base / "box", "/box", false});
    cfg.preopens.push_back({base / "ro", "/ro", true});
    h.start(cfg);
  }

  // Everything outside box/: names, sizes and mtimes.
  std::string snapshot() {
    std::string s;
    for (auto& e : fsys::recursive_directory_iterator(base)) {
      auto rel = e.path().lexically_relative(base).string();
      if (rel.rfind("box", 0) == 0) continue;
      struct stat st;
      lstat(e.path().c_str(), &st);
      s += rel + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + " " + std::to_string(st.st_mode) + "\n";
    }
    struct stat st;
    lstat(base.c_str(), &st);
    s += "base " + std::to_string(st.st_mtim.tv_nsec);
    return s;
  }

  void TearDown() override {
    EXPECT_EQ(snapshot(), snapshot_) << "something outside the preopen changed";
    std::error_code ec;
    fsys::remove_all(base, ec);
    ResolutionModes::TearDown();
  }

  uint32_t stat_path(std::string_view path, bool follow) {
    uint32_t p = h.put_bytes(path);
    return h.call("path_filestat_get",
                  {3, follow ? kLookupSymlinkFollow : 0u, p, path.size(), h.alloc(64)});
  }

  fsys::path base;
  Harness h;
  std::string snapshot_;
};

TEST_P(WasiSandbox, DotDotAndAbsolute) {
  uint32_t fd;
  for (const char* p : {"..", "../secret.txt", "dir/../../secret.txt", "dir/../..",
                        "./../box/file.txt", "dir/../../box/file.txt"}) {
    EXPECT_EQ(h.open(3, p, 0, kReadRights, fd), kNotCapable) << p;
    EXPECT_EQ(stat_path(p, true), kNotCapable) << p;
    EXPECT_EQ(stat_path(p, false), kNotCapable) << p;
  }
  for (const char* p : {"/etc/passwd", "/", "//etc", "/box/file.txt"}) {
    EXPECT_EQ(h.open(3, p, 0, kReadRights, fd), kNotCapable) << p;
    EXPECT_EQ(stat_path(p, false), kNotCapable) << p;
  }
  // Writes through escapes never land outside.
  EXPECT_EQ(h.open(3, "../evil.txt", kOflagCreat, kRwRights, fd), kNotCapable);
  EXPECT_EQ(h.open(3, "dir/../../evil.txt", kOflagCreat, kRwRights, fd), kNotCapable);
  EXPECT_EQ(h.path_call("path_create_directory", 3, "../evil"), kNotCapable);
  EXPECT_EQ(h.path_call("path_unlink_file", 3, "../secret.txt"), kNotCapable);
  EXPECT_EQ(h.path_call("path_remove_directory", 3, "../outside"), kNotCapable);
  EXPECT_EQ(h.path_call("path_create_directory", 3, "/tmp/evil"), kNotCapable);
  uint32_t a = h.put_bytes("file.txt"), b = h.put_bytes("../stolen");
  EXPECT_EQ(h.call("path_rename", {3, a, 8, 3, b, 9}), kNotCapable);
  EXPECT_EQ(h.call("path_link", {3, 0, a, 8, 3, b, 9}), kNotCapable);
  uint32_t c = h.put_bytes("../secret.txt"), d = h.put_bytes("mine");
  EXPECT_EQ(h.call("path_rename", {3, c, 13, 3, d, 4}), kNotCapable);
  EXPECT_EQ(h.call("path_link", {3, 0, c, 13, 3, d, 4}), kNotCapable);
  uint32_t t = h.put_bytes("x");
  EXPECT_EQ(h.call("path_symlink", {t, 1, 3, b, 9}), kNotCapable);
  EXPECT_EQ(h.call("path_readlink", {3, c, 13, h.alloc(64), 64, h.alloc(4)}), kNotCapable);
  EXPECT_EQ(h.call("path_filestat_set_times", {3, 0, c, 13, 0, 0, kFstMtimNow}), kNotCapable);
  EXPECT_FALSE(fsys::exists(base / "evil.txt"));
  EXPECT_FALSE(fsys::exists(base / "stolen"));
  // `..` that stays inside is fine.
  ASSERT_EQ(h.open(3, "dir/../file.txt", 0, kReadRights, fd), kSuccess);
  ASSERT_EQ(h.open(3, "dir/..", kOflagDirectory, kReadRights, fd), kSuccess);
}

TEST_P(WasiSandbox, SymlinksOut) {
  uint32_t fd;
  // Following a symlink whose target is absolute, climbs out, or chains out.
  for (const char* p : {"abs", "abs/o.txt", "up", "up/o.txt", "upfile", "chain", "chain/o.txt",
                        "dotdot", "dotdot/secret.txt", "dir/../up/o.txt"}) {
    EXPECT_EQ(h.open(3, p, 0, kReadRights, fd), kNotCapable) << p;
    EXPECT_EQ(stat_path(p, true), kNotCapable) << p;
  }
  // Intermediate symlinks are followed even without symlink_follow: still
  // refused when they lead out.
  for (const char* p : {"abs/o.txt", "up/o.txt", "chain/o.txt", "dotdot/secret.txt"}) {
    EXPECT_EQ(h.open(3, p, 0, kReadRights, fd, 0), kNotCapable) << p;
    EXPECT_EQ(stat_path(p, false), kNotCapable) << p;
    EXPECT_EQ(h.open(3, p, kOflagCreat | kOflagTrunc, kRwRights, fd, 0), kNotCapable) << p;
  }
  // A trailing slash follows the last component.
  EXPECT_EQ(stat_path("up/", false), kNotCapable);
  EXPECT_EQ(h.open(3, "up/", kOflagDirectory, kReadRights, fd, 0), kNotCapable);
  EXPECT_EQ(h.call("path_readlink", {3, h.put_bytes("up/"), 3, h.alloc(64), 64, h.alloc(4)}),
            kNotCapable);
  EXPECT_EQ(h.call("path_filestat_set_times",
                   {3, 0, h.put_bytes("up/"), 3, 0, 0, kFstMtimNow | kFstAtimNow}),
            kNotCapable);
  EXPECT_EQ(h.call("path_filestat_set_times",
                   {3, kLookupSymlinkFollow, h.put_bytes("upfile"), 6, 0, 0, kFstMtimNow}),
            kNotCapable);
  // Writing through the symlink is refused, creating under it too.
  EXPECT_EQ(h.open(3, "upfile", kOflagTrunc, kRwRights, fd), kNotCapable);
  EXPECT_EQ(h.path_call("path_create_directory", 3, "up/new"), kNotCapable);
  EXPECT_EQ(h.path_call("path_unlink_file", 3, "up/o.txt"), kNotCapable);
  EXPECT_EQ(h.path_call("path_create_directory", 3, "abs/new"), kNotCapable);
  // The symlinks themselves can be inspected without following them...
  EXPECT_EQ(stat_path("up", false), kSuccess);
  EXPECT_EQ(h.open(3, "upfile", 0, kReadRights, fd, 0), kLoop);
  uint32_t buf = h.alloc(256), ret = h.alloc(4);
  ASSERT_EQ(h.call("path_readlink", {3, h.put_bytes("up"), 2, buf, 256, ret}), kSuccess);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.at(buf)), h.load<uint32_t>(ret)), "../outside");
  // ...and removed (that touches only the link inside the box).
  EXPECT_EQ(h.path_call("path_unlink_file", 3, "upfile"), kSuccess);
  EXPECT_TRUE(fsys::exists(base / "secret.txt"));
  // Symlinks that stay inside work.
  ASSERT_EQ(h.open(3, "ok", 0, kReadRights, fd), kSuccess);
  std::string got;
  ASSERT_EQ(h.read(fd, 100, got), kSuccess);
  EXPECT_EQ(got, "inner");
  // A guest cannot create an absolute symlink; a relative one that climbs
  // out is created but never followed out.
  uint32_t tgt = h.put_bytes("/etc/passwd"), name = h.put_bytes("pw");
  EXPECT_EQ(h.call("path_symlink", {tgt, 11, 3, name, 2}), kNotCapable);
  EXPECT_FALSE(fsys::is_symlink(base / "box" / "pw"));
  uint32_t tgt2 = h.put_bytes("../secret.txt");
  ASSERT_EQ(h.call("path_symlink", {tgt2, 13, 3, name, 2}), kSuccess);
  EXPECT_EQ(h.open(3, "pw", 0, kReadRights, fd), kNotCapable);
  // A hard link cannot be made to something outside via a symlink.
  uint32_t src = h.put_bytes("up/o.txt"), dst = h.put_bytes("hard");
  EXPECT_EQ(h.call("path_link", {3, 0, src, 8, 3, dst, 4}), kNotCapable);
  EXPECT_FALSE(fsys::exists(base / "box" / "hard"));
}

TEST_P(WasiSandbox, OpenedSubdirectoryIsItsOwnRoot) {
  uint32_t dfd, fd;
  ASSERT_EQ(h.open(3, "dir", kOflagDirectory, kReadRights, dfd), kSuccess);
  ASSERT_EQ(h.open(dfd, "inner.txt", 0, kReadRights, fd), kSuccess);
  // Relative to the opened directory, `..` is outside it.
  EXPECT_EQ(h.open(dfd, "../file.txt", 0, kReadRights, fd), kNotCapable);
}

TEST_P(WasiSandbox, ReadOnlyPreopen) {
  uint32_t fd;
  // Reading works.
  ASSERT_EQ(h.open(4, "data.txt", 0, kReadRights, fd), kSuccess);
  std::string got;
  ASSERT_EQ(h.read(fd, 100, got), kSuccess);
  EXPECT_EQ(got, "read only");
  uint32_t buf = h.alloc(4096), ret = h.alloc(4);
  ASSERT_EQ(h.call("fd_readdir", {4, buf, 4096, 0, ret}), kSuccess);
  // The fd is not writable, and the file cannot be changed through it.
  EXPECT_EQ(h.write(fd, "x"), kBadf);
  EXPECT_EQ(h.call("fd_filestat_set_size", {fd, 0}), kPerm);
  EXPECT_EQ(h.call("fd_filestat_set_times", {fd, 0, 0, kFstMtimNow}), kPerm);
  EXPECT_EQ(h.call("fd_allocate", {fd, 0, 100}), kPerm);
  EXPECT_EQ(h.call("fd_filestat_set_times", {4, 0, 0, kFstMtimNow}), kPerm);
  // Opening for writing, creating, truncating: EPERM.
  EXPECT_EQ(h.open(4, "data.txt", 0, kRwRights, fd), kPerm);
  EXPECT_EQ(h.open(4, "data.txt", 0, rights::kFdWrite, fd), kPerm);
  EXPECT_EQ(h.open(4, "data.txt", kOflagTrunc, kReadRights, fd), kPerm);
  EXPECT_EQ(h.open(4, "new.txt", kOflagCreat, kReadRights, fd), kPerm);
  EXPECT_EQ(h.open(4, "data.txt", 0, kReadRights, fd, kLookupSymlinkFollow, kFdflagAppend), kPerm);
  // Every path mutation: EPERM.
  EXPECT_EQ(h.path_call("path_create_directory", 4, "nd"), kPerm);
  EXPECT_EQ(h.path_call("path_unlink_file", 4, "data.txt"), kPerm);
  EXPECT_EQ(h.path_call("path_remove_directory", 4, "d"), kPerm);
  uint32_t a = h.put_bytes("data.txt"), b = h.put_bytes("moved.txt");
  EXPECT_EQ(h.call("path_rename", {4, a, 8, 4, b, 9}), kPerm);
  EXPECT_EQ(h.call("path_link", {4, 0, a, 8, 4, b, 9}), kPerm);
  EXPECT_EQ(h.call("path_symlink", {a, 8, 4, b, 9}), kPerm);
  EXPECT_EQ(h.call("path_filestat_set_times", {4, 0, a, 8, 0, 0, kFstMtimNow}), kPerm);
  // Between the writable box and the read-only preopen, in both directions.
  uint32_t f = h.put_bytes("file.txt");
  EXPECT_EQ(h.call("path_rename", {3, f, 8, 4, b, 9}), kPerm);
  EXPECT_EQ(h.call("path_rename", {4, a, 8, 3, b, 9}), kPerm);
  EXPECT_EQ(h.call("path_link", {3, 0, f, 8, 4, b, 9}), kPerm);
  EXPECT_EQ(h.call("path_link", {4, 0, a, 8, 3, b, 9}), kPerm);
  // A directory opened inside the read-only preopen is read-only too.
  uint32_t dfd;
  ASSERT_EQ(h.open(4, "d", kOflagDirectory, kReadRights, dfd), kSuccess);
  EXPECT_EQ(h.open(dfd, "x", kOflagCreat, kRwRights, fd), kPerm);
  EXPECT_EQ(h.path_call("path_create_directory", dfd, "x"), kPerm);
  // Escapes from the read-only preopen are still refused (EPERM comes first
  // for mutations; reads report the escape).
  EXPECT_EQ(h.open(4, "../box/file.txt", 0, kReadRights, fd), kNotCapable);
  EXPECT_EQ(read_file(base / "ro" / "data.txt"), "read only");
  EXPECT_FALSE(fsys::exists(base / "ro" / "new.txt"));
  EXPECT_FALSE(fsys::exists(base / "ro" / "nd"));
  EXPECT_TRUE(fsys::exists(base / "box" / "file.txt"));
}

TEST_P(WasiSandbox, SymlinkLoops) {
  fsys::create_symlink("loop2", base / "box" / "loop1");
  fsys::create_symlink("loop1", base / "box" / "loop2");
  uint32_t fd;
  EXPECT_EQ(h.open(3, "loop1", 0, kReadRights, fd), kLoop);
  EXPECT_EQ(h.open(3, "loop1/x", 0, kReadRights, fd), kLoop);
}

INSTANTIATE_TEST_SUITE_P(Modes, WasiSandbox, ::testing::Bool(), mode_name);

TEST(WasiSandboxErrno, Values) {
  // The errno numbers guests see for sandbox violations.
  EXPECT_EQ(kNotCapable, 76);
  EXPECT_EQ(kPerm, 63);
  EXPECT_EQ(kFault, 21);
  EXPECT_EQ(kBadf, 8);
  EXPECT_EQ(kLoop, 32);
}

}  // namespace
}  // namespace spindle::wasi::testing
