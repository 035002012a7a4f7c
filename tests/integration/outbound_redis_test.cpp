// Outbound Redis through the `outbound-redis` imports, driven through a real
// `spindle up` against a real redis-server: every function, permissions,
// errors as values, and a server restart in the middle.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "redis_server.h"
#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

std::string make_app(const std::string& name, const std::string& address,
                     const std::string& hosts_line = "") {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("host_redis"), dir + "/host_redis.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = "1"
name = "redis"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "redis"
source = "host_redis.wasm"
environment = { REDIS_ADDRESS = ")" + address +
                                           R"(" }
)" + hosts_line + R"(
[component.trigger]
route = "/..."
)";
  return dir;
}

std::string call(const Up& up, const std::string& path, const std::string& body = "") {
  std::vector<std::string> args = {up.url() + path};
  if (!body.empty()) args.insert(args.begin(), {"--data-binary", body});
  return curl(args).out;
}

std::string sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST(OutboundRedis, EveryFunctionAgainstARealServer) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = make_app("redis-all", redis.url());
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/set/greeting", "hello"), "ok");
  EXPECT_EQ(call(up, "/get/greeting"), "hello");
  EXPECT_EQ(redis.cli({"GET", "greeting"}).out, "hello\n");
  EXPECT_EQ(call(up, "/get/missing"), "");  // a missing key is an empty payload, as in Spin 1
  EXPECT_EQ(call(up, "/incr/counter"), "1");
  EXPECT_EQ(call(up, "/incr/counter"), "2");
  EXPECT_EQ(call(up, "/del/counter"), "1");
  EXPECT_EQ(call(up, "/del/counter"), "0");
  EXPECT_EQ(call(up, "/sadd/colours/red"), "1");
  EXPECT_EQ(call(up, "/sadd/colours/blue"), "1");
  EXPECT_EQ(call(up, "/sadd/colours/red"), "0");
  EXPECT_EQ(sorted_lines(call(up, "/smembers/colours")), "blue\nred\n");
  EXPECT_EQ(call(up, "/srem/colours/red"), "1");
  EXPECT_EQ(call(up, "/smembers/colours"), "blue\n");
  // execute: int64 and binary parameters; results flattened, OK dropped.
  EXPECT_EQ(call(up, "/execute/SET/n/41"), "");
  EXPECT_EQ(call(up, "/execute/INCRBY/n/1"), "int:42\n");
  EXPECT_EQ(call(up, "/execute/GET/n"), "bin:42\n");
  EXPECT_EQ(call(up, "/execute/RPUSH/list/a/b"), "int:2\n");
  EXPECT_EQ(call(up, "/execute/LRANGE/list/0/-1"), "bin:a\nbin:b\n");
  EXPECT_EQ(call(up, "/execute/TYPE/list"), "status:list\n");
  // A Redis error reply is an error for the guest.
  EXPECT_EQ(call(up, "/execute/INCR/list"), "error");
  EXPECT_NE(up.log().find("WRONGTYPE"), std::string::npos) << up.log();
}

TEST(OutboundRedis, PublishReachesASubscriber) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = make_app("redis-publish", redis.url());
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Background sub({"redis-cli", "-p", std::to_string(redis.port()), "SUBSCRIBE", "news"},
                 dir + "/sub.log");
  ASSERT_FALSE(sub.wait_for("news").empty() && sub.log().find("news") == std::string::npos);
  for (int i = 0; i < 50 && redis.cli({"PUBSUB", "NUMSUB", "news"}).out != "news\n1\n"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(call(up, "/publish/news", "extra extra"), "ok");
  EXPECT_EQ(sub.wait_for("extra"), " extra") << sub.log();
}

TEST(OutboundRedis, ServerRestartIsReconnectedAndDownTimeIsAnError) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = make_app("redis-restart", redis.url());
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/set/k", "before"), "ok");
  redis.stop();
  EXPECT_EQ(call(up, "/get/k"), "error");  // answered, not hung
  EXPECT_NE(up.log().find("outbound Redis: GET failed"), std::string::npos) << up.log();
  ASSERT_TRUE(redis.start());
  EXPECT_EQ(call(up, "/set/k", "after"), "ok");
  EXPECT_EQ(call(up, "/get/k"), "after");
}

TEST(OutboundRedis, V2PermissionsAreChecked) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = temp_dir("redis-v2");
  fs::copy_file(guest("host_redis"), dir + "/host_redis.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "redis-v2"

[[trigger.http]]
route = "/allowed/..."
component = "allowed"

[[trigger.http]]
route = "/denied/..."
component = "denied"

[component.allowed]
source = "host_redis.wasm"
environment = { REDIS_ADDRESS = ")" + redis.url() +
                                           R"(" }
allowed_outbound_hosts = ["redis://127.0.0.1:)" +
                                           std::to_string(redis.port()) + R"("]

[component.denied]
source = "host_redis.wasm"
environment = { REDIS_ADDRESS = ")" + redis.url() +
                                           R"(" }
)";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({"--data-binary", "x", up.url() + "/allowed/set/k"}).out, "ok");
  EXPECT_EQ(curl({"--data-binary", "y", up.url() + "/denied/set/k"}).out, "error");
  EXPECT_EQ(redis.cli({"GET", "k"}).out, "x\n");
  EXPECT_NE(up.log().find("allowed_outbound_hosts = [\"redis://127.0.0.1:" +
                          std::to_string(redis.port()) + "\"]"),
            std::string::npos)
      << up.log();
}

TEST(OutboundRedis, AnUnreachableServerIsAnErrorNotAHang) {
  std::string dir = make_app("redis-unreachable", "redis://127.0.0.1:1");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(call(up, "/get/k"), "error");
  EXPECT_EQ(call(up, "/incr/k"), "error");
}
