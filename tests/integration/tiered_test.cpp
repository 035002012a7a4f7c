// Tiered start: with a cold compile cache `spindle up` answers at once from
// the interpreter, compiles native code in the background and switches to
// it without failing a request; with a warm cache it starts on native code.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// The processes `pid` started, and theirs, as /proc lists them now.
std::set<pid_t> descendants(pid_t pid) {
  std::set<pid_t> out;
  try {  // processes come and go while this reads
    for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
      std::ifstream children(task.path() / "children");
      for (pid_t c; children >> c;) {
        out.insert(c);
        out.merge(descendants(c));
      }
    }
  } catch (const fs::filesystem_error&) {
  }
  return out;
}

// The sockets among the open descriptors of process `pid`.
int sockets_of(pid_t pid) {
  int n = 0;
  try {
    for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
      std::error_code ec;
      if (fs::read_symlink(fd.path(), ec).string().rfind("socket:", 0) == 0) ++n;
    }
  } catch (const fs::filesystem_error&) {
  }
  return n;
}

}  // namespace

TEST(TieredStart, InterpreterServesWhileNativeCompilesThenSwitchesWithoutFailures) {
  std::string dir = temp_dir("tiered");
  fs::copy_file(guest("spin_echo"), dir + "/echo.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = "1"
name = "tiered"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "echo"
source = "echo.wasm"
[component.trigger]
route = "/..."
)";
  std::string cache = dir + "/cache";  // empty: nothing compiled yet
  std::string url;
  {
    Background up({SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"}, dir + "/up.log",
                  {"XDG_CACHE_HOME=" + cache});
    std::string rest = up.wait_for("Serving http://");
    ASSERT_FALSE(rest.empty()) << up.log();
    url = "http://" + rest;
    EXPECT_NE(up.log().find("Serving 1 component from the interpreter while native code compiles"),
              std::string::npos)
        << up.log();
    // Requests keep succeeding across the switch.
    int failures = 0, total = 0;
    bool switched = false;
    for (int i = 0; i < 600 && !switched; ++i) {
      ++total;
      if (http_code({url + "/x"}) != "200") ++failures;
      switched = up.log().find("Switched to native code") != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(switched) << up.log();
    for (int i = 0; i < 20; ++i, ++total)
      if (http_code({url + "/after"}) != "200") ++failures;
    EXPECT_EQ(failures, 0) << total << " requests\n" << up.log();
  }
  // Warm cache: native from the start, no interpreter phase.
  Background again({SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"}, dir + "/up2.log",
                   {"XDG_CACHE_HOME=" + cache});
  std::string rest = again.wait_for("Serving http://");
  ASSERT_FALSE(rest.empty()) << again.log();
  EXPECT_EQ(http_code({"http://" + rest + "/x"}), "200");
  EXPECT_EQ(again.log().find("from the interpreter"), std::string::npos) << again.log();
}

// The compilers (and the linkers they start) get none of the server's
// sockets: one that outlived a killed spindle would keep its port accepting
// connections that nobody answers, and then resets (a load balancer's 502
// instead of a refused connection it retries elsewhere).
TEST(TieredStart, TheCompilersHoldNoneOfTheServersSockets) {
  std::string dir = one_component_app("tiered_fds", "spin_echo", "echo");
  Background up({SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"}, dir + "/up.log",
                {"XDG_CACHE_HOME=" + dir + "/cache"});
  std::string rest = up.wait_for("Serving http://");
  ASSERT_FALSE(rest.empty()) << up.log();
  // A keep-alive connection the server has accepted, open while it compiles.
  int conn = connect_to(rest);
  ASSERT_GE(conn, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_GE(sockets_of(up.pid()), 2);  // the server's own: listening and accepted
  std::set<pid_t> seen;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (up.log().find("Switched to native code") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    for (pid_t c : descendants(up.pid())) {
      if (seen.insert(c).second) {
        EXPECT_EQ(sockets_of(c), 0) << "process " << c;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_FALSE(seen.empty()) << "no compiler process was seen\n" << up.log();
  close(conn);
}

// A component's core modules link with each other, so they run on one
// backend: with some of them in the cache and some not (another app built
// them, or a compile was interrupted), the interpreter serves the whole
// component until every one is compiled.
TEST(TieredStart, AComponentPartlyInTheCacheIsServedWholeByTheInterpreterFirst) {
  if (!fs::exists(guest("http_component")))
    GTEST_SKIP() << "build/guests/http_component.wasm needs node and tests/components (npm ci)";
  std::string dir = temp_dir("tiered_component");
  fs::copy_file(guest("http_component"), dir + "/c.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "tiered-component"
[[trigger.http]]
route = "/..."
component = "c"
[component.c]
source = "c.wasm"
)";
  std::string cache = dir + "/cache";
  auto serve_until_native = [&](const std::string& log, bool expect_interpreter) {
    Background up({SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"}, dir + "/" + log,
                  {"XDG_CACHE_HOME=" + cache});
    std::string rest = up.wait_for("Serving http://");
    ASSERT_FALSE(rest.empty()) << up.log();
    std::string url = "http://" + rest;
    EXPECT_EQ(up.log().find("from the interpreter") != std::string::npos, expect_interpreter)
        << up.log();
    EXPECT_EQ(http_code({url + "/hello"}), "200") << up.log();
    for (int i = 0; i < 600 && expect_interpreter &&
                    up.log().find("Switched to native code") == std::string::npos;
         ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(http_code({url + "/hello"}), "200") << up.log();
  };
  serve_until_native("up1.log", true);
  // Forget the largest artifact (the component's main module) only.
  fs::path largest;
  for (const auto& e : fs::recursive_directory_iterator(cache))
    if (e.path().extension() == ".so" &&
        (largest.empty() || fs::file_size(e.path()) > fs::file_size(largest)))
      largest = e.path();
  ASSERT_FALSE(largest.empty());
  fs::remove(largest);
  serve_until_native("up2.log", true);
  serve_until_native("up3.log", false);
}
