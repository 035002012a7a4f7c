#include <sqlite3.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "host/key_value/store.h"
#include "host/sqlite/database.h"

namespace spindle::host::key_value {

namespace {

using sqlite::Database;
using sqlite::Stmt;
using sqlite::Transaction;
using Lock = std::lock_guard<std::mutex>;

// increment() keeps Spin's 8 little-endian bytes by copying the host's.
static_assert(std::endian::native == std::endian::little);

// Statements on the spin_key_value table of one store label. Callers hold
// the Database's mutex.
class Table {
 public:
  Table(std::shared_ptr<Database> db, std::string label)
      : db_(std::move(db)), label_(std::move(label)) {}

  const Database& db() const { return *db_; }

  bool read(const std::string& key, std::optional<std::string>& value, std::string& error) const {
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

  // INSERT or, when the key exists, UPDATE (`replace`) or nothing; the rows
  // changed in `changed`.
  bool write(const std::string& key, const std::string& value, bool replace, int& changed,
             std::string& error) const {
    Stmt s(db_->handle(), replace ? "INSERT INTO spin_key_value (store, key, value) "
                                    "VALUES (?1, ?2, ?3) ON CONFLICT (store, key) "
                                    "DO UPDATE SET value = excluded.value"
                                  : "INSERT INTO spin_key_value (store, key, value) "
                                    "VALUES (?1, ?2, ?3) ON CONFLICT (store, key) DO NOTHING");
    if (!s.ok()) return fail(s, error);
    s.text(1, label_);
    s.text(2, key);
    s.blob(3, value);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return fail(s, error);
    changed = sqlite3_changes(db_->handle());
    return true;
  }

  // UPDATE where the value is still `old`.
  bool update_if(const std::string& key, const std::string& old, const std::string& value,
                 int& changed, std::string& error) const {
    Stmt s(db_->handle(),
           "UPDATE spin_key_value SET value = ?4 WHERE store = ?1 AND key = ?2 AND value = ?3");
    if (!s.ok()) return fail(s, error);
    s.text(1, label_);
    s.text(2, key);
    s.blob(3, old);
    s.blob(4, value);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return fail(s, error);
    changed = sqlite3_changes(db_->handle());
    return true;
  }

  bool remove(const std::string& key, std::string& error) const {
    Stmt s(db_->handle(), "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2");
    if (!s.ok()) return fail(s, error);
    s.text(1, label_);
    s.text(2, key);
    return sqlite3_step(s.get()) == SQLITE_DONE || fail(s, error);
  }

  bool keys(std::vector<std::string>& out, std::string& error) const {
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

class SqliteCas final : public Store::Cas {
 public:
  SqliteCas(Table table, std::string key) : table_(std::move(table)), key_(std::move(key)) {}

  bool current(std::optional<std::string>& value, std::string& error) override {
    Lock lock(table_.db().mutex());
    if (!table_.read(key_, seen_, error)) return false;
    value = seen_;
    return true;
  }

  bool swap(const std::string& value, bool& swapped, std::string& error) override {
    Lock lock(table_.db().mutex());
    int changed = 0;
    bool ok = seen_ ? table_.update_if(key_, *seen_, value, changed, error)
                    : table_.write(key_, value, /*replace=*/false, changed, error);
    swapped = changed == 1;
    return ok;
  }

 private:
  Table table_;
  std::string key_;
  std::optional<std::string> seen_;  // what current() read (absent: none)
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Table table) : table_(std::move(table)) {}

  bool get(const std::string& key, std::optional<std::string>& value, std::string& error) override {
    Lock lock(table_.db().mutex());
    return table_.read(key, value, error);
  }

  bool set(const std::string& key, const std::string& value, std::string& error) override {
    Lock lock(table_.db().mutex());
    int changed = 0;
    return table_.write(key, value, /*replace=*/true, changed, error);
  }

  bool remove(const std::string& key, std::string& error) override {
    Lock lock(table_.db().mutex());
    return table_.remove(key, error);
  }

  bool exists(const std::string& key, bool& found, std::string& error) override {
    std::optional<std::string> v;
    if (!get(key, v, error)) return false;
    found = v.has_value();
    return true;
  }

  bool keys(std::vector<std::string>& out, std::string& error) override {
    Lock lock(table_.db().mutex());
    return table_.keys(out, error);
  }

  // In one IMMEDIATE transaction: other threads wait on the mutex, other
  // processes on the file's write lock.
  bool increment(const std::string& key, int64_t delta, int64_t& sum, std::string& error) override {
    Lock lock(table_.db().mutex());
    Transaction t(table_.db(), error);
    if (!t.ok()) return false;
    std::optional<std::string> value;
    if (!table_.read(key, value, error)) return false;
    int64_t now = 0;
    if (value) {
      if (value->size() != sizeof now) {
        error = "the value of `" + key + "` is not a 64-bit integer (" +
                std::to_string(value->size()) + " bytes)";
        return false;
      }
      std::memcpy(&now, value->data(), sizeof now);
    }
    if (__builtin_add_overflow(now, delta, &sum)) {
      error = "incrementing `" + key + "` overflows a 64-bit integer";
      return false;
    }
    std::string bytes(sizeof sum, '\0');
    std::memcpy(bytes.data(), &sum, sizeof sum);
    int changed = 0;
    return table_.write(key, bytes, /*replace=*/true, changed, error) && t.commit(error);
  }

  std::unique_ptr<Cas> compare_and_swap(const std::string& key, std::string&) override {
    return std::make_unique<SqliteCas>(table_, key);
  }

 private:
  Table table_;
};

// The store opened on first use: an app that declares a store and does
// not use it (or has not yet) holds no connection, descriptors or cache
// for it; that is most of what an idle app costs when one process serves
// thousands (docs/MULTI_APP.md). A database that cannot be opened is an
// error of each call until it can.
class LazySqliteStore final : public Store {
 public:
  LazySqliteStore(std::string path, std::string label)
      : path_(std::move(path)), label_(std::move(label)) {}

  bool get(const std::string& key, std::optional<std::string>& value, std::string& error) override {
    Store* s = store(error);
    return s && s->get(key, value, error);
  }
  bool set(const std::string& key, const std::string& value, std::string& error) override {
    Store* s = store(error);
    return s && s->set(key, value, error);
  }
  bool remove(const std::string& key, std::string& error) override {
    Store* s = store(error);
    return s && s->remove(key, error);
  }
  bool exists(const std::string& key, bool& found, std::string& error) override {
    Store* s = store(error);
    return s && s->exists(key, found, error);
  }
  bool keys(std::vector<std::string>& out, std::string& error) override {
    Store* s = store(error);
    return s && s->keys(out, error);
  }
  bool increment(const std::string& key, int64_t delta, int64_t& sum, std::string& error) override {
    Store* s = store(error);
    return s && s->increment(key, delta, sum, error);
  }
  std::unique_ptr<Cas> compare_and_swap(const std::string& key, std::string& error) override {
    Store* s = store(error);
    return s ? s->compare_and_swap(key, error) : nullptr;
  }

 private:
  Store* store(std::string& error) {
    std::lock_guard lock(mu_);
    if (!store_) {
      auto db = Database::open(path_, error);
      if (!db || !db->exec("CREATE TABLE IF NOT EXISTS spin_key_value ("
                           "  store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
                           "  PRIMARY KEY (store, key));",
                           error))
        return nullptr;
      store_ = std::make_unique<SqliteStore>(Table(std::move(db), label_));
    }
    return store_.get();
  }

  std::string path_, label_;
  std::mutex mu_;
  std::unique_ptr<Store> store_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite(const std::string& path, const std::string& label,
                                   std::string& error) {
  // What can be known without opening it: the folder it goes in.
  if (path != ":memory:") {
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec) || access(dir.c_str(), W_OK) != 0) {
      error = "cannot open " + path + ": " + dir.string() + " is not a writable folder";
      return nullptr;
    }
  }
  return std::make_unique<LazySqliteStore>(path, label);
}

}  // namespace spindle::host::key_value
