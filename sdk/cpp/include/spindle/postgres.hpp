// PostgreSQL (Spin 1.x `outbound-pg`).
//
//   #include <spindle/postgres.hpp>
//   namespace pg = spindle::postgres;
//   const char* db = "postgres://user:password@127.0.0.1/app";
//   auto n = pg::execute(db, "INSERT INTO items (name, price) VALUES ($1, $2)", {"pen", 1.5});
//   auto r = pg::query(db, "SELECT id, name FROM items WHERE price < $1", {10.0});
//   if (!r) return spindle::Response::error(502, r.error().describe());
//   for (const pg::Row& row : r->rows)
//     use(row["id"].as_int().value_or(0), row[1].as_text().value_or(""));
//
// Each call names the server; the host pools connections. The component needs
// the address in `allowed_outbound_hosts` ("postgres://host:port"; manifest v1
// components without it may reach any). PostgreSQL has no unsigned integers:
// such parameters fail with InvalidArgument. Errors: AccessDenied (the
// address is not permitted), Io (connection-failed), InvalidArgument
// (bad-parameter, value-conversion-failed), Runtime (query-failed: the
// server's message), Other; the message is the host's.
#pragma once

#include <initializer_list>

#include "rdbms.hpp"

extern "C" {
SPINDLE_DETAIL_IMPORT("outbound-pg", "query")
void spindle_import_pg_query(int32_t addr_ptr, int32_t addr_len, int32_t sql_ptr, int32_t sql_len,
                             int32_t params_ptr, int32_t params_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-pg", "execute")
void spindle_import_pg_execute(int32_t addr_ptr, int32_t addr_len, int32_t sql_ptr, int32_t sql_len,
                               int32_t params_ptr, int32_t params_len, int32_t ret);
}

namespace spindle::postgres {

using rdbms::Bytes;
using rdbms::Column;
using rdbms::Row;
using rdbms::RowSet;
using rdbms::Value;

// Runs a statement that returns rows ($1, $2, ... bound to `params`).
inline Result<RowSet> query(std::string_view address, std::string_view sql,
                            std::span<const Value> params) {
  return rdbms::detail::query<spindle_import_pg_query>(address, sql, params);
}
inline Result<RowSet> query(std::string_view address, std::string_view sql,
                            std::initializer_list<Value> params = {}) {
  return query(address, sql, std::span<const Value>(params.begin(), params.size()));
}
inline Result<RowSet> query(std::string_view address, std::string_view sql,
                            const std::vector<Value>& params) {
  return query(address, sql, std::span<const Value>(params));
}

// Runs a statement; the number of rows it affected.
inline Result<uint64_t> execute(std::string_view address, std::string_view sql,
                                std::span<const Value> params) {
  if (!rdbms::detail::call<spindle_import_pg_execute>(address, sql, params))
    return rdbms::detail::take_error(8);
  return ::spindle::detail::canon::field<uint64_t>(8);
}
inline Result<uint64_t> execute(std::string_view address, std::string_view sql,
                                std::initializer_list<Value> params = {}) {
  return execute(address, sql, std::span<const Value>(params.begin(), params.size()));
}
inline Result<uint64_t> execute(std::string_view address, std::string_view sql,
                                const std::vector<Value>& params) {
  return execute(address, sql, std::span<const Value>(params));
}

}  // namespace spindle::postgres
