// What spindle/postgres.hpp and spindle/mysql.hpp share: Spin's rdbms-types
// (Spin 1.x wit/ephemeral/rdbms-types.wit) as C++ values, and their wire
// form. Guest code includes postgres.hpp or mysql.hpp.
//
//   Value: null, bool, int8..int64, uint8..uint64, float, double, text
//          (std::string), binary (Bytes), or `unsupported` (a result of a
//          type the interface has no case for).
//   RowSet { std::vector<Column> columns; std::vector<Row> rows; }
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>
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

namespace spindle::rdbms {

using Bytes = std::vector<uint8_t>;
struct Null {
  friend bool operator==(Null, Null) = default;
};
struct Unsupported {
  friend bool operator==(Unsupported, Unsupported) = default;
};

// A parameter or a result value. The variant's index is the wire tag.
class Value {
 public:
  enum class Type : uint8_t {
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
    Null,
    Unsupported,
  };
  using Variant = std::variant<bool, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t,
                               uint64_t, float, double, std::string, Bytes, Null, Unsupported>;

  Value() : v_(Null{}) {}                            // null
  Value(std::nullptr_t) : v_(Null{}) {}              // NOLINT: implicit on purpose
  Value(std::nullopt_t) : v_(Null{}) {}              // NOLINT
  template <std::integral I>                         // the integer case of its size and sign
  Value(I i) : v_(integer(i)) {}                     // NOLINT
  Value(float f) : v_(f) {}                          // NOLINT
  Value(double d) : v_(d) {}                         // NOLINT
  Value(std::string s) : v_(std::move(s)) {}         // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Value(const char* s) : v_(std::string(s)) {}       // NOLINT
  Value(Bytes b) : v_(std::move(b)) {}               // NOLINT
  Value(std::span<const uint8_t> b) : v_(Bytes(b.begin(), b.end())) {}  // NOLINT
  Value(Unsupported u) : v_(u) {}                                       // NOLINT
  template <class T>
  Value(std::optional<T> o) : v_(Null{}) {  // NOLINT: null when empty
    if (o) *this = Value(std::move(*o));
  }
  // Binary from bytes held in a string.
  static Value binary(std::string_view bytes) {
    return Value(Bytes(reinterpret_cast<const uint8_t*>(bytes.data()),
                       reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size()));
  }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::Null; }
  const Variant& variant() const { return v_; }

  // Any integer case (unsigned ones above INT64_MAX: nullopt).
  std::optional<int64_t> as_int() const {
    return std::visit(
        [](const auto& x) -> std::optional<int64_t> {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, uint64_t>) {
            if (x > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
            return static_cast<int64_t>(x);
          } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            return static_cast<int64_t>(x);
          } else {
            return std::nullopt;
          }
        },
        v_);
  }
  std::optional<uint64_t> as_uint() const {
    if (auto* u = std::get_if<uint64_t>(&v_)) return *u;
    auto i = as_int();
    if (i && *i >= 0) return static_cast<uint64_t>(*i);
    return std::nullopt;
  }
  std::optional<double> as_real() const {
    if (auto* d = std::get_if<double>(&v_)) return *d;
    if (auto* f = std::get_if<float>(&v_)) return *f;
    return std::nullopt;
  }
  std::optional<bool> as_bool() const {
    if (auto* b = std::get_if<bool>(&v_)) return *b;
    return std::nullopt;
  }
  std::optional<std::string_view> as_text() const {
    if (auto* s = std::get_if<std::string>(&v_)) return std::string_view(*s);
    return std::nullopt;
  }
  std::optional<std::span<const uint8_t>> as_binary() const {
    if (auto* b = std::get_if<Bytes>(&v_)) return std::span<const uint8_t>(*b);
    return std::nullopt;
  }

  friend bool operator==(const Value&, const Value&) = default;

 private:
  template <class I>
  static Variant integer(I i) {
    if constexpr (std::is_same_v<I, bool>) {
      return i;
    } else if constexpr (std::is_signed_v<I>) {
      if constexpr (sizeof(I) == 1)
        return static_cast<int8_t>(i);
      else if constexpr (sizeof(I) == 2)
        return static_cast<int16_t>(i);
      else if constexpr (sizeof(I) == 4)
        return static_cast<int32_t>(i);
      else
        return static_cast<int64_t>(i);
    } else {
      if constexpr (sizeof(I) == 1)
        return static_cast<uint8_t>(i);
      else if constexpr (sizeof(I) == 2)
        return static_cast<uint16_t>(i);
      else if constexpr (sizeof(I) == 4)
        return static_cast<uint32_t>(i);
      else
        return static_cast<uint64_t>(i);
    }
  }
  Variant v_;
};

// A result column and its data type (Value::Type without Null; `Unsupported`
// is the interface's `other`).
struct Column {
  std::string name;
  Value::Type type = Value::Type::Unsupported;
};

// One result row. Refers to its RowSet's columns: keep the RowSet alive.
class Row {
 public:
  Row(std::vector<Value> values, const std::vector<Column>* columns)
      : values_(std::move(values)), columns_(columns) {}
  size_t size() const { return values_.size(); }
  // The value in column `i` (traps when out of range).
  const Value& operator[](size_t i) const {
    if (i >= values_.size()) __builtin_trap();
    return values_[i];
  }
  // The value in the column called `name`; a null Value when there is none.
  const Value& get(std::string_view name) const {
    static const Value null;
    if (columns_)
      for (size_t i = 0; i < columns_->size() && i < values_.size(); ++i)
        if ((*columns_)[i].name == name) return values_[i];
    return null;
  }
  const Value& operator[](std::string_view name) const { return get(name); }
  const std::vector<Value>& values() const { return values_; }
  auto begin() const { return values_.begin(); }
  auto end() const { return values_.end(); }

 private:
  friend struct RowSet;
  std::vector<Value> values_;
  const std::vector<Column>* columns_;
};

struct RowSet {
  std::vector<Column> columns;
  std::vector<Row> rows;

  RowSet() = default;
  RowSet(const RowSet& o) : columns(o.columns), rows(o.rows) { rebind(); }
  RowSet(RowSet&& o) noexcept : columns(std::move(o.columns)), rows(std::move(o.rows)) { rebind(); }
  RowSet& operator=(RowSet o) noexcept {
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

namespace canon = ::spindle::detail::canon;

// parameter-value / db-value: 16 bytes, align 8; tag @0, payload @8.
struct alignas(8) WireValue {
  uint8_t tag;
  uint8_t pad[7];
  union {
    uint64_t bits;
    float f32;
    double f64;
    canon::Slice bytes;
  };
};
static_assert(sizeof(WireValue) == 16 && alignof(WireValue) == 8);

inline WireValue lower(const Value& v) {
  WireValue w{};
  w.tag = static_cast<uint8_t>(v.variant().index());
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, float>) {
          w.f32 = x;
        } else if constexpr (std::is_same_v<T, double>) {
          w.f64 = x;
        } else if constexpr (std::is_same_v<T, std::string>) {
          w.bytes = canon::slice(x);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          w.bytes =
              canon::slice(std::string_view(reinterpret_cast<const char*>(x.data()), x.size()));
        } else if constexpr (std::is_integral_v<T>) {
          w.bits = 0;
          std::memcpy(&w.bits, &x, sizeof x);  // little-endian: the value at +8
        }
      },
      v.variant());
  if (w.tag == static_cast<uint8_t>(Value::Type::Unsupported))
    w.tag = static_cast<uint8_t>(Value::Type::Null);  // no such parameter
  return w;
}

inline Value lift(const uint8_t* e) {
  switch (canon::load<uint8_t>(e, 0)) {
    case 0:
      return Value(canon::load<uint8_t>(e, 8) != 0);
    case 1:
      return Value(canon::load<int8_t>(e, 8));
    case 2:
      return Value(canon::load<int16_t>(e, 8));
    case 3:
      return Value(canon::load<int32_t>(e, 8));
    case 4:
      return Value(canon::load<int64_t>(e, 8));
    case 5:
      return Value(canon::load<uint8_t>(e, 8));
    case 6:
      return Value(canon::load<uint16_t>(e, 8));
    case 7:
      return Value(canon::load<uint32_t>(e, 8));
    case 8:
      return Value(canon::load<uint64_t>(e, 8));
    case 9:
      return Value(canon::load<float>(e, 8));
    case 10:
      return Value(canon::load<double>(e, 8));
    case 11:
      return Value(canon::take_string(canon::load<uint32_t>(e, 8), canon::load<uint32_t>(e, 12)));
    case 12: {
      uint32_t p = canon::load<uint32_t>(e, 8), n = canon::load<uint32_t>(e, 12);
      Value v(Bytes(canon::at(p), canon::at(p) + n));
      canon::release(p, n, 1);
      return v;
    }
    case 13:
      return Value();
    default:
      return Value(Unsupported{});
  }
}

// Lifts (and frees) the row-set at return-area offset 4.
inline RowSet take_row_set() {
  uint32_t cols = canon::field<uint32_t>(4), ncols = canon::field<uint32_t>(8);
  uint32_t rows = canon::field<uint32_t>(12), nrows = canon::field<uint32_t>(16);
  RowSet rs;
  rs.columns.reserve(ncols);
  for (uint32_t i = 0; i < ncols; ++i) {
    const uint8_t* c = canon::at(cols) + size_t{i} * 12;
    Column col;
    col.name = canon::take_string(canon::load<uint32_t>(c, 0), canon::load<uint32_t>(c, 4));
    uint8_t t = canon::load<uint8_t>(c, 8);
    col.type = t < 13 ? static_cast<Value::Type>(t) : Value::Type::Unsupported;
    rs.columns.push_back(std::move(col));
  }
  canon::release(cols, size_t{ncols} * 12, 4);
  rs.rows.reserve(nrows);
  for (uint32_t i = 0; i < nrows; ++i) {
    const uint8_t* r = canon::at(rows) + size_t{i} * 8;
    uint32_t vp = canon::load<uint32_t>(r, 0), vn = canon::load<uint32_t>(r, 4);
    std::vector<Value> values;
    values.reserve(vn);
    for (uint32_t j = 0; j < vn; ++j) values.push_back(lift(canon::at(vp) + size_t{j} * 16));
    canon::release(vp, size_t{vn} * 16, 8);
    rs.rows.emplace_back(std::move(values), &rs.columns);
  }
  canon::release(rows, size_t{nrows} * 8, 4);
  return rs;
}

// The pg-error / mysql-error variant at return-area offset `at` (its string
// at +4 / +8): ConnectionFailed is Io (AccessDenied when the address is not
// permitted), BadParameter and ValueConversionFailed InvalidArgument,
// QueryFailed Runtime (the server refused the statement), Other Other.
inline Error take_error(size_t at) {
  uint8_t tag = canon::field<uint8_t>(at);
  std::string message =
      tag == 0 ? std::string()
               : canon::take_string(canon::field<uint32_t>(at + 4), canon::field<uint32_t>(at + 8));
  switch (tag) {
    case 1: {
      constexpr std::string_view denied = " is not permitted";
      bool refused = message.size() >= denied.size() &&
                     message.compare(message.size() - denied.size(), denied.size(), denied) == 0;
      return Error(refused ? ErrorKind::AccessDenied : ErrorKind::Io, std::move(message));
    }
    case 2:
    case 4:
      return Error(ErrorKind::InvalidArgument, std::move(message));
    case 3:
      return Error(ErrorKind::Runtime, std::move(message));
    default:
      return Error(ErrorKind::Other, std::move(message));
  }
}

inline std::vector<WireValue> lower_all(std::span<const Value> params) {
  std::vector<WireValue> wire;
  wire.reserve(params.size());
  for (const Value& v : params) wire.push_back(lower(v));
  return wire;
}

// Calls `query` or `execute` of `outbound-pg` / `outbound-mysql` (their
// flat signatures are the same): true when it answered ok, its result at
// canon::ret().
template <auto Import>
bool call(std::string_view address, std::string_view sql, std::span<const Value> params) {
  auto wire = lower_all(params);
  auto a = canon::slice(address), s = canon::slice(sql);
  Import(a.ptr, a.len, s.ptr, s.len, ::spindle::detail::abi::addr(wire.data()),
         static_cast<int32_t>(wire.size()), canon::ret());
  return canon::field<uint8_t>(0) == 0;
}

// `query` of either interface: the rows, or the error.
template <auto Import>
Result<RowSet> query(std::string_view address, std::string_view sql,
                     std::span<const Value> params) {
  if (!call<Import>(address, sql, params)) return take_error(4);
  return take_row_set();
}

}  // namespace detail

}  // namespace spindle::rdbms
