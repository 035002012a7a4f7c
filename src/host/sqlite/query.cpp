#include "host/sqlite/query.h"

#include <sqlite3.h>

namespace spindle::host::sqlite {

std::optional<StoreError> execute(const Database& db, const std::string& sql,
                                  const std::vector<SqlValue>& params, QueryResult& out,
                                  Effects* effects) {
  std::lock_guard lock(db.mutex());
  Stmt s(db.handle(), sql);
  if (!s.ok()) return StoreError{kIo, s.error()};
  if (s.tail().find_first_not_of(" \t\r\n;") != std::string::npos)
    return StoreError{kIo, "execute runs one statement; found more after the first"};
  // As Spin (rusqlite): the parameters must match the statement's.
  if (int needed = sqlite3_bind_parameter_count(s.get());
      static_cast<size_t>(needed) != params.size())
    return StoreError{kIo, "Wrong number of parameters passed to query. Got " +
                               std::to_string(params.size()) + ", needed " +
                               std::to_string(needed)};
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    const SqlValue& v = params[i];
    switch (v.tag) {
      case kInteger:
        sqlite3_bind_int64(s.get(), idx, v.integer);
        break;
      case kReal:
        sqlite3_bind_double(s.get(), idx, v.real);
        break;
      case kText:
        s.text(idx, v.bytes);
        break;
      case kBlob:
        s.blob(idx, v.bytes);
        break;
      default:
        sqlite3_bind_null(s.get(), idx);
    }
  }
  int ncols = sqlite3_column_count(s.get());
  for (int c = 0; c < ncols; ++c) out.columns.emplace_back(sqlite3_column_name(s.get(), c));
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    std::vector<SqlValue> row(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      SqlValue& v = row[static_cast<size_t>(c)];
      switch (sqlite3_column_type(s.get(), c)) {
        case SQLITE_INTEGER:
          v.tag = kInteger;
          v.integer = sqlite3_column_int64(s.get(), c);
          break;
        case SQLITE_FLOAT:
          v.tag = kReal;
          v.real = sqlite3_column_double(s.get(), c);
          break;
        case SQLITE_TEXT:
          v.tag = kText;
          v.bytes.assign(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), c)),
                         static_cast<size_t>(sqlite3_column_bytes(s.get(), c)));
          break;
        case SQLITE_BLOB: {
          v.tag = kBlob;
          const void* p = sqlite3_column_blob(s.get(), c);
          v.bytes.assign(static_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(s.get(), c)));
          break;
        }
        default:
          v.tag = kNull;
      }
    }
    out.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) {
    if (rc == SQLITE_FULL) return StoreError{kDatabaseFull, ""};
    return StoreError{kIo, s.error()};
  }
  if (effects) {
    effects->last_insert_rowid = sqlite3_last_insert_rowid(db.handle());
    effects->changes = static_cast<uint64_t>(sqlite3_changes64(db.handle()));
  }
  return std::nullopt;
}

}  // namespace spindle::host::sqlite
