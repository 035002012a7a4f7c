// SQLite databases shared by the key-value store and the sqlite capability:
// one serialized connection per database file in the process (WAL, a busy
// timeout), and a prepared-statement guard.
#pragma once

#include <memory>
#include <mutex>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace spindle::host::sqlite {

class Database {
 public:
  // The process's connection to `path` (":memory:" gives a private one),
  // opened (and created) on first use. Null with `error` set on failure.
  static std::shared_ptr<Database> open(const std::string& path, std::string& error);
  explicit Database(sqlite3* h) : h_(h) {}
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  sqlite3* handle() const { return h_; }
  // Runs `sql` (any number of statements, no results). False with `error`.
  bool exec(const std::string& sql, std::string& error);
  // Held around work of several statements (a transaction) and around every
  // statement of the users that make such work: the process shares one
  // connection, so another thread's statement would otherwise run inside
  // the transaction.
  std::mutex& mutex() const { return mu_; }

 private:
  sqlite3* h_;
  mutable std::mutex mu_;
};

// BEGIN IMMEDIATE (the write lock of the file, so other processes wait too)
// until commit(); rolled back on scope exit when not committed. Hold the
// Database's mutex() around it.
class Transaction {
 public:
  Transaction(const Database& db, std::string& error);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  bool ok() const { return open_; }
  bool commit(std::string& error);

 private:
  sqlite3* h_;
  bool open_ = false;
};

// A prepared statement, finalised on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return s_ != nullptr; }
  sqlite3_stmt* get() const { return s_; }
  // Whatever followed the first statement in `sql` (for one-statement APIs).
  const std::string& tail() const { return tail_; }
  void text(int i, const std::string& v);
  void blob(int i, const std::string& v);
  std::string error() const;

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  std::string tail_;
};

}  // namespace spindle::host::sqlite
