// The Redis trigger driving a WebAssembly component (Spin 2/3's
// `fermyon:spin/inbound-redis` export): the hand-written C component
// (tests/guests/trigger_components/redis_component.c) receives what is
// published on its channel, and its errors and traps are logged while the
// next message is handled.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "redis_server.h"
#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

const fs::path kJco = fs::path(SPINDLE_COMPONENTS_DIR) / "node_modules/.bin/jco";

bool file_contains(const std::string& file, const std::string& text) {
  for (int i = 0; i < 200; ++i) {
    if (slurp(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST(RedisComponent, ReceivesPublishedMessagesAndItsErrorsAreLogged) {
  if (!fs::exists(guest("redis_component"))) {
    if (fs::exists(kJco)) FAIL() << guest("redis_component") << " was not built";
    GTEST_SKIP() << "the npm packages in tests/components are not installed";
  }
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = temp_dir("redis-component");
  fs::copy_file(guest("redis_component"), dir + "/listener.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "redis-component"
[application.trigger.redis]
address = ")" + redis.url() + R"("

[[trigger.redis]]
channel = "jobs"
component = "listener"

[component.listener]
source = "listener.wasm"
)";
  Background up({SPINDLE_BIN, "up", "--from", dir}, dir + "/up.log",
                {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  ASSERT_EQ(up.wait_for("Redis trigger: subscribed to "), "jobs on " + redis.url()) << up.log();
  std::string out_log = dir + "/.spin/logs/listener_stdout.txt";
  EXPECT_EQ(redis.cli({"PUBLISH", "jobs", "first message"}).out, "1\n");
  EXPECT_TRUE(file_contains(out_log, "got: first message\n")) << up.log();
  EXPECT_FALSE(up.wait_for(" REDIS jobs listener ok ").empty()) << up.log();

  redis.cli({"PUBLISH", "jobs", "fail"});
  EXPECT_EQ(up.wait_for("component `listener` failed on a message from `jobs`: "),
            "fermyon:spin/inbound-redis#handle-message returned err(error)")
      << up.log();
  redis.cli({"PUBLISH", "jobs", "trap"});
  EXPECT_EQ(up.wait_for("guest trapped in fermyon:spin/inbound-redis#handle-message: ")
                .rfind("unreachable", 0),
            0u)
      << up.log();
  redis.cli({"PUBLISH", "jobs", "after the trap"});
  EXPECT_TRUE(file_contains(out_log, "got: after the trap\n")) << slurp(out_log) << up.log();
  EXPECT_NE(up.log().find(" REDIS jobs listener failed "), std::string::npos) << up.log();
}

TEST(RedisComponent, AComponentWithoutTheExportIsRefused) {
  if (!fs::exists(guest("cron_component"))) GTEST_SKIP() << "the components were not built";
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = temp_dir("redis-component-wrong");
  fs::copy_file(guest("cron_component"), dir + "/listener.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "redis-component"
[[trigger.redis]]
address = ")" + redis.url() + R"("
channel = "jobs"
component = "listener"
[component.listener]
source = "listener.wasm"
)";
  Result r = run_spindle({"up", "--from", dir});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("component `listener` cannot handle Redis messages: it does not export "
                       "`fermyon:spin/inbound-redis` (its exports: handle-cron-event)"),
            std::string::npos)
      << r.err;
}
