// `spindle up` end to end: a real server on a free loopback port, real HTTP
// requests with curl.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "process.h"

using namespace spindle::test;
namespace fs = std::filesystem;

extern char** environ;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A running `spindle up`; stopped with SIGTERM on destruction.
class Up {
 public:
  Up(const std::string& app_dir, std::vector<std::string> extra = {}) : log_(app_dir + "/up.log") {
    std::vector<std::string> argv = {SPINDLE_BIN, "up",       "--from",
                                     app_dir,     "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::string cache = std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE;
    std::vector<char*> env = {cache.data()};
    for (char** e = environ; *e; ++e) env.push_back(*e);
    env.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 300 && url_.empty(); ++i) {
      std::string text = slurp(log_);
      auto pos = text.find("Serving http://");
      if (pos != std::string::npos) {
        auto end = text.find('\n', pos);
        if (end != std::string::npos) url_ = text.substr(pos + 8, end - pos - 8);
      }
      if (url_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~Up() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      waitpid(pid_, &status, 0);
    }
  }
  const std::string& url() const { return url_; }
  std::string log() const { return slurp(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  std::string url_;
};

Result curl(std::vector<std::string> args) {
  std::vector<std::string> argv = {"curl", "-s", "-S", "--max-time", "20"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

std::string make_app(const std::string& name, const std::string& manifest) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("up_wagi"), dir + "/up_wagi.wasm");
  fs::create_directories(dir + "/public");
  std::ofstream(dir + "/public/index.html") << "<h1>home</h1>\n";
  std::ofstream(dir + "/spin.toml") << manifest;
  return dir;
}

const char* kManifest = R"(spin_manifest_version = "1"
name = "up-test"
version = "1.2.3"
trigger = { type = "http", base = "/" }

[[component]]
id = "cgi"
source = "up_wagi.wasm"
files = [{ source = "public/", destination = "/" }]
environment = { GREETING = "hi" }
[component.trigger]
route = "/cgi/..."
executor = { type = "wagi" }
)";

TEST(Up, ServesAWagiComponentWithItsFilesAndEnvironment) {
  std::string dir = make_app("up-wagi", kManifest);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_NE(up.log().find("cgi: " + up.url() + "/cgi (wildcard)"), std::string::npos) << up.log();
  Result r = curl({"-d", "payload", up.url() + "/cgi/a/b?x=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("REQUEST_METHOD=POST\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PATH_INFO=/a/b\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("X_MATCHED_ROUTE=/cgi/...\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("QUERY_STRING=x=1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GREETING=hi\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stdin=payload\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("file=<h1>home</h1>"), std::string::npos) << r.out;
  // Component stderr goes to its log file; each request gets a log line.
  std::string err_log = slurp(dir + "/.spin/logs/cgi_stderr.txt");
  EXPECT_NE(err_log.find("served /a/b"), std::string::npos) << err_log;
  EXPECT_NE(up.log().find(" POST /cgi/a/b cgi 200 "), std::string::npos) << up.log();
}

const char* kTwoComponents = R"(spin_manifest_version = "1"
name = "two"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "echo"
source = "spin_echo.wasm"
[component.trigger]
route = "/..."

[[component]]
id = "cgi"
source = "up_wagi.wasm"
[component.trigger]
route = "/cgi/..."
executor = { type = "wagi" }
)";

TEST(Up, ServesASpinAbiAndAWagiComponentFromOneManifest) {
  std::string dir = make_app("up-two", kTwoComponents);
  fs::copy_file(guest("spin_echo"), dir + "/spin_echo.wasm");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  // The Spin component echoes the request headers, spin-* included.
  Result r = curl({"-i", "-H", "X-Test: 1", "-d", "body!", up.url() + "/some/where?q=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string port = up.url().substr(up.url().rfind(':') + 1);
  for (const std::string& want : std::vector<std::string>{"HTTP/1.1 200", "x-uri: /some/where?q=1", "x-method: post", "x-test: 1",
        "spin-path-info: /some/where", "spin-matched-route: /...", "spin-base-path: /",
        "spin-raw-component-route: /...", "spin-component-route: /",
        "spin-full-url: http://127.0.0.1:" + port + "/some/where?q=1",
        "spin-client-addr: 127.0.0.1:"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("\r\n\r\nbody!"), std::string::npos) << r.out;
  // The longer wildcard goes to the WAGI component.
  r = curl({up.url() + "/cgi/x"});
  EXPECT_NE(r.out.find("PATH_INFO=/x\n"), std::string::npos) << r.out;
  r = curl({"-o", "/dev/null", "-w", "%{http_code}", up.url() + "/trap"});
  EXPECT_EQ(r.out, "500");
  r = curl({"-o", "/dev/null", "-w", "%{http_code}", "-X", "TRACE", up.url() + "/x"});
  EXPECT_EQ(r.out, "405");
  r = curl({"-o", "/dev/null", "-w", "%{http_code}", up.url() + "/status/99"});
  EXPECT_EQ(r.out, "500");
  r = curl({"-o", "/dev/null", "-w", "%{http_code}", up.url() + "/status/204"});
  EXPECT_EQ(r.out, "204");
}

TEST(Up, HealthInfoAndNotFound) {
  std::string dir = make_app("up-health", kManifest);
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({up.url() + "/.well-known/spin/health"});
  EXPECT_EQ(r.out, "OK");
  r = curl({up.url() + "/.well-known/spin/info"});
  EXPECT_NE(r.out.find("\"name\":\"up-test\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"version\":\"1.2.3\""), std::string::npos) << r.out;
  r = curl({"-o", "/dev/null", "-w", "%{http_code}", up.url() + "/elsewhere"});
  EXPECT_EQ(r.out, "404");
}

TEST(Up, ATrappingGuestGets500AndTheNextRequestIsServed) {
  std::string dir = make_app("up-trap", kManifest);
  Up up(dir, {"--timeout", "500ms"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"-o", "/dev/null", "-w", "%{http_code}", up.url() + "/cgi/x?trap"});
  EXPECT_EQ(r.out, "500");
  r = curl({"-o", "/dev/null", "-w", "%{http_code}", up.url() + "/cgi/x?loop"});
  EXPECT_EQ(r.out, "504");
  r = curl({up.url() + "/cgi/fine"});
  EXPECT_NE(r.out.find("PATH_INFO=/fine\n"), std::string::npos) << r.out;
  EXPECT_NE(up.log().find("component `cgi` failed"), std::string::npos) << up.log();
}

TEST(Up, ManifestErrorsStopStartupWithTheirLocation) {
  std::string dir = make_app("up-bad", std::string(kManifest) + "\nunknown_field = 1\n");
  Result r = run_spindle({"up", "--from", dir, "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("spin.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown_field"), std::string::npos) << r.err;
}

}  // namespace
