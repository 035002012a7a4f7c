// SQLite: the Spin 1.x `sqlite` imports (open, execute, close). A component
// may open only the databases in its `sqlite_databases`; `default` is
// <state-dir>/sqlite_db.db unless the runtime config maps it elsewhere.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/call.h"
#include "host/sqlite/database.h"
#include "manifest/runtime_config.h"

namespace spindle::host::sqlite {

constexpr size_t kMaxOpenConnections = 256;  // per request; more gets database-full

using Databases = std::map<std::string, std::shared_ptr<Database>>;

// Opens every label some component lists (see key_value::configure for the
// rules). Null with `error` naming the label that cannot be opened.
std::shared_ptr<const Databases> configure(const std::vector<std::string>& labels,
                                           const std::string& state_dir,
                                           const manifest::RuntimeConfig& runtime,
                                           std::string& error);

// The `sqlite` imports for one component allowed `allowed`.
std::shared_ptr<const Binding> bind(std::vector<std::string> allowed,
                                    std::shared_ptr<const Databases> databases);

// Runs `sql` (statements separated by `;`) against the `default` database,
// for `spindle up --sqlite`.
bool run_statements(const Databases& dbs, const std::string& sql, std::string& error);

}  // namespace spindle::host::sqlite
