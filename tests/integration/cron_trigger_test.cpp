// The cron trigger end to end: a real `spindle up` running the hand-written
// C cron component (tests/guests/trigger_components/cron_component.c, the
// spin-trigger-cron plugin's world) on schedules: every second ≥ 9 times in
// 10 s, runs never overlapping, failures logged while the schedule goes on,
// bad expressions refused at start with their place, manifest v1, reloads,
// and one process serving HTTP, Redis and cron triggers together.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "redis_server.h"
#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

const fs::path kJco = fs::path(SPINDLE_COMPONENTS_DIR) / "node_modules/.bin/jco";

// Skips when the components could not be built (no npm tools).
bool have_components(std::string& why) {
  for (const char* name :
       {"cron_component", "cron_wrong_component", "redis_component", "http_component"}) {
    if (fs::exists(guest(name))) continue;
    why = fs::exists(kJco) ? guest(name) + " is missing though the npm packages are installed"
                           : std::string(
                                 "the npm packages in tests/components are not "
                                 "installed (run scripts/setup)");
    return false;
  }
  return true;
}

#define REQUIRE_COMPONENTS()               \
  do {                                     \
    std::string why;                       \
    if (!have_components(why)) {           \
      if (fs::exists(kJco)) FAIL() << why; \
      GTEST_SKIP() << why;                 \
    }                                      \
  } while (0)

// Waits (up to `seconds`) until `file` contains `text`.
bool file_contains(const std::string& file, const std::string& text, int seconds = 20) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (slurp(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// One run as the guest printed it: "run <ts> start <ms>" ... "run <ts> end <ms>".
struct GuestRun {
  long long timestamp = 0, start_ms = 0, end_ms = 0;
};

std::vector<GuestRun> runs(const std::string& stdout_log) {
  std::vector<GuestRun> out;
  std::istringstream in(slurp(stdout_log));
  std::string line;
  std::regex re(R"(run (\d+) (start|end) (\d+))");
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, re)) continue;
    long long ts = std::stoll(m[1]), ms = std::stoll(m[3]);
    if (m[2] == "start") {
      out.push_back({ts, ms, 0});
    } else {
      for (auto it = out.rbegin(); it != out.rend(); ++it)
        if (it->timestamp == ts && it->end_ms == 0) {
          it->end_ms = ms;
          break;
        }
    }
  }
  return out;
}

// An app folder with the cron component as `wasm_name` and `toml` as its spin.toml.
std::string app(const std::string& name, const std::string& toml) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("cron_component"), dir + "/cron.wasm", fs::copy_options::overwrite_existing);
  std::ofstream(dir + "/spin.toml") << toml;
  return dir;
}

std::vector<std::string> cache_env() {
  return {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE};
}

// A v2 cron app: `ticker` on `expression` with the given environment.
std::string cron_app(const std::string& name, const std::string& expression,
                     const std::string& environment) {
  return app(name, R"(spin_manifest_version = 2
[application]
name = "cron"

[[trigger.cron]]
component = "ticker"
cron_expression = ")" + expression +
                       R"("

[component.ticker]
source = "cron.wasm"
environment = { )" + environment +
                       R"( }
)");
}

}  // namespace

TEST(CronTrigger, EverySecondRunsAtLeastNineTimesInTenSecondsIntoTheComponentLog) {
  REQUIRE_COMPONENTS();
  std::string dir = cron_app("cron-every-second", "* * * * * *", "");
  Background up({SPINDLE_BIN, "up", "--from", dir}, dir + "/up.log", cache_env());
  EXPECT_EQ(
      up.wait_for("Cron trigger: component `ticker` runs on ").rfind("`* * * * * *` (next: ", 0),
      0u)
      << up.log();
  std::string out_log = dir + "/.spin/logs/ticker_stdout.txt";
  ASSERT_TRUE(file_contains(out_log, " end ")) << up.log();
  std::vector<GuestRun> first = runs(out_log);
  ASSERT_FALSE(first.empty());
  long long t0 = first.front().start_ms;
  std::this_thread::sleep_for(std::chrono::milliseconds(10500));
  std::vector<GuestRun> all = runs(out_log);
  size_t in_window = std::count_if(all.begin(), all.end(), [&](const GuestRun& r) {
    return r.start_ms >= t0 && r.start_ms < t0 + 10000;
  });
  EXPECT_GE(in_window, 9u) << slurp(out_log) << up.log();
  // One run per second, each given its own second as metadata.timestamp.
  for (size_t i = 1; i < all.size(); ++i)
    EXPECT_EQ(all[i].timestamp, all[i - 1].timestamp + 1) << slurp(out_log);
  // The request log has a line per run.
  EXPECT_GE(count(up.log(), " ticker ok "), 9u) << up.log();
}

TEST(CronTrigger, ARunStillGoingIsNotOverlappedAndTheSkipIsLogged) {
  REQUIRE_COMPONENTS();
  std::string dir = cron_app("cron-no-overlap", "* * * * * *", "CRON_SLEEP_MS = \"1500\"");
  Background up({SPINDLE_BIN, "up", "--from", dir}, dir + "/up.log", cache_env());
  std::string out_log = dir + "/.spin/logs/ticker_stdout.txt";
  ASSERT_TRUE(file_contains(out_log, " end ")) << up.log();
  std::this_thread::sleep_for(std::chrono::seconds(8));
  std::vector<GuestRun> all = runs(out_log);
  ASSERT_GE(all.size(), 3u) << slurp(out_log) << up.log();
  for (size_t i = 1; i < all.size(); ++i) {
    ASSERT_NE(all[i - 1].end_ms, 0) << slurp(out_log);
    EXPECT_GE(all[i].start_ms, all[i - 1].end_ms)
        << "run " << all[i].timestamp << " started before run " << all[i - 1].timestamp
        << " ended\n"
        << slurp(out_log);
    EXPECT_GE(all[i].end_ms - all[i].start_ms, 1500) << slurp(out_log);
  }
  EXPECT_GE(count(up.log(), "Cron trigger: component `ticker` missed its run at "), 2u) << up.log();
  EXPECT_NE(up.log().find(": its previous run is still going"), std::string::npos) << up.log();
}

TEST(CronTrigger, TrapsErrorsAndTimeoutsAreLoggedAndTheScheduleGoesOn) {
  REQUIRE_COMPONENTS();
  std::string dir = app("cron-failures", R"(spin_manifest_version = 2
[application]
name = "cron-failures"

[[trigger.cron]]
component = "trapper"
cron_expression = "* * * * * *"

[[trigger.cron]]
component = "failer"
cron_expression = "*/2 * * * * *"

[[trigger.cron]]
component = "sleeper"
cron_expression = "*/2 * * * * *"

[component.trapper]
source = "cron.wasm"
environment = { CRON_TRAP_EVEN = "1" }

[component.failer]
source = "cron.wasm"
environment = { CRON_FAIL = "1" }

[component.sleeper]
source = "cron.wasm"
environment = { CRON_SLEEP_MS = "3000" }
[component.sleeper.tool.spindle]
timeout = "500ms"
)");
  Background up({SPINDLE_BIN, "up", "--from", dir}, dir + "/up.log", cache_env());
  std::string trapper_log = dir + "/.spin/logs/trapper_stdout.txt";
  // Even seconds trap, odd ones run: both keep coming.
  for (int i = 0;
       i < 200 && (count(up.log(), "CRON ") < 12 || count(up.log(), " trapper ok ") < 2 ||
                   count(up.log(), " trapper failed ") < 2);
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::string log = up.log();
  EXPECT_GE(count(log, " trapper ok "), 2u) << log;
  EXPECT_GE(count(log, " trapper failed "), 2u) << log;
  EXPECT_NE(log.find("component `trapper` failed in its cron run at "), std::string::npos) << log;
  EXPECT_NE(log.find(": guest trapped in handle-cron-event: unreachable"), std::string::npos)
      << log;
  // A run after a trap ran (the schedule went on).
  size_t trap = log.find(" trapper failed ");
  EXPECT_NE(log.find(" trapper ok ", trap), std::string::npos) << log;
  EXPECT_GE(runs(trapper_log).size(), 3u) << slurp(trapper_log);
  // err(other(...)) is logged with its message.
  EXPECT_NE(log.find("component `failer` failed in its cron run at "), std::string::npos) << log;
  EXPECT_NE(log.find("handle-cron-event returned an error: failed on purpose"), std::string::npos)
      << log;
  // A run past the component's timeout is stopped and logged, and the next one starts.
  EXPECT_NE(log.find("component `sleeper` failed in its cron run at "), std::string::npos) << log;
  EXPECT_NE(log.find("wall-clock deadline exceeded"), std::string::npos) << log;
  EXPECT_GE(count(log, " sleeper failed "), 2u) << log;
}

TEST(CronTrigger, ABadExpressionIsAStartupErrorWithFileLineAndColumn) {
  REQUIRE_COMPONENTS();
  std::string dir = cron_app("cron-bad", "*/0 * * * * *", "");
  Result r = run_spindle({"up", "--from", dir});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(dir + "/spin.toml:7:19: error: invalid `cron_expression` `*/0 * * * * *`: "
                             "the 1st field (seconds) `*/0`: the step in `*/0` is zero"),
            std::string::npos)
      << r.err;
  // Five fields (a Unix crontab line): the seconds field comes first.
  dir = cron_app("cron-five", "*/5 * * * *", "");
  r = run_spindle({"up", "--from", dir});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(dir + "/spin.toml:7:19: error: invalid `cron_expression` `*/5 * * * *`: "
                             "expected 6 fields"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the seconds field comes first: `0 */5 * * * *`"), std::string::npos)
      << r.err;
  // A missing expression and an unknown field are manifest errors.
  dir = app("cron-missing", R"(spin_manifest_version = 2
[application]
name = "cron"

[[trigger.cron]]
component = "ticker"
cron_expresion = "* * * * * *"

[component.ticker]
source = "cron.wasm"
)");
  r = run_spindle({"up", "--from", dir});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("spin.toml:7:1: error: unknown field `cron_expresion` in [[trigger.cron]]"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("`cron_expression` is missing in [[trigger.cron]]"), std::string::npos)
      << r.err;
}

TEST(CronTrigger, AGuestThatCannotRunOnAScheduleIsRefusedAtStart) {
  REQUIRE_COMPONENTS();
  struct Case {
    std::string wasm, error;
  };
  std::vector<Case> cases = {
      {guest("redis_component"), "component `ticker` does not export `handle-cron-event`"},
      {guest("cron_wrong_component"),
       "component `ticker` cannot run on a schedule: `handle-cron-event` has another type "
       "(expected func(metadata: record { timestamp: u64 }) -> result<_, variant { "
       "other(string) }>)"},
      {guest("host_redis_trigger"),
       "component `ticker` is a core module; the cron trigger runs "
       "WebAssembly components"},
  };
  for (const Case& c : cases) {
    std::string dir = cron_app("cron-wrong-guest", "* * * * * *", "");
    fs::copy_file(c.wasm, dir + "/cron.wasm", fs::copy_options::overwrite_existing);
    Result r = run_spindle({"up", "--from", dir});
    EXPECT_NE(r.status, 0) << c.wasm;
    EXPECT_NE(r.err.find(c.error), std::string::npos) << c.wasm << "\n" << r.err;
  }
}

TEST(CronTrigger, ManifestV1CronApp) {
  REQUIRE_COMPONENTS();
  std::string dir = app("cron-v1", R"(spin_manifest_version = "1"
name = "v1-cron"
version = "0.1.0"
trigger = { type = "cron" }

[[component]]
id = "ticker"
source = "cron.wasm"
[component.trigger]
cron_expression = "* * * * * *"
)");
  Background up({SPINDLE_BIN, "up", "--from", dir}, dir + "/up.log", cache_env());
  EXPECT_TRUE(file_contains(dir + "/.spin/logs/ticker_stdout.txt", " end ")) << up.log();
}

TEST(CronTrigger, AReloadSwapsInTheNewSchedule) {
  REQUIRE_COMPONENTS();
  // First a schedule that does not fire for decades, then every second.
  std::string dir = cron_app("cron-reload", "0 0 0 1 1 * 2099", "");
  Background up({SPINDLE_BIN, "watch", "--from", dir, "--debounce", "50ms"}, dir + "/up.log",
                cache_env());
  ASSERT_EQ(up.wait_for("Cron trigger: component `ticker` runs on "),
            "`0 0 0 1 1 * 2099` (next: 2099-01-01T00:00:00Z)")
      << up.log();
  std::string out_log = dir + "/.spin/logs/ticker_stdout.txt";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(slurp(out_log), "");
  std::string toml = slurp(dir + "/spin.toml");
  toml.replace(toml.find("0 0 0 1 1 * 2099"), 16, "* * * * * *");
  std::ofstream(dir + "/spin.toml", std::ios::trunc) << toml;
  EXPECT_FALSE(up.wait_for("Reloaded ").empty()) << up.log();
  EXPECT_TRUE(file_contains(out_log, " end ")) << up.log();
}

TEST(CronTrigger, StopsPromptlyWhileWaitingForTheNextRun) {
  REQUIRE_COMPONENTS();
  if (run_process({"timeout", "5", "true"}).status != 0)
    GTEST_SKIP() << "coreutils' timeout is not available";
  // The scheduler is waiting (up to a minute at a time) for a run decades
  // away: SIGTERM after 2 s must end the process at once.
  std::string dir = cron_app("cron-stop", "0 0 0 1 1 * 2099", "");
  auto start = std::chrono::steady_clock::now();
  Result r =
      run_process({"timeout", "-s", "TERM", "2", SPINDLE_BIN, "up", "--from", dir}, cache_env());
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(r.out.find("Shutting down (signal 15)"), std::string::npos) << r.out << r.err;
  EXPECT_LT(took, std::chrono::milliseconds(4000)) << r.out << r.err;
}

TEST(CronTrigger, OneUpServesHttpRedisAndCronTriggers) {
  REQUIRE_COMPONENTS();
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = app("cron-http-redis", R"(spin_manifest_version = 2
[application]
name = "all-triggers"
[application.trigger.redis]
address = ")" + redis.url() + R"("

[[trigger.http]]
route = "/..."
component = "web"

[[trigger.redis]]
channel = "messages"
component = "listener"

[[trigger.cron]]
component = "ticker"
cron_expression = "* * * * * *"

[component.web]
source = "web.wasm"

[component.listener]
source = "listener.wasm"

[component.ticker]
source = "cron.wasm"
)");
  fs::copy_file(guest("http_component"), dir + "/web.wasm");
  fs::copy_file(guest("redis_component"), dir + "/listener.wasm");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(curl({up.url() + "/hello"}).out, "hello from C\n");
  ASSERT_FALSE(up.process().wait_for("Redis trigger: subscribed to ").empty()) << up.log();
  EXPECT_EQ(redis.cli({"PUBLISH", "messages", "to the component"}).out, "1\n");
  EXPECT_TRUE(file_contains(dir + "/.spin/logs/listener_stdout.txt", "got: to the component\n"))
      << up.log();
  EXPECT_TRUE(file_contains(dir + "/.spin/logs/ticker_stdout.txt", " end ")) << up.log();
  EXPECT_NE(up.log().find("Cron trigger: component `ticker` runs on `* * * * * *`"),
            std::string::npos)
      << up.log();
  EXPECT_EQ(curl({up.url() + "/hello"}).out, "hello from C\n");
}
