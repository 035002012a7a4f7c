#include <sqlite3.h>

#include "host/key_value/store.h"
#include "host/sqlite/database.h"

namespace spindle::host::key_value {

namespace {

using sqlite::Database;
using sqlite::Stmt;

class SqliteStore final : public Store {
 public:
  SqliteStore(std::shared_ptr<Database> db, std::string label)
      : db_(std::move(db)), label_(std::move(label)) {}

  bool get(const std::string& key, std::optional<std::string>& value, std::string& error) override {
    Stmt s(db_->handle(), "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2");
    if (!s.ok()) return fail(s, error);
    s.text(1, label_);
    s.text(2, key);
    int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) {
      const void* p = sqlite3_column_blob(s.get(), 0);
      int n = sqlite3_column_bytes(s.get(), 0);
      value.emplace(static_cast<const char*>(p), static_cast<size_t>(n));
      return true;
    }
    if (rc == SQLITE_DONE) {
      value.reset();
      return true;
    }
    return fail(s, error);
  }

  bool set(const std::string& key, const std::string& value, std::string& error) override {
    Stmt s(db_->handle(),
           "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3) "
           "ON CONFLICT (store, key) DO UPDATE SET value = excluded.value");
    if (!s.ok()) return fail(s, error);
    s.text(1, label_);
    s.text(2, key);
    s.blob(3, value);
    return sqlite3_step(s.get()) == SQLITE_DONE || fail(s, error);
  }

  bool remove(const std::string& key, std::string& error) override {
    Stmt s(db_->handle(), "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2");
    if (!s.ok()) return fail(s, error);
    s.text(1, label_);
    s.text(2, key);
    return sqlite3_step(s.get()) == SQLITE_DONE || fail(s, error);
  }

  bool exists(const std::string& key, bool& found, std::string& error) override {
    std::optional<std::string> v;
    if (!get(key, v, error)) return false;
    found = v.has_value();
    return true;
  }

  bool keys(std::vector<std::string>& out, std::string& error) override {
    Stmt s(db_->handle(), "SELECT key FROM spin_key_value WHERE store = ?1 ORDER BY key");
    if (!s.ok()) return fail(s, error);
    s.text(1, label_);
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
      out.emplace_back(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(s.get(), 0)));
    }
    return rc == SQLITE_DONE || fail(s, error);
  }

 private:
  static bool fail(const Stmt& s, std::string& error) {
    error = s.error();
    return false;
  }

  std::shared_ptr<Database> db_;
  std::string label_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite(const std::string& path, const std::string& label,
                                   std::string& error) {
  auto db = Database::open(path, error);
  if (!db || !db->exec("CREATE TABLE IF NOT EXISTS spin_key_value ("
                       "  store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
                       "  PRIMARY KEY (store, key));",
                       error))
    return nullptr;
  return std::make_unique<SqliteStore>(std::move(db), label);
}

}  // namespace spindle::host::key_value
