#include "host/sqlite/database.h"

#include <sqlite3.h>

#include <map>
#include <mutex>

namespace spindle::host::sqlite {

std::shared_ptr<Database> Database::open(const std::string& path, std::string& error) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<Database>> open_dbs;
  std::lock_guard lock(mu);
  const bool shared = path != ":memory:";
  if (shared) {
    if (auto db = open_dbs[path].lock()) return db;
  }
  sqlite3* h = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &h,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    error = "cannot open " + path + ": " + (h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
    sqlite3_close(h);
    return nullptr;
  }
  sqlite3_busy_timeout(h, 5000);
  auto db = std::make_shared<Database>(h);
  if (shared && !db->exec("PRAGMA journal_mode=WAL;", error)) return nullptr;
  if (shared) open_dbs[path] = db;
  return db;
}

Database::~Database() { sqlite3_close(h_); }

Transaction::Transaction(const Database& db, std::string& error) : h_(db.handle()) {
  int rc = sqlite3_exec(h_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  open_ = rc == SQLITE_OK;
  if (!open_) error = sqlite3_errmsg(h_);
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(h_, "ROLLBACK", nullptr, nullptr, nullptr);
}

bool Transaction::commit(std::string& error) {
  if (sqlite3_exec(h_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(h_);
    return false;  // the destructor rolls back
  }
  open_ = false;
  return true;
}

bool Database::exec(const std::string& sql, std::string& error) {
  char* msg = nullptr;
  int rc = sqlite3_exec(h_, sql.c_str(), nullptr, nullptr, &msg);
  if (rc == SQLITE_OK) return true;
  error = msg ? msg : sqlite3_errstr(rc);
  sqlite3_free(msg);
  return false;
}

Stmt::Stmt(sqlite3* db, const std::string& sql) : db_(db) {
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, &tail) != SQLITE_OK) {
    sqlite3_finalize(s_);
    s_ = nullptr;
  }
  if (tail) tail_.assign(tail, sql.data() + sql.size() - tail);
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

void Stmt::text(int i, const std::string& v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

void Stmt::blob(int i, const std::string& v) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

std::string Stmt::error() const { return sqlite3_errmsg(db_); }

}  // namespace spindle::host::sqlite
