// Hostile clients against a real `spindle up`: a thousand slowloris
// connections under a small descriptor limit hold no thread and no CPU,
// and the health endpoint and a route still answer.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

// utime + stime of a process, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

// A TCP connection to host:port that sent `data` and is held open.
int hold(const std::string& address, const std::string& data) {
  int fd = connect_to(address);
  if (fd >= 0) (void)!send(fd, data.data(), data.size(), MSG_NOSIGNAL);
  return fd;
}

}  // namespace

TEST(HostileClients, AThousandSlowlorisConnectionsUnderUlimit512) {
  // This process holds the client side of every connection.
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  ASSERT_GE(rl.rlim_max, 1200u) << "the test needs 1,200 descriptors for its clients";
  rlimit raised = rl;
  raised.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &raised);

  std::string dir = temp_dir("slowloris");
  fs::copy_file(guest("up_wagi"), dir + "/up_wagi.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "slowloris"
[[trigger.http]]
route = "/hello/..."
component = "hello"
executor = { type = "wagi" }
[component.hello]
source = "up_wagi.wasm"
)";
  // Soft and hard limit 512: spindle cannot raise it past that.
  Background up({"sh", "-c",
                 "ulimit -Sn 512 && ulimit -Hn 512 && exec " + std::string(SPINDLE_BIN) +
                     " up -q --listen 127.0.0.1:0 -f " + dir},
                dir + "/up.log", {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  std::string rest = up.wait_for("Serving http://");
  ASSERT_FALSE(rest.empty()) << up.log();
  std::string address = rest.substr(0, rest.find_first_of(" \n"));
  std::string url = "http://" + address;
  if (up.log().find("from the interpreter") != std::string::npos) {
    ASSERT_FALSE(up.wait_for("Switched to native code").empty()) << up.log();
  }

  std::vector<int> held;
  for (int i = 0; i < 1000; ++i) {
    int fd = hold(address, "GET /hello/x HTTP/1.1\r\nHost: x\r\nX-Slow: ");  // never finished
    if (fd >= 0) held.push_back(fd);
  }
  EXPECT_GE(held.size(), 1000u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the server settles

  double cpu0 = cpu_seconds(up.pid());
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  double cpu = cpu_seconds(up.pid()) - cpu0;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(cpu / wall, 0.10) << "server CPU while the connections are held: " << cpu / wall;

  // Health and a route still answer, each within a second.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(http_code({"--max-time", "1", url + "/.well-known/spin/health"}), "200") << i;
    Result r = curl({"--max-time", "1", url + "/hello/x"});
    EXPECT_NE(r.out.find("PATH_INFO=/x"), std::string::npos) << i << ": " << r.err;
  }
  for (int fd : held) close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(http_code({"--max-time", "2", url + "/.well-known/spin/health"}), "200");
}
