// A real MariaDB server (Debian's mariadb-server) for tests: a fresh data
// dir (mariadb-install-db) in a temp dir, served on a free loopback port by
// an unprivileged mariadbd (as user `mysql` when the tests run as root),
// stopped on destruction; stop() and start() again on the same port (for
// reconnect tests). Fails with a clear message when the binaries are
// missing (scripts/setup installs them).
#pragma once

#include <memory>
#include <string>

#include "serve.h"

namespace spindle::test {

class MysqlServer {
 public:
  MysqlServer();
  ~MysqlServer();
  int port() const { return port_; }
  // mysql://spin:spin@127.0.0.1:PORT/spindle
  std::string url() const;
  bool ready() const { return ready_; }
  const std::string& error() const { return error_; }
  void stop();
  bool start();
  // mariadb -e `sql` as root, in database spindle.
  Result sql(const std::string& statements) const;

 private:
  int port_ = 0;
  bool ready_ = false;
  std::string dir_, error_;
  std::unique_ptr<Background> proc_;
};

}  // namespace spindle::test
