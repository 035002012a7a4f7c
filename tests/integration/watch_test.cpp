// `spindle watch`: a change to a watched source rebuilds that component and
// the next requests see the new answer; a failed build leaves the previous
// version serving; --skip-build reloads when a component's module changes.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// Asks `url` until the body equals `want` (up to 60 s); returns the last body.
std::string await_body(const std::string& url, const std::string& want) {
  std::string body;
  for (int i = 0; i < 300; ++i) {
    body = curl({url}).out;
    if (body == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return body;
}

void replace_in(const std::string& file, const std::string& from, const std::string& to) {
  std::string text = slurp(file);
  auto pos = text.find(from);
  ASSERT_NE(pos, std::string::npos) << from;
  text.replace(pos, from.size(), to);
  std::ofstream(file, std::ios::trunc) << text;
}

}  // namespace

TEST(Watch, ASourceChangeRebuildsAndTheNextRequestsSeeIt) {
  std::string dir = temp_dir("watch") + "/app";
  ASSERT_EQ(run_spindle({"new", "http-cpp", "app", "-o", dir}).status, 0);
  Up up(dir, {"--debounce", "50ms"}, "watch");
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/x"}).out, "Hello from app! You asked for /x\n");

  replace_in(dir + "/src/main.cpp", "Hello from", "Howdy from");
  EXPECT_EQ(await_body(up.url() + "/x", "Howdy from app! You asked for /x\n"),
            "Howdy from app! You asked for /x\n")
      << up.log();
  // The new version answers as soon as it is swapped in; the message follows.
  EXPECT_FALSE(up.process().wait_for("Reloaded ").empty()) << up.log();

  // A change that does not build: the old version keeps answering.
  size_t log_size = up.log().size();
  std::ofstream(dir + "/src/main.cpp", std::ios::app) << "this does not compile\n";
  EXPECT_EQ(up.process().wait_for("the build failed;", log_size),
            " still serving the previous version")
      << up.log();
  EXPECT_NE(up.log().find("[app] "), std::string::npos) << up.log();
  EXPECT_EQ(curl({up.url() + "/y"}).out, "Howdy from app! You asked for /y\n");

  // Fixing it brings the next version.
  replace_in(dir + "/src/main.cpp", "this does not compile\n", "");
  replace_in(dir + "/src/main.cpp", "Howdy from", "Hi from");
  EXPECT_EQ(await_body(up.url() + "/z", "Hi from app! You asked for /z\n"),
            "Hi from app! You asked for /z\n")
      << up.log();
}

TEST(Watch, SkipBuildReloadsWhenTheModuleChanges) {
  std::string dir = temp_dir("watch-skip");
  fs::copy_file(guest("wagi_echo"), dir + "/app.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = "1"
name = "skip"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "app"
source = "app.wasm"
[component.trigger]
route = "/..."
executor = { type = "wagi" }
[component.build]
command = "exit 1"
watch = ["*.txt"]
)";
  Up up(dir, {"--skip-build"}, "watch");
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result before = curl({"-i", up.url() + "/a"});
  EXPECT_NE(before.out.find("HTTP/1.1 200"), std::string::npos) << before.out;
  // Swap in the Spin-ABI echo module, served as WAGI it answers differently;
  // change the manifest's executor at the same time (a manifest change).
  fs::copy_file(guest("spin_echo"), dir + "/app.wasm", fs::copy_options::overwrite_existing);
  replace_in(dir + "/spin.toml", "executor = { type = \"wagi\" }\n", "");
  std::string got;
  for (int i = 0; i < 300; ++i) {
    got = curl({"-i", up.url() + "/a"}).out;
    if (got.find("x-uri: /a") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_NE(got.find("x-uri: /a"), std::string::npos) << got << up.log();
  EXPECT_EQ(up.log().find("Building component"), std::string::npos) << up.log();
}
