// The backends behind Spin's component interfaces, below the guest ABI:
// the SQLite key-value store's atomic increment and compare-and-swap under
// many threads (two processes on one file: tests/integration/spin_interfaces_test.cpp),
// MQTT address parsing as Spin reads it, and the runtime config's variables
// providers.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "host/key_value/store.h"
#include "host/mqtt/client.h"
#include "manifest/runtime_config.h"
#include "test_util.h"

namespace spindle {
namespace {

using host::key_value::Store;
using test::temp_dir;

// `threads` threads each adding 1 to `key` `times` times, through `stores`
// in turn.
void hammer(const std::vector<Store*>& stores, int threads, int times, const std::string& key,
            std::atomic<int>& failures) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      Store* s = stores[static_cast<size_t>(t) % stores.size()];
      for (int i = 0; i < times; ++i) {
        int64_t sum = 0;
        std::string error;
        if (!s->increment(key, 1, sum, error)) ++failures;
      }
    });
  for (auto& t : pool) t.join();
}

TEST(SqliteKeyValue, IncrementIsAtomicAcrossThreads) {
  std::string db = temp_dir("kv_atomic") + "/kv.db";
  std::string error;
  auto a = host::key_value::open_sqlite(db, "default", error);
  ASSERT_TRUE(a) << error;
  std::atomic<int> failures{0};
  hammer({a.get()}, 8, 100, "n", failures);
  int64_t sum = 0;
  ASSERT_TRUE(a->increment("n", 0, sum, error)) << error;
  EXPECT_EQ(sum, 800);
  // Spin's format: 8 little-endian bytes
  std::optional<std::string> raw;
  ASSERT_TRUE(a->get("n", raw, error));
  ASSERT_TRUE(raw);
  EXPECT_EQ(*raw, std::string("\x20\x03\0\0\0\0\0\0", 8));
  EXPECT_EQ(failures, 0);

  // another label of the same file is another store
  auto other = host::key_value::open_sqlite(db, "other", error);
  ASSERT_TRUE(other->increment("n", -5, sum, error)) << error;
  EXPECT_EQ(sum, -5);

  // a value that is not 8 bytes, and an overflow, are errors
  ASSERT_TRUE(a->set("word", "abc", error));
  EXPECT_FALSE(a->increment("word", 1, sum, error));
  EXPECT_EQ(error, "the value of `word` is not a 64-bit integer (3 bytes)");
  ASSERT_TRUE(a->increment("big", INT64_MAX, sum, error));
  EXPECT_FALSE(a->increment("big", 1, sum, error));
  EXPECT_EQ(error, "incrementing `big` overflows a 64-bit integer");
}

TEST(SqliteKeyValue, CompareAndSwapLetsExactlyOneWriterWin) {
  std::string db = temp_dir("kv_cas") + "/kv.db";
  std::string error;
  auto store = host::key_value::open_sqlite(db, "default", error);
  ASSERT_TRUE(store) << error;
  // two swaps from the same reading: the second fails
  auto first = store->compare_and_swap("k", error);
  auto second = store->compare_and_swap("k", error);
  std::optional<std::string> seen;
  ASSERT_TRUE(first->current(seen, error));
  EXPECT_FALSE(seen);
  ASSERT_TRUE(second->current(seen, error));
  bool swapped = false;
  ASSERT_TRUE(first->swap("1", swapped, error));
  EXPECT_TRUE(swapped);
  ASSERT_TRUE(second->swap("2", swapped, error));
  EXPECT_FALSE(swapped);  // the key is no longer absent
  ASSERT_TRUE(store->get("k", seen, error));
  EXPECT_EQ(seen, "1");

  // 8 threads x 100 read-increment-swap loops: exactly 800
  std::vector<std::thread> pool;
  std::atomic<int> retries{0};
  for (int t = 0; t < 8; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        for (;;) {
          std::string why;
          auto cas = store->compare_and_swap("c", why);
          std::optional<std::string> now;
          if (!cas->current(now, why)) return;
          bool ok = false;
          if (!cas->swap(std::to_string((now ? std::stoi(*now) : 0) + 1), ok, why)) return;
          if (ok) break;
          ++retries;
        }
      }
    });
  for (auto& t : pool) t.join();
  ASSERT_TRUE(store->get("c", seen, error));
  EXPECT_EQ(seen, "800") << retries << " retries";
}

TEST(MqttAddress, ReadsHostPortAndClientIdAsSpin) {
  auto a = host::mqtt::parse_address("mqtt://127.0.0.1:1884?client_id=abc&x=1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 1884);
  EXPECT_EQ(a->client_id, "abc");
  a = host::mqtt::parse_address("mqtt://broker.local?x=1&client_id=z");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->port, 1883);
  EXPECT_EQ(a->client_id, "z");
  EXPECT_FALSE(host::mqtt::parse_address("mqtt://127.0.0.1:1883"));  // no client_id
  EXPECT_FALSE(host::mqtt::parse_address("mqtt://127.0.0.1:1883?client_id="));
  EXPECT_FALSE(host::mqtt::parse_address("http://127.0.0.1:1883?client_id=a"));
  EXPECT_FALSE(host::mqtt::parse_address("not a url"));
}

// Loads `text` as a runtime config and reads its providers.
bool providers(const std::string& text, std::vector<manifest::VariableProvider>& out,
               std::string& error) {
  std::string file = temp_dir("var_providers") + "/runtime.toml";
  std::ofstream(file) << text;
  auto rc = manifest::load_runtime_config(file, {"variables_provider", "config_provider"});
  if (!rc.config) {
    error = rc.report();
    return false;
  }
  return manifest::variable_providers(*rc.config, out, error);
}

TEST(VariableProviders, ReadsEnvAndStaticInOrderAndLocatesMistakes) {
  std::vector<manifest::VariableProvider> out;
  std::string error;
  ASSERT_TRUE(providers(R"([[variables_provider]]
type = "env"
prefix = "APP"
dotenv_path = "x.env"

[[config_provider]]
type = "static"
values = { a = "1", b = "2" }
)",
                        out, error))
      << error;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, manifest::VariableProvider::Kind::Env);
  EXPECT_EQ(out[0].prefix, "APP");
  ASSERT_TRUE(out[0].dotenv);
  EXPECT_EQ(out[0].dotenv->filename(), "x.env");
  EXPECT_TRUE(out[0].dotenv->is_absolute());
  EXPECT_EQ(out[1].kind, manifest::VariableProvider::Kind::Static);
  EXPECT_EQ(out[1].values.at("b"), "2");

  out.clear();
  EXPECT_FALSE(providers("[[variables_provider]]\ntype = \"env\"\nprefx = \"A\"\n", out, error));
  EXPECT_NE(error.find(":3:1: error: unknown field `prefx` in [[variables_provider]] #1"),
            std::string::npos)
      << error;
  EXPECT_FALSE(providers("[[variables_provider]]\ntype = \"consul\"\n", out, error));
  EXPECT_NE(error.find(":2:8: error: unknown variables provider type `consul`"), std::string::npos)
      << error;
  EXPECT_FALSE(
      providers("[[variables_provider]]\ntype = \"static\"\nvalues = { a = 1 }\n", out, error));
  EXPECT_NE(error.find("value of `a` in [[variables_provider]] #1 is not a string"),
            std::string::npos)
      << error;
  EXPECT_FALSE(providers("[[variables_provider]]\nprefix = \"A\"\n", out, error));
  EXPECT_NE(error.find("has no `type` string"), std::string::npos) << error;
}

}  // namespace
}  // namespace spindle
