// `spindle templates list`, `spindle new` and `spindle add`, as a new user
// runs them: make an app from each template, build it with `spindle build`,
// serve it with `spindle up`, ask it over HTTP.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// `spindle new <tmpl> <name>` into <temp>/<name>, then `spindle build`.
std::string new_and_build(const std::string& tmpl, const std::string& name) {
  std::string dir = temp_dir("new-" + tmpl) + "/" + name;
  Result r = run_spindle({"new", tmpl, name, "-o", dir});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Created `" + name + "`"), std::string::npos) << r.out;
  r = run_spindle({"build", "-f", dir});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Finished building all components"), std::string::npos) << r.out;
  return dir;
}

}  // namespace

TEST(Templates, ListNamesEveryTemplate) {
  Result r = run_spindle({"templates", "list"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* name :
       {"http-cpp", "http-cpp-component", "http-c", "wagi-c", "static-fileserver", "redis-cpp"})
    EXPECT_NE(r.out.find(std::string("\n") + name + " "), std::string::npos) << name << r.out;
}

TEST(Templates, HttpCppBuildsAndServes) {
  std::string dir = new_and_build("http-cpp", "hello-app");
  EXPECT_TRUE(fs::exists(dir + "/target/hello_app.wasm"));
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({up.url() + "/some/path"});
  EXPECT_EQ(r.out, "Hello from hello-app! You asked for /some/path\n");
}

// The wasi:http flavour: the build command compiles with -DSPINDLE_WASI_HTTP
// and runs the SDK's componentize.mjs (its npm packages: scripts/setup).
TEST(Templates, HttpCppComponentBuildsAWasiHttpComponentAndServes) {
  const fs::path sdk = fs::path(__FILE__).parent_path().parent_path().parent_path() / "sdk/cpp";
  if (!fs::exists(sdk / "node_modules/@bytecodealliance/jco-transpile"))
    GTEST_SKIP() << "the SDK's npm packages are not installed in " << sdk
                 << "/node_modules (run scripts/setup)";
  std::string dir = new_and_build("http-cpp-component", "hello-component");
  std::string manifest = slurp(dir + "/spin.toml");
  EXPECT_NE(manifest.find("-DSPINDLE_WASI_HTTP"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("componentize.mjs"), std::string::npos) << manifest;
  // A component (binary version 0x0d, layer 1), not a core module.
  std::string wasm = slurp(dir + "/target/hello_component.wasm");
  ASSERT_GE(wasm.size(), 8u);
  EXPECT_EQ(wasm.substr(0, 8), std::string("\0asm\x0d\0\x01\0", 8));
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"-i", up.url() + "/some/path?x=1"});
  EXPECT_NE(r.out.find("HTTP/1.1 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("content-type: text/plain"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Hello from hello-component! You asked for /some/path\n"), std::string::npos)
      << r.out;
}

TEST(Templates, HttpCBuildsAndServes) {
  std::string dir = new_and_build("http-c", "hello-c");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"-i", up.url() + "/x"});
  EXPECT_NE(r.out.find("HTTP/1.1 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Hello from hello-c!"), std::string::npos) << r.out;
}

TEST(Templates, WagiCBuildsAndServes) {
  std::string dir = new_and_build("wagi-c", "cgi");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({up.url() + "/a/b?x=1"});
  EXPECT_EQ(r.out, "Hello from cgi! You asked for /a/b?x=1\n");
}

TEST(Templates, StaticFileserverBuildsAndServes) {
  std::string dir = new_and_build("static-fileserver", "site");
  std::ofstream(dir + "/public/extra.txt") << "extra file\n";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"-i", up.url() + "/"});
  EXPECT_NE(r.out.find("HTTP/1.1 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("text/html"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("site"), std::string::npos) << r.out;
  EXPECT_EQ(curl({up.url() + "/extra.txt"}).out, "extra file\n");
  EXPECT_EQ(http_code({up.url() + "/missing.txt"}), "404");
}

TEST(Templates, RedisCppBuildsAHandleRedisMessageComponent) {
  std::string dir = new_and_build("redis-cpp", "listener");
  std::string manifest = slurp(dir + "/spin.toml");
  EXPECT_NE(manifest.find("type = \"redis\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("channel = \"messages\""), std::string::npos) << manifest;
  Result r = run_process({"wasm-objdump", "-x", dir + "/target/listener.wasm"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\"handle-redis-message\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"canonical_abi_realloc\""), std::string::npos) << r.out;
}

TEST(Templates, NewSubstitutesValuesGivenOnTheCommandLine) {
  std::string dir = temp_dir("new-values") + "/app";
  Result r = run_spindle({"new", "http-cpp", "app", "-o", dir, "-v", "http-route=/api/...",
                          "--value", "project-description=An API", "--accept-defaults"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string manifest = slurp(dir + "/spin.toml");
  EXPECT_NE(manifest.find("route = \"/api/...\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("description = \"An API\""), std::string::npos) << manifest;
}

TEST(Templates, NewRefusesBadInputAndKeepsExistingFiles) {
  std::string base = temp_dir("new-bad");
  Result r = run_spindle({"new", "no-such-template", "x", "-o", base + "/x"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("no template named `no-such-template`"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("http-cpp"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(base + "/x"));

  r = run_spindle({"new", "http-cpp", "9lives", "-o", base + "/y"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("not a valid name"), std::string::npos) << r.err;

  fs::create_directories(base + "/taken");
  std::ofstream(base + "/taken/mine.txt") << "keep me";
  r = run_spindle({"new", "http-cpp", "taken", "-o", base + "/taken"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("already exists and is not empty"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(base + "/taken/mine.txt"), "keep me");
  EXPECT_FALSE(fs::exists(base + "/taken/spin.toml"));

  r = run_spindle({"new", "http-cpp", "z", "-o", base + "/z", "-v", "colour=blue"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--value `colour=blue`"), std::string::npos) << r.err;
}

TEST(Templates, AddPutsASecondComponentBesideTheFirst) {
  std::string dir = temp_dir("add") + "/app";
  ASSERT_EQ(run_spindle({"new", "http-cpp", "app", "-o", dir}).status, 0);
  Result r = run_spindle({"add", "wagi-c", "cgi", "-f", dir});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir + "/cgi/src/main.c"));
  std::string manifest = slurp(dir + "/spin.toml");
  EXPECT_NE(manifest.find("route = \"/cgi/...\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("workdir = \"cgi\""), std::string::npos) << manifest;
  r = run_spindle({"build", "-f", dir});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/cgi/q"}).out, "Hello from cgi! You asked for /q\n");
  EXPECT_EQ(curl({up.url() + "/other"}).out, "Hello from app! You asked for /other\n");
}

TEST(Templates, AddRefusesWhatDoesNotFitAndLeavesTheManifestAlone) {
  std::string dir = temp_dir("add-bad") + "/app";
  ASSERT_EQ(run_spindle({"new", "http-cpp", "app", "-o", dir}).status, 0);
  std::string before = slurp(dir + "/spin.toml");
  // The route is taken by the first component.
  Result r = run_spindle({"add", "http-cpp", "second", "-f", dir, "-v", "http-route=/..."});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("unchanged"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir + "/spin.toml"), before);
  EXPECT_FALSE(fs::exists(dir + "/second"));
  // A Redis component does not fit an HTTP application.
  r = run_spindle({"add", "redis-cpp", "listener", "-f", dir});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("redis component"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir + "/spin.toml"), before);
}

TEST(Templates, AddWritesManifestV2EntriesToAV2App) {
  std::string dir = temp_dir("add-v2");
  fs::copy_file(guest("spin_echo"), dir + "/echo.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "v2"

[[trigger.http]]
route = "/..."
component = "echo"

[component.echo]
source = "echo.wasm"
)";
  Result r = run_spindle({"add", "http-cpp", "api", "-f", dir});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string manifest = slurp(dir + "/spin.toml");
  EXPECT_NE(manifest.find("[[trigger.http]]\nroute = \"/api/...\"\ncomponent = \"api\""),
            std::string::npos)
      << manifest;
  EXPECT_NE(manifest.find("[component.api.build]"), std::string::npos) << manifest;
  ASSERT_EQ(run_spindle({"build", "-f", dir}).status, 0);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/api/x"}).out, "Hello from api! You asked for /api/x\n");
  // A Redis component needs an address the app does not have: refused, and
  // the manifest is left as it was.
  std::string before = slurp(dir + "/spin.toml");
  r = run_spindle({"add", "redis-cpp", "listener", "-f", dir});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("no Redis address"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir + "/spin.toml"), before);
  EXPECT_FALSE(fs::exists(dir + "/listener"));
}
