// WASI preview 1: every function through its Linker entry, with the bytes a
// guest would see.
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>

#include "wasi_test_util.h"

namespace spindle::wasi::testing {
namespace {

using namespace abi;
using engine::ValType;

// ---- signatures ------------------------------------------------------------

TEST(WasiLink, EveryFunctionWithItsWasmType) {
  // params: i = i32, I = i64; every function but proc_exit returns one i32.
  const std::map<std::string, std::string> sigs = {
      {"args_get", "ii"},
      {"args_sizes_get", "ii"},
      {"environ_get", "ii"},
      {"environ_sizes_get", "ii"},
      {"clock_res_get", "ii"},
      {"clock_time_get", "iIi"},
      {"fd_advise", "iIIi"},
      {"fd_allocate", "iII"},
      {"fd_close", "i"},
      {"fd_datasync", "i"},
      {"fd_fdstat_get", "ii"},
      {"fd_fdstat_set_flags", "ii"},
      {"fd_fdstat_set_rights", "iII"},
      {"fd_filestat_get", "ii"},
      {"fd_filestat_set_size", "iI"},
      {"fd_filestat_set_times", "iIIi"},
      {"fd_pread", "iiiIi"},
      {"fd_prestat_get", "ii"},
      {"fd_prestat_dir_name", "iii"},
      {"fd_pwrite", "iiiIi"},
      {"fd_read", "iiii"},
      {"fd_readdir", "iiiIi"},
      {"fd_renumber", "ii"},
      {"fd_seek", "iIii"},
      {"fd_sync", "i"},
      {"fd_tell", "ii"},
      {"fd_write", "iiii"},
      {"path_create_directory", "iii"},
      {"path_filestat_get", "iiiii"},
      {"path_filestat_set_times", "iiiiIIi"},
      {"path_link", "iiiiiii"},
      {"path_open", "iiiiiIIii"},
      {"path_readlink", "iiiiii"},
      {"path_remove_directory", "iii"},
      {"path_rename", "iiiiii"},
      {"path_symlink", "iiiii"},
      {"path_unlink_file", "iii"},
      {"poll_oneoff", "iiii"},
      {"proc_exit", "i"},
      {"proc_raise", "i"},
      {"sched_yield", ""},
      {"random_get", "ii"},
      {"sock_accept", "iii"},
      {"sock_recv", "iiiiii"},
      {"sock_send", "iiiii"},
      {"sock_shutdown", "ii"},
  };
  engine::Linker l;
  link(l);
  for (const auto& [name, sig] : sigs) {
    const auto* e = l.find("wasi_snapshot_preview1", name);
    ASSERT_NE(e, nullptr) << name;
    const auto& f = std::get<engine::HostFunc>(*e);
    engine::FuncType want;
    for (char ch : sig) want.params.push_back(ch == 'I' ? ValType::I64 : ValType::I32);
    if (name != "proc_exit") want.results = {ValType::I32};
    EXPECT_EQ(f.type, want) << name << ": " << engine::to_string(f.type);
    EXPECT_NE(f.callback, nullptr);
  }
}

// ---- args, environ -----------------------------------------------------------

TEST(Wasi, ArgsAndEnviron) {
  Harness h;
  Config cfg;
  cfg.args = {"prog", "a b", ""};
  cfg.env = {"K=V", "EMPTY="};
  h.start(cfg);
  uint32_t c = h.alloc(4), s = h.alloc(4);
  ASSERT_EQ(h.call("args_sizes_get", {c, s}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(c), 3u);
  EXPECT_EQ(h.load<uint32_t>(s), 5u + 4u + 1u);
  uint32_t argv = h.alloc(12), buf = h.alloc(10);
  ASSERT_EQ(h.call("args_get", {argv, buf}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(argv), buf);
  EXPECT_EQ(h.load<uint32_t>(argv + 4), buf + 5);
  EXPECT_EQ(h.load<uint32_t>(argv + 8), buf + 9);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.at(buf)), 10), std::string("prog\0a b\0\0", 10));

  ASSERT_EQ(h.call("environ_sizes_get", {c, s}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(c), 2u);
  EXPECT_EQ(h.load<uint32_t>(s), 4u + 7u);
  uint32_t envp = h.alloc(8), ebuf = h.alloc(11);
  ASSERT_EQ(h.call("environ_get", {envp, ebuf}), kSuccess);
  EXPECT_STREQ(reinterpret_cast<char*>(h.at(h.load<uint32_t>(envp))), "K=V");
  EXPECT_STREQ(reinterpret_cast<char*>(h.at(h.load<uint32_t>(envp + 4))), "EMPTY=");

  // Out of bounds pointers: EFAULT, nothing written.
  EXPECT_EQ(h.call("args_get", {Harness::kMemSize - 4, buf}), kFault);
  EXPECT_EQ(h.call("args_get", {argv, Harness::kMemSize - 2}), kFault);
  EXPECT_EQ(h.call("environ_sizes_get", {Harness::kMemSize, s}), kFault);
}

// ---- clocks, random, misc -----------------------------------------------------

TEST(Wasi, Clocks) {
  Harness h;
  h.start({});
  uint32_t t = h.alloc(8);
  for (uint32_t id = 0; id < 4; ++id) {
    EXPECT_EQ(h.call("clock_res_get", {id, t}), kSuccess) << id;
    EXPECT_GT(h.load<uint64_t>(t), 0u);
    EXPECT_EQ(h.call("clock_time_get", {id, 1, t}), kSuccess) << id;
  }
  ASSERT_EQ(h.call("clock_time_get", {kClockRealtime, 0, t}), kSuccess);
  EXPECT_GT(h.load<uint64_t>(t), 1600000000ull * 1000000000ull);
  ASSERT_EQ(h.call("clock_time_get", {kClockMonotonic, 0, t}), kSuccess);
  uint64_t a = h.load<uint64_t>(t);
  ASSERT_EQ(h.call("clock_time_get", {kClockMonotonic, 0, t}), kSuccess);
  EXPECT_GE(h.load<uint64_t>(t), a);
  EXPECT_EQ(h.call("clock_time_get", {4, 0, t}), kInval);
  EXPECT_EQ(h.call("clock_res_get", {99, t}), kInval);
  EXPECT_EQ(h.call("clock_time_get", {0, 0, Harness::kMemSize - 4}), kFault);
}

TEST(Wasi, RandomGet) {
  Harness h;
  h.start({});
  uint32_t b = h.alloc(64);
  ASSERT_EQ(h.call("random_get", {b, 64}), kSuccess);
  EXPECT_TRUE(std::any_of(h.at(b), h.at(b) + 64, [](uint8_t x) { return x != 0; }));
  EXPECT_EQ(h.call("random_get", {b, 0}), kSuccess);
  EXPECT_EQ(h.call("random_get", {Harness::kMemSize - 8, 16}), kFault);
}

TEST(Wasi, ExitRaiseYieldSockets) {
  Harness h;
  h.start({});
  uint32_t r = 0;
  engine::Outcome o = h.invoke("proc_exit", {42}, &r);
  EXPECT_EQ(o.trap, engine::TrapKind::Exit);
  EXPECT_EQ(o.exit_code, 42u);
  EXPECT_EQ(h.call("proc_raise", {6}), kNoSys);
  EXPECT_EQ(h.call("sched_yield", {}), kSuccess);
  uint32_t p = h.alloc(16);
  EXPECT_EQ(h.call("sock_accept", {3, 0, p}), kNotSup);
  EXPECT_EQ(h.call("sock_recv", {3, p, 0, 0, p, p + 4}), kNotSup);
  EXPECT_EQ(h.call("sock_send", {3, p, 0, 0, p}), kNotSup);
  EXPECT_EQ(h.call("sock_shutdown", {3, 1}), kNotSup);
  EXPECT_EQ(kNotSup, 58);
}

TEST(Wasi, NoContextTraps) {
  engine::Linker l;
  link(l);
  const auto& f = std::get<engine::HostFunc>(*l.find("wasi_snapshot_preview1", "sched_yield"));
  engine::HostCall call;
  engine::Value res[1];
  EXPECT_EQ(f.callback(call, nullptr, res).trap, engine::TrapKind::HostError);
}

// ---- stdio ----------------------------------------------------------------------

TEST(Wasi, CapturedStdio) {
  Harness h;
  Config cfg;
  cfg.stdio = Stdio::Capture;
  h.start(cfg);
  h.ctx().set_stdin("hello stdin");
  uint32_t n = 0;
  EXPECT_EQ(h.write(1, "out1 ", &n), kSuccess);
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(h.write(2, "err", &n), kSuccess);
  EXPECT_EQ(h.write(1, "out2", &n), kSuccess);
  EXPECT_EQ(h.ctx().stdout_buffer(), "out1 out2");
  EXPECT_EQ(h.ctx().stderr_buffer(), "err");

  // Gathered write: two iovecs.
  uint32_t b1 = h.put_bytes("ab"), b2 = h.put_bytes("cd");
  uint32_t iov = h.alloc(16), ret = h.alloc(4);
  h.store<uint32_t>(iov, b1);
  h.store<uint32_t>(iov + 4, 2);
  h.store<uint32_t>(iov + 8, b2);
  h.store<uint32_t>(iov + 12, 2);
  ASSERT_EQ(h.call("fd_write", {1, iov, 2, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 4u);
  EXPECT_EQ(h.ctx().stdout_buffer(), "out1 out2abcd");

  std::string got;
  ASSERT_EQ(h.read(0, 5, got), kSuccess);
  EXPECT_EQ(got, "hello");
  ASSERT_EQ(h.read(0, 100, got), kSuccess);
  EXPECT_EQ(got, " stdin");
  ASSERT_EQ(h.read(0, 100, got), kSuccess);
  EXPECT_EQ(got, "");  // EOF

  // Wrong directions.
  EXPECT_EQ(h.write(0, "x"), kBadf);
  EXPECT_EQ(h.read(1, 4, got), kBadf);
  EXPECT_EQ(h.write(9, "x"), kBadf);
  // Streams do not seek.
  uint32_t pos = h.alloc(8);
  EXPECT_EQ(h.call("fd_seek", {1, 0, kWhenceCur, pos}), kSpipe);
  EXPECT_EQ(h.call("fd_tell", {1, pos}), kSpipe);
  // A bad iovec: EFAULT and nothing captured.
  h.store<uint32_t>(iov, Harness::kMemSize - 1);
  EXPECT_EQ(h.call("fd_write", {1, iov, 2, ret}), kFault);
  EXPECT_EQ(h.call("fd_write", {1, Harness::kMemSize - 4, 1, ret}), kFault);
  EXPECT_EQ(h.ctx().stdout_buffer(), "out1 out2abcd");

  // fdstat: not a tty (no seek rights is fine), read right on stdin.
  uint32_t st = h.alloc(24);
  ASSERT_EQ(h.call("fd_fdstat_get", {0, st}), kSuccess);
  EXPECT_TRUE(h.load<uint64_t>(st + 8) & rights::kFdRead);
  EXPECT_FALSE(h.load<uint64_t>(st + 8) & rights::kFdSeek);
  ASSERT_EQ(h.call("fd_filestat_get", {1, h.alloc(64)}), kSuccess);
  EXPECT_EQ(h.call("fd_sync", {1}), kSuccess);
  EXPECT_EQ(h.call("fd_datasync", {1}), kSuccess);
  EXPECT_EQ(h.call("fd_pwrite", {1, iov, 0, 0, ret}), kSpipe);
}

TEST(Wasi, NullStdio) {
  Harness h;
  Config cfg;
  cfg.stdio = Stdio::Null;
  h.start(cfg);
  uint32_t n = 0;
  EXPECT_EQ(h.write(1, "gone", &n), kSuccess);
  EXPECT_EQ(n, 4u);
  std::string got = "x";
  EXPECT_EQ(h.read(0, 10, got), kSuccess);
  EXPECT_EQ(got, "");
  EXPECT_EQ(h.ctx().stdout_buffer(), "");
  uint32_t st = h.alloc(24);
  ASSERT_EQ(h.call("fd_fdstat_get", {1, st}), kSuccess);
  EXPECT_EQ(h.at(st)[0], kFileCharacterDevice);
}

TEST(Wasi, ContextIsLazyAndCheap) {
  Config cfg;
  cfg.stdio = Stdio::Capture;
  std::string err;
  auto env = make_environment(cfg, err);
  ASSERT_TRUE(env);
  // Constructing and destroying many contexts must not touch the fd table.
  for (int i = 0; i < 1000; ++i) Context c(env);
  Context c(env);
  c.stdout_buffer() += "x";
  EXPECT_EQ(c.stdout_buffer(), "x");
}

TEST(Wasi, MakeEnvironmentReportsMissingDir) {
  Config cfg;
  cfg.preopens.push_back({"/nonexistent/spindle-wasi", "/data", false});
  std::string err;
  EXPECT_EQ(make_environment(cfg, err), nullptr);
  EXPECT_NE(err.find("/nonexistent/spindle-wasi"), std::string::npos) << err;
  EXPECT_NE(err.find("No such file"), std::string::npos) << err;
}

// ---- files ------------------------------------------------------------------------

class WasiFiles : public ResolutionModes {
 protected:
  void SetUp() override {
    ResolutionModes::SetUp();
    root = test_root(std::string("files-") + (GetParam() ? "p" : "o"));
    fsys::create_directories(root / "rw" / "sub");
    write_file(root / "rw" / "hello.txt", "hello world");
    Config cfg;
    cfg.stdio = Stdio::Capture;
    cfg.preopens.push_back({root / "rw", "/data", false});
    cfg.preopens.push_back({root / "rw", ".", false});
    h.start(cfg);
  }
  void TearDown() override {
    std::error_code ec;
    fsys::remove_all(root, ec);
    ResolutionModes::TearDown();
  }
  fsys::path root;
  Harness h;
};

TEST_P(WasiFiles, Prestat) {
  uint32_t ps = h.alloc(8);
  ASSERT_EQ(h.call("fd_prestat_get", {3, ps}), kSuccess);
  EXPECT_EQ(h.at(ps)[0], kPreopenDir);
  EXPECT_EQ(h.load<uint32_t>(ps + 4), 5u);
  uint32_t name = h.alloc(16);
  ASSERT_EQ(h.call("fd_prestat_dir_name", {3, name, 5}), kSuccess);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.at(name)), 5), "/data");
  EXPECT_EQ(h.call("fd_prestat_dir_name", {3, name, 4}), kNameTooLong);
  ASSERT_EQ(h.call("fd_prestat_get", {4, ps}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ps + 4), 1u);
  EXPECT_EQ(h.call("fd_prestat_get", {5, ps}), kBadf);  // end of the preopens
  EXPECT_EQ(h.call("fd_prestat_get", {1, ps}), kBadf);  // not a preopen
  EXPECT_EQ(h.call("fd_prestat_get", {3, Harness::kMemSize - 4}), kFault);
  // A file opened later is not a preopen either.
  uint32_t fd;
  ASSERT_EQ(h.open(3, "hello.txt", 0, kReadRights, fd), kSuccess);
  EXPECT_EQ(fd, 5u);
  EXPECT_EQ(h.call("fd_prestat_get", {fd, ps}), kBadf);
  // fdstat of a preopen: a directory with directory rights.
  uint32_t st = h.alloc(24);
  ASSERT_EQ(h.call("fd_fdstat_get", {3, st}), kSuccess);
  EXPECT_EQ(h.at(st)[0], kFileDirectory);
  EXPECT_TRUE(h.load<uint64_t>(st + 8) & rights::kPathOpen);
  EXPECT_TRUE(h.load<uint64_t>(st + 16) & rights::kFdWrite);
}

TEST_P(WasiFiles, ReadWriteSeekTell) {
  uint32_t fd;
  ASSERT_EQ(h.open(3, "new.txt", kOflagCreat | kOflagExcl, kRwRights, fd), kSuccess);
  uint32_t n;
  ASSERT_EQ(h.write(fd, "0123456789", &n), kSuccess);
  EXPECT_EQ(n, 10u);
  uint32_t pos = h.alloc(8);
  ASSERT_EQ(h.call("fd_tell", {fd, pos}), kSuccess);
  EXPECT_EQ(h.load<uint64_t>(pos), 10u);
  ASSERT_EQ(h.call("fd_seek", {fd, static_cast<uint64_t>(-4), kWhenceCur, pos}), kSuccess);
  EXPECT_EQ(h.load<uint64_t>(pos), 6u);
  std::string got;
  ASSERT_EQ(h.read(fd, 100, got), kSuccess);
  EXPECT_EQ(got, "6789");
  ASSERT_EQ(h.call("fd_seek", {fd, 2, kWhenceSet, pos}), kSuccess);
  ASSERT_EQ(h.call("fd_seek", {fd, static_cast<uint64_t>(-1), kWhenceEnd, pos}), kSuccess);
  EXPECT_EQ(h.load<uint64_t>(pos), 9u);
  EXPECT_EQ(h.call("fd_seek", {fd, 0, 3, pos}), kInval);
  EXPECT_EQ(h.call("fd_seek", {fd, static_cast<uint64_t>(-100), kWhenceSet, pos}), kInval);
  EXPECT_EQ(h.call("fd_seek", {3, 0, kWhenceSet, pos}), kBadf);  // a directory

  // pread / pwrite leave the position alone.
  uint32_t buf = h.alloc(16), iov = h.alloc(8), ret = h.alloc(4);
  h.store<uint32_t>(iov, buf);
  h.store<uint32_t>(iov + 4, 3);
  ASSERT_EQ(h.call("fd_pread", {fd, iov, 1, 1, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 3u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.at(buf)), 3), "123");
  std::memcpy(h.at(buf), "XYZ", 3);
  ASSERT_EQ(h.call("fd_pwrite", {fd, iov, 1, 20, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 3u);
  ASSERT_EQ(h.call("fd_tell", {fd, pos}), kSuccess);
  EXPECT_EQ(h.load<uint64_t>(pos), 9u);
  EXPECT_EQ(h.call("fd_pread", {3, iov, 1, 0, ret}), kBadf);
  EXPECT_EQ(h.call("fd_pread", {fd, iov, 1, 0, Harness::kMemSize}), kFault);

  // filestat: size 23 after the pwrite at 20.
  uint32_t fst = h.alloc(64);
  ASSERT_EQ(h.call("fd_filestat_get", {fd, fst}), kSuccess);
  struct stat s;
  ASSERT_EQ(stat((root / "rw" / "new.txt").c_str(), &s), 0);
  EXPECT_EQ(h.load<uint64_t>(fst + 0), static_cast<uint64_t>(s.st_dev));
  EXPECT_EQ(h.load<uint64_t>(fst + 8), static_cast<uint64_t>(s.st_ino));
  EXPECT_EQ(h.at(fst)[16], kFileRegular);
  EXPECT_EQ(h.load<uint64_t>(fst + 24), 1u);
  EXPECT_EQ(h.load<uint64_t>(fst + 32), 23u);
  EXPECT_EQ(h.load<uint64_t>(fst + 48),
            static_cast<uint64_t>(s.st_mtim.tv_sec) * 1000000000ull + s.st_mtim.tv_nsec);

  ASSERT_EQ(h.call("fd_filestat_set_size", {fd, 4}), kSuccess);
  EXPECT_EQ(read_file(root / "rw" / "new.txt"), "0123");
  ASSERT_EQ(h.call("fd_filestat_set_times",
                   {fd, 1000000000ull * 1000, 2000000000ull * 1000, kFstAtim | kFstMtim}),
            kSuccess);
  ASSERT_EQ(stat((root / "rw" / "new.txt").c_str(), &s), 0);
  EXPECT_EQ(s.st_mtim.tv_sec, 2000);
  EXPECT_EQ(s.st_atim.tv_sec, 1000);
  EXPECT_EQ(h.call("fd_filestat_set_times", {fd, 0, 0, kFstAtim | kFstAtimNow}), kInval);
  EXPECT_EQ(h.call("fd_filestat_set_times", {fd, 0, 0, kFstMtimNow}), kSuccess);

  EXPECT_EQ(h.call("fd_advise", {fd, 0, 4, 1}), kSuccess);
  EXPECT_EQ(h.call("fd_advise", {fd, 0, 4, 6}), kInval);
  EXPECT_EQ(h.call("fd_allocate", {fd, 0, 4096}), kSuccess);
  ASSERT_EQ(stat((root / "rw" / "new.txt").c_str(), &s), 0);
  EXPECT_EQ(s.st_size, 4096);
  EXPECT_EQ(h.call("fd_sync", {fd}), kSuccess);
  EXPECT_EQ(h.call("fd_datasync", {fd}), kSuccess);
  EXPECT_EQ(h.call("fd_close", {fd}), kSuccess);
  EXPECT_EQ(h.call("fd_close", {fd}), kBadf);
  EXPECT_EQ(h.write(fd, "x"), kBadf);
}

TEST_P(WasiFiles, OpenFlagsAndRights) {
  uint32_t fd;
  // EXCL on an existing file.
  EXPECT_EQ(h.open(3, "hello.txt", kOflagCreat | kOflagExcl, kRwRights, fd), kExist);
  EXPECT_EQ(h.open(3, "missing.txt", 0, kReadRights, fd), kNoEnt);
  EXPECT_EQ(h.open(3, "hello.txt", kOflagDirectory, kReadRights, fd), kNotDir);
  EXPECT_EQ(h.open(3, "hello.txt/x", 0, kReadRights, fd), kNotDir);
  EXPECT_EQ(h.open(3, "sub", 0, kRwRights, fd), kIsDir);  // a directory for writing
  EXPECT_EQ(h.open(3, "hello.txt", 1 << 4, kReadRights, fd), kInval);
  // A read-only fd: writes fail with EBADF.
  ASSERT_EQ(h.open(3, "hello.txt", 0, kReadRights, fd), kSuccess);
  EXPECT_EQ(h.write(fd, "x"), kBadf);
  EXPECT_EQ(h.call("fd_filestat_set_size", {fd, 0}), kBadf);
  EXPECT_EQ(h.call("fd_allocate", {fd, 0, 10}), kBadf);
  uint32_t st = h.alloc(24);
  ASSERT_EQ(h.call("fd_fdstat_get", {fd, st}), kSuccess);
  EXPECT_EQ(h.at(st)[0], kFileRegular);
  EXPECT_EQ(h.load<uint64_t>(st + 8) & rights::kFdWrite, 0u);
  EXPECT_TRUE(h.load<uint64_t>(st + 8) & rights::kFdRead);
  // Rights only shrink.
  EXPECT_EQ(h.call("fd_fdstat_set_rights", {fd, kRwRights, 0}), kNotCapable);
  ASSERT_EQ(h.call("fd_fdstat_set_rights", {fd, rights::kFdSeek, 0}), kSuccess);
  std::string got;
  EXPECT_EQ(h.read(fd, 10, got), kBadf);
  ASSERT_EQ(h.call("fd_fdstat_get", {fd, st}), kSuccess);
  EXPECT_EQ(h.load<uint64_t>(st + 8), rights::kFdSeek);
  EXPECT_EQ(h.load<uint64_t>(st + 16), 0u);

  // TRUNC and APPEND.
  ASSERT_EQ(h.open(3, "hello.txt", kOflagTrunc, kRwRights, fd), kSuccess);
  EXPECT_EQ(read_file(root / "rw" / "hello.txt"), "");
  ASSERT_EQ(h.write(fd, "abc"), kSuccess);
  uint32_t afd;
  ASSERT_EQ(h.open(3, "hello.txt", 0, kRwRights, afd, kLookupSymlinkFollow, kFdflagAppend),
            kSuccess);
  ASSERT_EQ(h.call("fd_fdstat_get", {afd, st}), kSuccess);
  EXPECT_EQ(h.load<uint16_t>(st + 2), kFdflagAppend);
  ASSERT_EQ(h.write(afd, "def"), kSuccess);
  EXPECT_EQ(read_file(root / "rw" / "hello.txt"), "abcdef");
  // set_flags: drop append, then writes go to the position.
  ASSERT_EQ(h.call("fd_fdstat_set_flags", {afd, 0}), kSuccess);
  ASSERT_EQ(h.call("fd_fdstat_get", {afd, st}), kSuccess);
  EXPECT_EQ(h.load<uint16_t>(st + 2), 0);
  EXPECT_EQ(h.call("fd_fdstat_set_flags", {afd, kFdflagSync}), kNotSup);
  EXPECT_EQ(h.call("fd_fdstat_set_flags", {99, 0}), kBadf);

  // Opening a directory gives a directory fd usable for path operations.
  uint32_t dfd;
  ASSERT_EQ(h.open(3, "sub", kOflagDirectory, kRwRights, dfd), kSuccess);
  ASSERT_EQ(h.call("fd_fdstat_get", {dfd, st}), kSuccess);
  EXPECT_EQ(h.at(st)[0], kFileDirectory);
  uint32_t inner;
  ASSERT_EQ(h.open(dfd, "inner.txt", kOflagCreat, kRwRights, inner), kSuccess);
  EXPECT_TRUE(fsys::exists(root / "rw" / "sub" / "inner.txt"));
  // A file fd is no directory.
  EXPECT_EQ(h.open(inner, "x", 0, kReadRights, fd), kNotDir);
  EXPECT_EQ(h.open(77, "x", 0, kReadRights, fd), kBadf);
  // The return pointer is checked before anything is created.
  uint32_t p = h.put_bytes("never.txt");
  EXPECT_EQ(h.call("path_open",
                   {3, 0, p, 9, kOflagCreat, kRwRights, kRwRights, 0, Harness::kMemSize - 2}),
            kFault);
  EXPECT_FALSE(fsys::exists(root / "rw" / "never.txt"));
  EXPECT_EQ(
      h.call("path_open", {3, 0, Harness::kMemSize - 2, 9, 0, kRwRights, kRwRights, 0, h.alloc(4)}),
      kFault);
}

TEST_P(WasiFiles, Renumber) {
  uint32_t a, b;
  ASSERT_EQ(h.open(3, "hello.txt", 0, kReadRights, a), kSuccess);
  ASSERT_EQ(h.open(3, "x.txt", kOflagCreat, kRwRights, b), kSuccess);
  ASSERT_EQ(h.call("fd_renumber", {a, b}), kSuccess);
  std::string got;
  ASSERT_EQ(h.read(b, 5, got), kSuccess);
  EXPECT_EQ(got, "hello");
  EXPECT_EQ(h.read(a, 5, got), kBadf);
  EXPECT_EQ(h.call("fd_renumber", {a, b}), kBadf);
  EXPECT_EQ(h.call("fd_renumber", {b, 99}), kBadf);
  EXPECT_EQ(h.call("fd_renumber", {b, b}), kSuccess);
  // The lowest free slot is reused.
  uint32_t c;
  ASSERT_EQ(h.open(3, "hello.txt", 0, kReadRights, c), kSuccess);
  EXPECT_EQ(c, a);
  // Renumber onto stdout: writes now go to the file.
  ASSERT_EQ(h.open(3, "out.txt", kOflagCreat, kRwRights, c), kSuccess);
  ASSERT_EQ(h.call("fd_renumber", {c, 1}), kSuccess);
  ASSERT_EQ(h.write(1, "to file"), kSuccess);
  EXPECT_EQ(read_file(root / "rw" / "out.txt"), "to file");
  EXPECT_EQ(h.ctx().stdout_buffer(), "");
}

TEST_P(WasiFiles, Readdir) {
  write_file(root / "rw" / "b", "");
  fsys::create_symlink("hello.txt", root / "rw" / "ln");
  uint32_t buf = h.alloc(4096), ret = h.alloc(4);
  ASSERT_EQ(h.call("fd_readdir", {3, buf, 4096, 0, ret}), kSuccess);
  uint32_t used = h.load<uint32_t>(ret);
  std::vector<std::string> names;
  std::vector<uint8_t> types;
  std::vector<uint64_t> nexts;
  for (uint32_t off = 0; off < used;) {
    uint64_t next = h.load<uint64_t>(buf + off);
    uint32_t len = h.load<uint32_t>(buf + off + 16);
    types.push_back(h.at(buf + off)[20]);
    names.emplace_back(reinterpret_cast<char*>(h.at(buf + off + 24)), len);
    nexts.push_back(next);
    off += 24 + len;
  }
  ASSERT_EQ(names, (std::vector<std::string>{".", "..", "b", "hello.txt", "ln", "sub"}));
  EXPECT_EQ(types, (std::vector<uint8_t>{kFileDirectory, kFileDirectory, kFileRegular, kFileRegular,
                                         kFileSymlink, kFileDirectory}));
  EXPECT_EQ(nexts, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_LT(used, 4096u);  // the end of the directory
  struct stat s;
  ASSERT_EQ(stat((root / "rw" / "hello.txt").c_str(), &s), 0);
  EXPECT_EQ(h.load<uint64_t>(buf + 24 + 1 + 24 + 2 + 24 + 1 + 8), s.st_ino);

  // Resume from a cookie.
  ASSERT_EQ(h.call("fd_readdir", {3, buf, 4096, 4, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 24u + 2 + 24 + 3);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.at(buf + 24)), 2), "ln");
  // Past the end.
  ASSERT_EQ(h.call("fd_readdir", {3, buf, 4096, 100, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 0u);
  // A buffer too small: filled completely (the last entry truncated).
  std::memset(h.at(buf), 0xAA, 64);
  ASSERT_EQ(h.call("fd_readdir", {3, buf, 30, 0, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 30u);
  EXPECT_EQ(h.at(buf + 30)[0], 0xAA);
  ASSERT_EQ(h.call("fd_readdir", {3, buf, 10, 0, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 10u);

  EXPECT_EQ(h.call("fd_readdir", {3, Harness::kMemSize - 10, 4096, 0, ret}), kFault);
  uint32_t fd;
  ASSERT_EQ(h.open(3, "hello.txt", 0, kReadRights, fd), kSuccess);
  EXPECT_EQ(h.call("fd_readdir", {fd, buf, 4096, 0, ret}), kNotDir);
  EXPECT_EQ(h.call("fd_readdir", {99, buf, 4096, 0, ret}), kBadf);
}

TEST_P(WasiFiles, PathOperations) {
  EXPECT_EQ(h.path_call("path_create_directory", 3, "newdir"), kSuccess);
  EXPECT_TRUE(fsys::is_directory(root / "rw" / "newdir"));
  EXPECT_EQ(h.path_call("path_create_directory", 3, "newdir"), kExist);
  EXPECT_EQ(h.path_call("path_create_directory", 3, "nope/x"), kNoEnt);
  EXPECT_EQ(h.path_call("path_create_directory", 3, "sub/deeper/"), kSuccess);
  EXPECT_EQ(h.path_call("path_create_directory", 3, ""), kNoEnt);
  EXPECT_EQ(h.path_call("path_create_directory", 1, "x"), kNotDir);

  // filestat by path.
  uint32_t fst = h.alloc(64);
  uint32_t p = h.put_bytes("hello.txt");
  ASSERT_EQ(h.call("path_filestat_get", {3, 0, p, 9, fst}), kSuccess);
  EXPECT_EQ(h.at(fst)[16], kFileRegular);
  EXPECT_EQ(h.load<uint64_t>(fst + 32), 11u);
  EXPECT_EQ(h.call("path_filestat_get", {3, 0, p, 9, Harness::kMemSize - 63}), kFault);

  // symlink + readlink + filestat with and without follow.
  uint32_t t = h.put_bytes("hello.txt"), l = h.put_bytes("link");
  ASSERT_EQ(h.call("path_symlink", {t, 9, 3, l, 4}), kSuccess);
  EXPECT_EQ(fsys::read_symlink(root / "rw" / "link"), "hello.txt");
  EXPECT_EQ(h.call("path_symlink", {t, 9, 3, l, 4}), kExist);
  ASSERT_EQ(h.call("path_filestat_get", {3, 0, l, 4, fst}), kSuccess);
  EXPECT_EQ(h.at(fst)[16], kFileSymlink);
  EXPECT_EQ(h.load<uint64_t>(fst + 32), 9u);
  ASSERT_EQ(h.call("path_filestat_get", {3, kLookupSymlinkFollow, l, 4, fst}), kSuccess);
  EXPECT_EQ(h.at(fst)[16], kFileRegular);
  uint32_t buf = h.alloc(64), ret = h.alloc(4);
  ASSERT_EQ(h.call("path_readlink", {3, l, 4, buf, 64, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 9u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.at(buf)), 9), "hello.txt");
  ASSERT_EQ(h.call("path_readlink", {3, l, 4, buf, 4, ret}), kSuccess);  // truncated
  EXPECT_EQ(h.load<uint32_t>(ret), 4u);
  EXPECT_EQ(h.call("path_readlink", {3, p, 9, buf, 64, ret}), kInval);  // not a link
  EXPECT_EQ(h.call("path_readlink", {3, l, 4, Harness::kMemSize - 2, 64, ret}), kFault);
  // Opening the link without follow: ELOOP; with follow: the file.
  uint32_t fd;
  EXPECT_EQ(h.open(3, "link", 0, kReadRights, fd, 0), kLoop);
  ASSERT_EQ(h.open(3, "link", 0, kReadRights, fd), kSuccess);
  std::string got;
  ASSERT_EQ(h.read(fd, 5, got), kSuccess);
  EXPECT_EQ(got, "hello");
  // A symlink in an intermediate component that stays inside is fine.
  fsys::create_directory_symlink("sub", root / "rw" / "subln");
  ASSERT_EQ(h.open(3, "subln/../hello.txt", 0, kReadRights, fd), kSuccess);
  ASSERT_EQ(h.open(3, "sub/../sub/./", kOflagDirectory, kReadRights, fd), kSuccess);

  // set_times by path (follow and not).
  uint32_t hp = h.put_bytes("hello.txt");
  ASSERT_EQ(h.call("path_filestat_set_times", {3, 0, hp, 9, 0, 5000000000ull, kFstMtim}), kSuccess);
  struct stat s;
  ASSERT_EQ(stat((root / "rw" / "hello.txt").c_str(), &s), 0);
  EXPECT_EQ(s.st_mtim.tv_sec, 5);
  ASSERT_EQ(h.call("path_filestat_set_times",
                   {3, kLookupSymlinkFollow, l, 4, 0, 7000000000ull, kFstMtim}),
            kSuccess);
  ASSERT_EQ(stat((root / "rw" / "hello.txt").c_str(), &s), 0);
  EXPECT_EQ(s.st_mtim.tv_sec, 7);
  ASSERT_EQ(h.call("path_filestat_set_times", {3, 0, l, 4, 0, 9000000000ull, kFstMtim}), kSuccess);
  ASSERT_EQ(lstat((root / "rw" / "link").c_str(), &s), 0);
  EXPECT_EQ(s.st_mtim.tv_sec, 9);
  EXPECT_EQ(h.call("path_filestat_set_times", {3, 0, hp, 9, 0, 0, kFstMtim | kFstMtimNow}), kInval);

  // hard link.
  uint32_t a = h.put_bytes("hello.txt"), b = h.put_bytes("sub/hard");
  ASSERT_EQ(h.call("path_link", {3, 0, a, 9, 3, b, 8}), kSuccess);
  ASSERT_EQ(stat((root / "rw" / "hello.txt").c_str(), &s), 0);
  EXPECT_EQ(s.st_nlink, 2u);
  EXPECT_EQ(h.call("path_link", {3, 0, a, 9, 3, b, 8}), kExist);
  EXPECT_EQ(h.call("path_link", {3, kLookupSymlinkFollow, a, 9, 3, b, 8}), kInval);

  // rename across the two preopens (same host dir) and within.
  uint32_t r1 = h.put_bytes("sub/hard"), r2 = h.put_bytes("renamed");
  ASSERT_EQ(h.call("path_rename", {3, r1, 8, 4, r2, 7}), kSuccess);
  EXPECT_TRUE(fsys::exists(root / "rw" / "renamed"));
  EXPECT_FALSE(fsys::exists(root / "rw" / "sub" / "hard"));
  EXPECT_EQ(h.call("path_rename", {3, r1, 8, 4, r2, 7}), kNoEnt);

  // unlink / rmdir.
  EXPECT_EQ(h.path_call("path_unlink_file", 3, "renamed"), kSuccess);
  EXPECT_EQ(h.path_call("path_unlink_file", 3, "renamed"), kNoEnt);
  EXPECT_EQ(h.path_call("path_unlink_file", 3, "newdir"), kIsDir);
  EXPECT_EQ(h.path_call("path_unlink_file", 3, "hello.txt/"), kNotDir);
  EXPECT_EQ(h.path_call("path_remove_directory", 3, "hello.txt"), kNotDir);
  EXPECT_EQ(h.path_call("path_remove_directory", 3, "sub"), kNotEmpty);
  EXPECT_EQ(h.path_call("path_remove_directory", 3, "newdir/"), kSuccess);
  EXPECT_FALSE(fsys::exists(root / "rw" / "newdir"));
  EXPECT_EQ(h.path_call("path_unlink_file", 3, "link"), kSuccess);
  EXPECT_TRUE(fsys::exists(root / "rw" / "hello.txt"));

  // Invalid UTF-8 and embedded NUL.
  EXPECT_EQ(h.path_call("path_create_directory", 3, "bad\xff"), kIlseq);
  EXPECT_EQ(h.path_call("path_create_directory", 3, std::string_view("a\0b", 3)), kInval);
}

TEST_P(WasiFiles, Poll) {
  h.ctx().set_stdin("abc");
  uint32_t in = h.alloc(48 * 4), out = h.alloc(32 * 4), ret = h.alloc(4);
  auto clock_sub = [&](int i, uint64_t ud, uint32_t id, uint64_t timeout, uint16_t flags) {
    uint32_t p = in + 48 * i;
    std::memset(h.at(p), 0, 48);
    h.store<uint64_t>(p, ud);
    h.at(p)[8] = kEventClock;
    h.store<uint32_t>(p + 16, id);
    h.store<uint64_t>(p + 24, timeout);
    h.store<uint64_t>(p + 32, 0);
    h.store<uint16_t>(p + 40, flags);
  };
  auto fd_sub = [&](int i, uint64_t ud, uint8_t type, uint32_t fd) {
    uint32_t p = in + 48 * i;
    std::memset(h.at(p), 0, 48);
    h.store<uint64_t>(p, ud);
    h.at(p)[8] = type;
    h.store<uint32_t>(p + 16, fd);
  };

  // One relative clock: sleeps about that long.
  clock_sub(0, 7, kClockMonotonic, 20'000'000, 0);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(h.call("poll_oneoff", {in, out, 1, ret}), kSuccess);
  auto dt = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(dt, std::chrono::milliseconds(19));
  EXPECT_EQ(h.load<uint32_t>(ret), 1u);
  EXPECT_EQ(h.load<uint64_t>(out), 7u);
  EXPECT_EQ(h.load<uint16_t>(out + 8), 0);
  EXPECT_EQ(h.at(out)[10], kEventClock);

  // Absolute realtime clock in the past: immediate.
  clock_sub(0, 8, kClockRealtime, 1, kSubclockAbstime);
  ASSERT_EQ(h.call("poll_oneoff", {in, out, 1, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 1u);
  EXPECT_EQ(h.load<uint64_t>(out), 8u);

  // A long clock plus a ready stdin: only stdin is reported, at once.
  clock_sub(0, 1, kClockMonotonic, 60'000'000'000ull, 0);
  fd_sub(1, 2, kEventFdRead, 0);
  fd_sub(2, 3, kEventFdWrite, 1);
  fd_sub(3, 4, kEventFdRead, 42);
  t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(h.call("poll_oneoff", {in, out, 4, ret}), kSuccess);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  ASSERT_EQ(h.load<uint32_t>(ret), 3u);
  EXPECT_EQ(h.load<uint64_t>(out), 2u);
  EXPECT_EQ(h.at(out)[10], kEventFdRead);
  EXPECT_EQ(h.load<uint64_t>(out + 16), 3u);  // bytes available on stdin
  EXPECT_EQ(h.load<uint64_t>(out + 32), 3u);
  EXPECT_EQ(h.at(out + 32)[10], kEventFdWrite);
  EXPECT_EQ(h.load<uint64_t>(out + 64), 4u);
  EXPECT_EQ(h.load<uint16_t>(out + 64 + 8), kBadf);

  // A regular file is always ready.
  uint32_t fd;
  ASSERT_EQ(h.open(3, "hello.txt", 0, kReadRights, fd), kSuccess);
  fd_sub(0, 9, kEventFdRead, fd);
  ASSERT_EQ(h.call("poll_oneoff", {in, out, 1, ret}), kSuccess);
  EXPECT_EQ(h.load<uint32_t>(ret), 1u);
  EXPECT_EQ(h.load<uint64_t>(out + 16), 11u);

  // Unsupported clock: an event with EINVAL.
  clock_sub(0, 5, kClockProcessCputime, 1, 0);
  ASSERT_EQ(h.call("poll_oneoff", {in, out, 1, ret}), kSuccess);
  EXPECT_EQ(h.load<uint16_t>(out + 8), kInval);

  EXPECT_EQ(h.call("poll_oneoff", {in, out, 0, ret}), kInval);
  EXPECT_EQ(h.call("poll_oneoff", {Harness::kMemSize - 40, out, 1, ret}), kFault);
  EXPECT_EQ(h.call("poll_oneoff", {in, Harness::kMemSize - 16, 1, ret}), kFault);
}

TEST_P(WasiFiles, ClosingTheContextClosesFiles) {
  auto count_fds = [] {
    size_t n = 0;
    for ([[maybe_unused]] auto& e : fsys::directory_iterator("/proc/self/fd")) ++n;
    return n;
  };
  size_t before = count_fds();
  {
    Harness h2;
    Config cfg;
    cfg.preopens.push_back({root / "rw", "/", false});
    h2.start(cfg);
    size_t with_env = count_fds();
    EXPECT_EQ(with_env, before + 1);
    uint32_t fd;
    for (int i = 0; i < 5; ++i) ASSERT_EQ(h2.open(3, "hello.txt", 0, kReadRights, fd), kSuccess);
    uint32_t buf = h2.alloc(256), ret = h2.alloc(4);
    ASSERT_EQ(h2.call("fd_readdir", {3, buf, 256, 0, ret}), kSuccess);
    EXPECT_EQ(count_fds(), with_env + 5);
  }
  EXPECT_EQ(count_fds(), before);
}

INSTANTIATE_TEST_SUITE_P(Modes, WasiFiles, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace spindle::wasi::testing

namespace spindle::wasi::testing {
namespace {

TEST(Wasi, ContextsAreIsolated) {
  fsys::path root = test_root("isolated");
  write_file(root / "f.txt", "data");
  Config cfg;
  cfg.stdio = Stdio::Capture;
  cfg.preopens.push_back({root, "/d", false});
  std::string err;
  auto env = make_environment(cfg, err);
  ASSERT_TRUE(env) << err;
  engine::Linker l;
  link(l);
  const auto& fd_write = std::get<engine::HostFunc>(*l.find("wasi_snapshot_preview1", "fd_write"));
  const auto& fd_close = std::get<engine::HostFunc>(*l.find("wasi_snapshot_preview1", "fd_close"));
  std::vector<uint8_t> mem(4096);
  std::memcpy(mem.data() + 100, "hi", 2);
  uint32_t iov[2] = {100, 2};
  std::memcpy(mem.data() + 200, iov, 8);
  Context a(env), b(env);
  engine::HostCall call;
  call.memory = {mem.data(), mem.size()};
  engine::Value args[4] = {engine::Value::from_i32(1), engine::Value::from_i32(200),
                           engine::Value::from_i32(1), engine::Value::from_i32(300)};
  engine::Value res[1];
  engine::InstanceData da, db;
  da.wasi = &a;
  db.wasi = &b;
  call.instance = &da;
  ASSERT_TRUE(fd_write.callback(call, args, res).ok());
  EXPECT_EQ(res[0].i32, 0u);
  // Closing the preopen in one context leaves the other's alone.
  engine::Value close_args[1] = {engine::Value::from_i32(3)};
  ASSERT_TRUE(fd_close.callback(call, close_args, res).ok());
  EXPECT_EQ(res[0].i32, 0u);
  ASSERT_TRUE(fd_close.callback(call, close_args, res).ok());
  EXPECT_EQ(res[0].i32, abi::kBadf);
  call.instance = &db;
  ASSERT_TRUE(fd_close.callback(call, close_args, res).ok());
  EXPECT_EQ(res[0].i32, 0u);
  EXPECT_EQ(a.stdout_buffer(), "hi");
  EXPECT_EQ(b.stdout_buffer(), "");
  // The Environment's directory is still open for a third context.
  Context c(env);
  Harness h;
  h.start(cfg);
  uint32_t fd;
  EXPECT_EQ(h.open(3, "f.txt", 0, kReadRights, fd), abi::kSuccess);
}

TEST(Wasi, InheritedStdioFdstat) {
  Harness h;
  h.start({});  // Stdio::Inherit
  uint32_t st = h.alloc(24);
  ASSERT_EQ(h.call("fd_fdstat_get", {2, st}), abi::kSuccess);
  EXPECT_TRUE(h.load<uint64_t>(st + 8) & abi::rights::kFdWrite);
  uint32_t n = 0;
  EXPECT_EQ(h.write(2, "", &n), abi::kSuccess);  // an empty write reaches nothing
  EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace spindle::wasi::testing
