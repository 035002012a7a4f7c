// Several apps in one process share what they can: apps built from the same
// wasm map one copy of its native code, and an app loaded and unloaded
// gives back its descriptors.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// The native code files (cache artifacts, "….so") process `pid` maps, each
// with how many times it is mapped executable.
std::map<std::string, int> mapped_code(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::map<std::string, int> out;
  for (std::string line; std::getline(maps, line);) {
    std::istringstream f(line);
    std::string range, perms, offset, dev, inode, path;
    f >> range >> perms >> offset >> dev >> inode >> path;
    if (perms.find('x') != std::string::npos && path.ends_with(".so") &&
        path.find(SPINDLE_TEST_CACHE) == 0)
      ++out[path];
  }
  return out;
}

// Descriptors open in `pid`, but for the page-fault watch each thread opens
// with its first guest (engine/runtime/fault_watch.h): a thread's, not an
// app's.
int open_descriptors(pid_t pid) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    std::error_code ec;
    if (fs::read_symlink(e.path(), ec).string() != "anon_inode:[perf_event]") ++n;
  }
  return n;
}

}  // namespace

TEST(MultiAppShare, AppsFromOneWasmMapOneCopyOfItsCodeAndUnloadingGivesBackDescriptors) {
  std::string dir = temp_dir("multi_share");
  std::ofstream cfg(dir + "/apps.toml");
  cfg << "idle_unload = \"1s\"\n";
  for (int i = 0; i < 5; ++i) {
    std::string app = one_component_app("multi_share/a" + std::to_string(i), "host_kv", "kv");
    std::ofstream(app + "/spin.toml", std::ios::app) << "key_value_stores = [\"default\"]\n";
    cfg << "[[app]]\nhosts = [\"a" << i << ".test\"]\nfrom = \"" << app << "\"\n";
  }
  cfg.close();
  Background up({SPINDLE_BIN, "up", "--apps", dir + "/apps.toml", "--listen", "127.0.0.1:0",
                 "--state-dir", dir + "/state"},
                dir + "/up.log", {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  std::string rest = up.wait_for("Serving http://");
  ASSERT_FALSE(rest.empty()) << up.log();
  std::string url = "http://" + rest;
  // The server's own descriptors (each I/O thread's, made with its first
  // connection) first.
  for (int i = 0; i < 8; ++i) EXPECT_EQ(http_code({url + "/.well-known/spin/health"}), "200");
  int before = open_descriptors(up.pid());
  for (int i = 0; i < 5; ++i) {
    std::string host = "Host: a" + std::to_string(i) + ".test";
    ASSERT_EQ(
        curl({"-H", host, "--data-binary", "v" + std::to_string(i), url + "/set/default/k"}).out,
        "ok")
        << up.log();
  }
  // Five apps, one wasm: one copy of its code, mapped once.
  auto code = mapped_code(up.pid());
  ASSERT_EQ(code.size(), 1u) << up.log();
  EXPECT_EQ(code.begin()->second, 1);
  // Each used its own store (a database each), so it holds descriptors...
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(curl({"-H", "Host: a" + std::to_string(i) + ".test", url + "/get/default/k"}).out,
              "v" + std::to_string(i));
  EXPECT_GT(open_descriptors(up.pid()), before);
  // ... until it is unloaded after its idle time.
  for (int t = 0; t < 100 && up.log().find("Unloaded app `a4.test`") == std::string::npos; ++t)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_NE(up.log().find("Unloaded app `a4.test` (idle 1s)"), std::string::npos) << up.log();
  for (int t = 0; t < 20 && open_descriptors(up.pid()) > before; ++t)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LE(open_descriptors(up.pid()), before);
  // Loaded again, each finds what it stored.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(curl({"-H", "Host: a" + std::to_string(i) + ".test", url + "/get/default/k"}).out,
              "v" + std::to_string(i));
}
