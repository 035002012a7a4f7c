// PostgreSQL connections over libpq, pooled per address in the process.
// A connection is taken from its address's pool (an idle one that is still
// alive, else a new one), used by one caller, and given back; one that broke
// or was left inside a transaction is closed instead, so a server that went
// away and came back costs at most the request that met the broken
// connection. Every wait is bounded by the caller's deadline.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/rdbms/value.h"

typedef struct pg_conn PGconn;

namespace spindle::host::postgres {

using Deadline = std::chrono::steady_clock::time_point;

class Pool;

class Connection {
 public:
  Connection(PGconn* c, std::shared_ptr<Pool> pool) : conn_(c), pool_(std::move(pool)) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` with `params`: the rows into `out` (none for commands), the
  // number of rows it affected into `affected`. The error (query-failed with
  // the server's message, bad-parameter, ...) when it failed.
  std::optional<rdbms::Error> run(const std::string& sql, const std::vector<rdbms::Value>& params,
                                  Deadline deadline, rdbms::RowSet& out, uint64_t& affected);

 private:
  std::string type_name(unsigned int oid, Deadline deadline);

  PGconn* conn_;
  std::shared_ptr<Pool> pool_;
  bool broken_ = false;
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  explicit Pool(std::string address) : address_(std::move(address)) {}
  ~Pool();
  // The process's pool for `address` (a libpq URI or key=value string).
  static std::shared_ptr<Pool> get(const std::string& address);

  // A live connection, or null with `error` (connection-failed, libpq's
  // reason).
  std::unique_ptr<Connection> acquire(Deadline deadline, rdbms::Error& error);

 private:
  friend class Connection;
  void release(PGconn* c);

  std::string address_;
  std::mutex mu_;
  std::vector<PGconn*> idle_;
  std::map<unsigned int, std::string> type_names_;
};

}  // namespace spindle::host::postgres
