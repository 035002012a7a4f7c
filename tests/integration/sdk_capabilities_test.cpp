// The C++ SDK's host capabilities end to end: guests built with the SDK
// (tests/guests/sdk_cap_*.cpp) served by a real `spindle up` on a free
// loopback port, against real loopback HTTP servers and a real redis-server:
// spindle::variables, kv, sqlite, http::send, redis::Connection and
// SPINDLE_REDIS_COMPONENT (alone, and in one module with
// SPINDLE_HTTP_COMPONENT). See docs/SDK.md, "Host capabilities".
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_peer.h"
#include "redis_server.h"
#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// The repository, from this file's path (tests/integration/...).
const fs::path kRepo = fs::path(__FILE__).parent_path().parent_path().parent_path();

// A temp app dir with the given guests copied in as <guest>.wasm and the manifest.
std::string make_app(const std::string& name, const std::vector<std::string>& guests,
                     const std::string& manifest) {
  std::string dir = temp_dir(name);
  for (const auto& g : guests) fs::copy_file(guest(g), dir + "/" + g + ".wasm");
  std::ofstream(dir + "/spin.toml") << manifest;
  return dir;
}

std::string get(const std::string& url) { return curl({url}).out; }
std::string post(const std::string& url, const std::string& body) {
  return curl({"--data-binary", body, url}).out;
}

// Waits (up to 20 s) until `file` contains `text`.
bool file_contains(const std::string& file, const std::string& text) {
  for (int i = 0; i < 200; ++i) {
    if (slurp(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// "pages <before> <after> bytes <n>" from a churn route: how many 64 KiB
// pages linear memory grew by.
long growth(const std::string& reply) {
  long before = -1, after = -1;
  if (std::sscanf(reply.c_str(), "pages %ld %ld", &before, &after) != 2) return -1;
  return after - before;
}

const char* kKvManifest = R"(spin_manifest_version = "1"
name = "sdk-kv"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "kv"
source = "sdk_cap_kv.wasm"
key_value_stores = ["default"]
[component.trigger]
route = "/..."

[[component]]
id = "nokv"
source = "sdk_cap_kv.wasm"
[component.trigger]
route = "/nokv/..."
)";

const char* kSqliteManifest = R"(spin_manifest_version = "1"
name = "sdk-sql"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "sql"
source = "sdk_cap_sqlite.wasm"
sqlite_databases = ["default"]
[component.trigger]
route = "/..."

[[component]]
id = "nosql"
source = "sdk_cap_sqlite.wasm"
[component.trigger]
route = "/nosql/..."
)";

// A v2 app: `listener` (guest `g`) on Redis channel `messages`, also at HTTP /...
std::string mixed_manifest(const std::string& g, const RedisServer& redis, bool http) {
  std::string m = R"(spin_manifest_version = 2
[application]
name = "sdk-redis"
[application.trigger.redis]
address = ")" + redis.url() +
                  R"("

[[trigger.redis]]
channel = "messages"
component = "listener"
)";
  if (http) m += "\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"listener\"\n";
  m += R"(
[component.listener]
source = ")" +
       g + R"(.wasm"
key_value_stores = ["default"]
environment = { REDIS_ADDRESS = ")" +
       redis.url() + R"(" }
allowed_outbound_hosts = ["redis://127.0.0.1:)" +
       std::to_string(redis.port()) + R"("]
)";
  return m;
}

}  // namespace

TEST(SdkCapabilities, VariablesReturnValuesAndErrorsAsValues) {
  std::string dir = make_app("sdkcap-vars", {"sdk_cap_vars"}, R"(spin_manifest_version = "1"
name = "vars"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[variables]
greeting = { default = "hello" }

[[component]]
id = "vars"
source = "sdk_cap_vars.wasm"
[component.trigger]
route = "/..."
[component.config]
message = "{{ greeting }}, world"
empty = ""
)");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(get(up.url() + "/?message"), "message=hello, world");
  EXPECT_EQ(get(up.url() + "/?empty"), "empty=");
  EXPECT_EQ(get(up.url() + "/?nothing"), "error not-found: no variable for \"vars\".\"nothing\"");
  EXPECT_EQ(get(up.url() + "/?Upper"), "error invalid-argument: must start with an ASCII letter");
}

TEST(SdkCapabilities, KeyValueSetGetExistsKeysDelete) {
  std::string dir = make_app("sdkcap-kv", {"sdk_cap_kv"}, kKvManifest);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string u = up.url() + "/default";
  EXPECT_EQ(get(u + "/get/colour"), "none");  // no-such-key is ok(nullopt)
  EXPECT_EQ(get(u + "/exists/colour"), "false");
  EXPECT_EQ(get(u + "/keys"), "");
  EXPECT_EQ(post(u + "/set/colour", "blue"), "ok");
  EXPECT_EQ(post(u + "/set/shape", "round"), "ok");
  EXPECT_EQ(post(u + "/set/empty", ""), "ok");
  EXPECT_EQ(get(u + "/get/colour"), "value=blue");
  EXPECT_EQ(get(u + "/get/empty"), "value=");
  EXPECT_EQ(get(u + "/exists/colour"), "true");
  EXPECT_EQ(get(u + "/keys"), "colour\nempty\nshape\n");
  EXPECT_EQ(post(u + "/set/colour", "green"), "ok");
  EXPECT_EQ(get(u + "/get/colour"), "value=green");
  EXPECT_EQ(post(u + "/delete/colour", ""), "ok");
  EXPECT_EQ(post(u + "/delete/colour", ""), "ok");  // deleting a missing key is fine
  EXPECT_EQ(get(u + "/get/colour"), "none");
  EXPECT_EQ(get(u + "/keys"), "empty\nshape\n");
  // close() and moves: a closed or moved-from store is invalid-store.
  EXPECT_EQ(get(u + "/closed/shape"), "error invalid-argument: invalid-store");
  EXPECT_EQ(get(u + "/moved"), "keys ok, moved-from invalid-argument: invalid-store");
  // io errors carry the host's message.
  EXPECT_EQ(post(u + "/set/" + std::string(256, 'k'), "v"),
            "error io: key of 256 bytes is too long (at most 255)");
}

TEST(SdkCapabilities, KeyValueUnlistedStoreIsAccessDenied) {
  std::string dir = make_app("sdkcap-kv-denied", {"sdk_cap_kv"}, kKvManifest);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(get(up.url() + "/nokv/default/get/x"), "error access-denied: access-denied");
  EXPECT_EQ(get(up.url() + "/other/keys"), "error access-denied: access-denied");
  EXPECT_EQ(get(up.url() + "/default/keys"), "");
}

TEST(SdkCapabilities, KeyValuePersistsAcrossARestart) {
  std::string dir = make_app("sdkcap-kv-restart", {"sdk_cap_kv"}, kKvManifest);
  {
    Up up(dir);
    ASSERT_FALSE(up.url().empty()) << up.log();
    EXPECT_EQ(post(up.url() + "/default/set/visits", "41"), "ok");
  }
  Up again(dir);
  ASSERT_FALSE(again.url().empty()) << again.log();
  EXPECT_EQ(get(again.url() + "/default/get/visits"), "value=41");
  EXPECT_EQ(get(again.url() + "/default/keys"), "visits\n");
}

// The SDK frees every string and list the host allocates in the guest: 400
// gets of a 60 KB value (24 MB if leaked) leave linear memory as it was.
TEST(SdkCapabilities, KeyValueResultsAreFreedInTheGuest) {
  std::string dir = make_app("sdkcap-kv-churn", {"sdk_cap_kv"}, kKvManifest);
  std::ofstream(dir + "/value.bin", std::ios::binary) << std::string(60000, 'v');
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({"--data-binary", "@" + dir + "/value.bin", up.url() + "/default/set/big"}).out,
            "ok");
  std::string reply = get(up.url() + "/default/churn/big?n=400");
  long g = growth(reply);
  EXPECT_GE(g, 0) << reply;
  EXPECT_LE(g, 2) << reply;
  EXPECT_NE(reply.find(" bytes " + std::to_string(400 * (60000 + 1))), std::string::npos) << reply;
}

TEST(SdkCapabilities, SqliteEveryValueTypeRoundTrips) {
  std::string dir = make_app("sdkcap-sql", {"sdk_cap_sqlite"}, kSqliteManifest);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string u = up.url() + "/default";
  EXPECT_EQ(post(u, "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, z)"), "columns: \n");
  EXPECT_EQ(post(u + "?i:42&r:2.5&t:hello&b:AB&n", "INSERT INTO t VALUES (?, ?, ?, ?, ?)"),
            "columns: \n");
  EXPECT_EQ(post(u + "?i:-7&r:0.125&t:&b:&n", "INSERT INTO t VALUES (?, ?, ?, ?, ?)"),
            "columns: \n");
  EXPECT_EQ(post(u, "SELECT i, r, s, b, z FROM t ORDER BY i"),
            "columns: i,r,s,b,z\n"
            "i:-7|r:0.125|t:|b:|n\n"
            "i:42|r:2.5|t:hello|b:4142|n\n");
  EXPECT_EQ(post(u + "?i:42", "SELECT s AS greeting, typeof(b) AS tb FROM t WHERE i = ?"),
            "columns: greeting,tb\nt:hello|t:blob\n");
  // Initializer-list parameters of every C++ type, rows read by column name
  // (from a copy of the result).
  EXPECT_EQ(get(u + "/named"),
            "-9000000000 bob r:0.25 b:6869 t:x missing=no,n\n"
            "1 ada r:2.5 b:0001FF n missing=no,n\n");
}

TEST(SdkCapabilities, SqliteErrorsCarrySqlitesMessage) {
  std::string dir = make_app("sdkcap-sql-errors", {"sdk_cap_sqlite"}, kSqliteManifest);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(post(up.url() + "/default", "SELECT * FROM missing"),
            "error io: no such table: missing");
  EXPECT_EQ(post(up.url() + "/default", "SELEKT 1"), "error io: near \"SELEKT\": syntax error");
  EXPECT_EQ(post(up.url() + "/nosql/default", "SELECT 1"), "error access-denied: access-denied");
  EXPECT_EQ(post(up.url() + "/other", "SELECT 1"), "error access-denied: access-denied");
  EXPECT_EQ(post(up.url() + "/default", "SELECT 1 AS one"), "columns: one\ni:1\n");
}

TEST(SdkCapabilities, SqliteResultsAreFreedInTheGuest) {
  std::string dir = make_app("sdkcap-sql-churn", {"sdk_cap_sqlite"}, kSqliteManifest);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  // 300 selects of a 32 KiB text and a 32 KiB blob: 19 MB if leaked.
  std::string reply = get(up.url() + "/default/churn?n=300");
  long g = growth(reply);
  EXPECT_GE(g, 0) << reply;
  EXPECT_LE(g, 2) << reply;
  EXPECT_NE(reply.find(" bytes " + std::to_string(300 * 2 * 32768)), std::string::npos) << reply;
}

TEST(SdkCapabilities, OutboundHttpGetPostAndSend) {
  HttpPeer peer;
  std::string dir = make_app("sdkcap-http", {"sdk_cap_outbound", "spin_echo"},
                             R"(spin_manifest_version = "1"
name = "sdk-http"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "fetch"
source = "sdk_cap_outbound.wasm"
allowed_http_hosts = ["127.0.0.1:)" +
                                 std::to_string(peer.port()) +
                                 R"(", "self"]
[component.trigger]
route = "/..."

[[component]]
id = "echo"
source = "spin_echo.wasm"
[component.trigger]
route = "/echo/..."
)");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string got = post(up.url() + "/get", peer.origin() + "/hello");
  EXPECT_EQ(got.substr(0, 11), "status 200\n") << got;
  EXPECT_NE(got.find("\nx-peer: yes\n"), std::string::npos) << got;
  EXPECT_NE(got.find("lookup X-PEER: yes\n"), std::string::npos) << got;  // any case
  EXPECT_EQ(got.substr(got.find("\n\n") + 2), "hello from peer") << got;
  got = post(up.url() + "/post", peer.origin() + "/echo");
  EXPECT_EQ(got.substr(got.find("\n\n") + 2), "POST\npayload") << got;
  EXPECT_EQ(post(up.url() + "/get", peer.origin() + "/nothing-here").substr(0, 11), "status 404\n");
  // Method, headers and body of an OutboundRequest reach the app itself.
  got = post(up.url() + "/send", "/echo/sdk?q=1");
  EXPECT_EQ(got.substr(0, 11), "status 200\n") << got;
  EXPECT_NE(got.find("x-method: put\n"), std::string::npos) << got;
  EXPECT_NE(got.find("x-uri: /echo/sdk?q=1\n"), std::string::npos) << got;
  EXPECT_NE(got.find("x-one: 1\n"), std::string::npos) << got;
  EXPECT_NE(got.find("x-two: two\n"), std::string::npos) << got;
  EXPECT_EQ(got.substr(got.find("\n\n") + 2), "put-body") << got;
}

TEST(SdkCapabilities, OutboundHttpErrorsMapToKinds) {
  HttpPeer allowed, denied;
  int dead_port;
  {
    HttpPeer gone;
    dead_port = gone.port();
  }
  std::string dir = make_app("sdkcap-http-denied", {"sdk_cap_outbound"},
                             R"(spin_manifest_version = "1"
name = "sdk-http-denied"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "fetch"
source = "sdk_cap_outbound.wasm"
allowed_http_hosts = ["127.0.0.1:)" +
                                 std::to_string(allowed.port()) + R"(", "127.0.0.1:)" +
                                 std::to_string(dead_port) + R"("]
[component.trigger]
route = "/..."
)");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(post(up.url() + "/get", denied.origin() + "/hello"),
            "error access-denied: destination-not-allowed");
  EXPECT_EQ(post(up.url() + "/post", denied.origin() + "/echo"),
            "error access-denied: destination-not-allowed");
  EXPECT_EQ(denied.connections(), 0);
  EXPECT_EQ(post(up.url() + "/get", "not a url"), "error invalid-argument: invalid-url");
  EXPECT_EQ(post(up.url() + "/get", "http://127.0.0.1:" + std::to_string(dead_port) + "/"),
            "error io: request-error");
  EXPECT_EQ(post(up.url() + "/get", allowed.origin() + "/hello").substr(0, 11), "status 200\n");
}

TEST(SdkCapabilities, OutboundRedisCommands) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = make_app("sdkcap-redis", {"sdk_cap_outbound"},
                             R"(spin_manifest_version = 2
[application]
name = "sdk-redis-out"

[[trigger.http]]
route = "/..."
component = "out"

[component.out]
source = "sdk_cap_outbound.wasm"
allowed_outbound_hosts = ["redis://127.0.0.1:)" +
                                 std::to_string(redis.port()) +
                                 R"("]
)");
  // A subscriber, to see the published message arrive.
  std::string sub_log = dir + "/subscriber.log";
  Background sub({"redis-cli", "-p", std::to_string(redis.port()), "SUBSCRIBE", "sdk-events"},
                 sub_log);
  for (int i = 0; i < 100 && redis.cli({"PUBSUB", "NUMSUB", "sdk-events"}).out != "sdk-events\n1\n";
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string got = get(up.url() + "/redis?addr=" + redis.url());
  EXPECT_EQ(got,
            "set ok\n"
            "get 'hello'\n"
            "get-missing ''\n"
            "incr 1\n"
            "incr 2\n"
            "sadd 3\n"
            "srem 1\n"
            "smembers a,c,\n"
            "execute int:42 \n"
            "execute int:1 \n"
            "execute bin:ada \n"
            "execute status:PONG \n"
            "execute \n"
            "del 1\n"
            "wrongtype error io: error\n"
            "publish ok\n")
      << up.log();
  // The side effects are in Redis.
  EXPECT_EQ(redis.cli({"GET", "sdk:greeting"}).out, "hello\n");
  EXPECT_EQ(redis.cli({"GET", "sdk:counter"}).out, "42\n");
  EXPECT_EQ(redis.cli({"HGET", "sdk:hash", "name"}).out, "ada\n");
  EXPECT_EQ(redis.cli({"EXISTS", "sdk:tmp"}).out, "0\n");
  EXPECT_TRUE(file_contains(sub_log, "from-sdk")) << slurp(sub_log);
  // An address the manifest does not allow, and a server that is gone: the
  // interface's single error.
  int other_port;
  {
    HttpPeer other;
    other_port = other.port();
  }
  auto first_line = [](const std::string& s) { return s.substr(0, s.find('\n') + 1); };
  got = get(up.url() + "/redis?addr=redis://127.0.0.1:" + std::to_string(other_port));
  EXPECT_EQ(first_line(got), "set error io: error\n") << got;
  redis.stop();
  got = get(up.url() + "/redis?addr=" + redis.url());
  EXPECT_EQ(first_line(got), "set error io: error\n") << got;
  EXPECT_NE(got.find("publish error io: error\n"), std::string::npos) << got;
}

TEST(SdkCapabilities, RedisTriggerComponent) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = make_app("sdkcap-trigger", {"sdk_cap_trigger"},
                             mixed_manifest("sdk_cap_trigger", redis, false));
  Background up({SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"}, dir + "/up.log",
                {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  ASSERT_EQ(up.wait_for("Redis trigger: subscribed to "), "messages on " + redis.url()) << up.log();
  std::string out_log = dir + "/.spin/logs/listener_stdout.txt";
  EXPECT_EQ(redis.cli({"PUBLISH", "messages", "hello"}).out, "1\n");
  EXPECT_TRUE(file_contains(out_log, "got: hello\n")) << slurp(out_log) << up.log();
  // The handler uses spindle::redis too.
  redis.cli({"PUBLISH", "messages", "store:from-sdk-trigger"});
  for (int i = 0; i < 100 && redis.cli({"GET", "sdk:last"}).out != "from-sdk-trigger\n"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(redis.cli({"GET", "sdk:last"}).out, "from-sdk-trigger\n") << up.log();
  // An error result is err(error) for the host, which logs it; the next
  // message is handled.
  redis.cli({"PUBLISH", "messages", "fail"});
  EXPECT_FALSE(up.wait_for("failed on a message from `messages`").empty()) << up.log();
  EXPECT_TRUE(file_contains(dir + "/.spin/logs/listener_stderr.txt",
                            "spindle: redis handler failed: invalid-argument: asked to fail"))
      << slurp(dir + "/.spin/logs/listener_stderr.txt");
  redis.cli({"PUBLISH", "messages", "after"});
  EXPECT_TRUE(file_contains(out_log, "got: after\n")) << slurp(out_log);
  std::string log = up.log();
  EXPECT_NE(log.find(" REDIS messages listener ok "), std::string::npos) << log;
  EXPECT_NE(log.find(" REDIS messages listener failed "), std::string::npos) << log;
}

TEST(SdkCapabilities, OneModuleWithBothMacrosServesHttpAndRedis) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir =
      make_app("sdkcap-both", {"sdk_cap_both"}, mixed_manifest("sdk_cap_both", redis, true));
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  ASSERT_FALSE(up.process().wait_for("Redis trigger: subscribed to ").empty()) << up.log();
  EXPECT_EQ(get(up.url() + "/"), "http ok; messages: ");
  redis.cli({"PUBLISH", "messages", "one"});
  ASSERT_TRUE(file_contains(dir + "/.spin/logs/listener_stdout.txt", "both got: one\n"))
      << up.log();
  redis.cli({"PUBLISH", "messages", "two"});
  std::string got;
  for (int i = 0; i < 100 && got != "http ok; messages: one;two;"; ++i) {
    got = get(up.url() + "/");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(got, "http ok; messages: one;two;") << up.log();
}

// The two macros in two source files of one module link (the shared exports
// and runtime overrides are emitted once), and the module serves both triggers.
TEST(SdkCapabilities, BothMacrosInSeparateSourceFilesLinkIntoOneModule) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = temp_dir("sdkcap-two-files");
  std::ofstream(dir + "/http.cpp") << R"(#include <spindle/http.hpp>
#include <spindle/kv.hpp>
spindle::Response on_request(const spindle::Request&) {
  auto store = spindle::kv::Store::open();
  auto v = store ? store->get("last") : spindle::Result<std::optional<std::string>>(store.error());
  return spindle::Response::text(v ? "last=" + v->value_or("") : v.error().describe());
}
SPINDLE_HTTP_COMPONENT(on_request)
)";
  std::ofstream(dir + "/redis.cpp") << R"(#include <spindle/kv.hpp>
#include <spindle/redis.hpp>
spindle::Result<void> on_message(std::string_view payload) {
  auto store = spindle::kv::Store::open();
  if (!store) return store.error();
  return store->set("last", payload);
}
SPINDLE_REDIS_COMPONENT(on_message)
)";
  Result c = run_process({"clang++-19", "--target=wasm32-wasi", "-std=c++20", "-Oz",
                          "-fno-exceptions", "-mexec-model=reactor", "-Wall", "-Wextra", "-Werror",
                          "-I", (kRepo / "sdk/cpp/include").string(), dir + "/http.cpp",
                          dir + "/redis.cpp", "-o", dir + "/listener.wasm", "-Wl,--strip-all"});
  ASSERT_EQ(c.status, 0) << c.err;
  std::string m = mixed_manifest("listener", redis, true);
  std::ofstream(dir + "/spin.toml") << m;
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  ASSERT_FALSE(up.process().wait_for("Redis trigger: subscribed to ").empty()) << up.log();
  EXPECT_EQ(get(up.url() + "/"), "last=");
  redis.cli({"PUBLISH", "messages", "from-two-files"});
  std::string got;
  for (int i = 0; i < 100 && got != "last=from-two-files"; ++i) {
    got = get(up.url() + "/");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(got, "last=from-two-files") << up.log();
}

// A key-value component stays small, and the capability headers add nothing
// to a component that does not include them.
TEST(SdkCapabilities, AKeyValueComponentIsSmallAndHelloImportsNoCapability) {
  std::string dir = temp_dir("sdkcap-size");
  std::ofstream(dir + "/counter.cpp") << R"(#include <spindle/http.hpp>
#include <spindle/kv.hpp>

spindle::Response handle(const spindle::Request&) {
  auto store = spindle::kv::Store::open();
  if (!store) return spindle::Response::error(500, store.error().describe());
  auto n = store->get("visits");
  if (!n) return spindle::Response::error(500, n.error().describe());
  std::string next = std::to_string(std::stoll(n->value_or("0")) + 1);
  if (auto ok = store->set("visits", next); !ok)
    return spindle::Response::error(500, ok.error().describe());
  return spindle::Response::text("visits " + next + "\n");
}

SPINDLE_HTTP_COMPONENT(handle)
)";
  std::ofstream(dir + "/hello.cpp") << R"(#include <spindle/http.hpp>
spindle::Response handle(const spindle::Request&) { return spindle::Response::text("hello\n"); }
SPINDLE_HTTP_COMPONENT(handle)
)";
  for (const char* name : {"counter", "hello"}) {
    Result c = run_process({"clang++-19", "--target=wasm32-wasi", "-std=c++20", "-Oz",
                            "-fno-exceptions", "-mexec-model=reactor", "-I",
                            (kRepo / "sdk/cpp/include").string(), dir + "/" + name + ".cpp", "-o",
                            dir + "/" + name + ".wasm", "-Wl,--strip-all"});
    ASSERT_EQ(c.status, 0) << c.err;
  }
  auto counter = fs::file_size(dir + "/counter.wasm");
  auto hello = fs::file_size(dir + "/hello.wasm");
  std::printf("sizes: hello %zu bytes, kv counter %zu bytes\n", static_cast<size_t>(hello),
              static_cast<size_t>(counter));
  EXPECT_LE(counter, 40u * 1024) << counter;
  EXPECT_LE(counter, hello + 12u * 1024) << counter << " vs hello " << hello;
  std::string hello_bytes = slurp(dir + "/hello.wasm");
  for (const char* module : {"key-value", "sqlite", "outbound-redis", "spin-config",
                             "wasi-outbound-http", "handle-redis-message"})
    EXPECT_EQ(hello_bytes.find(module), std::string::npos) << module;
  std::string counter_bytes = slurp(dir + "/counter.wasm");
  EXPECT_NE(counter_bytes.find("key-value"), std::string::npos);
  EXPECT_EQ(counter_bytes.find("sqlite"), std::string::npos);
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = "1"
name = "counter"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "counter"
source = "counter.wasm"
key_value_stores = ["default"]
[component.trigger]
route = "/..."
)";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(get(up.url() + "/"), "visits 1\n");
  EXPECT_EQ(get(up.url() + "/"), "visits 2\n");
}
