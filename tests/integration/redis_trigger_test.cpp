// The Redis trigger end to end: a real redis-server, a real `spindle up`
// subscribed to its channels, messages published with redis-cli, each
// handled by a fresh instance; failures logged; a redis-server restart
// reconnected to; one app serving HTTP and Redis triggers together.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "redis_server.h"
#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// Waits (up to 20 s) until `file` contains `text`.
bool file_contains(const std::string& file, const std::string& text) {
  for (int i = 0; i < 200; ++i) {
    if (slurp(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// A v2 app: component `listener` on channel `messages` and HTTP route /...
std::string mixed_app(const std::string& name, const RedisServer& redis) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("host_redis_trigger"), dir + "/listener.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "mixed"
[application.trigger.redis]
address = ")" + redis.url() + R"("

[[trigger.http]]
route = "/..."
component = "listener"

[[trigger.redis]]
channel = "messages"
component = "listener"

[component.listener]
source = "listener.wasm"
environment = { REDIS_ADDRESS = ")" + redis.url() +
                                           R"(" }
allowed_outbound_hosts = ["redis://127.0.0.1:)" +
                                           std::to_string(redis.port()) + R"("]
)";
  return dir;
}

}  // namespace

TEST(RedisTrigger, OneAppServesHttpAndRedisMessages) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = mixed_app("trigger-mixed", redis);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  ASSERT_EQ(up.process().wait_for("Redis trigger: subscribed to "), "messages on " + redis.url())
      << up.log();
  EXPECT_EQ(curl({up.url() + "/"}).out, "http ok");
  EXPECT_EQ(redis.cli({"PUBLISH", "messages", "hello"}).out, "1\n");
  std::string out_log = dir + "/.spin/logs/listener_stdout.txt";
  EXPECT_TRUE(file_contains(out_log, "got: hello\n")) << slurp(out_log) << up.log();
  // Host capabilities work from a message handler too.
  redis.cli({"PUBLISH", "messages", "store:from-trigger"});
  for (int i = 0; i < 100 && redis.cli({"GET", "last"}).out != "from-trigger\n"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(redis.cli({"GET", "last"}).out, "from-trigger\n");
  EXPECT_NE(up.log().find(" REDIS messages listener ok "), std::string::npos) << up.log();
}

TEST(RedisTrigger, FailuresAreLoggedAndTheNextMessageIsHandled) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = mixed_app("trigger-failures", redis);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  ASSERT_FALSE(up.process().wait_for("Redis trigger: subscribed to ").empty()) << up.log();
  redis.cli({"PUBLISH", "messages", "fail"});
  EXPECT_FALSE(up.process().wait_for("failed on a message from `messages`: ").empty());
  redis.cli({"PUBLISH", "messages", "trap"});
  EXPECT_FALSE(up.process().wait_for("handle-redis-message trapped").empty()) << up.log();
  redis.cli({"PUBLISH", "messages", "go-style"});
  redis.cli({"PUBLISH", "messages", "after"});
  std::string out_log = dir + "/.spin/logs/listener_stdout.txt";
  EXPECT_TRUE(file_contains(out_log, "got: after\n")) << slurp(out_log);
  // err(success), the Go SDK's way of saying ok, is not a failure.
  std::string log = up.log();
  EXPECT_EQ(log.find("failed", log.find("got: go-style")), std::string::npos) << log;
  EXPECT_EQ(curl({up.url() + "/"}).out, "http ok");
}

TEST(RedisTrigger, LoopingHandlersDoNotHoldUpTheNextMessage) {
  // Messages run on the process's elastic worker pool: with a looping
  // handler on every core, the pool adds a worker and the next message is
  // handled at once, not when a loop reaches its deadline.
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = mixed_app("trigger-loops", redis);
  std::ofstream(dir + "/spin.toml", std::ios::app) << "[component.listener.tool.spindle]\n"
                                                      "timeout = \"5s\"\n";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  ASSERT_FALSE(up.process().wait_for("Redis trigger: subscribed to ").empty()) << up.log();
  unsigned loops = std::max(2u, std::thread::hardware_concurrency()) + 1;
  for (unsigned i = 0; i < loops; ++i) redis.cli({"PUBLISH", "messages", "loop"});
  std::string out_log = dir + "/.spin/logs/listener_stdout.txt";
  for (int i = 0; i < 100 && slurp(out_log).find("got: loop") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto sent = std::chrono::steady_clock::now();
  redis.cli({"PUBLISH", "messages", "after"});
  EXPECT_TRUE(file_contains(out_log, "got: after\n")) << slurp(out_log) << up.log();
  EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(3)) << up.log();
  EXPECT_EQ(curl({up.url() + "/"}).out, "http ok");
}

TEST(RedisTrigger, ReconnectsAfterTheServerRestarts) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = mixed_app("trigger-restart", redis);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  ASSERT_FALSE(up.process().wait_for("Redis trigger: subscribed to ").empty()) << up.log();
  redis.stop();
  EXPECT_FALSE(up.process().wait_for("Redis trigger: connection to ").empty()) << up.log();
  ASSERT_TRUE(redis.start());
  // Subscribed again: PUBSUB NUMSUB shows one subscriber.
  std::string numsub;
  for (int i = 0; i < 200 && numsub != "messages\n1\n"; ++i) {
    numsub = redis.cli({"PUBSUB", "NUMSUB", "messages"}).out;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(numsub, "messages\n1\n") << up.log();
  redis.cli({"PUBLISH", "messages", "after-restart"});
  EXPECT_TRUE(file_contains(dir + "/.spin/logs/listener_stdout.txt", "got: after-restart\n"))
      << up.log();
}

TEST(RedisTrigger, ManifestV1RedisApp) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = temp_dir("trigger-v1");
  fs::copy_file(guest("host_redis_trigger"), dir + "/listener.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = "1"
name = "v1-redis"
version = "0.1.0"
trigger = { type = "redis", address = ")" + redis.url() +
                                           R"(" }

[[component]]
id = "listener"
source = "listener.wasm"
[component.trigger]
channel = "jobs"
)";
  Background up({SPINDLE_BIN, "up", "--from", dir}, dir + "/up.log",
                {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  ASSERT_EQ(up.wait_for("Redis trigger: subscribed to "), "jobs on " + redis.url()) << up.log();
  EXPECT_NE(up.log().find("component `listener` handles messages on `jobs`"), std::string::npos);
  redis.cli({"PUBLISH", "jobs", "v1 works"});
  EXPECT_TRUE(file_contains(dir + "/.spin/logs/listener_stdout.txt", "got: v1 works\n"))
      << up.log();
}
