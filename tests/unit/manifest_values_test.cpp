// Manifest variables (env > legacy env > .env > default), templates in
// environment / config / hosts, and `files` globs, placements and excludes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "manifest/internal.h"
#include "manifest/manifest.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace spindle::manifest;

namespace {

void put(const fs::path& p, std::string_view text = "\0asm") {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

fs::path fresh_dir() {
  return spindle::test::temp_dir(std::string("manifest-val-") +
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
}

Result load_in(const fs::path& dir, std::string_view manifest,
               std::map<std::string, std::string> env = {}) {
  put(dir / "spin.toml", manifest);
  put(dir / "a.wasm");
  Options o;
  o.env = std::move(env);
  return load(dir, o);
}

const char* kHead = R"(spin_manifest_version = "1"
name = "app"
trigger = { type = "http", base = "/" }
)";

}  // namespace

TEST(ManifestVariables, Precedence) {
  fs::path dir = fresh_dir();
  put(dir / ".env", R"(# comment line
SPIN_VARIABLE_A=from-dotenv
export SPIN_VARIABLE_B = "from dotenv b"
SPIN_VARIABLE_C='from dotenv c'
SPIN_CONFIG_D=legacy in dotenv # trailing comment

)");
  Result r = load_in(
      dir, std::string(kHead) + R"([variables]
a = { default = "default-a" }
b = { default = "default-b" }
c = { default = "default-c" }
d = { default = "default-d" }
e = { default = "default-e" }
)",
      {{"SPIN_VARIABLE_A", "env-a"}, {"SPIN_CONFIG_A", "legacy-a"}, {"SPIN_CONFIG_B", "legacy-b"}});
  ASSERT_TRUE(r.ok()) << r.report();
  auto value = [&](const char* n) { return r.app->variable(n)->value.value_or("<none>"); };
  auto from = [&](const char* n) { return r.app->variable(n)->from; };
  EXPECT_EQ(value("a"), "env-a");
  EXPECT_EQ(from("a"), Variable::From::Env);
  EXPECT_EQ(value("b"), "legacy-b");
  EXPECT_EQ(from("b"), Variable::From::LegacyEnv);
  EXPECT_EQ(value("c"), "from dotenv c");
  EXPECT_EQ(from("c"), Variable::From::DotEnv);
  EXPECT_EQ(value("d"), "legacy in dotenv");
  EXPECT_EQ(from("d"), Variable::From::DotEnv);
  EXPECT_EQ(value("e"), "default-e");
  EXPECT_EQ(from("e"), Variable::From::Default);
}

TEST(ManifestVariables, DotEnvBeatsDefaultAndQuotesAreStripped) {
  fs::path dir = fresh_dir();
  put(dir / ".env", "SPIN_VARIABLE_GREETING=\"hello \\\"you\\\"\"\n");
  Result r = load_in(dir, std::string(kHead) + R"([variables]
greeting = { default = "hi" }
)");
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.app->variable("greeting")->value, "hello \"you\"");
}

TEST(ManifestVariables, BareNameInDotEnvGetsAHint) {
  fs::path dir = fresh_dir();
  put(dir / ".env", "TOKEN=abc\n");
  Result r = load_in(dir, std::string(kHead) + R"([variables]
token = { required = true }
)");
  ASSERT_EQ(r.errors.size(), 1u) << r.report();
  EXPECT_EQ(r.errors[0].hint,
            (dir / ".env").string() + " has `TOKEN=…`; name it `SPIN_VARIABLE_TOKEN`");
}

TEST(ManifestVariables, TemplatesInEnvironmentConfigAndHosts) {
  fs::path dir = fresh_dir();
  Result r = load_in(dir, std::string(kHead) + R"([variables]
host = { default = "api.example.com" }
port = { default = "8443" }
user = { default = "ann" }
[[component]]
id = "a"
source = "a.wasm"
environment = { URL = "https://{{host}}:{{ port }}/v1", PLAIN = "no templates", USER = "{{	user  }}" }
allowed_http_hosts = ["{{ host }}:{{ port }}"]
allowed_outbound_hosts = ["https://{{ host }}", "redis://{{ host }}:6379"]
[component.config]
endpoint = "{{ host }}"
greeting = "hello, {{ user }}!"
[component.trigger]
route = "/a"
)",
                     {{"SPIN_VARIABLE_USER", "bob"}});
  ASSERT_TRUE(r.ok()) << r.report();
  const Component& c = *r.app->component("a");
  std::map<std::string, std::string> env = {
      {"URL", "https://api.example.com:8443/v1"}, {"PLAIN", "no templates"}, {"USER", "bob"}};
  EXPECT_EQ(c.environment_map(), env);
  std::map<std::string, std::string> config = {{"endpoint", "api.example.com"},
                                               {"greeting", "hello, bob!"}};
  EXPECT_EQ(c.variables_map(), config);
  EXPECT_EQ(c.environment[0].raw, "https://{{host}}:{{ port }}/v1");
  EXPECT_EQ(c.environment[0].references, (std::vector<std::string>{"host", "port"}));
  std::vector<std::string> outbound = {"https://api.example.com", "redis://api.example.com:6379",
                                       "http://api.example.com:8443",
                                       "https://api.example.com:8443"};
  EXPECT_EQ(c.outbound_hosts, outbound);
}

TEST(ManifestVariables, V2ComponentVariables) {
  fs::path dir = fresh_dir();
  Result r = load_in(dir, R"(spin_manifest_version = 2
[application]
name = "x"
[variables]
api_key = { required = true, secret = true }
[[trigger.http]]
route = "/..."
component = "a"
[component.a]
source = "a.wasm"
variables = { key = "{{ api_key }}", fixed = "1" }
)",
                     {{"SPIN_VARIABLE_API_KEY", "k-123"}});
  ASSERT_TRUE(r.ok()) << r.report();
  const Component& c = *r.app->component("a");
  EXPECT_EQ(c.variables_map().at("key"), "k-123");
  ASSERT_EQ(c.variables.size(), 2u);
  EXPECT_EQ(c.variables[0].name, "key");  // in the order written
  EXPECT_TRUE(c.variables[0].secret);
  EXPECT_FALSE(c.variables[1].secret);
  EXPECT_EQ(to_string(*r.app).find("k-123"), std::string::npos);
}

TEST(ManifestFiles, GlobMatching) {
  using spindle::manifest::detail::glob_match;
  EXPECT_TRUE(glob_match("*.html", "index.html"));
  EXPECT_FALSE(glob_match("*.html", "sub/index.html"));
  EXPECT_TRUE(glob_match("static/**/*", "static/a.txt"));
  EXPECT_TRUE(glob_match("static/**/*", "static/x/y/z.txt"));
  EXPECT_FALSE(glob_match("static/**/*", "other/a.txt"));
  EXPECT_TRUE(glob_match("**/*.bak", "a/b/c.bak"));
  EXPECT_TRUE(glob_match("**/*.bak", "c.bak"));
  EXPECT_TRUE(glob_match("img/?.png", "img/a.png"));
  EXPECT_FALSE(glob_match("img/?.png", "img/ab.png"));
  EXPECT_TRUE(glob_match("img/[ab].png", "img/b.png"));
  EXPECT_FALSE(glob_match("img/[ab].png", "img/c.png"));
}

TEST(ManifestFiles, GlobsPlacementsAndExcludes) {
  fs::path dir = fresh_dir();
  put(dir / "index.html", "i");
  put(dir / "about.html", "a");
  put(dir / "notes.txt", "n");
  put(dir / "static/a.css", "a");
  put(dir / "static/img/logo.png", "l");
  put(dir / "static/img/old.bak", "o");
  put(dir / "static/secret/key.pem", "k");
  put(dir / "assets/js/app.js", "j");
  put(dir / "assets/js/app.js.bak", "b");
  put(dir / "config/settings.json", "s");
  Result r = load_in(dir, std::string(kHead) + R"([[component]]
id = "a"
source = "a.wasm"
files = ["*.html", "static/**/*", { source = "assets", destination = "/public" }, { source = "config/settings.json", destination = "/etc/settings.json" }]
exclude_files = ["**/*.bak", "static/secret"]
[component.trigger]
route = "/..."
)");
  ASSERT_TRUE(r.ok()) << r.report();
  std::vector<FileMount> expected = {
      {dir / "about.html", "/about.html"},
      {dir / "config/settings.json", "/etc/settings.json"},
      {dir / "index.html", "/index.html"},
      {dir / "assets/js/app.js", "/public/js/app.js"},
      {dir / "static/a.css", "/static/a.css"},
      {dir / "static/img/logo.png", "/static/img/logo.png"},
  };
  EXPECT_EQ(r.app->component("a")->files, expected);
  ASSERT_EQ(r.app->component("a")->files_declared.size(), 4u);
  EXPECT_TRUE(r.app->component("a")->files_declared[2].placement);
  EXPECT_EQ(r.app->component("a")->files_declared[2].host, dir / "assets");
}

TEST(ManifestFiles, PlainDirectoryPathMountsItsTree) {
  fs::path dir = fresh_dir();
  put(dir / "web/a.txt", "a");
  put(dir / "web/b/c.txt", "c");
  Result r = load_in(dir, std::string(kHead) + R"([[component]]
id = "a"
source = "a.wasm"
files = ["web/"]
[component.trigger]
route = "/..."
)");
  ASSERT_TRUE(r.ok()) << r.report();
  std::vector<FileMount> expected = {{dir / "web/a.txt", "/web/a.txt"},
                                     {dir / "web/b/c.txt", "/web/b/c.txt"}};
  EXPECT_EQ(r.app->component("a")->files, expected);
}

TEST(ManifestFiles, Problems) {
  fs::path dir = fresh_dir();
  Result r = load_in(dir, std::string(kHead) + R"([[component]]
id = "a"
source = "a.wasm"
files = ["missing/", { source = "gone", destination = "/x" }, "../outside/*", { source = "a.wasm", destination = "rel" }, "*.nothing"]
[component.trigger]
route = "/..."
)");
  ASSERT_EQ(r.errors.size(), 4u) << r.report();
  std::string file = (dir / "spin.toml").string();
  EXPECT_EQ(r.errors[0].to_string(),
            file +
                ":7:10: error: `files` entry `missing/` of component `a` does not exist "
                "(expected a file or folder at " +
                (dir / "missing").string() +
                ")\n  hint: create it, or fix the path: it is relative to the manifest's folder");
  EXPECT_EQ(r.errors[1].where, (Location{7, 22}));
  EXPECT_EQ(r.errors[1].message, "source of `files` entry `gone` of component `a` does not exist");
  EXPECT_EQ(r.errors[2].message,
            "`files` entry `../outside/*` of component `a` is outside the application folder");
  EXPECT_EQ(r.errors[3].message,
            "`destination` `rel` in a `files` entry of [[component]] `a` is not absolute");
  ASSERT_EQ(r.warnings.size(), 1u) << r.report();
  EXPECT_EQ(r.warnings[0].message, "`files` entry `*.nothing` of component `a` matches no files");
}
