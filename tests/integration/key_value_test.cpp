// Key-value through the Spin 1.x `key-value` imports, driven through a real
// `spindle up`: the embedded SQLite `default` store, permissions from
// `key_value_stores`, limits, and data that survives a restart.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "redis_server.h"
#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

const char* kManifest = R"(spin_manifest_version = "1"
name = "kv"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "kv"
source = "host_kv.wasm"
key_value_stores = ["default"]
[component.trigger]
route = "/..."

[[component]]
id = "nokv"
source = "host_kv.wasm"
[component.trigger]
route = "/nokv/..."
)";

std::string make_app(const std::string& name) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("host_kv"), dir + "/host_kv.wasm");
  std::ofstream(dir + "/spin.toml") << kManifest;
  return dir;
}

std::string body(const std::string& url, std::vector<std::string> extra = {}) {
  extra.push_back(url);
  return curl(extra).out;
}

}  // namespace

TEST(KeyValue, SetGetExistsKeysDeleteOnTheDefaultStore) {
  std::string dir = make_app("kv-ops");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string u = up.url();
  EXPECT_EQ(body(u + "/open/default"), "handle 1");
  EXPECT_EQ(body(u + "/get/default/colour"), "error 4");  // no-such-key
  EXPECT_EQ(body(u + "/exists/default/colour"), "false");
  EXPECT_EQ(body(u + "/set/default/colour", {"--data-binary", "blue"}), "ok");
  EXPECT_EQ(body(u + "/set/default/shape", {"--data-binary", "round"}), "ok");
  EXPECT_EQ(body(u + "/get/default/colour"), "blue");
  EXPECT_EQ(body(u + "/exists/default/colour"), "true");
  EXPECT_EQ(body(u + "/keys/default"), "colour\nshape\n");
  EXPECT_EQ(body(u + "/set/default/colour", {"--data-binary", "green"}), "ok");
  EXPECT_EQ(body(u + "/get/default/colour"), "green");
  EXPECT_EQ(body(u + "/delete/default/colour"), "ok");
  EXPECT_EQ(body(u + "/get/default/colour"), "error 4");
  EXPECT_EQ(body(u + "/keys/default"), "shape\n");
  EXPECT_TRUE(fs::exists(dir + "/.spin/sqlite_key_value.db"));
}

TEST(KeyValue, BinaryValuesRoundTrip) {
  std::string dir = make_app("kv-binary");
  std::string value(60000, '\0');  // the guest answers at most 64 KiB
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(i * 31 + 7);
  std::ofstream(dir + "/value.bin", std::ios::binary) << value;
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(body(up.url() + "/set/default/blob", {"--data-binary", "@" + dir + "/value.bin"}),
            "ok");
  std::string got = body(up.url() + "/get/default/blob");
  EXPECT_EQ(got.size(), value.size());
  EXPECT_TRUE(got == value);  // not EXPECT_EQ: no binary dump on failure
}

TEST(KeyValue, DataSurvivesARestart) {
  std::string dir = make_app("kv-restart");
  {
    Up up(dir);
    ASSERT_FALSE(up.url().empty()) << up.log();
    EXPECT_EQ(body(up.url() + "/set/default/visits", {"--data-binary", "41"}), "ok");
  }
  Up again(dir);
  ASSERT_FALSE(again.url().empty()) << again.log();
  EXPECT_EQ(body(again.url() + "/get/default/visits"), "41");
}

TEST(KeyValue, UnlistedStoresAreDeniedAndClosedHandlesInvalid) {
  std::string dir = make_app("kv-denied");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(body(up.url() + "/nokv/open/default"), "error 2");  // access-denied
  EXPECT_EQ(body(up.url() + "/open/other"), "error 2");         // not in key_value_stores
  EXPECT_EQ(body(up.url() + "/closed/default/x"), "error 3");   // invalid-store
}

TEST(KeyValue, OversizedKeysAreRefusedWithAMessage) {
  std::string dir = make_app("kv-limits");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string key(256, 'k');
  EXPECT_EQ(body(up.url() + "/set/default/" + key, {"--data-binary", "v"}),
            "error 5: key of 256 bytes is too long (at most 255)");
  EXPECT_EQ(body(up.url() + "/set/default/" + std::string(255, 'k'), {"--data-binary", "v"}), "ok");
}

TEST(KeyValue, AnUndefinedStoreLabelStopsStartup) {
  std::string dir = make_app("kv-undefined");
  std::string manifest = slurp(dir + "/spin.toml");
  manifest.replace(manifest.find("[\"default\"]"), 11, "[\"default\", \"cache\"]");
  std::ofstream(dir + "/spin.toml") << manifest;
  Result r = run_spindle({"up", "-f", dir, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("key-value store `cache` is not defined"), std::string::npos) << r.err;
}

TEST(KeyValue, WorksOnTheInterpreterBackendToo) {
  std::string dir = make_app("kv-interp");
  Up up(dir, {"--backend", "interp"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(body(up.url() + "/set/default/a", {"--data-binary", "1"}), "ok");
  EXPECT_EQ(body(up.url() + "/keys/default"), "a\n");
  EXPECT_EQ(body(up.url() + "/get/default/a"), "1");
}

TEST(KeyValue, ARuntimeConfigMapsTheDefaultStoreToRedis) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = make_app("kv-redis");
  std::ofstream(dir + "/runtime.toml") << "[key_value_store.default]\n"
                                          "type = \"redis\"\n"
                                          "url = \"" +
                                              redis.url() + "\"\n";
  Up up(dir, {"--runtime-config-file", dir + "/runtime.toml"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(body(up.url() + "/set/default/colour", {"--data-binary", "blue"}), "ok");
  EXPECT_EQ(redis.cli({"GET", "colour"}).out, "blue\n");
  EXPECT_EQ(body(up.url() + "/get/default/colour"), "blue");
  EXPECT_EQ(body(up.url() + "/exists/default/colour"), "true");
  EXPECT_EQ(body(up.url() + "/keys/default"), "colour\n");
  EXPECT_EQ(body(up.url() + "/get/default/shape"), "error 4");
  // Restarted (and emptied) server: the store reconnects.
  redis.stop();
  EXPECT_EQ(body(up.url() + "/get/default/colour").rfind("error 5: ", 0), 0u);
  ASSERT_TRUE(redis.start());
  EXPECT_EQ(body(up.url() + "/set/default/colour", {"--data-binary", "red"}), "ok");
  EXPECT_EQ(body(up.url() + "/get/default/colour"), "red");
  EXPECT_FALSE(fs::exists(dir + "/.spin/sqlite_key_value.db"));
}
