// Several nodes, one state: the example site on three `spindle up`
// processes behind a real haproxy (health checks on Spin's health endpoint,
// retries only when a connection could not be made, so a like that reached a
// node is never sent again), sharing one redis-server for the likes. 3,000
// visitors like a post under bounded load (8 at a time, each with curl);
// halfway through, one node is killed (SIGKILL) or stopped (SIGTERM, which
// spindle drains: health 503 for --shutdown-delay, then in-flight requests
// finish). Then the node restarts on its port and haproxy sends it requests
// again.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"
#include "serve.h"
#include "site_app.h"

using namespace spindle::test;

namespace {

constexpr int kVisitors = 3000;
constexpr int kConcurrency = 8;
constexpr const char* kPage = "/posts/hello-spindle";

bool have(const char* tool) {
  return run_process({"sh", "-c", std::string("command -v ") + tool}).status == 0;
}

// haproxy in front of `ports`, on a free port, with its stats as CSV on
// another.
class HaProxy {
 public:
  HaProxy(const std::string& dir, const std::vector<int>& ports) {
    port_ = free_port();
    stats_port_ = free_port();
    std::ostringstream cfg;
    cfg << "global\n  maxconn 512\n"
        << "defaults\n  mode http\n  timeout connect 500ms\n  timeout client 20s\n"
        << "  timeout server 20s\n"
        // A new server connection per request, and a retry (on another
        // node) only when that connection could not be made: a request that
        // reached a node is never sent twice.
        << "  option http-server-close\n  retries 3\n  option redispatch 1\n"
        << "  retry-on conn-failure\n"
        << "frontend site\n  bind 127.0.0.1:" << port_ << "\n  default_backend nodes\n"
        << "frontend stats\n  bind 127.0.0.1:" << stats_port_
        << "\n  stats enable\n  stats uri /stats\n"
        << "backend nodes\n  balance roundrobin\n"
        << "  option httpchk GET /.well-known/spin/health\n  http-check expect status 200\n"
        // A node is out within 0.4 s of failing its checks (spindle's
        // --shutdown-delay below is longer), and back after 2 good ones.
        << "  timeout check 1s\n  default-server inter 200ms fall 2 rise 2\n";
    for (size_t i = 0; i < ports.size(); ++i)
      cfg << "  server n" << i << " 127.0.0.1:" << ports[i] << " check\n";
    write_file(dir + "/haproxy.cfg", cfg.str());
    proc_ = std::make_unique<Background>(
        std::vector<std::string>{"haproxy", "-db", "-f", dir + "/haproxy.cfg"},
        dir + "/haproxy.log");
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return proc_->log(); }

  // Each server's status ("UP", "DOWN", …) as the stats page says.
  std::vector<std::string> statuses() const {
    Result r = curl({"http://127.0.0.1:" + std::to_string(stats_port_) + "/stats;csv"});
    std::istringstream in(r.out);
    std::string line;
    std::vector<std::string> out;
    int status_col = -1;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ls(line);
      for (std::string cell; std::getline(ls, cell, ',');) f.push_back(cell);
      if (line.rfind("# ", 0) == 0) {
        for (size_t i = 0; i < f.size(); ++i)
          if (f[i] == "status") status_col = static_cast<int>(i);
      } else if (status_col >= 0 && f.size() > size_t(status_col) && f[0] == "nodes" &&
                 f[1].rfind("n", 0) == 0) {
        out.push_back(f[status_col]);
      }
    }
    return out;
  }
  // Waits up to 20 s until server `i` has `status` exactly (haproxy says
  // "UP" only once the server has risen, "UP 1/2" while it is rising).
  bool wait_status(size_t i, const std::string& status) const {
    for (int t = 0; t < 200; ++t) {
      auto s = statuses();
      if (s.size() > i && s[i] == status) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  int port_ = 0, stats_port_ = 0;
  std::unique_ptr<Background> proc_;
};

struct Cluster {
  RedisServer redis;
  std::string dir;
  std::vector<int> ports;
  std::vector<std::unique_ptr<Background>> nodes;
  std::vector<int> starts;  // how many times each node was started
  std::unique_ptr<HaProxy> lb;

  explicit Cluster(const std::string& name) {
    if (!redis.ready()) return;
    dir = make_site(name, "SPIN_VARIABLE_REDIS_ADDRESS=" + redis.url() + "\n");
    for (int i = 0; i < 3; ++i) ports.push_back(free_fixed_port());
    nodes.resize(3);
    starts.assign(3, 0);
    for (int i = 0; i < 3; ++i) start(i);
    lb = std::make_unique<HaProxy>(dir, ports);
  }

  std::string node_log(int i) const {
    return dir + "/node" + std::to_string(i) + "-" + std::to_string(starts[i]) + ".log";
  }

  // Starts node i on its port (again), each with its own state dir; true
  // once it serves.
  bool start(int i) {
    ++starts[i];
    nodes[i] = std::make_unique<Background>(
        std::vector<std::string>{SPINDLE_BIN, "up", "--from", dir, "--listen",
                                 "127.0.0.1:" + std::to_string(ports[i]), "--state-dir",
                                 dir + "/state" + std::to_string(i), "--shutdown-delay", "2s"},
        node_log(i), std::vector<std::string>{std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
    return !nodes[i]->wait_for("Serving http://").empty();
  }

  bool all_up() const {
    for (size_t i = 0; i < ports.size(); ++i)
      if (!lb->wait_status(i, "UP")) return false;
    return true;
  }
};

std::string visitor(int i) {
  char id[40];
  std::snprintf(id, sizeof id, "%032x", 0x5eed0000 + i);
  return id;
}

struct LoadResult {
  std::vector<std::string> codes;  // per visitor: the HTTP status curl got ("000": none)
  std::vector<std::chrono::steady_clock::time_point> sent;  // per visitor: when curl started
};

// kVisitors likes of kPage, kConcurrency at a time, one curl each;
// `halfway` runs (on its own thread) once half of them have answered.
LoadResult like_all(const std::string& url, const std::function<void()>& halfway) {
  LoadResult r;
  r.codes.resize(kVisitors);
  r.sent.resize(kVisitors);
  std::vector<std::string> tokens(kVisitors);
  for (int i = 0; i < kVisitors; ++i) tokens[i] = visitor_token(visitor(i), unix_now() + 3600);
  std::atomic<int> next{0}, done{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kConcurrency; ++c)
    clients.emplace_back([&] {
      for (int i; (i = next++) < kVisitors; ++done) {
        r.sent[i] = std::chrono::steady_clock::now();
        r.codes[i] = http_code({"-X", "POST", "-H", "Authorization: Bearer " + tokens[i], "-H",
                                "Content-Type: application/json", "--data-binary",
                                std::string(R"({"page": ")") + kPage + R"("})", url + "/likes"});
      }
    });
  std::thread middle([&] {
    auto until = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (done < kVisitors / 2 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    halfway();
  });
  for (auto& t : clients) t.join();
  middle.join();
  return r;
}

std::set<std::string> likers(const RedisServer& redis) {
  Result r = redis.cli({"SMEMBERS", std::string("likers:") + kPage});
  std::set<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

long long count(const RedisServer& redis) {
  Result r = redis.cli({"GET", std::string("likes:") + kPage});
  return std::atoll(r.out.c_str());
}

// After a restart: haproxy marks node i up again and sends it requests.
void expect_rejoins(Cluster& c, int i) {
  ASSERT_TRUE(c.start(i)) << slurp(c.node_log(i));
  ASSERT_TRUE(c.lb->wait_status(i, "UP")) << c.lb->log();
  for (int k = 0; k < 12; ++k) EXPECT_EQ(http_code({c.lb->url() + "/likes?page=" + kPage}), "200");
  std::string log = slurp(c.node_log(i));
  EXPECT_NE(log.find("GET /likes likes 200"), std::string::npos)
      << "the restarted node got no request:\n"
      << log;
}

#define REQUIRE_TOOLS()                          \
  if (!have("haproxy") || !have("redis-server")) \
    GTEST_FAIL() << "haproxy and redis-server are needed (scripts/setup installs them)";

}  // namespace

TEST(Failover, AKilledNodeLosesOnlyItsRequestsInFlightAndEveryOkLikeCountsOnce) {
  REQUIRE_TOOLS();
  Cluster c("failover-kill");
  ASSERT_TRUE(c.redis.ready());
  ASSERT_TRUE(c.all_up()) << c.lb->log();
  int exit_status = -1;
  std::chrono::steady_clock::time_point killed, gone;
  LoadResult r = like_all(c.lb->url(), [&] {
    killed = std::chrono::steady_clock::now();
    kill(c.nodes[1]->pid(), SIGKILL);
    exit_status = c.nodes[1]->wait_exit(std::chrono::seconds(10));
    gone = std::chrono::steady_clock::now();  // its listening socket is closed by now
  });
  EXPECT_EQ(exit_status, 128 + SIGKILL);

  std::set<std::string> counted = likers(c.redis);
  int ok = 0, failed = 0;
  for (int i = 0; i < kVisitors; ++i) {
    if (r.codes[i] == "200") {
      ++ok;
      EXPECT_TRUE(counted.count(visitor(i))) << "visitor " << i << " got 200 but is not counted";
    } else {
      // Only a request the killed node was running can fail; haproxy answers
      // it 502 (the node closed the connection without a response).
      ++failed;
      EXPECT_EQ(r.codes[i], "502") << "visitor " << i;
      // ... and only one sent while the node was dying: from shortly before
      // SIGKILL (it was running then) until its process was gone (while the
      // kernel tears a process down, its listening socket still queues new
      // connections, which are reset when it closes).
      EXPECT_GT(r.sent[i], killed - std::chrono::seconds(2)) << "visitor " << i;
      EXPECT_LT(r.sent[i], gone) << "visitor " << i << " was sent after the node was gone";
    }
  }
  std::printf("SIGKILL halfway: %d of %d likes got 200, %d failed; %zu counted\n", ok, kVisitors,
              failed, counted.size());
  std::printf("the node took %.0f ms to die\n",
              std::chrono::duration<double, std::milli>(gone - killed).count());
  // Requests sent while the node was dying are all that can be lost: at most
  // kConcurrency at a time, for as long as the teardown took.
  EXPECT_LE(failed, 4 * kConcurrency);
  // Each like counted once: the count is the number of likers, and no
  // visitor is counted beyond those that got 200 and those whose request was
  // cut off (a like the node stored just before it died).
  EXPECT_EQ(count(c.redis), static_cast<long long>(counted.size()));
  EXPECT_GE(counted.size(), size_t(ok));
  EXPECT_LE(counted.size(), size_t(ok + failed));
  EXPECT_TRUE(c.lb->wait_status(1, "DOWN")) << c.lb->log();
  expect_rejoins(c, 1);
}

TEST(Failover, ANodeStoppedWithSigtermDrainsWithoutASingleFailure) {
  REQUIRE_TOOLS();
  Cluster c("failover-term");
  ASSERT_TRUE(c.redis.ready());
  ASSERT_TRUE(c.all_up()) << c.lb->log();
  // It exits by itself, cleanly, after its 2 s delay and its last
  // requests, well within a pod's default 30 s grace period.
  int exit_status = -1;
  LoadResult r = like_all(c.lb->url(), [&] {
    kill(c.nodes[2]->pid(), SIGTERM);
    exit_status = c.nodes[2]->wait_exit(std::chrono::seconds(20));
  });
  EXPECT_EQ(exit_status, 0) << slurp(c.node_log(2));
  int ok = 0;
  for (int i = 0; i < kVisitors; ++i) {
    if (r.codes[i] == "200")
      ++ok;
    else
      ADD_FAILURE() << "visitor " << i << " got " << r.codes[i];
  }
  EXPECT_EQ(ok, kVisitors);
  EXPECT_EQ(likers(c.redis).size(), size_t(kVisitors));
  EXPECT_EQ(count(c.redis), kVisitors);
  std::string log = slurp(c.node_log(2));
  EXPECT_NE(log.find("Shutting down (signal 15)"), std::string::npos) << log;
  // It served likes until it was taken out, so the drain was exercised.
  EXPECT_NE(log.find("POST /likes likes 200"), std::string::npos) << log;
  expect_rejoins(c, 2);
}
