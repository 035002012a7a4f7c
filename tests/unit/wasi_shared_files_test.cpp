// Files of a read-only preopen (Spin's `files` mounts) opened by many
// requests share one host descriptor (wasi/state.h: SharedFile), and every
// request still sees the file as it is on disk now, with its own position.
#include <dirent.h>
#include <stdio.h>

#include "wasi_test_util.h"

namespace spindle::wasi::testing {
namespace {

using namespace abi;

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] auto& e : fsys::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

class SharedFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = test_root("shared-files");
    write_file(root_ / "page.html", "<p>hello, world</p>");
    Config cfg;
    cfg.preopens.push_back({root_, "/", true});
    first_.start(cfg);
  }

  // A request: a new Context of the same app.
  std::unique_ptr<Harness> request() {
    auto h = std::make_unique<Harness>();
    h->start_in(first_.env());
    return h;
  }

  // Opens `path` in a new request and reads it whole.
  std::string fetch(const std::string& path) {
    auto h = request();
    uint32_t fd;
    if (h->open(3, path, 0, kReadRights, fd) != kSuccess) return "<error>";
    std::string out;
    EXPECT_EQ(h->read(fd, 4096, out), kSuccess);
    return out;
  }

  fsys::path root_;
  Harness first_;
};

TEST_F(SharedFiles, ManyRequestsOpeningAFileHoldOneDescriptor) {
  EXPECT_EQ(fetch("page.html"), "<p>hello, world</p>");
  size_t after_first = open_descriptors();
  std::vector<std::unique_ptr<Harness>> open;
  for (int i = 0; i < 20; ++i) {
    open.push_back(request());
    uint32_t fd;
    ASSERT_EQ(open.back()->open(3, "page.html", 0, kReadRights, fd), kSuccess);
  }
  EXPECT_EQ(open_descriptors(), after_first);
  // A writable preopen's files are the request's own, as before.
  fsys::create_directories(root_ / "rw");
  Harness rw;
  Config cfg;
  cfg.preopens.push_back({root_ / "rw", "/", false});
  rw.start(cfg);
  size_t before = open_descriptors();
  uint32_t fd;
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(rw.open(3, "x", kOflagCreat, kReadRights | rights::kFdWrite, fd), kSuccess);
  EXPECT_EQ(open_descriptors(), before + 3);
}

TEST_F(SharedFiles, EachRequestReadsAndSeeksFromItsOwnPosition) {
  auto a = request(), b = request();
  uint32_t fa, fb;
  ASSERT_EQ(a->open(3, "page.html", 0, kReadRights, fa), kSuccess);
  ASSERT_EQ(b->open(3, "page.html", 0, kReadRights, fb), kSuccess);
  std::string got_a, got_b, part;
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(a->read(fa, 3, part), kSuccess);
    got_a += part;
    ASSERT_EQ(b->read(fb, 5, part), kSuccess);
    got_b += part;
  }
  EXPECT_EQ(got_a, "<p>hello, world</p>");
  EXPECT_EQ(got_b, "<p>hello, world</p>");
  // fd_seek / fd_tell on a's position only.
  uint32_t pos = a->alloc(8);
  ASSERT_EQ(a->call("fd_seek", {fa, static_cast<uint64_t>(-5), kWhenceEnd, pos}), kSuccess);
  EXPECT_EQ(a->load<uint64_t>(pos), 14u);
  ASSERT_EQ(a->read(fa, 100, part), kSuccess);
  EXPECT_EQ(part, "d</p>");
  ASSERT_EQ(a->call("fd_seek", {fa, 3, kWhenceSet, pos}), kSuccess);
  ASSERT_EQ(a->call("fd_seek", {fa, 2, kWhenceCur, pos}), kSuccess);
  EXPECT_EQ(a->load<uint64_t>(pos), 5u);
  ASSERT_EQ(a->call("fd_tell", {fa, pos}), kSuccess);
  EXPECT_EQ(a->load<uint64_t>(pos), 5u);
  EXPECT_EQ(a->call("fd_seek", {fa, static_cast<uint64_t>(-6), kWhenceCur, pos}), kInval);
  ASSERT_EQ(a->read(fa, 5, part), kSuccess);  // the failed seek moved nothing
  EXPECT_EQ(part, "llo, ");
  ASSERT_EQ(b->call("fd_tell", {fb, pos}), kSuccess);
  EXPECT_EQ(b->load<uint64_t>(pos), 19u);
  // Flags set on one request's descriptor are its own.
  ASSERT_EQ(a->call("fd_fdstat_set_flags", {fa, kFdflagNonblock}), kSuccess);
  uint32_t st = b->alloc(layout::kFdstatSize);
  ASSERT_EQ(b->call("fd_fdstat_get", {fb, st}), kSuccess);
  EXPECT_EQ(b->load<uint16_t>(st + 2), 0u);
  ASSERT_EQ(a->call("fd_fdstat_get", {fa, st}), kSuccess);
  EXPECT_EQ(a->load<uint16_t>(st + 2), kFdflagNonblock);
}

TEST_F(SharedFiles, AFileChangedOnDiskIsServedAsItIsNow) {
  EXPECT_EQ(fetch("page.html"), "<p>hello, world</p>");
  // Written in place (the same file).
  write_file(root_ / "page.html", "<p>HELLO, WORLD</p>");
  EXPECT_EQ(fetch("page.html"), "<p>HELLO, WORLD</p>");
  // Replaced by a rename: a request that had it open keeps the old file.
  auto old = request();
  uint32_t fd;
  ASSERT_EQ(old->open(3, "page.html", 0, kReadRights, fd), kSuccess);
  write_file(root_ / "new.html", "<p>replaced</p>");
  ASSERT_EQ(::rename((root_ / "new.html").c_str(), (root_ / "page.html").c_str()), 0);
  EXPECT_EQ(fetch("page.html"), "<p>replaced</p>");
  std::string out;
  ASSERT_EQ(old->read(fd, 100, out), kSuccess);
  EXPECT_EQ(out, "<p>HELLO, WORLD</p>");
  // Deleted: not found.
  fsys::remove(root_ / "page.html");
  auto h = request();
  EXPECT_EQ(h->open(3, "page.html", 0, kReadRights, fd), kNoEnt);
}

// A file server stats a path, then opens it: the open uses that stat.
TEST_F(SharedFiles, AStatThenAnOpenOfThePathReadTheSameFile) {
  EXPECT_EQ(fetch("page.html"), "<p>hello, world</p>");
  write_file(root_ / "other.html", "<p>other</p>");
  for (int round = 0; round < 2; ++round) {
    auto h = request();
    uint32_t p = h->put_bytes("page.html"), st = h->alloc(layout::kFilestatSize);
    ASSERT_EQ(h->call("path_filestat_get", {3, kLookupSymlinkFollow, p, 9, st}), kSuccess);
    EXPECT_EQ(h->load<uint64_t>(st + 32), 19u);  // size
    uint32_t fd;
    // A stat of one path does not stand for another's.
    ASSERT_EQ(h->open(3, round == 0 ? "page.html" : "other.html", 0, kReadRights, fd), kSuccess);
    std::string out;
    ASSERT_EQ(h->read(fd, 100, out), kSuccess);
    EXPECT_EQ(out, round == 0 ? "<p>hello, world</p>" : "<p>other</p>");
    uint32_t fst = h->alloc(layout::kFilestatSize);
    ASSERT_EQ(h->call("fd_filestat_get", {fd, fst}), kSuccess);
    EXPECT_EQ(h->load<uint64_t>(fst + 32), round == 0 ? 19u : 12u);
  }
}

// A symlink swapped to lead out of the mount is refused, whatever was
// shared before.
TEST_F(SharedFiles, APathThatNowLeadsOutOfTheMountIsRefused) {
  fsys::path outside = test_root("shared-files-outside");
  write_file(outside / "secret.txt", "secret");
  fsys::create_directories(root_ / "d");
  write_file(root_ / "d" / "f.txt", "inside");
  EXPECT_EQ(fetch("d/f.txt"), "inside");
  fsys::remove_all(root_ / "d");
  fsys::create_directory_symlink(outside, root_ / "d");
  auto h = request();
  uint32_t fd;
  EXPECT_EQ(h->open(3, "d/f.txt", 0, kReadRights, fd), kNotCapable);
  EXPECT_EQ(h->open(3, "d/secret.txt", 0, kReadRights, fd), kNotCapable);
}

}  // namespace
}  // namespace spindle::wasi::testing
