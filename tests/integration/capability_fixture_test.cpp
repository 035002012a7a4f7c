// The capability shape: test-echo (src/host/test_echo) is a folder and one
// line in host/capabilities.cpp, and with only that it owns a manifest key
// (test_echo_prefix), a runtime-config section ([test_echo]) and an import,
// permission included, through a real `spindle up`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

std::string echo_app(const std::string& name, const std::string& echo_key) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("host_echo"), dir + "/echo.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "echo"
[[trigger.http]]
route = "/allowed"
component = "allowed"
[[trigger.http]]
route = "/denied"
component = "denied"
[component.allowed]
source = "echo.wasm"
)" << echo_key << R"(
[component.denied]
source = "echo.wasm"
)";
  std::ofstream(dir + "/runtime.toml") << "[test_echo]\nsuffix = \">\"\n";
  return dir;
}

}  // namespace

TEST(CapabilityFixture, AManifestKeyARuntimeSectionAndAnImportFromOneFolder) {
  std::string dir = echo_app("cap-echo", "test_echo_prefix = \"<\"");
  Up up(dir, {"--runtime-config-file", dir + "/runtime.toml"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({"-d", "hi", up.url() + "/allowed"}).out, "<hi>");
  // The component without the key is refused by the capability's permission.
  EXPECT_EQ(http_code({"-d", "hi", up.url() + "/denied"}), "500");
  EXPECT_NE(up.log().find("test-echo is not allowed for component `denied`"), std::string::npos)
      << up.log();
}

TEST(CapabilityFixture, ItsErrorsArePlacedInTheManifestAndTheRuntimeConfig) {
  std::string dir = echo_app("cap-echo-bad", "test_echo_prefix = 7");
  Result r = run_spindle({"up", "-f", dir, "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("spin.toml:12:20: error: `test_echo_prefix` of component `allowed` is an "
                       "integer (expected a string)"),
            std::string::npos)
      << r.err;

  std::string ok = echo_app("cap-echo-badrc", "test_echo_prefix = \"<\"");
  std::ofstream(ok + "/runtime.toml") << "[test_echo]\nsufix = \">\"\n";
  r = run_spindle(
      {"up", "-f", ok, "--listen", "127.0.0.1:0", "--runtime-config-file", ok + "/runtime.toml"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("runtime.toml:1:1: error: [test_echo] needs `suffix`"), std::string::npos)
      << r.err;
  // A key no capability owns is still an unknown field.
  std::string unknown = echo_app("cap-echo-unknown", "test_echo_prefx = \"<\"");
  r = run_spindle({"up", "-f", unknown, "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.err.find("unknown field `test_echo_prefx`"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean `test_echo_prefix`?"), std::string::npos) << r.err;
}
