// SQLite: the Spin 1.x `sqlite` imports (open, execute, close). A component
// may open only the databases in its `sqlite_databases`; `default` is
// <state-dir>/sqlite_db.db unless the runtime config maps it elsewhere.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/capability.h"
#include "host/sqlite/database.h"

namespace spindle::host::sqlite {

constexpr size_t kMaxOpenConnections = 256;  // per request; more gets database-full

using Databases = std::map<std::string, std::shared_ptr<Database>>;

// The `sqlite` imports over the app's databases (runtime config section
// `sqlite_database`; option "sqlite": `spindle up --sqlite` statements).
const Capability& capability();

// Runs `sql` (statements separated by `;`) against the `default` database,
// for `spindle up --sqlite`.
bool run_statements(const Databases& dbs, const std::string& sql, std::string& error);

}  // namespace spindle::host::sqlite
