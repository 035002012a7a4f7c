// The database values the outbound PostgreSQL and MySQL capabilities share
// (Spin's rdbms-types, and the richer spin:postgres@3/4 types): what a
// driver makes of a result and takes as a parameter, independent of the
// guest interface that carries it. Tags 0..14 are rdbms-types' db-value
// cases in order (parameter-value is the same without `unsupported`); the
// rest are spin:postgres's extra cases.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace spindle::host::rdbms {

enum class Tag : uint8_t {
  Boolean,
  Int8,
  Int16,
  Int32,
  Int64,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Floating32,
  Floating64,
  Str,
  Binary,
  DbNull,
  Unsupported,
  // spin:postgres@3.0.0
  Date,
  Time,
  Datetime,
  Timestamp,
  // spin:postgres@4.0.0
  Uuid,
  Jsonb,
  Decimal,
  RangeInt32,
  RangeInt64,
  RangeDecimal,
  ArrayInt32,
  ArrayInt64,
  ArrayDecimal,
  ArrayStr,
  Interval,
};

// One bound of a range: its value (integer or decimal text) and whether it
// is inclusive.
struct Bound {
  int64_t integer = 0;
  std::string decimal;
  bool inclusive = true;
};

struct Value {
  Tag tag = Tag::DbNull;
  bool boolean = false;
  int64_t integer = 0;     // Int*, Timestamp (seconds since the epoch)
  uint64_t unsigned_ = 0;  // Uint*
  double real = 0;         // Floating32/64
  std::string bytes;       // Str, Binary, Uuid, Jsonb, Decimal, Unsupported
  // Date (year, month, day); Time (hour, minute, second, nanosecond);
  // Datetime (year, month, day, hour, minute, second, nanosecond);
  // Interval (micros, days, months).
  std::array<int64_t, 7> parts{};
  std::optional<Bound> lower, upper;                // Range*
  std::vector<std::optional<int64_t>> integers;     // ArrayInt32/64
  std::vector<std::optional<std::string>> strings;  // ArrayDecimal/Str

  static Value null() { return {}; }
  static Value of(Tag t) {
    Value v;
    v.tag = t;
    return v;
  }
  static Value int_of(Tag t, int64_t i) {
    Value v = of(t);
    v.integer = i;
    return v;
  }
  static Value bytes_of(Tag t, std::string b) {
    Value v = of(t);
    v.bytes = std::move(b);
    return v;
  }
};

// A column's data type: the Tag of its values (DbNull is never one), or
// Unsupported for `other`, with the database's name for it.
struct Column {
  std::string name;
  Tag type = Tag::Unsupported;
  std::string type_name;  // "numeric", "datetime", ... (other(string) of spin:postgres@4)
};

struct RowSet {
  std::vector<Column> columns;
  std::vector<std::vector<Value>> rows;
};

// The error variant of every interface (Spin 1's pg-error / mysql-error
// without `success`, rdbms-types' error, spin:postgres's).
enum class ErrorKind : uint8_t {
  ConnectionFailed,
  BadParameter,
  QueryFailed,
  ValueConversionFailed,
  Other,
};

// PostgreSQL's structured error (spin:postgres@4.0.0 db-error).
struct DbError {
  std::string severity, code, message;
  std::optional<std::string> detail;
  std::vector<std::pair<std::string, std::string>> extras;
};

struct Error {
  ErrorKind kind = ErrorKind::Other;
  std::string message;
  std::optional<DbError> db;  // query-failed from the server (PostgreSQL)
};

inline Error error(ErrorKind k, std::string message) { return Error{k, std::move(message), {}}; }

}  // namespace spindle::host::rdbms
