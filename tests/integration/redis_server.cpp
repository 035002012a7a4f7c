#include "redis_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace spindle::test {

RedisServer::RedisServer() {
  static std::atomic<int> n{0};
  dir_ = temp_dir("redis-" + std::to_string(++n));
  port_ = free_port();
  ready_ = start();
}

bool RedisServer::start() {
  proc_ = std::make_unique<Background>(
      std::vector<std::string>{"redis-server", "--port", std::to_string(port_), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir_},
      dir_ + "/redis.log");
  for (int i = 0; i < 100; ++i) {
    if (cli({"PING"}).out == "PONG\n") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Result RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

}  // namespace spindle::test
