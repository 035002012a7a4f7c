// Manifest errors: each kind with its exact location and text, and all of
// them reported at once.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "manifest/manifest.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace spindle::manifest;

namespace {

struct Loaded {
  fs::path dir;
  std::string file;  // the manifest path as diagnostics print it
  Result result;
};

void put(const fs::path& p, std::string_view text = "\0asm") {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// Writes spin.toml and stand-in files into a fresh folder and loads it.
Loaded load_text(std::string_view manifest, std::vector<std::string> files = {"a.wasm", "b.wasm"},
                 std::map<std::string, std::string> env = {}) {
  Loaded l;
  l.dir = spindle::test::temp_dir(std::string("manifest-err-") +
                                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
  put(l.dir / "spin.toml", manifest);
  for (const auto& f : files) put(l.dir / f);
  l.file = (l.dir / "spin.toml").string();
  Options o;
  o.env = std::move(env);
  l.result = load(l.dir, o);
  return l;
}

const char* kV1Head = R"(spin_manifest_version = "1"
name = "app"
trigger = { type = "http", base = "/" }
)";

}  // namespace

TEST(ManifestErrors, UnknownFieldSuggestsTheClosestName) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = "a"
source = "a.wasm"
enviroment = { A = "1" }
[component.trigger]
route = "/a"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  const Diagnostic& d = l.result.errors[0];
  EXPECT_EQ(d.where, (Location{7, 1}));
  EXPECT_EQ(d.message, "unknown field `enviroment` in [[component]] `a`");
  EXPECT_EQ(d.hint, "did you mean `environment`?");
  EXPECT_EQ(d.expected.rfind("one of `id`, `source`, `trigger`,", 0), 0u) << d.expected;
}

TEST(ManifestErrors, UnknownTopLevelFieldV2FullText) {
  auto l = load_text(R"(spin_manifest_version = 2
[aplication]
name = "x"
)");
  ASSERT_EQ(l.result.errors.size(), 3u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":1:1: error: `application` is missing in the manifest (expected "
                "`[application] name = \"my-app\"`)\n  hint: add `[application] name = "
                "\"my-app\"`");
  EXPECT_EQ(l.result.errors[1].to_string(),
            l.file +
                ":1:1: error: `trigger` is missing in the manifest (expected `[[trigger.http]] "
                "route = \"/…\" component = \"…\"`)\n  hint: add `[[trigger.http]] route = "
                "\"/…\" component = \"…\"`");
  EXPECT_EQ(l.result.errors[2].to_string(),
            l.file +
                ":2:2: error: unknown field `aplication` in the manifest (expected one of "
                "`spin_manifest_version`, `application`, `variables`, `trigger` or "
                "`component`)\n  hint: did you mean `application`?");
}

TEST(ManifestErrors, UnknownFieldWithoutCloseNameSaysRemoveIt) {
  auto l = load_text(std::string(kV1Head) + "colour = \"blue\"\n");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].where, (Location{4, 1}));
  EXPECT_EQ(l.result.errors[0].hint, "remove it");
}

TEST(ManifestErrors, RefusedFieldGivesTheReason) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = "a"
source = "a.wasm"
ai_models = ["llama2-chat"]
[component.trigger]
route = "/a"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":7:1: error: `ai_models` in [[component]] `a` is not supported by spindle: "
                "AI inferencing (Serverless AI) is not available\n  hint: remove `ai_models`");
}

TEST(ManifestErrors, WrongType) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = 5
source = "a.wasm"
[component.trigger]
route = "/a"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file + ":5:6: error: `id` in [[component]] is an integer (expected a string)");
}

TEST(ManifestErrors, DuplicateRoute) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = "a"
source = "a.wasm"
[component.trigger]
route = "/likes"
[[component]]
id = "b"
source = "b.wasm"
[component.trigger]
route = "/likes/"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":13:9: error: route `/likes` of component `b` is already claimed by "
                "component `a` (expected each route to be handled by one component)\n"
                "  hint: component `a` claims it at " +
                l.file + ":8:9; change one of the two routes");
}

TEST(ManifestErrors, DuplicateRouteIgnoresParameterNamesButNotWildcards) {
  auto l = load_text(R"(spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/users/:id"
component = "a"
[[trigger.http]]
route = "/users/:name"
component = "b"
[[trigger.http]]
route = "/users/:id/..."
component = "b"
[component.a]
source = "a.wasm"
[component.b]
source = "b.wasm"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].where, (Location{8, 9}));
  EXPECT_EQ(l.result.errors[0].message,
            "route `/users/:name` of component `b` is already claimed by component `a`");
}

TEST(ManifestErrors, BadRoutes) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = "a"
source = "a.wasm"
[component.trigger]
route = "likes"
[[component]]
id = "b"
source = "b.wasm"
[component.trigger]
route = "/a/.../b"
[[component]]
id = "c"
source = "b.wasm"
[component.trigger]
route = "/files..."
)");
  ASSERT_EQ(l.result.errors.size(), 3u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":8:9: error: invalid route `likes` of component `a`: a route must start "
                "with `/` (expected a path like `/hello`, `/users/:id` or `/static/...`)\n"
                "  hint: write `/likes`");
  EXPECT_EQ(l.result.errors[1].where, (Location{13, 9}));
  EXPECT_EQ(l.result.errors[1].message,
            "invalid route `/a/.../b` of component `b`: `...` may only be the last segment");
  EXPECT_EQ(l.result.errors[2].where, (Location{18, 9}));
  EXPECT_EQ(l.result.errors[2].hint, "write `/files/...` for a wildcard");
}

TEST(ManifestErrors, MissingSourceFile) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = "a"
source = "target/missing.wasm"
[component.trigger]
route = "/a"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":6:10: error: source file `target/missing.wasm` of component `a` does not "
                "exist (expected a .wasm file at " +
                (l.dir / "target/missing.wasm").string() +
                ")\n  hint: build the component first (`spindle build`), or fix the path: it is "
                "relative to the manifest's folder");
}

TEST(ManifestErrors, MissingSourceAllowedWhenNotChecked) {
  fs::path dir = spindle::test::temp_dir("manifest-err-nocheck");
  put(dir / "spin.toml", std::string(kV1Head) + R"([[component]]
id = "a"
source = "target/missing.wasm"
[component.trigger]
route = "/a"
)");
  Options o;
  o.env = std::map<std::string, std::string>{};
  o.check_sources = false;
  EXPECT_TRUE(load(dir, o).ok());
}

TEST(ManifestErrors, DuplicateComponentId) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = "a"
source = "a.wasm"
[component.trigger]
route = "/a"
[[component]]
id = "a"
source = "b.wasm"
[component.trigger]
route = "/b"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":10:6: error: duplicate component id `a` (expected each component id to be "
                "unique)\n  hint: `a` is first defined at " +
                l.file + ":5:6; rename one of the two");
}

TEST(ManifestErrors, TemplateNamingAnUndeclaredVariable) {
  auto l = load_text(std::string(kV1Head) + R"([variables]
jwt_secret = { required = true, secret = true }
[[component]]
id = "a"
source = "a.wasm"
environment = { TOKEN = "Bearer {{ jwt_secrt }}" }
[component.trigger]
route = "/a"
)",
                     {"a.wasm"}, {{"SPIN_VARIABLE_JWT_SECRET", "top-secret"}});
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  // Column of the `{{` inside the string.
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":9:33: error: `environment.TOKEN` of component `a` uses the undeclared "
                "variable `jwt_secrt` (expected one of the variables declared in "
                "[variables]: `jwt_secret`)\n  hint: did you mean `jwt_secret`?");
}

TEST(ManifestErrors, TemplateUndeclaredWithoutCloseNameSaysHowToDeclare) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = "a"
source = "a.wasm"
[component.config]
url = "{{api_url}}"
[component.trigger]
route = "/a"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":8:8: error: `config.url` of component `a` uses the undeclared variable "
                "`api_url` (expected a variable declared in [variables])\n  hint: declare "
                "it in [variables]: `api_url = { default = \"…\" }`");
}

TEST(ManifestErrors, BadTemplateSyntax) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = "a"
source = "a.wasm"
environment = { A = "x {{ y" }
[component.trigger]
route = "/a"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].where, (Location{7, 24}));
  EXPECT_EQ(l.result.errors[0].message,
            "bad template in `environment.A` of component `a`: unterminated `{{`");
}

TEST(ManifestErrors, VariableDeclarationProblems) {
  auto l = load_text(std::string(kV1Head) + R"([variables]
both = { required = true, default = "x" }
neither = { secret = true }
BadName = { default = "x" }
typo = { defualt = "x" }
)",
                     {});
  ASSERT_EQ(l.result.errors.size(), 5u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].message, "variable `both` is both required and has a default");
  EXPECT_EQ(l.result.errors[1].message, "variable `neither` has no default and is not required");
  EXPECT_EQ(l.result.errors[2].where, (Location{7, 1}));
  EXPECT_EQ(l.result.errors[2].message, "invalid variable name `BadName`: it must be lowercase");
  EXPECT_EQ(l.result.errors[3].where, (Location{8, 1}));
  EXPECT_EQ(l.result.errors[4].where, (Location{8, 10}));
  EXPECT_EQ(l.result.errors[4].hint, "did you mean `default`?");
}

TEST(ManifestErrors, AllErrorsAreReportedInOrder) {
  auto l = load_text(std::string(kV1Head) + R"([[component]]
id = "a"
source = "nope.wasm"
[component.trigger]
route = "a"
executor = { type = "wagii" }
[[component]]
id = "b"
sorce = "b.wasm"
[component.trigger]
route = "/b"
)");
  std::vector<std::pair<uint32_t, uint32_t>> at;
  for (const auto& d : l.result.errors) at.emplace_back(d.where.line, d.where.column);
  std::vector<std::pair<uint32_t, uint32_t>> expected = {
      {6, 10}, {8, 9}, {9, 21}, {10, 1}, {12, 1}};
  EXPECT_EQ(at, expected) << l.result.report();
  EXPECT_EQ(l.result.errors[2].hint, "did you mean `wagi`?");
  EXPECT_EQ(l.result.errors[3].message, "`source` is missing in [[component]] `b`");
  EXPECT_EQ(l.result.errors[4].hint, "did you mean `source`?");
}

TEST(ManifestErrors, VersionProblems) {
  auto none = load_text("name = \"x\"\n");
  ASSERT_EQ(none.result.errors.size(), 1u);
  EXPECT_EQ(none.result.errors[0].to_string(),
            none.file +
                ":1:1: error: missing `spin_manifest_version` (expected "
                "`spin_manifest_version = 2` or `spin_manifest_version = \"1\"`)\n"
                "  hint: add `spin_manifest_version = 2` as the first line");
  auto one = load_text("\nspin_manifest_version = 1\n");
  ASSERT_EQ(one.result.errors.size(), 1u);
  EXPECT_EQ(one.result.errors[0].where, (Location{2, 25}));
  EXPECT_EQ(one.result.errors[0].message, "unsupported manifest version 1");
  EXPECT_EQ(one.result.errors[0].hint, "write `\"1\"` (a string) for v1");
}

TEST(ManifestErrors, TomlSyntaxError) {
  auto l = load_text("spin_manifest_version = 2\n[application\nname = \"x\"\n");
  ASSERT_EQ(l.result.errors.size(), 1u);
  EXPECT_EQ(l.result.errors[0].where.line, 2u);
  EXPECT_EQ(l.result.errors[0].message.rfind("invalid TOML: ", 0), 0u);
}

TEST(ManifestErrors, MissingManifest) {
  fs::path dir = spindle::test::temp_dir("manifest-err-missing");
  Result r = load(dir);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(),
            (dir / "spin.toml").string() +
                ": error: cannot read the manifest: no such file (expected a spin.toml file)\n"
                "  hint: pass the manifest file or its folder (-f/--from)");
}

TEST(ManifestErrors, TriggerNamesUnknownComponent) {
  auto l = load_text(R"(spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/"
component = "helo"
[component.hello]
source = "a.wasm"
)");
  ASSERT_EQ(l.result.errors.size(), 1u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":6:13: error: trigger names component `helo`, which is not defined "
                "(expected one of `hello`)\n  hint: did you mean `hello`?");
}

TEST(ManifestErrors, AllowedHosts) {
  auto l = load_text(R"(spin_manifest_version = 2
[application]
name = "x"
[[trigger.http]]
route = "/"
component = "a"
[component.a]
source = "a.wasm"
allowed_outbound_hosts = ["example.com", "https://ok.example.com:8443", "*://*:*", "ftp://x/y"]
allowed_http_hosts = ["https://spin.dev/a", "localhost:3000"]
)");
  ASSERT_EQ(l.result.errors.size(), 3u) << l.result.report();
  EXPECT_EQ(l.result.errors[0].to_string(),
            l.file +
                ":9:27: error: invalid entry `example.com` in `allowed_outbound_hosts` of "
                "component `a`: it has no scheme (expected `scheme://host[:port]`, like "
                "`https://example.com`, `redis://db:6379` or `*://*:*`)\n  hint: write "
                "`https://example.com` (or `*://example.com` for any scheme)");
  EXPECT_EQ(l.result.errors[1].where, (Location{9, 84}));
  EXPECT_EQ(l.result.errors[2].where, (Location{10, 23}));
  EXPECT_EQ(l.result.errors[2].hint, "remove the path: `https://spin.dev`");
  ASSERT_EQ(l.result.warnings.size(), 1u);  // allowed_http_hosts is deprecated in v2
}

TEST(ManifestErrors, SecretsNeverAppearInMessages) {
  auto l = load_text(std::string(kV1Head) + R"([variables]
host = { required = true, secret = true }
[[component]]
id = "a"
source = "a.wasm"
allowed_outbound_hosts = ["{{ host }}"]
allowed_http_hosts = ["{{ host }}"]
environment = { A = "{{ host }} {{ nope }}" }
[component.trigger]
route = "/a"
)",
                     {"a.wasm"}, {{"SPIN_VARIABLE_HOST", "hunter2.example/secret-path"}});
  ASSERT_EQ(l.result.errors.size(), 3u) << l.result.report();
  std::string all = l.result.report();
  EXPECT_EQ(all.find("hunter2"), std::string::npos) << all;
  EXPECT_NE(all.find("`{{ host }}`"), std::string::npos) << all;
}
