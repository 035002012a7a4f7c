// PostgreSQL values over libpq's binary format: parameters from rdbms
// Values (each with its type OID, so the server checks it against the
// statement as tokio-postgres does for Spin), results from binary columns by
// their type OID (Spin's mapping: factor-outbound-pg types.rs).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "host/rdbms/value.h"

namespace spindle::host::postgres {

using Oid = unsigned int;

struct Param {
  Oid type = 0;  // 0: let the server infer it (null)
  bool null = false;
  std::string data;
  int format = 1;  // 1 binary, 0 text
};

// The parameter for `v`; bad-parameter or value-conversion-failed when it
// has no PostgreSQL form (unsigned integers, an invalid date, ...).
std::optional<rdbms::Error> to_param(const rdbms::Value& v, Param& out);

// The Tag of a column of type `oid` (Unsupported: `other`).
rdbms::Tag column_tag(Oid oid);

// The value of a binary column of type `oid`; an error (query-failed) when
// the bytes are not what the type promises.
std::optional<rdbms::Error> from_binary(Oid oid, std::string_view data, rdbms::Value& out);

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d);
void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d);

}  // namespace spindle::host::postgres
