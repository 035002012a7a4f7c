// A harness that calls the wasi_snapshot_preview1 host functions exactly as a
// guest would: through the Linker entries, with a GuestMemory over a byte
// buffer that plays the guest's linear memory.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "wasi/abi.h"
#include "wasi/resolve.h"
#include "wasi/wasi.h"

namespace spindle::wasi::testing {

namespace fsys = std::filesystem;

inline fsys::path test_root(std::string_view name) {
#ifdef SPINDLE_TEST_TMP
  fsys::path base = SPINDLE_TEST_TMP;
#else
  fsys::path base = fsys::temp_directory_path();
#endif
  fsys::path p = base / ("wasi-" + std::to_string(getpid())) / std::string(name);
  fsys::remove_all(p);
  fsys::create_directories(p);
  return p;
}

inline void write_file(const fsys::path& p, std::string_view data) {
  std::ofstream f(p, std::ios::binary);
  f << data;
}

inline std::string read_file(const fsys::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

class Harness {
 public:
  static constexpr uint32_t kMemSize = 1 << 20;

  Harness() : mem_(kMemSize, 0) { link(linker_); }

  // Builds the Environment and a Context from `config`.
  void start(const Config& config) {
    std::string error;
    env_ = make_environment(config, error);
    ASSERT_TRUE(env_) << error;
    ctx_ = std::make_unique<Context>(env_);
  }
  // A Context of an Environment already made (another Harness's: one app,
  // another request).
  void start_in(std::shared_ptr<const Environment> env) {
    env_ = std::move(env);
    ctx_ = std::make_unique<Context>(env_);
  }
  const std::shared_ptr<const Environment>& env() const { return env_; }
  Context& ctx() { return *ctx_; }

  engine::GuestMemory memory() { return {mem_.data(), mem_.size()}; }
  uint8_t* at(uint32_t off) { return mem_.data() + off; }

  // Bump allocation in guest memory (8-aligned), above a low zero page.
  uint32_t alloc(uint32_t n) {
    uint32_t p = next_;
    next_ = (next_ + n + 7) & ~7u;
    return p;
  }
  // Copies bytes into guest memory; returns the address.
  uint32_t put_bytes(std::string_view s) {
    uint32_t p = alloc(static_cast<uint32_t>(s.size()) + 1);
    std::memcpy(at(p), s.data(), s.size());
    return p;
  }
  template <class T>
  T load(uint32_t off) {
    T v;
    std::memcpy(&v, at(off), sizeof v);
    return v;
  }
  template <class T>
  void store(uint32_t off, T v) {
    std::memcpy(at(off), &v, sizeof v);
  }

  // Calls a host function with raw ABI arguments (i64 params take the full
  // 64 bits). Returns the outcome; `result` receives the errno.
  engine::Outcome invoke(std::string_view name, std::initializer_list<uint64_t> args,
                         uint32_t* result) {
    const engine::Linker::Entry* entry = linker_.find("wasi_snapshot_preview1", name);
    EXPECT_NE(entry, nullptr) << name;
    if (!entry) return engine::Outcome::trapped(engine::TrapKind::HostError, "missing");
    const auto& f = std::get<engine::HostFunc>(*entry);
    EXPECT_EQ(f.type.params.size(), args.size()) << name;
    std::vector<engine::Value> vals;
    size_t i = 0;
    for (uint64_t a : args) {
      bool wide = i < f.type.params.size() && f.type.params[i] == engine::ValType::I64;
      vals.push_back(wide ? engine::Value::from_i64(a)
                          : engine::Value::from_i32(static_cast<uint32_t>(a)));
      ++i;
    }
    engine::Value results[1];
    engine::HostCall call;
    call.memory = memory();
    data_.wasi = ctx_.get();
    call.instance = &data_;
    call.func_data = f.data;
    engine::Outcome o = f.callback(call, vals.data(), results);
    if (result) *result = results[0].i32;
    return o;
  }

  // Calls and returns the errno (expects a normal return).
  uint32_t call(std::string_view name, std::initializer_list<uint64_t> args) {
    uint32_t r = 0xFFFF;
    engine::Outcome o = invoke(name, args, &r);
    EXPECT_TRUE(o.ok()) << name << ": " << o.message;
    return r;
  }

  // path_open relative to `dirfd`; returns the errno, the fd in `fd`.
  uint32_t open(uint32_t dirfd, std::string_view path, uint32_t oflags, uint64_t rights,
                uint32_t& fd, uint32_t lookup = abi::kLookupSymlinkFollow, uint32_t fdflags = 0) {
    uint32_t p = put_bytes(path);
    uint32_t ret = alloc(4);
    store<uint32_t>(ret, 0xDEAD);
    uint32_t e = call("path_open", {dirfd, lookup, p, path.size(), oflags, rights,
                                    abi::rights::kAll, fdflags, ret});
    fd = load<uint32_t>(ret);
    return e;
  }

  // fd_write of one buffer; returns the errno, bytes written in `n`.
  uint32_t write(uint32_t fd, std::string_view data, uint32_t* n = nullptr) {
    uint32_t buf = put_bytes(data);
    uint32_t iov = alloc(8);
    store<uint32_t>(iov, buf);
    store<uint32_t>(iov + 4, static_cast<uint32_t>(data.size()));
    uint32_t ret = alloc(4);
    uint32_t e = call("fd_write", {fd, iov, 1, ret});
    if (n) *n = load<uint32_t>(ret);
    return e;
  }

  // fd_read into a fresh buffer; returns the errno, the data in `out`.
  uint32_t read(uint32_t fd, uint32_t max, std::string& out) {
    uint32_t buf = alloc(max);
    uint32_t iov = alloc(8);
    store<uint32_t>(iov, buf);
    store<uint32_t>(iov + 4, max);
    uint32_t ret = alloc(4);
    uint32_t e = call("fd_read", {fd, iov, 1, ret});
    out.assign(reinterpret_cast<char*>(at(buf)), e == 0 ? load<uint32_t>(ret) : 0);
    return e;
  }

  // A path-only call: name(fd, path_ptr, path_len).
  uint32_t path_call(std::string_view name, uint32_t fd, std::string_view path) {
    uint32_t p = put_bytes(path);
    return call(name, {fd, p, path.size()});
  }

 private:
  std::vector<uint8_t> mem_;
  engine::Linker linker_;
  std::shared_ptr<const Environment> env_;
  std::unique_ptr<Context> ctx_;
  engine::InstanceData data_;
  uint32_t next_ = 1024;
};

constexpr uint64_t kReadRights = abi::rights::kFdRead | abi::rights::kFdSeek |
                                 abi::rights::kFdTell | abi::rights::kFdFilestatGet |
                                 abi::rights::kFdReaddir | abi::rights::kFdAdvise;
constexpr uint64_t kRwRights = abi::rights::kAll;

// Runs a test once with openat2 and once with the portable walk.
class ResolutionModes : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { fs::force_portable_resolution(GetParam()); }
  void TearDown() override { fs::force_portable_resolution(false); }
};

inline std::string mode_name(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "portable" : "openat2";
}

}  // namespace spindle::wasi::testing
