// MySQL / MariaDB connections over MariaDB Connector/C, pooled per address
// in the process, like PostgreSQL's (postgres/client.h): an idle connection
// is reused only while the server has not closed it, a broken one is
// dropped, so a restarted server is reconnected to by the next request.
// Statements run as prepared statements (the binary protocol), so results
// keep their types; the column types follow Spin's mapping
// (factor-outbound-mysql client.rs).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host/rdbms/value.h"

typedef struct st_mysql MYSQL;

namespace spindle::host::mysql {

using Deadline = std::chrono::steady_clock::time_point;

// mysql://[user[:password]@]host[:port][/database][?ssl-mode=...]
struct Address {
  std::string user, password, host, database;
  int port = 3306;
  bool tls = false;
};
// nullopt when `url` is not one.
std::optional<Address> parse_address(const std::string& url);

class Pool;

class Connection {
 public:
  Connection(MYSQL* c, std::shared_ptr<Pool> pool) : conn_(c), pool_(std::move(pool)) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` with `params`; the rows (if it returns any) into `out`. A
  // statement still running at `deadline` is killed (watchdog.h):
  // other("timed out waiting for the server").
  std::optional<rdbms::Error> run(const std::string& sql, const std::vector<rdbms::Value>& params,
                                  Deadline deadline, rdbms::RowSet& out);

 private:
  std::optional<rdbms::Error> run_statement(const std::string& sql,
                                            const std::vector<rdbms::Value>& params,
                                            rdbms::RowSet& out);
  MYSQL* conn_;
  std::shared_ptr<Pool> pool_;
  bool broken_ = false;
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  explicit Pool(Address a) : address_(std::move(a)) {}
  ~Pool();
  static std::shared_ptr<Pool> get(const std::string& url, const Address& a);
  // A live connection, or null with `error` (connection-failed).
  std::unique_ptr<Connection> acquire(Deadline deadline, rdbms::Error& error);

 private:
  friend class Connection;
  void release(MYSQL* c);

  Address address_;
  std::mutex mu_;
  std::vector<MYSQL*> idle_;
};

}  // namespace spindle::host::mysql
