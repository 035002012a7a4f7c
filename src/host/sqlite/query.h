// What the sqlite capability's guest interfaces share (Spin 1 `sqlite`,
// fermyon:spin/sqlite@2.0.0, spin:sqlite/sqlite@3.0.0): the value and error
// cases (the same in every version), running one statement, and a
// component's permissions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/sqlite/sqlite.h"
#include "host/stores.h"

namespace spindle::component {
struct HostImports;
}

namespace spindle::host::sqlite {

// The error variant, in case order.
enum ErrorTag : uint8_t {
  kNoSuchDatabase = 0,
  kAccessDenied = 1,
  kInvalidConnection = 2,
  kDatabaseFull = 3,
  kIo = 4,
};

// The value variant's cases.
enum ValueTag : uint8_t { kInteger = 0, kReal = 1, kText = 2, kBlob = 3, kNull = 4 };

struct SqlValue {
  uint8_t tag = kNull;
  int64_t integer = 0;
  double real = 0;
  std::string bytes;  // text or blob
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<SqlValue>> rows;
};

// What a statement left behind (spin:sqlite@3.0.0's last-insert-rowid and
// changes).
struct Effects {
  int64_t last_insert_rowid = 0;
  uint64_t changes = 0;
};

// Runs one statement with its parameters (?1, ?2, ...) holding the
// Database's mutex; the error (io with SQLite's message, database-full) or
// nullopt.
std::optional<StoreError> execute(const Database& db, const std::string& sql,
                                  const std::vector<SqlValue>& params, QueryResult& out,
                                  Effects* effects = nullptr);

// A component's databases: the labels it lists and the app's databases.
class Access final : public Binding {
 public:
  Access(std::vector<std::string> allowed, std::shared_ptr<const Databases> dbs)
      : allowed_(std::move(allowed)), dbs_(std::move(dbs)) {}
  const std::vector<std::string>& allowed() const { return allowed_; }
  const Databases& databases() const { return *dbs_; }
  // The database `label`, or null with why (find_label(), stores.h): not
  // listed is access-denied, undefined no-such-database.
  Database* open(const std::string& label, LabelRefusal& why) const {
    return find_label(allowed_, *dbs_, label, why);
  }

 private:
  std::vector<std::string> allowed_;
  std::shared_ptr<const Databases> dbs_;
};

// The component-model interfaces (interfaces.cpp).
void link_interfaces(component::HostImports& host);

}  // namespace spindle::host::sqlite
