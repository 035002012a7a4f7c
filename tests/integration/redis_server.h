// A real redis-server (Debian's) for tests: started on a free loopback port
// with no persistence, stopped on destruction; restart() stops it and starts
// it again on the same port (for reconnect tests).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "serve.h"

namespace spindle::test {

class RedisServer {
 public:
  RedisServer();
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  bool ready() const { return ready_; }
  void stop() { proc_.reset(); }
  bool start();
  // redis-cli against this server.
  Result cli(const std::vector<std::string>& args) const;

 private:
  int port_ = 0;
  bool ready_ = false;
  std::string dir_;
  std::unique_ptr<Background> proc_;
};

}  // namespace spindle::test
