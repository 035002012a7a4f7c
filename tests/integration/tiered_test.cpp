// Tiered start: with a cold compile cache `spindle up` answers at once from
// the interpreter, compiles native code in the background and switches to
// it without failing a request; with a warm cache it starts on native code.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

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
