// How `spindle up` stops and what it serves, as an orchestrator sees it:
// a graceful stop on SIGTERM (--shutdown-delay, requests in flight finish),
// selective deployment (-c/--component-id, as Spin) and JSON log lines
// (--log-format json).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "../../examples/site/likes/src/json_reader.hpp"
#include "serve.h"
#include "site_app.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// sdk_faults at "/faults/..." (its /faults/nap answers after 1.5 s) and
// sdk_c_hello at "/hello".
std::string make_app(const std::string& name) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("sdk_faults"), dir + "/faults.wasm");
  fs::copy_file(guest("sdk_c_hello"), dir + "/hello.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "stops"
[[trigger.http]]
route = "/faults/..."
component = "faults"
[[trigger.http]]
route = "/hello"
component = "hello"
[component.faults]
source = "faults.wasm"
[component.hello]
source = "hello.wasm"
)";
  return dir;
}

}  // namespace

TEST(Shutdown, SigtermAnswers503OnHealthForTheDelayThenFinishesRequestsInFlight) {
  std::string dir = make_app("stop-drain");
  Up up(dir, {"--shutdown-delay", "1500ms"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string health = up.url() + "/.well-known/spin/health";
  ASSERT_EQ(http_code({health}), "200");
  // A request in flight when SIGTERM comes.
  Result nap;
  std::thread slow([&] { nap = curl({"-i", up.url() + "/faults/nap"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto signalled = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(up.process().pid(), SIGTERM), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // During the delay: health says 503 (load balancers move away), requests
  // are still served.
  EXPECT_EQ(http_code({health}), "503");
  EXPECT_EQ(http_code({up.url() + "/hello"}), "200");
  slow.join();
  EXPECT_NE(nap.out.find("200"), std::string::npos) << nap.out << nap.err;
  EXPECT_NE(nap.out.find("rested"), std::string::npos) << nap.out;
  // After the delay nothing new is taken, and the process ends cleanly.
  int status = const_cast<Background&>(up.process()).wait_exit(std::chrono::seconds(10));
  auto took = std::chrono::steady_clock::now() - signalled;
  EXPECT_EQ(status, 0) << up.log();
  EXPECT_GE(took, std::chrono::milliseconds(1500));
  EXPECT_EQ(http_code({"--max-time", "2", up.url() + "/hello"}), "000");
  std::string log = up.log();
  EXPECT_NE(log.find("Shutting down (signal 15)"), std::string::npos) << log;
  EXPECT_NE(log.find("Stopped"), std::string::npos) << log;
}

TEST(Shutdown, ASecondSignalStopsAtOnce) {
  std::string dir = make_app("stop-twice");
  Up up(dir, {"--shutdown-delay", "30s"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  auto start = std::chrono::steady_clock::now();
  kill(up.process().pid(), SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(up.process().pid(), SIGINT);
  int status = const_cast<Background&>(up.process()).wait_exit(std::chrono::seconds(10));
  EXPECT_EQ(status, 0) << up.log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Up, ComponentIdServesOnlyTheNamedComponentsAsSpinDoes) {
  std::string dir = make_app("component-id");
  {
    Up up(dir, {"--component-id", "hello"});
    ASSERT_FALSE(up.url().empty()) << up.log();
    EXPECT_EQ(http_code({up.url() + "/hello"}), "200");
    EXPECT_EQ(http_code({up.url() + "/faults/nap"}), "404");
  }
  {
    Up up(dir, {"-c", "faults", "-c", "hello"});
    ASSERT_FALSE(up.url().empty()) << up.log();
    EXPECT_EQ(http_code({up.url() + "/hello"}), "200");
    EXPECT_EQ(http_code({up.url() + "/faults/abort"}), "500");
  }
  Result r = run_spindle({"up", "--from", dir, "--listen", "127.0.0.1:0", "-c", "nope"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("Specified component \"nope\" not found in application"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("`faults`"), std::string::npos) << r.err;  // what there is
}

TEST(Up, LogFormatJsonWritesOneObjectPerLine) {
  std::string dir = make_app("json-log");
  Up up(dir, {"--log-format", "json"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(http_code({up.url() + "/hello"}), "200");
  EXPECT_EQ(http_code({up.url() + "/faults/trap"}), "500");
  EXPECT_EQ(http_code({up.url() + "/missing"}), "404");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int requests = 0, errors = 0;
  std::istringstream in(up.log());
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;  // the start-up banner
    likes::json::Reader reader(line);
    auto obj = reader.read_object();
    ASSERT_TRUE(obj) << "not a JSON object: " << line;
    ASSERT_TRUE(obj->string("time")) << line;
    std::string level = obj->string("level").value_or("");
    if (auto path = obj->string("path")) {
      ++requests;
      std::string component = obj->string("component").value_or("");
      int64_t status = obj->integer("status").value_or(0);
      if (*path == "/hello") {
        EXPECT_TRUE(component == "hello" && status == 200) << line;
      } else if (*path == "/faults/trap") {
        EXPECT_TRUE(component == "faults" && status == 500) << line;
      } else {
        EXPECT_EQ(status, 404) << line;
      }
    } else if (level == "error") {
      ++errors;
      EXPECT_NE(obj->string("message").value_or("").find("faults"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(requests, 3) << up.log();
  EXPECT_GE(errors, 1) << up.log();  // the trap, with its reason
}
