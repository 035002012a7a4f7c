// `spindle build` and `spindle up --build`: the build commands run in their
// workdirs, their output is prefixed with the component id, the first
// failure stops the build and names the component and its exit status.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// Three components whose builds are shell commands; `second` fails when
// the file FAIL exists in the app folder.
const char* kManifest = R"(spin_manifest_version = "1"
name = "builds"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "first"
source = "first.wasm"
[component.trigger]
route = "/first"
[component.build]
command = "echo building first in $(basename $(pwd)); echo to-stderr >&2; cp ../hello.wasm ../first.wasm"
workdir = "sub"

[[component]]
id = "second"
source = "second.wasm"
[component.trigger]
route = "/second"
[component.build]
command = "if [ -e FAIL ]; then echo broken; exit 3; fi; cp hello.wasm second.wasm"

[[component]]
id = "third"
source = "third.wasm"
[component.trigger]
route = "/third"
[component.build]
command = ["echo one", "cp hello.wasm third.wasm"]
)";

std::string make_app(const std::string& name) {
  std::string dir = temp_dir(name);
  fs::create_directories(dir + "/sub");
  fs::copy_file(guest("spin_echo"), dir + "/hello.wasm");
  std::ofstream(dir + "/spin.toml") << kManifest;
  return dir;
}

}  // namespace

TEST(Build, RunsEveryCommandInItsWorkdirWithPrefixedOutput) {
  std::string dir = make_app("build-all");
  Result r = run_spindle({"build", "--from", dir + "/spin.toml"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("[first] building first in sub\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[first] to-stderr\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[third] one\n"), std::string::npos) << r.out;
  for (const char* c : {"first", "second", "third"})
    EXPECT_TRUE(fs::exists(dir + "/" + c + ".wasm")) << c;
}

TEST(Build, StopsAtTheFirstFailureNamingComponentAndStatus) {
  std::string dir = make_app("build-fail");
  std::ofstream(dir + "/FAIL") << "";
  Result r = run_spindle({"build", "-f", dir});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("[second] broken\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("component `second` failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("exited with status 3"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir + "/first.wasm"));
  EXPECT_FALSE(fs::exists(dir + "/third.wasm"));  // never started
}

TEST(Build, ComponentFlagBuildsOnlyThatOne) {
  std::string dir = make_app("build-one");
  Result r = run_spindle({"build", "-f", dir, "-c", "third"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(dir + "/third.wasm"));
  EXPECT_FALSE(fs::exists(dir + "/first.wasm"));
  EXPECT_FALSE(fs::exists(dir + "/second.wasm"));
  r = run_spindle({"build", "-f", dir, "-c", "fourth"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("no component `fourth` (components: first, second, third)"),
            std::string::npos)
      << r.err;
}

TEST(Build, UpWithBuildFlagBuildsThenServes) {
  std::string dir = make_app("build-up");
  Up up(dir, {"--build"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_NE(up.log().find("[third] one"), std::string::npos) << up.log();
  EXPECT_EQ(http_code({up.url() + "/second"}), "200");
}

TEST(Build, UpWithBuildFlagDoesNotServeAFailedBuild) {
  std::string dir = make_app("build-up-fail");
  std::ofstream(dir + "/FAIL") << "";
  Result r = run_spindle({"up", "--build", "-f", dir, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("component `second` failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Serving"), std::string::npos) << r.out;
}
