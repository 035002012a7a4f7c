// The manifest reader: the seed manifest (v1), its v2 equivalent, and the
// v2 trigger shapes (inline components, executors, private routes, redis).
#include "manifest/manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace fs = std::filesystem;
using namespace spindle::manifest;

namespace spindle::manifest {
inline void PrintTo(const Location& l, std::ostream* os) { *os << l.line << ":" << l.column; }
}  // namespace spindle::manifest

namespace {

void put(const fs::path& p, std::string_view text = "\0asm") {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

fs::path fresh_dir() {
  return spindle::test::temp_dir(std::string("manifest-") +
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
}

Options with_env(std::map<std::string, std::string> env) {
  Options o;
  o.env = std::move(env);
  return o;
}

const char* kSeed = R"(spin_version = "1"
name = "site"
version = "1.0.0"
trigger = { type = "http", base = "/" }

[variables]
jwt_secret = { required = true, secret = true }
redis_address = { default = "redis://127.0.0.1:6379" }

[[component]]
files = [{source = "public/", destination = "/"}]
id = "static"
source = "functions/static/target/wasm32-wasi/release/static.wasm"
[component.trigger]
route = "/..."
[component.build]
command = "cargo run && cd functions/static && cargo build --target wasm32-wasi --release"

[[component]]
allowed_http_hosts = ["https://mitchellhynes.com/"]
environment = {JWT_SECRET = "{{ jwt_secret }}", REDIS_ADDRESS = "{{ redis_address }}", REDIS_CHANNEL = "messages"}
id = "likes"
source = "functions/tokenize/target/wasm32-wasi/release/tokenize.wasm"
[component.trigger]
route = "/likes"
)";

const char* kSeedV2 = R"(spin_manifest_version = 2

[application]
name = "site"
version = "1.0.0"

[application.trigger.http]
base = "/"

[variables]
jwt_secret = { required = true, secret = true }
redis_address = { default = "redis://127.0.0.1:6379" }

[[trigger.http]]
route = "/..."
component = "static"

[[trigger.http]]
route = "/likes"
component = "likes"

[component.static]
source = "functions/static/target/wasm32-wasi/release/static.wasm"
files = [{ source = "public/", destination = "/" }]
[component.static.build]
command = "cargo run && cd functions/static && cargo build --target wasm32-wasi --release"

[component.likes]
source = "functions/tokenize/target/wasm32-wasi/release/tokenize.wasm"
allowed_outbound_hosts = ["https://mitchellhynes.com"]
environment = { JWT_SECRET = "{{ jwt_secret }}", REDIS_ADDRESS = "{{ redis_address }}", REDIS_CHANNEL = "messages" }
)";

// The seed's folder: manifest, stand-in wasm files, public/.
fs::path seed_dir(const char* manifest) {
  fs::path dir = fresh_dir();
  put(dir / "spin.toml", manifest);
  put(dir / "functions/static/target/wasm32-wasi/release/static.wasm");
  put(dir / "functions/tokenize/target/wasm32-wasi/release/tokenize.wasm");
  put(dir / "public/index.html", "<h1>hi</h1>");
  put(dir / "public/css/site.css", "h1{}");
  return dir;
}

void expect_seed_shape(const App& app, const fs::path& dir) {
  EXPECT_EQ(app.name, "site");
  EXPECT_EQ(app.version, "1.0.0");
  ASSERT_TRUE(app.http.has_value());
  EXPECT_EQ(app.http->base, "/");
  EXPECT_FALSE(app.redis.has_value());

  ASSERT_EQ(app.variables.size(), 2u);
  const Variable* jwt = app.variable("jwt_secret");
  ASSERT_NE(jwt, nullptr);
  EXPECT_TRUE(jwt->required);
  EXPECT_TRUE(jwt->secret);
  EXPECT_EQ(jwt->value, "s3cr3t-value");
  EXPECT_EQ(jwt->from, Variable::From::Env);
  const Variable* redis = app.variable("redis_address");
  ASSERT_NE(redis, nullptr);
  EXPECT_EQ(redis->value, "redis://127.0.0.1:6379");
  EXPECT_EQ(redis->from, Variable::From::Default);

  ASSERT_EQ(app.components.size(), 2u);
  const Component* st = app.component("static");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->source.kind, Source::Kind::File);
  EXPECT_EQ(st->source.path, dir / "functions/static/target/wasm32-wasi/release/static.wasm");
  std::vector<FileMount> files = {{dir / "public/css/site.css", "/css/site.css"},
                                  {dir / "public/index.html", "/index.html"}};
  EXPECT_EQ(st->files, files);
  ASSERT_EQ(st->http.size(), 1u);
  const Route& r = st->http[0].route;
  EXPECT_EQ(r.raw, "/...");
  EXPECT_TRUE(r.wildcard);
  EXPECT_EQ(r.full, "/...");
  EXPECT_EQ(r.prefix, "");
  EXPECT_EQ(st->http[0].executor.kind, Executor::Kind::Spin);
  EXPECT_EQ(st->http[0].component, "static");
  ASSERT_TRUE(st->build.has_value());
  ASSERT_EQ(st->build->commands.size(), 1u);
  EXPECT_EQ(st->build->commands[0],
            "cargo run && cd functions/static && cargo build --target wasm32-wasi --release");

  const Component* likes = app.component("likes");
  ASSERT_NE(likes, nullptr);
  std::map<std::string, std::string> env = {{"JWT_SECRET", "s3cr3t-value"},
                                            {"REDIS_ADDRESS", "redis://127.0.0.1:6379"},
                                            {"REDIS_CHANNEL", "messages"}};
  EXPECT_EQ(likes->environment_map(), env);
  for (const Setting& s : likes->environment) {
    EXPECT_EQ(s.secret, s.name == "JWT_SECRET") << s.name;
  }
  ASSERT_EQ(likes->http.size(), 1u);
  EXPECT_EQ(likes->http[0].route.full, "/likes");
  EXPECT_FALSE(likes->http[0].route.wildcard);
  EXPECT_EQ(likes->http[0].route.prefix, "/likes");
  EXPECT_TRUE(likes->files.empty());

  // No secret in the dump.
  std::string dump = to_string(app);
  EXPECT_EQ(dump.find("s3cr3t-value"), std::string::npos) << dump;
  EXPECT_NE(dump.find("<secret>"), std::string::npos) << dump;
  EXPECT_NE(dump.find("redis://127.0.0.1:6379"), std::string::npos) << dump;
}

}  // namespace

TEST(Manifest, SeedManifestLoadsVerbatim) {
  fs::path dir = seed_dir(kSeed);
  Result r = load(dir, with_env({{"SPIN_VARIABLE_JWT_SECRET", "s3cr3t-value"}}));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.warnings.empty()) << r.report();
  const App& app = *r.app;
  EXPECT_EQ(app.manifest_version, ManifestVersion::V1);
  EXPECT_EQ(app.manifest_path, dir / "spin.toml");
  expect_seed_shape(app, dir);
  const Component& likes = *app.component("likes");
  ASSERT_EQ(likes.allowed_http_hosts.size(), 1u);
  EXPECT_EQ(likes.allowed_http_hosts[0].value, "https://mitchellhynes.com/");
  std::vector<std::string> outbound = {"redis://*:*", "mysql://*:*", "postgres://*:*",
                                       "http://mitchellhynes.com", "https://mitchellhynes.com"};
  EXPECT_EQ(likes.outbound_hosts, outbound);
  EXPECT_EQ(likes.http[0].id, "trigger-likes");
  // Locations are kept for later stages.
  EXPECT_EQ(likes.field_locations.at("source"), (Location{23, 10}));
  EXPECT_EQ(likes.http[0].route.location, (Location{25, 9}));
}

TEST(Manifest, SeedManifestByFilePath) {
  fs::path dir = seed_dir(kSeed);
  Result r = load(dir / "spin.toml", with_env({{"SPIN_VARIABLE_JWT_SECRET", "x"}}));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.app->dir, dir);
}

TEST(Manifest, SeedManifestWithoutSecretNamesVariableAndFix) {
  fs::path dir = seed_dir(kSeed);
  Result r = load(dir, with_env({}));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << r.report();
  EXPECT_EQ(r.errors[0].to_string(),
            (dir / "spin.toml").string() +
                ":7:1: error: required variable `jwt_secret` has no value (expected a value in "
                "the environment variable SPIN_VARIABLE_JWT_SECRET (or SPIN_CONFIG_JWT_SECRET), "
                "or in .env beside the manifest)\n  hint: set it with `export "
                "SPIN_VARIABLE_JWT_SECRET=…` or add the line `SPIN_VARIABLE_JWT_SECRET=…` to " +
                (dir / ".env").string());
  EXPECT_EQ(r.app, nullptr);
}

TEST(Manifest, SeedSecretFromDotEnv) {
  fs::path dir = seed_dir(kSeed);
  put(dir / ".env", "SPIN_VARIABLE_JWT_SECRET=s3cr3t-value\n");
  Result r = load(dir, with_env({}));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.app->variable("jwt_secret")->from, Variable::From::DotEnv);
  EXPECT_EQ(r.app->component("likes")->environment_map().at("JWT_SECRET"), "s3cr3t-value");
}

TEST(Manifest, V2EquivalentHasTheSameShape) {
  fs::path dir = seed_dir(kSeedV2);
  Result r = load(dir, with_env({{"SPIN_VARIABLE_JWT_SECRET", "s3cr3t-value"}}));
  ASSERT_TRUE(r.ok()) << r.report();
  const App& app = *r.app;
  EXPECT_EQ(app.manifest_version, ManifestVersion::V2);
  expect_seed_shape(app, dir);
  const Component& likes = *app.component("likes");
  EXPECT_EQ(likes.outbound_hosts, std::vector<std::string>{"https://mitchellhynes.com"});
  EXPECT_EQ(likes.http[0].id, "likes-http-trigger");
  EXPECT_EQ(app.component("static")->http[0].id, "static-http-trigger");
  // Components keep the order they were written in.
  EXPECT_EQ(app.components[0].id, "static");
  EXPECT_EQ(app.components[1].id, "likes");
}

TEST(Manifest, V2InlineComponentsExecutorsPrivateRoutesAndRedis) {
  fs::path dir = fresh_dir();
  put(dir / "hello.wasm");
  put(dir / "inner.wasm");
  put(dir / "spin.toml", R"(spin_manifest_version = 2
[application]
name = "shapes"
description = "all the trigger shapes"
authors = ["A <a@example.com>"]
[application.trigger.http]
base = "/api/"
[application.trigger.redis]
address = "redis://localhost:6379"

[[trigger.http]]
route = "/hello/:name"
component = { source = "hello.wasm" }
executor = { type = "wagi" }

[[trigger.http]]
route = { private = true }
component = "inner"
executor = { type = "http" }

[[trigger.http]]
id = "cgi"
route = "/cgi/..."
component = "inner"
executor = { type = "wagi", entrypoint = "main", argv = "${SCRIPT_NAME} -v" }

[[trigger.redis]]
channel = "messages"
component = "inner"

[variables]
who = { default = "world" }

[component.inner]
source = "inner.wasm"
variables = { greeting = "hi {{who}}, {{  who  }}!" }
key_value_stores = ["default", "my_store"]
sqlite_databases = ["default"]
[component.inner.build]
command = ["make", "make install"]
workdir = "inner"
watch = ["src/**/*.c"]
)");
  Result r = load(dir, with_env({}));
  ASSERT_TRUE(r.ok()) << r.report();
  const App& app = *r.app;
  EXPECT_EQ(app.description, "all the trigger shapes");
  EXPECT_EQ(app.authors, std::vector<std::string>{"A <a@example.com>"});
  EXPECT_EQ(app.http->base, "/api");
  ASSERT_TRUE(app.redis.has_value());
  ASSERT_EQ(app.components.size(), 2u);

  const Component& inner = app.components[0];
  EXPECT_EQ(inner.id, "inner");
  EXPECT_EQ(inner.variables_map().at("greeting"), "hi world, world!");
  EXPECT_EQ(inner.key_value_stores, (std::vector<std::string>{"default", "my_store"}));
  EXPECT_EQ(inner.sqlite_databases, std::vector<std::string>{"default"});
  ASSERT_TRUE(inner.build);
  EXPECT_EQ(inner.build->commands, (std::vector<std::string>{"make", "make install"}));
  EXPECT_EQ(inner.build->workdir, dir / "inner");
  EXPECT_EQ(inner.build->watch, std::vector<std::string>{"src/**/*.c"});
  ASSERT_EQ(inner.http.size(), 2u);
  EXPECT_TRUE(inner.http[0].route.is_private);
  EXPECT_EQ(inner.http[0].route.full, "");
  EXPECT_EQ(inner.http[0].executor.kind, Executor::Kind::Spin);
  EXPECT_EQ(inner.http[0].id, "inner-http-trigger");
  EXPECT_EQ(inner.http[1].id, "cgi");
  EXPECT_EQ(inner.http[1].route.full, "/api/cgi/...");
  EXPECT_EQ(inner.http[1].route.prefix, "/api/cgi");
  EXPECT_TRUE(inner.http[1].route.wildcard);
  EXPECT_EQ(inner.http[1].executor.kind, Executor::Kind::Wagi);
  EXPECT_EQ(inner.http[1].executor.entrypoint, "main");
  EXPECT_EQ(inner.http[1].executor.argv, "${SCRIPT_NAME} -v");
  ASSERT_EQ(inner.redis.size(), 1u);
  EXPECT_EQ(inner.redis[0].channel, "messages");
  EXPECT_EQ(inner.redis[0].address, "redis://localhost:6379");
  EXPECT_EQ(inner.redis[0].id, "inner-redis-trigger");

  const Component& hello = app.components[1];
  EXPECT_EQ(hello.id, "http-trigger1-component");
  EXPECT_EQ(hello.source.path, dir / "hello.wasm");
  ASSERT_EQ(hello.http.size(), 1u);
  EXPECT_EQ(hello.http[0].component, hello.id);
  EXPECT_EQ(hello.http[0].route.full, "/api/hello/:name");
  EXPECT_EQ(hello.http[0].route.params, std::vector<std::string>{"name"});
  EXPECT_EQ(hello.http[0].executor.kind, Executor::Kind::Wagi);
  EXPECT_EQ(hello.http[0].executor.entrypoint, "_start");
  EXPECT_EQ(hello.http[0].executor.argv, "${SCRIPT_NAME} ${ARGS}");
  EXPECT_EQ(app.http_triggers().size(), 3u);
}

TEST(Manifest, RemoteSourceIsKeptAsData) {
  fs::path dir = fresh_dir();
  std::string digest = "sha256:" + std::string(64, 'a');
  put(dir / "spin.toml", R"(spin_manifest_version = "1"
name = "remote"
trigger = { type = "redis", address = "redis://localhost:6379" }
[[component]]
id = "Fetch_Thing"
source = { url = "https://example.com/x.wasm", digest = ")" +
                             digest + R"(" }
[component.trigger]
channel = "jobs"
)");
  Result r = load(dir, with_env({}));
  ASSERT_TRUE(r.ok()) << r.report();
  const Component& c = r.app->components[0];
  EXPECT_EQ(c.id, "fetch-thing");  // normalised as Spin does for v1
  EXPECT_EQ(c.source.kind, Source::Kind::Remote);
  EXPECT_EQ(c.source.url, "https://example.com/x.wasm");
  EXPECT_EQ(c.source.digest, digest);
  ASSERT_EQ(c.redis.size(), 1u);
  EXPECT_EQ(c.redis[0].channel, "jobs");
  EXPECT_EQ(c.redis[0].address, "redis://localhost:6379");
  EXPECT_FALSE(r.app->http.has_value());
}

TEST(Manifest, RoutesAreNormalisedWithTheBase) {
  fs::path dir = fresh_dir();
  put(dir / "a.wasm");
  put(dir / "spin.toml", R"(spin_manifest_version = "1"
name = "routes"
trigger = { type = "http", base = "/api/" }
[[component]]
id = "all"
source = "a.wasm"
[component.trigger]
route = "/..."
[[component]]
id = "root"
source = "a.wasm"
[component.trigger]
route = "/"
[[component]]
id = "users"
source = "a.wasm"
[component.trigger]
route = "/users/:id/"
[[component]]
id = "static"
source = "a.wasm"
[component.trigger]
route = "/static/..."
)");
  Result r = load(dir, with_env({}));
  ASSERT_TRUE(r.ok()) << r.report();
  auto route = [&](const char* id) { return r.app->component(id)->http.at(0).route; };
  EXPECT_EQ(route("all").full, "/api/...");
  EXPECT_EQ(route("all").prefix, "/api");
  EXPECT_TRUE(route("all").wildcard);
  EXPECT_EQ(route("root").full, "/api");
  EXPECT_FALSE(route("root").wildcard);
  EXPECT_EQ(route("users").full, "/api/users/:id");
  EXPECT_EQ(route("users").params, std::vector<std::string>{"id"});
  EXPECT_EQ(route("static").full, "/api/static/...");
  EXPECT_EQ(route("static").prefix, "/api/static");
  EXPECT_EQ(route("static").base, "/api");
}
