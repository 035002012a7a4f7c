// Many apps in one `spindle up` (docs/MULTI_APP.md), as a user sees them:
// each Host gets its own app, with its own variables and logs; a looping or
// trapping app costs the others nothing beyond its share; the host config is
// re-applied while serving; a bad one is reported with its position.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "serve.h"
#include "site_app.h"

using namespace spindle::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// An app whose component answers "greeting=<value>" for ?greeting, the
// value coming from its own .env.
std::string greeting_app(const std::string& name, const std::string& value) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("host_config"), dir + "/host_config.wasm");
  write_file(dir + "/spin.toml", R"(spin_manifest_version = 2
[application]
name = ")" + name + R"("
[variables]
greeting = { required = true }
[[trigger.http]]
route = "/..."
component = "c"
[component.c]
source = "host_config.wasm"
[component.c.variables]
greeting = "{{ greeting }}"
)");
  write_file(dir + "/.env", "SPIN_VARIABLE_GREETING=" + value + "\n");
  return dir;
}

Result get(const std::string& url, const std::string& host, const std::string& path) {
  return curl({"-H", "Host: " + host, url + path});
}

struct Served {
  std::unique_ptr<Background> up;
  std::string url;
};

Served serve(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> argv{SPINDLE_BIN,   "up",          "--listen",
                                "127.0.0.1:0", "--state-dir", dir + "/state"};
  argv.insert(argv.end(), args.begin(), args.end());
  Served s;
  s.up = std::make_unique<Background>(
      argv, dir + "/up.log",
      std::vector<std::string>{std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  std::string rest = s.up->wait_for("Serving http://");
  if (!rest.empty()) s.url = "http://" + rest;
  return s;
}

bool wait_log(const Background& up, const std::string& text, int tenths = 100) {
  for (int t = 0; t < tenths; ++t) {
    if (up.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST(MultiApp, EachHostGetsItsOwnAppVariablesAndLogs) {
  std::string dir = temp_dir("multi_hosts");
  std::string a = greeting_app("multi_hosts_a", "from-a");
  std::string b = greeting_app("multi_hosts_b", "from-b");
  std::string echo = one_component_app("multi_hosts_echo", "spin_echo", "echo");
  Served s = serve(dir, {"-f", "a.test=" + a, "-f", "B.Test=" + b, "-f", "echo.test=" + echo});
  ASSERT_FALSE(s.url.empty()) << s.up->log();
  // The same variable name, each app's own value (from its own .env).
  EXPECT_EQ(get(s.url, "a.test", "/?greeting").out, "greeting=from-a");
  EXPECT_EQ(get(s.url, "b.test:8080", "/?greeting").out, "greeting=from-b");
  // Loaded on the first request only, once.
  EXPECT_EQ(s.up->log().find("Loaded app `echo.test`"), std::string::npos) << s.up->log();
  EXPECT_EQ(http_code({"-H", "Host: echo.test", s.url + "/print"}), "200");
  EXPECT_EQ(http_code({"-H", "Host: echo.test", s.url + "/print"}), "200");
  std::string log = s.up->log();
  size_t first = log.find("Loaded app `a.test`");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("Loaded app `a.test`", first + 1), std::string::npos) << log;
  EXPECT_NE(log.find("GET /print echo.test/echo 200"), std::string::npos) << log;
  // Guest output goes to the app's own log folder only.
  EXPECT_NE(slurp(dir + "/state/apps/echo.test/logs/echo_stdout.txt").find("hello from stdout"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/state/apps/a.test/logs/echo_stdout.txt"));
  // A host no app claims; the health endpoint answers on any host.
  EXPECT_EQ(http_code({"-H", "Host: nobody.test", s.url + "/"}), "404");
  EXPECT_EQ(http_code({"-H", "Host: nobody.test", s.url + "/.well-known/spin/health"}), "200");
}

// Each app sees only the files it mounts: another app's files, beside it in
// the same parent folder, cannot be reached by name or by climbing out.
TEST(MultiApp, AnAppCannotReadAnotherAppsFiles) {
  std::string dir = temp_dir("multi_files");
  for (const char* app : {"a", "b"}) {
    std::string d = dir + "/" + app;
    fs::create_directories(d + "/public");
    fs::copy_file(guest("static_fileserver"), d + "/fileserver.wasm");
    write_file(d + "/public/" + app + ".txt", std::string("only ") + app + "\n");
    write_file(d + "/spin.toml", R"(spin_manifest_version = 2
[application]
name = "files"
[[trigger.http]]
route = "/..."
component = "files"
[component.files]
source = "fileserver.wasm"
files = [{ source = "public", destination = "/" }]
)");
  }
  Served s = serve(dir, {"-f", "a.test=" + dir + "/a", "-f", "b.test=" + dir + "/b"});
  ASSERT_FALSE(s.url.empty()) << s.up->log();
  EXPECT_EQ(get(s.url, "a.test", "/a.txt").out, "only a\n");
  EXPECT_EQ(get(s.url, "b.test", "/b.txt").out, "only b\n");
  EXPECT_EQ(http_code({"-H", "Host: a.test", s.url + "/b.txt"}), "404");
  EXPECT_EQ(http_code({"-H", "Host: b.test", s.url + "/a.txt"}), "404");
  for (const char* climb : {"/../b/public/b.txt", "/%2e%2e/b/public/b.txt",
                            "/..%2fb%2fpublic%2fb.txt", "/../../b/public/b.txt"}) {
    Result r = curl({"--path-as-is", "-H", "Host: a.test", s.url + climb});
    EXPECT_EQ(r.out.find("only b"), std::string::npos) << climb;
  }
}

// An app whose triggers run without requests (cron) is loaded at start,
// runs on its schedule beside the others, and is never unloaded for idling.
TEST(MultiApp, ACronAppRunsWithoutRequestsAndIsNotUnloaded) {
  if (!fs::exists(guest("cron_component")))
    GTEST_SKIP() << "build/guests/cron_component.wasm needs tests/components (npm ci)";
  std::string dir = temp_dir("multi_cron");
  std::string cron = dir + "/cron";
  fs::create_directories(cron);
  fs::copy_file(guest("cron_component"), cron + "/cron.wasm");
  write_file(cron + "/spin.toml", R"(spin_manifest_version = 2
[application]
name = "cron"
[[trigger.cron]]
component = "ticker"
cron_expression = "* * * * * *"
[component.ticker]
source = "cron.wasm"
)");
  std::string web = greeting_app("multi_cron_web", "web");
  write_file(dir + "/apps.toml",
             "idle_unload = \"1s\"\n[[app]]\nname = \"ticks\"\n"
             "hosts = [\"cron.test\"]\nfrom = \"cron\"\n"
             "[[app]]\nhosts = [\"web.test\"]\nfrom = \"" +
                 web + "\"\n");
  Served s = serve(dir, {"--apps", dir + "/apps.toml"});
  ASSERT_FALSE(s.url.empty()) << s.up->log();
  // Loaded before serving began, not by a request.
  std::string log = s.up->log();
  EXPECT_LT(log.find("Loaded app `ticks`"), log.find("Serving http://")) << log;
  std::string ticks = dir + "/state/apps/ticks/logs/ticker_stdout.txt";
  auto runs = [&] {
    std::string out = slurp(ticks);
    size_t n = 0;
    for (size_t at = out.find(" end "); at != std::string::npos; at = out.find(" end ", at + 1))
      ++n;
    return n;
  };
  for (int t = 0; t < 60 && runs() < 3; ++t)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_GE(runs(), 3u) << s.up->log();
  // The web app idles out; the cron app keeps running.
  EXPECT_EQ(get(s.url, "web.test", "/?greeting").out, "greeting=web");
  EXPECT_TRUE(wait_log(*s.up, "Unloaded app `web.test` (idle 1s)")) << s.up->log();
  size_t before = runs();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_GT(runs(), before);
  EXPECT_EQ(s.up->log().find("Unloaded app `ticks`"), std::string::npos) << s.up->log();
}

TEST(MultiApp, ALoopingOrTrappingAppUsesOnlyItsShareOfTheWorkers) {
  std::string dir = temp_dir("multi_share_limits");
  std::string bad = one_component_app("multi_limits_bad", "spin_echo", "echo");
  std::string good = greeting_app("multi_limits_good", "fine");
  write_file(dir + "/apps.toml", R"([[app]]
name = "bad"
hosts = ["bad.test"]
from = ")" + bad + R"("
max_concurrency = 2
timeout = "1s"
[[app]]
name = "good"
hosts = ["good.test"]
from = ")" + good + R"("
)");
  Served s = serve(dir, {"--apps", dir + "/apps.toml"});
  ASSERT_FALSE(s.url.empty()) << s.up->log();
  EXPECT_EQ(get(s.url, "good.test", "/?greeting").out, "greeting=fine");
  // Eight clients keep the bad app looping (and trapping) for 3 s...
  std::atomic<bool> stop{false};
  std::atomic<int> shed{0}, timed_out{0}, trapped{0};
  std::vector<std::thread> hammer;
  for (int c = 0; c < 8; ++c)
    hammer.emplace_back([&, c] {
      while (!stop) {
        std::string code =
            http_code({"-H", "Host: bad.test", s.url + (c % 4 == 0 ? "/trap" : "/loop")});
        (code == "503" ? shed : code == "504" ? timed_out : trapped) += code != "200";
      }
    });
  // ... while the good app answers every request, promptly.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int slow = 0;
  for (int i = 0; i < 30; ++i) {
    auto t = Clock::now();
    EXPECT_EQ(get(s.url, "good.test", "/?greeting").out, "greeting=fine");
    if (Clock::now() - t > std::chrono::milliseconds(500)) ++slow;
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
  }
  stop = true;
  for (auto& t : hammer) t.join();
  EXPECT_EQ(slow, 0);
  EXPECT_GT(shed, 0);       // beyond its two at once: 503
  EXPECT_GT(timed_out, 0);  // its loops: 504 after its own 1 s
  EXPECT_GT(trapped, 0);
  EXPECT_NE(s.up->log().find("its max_concurrency (2) requests are running"), std::string::npos);
}

TEST(MultiApp, TheHostConfigIsReappliedWhileServingAndABadOneIsReported) {
  std::string dir = temp_dir("multi_reload");
  std::string a = greeting_app("multi_reload_a", "a1");
  std::string a2 = greeting_app("multi_reload_a2", "a2");
  std::string b = greeting_app("multi_reload_b", "b");
  std::string c = greeting_app("multi_reload_c", "c");
  std::string keep = greeting_app("multi_reload_keep", "kept");
  auto config = [&](const std::string& a_from, const std::string& other_host,
                    const std::string& other_from) {
    return "[[app]]\nhosts = [\"keep.test\"]\nfrom = \"" + keep +
           "\"\n[[app]]\nhosts = [\"a.test\"]\nfrom = \"" + a_from + "\"\n[[app]]\nhosts = [\"" +
           other_host + "\"]\nfrom = \"" + other_from + "\"\n";
  };
  write_file(dir + "/apps.toml", config(a, "b.test", b));
  Served s = serve(dir, {"--apps", dir + "/apps.toml"});
  ASSERT_FALSE(s.url.empty()) << s.up->log();
  EXPECT_EQ(get(s.url, "a.test", "/?greeting").out, "greeting=a1");
  EXPECT_EQ(get(s.url, "b.test", "/?greeting").out, "greeting=b");
  // An untouched app is asked throughout: it never fails.
  std::atomic<bool> stop{false};
  std::atomic<int> asked{0}, failed{0};
  std::thread steady([&] {
    while (!stop) {
      ++asked;
      if (get(s.url, "keep.test", "/?greeting").out != "greeting=kept") ++failed;
    }
  });
  // a.test replaced, b.test removed, c.test added.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a new mtime
  write_file(dir + "/apps.toml", config(a2, "c.test", c));
  EXPECT_TRUE(wait_log(*s.up, "Applied " + dir + "/apps.toml: 3 apps")) << s.up->log();
  EXPECT_EQ(get(s.url, "a.test", "/?greeting").out, "greeting=a2");
  EXPECT_EQ(get(s.url, "c.test", "/?greeting").out, "greeting=c");
  EXPECT_EQ(http_code({"-H", "Host: b.test", s.url + "/"}), "404");
  // A config that does not parse changes nothing.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_file(dir + "/apps.toml", "[[app]]\nhosts = [\"a.test\"]\nfrom = 7\n");
  EXPECT_TRUE(wait_log(*s.up, "was not applied")) << s.up->log();
  EXPECT_NE(s.up->log().find(dir + "/apps.toml:3:8: error: `from` is an integer"),
            std::string::npos)
      << s.up->log();
  EXPECT_EQ(get(s.url, "c.test", "/?greeting").out, "greeting=c");
  stop = true;
  steady.join();
  EXPECT_GT(asked, 10);
  EXPECT_EQ(failed, 0) << asked << " requests";
}

TEST(MultiApp, ABadHostConfigStopsTheStartWithItsPosition) {
  std::string dir = temp_dir("multi_bad");
  write_file(dir + "/apps.toml", R"([[app]]
hosts = ["a.test"]
from = "a"
[[app]]
hosts = ["a.test"]
from = "b"
max_concurency = 3
)");
  Result r = run_spindle({"up", "--apps", dir + "/apps.toml", "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(dir + "/apps.toml:7:1: error: unknown key `max_concurency` in [[app]]"),
            std::string::npos)
      << r.err;
  // A host claimed twice, each app's position named.
  write_file(dir + "/apps.toml",
             "[[app]]\nhosts = [\"a.test\"]\nfrom = \"a\"\n\n[[app]]\n"
             "hosts = [\"a.test\"]\nfrom = \"b\"\n");
  r = run_spindle({"up", "--apps", dir + "/apps.toml", "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("apps.toml:5:1: error: host `a.test` is claimed by app `a.test` already"),
            std::string::npos)
      << r.err;
}
