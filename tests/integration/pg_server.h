// A real PostgreSQL server (Debian's postgresql-15) for tests: a fresh
// cluster (initdb) in a temp dir, served on a free loopback port by an
// unprivileged postgres process (as user `postgres` when the tests run as
// root), stopped on destruction; stop() and start() again on the same port
// (for reconnect tests). Fails with a clear message when the server binaries
// are missing (scripts/setup installs them).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "serve.h"

namespace spindle::test {

class PgServer {
 public:
  PgServer();
  ~PgServer();
  int port() const { return port_; }
  // postgres://spin:spin@127.0.0.1:PORT/spindle
  std::string url() const;
  bool ready() const { return ready_; }
  const std::string& error() const { return error_; }
  void stop();
  bool start();
  // psql -c `sql` as the superuser, in database `db`.
  Result psql(const std::string& sql, const std::string& db = "spindle") const;

 private:
  int port_ = 0;
  bool ready_ = false;
  std::string dir_, error_;
  std::unique_ptr<Background> proc_;
};

}  // namespace spindle::test
