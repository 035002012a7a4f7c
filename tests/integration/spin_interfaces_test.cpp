// Spin's host interfaces for components (issue 13): a Spin JS SDK app built
// with npm during the test run (tests/components/js/spin-app: itty-router,
// esbuild, j2w; its world imports fermyon:spin key-value / variables /
// sqlite @2.0.0, wasi:keyvalue store / atomics / batch and wasi:config)
// under a real `spindle up`, with a real redis-server for the Redis
// backend. jco serve cannot provide these interfaces, so the answers are
// the ones Spin gives, checked by hand; outbound HTTP is compared with the
// target's own answer.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "build_js.h"
#include "jco.h"
#include "mqtt_broker.h"
#include "redis_server.h"

namespace spindle::test {
namespace {

namespace fs = std::filesystem;

// The app folder: spin-app.wasm with key-value store `default`, sqlite
// database `default`, two variables (one from .env) and outbound HTTP to
// loopback, and to `hosts`. `runtime_config`, when given, is written to
// runtime.toml.
std::string app_dir(const std::string& name, const std::string& runtime_config = "",
                    const std::vector<std::string>& hosts = {}) {
  std::string allowed = "\"http://127.0.0.1:*\"";
  for (const std::string& h : hosts) allowed += ", \"" + h + "\"";
  std::string dir = temp_dir(name);
  fs::copy_file(kJsOut / "spin-app.wasm", dir + "/app.wasm", fs::copy_options::overwrite_existing);
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "spin-app"
[variables]
greeting = { default = "hello" }
secret = { required = true, secret = true }
[[trigger.http]]
route = "/..."
component = "app"
[component.app]
source = "app.wasm"
key_value_stores = ["default"]
sqlite_databases = ["default"]
allowed_outbound_hosts = [)" << allowed
                                    << R"(]
[component.app.variables]
greeting = "{{ greeting }}"
api_key = "{{ secret }}"
)";
  std::ofstream(dir + "/.env") << "SPIN_VARIABLE_SECRET=s3cret\n";
  if (!runtime_config.empty()) std::ofstream(dir + "/runtime.toml") << runtime_config;
  return dir;
}

std::vector<std::string> up_flags(const std::string& dir, bool runtime_config) {
  std::vector<std::string> flags = {"--backend", "interp"};
  if (runtime_config) {
    flags.push_back("--runtime-config-file");
    flags.push_back(dir + "/runtime.toml");
  }
  return flags;
}

HttpAnswer ask(const std::string& url, std::vector<std::string> args = {}) {
  args.insert(args.begin(), url);
  return get(args);
}

HttpAnswer post(const std::string& url, const std::string& body = "") {
  return get({"-X", "POST", "--data-binary", body, url});
}

class SpinInterfaces : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { build_error_ = build_js("spin-app", skip_); }
  void SetUp() override {
    if (skip_) GTEST_SKIP() << build_error_;
    ASSERT_EQ(build_error_, "");
  }
  static inline std::string build_error_;
  static inline bool skip_ = false;
};

// key-value through fermyon:spin/key-value@2.0.0 (set, get, delete, exists,
// get-keys) and wasi:keyvalue (batch, list-keys), variables through
// fermyon:spin/variables@2.0.0 and wasi:config, SQLite through
// fermyon:spin/sqlite@2.0.0 with every value type, and outbound HTTP.
TEST_F(SpinInterfaces, KeyValueVariablesSqliteAndOutboundHttpOnTheSpinJsSdk) {
  std::string dir = app_dir("spin_if_all");
  Up up(dir, up_flags(dir, false));
  ASSERT_FALSE(up.url().empty()) << up.log();
  const std::string u = up.url();

  // key-value
  EXPECT_EQ(ask(u + "/kv/default/greeting").status, "404") << up.log();
  EXPECT_EQ(ask(u + "/kv/default/greeting").body, "none\n");
  EXPECT_EQ(ask(u + "/kv-exists/default/greeting").body, "false\n");
  EXPECT_EQ(ask(u + "/kv/default/greeting", {"-X", "PUT", "--data-binary", "bonjour"}).body,
            "ok\n");
  EXPECT_EQ(ask(u + "/kv/default/b", {"-X", "PUT", "--data-binary", "2"}).body, "ok\n");
  HttpAnswer r = ask(u + "/kv/default/greeting");
  EXPECT_EQ(r.status, "200");
  EXPECT_EQ(r.body, "bonjour");
  EXPECT_EQ(ask(u + "/kv-exists/default/greeting").body, "true\n");
  EXPECT_EQ(ask(u + "/kv-keys/default").body, "b\ngreeting\n");
  EXPECT_EQ(ask(u + "/kv/default/b", {"-X", "DELETE"}).body, "ok\n");
  EXPECT_EQ(ask(u + "/kv/default/b", {"-X", "DELETE"}).body, "ok\n");  // absent: no error
  EXPECT_EQ(ask(u + "/kv-keys/default").body, "greeting\n");
  // the same store through wasi:keyvalue
  r = post(u + "/batch/default", R"j({"x":"1","y":"two"})j");
  EXPECT_EQ(r.body, R"j([["x","1"],["y","two"],["absent",null]])j") << up.log();
  EXPECT_EQ(ask(u + "/bucket-keys/default").body, "greeting\nx\ny\n");
  EXPECT_EQ(ask(u + "/kv/default/y").body, "two");

  // variables: the component's, from the default and from .env
  EXPECT_EQ(ask(u + "/var/greeting").body, "hello\n");
  EXPECT_EQ(ask(u + "/var/api_key").body, "s3cret\n");
  r = ask(u + "/var/nope");
  EXPECT_EQ(r.status, "500");
  EXPECT_EQ(r.body, "error undefined: no variable for \"app\".\"nope\"\n");
  r = ask(u + "/var/Bad-Name");
  EXPECT_EQ(r.body.rfind("error invalid-name: ", 0), 0u) << r.body;
  EXPECT_EQ(ask(u + "/config/greeting").body, "hello\n");
  EXPECT_EQ(ask(u + "/config/nope").body, "none\n");      // undefined: none, as Spin
  EXPECT_EQ(ask(u + "/config/Bad-Name").body, "none\n");  // invalid: none, as Spin
  EXPECT_EQ(ask(u + "/config-all").body, "api_key=s3cret\ngreeting=hello\n");

  // SQLite
  const std::string sql = u + "/sql/default";
  EXPECT_EQ(post(sql, R"j({"sql":"CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)"})j").body,
            R"j({"columns":[],"rows":[]})j");
  r = post(sql,
           R"j({"sql":"INSERT INTO t VALUES (?, ?, ?, ?, ?)","params":[)j"
           R"j({"tag":"integer","val":-42},{"tag":"real","val":1.5},)j"
           R"j({"tag":"text","val":"h\u00e9llo"},{"tag":"blob","val":"xyz"},{"tag":"null"}]})j");
  EXPECT_EQ(r.status, "200") << r.body;
  r = post(sql, R"j({"sql":"SELECT i, r, s, b, n, i * 2 AS twice FROM t WHERE i = ?1",)j"
                R"j("params":[{"tag":"integer","val":-42}]})j");
  EXPECT_EQ(r.body,
            R"j({"columns":["i","r","s","b","n","twice"],"rows":[[{"tag":"integer","val":-42},)j"
            R"j({"tag":"real","val":1.5},{"tag":"text","val":"héllo"},{"tag":"blob","val":"xyz"},)j"
            R"j({"tag":"null"},{"tag":"integer","val":-84}]]})j");

  // outbound HTTP: the app fetching its own variables route answers what
  // a client gets from it directly
  HttpAnswer direct = ask(u + "/var/greeting");
  r = ask(u + "/fetch?url=" + u + "/var/greeting");
  EXPECT_EQ(r.body, direct.status + " " + direct.body) << up.log();
}

// What a guest cannot do comes back as the interfaces' error variants (the
// request answers 500 with the case), never a trap; the server goes on.
TEST_F(SpinInterfaces, DeniedAccessAndBadArgumentsAreErrorVariants) {
  std::string dir = app_dir("spin_if_errors");
  Up up(dir, up_flags(dir, false));
  ASSERT_FALSE(up.url().empty()) << up.log();
  const std::string u = up.url();

  // stores and databases the component does not list
  EXPECT_EQ(ask(u + "/kv/other/k").body, "error access-denied\n");
  EXPECT_EQ(post(u + "/incr/other/k").body, "error access-denied\n");
  EXPECT_EQ(post(u + "/sql/other", R"j({"sql":"SELECT 1"})j").body, "error access-denied\n");
  // an oversized key
  std::string long_key(300, 'k');
  EXPECT_EQ(ask(u + "/kv/default/" + long_key).body,
            "error other: key of 300 bytes is too long (at most 255)\n");
  EXPECT_EQ(post(u + "/incr/default/" + long_key).body,
            "error other: key of 300 bytes is too long (at most 255)\n");
  // increment of a value that is not a 64-bit integer
  ask(u + "/kv/default/word", {"-X", "PUT", "--data-binary", "abc"});
  EXPECT_EQ(post(u + "/incr/default/word").body,
            "error other: the value of `word` is not a 64-bit integer (3 bytes)\n");
  // invalid SQL, and parameters that do not fit the statement
  HttpAnswer r = post(u + "/sql/default", R"j({"sql":"SELEC 1"})j");
  EXPECT_EQ(r.status, "500");
  EXPECT_EQ(r.body, "error io: near \"SELEC\": syntax error\n");
  r = post(u + "/sql/default", R"j({"sql":"SELECT ?1","params":[{"tag":"integer","val":1},)j"
                               R"j({"tag":"integer","val":2}]})j");
  EXPECT_EQ(r.body, "error io: Wrong number of parameters passed to query. Got 2, needed 1\n");
  r = post(u + "/sql/default", R"j({"sql":"SELECT 1; SELECT 2"})j");
  EXPECT_EQ(r.body, "error io: execute runs one statement; found more after the first\n");
  // an argument of the wrong type never reaches the host: the SDK's
  // bindings refuse it in the guest
  r = post(u + "/sql/default", R"j({"sql":"SELECT ?1","params":[{"tag":"integer","val":"x"}]})j");
  EXPECT_EQ(r.status, "500");
  EXPECT_EQ(r.body.rfind("exception ", 0), 0u) << r.body;

  // and the server goes on serving
  EXPECT_EQ(ask(u + "/var/greeting").body, "hello\n");
  EXPECT_EQ(up.log().find("trap"), std::string::npos) << up.log();
}

// 16 requests at once, each incrementing one key 100 times: exactly 1,600.
void concurrent_increments(const std::vector<std::string>& urls, const std::string& key,
                           int64_t start) {
  std::vector<std::thread> clients;
  std::vector<std::string> answers(16);
  for (int i = 0; i < 16; ++i)
    clients.emplace_back([&, i] {
      answers[i] = post(urls[i % urls.size()] + "/incr/default/" + key + "?times=100").status;
    });
  for (auto& t : clients) t.join();
  for (int i = 0; i < 16; ++i) EXPECT_EQ(answers[i], "200") << i;
  EXPECT_EQ(post(urls[0] + "/incr/default/" + key + "?delta=0").body,
            std::to_string(start + 1600) + "\n");
}

// 16 requests at once, each making 20 compare-and-swap increments of a
// decimal value (retrying when another got in between): exactly 320.
void concurrent_swaps(const std::vector<std::string>& urls, const std::string& key) {
  std::vector<std::thread> clients;
  std::vector<HttpAnswer> answers(16);
  for (int i = 0; i < 16; ++i)
    clients.emplace_back(
        [&, i] { answers[i] = post(urls[i % urls.size()] + "/cas/default/" + key + "?times=20"); });
  for (auto& t : clients) t.join();
  for (int i = 0; i < 16; ++i) EXPECT_EQ(answers[i].status, "200") << answers[i].body;
  EXPECT_EQ(ask(urls[0] + "/kv/default/" + key).body, "320");
}

TEST_F(SpinInterfaces, IncrementAndCompareAndSwapAreAtomicOnSqlite) {
  std::string dir = app_dir("spin_if_atomic_sqlite");
  Up up(dir, up_flags(dir, false));
  ASSERT_FALSE(up.url().empty()) << up.log();
  concurrent_increments({up.url()}, "n", 0);
  concurrent_swaps({up.url()}, "c");
  // two processes on one SQLite file (the same app folder): still exact
  Up second(dir, up_flags(dir, false));
  ASSERT_FALSE(second.url().empty()) << second.log();
  concurrent_increments({up.url(), second.url()}, "n", 1600);
}

TEST_F(SpinInterfaces, IncrementAndCompareAndSwapAreAtomicOnRedisAcrossProcesses) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string config =
      "[key_value_store.default]\ntype = \"redis\"\nurl = \"" + redis.url() + "\"\n";
  std::string dir = app_dir("spin_if_atomic_redis", config);
  Up up(dir, up_flags(dir, true));
  ASSERT_FALSE(up.url().empty()) << up.log();
  concurrent_increments({up.url()}, "n", 0);
  EXPECT_EQ(redis.cli({"GET", "n"}).out, "1600\n");  // INCRBY's decimal text, as Spin
  concurrent_swaps({up.url()}, "c");
  // a second process on another app folder, sharing the Redis store
  std::string dir2 = app_dir("spin_if_atomic_redis_2", config);
  Up second(dir2, up_flags(dir2, true));
  ASSERT_FALSE(second.url().empty()) << second.log();
  concurrent_increments({up.url(), second.url()}, "n", 1600);
  concurrent_swaps({up.url(), second.url()}, "c2");
}

// A Redis store whose server is down answers other(...) with the reason;
// once the server is back the same requests succeed.
TEST_F(SpinInterfaces, ARedisStoreThatIsDownIsAnErrorThenRecovers) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string config =
      "[key_value_store.default]\ntype = \"redis\"\nurl = \"" + redis.url() + "\"\n";
  std::string dir = app_dir("spin_if_redis_down", config);
  Up up(dir, up_flags(dir, true));
  ASSERT_FALSE(up.url().empty()) << up.log();
  const std::string u = up.url();
  EXPECT_EQ(ask(u + "/kv/default/k", {"-X", "PUT", "--data-binary", "v"}).body, "ok\n");
  redis.stop();
  HttpAnswer r = ask(u + "/kv/default/k");
  EXPECT_EQ(r.status, "500");
  EXPECT_EQ(r.body.rfind("error other: ", 0), 0u) << r.body;
  EXPECT_EQ(post(u + "/incr/default/n").body.rfind("error other: ", 0), 0u);
  EXPECT_EQ(post(u + "/cas/default/c").body.rfind("error other: ", 0), 0u);
  ASSERT_TRUE(redis.start());
  EXPECT_EQ(ask(u + "/kv/default/k", {"-X", "PUT", "--data-binary", "back"}).body, "ok\n");
  EXPECT_EQ(ask(u + "/kv/default/k").body, "back");
  EXPECT_EQ(post(u + "/incr/default/n?delta=7").body, "7\n");
}

// fermyon:spin/redis@2.0.0: every command against a real redis-server, the
// allow-list, a type error, and a server that is down and then back.
TEST_F(SpinInterfaces, OutboundRedisThroughFermyonSpinRedis) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = app_dir("spin_if_redis", "", {redis.url()});
  Up up(dir, up_flags(dir, false));
  ASSERT_FALSE(up.url().empty()) << up.log();
  auto op = [&](const std::string& name, const std::string& key, const std::string& body = "",
                const std::string& address = "") {
    return post(up.url() + "/redis/" + name +
                    "?address=" + (address.empty() ? redis.url() : address) + "&key=" + key,
                body);
  };
  EXPECT_EQ(op("set", "greeting", "hello").body, "ok\n") << up.log();
  EXPECT_EQ(redis.cli({"GET", "greeting"}).out, "hello\n");
  EXPECT_EQ(op("get", "greeting").body, "hello");
  EXPECT_EQ(op("get", "absent").body, "none\n");
  EXPECT_EQ(op("incr", "n").body, "1\n");
  EXPECT_EQ(op("incr", "n").body, "2\n");
  EXPECT_EQ(op("sadd", "s", "x,y,z").body, "3\n");
  EXPECT_EQ(op("sadd", "s", "z,w").body, "1\n");
  EXPECT_EQ(op("srem", "s", "x").body, "1\n");
  EXPECT_EQ(op("smembers", "s").body, "w,y,z\n");
  EXPECT_EQ(op("sadd", "greeting", "x").body, "error type-error\n");  // a string, not a set
  EXPECT_EQ(op("del", "", "greeting,n,absent").body, "2\n");
  EXPECT_EQ(op("execute", "",
               R"j({"command":"MSET","args":[{"tag":"binary","val":"k"},)j"
               R"j({"tag":"int64","val":-5}]})j")
                .body,
            R"j([{"tag":"status","val":"OK"}])j");
  EXPECT_EQ(op("execute", "",
               R"j({"command":"MGET","args":[{"tag":"binary","val":"k"},)j"
               R"j({"tag":"binary","val":"absent"}]})j")
                .body,
            R"j([{"tag":"binary","val":"-5"},{"tag":"nil"}])j");
  EXPECT_EQ(op("execute", "", R"j({"command":"NOSUCHCOMMAND"})j").body.rfind("error other: ", 0),
            0u);
  // publish reaches a subscriber
  Background sub({"redis-cli", "-p", std::to_string(redis.port()), "SUBSCRIBE", "news"},
                 dir + "/sub.log");
  auto seen = [&](const std::string& what) {
    for (int i = 0; i < 200 && sub.log().find(what) == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return sub.log().find(what) != std::string::npos;
  };
  ASSERT_TRUE(seen("subscribe")) << sub.log();
  EXPECT_EQ(op("publish", "news", "extra").body, "ok\n");
  EXPECT_TRUE(seen("extra")) << sub.log();

  // addresses the component may not reach, or that are not Redis URLs
  RedisServer other;
  EXPECT_EQ(op("get", "k", "", other.url()).body, "error invalid-address\n");
  EXPECT_NE(
      up.log().find("connection to redis://127.0.0.1:" + std::to_string(other.port()) + " denied"),
      std::string::npos)
      << up.log();
  EXPECT_EQ(op("get", "k", "", "not-a-url").body, "error invalid-address\n");

  // a server that is down: other(reason) at open; then back
  redis.stop();
  HttpAnswer r = op("get", "k");
  EXPECT_EQ(r.status, "500");
  EXPECT_EQ(r.body.rfind("error other: ", 0), 0u) << r.body;
  ASSERT_TRUE(redis.start());
  EXPECT_EQ(op("set", "k", "again").body, "ok\n");
  EXPECT_EQ(op("get", "k").body, "again");
}

// fermyon:spin/mqtt@2.0.0: publishes at each QoS reach a subscriber of a
// real mosquitto; Spin's address rules; a broker that is down, then back.
TEST_F(SpinInterfaces, MqttPublishesReachASubscriberAtEachQos) {
  MqttBroker broker;
  ASSERT_TRUE(broker.ready());
  std::string allowed = "mqtt://127.0.0.1:" + std::to_string(broker.port());
  std::string dir = app_dir("spin_if_mqtt", "", {allowed});
  Up up(dir, up_flags(dir, false));
  ASSERT_FALSE(up.url().empty()) << up.log();
  auto publish = [&](const std::string& address, const std::string& qos, const std::string& body) {
    return post(up.url() + "/mqtt?address=" + address + "&topic=spin/news&qos=" + qos, body);
  };
  Subscriber sub(broker, "spin/#");
  EXPECT_EQ(publish(broker.address("a"), "0", "at most once").body, "ok\n") << up.log();
  EXPECT_EQ(publish(broker.address("b"), "1", "at least once").body, "ok\n");
  EXPECT_EQ(publish(broker.address("c"), "2", "exactly once").body, "ok\n");
  EXPECT_EQ(sub.received(3),
            "spin/news at most once\nspin/news at least once\nspin/news exactly once\n");

  // no client_id, or not an mqtt URL: invalid-address; another broker:
  // connection-failed, as Spin words it
  EXPECT_EQ(publish(allowed, "0", "x").body, "error invalid-address\n");
  EXPECT_EQ(publish("http://127.0.0.1:1?client_id=a", "0", "x").body, "error invalid-address\n");
  std::string elsewhere = "mqtt://127.0.0.1:1?client_id=a";
  EXPECT_EQ(publish(elsewhere, "0", "x").body,
            "error connection-failed: address " + elsewhere + " is not permitted\n");

  // the broker down: connection-failed; then back
  broker.stop();
  HttpAnswer r = publish(broker.address("d"), "1", "lost");
  EXPECT_EQ(r.status, "500");
  EXPECT_EQ(r.body.rfind("error connection-failed: ", 0), 0u) << r.body;
  ASSERT_TRUE(broker.start());
  Subscriber again(broker, "spin/#");
  EXPECT_EQ(publish(broker.address("e"), "1", "back").body, "ok\n") << up.log();
  EXPECT_EQ(again.received(1), "spin/news back\n");
}

// fermyon:spin/llm@2.0.0 is there so that components importing it run; a
// call answers runtime-error saying it is not supported here.
TEST_F(SpinInterfaces, LlmAnswersThatInferencingIsNotSupportedHere) {
  std::string dir = app_dir("spin_if_llm");
  Up up(dir, up_flags(dir, false));
  ASSERT_FALSE(up.url().empty()) << up.log();
  HttpAnswer r = ask(up.url() + "/llm/llama2-chat");
  EXPECT_EQ(r.status, "500");
  EXPECT_EQ(r.body,
            "error runtime-error: infer(\"llama2-chat\"): LLM inferencing is not supported here: "
            "spindle has no model runtime (Spin's `ai_models`)\n");
}

}  // namespace
}  // namespace spindle::test
