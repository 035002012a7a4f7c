// MySQL / MariaDB (Spin 1.x `outbound-mysql`).
//
//   #include <spindle/mysql.hpp>
//   namespace my = spindle::mysql;
//   const char* db = "mysql://user:password@127.0.0.1/app";
//   my::execute(db, "INSERT INTO items (name, price) VALUES (?, ?)", {"pen", 1.5});
//   auto r = my::query(db, "SELECT id, name FROM items WHERE price < ?", {10.0});
//   if (!r) return spindle::Response::error(502, r.error().describe());
//   for (const my::Row& row : r->rows)
//     use(row["id"].as_int().value_or(0), row[1].as_text().value_or(""));
//
// Each call names the server; the host pools connections. The component needs
// the address in `allowed_outbound_hosts` ("mysql://host:port"; manifest v1
// components without it may reach any). Columns of types rdbms-types has no
// case for (DECIMAL, DATETIME, ...) fail with InvalidArgument
// (value-conversion-failed) when a value is not null: cast them in SQL.
// Errors as in postgres.hpp.
#pragma once

#include <initializer_list>

#include "rdbms.hpp"

extern "C" {
SPINDLE_DETAIL_IMPORT("outbound-mysql", "query")
void spindle_import_mysql_query(int32_t addr_ptr, int32_t addr_len, int32_t sql_ptr,
                                int32_t sql_len, int32_t params_ptr, int32_t params_len,
                                int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-mysql", "execute")
void spindle_import_mysql_execute(int32_t addr_ptr, int32_t addr_len, int32_t sql_ptr,
                                  int32_t sql_len, int32_t params_ptr, int32_t params_len,
                                  int32_t ret);
}

namespace spindle::mysql {

using rdbms::Bytes;
using rdbms::Column;
using rdbms::Row;
using rdbms::RowSet;
using rdbms::Value;

// Runs a statement that returns rows (`?` bound to `params` in order).
inline Result<RowSet> query(std::string_view address, std::string_view sql,
                            std::span<const Value> params) {
  return rdbms::detail::query<spindle_import_mysql_query>(address, sql, params);
}
inline Result<RowSet> query(std::string_view address, std::string_view sql,
                            std::initializer_list<Value> params = {}) {
  return query(address, sql, std::span<const Value>(params.begin(), params.size()));
}
inline Result<RowSet> query(std::string_view address, std::string_view sql,
                            const std::vector<Value>& params) {
  return query(address, sql, std::span<const Value>(params));
}

// Runs a statement that returns no rows.
inline Result<void> execute(std::string_view address, std::string_view sql,
                            std::span<const Value> params) {
  if (!rdbms::detail::call<spindle_import_mysql_execute>(address, sql, params))
    return rdbms::detail::take_error(4);
  return {};
}
inline Result<void> execute(std::string_view address, std::string_view sql,
                            std::initializer_list<Value> params = {}) {
  return execute(address, sql, std::span<const Value>(params.begin(), params.size()));
}
inline Result<void> execute(std::string_view address, std::string_view sql,
                            const std::vector<Value>& params) {
  return execute(address, sql, std::span<const Value>(params));
}

}  // namespace spindle::mysql
