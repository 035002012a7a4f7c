// Guests cannot stall the server: each request runs under a
// deadline and a memory limit (defaults, the manifest's `tool.spindle`
// tables), a process-wide memory budget caps what all instances hold, a
// full queue is shed with 503, and every failure kind has its own message.
// Also the staged-files defects: `files = ["."]`-style mounts across
// restarts, one staged folder per component shared by its triggers, WAGI's
// files folder opened once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"
#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string wagi_app(const std::string& name, const std::string& extra_toml,
                     const std::string& component_tool = "") {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("up_wagi"), dir + "/up_wagi.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "limits"
)" << extra_toml << R"(
[[trigger.http]]
route = "/cgi/..."
component = "cgi"
executor = { type = "wagi" }

[[trigger.http]]
route = "/hello/..."
component = "hello"
executor = { type = "wagi" }

[component.cgi]
source = "up_wagi.wasm"
)" << component_tool << R"(
[component.hello]
source = "up_wagi.wasm"
)";
  return dir;
}

// Resident memory of a process, in bytes (0 when it cannot be read).
uint64_t rss_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

// With a cold compile cache the interpreter serves first: wait for the
// native code, whose speed the deadlines below assume.
void wait_for_native(const Up& up) {
  if (up.log().find("from the interpreter while native code compiles") != std::string::npos) {
    ASSERT_FALSE(up.process().wait_for("Switched to native code").empty()) << up.log();
  }
}

// The WAGI guest at "/..." with the folder `source` mounted at "/".
std::string files_app(const std::string& name, const std::string& source) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("up_wagi"), dir + "/up_wagi.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "files"
[[trigger.http]]
route = "/..."
component = "cgi"
executor = { type = "wagi" }
[component.cgi]
source = "up_wagi.wasm"
files = [{ source = ")" << source << R"(", destination = "/" }]
)";
  return dir;
}

}  // namespace

TEST(Limits, LoopsAndMemoryBombsDoNotStallOtherRequests) {
  // 5 s: long enough for eight bombs to fill their memory on a loaded
  // machine (page faults are slow on these VMs: ~0.2 s per bomb alone).
  std::string dir = wagi_app("limits-stall", R"([application.tool.spindle]
timeout = "5s"
max_memory = "64MiB"
)");
  const uint64_t budget = uint64_t{256} << 20;
  Up up(dir, {"--memory-budget", "256MiB", "-q"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  wait_for_native(up);
  uint64_t rss_before = rss_of(up.process().pid());

  std::vector<std::thread> bad;
  std::vector<std::string> loop_codes(8), bomb_codes(8), bomb_bodies(8);
  std::vector<double> loop_seconds(8);
  for (int i = 0; i < 8; ++i) {
    bad.emplace_back([&, i] {
      auto t0 = Clock::now();
      loop_codes[i] = http_code({up.url() + "/cgi?loop"});
      loop_seconds[i] = std::chrono::duration<double>(Clock::now() - t0).count();
    });
    bad.emplace_back([&, i] {
      Result r = curl({"-w", "\n%{http_code}", up.url() + "/cgi?bomb"});
      auto nl = r.out.rfind('\n');
      bomb_codes[i] = nl == std::string::npos ? r.out : r.out.substr(nl + 1);
      bomb_bodies[i] = r.out.substr(0, nl == std::string::npos ? 0 : nl);
    });
  }
  std::atomic<bool> done{false};
  uint64_t peak = 0;
  std::thread sampler([&] {
    while (!done) {
      peak = std::max(peak, rss_of(up.process().pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the bad ones are in
  int slow = 0, failed = 0;
  double worst = 0;
  for (int i = 0; i < 200; ++i) {
    auto t0 = Clock::now();
    Result r = curl({"-w", " %{http_code}", "--max-time", "5", up.url() + "/hello/x"});
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    worst = std::max(worst, s);
    if (s > 1.0) ++slow;
    if (r.out.find("PATH_INFO=/x") == std::string::npos || r.out.substr(r.out.size() - 3) != "200")
      ++failed;
  }
  for (auto& t : bad) t.join();
  done = true;
  sampler.join();
  EXPECT_EQ(failed, 0) << up.log();
  EXPECT_EQ(slow, 0) << "slowest /hello took " << worst << " s";
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(loop_codes[i], "504");
    EXPECT_GT(loop_seconds[i], 4.5);  // answered at the 5 s deadline, not before
    EXPECT_LT(loop_seconds[i], 12.0);
    // Each bomb saw malloc fail (per-instance limit or the shared budget)
    // and answered on its own.
    EXPECT_EQ(bomb_codes[i], "507") << bomb_bodies[i];
    EXPECT_NE(bomb_bodies[i].find("out of memory after"), std::string::npos) << bomb_bodies[i];
  }
  // What the instances held together stayed within the budget. The process
  // also grew by what is not instance memory: the workers the pool added
  // for the 16 stalled guests (their stacks) and 17 connections' buffers;
  // 16 MiB covers them.
  const uint64_t overhead = uint64_t{16} << 20;
  EXPECT_LT(peak, rss_before + budget + overhead) << "peak RSS " << (peak >> 20) << " MiB";
  EXPECT_EQ(http_code({up.url() + "/.well-known/spin/health"}), "200");
}

TEST(Limits, ComponentSettingsOverrideTheAppsAndFailuresSayWhatHappened) {
  std::string dir = wagi_app("limits-kinds", R"([application.tool.spindle]
timeout = "5s"
)",
                             R"([component.cgi.tool.spindle]
timeout = "700ms"
max_memory = "32MiB"
)");
  Up up(dir, {"-q"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  wait_for_native(up);
  Result loop = curl({"-w", "\n%{http_code}", up.url() + "/cgi?loop"});
  EXPECT_NE(loop.out.find("did not answer within 700 ms\n\n504"), std::string::npos) << loop.out;
  Result bomb = curl({"-w", "\n%{http_code}", up.url() + "/cgi?bomb"});
  // 32 MiB in all: the guest got less than that before malloc failed.
  ASSERT_NE(bomb.out.find("out of memory after "), std::string::npos) << bomb.out;
  EXPECT_LT(std::stoi(bomb.out.substr(bomb.out.find("after ") + 6)), 32) << bomb.out;
  Result trap = curl({"-w", "\n%{http_code}", up.url() + "/cgi?trap"});
  EXPECT_NE(trap.out.find("trapped: unreachable"), std::string::npos) << trap.out;
  EXPECT_NE(trap.out.find("\n500"), std::string::npos) << trap.out;
  Result bomb_trap = curl({"-w", "\n%{http_code}", up.url() + "/cgi?bomb-trap"});
  EXPECT_NE(bomb_trap.out.find("ran out of memory (limit 32 MiB)\n\n500"), std::string::npos)
      << bomb_trap.out;
  Result stack = curl({"-w", "\n%{http_code}", up.url() + "/cgi?stack"});
  EXPECT_NE(stack.out.find("overflowed its stack\n\n500"), std::string::npos) << stack.out;
  std::string log = up.log();
  EXPECT_NE(log.find("deadline exceeded (timeout)"), std::string::npos) << log;
  EXPECT_NE(log.find("memory limit reached: memory.grow"), std::string::npos) << log;
  EXPECT_NE(log.find("stack overflow: the guest's stack in linear memory"), std::string::npos)
      << log;
  // The other component keeps the app's limits and still serves.
  EXPECT_EQ(http_code({up.url() + "/hello/"}), "200");
}

TEST(Limits, AFullQueueIsShedWith503AndRetryAfter) {
  std::string dir = wagi_app("limits-shed", R"([application.tool.spindle]
timeout = "2s"
)");
  Up up(dir, {"--workers", "1", "--max-queued", "1"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::vector<std::thread> loops;
  std::vector<std::string> codes(2);
  for (int i = 0; i < 2; ++i) {  // one runs on the only worker, one waits in the queue
    loops.emplace_back([&, i] { codes[i] = http_code({up.url() + "/cgi?loop"}); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  Result shed;
  for (int i = 0; i < 20 && shed.out.find("HTTP/1.1 503") == std::string::npos; ++i) {
    shed = curl({"-i", up.url() + "/hello/"});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(shed.out.find("HTTP/1.1 503"), std::string::npos) << shed.out;
  EXPECT_NE(shed.out.find("retry-after: 1\r\n"), std::string::npos) << shed.out;
  // Health needs no worker.
  EXPECT_EQ(http_code({"--max-time", "1", up.url() + "/.well-known/spin/health"}), "200");
  for (auto& t : loops) t.join();
  EXPECT_EQ(codes[0], "504");
  EXPECT_EQ(codes[1], "504");
  EXPECT_EQ(http_code({up.url() + "/hello/"}), "200");
  EXPECT_NE(up.log().find("shed with 503"), std::string::npos) << up.log();
}

TEST(Limits, AGuestRunOnAnIOThreadDoesNotHoldTheConnectionsSharingIt) {
  // The loop runs on the I/O thread its connection came in on (no worker
  // hand-off while a worker's place is free), holding it until the 3 s
  // deadline. Half the new connections go to that thread; each must still
  // be answered at once, its thread's other work taken over by a helper.
  std::string dir = wagi_app("limits-io-thread", R"([application.tool.spindle]
timeout = "3s"
)");
  Up up(dir, {"--workers", "2", "-q"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  wait_for_native(up);
  std::string loop_code;
  std::thread loop([&] { loop_code = http_code({up.url() + "/cgi?loop"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the loop is running
  double worst = 0;
  int failed = 0;
  for (int i = 0; i < 20; ++i) {
    auto t0 = Clock::now();
    Result r = curl({"-w", " %{http_code}", "--max-time", "5", up.url() + "/hello/x"});
    worst = std::max(worst, std::chrono::duration<double>(Clock::now() - t0).count());
    if (r.out.find("PATH_INFO=/x") == std::string::npos || r.out.substr(r.out.size() - 3) != "200")
      ++failed;
  }
  loop.join();
  EXPECT_EQ(failed, 0) << up.log();
  EXPECT_LT(worst, 1.0) << "slowest /hello took " << worst << " s";
  EXPECT_EQ(loop_code, "504");
}

TEST(Limits, ManifestLimitErrorsArePlaced) {
  std::string dir = wagi_app("limits-bad", R"([application.tool.spindle]
timeout = "soon"
)");
  Result r = run_spindle({"up", "-f", dir, "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("spin.toml:5:11: error: invalid `timeout` `soon`"), std::string::npos)
      << r.err;
}

TEST(Files, AMountOfTheWholeAppFolderSurvivesARestart) {
  std::string dir = files_app("files-dot", ".");
  std::ofstream(dir + "/index.html") << "<h1>dot</h1>\n";
  for (int round = 0; round < 2; ++round) {
    Up up(dir);
    ASSERT_FALSE(up.url().empty()) << "start " << round + 1 << ": " << up.log();
    Result r = curl({up.url() + "/"});
    EXPECT_NE(r.out.find("file=<h1>dot</h1>"), std::string::npos) << r.out << up.log();
  }
}

TEST(Files, HttpAndRedisTriggersOfOneComponentShareItsFiles) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = temp_dir("files-shared");
  fs::copy_file(guest("sdk_cap_both"), dir + "/both.wasm");
  std::ofstream(dir + "/data.txt") << "shared";
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "shared"
[application.trigger.redis]
address = ")" << redis.url() << R"("
[[trigger.http]]
route = "/..."
component = "both"
[[trigger.redis]]
channel = "messages"
component = "both"
[component.both]
source = "both.wasm"
files = ["data.txt"]
key_value_stores = ["default"]
)";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/"}).out, "http ok; messages: ; file: shared") << up.log();
}

TEST(Files, WagiOpensItsFilesFolderOnceNotPerRequest) {
  std::string dir = files_app("files-wagi-once", "public");
  fs::create_directories(dir + "/public");
  std::ofstream(dir + "/public/index.html") << "first\n";
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_NE(curl({up.url() + "/"}).out.find("file=first"), std::string::npos);
  // Swap the staged folder for another one: a server that opened the folder
  // at start keeps serving what it opened; one that opened it per request
  // would now see the new folder.
  fs::path staged = fs::path(dir) / ".spin/files/cgi";
  fs::rename(staged, staged.string() + ".moved");
  fs::create_directories(staged);
  std::ofstream(staged / "index.html") << "second\n";
  Result r = curl({up.url() + "/"});
  EXPECT_NE(r.out.find("file=first"), std::string::npos) << r.out;
}
