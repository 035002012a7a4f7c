// SQLite databases (Spin 1.x `sqlite`).
//
//   #include <spindle/sqlite.hpp>
//   namespace sql = spindle::sqlite;
//   auto db = sql::Connection::open();                     // "default"
//   if (!db) return spindle::Response::error(500, db.error().describe());
//   db->execute("INSERT INTO items (name, price) VALUES (?, ?)", {"pen", 1.5});
//   auto r = db->execute("SELECT id, name FROM items WHERE price < ?", {10});
//   if (!r) return spindle::Response::error(500, r.error().message);  // SQLite's message
//   for (const sql::Row& row : r->rows)
//     use(row["id"].as_int().value_or(0), row[1].as_text().value_or(""));
//
// One statement per execute, with `?` (or ?NNN, :name) parameters bound in
// order. Values: null, integer (int64_t), real (double), text (std::string),
// blob (bytes). Errors: AccessDenied (`access-denied`: not in the component's
// `sqlite_databases`), NotFound (`no-such-database`), InvalidArgument
// (`invalid-connection`), Full (`database-full`), Io (`io`: the message is
// SQLite's, e.g. "no such table: items").
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "detail/canonical.hpp"
#include "result.hpp"

namespace spindle::sqlite {

// Bytes of a blob value.
using Blob = std::vector<uint8_t>;

// A parameter or a result value: null, integer, real, text or blob.
class Value {
 public:
  enum class Type : uint8_t { Null, Integer, Real, Text, Blob };  // the variant's index order

  Value() = default;                                 // null
  Value(std::nullptr_t) {}                           // NOLINT: implicit on purpose
  Value(std::nullopt_t) {}                           // NOLINT
  template <std::integral I>                         // any integer or bool
  Value(I i) : v_(static_cast<int64_t>(i)) {}        // NOLINT
  Value(double d) : v_(d) {}                         // NOLINT
  Value(float f) : v_(static_cast<double>(f)) {}     // NOLINT
  Value(std::string s) : v_(std::move(s)) {}         // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Value(const char* s) : v_(std::string(s)) {}       // NOLINT
  Value(Blob b) : v_(std::move(b)) {}                // NOLINT
  Value(std::span<const uint8_t> b) : v_(Blob(b.begin(), b.end())) {}  // NOLINT
  template <class T>
  Value(std::optional<T> o) {  // NOLINT: null when empty
    if (o) *this = Value(std::move(*o));
  }

  // A blob from bytes held in a string.
  static Value blob(std::string_view bytes) {
    return Value(Blob(reinterpret_cast<const uint8_t*>(bytes.data()),
                      reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size()));
  }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::Null; }

  // The value if it has that type (as_real also converts an integer).
  std::optional<int64_t> as_int() const {
    if (auto* i = std::get_if<int64_t>(&v_)) return *i;
    return std::nullopt;
  }
  std::optional<double> as_real() const {
    if (auto* d = std::get_if<double>(&v_)) return *d;
    if (auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
    return std::nullopt;
  }
  std::optional<std::string_view> as_text() const {
    if (auto* s = std::get_if<std::string>(&v_)) return std::string_view(*s);
    return std::nullopt;
  }
  std::optional<std::span<const uint8_t>> as_blob() const {
    if (auto* b = std::get_if<Blob>(&v_)) return std::span<const uint8_t>(*b);
    return std::nullopt;
  }
  // Text or blob bytes as a string_view (nullopt for other types).
  std::optional<std::string_view> as_bytes() const {
    if (auto* b = std::get_if<Blob>(&v_))
      return std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
    return as_text();
  }

  // std::monostate (null), int64_t, double, std::string (text), Blob.
  using Variant = std::variant<std::monostate, int64_t, double, std::string, Blob>;
  const Variant& variant() const { return v_; }

  friend bool operator==(const Value&, const Value&) = default;

 private:
  Variant v_;
};

inline std::string_view to_string(Value::Type t) {
  constexpr std::string_view names[] = {"null", "integer", "real", "text", "blob"};
  return names[static_cast<int>(t)];
}

// One result row. Refers to its QueryResult's column names: keep the
// QueryResult alive while you use its rows.
class Row {
 public:
  Row(std::vector<Value> values, const std::vector<std::string>* columns)
      : values_(std::move(values)), columns_(columns) {}

  size_t size() const { return values_.size(); }
  // The value in column `i` (traps when out of range).
  const Value& operator[](size_t i) const {
    if (i >= values_.size()) __builtin_trap();
    return values_[i];
  }
  // The value in the column called `column` (the first of that name); a null
  // Value when there is none (check with has()).
  const Value& get(std::string_view column) const {
    static const Value null;
    if (columns_)
      for (size_t i = 0; i < columns_->size() && i < values_.size(); ++i)
        if ((*columns_)[i] == column) return values_[i];
    return null;
  }
  const Value& operator[](std::string_view column) const { return get(column); }
  bool has(std::string_view column) const {
    if (columns_)
      for (const auto& c : *columns_)
        if (c == column) return true;
    return false;
  }
  const std::vector<Value>& values() const { return values_; }
  auto begin() const { return values_.begin(); }
  auto end() const { return values_.end(); }

 private:
  friend struct QueryResult;
  std::vector<Value> values_;
  const std::vector<std::string>* columns_;
};

// The column names and the rows of one statement (both empty for statements
// that return no rows).
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;

  QueryResult() = default;
  QueryResult(const QueryResult& o) : columns(o.columns), rows(o.rows) { rebind(); }
  QueryResult(QueryResult&& o) noexcept : columns(std::move(o.columns)), rows(std::move(o.rows)) {
    rebind();
  }
  QueryResult& operator=(QueryResult o) noexcept {
    columns.swap(o.columns);
    rows.swap(o.rows);
    rebind();
    return *this;
  }

 private:
  void rebind() {
    for (Row& r : rows) r.columns_ = &columns;
  }
};

namespace detail {

inline Error take_error() {
  namespace canon = ::spindle::detail::canon;
  switch (canon::field<uint8_t>(4)) {
    case 0:
      return Error(ErrorKind::NotFound, "no-such-database");
    case 1:
      return Error(ErrorKind::AccessDenied, "access-denied");
    case 2:
      return Error(ErrorKind::InvalidArgument, "invalid-connection");
    case 3:
      return Error(ErrorKind::Full, "database-full");
    case 4:
      return Error(ErrorKind::Io, canon::take_error_string());
    default:
      return Error(ErrorKind::Other, "unknown sqlite error");
  }
}

// A `value` list element: 16 bytes, align 8; tag @0, payload @8.
struct alignas(8) WireValue {
  uint8_t tag;
  uint8_t pad[7];
  union {
    int64_t integer;
    double real;
    ::spindle::detail::canon::Slice bytes;
  };
};
static_assert(sizeof(WireValue) == 16 && alignof(WireValue) == 8);

// Wire tags: integer 0, real 1, text 2, blob 3, null 4.
inline WireValue lower(const Value& v) {
  WireValue w{};
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          w.tag = 4;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          w.tag = 0;
          w.integer = x;
        } else if constexpr (std::is_same_v<T, double>) {
          w.tag = 1;
          w.real = x;
        } else if constexpr (std::is_same_v<T, std::string>) {
          w.tag = 2;
          w.bytes = ::spindle::detail::canon::slice(x);
        } else {
          w.tag = 3;
          w.bytes = ::spindle::detail::canon::slice(
              std::string_view(reinterpret_cast<const char*>(x.data()), x.size()));
        }
      },
      v.variant());
  return w;
}

// Lifts and frees a host-written list<value>.
inline std::vector<Value> take_values(uint32_t p, uint32_t n) {
  namespace canon = ::spindle::detail::canon;
  std::vector<Value> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* e = canon::at(p) + size_t{i} * 16;
    switch (canon::load<uint8_t>(e, 0)) {
      case 0:
        out.emplace_back(canon::load<int64_t>(e, 8));
        break;
      case 1:
        out.emplace_back(canon::load<double>(e, 8));
        break;
      case 2:
        out.emplace_back(
            canon::take_string(canon::load<uint32_t>(e, 8), canon::load<uint32_t>(e, 12)));
        break;
      case 3: {
        uint32_t bp = canon::load<uint32_t>(e, 8), bl = canon::load<uint32_t>(e, 12);
        out.emplace_back(Blob(canon::at(bp), canon::at(bp) + bl));
        canon::release(bp, bl, 1);
        break;
      }
      default:
        out.emplace_back();
    }
  }
  canon::release(p, size_t{n} * 16, 8);
  return out;
}

}  // namespace detail

// An open database. Move-only; closed when destroyed.
class Connection {
 public:
  // Opens the database `label` ("default" unless named).
  static Result<Connection> open(std::string_view label = "default") {
    namespace canon = ::spindle::detail::canon;
    auto name = canon::slice(label);
    spindle_import_sqlite_open(name.ptr, name.len, canon::ret());
    if (canon::field<uint8_t>(0) != 0) return detail::take_error();
    return Connection(canon::field<uint32_t>(4));
  }

  Connection(Connection&& o) noexcept : handle_(std::exchange(o.handle_, kClosed)) {}
  Connection& operator=(Connection&& o) noexcept {
    if (this != &o) {
      close();
      handle_ = std::exchange(o.handle_, kClosed);
    }
    return *this;
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { close(); }

  // Runs one statement with `params` bound to its parameters in order.
  Result<QueryResult> execute(std::string_view sql, std::span<const Value> params) {
    namespace canon = ::spindle::detail::canon;
    std::vector<detail::WireValue> wire;
    wire.reserve(params.size());
    for (const Value& v : params) wire.push_back(detail::lower(v));
    auto stmt = canon::slice(sql);
    spindle_import_sqlite_execute(static_cast<int32_t>(handle_), stmt.ptr, stmt.len,
                                  ::spindle::detail::abi::addr(wire.data()),
                                  static_cast<int32_t>(wire.size()), canon::ret());
    if (canon::field<uint8_t>(0) != 0) return detail::take_error();
    uint32_t rows_ptr = canon::field<uint32_t>(12), nrows = canon::field<uint32_t>(16);
    QueryResult r;
    r.columns = canon::take_string_list(canon::field<uint32_t>(4), canon::field<uint32_t>(8));
    r.rows.reserve(nrows);
    for (uint32_t i = 0; i < nrows; ++i) {
      const uint8_t* e = canon::at(rows_ptr) + size_t{i} * 8;
      r.rows.emplace_back(
          detail::take_values(canon::load<uint32_t>(e, 0), canon::load<uint32_t>(e, 4)),
          &r.columns);
    }
    canon::release(rows_ptr, size_t{nrows} * 8, 4);
    return r;
  }
  Result<QueryResult> execute(std::string_view sql, std::initializer_list<Value> params = {}) {
    return execute(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result<QueryResult> execute(std::string_view sql, const std::vector<Value>& params) {
    return execute(sql, std::span<const Value>(params));
  }

  // Closes the connection now (the destructor does it otherwise). Later calls
  // fail with InvalidArgument ("invalid-connection").
  void close() {
    if (handle_ != kClosed) spindle_import_sqlite_close(static_cast<int32_t>(handle_));
    handle_ = kClosed;
  }

 private:
  static constexpr uint32_t kClosed = 0xffffffffu;
  explicit Connection(uint32_t handle) : handle_(handle) {}
  uint32_t handle_;
};

}  // namespace spindle::sqlite
