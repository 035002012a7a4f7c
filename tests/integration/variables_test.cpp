// Variables through `spin-config` / `get-config`: component config keys
// resolved from application variables (defaults, SPIN_VARIABLE_*, .env), with
// Spin's key rules and errors, driven through a real `spindle up`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

const char* kManifest = R"(spin_manifest_version = "1"
name = "vars"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[variables]
greeting = { default = "hello" }
api_token = { required = true, secret = true }

[[component]]
id = "config"
source = "host_config.wasm"
[component.trigger]
route = "/..."
[component.config]
message = "{{ greeting }}, world"
token = "{{ api_token }}"
plain = "literal"
)";

std::string make_app(const std::string& name) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("host_config"), dir + "/host_config.wasm");
  std::ofstream(dir + "/spin.toml") << kManifest;
  std::ofstream(dir + "/.env") << "SPIN_VARIABLE_API_TOKEN=s3cret-from-dotenv\n";
  return dir;
}

}  // namespace

TEST(Variables, ComponentConfigResolvesFromDefaultsEnvironmentAndDotEnv) {
  std::string dir = make_app("vars");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/?message"}).out, "message=hello, world");
  EXPECT_EQ(curl({up.url() + "/?plain"}).out, "plain=literal");
  EXPECT_EQ(curl({up.url() + "/?token"}).out, "token=s3cret-from-dotenv");
  // The secret never reaches the log.
  EXPECT_EQ(up.log().find("s3cret"), std::string::npos) << up.log();
}

TEST(Variables, ProcessEnvironmentOverridesTheDefault) {
  std::string dir = make_app("vars-env");
  Background proc(
      {SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"}, dir + "/up.log",
      {"SPIN_VARIABLE_GREETING=bonjour", std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  std::string url = "http://" + proc.wait_for("Serving http://");
  ASSERT_NE(url, "http://") << proc.log();
  EXPECT_EQ(curl({url + "/?message"}).out, "message=bonjour, world");
}

TEST(Variables, UnknownAndInvalidKeysAreErrorsWithSpinsTags) {
  std::string dir = make_app("vars-bad");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  // `other` (3) for a key the component does not have.
  EXPECT_EQ(curl({up.url() + "/?nothing"}).out, "error 3: no variable for \"config\".\"nothing\"");
  // `invalid-key` (1) for keys breaking Spin's rules.
  EXPECT_EQ(curl({up.url() + "/?Upper"}).out, "error 1: must start with an ASCII letter");
  EXPECT_EQ(curl({up.url() + "/?a__b"}).out,
            "error 1: may not contain multiple consecutive underscores");
  EXPECT_EQ(curl({up.url() + "/?x-y"}).out, "error 1: invalid character '-'");
  EXPECT_EQ(curl({up.url() + "/?"}).out, "error 1: may not be empty");
}

TEST(Variables, WorkOnTheInterpreterBackendToo) {
  std::string dir = make_app("vars-interp");
  Up up(dir, {"--backend", "interp"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/?message"}).out, "message=hello, world");
  EXPECT_EQ(curl({up.url() + "/?x-y"}).out, "error 1: invalid character '-'");
}

// The runtime config's variables providers, asked in order before the
// environment and the defaults: a `static` provider, then an `env` provider
// with its own prefix and .env file; a provider type spindle does not have
// is a startup error at its line.
TEST(Variables, RuntimeConfigProvidersComeFirstInTheirOrder) {
  std::string dir = make_app("vars-providers");
  std::ofstream(dir + "/runtime.toml") << R"([[variables_provider]]
type = "static"
values = { greeting = "hola" }

[[variables_provider]]
type = "env"
prefix = "MYAPP"
dotenv_path = "vars.env"
)";
  std::ofstream(dir + "/vars.env") << "MYAPP_API_TOKEN=from-vars-env\nMYAPP_GREETING=not-first\n";
  Background proc(
      {SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0", "--runtime-config-file",
       dir + "/runtime.toml"},
      dir + "/up.log",
      {"SPIN_VARIABLE_GREETING=bonjour", std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  std::string url = "http://" + proc.wait_for("Serving http://");
  ASSERT_NE(url, "http://") << proc.log();
  EXPECT_EQ(curl({url + "/?message"}).out, "message=hola, world");  // static, before the env
  EXPECT_EQ(curl({url + "/?token"}).out, "token=from-vars-env");    // before .env's SPIN_VARIABLE_

  // Spin 1's name for the section, and a type spindle refuses with a reason
  std::ofstream(dir + "/vault.toml") << R"([[config_provider]]
type = "vault"
url = "http://127.0.0.1:8200"
)";
  Result r = run_spindle({"up", "--from", dir, "--listen", "127.0.0.1:0", "--runtime-config-file",
                          dir + "/vault.toml"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(dir + "/vault.toml:2:8: error: variables provider type `vault` is not "
                             "supported by spindle"),
            std::string::npos)
      << r.err;
}
