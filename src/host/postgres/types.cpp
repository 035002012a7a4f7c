#include "host/postgres/types.h"

#include <cctype>
#include <cmath>
#include <cstring>

namespace spindle::host::postgres {

using rdbms::Error;
using rdbms::ErrorKind;
using rdbms::Tag;
using rdbms::Value;

namespace {

// Type OIDs (pg_type.dat).
enum : Oid {
  kBool = 16,
  kBytea = 17,
  kInt8 = 20,
  kInt2 = 21,
  kInt4 = 23,
  kText = 25,
  kFloat4 = 700,
  kFloat8 = 701,
  kBpchar = 1042,
  kVarchar = 1043,
  kDate = 1082,
  kTime = 1083,
  kTimestamp = 1114,
  kTimestamptz = 1184,
  kInterval = 1186,
  kNumeric = 1700,
  kUuid = 2950,
  kJsonb = 3802,
  kInt4Range = 3904,
  kNumRange = 3906,
  kInt8Range = 3926,
  kInt4Array = 1007,
  kInt8Array = 1016,
  kTextArray = 1009,
  kBpcharArray = 1014,
  kVarcharArray = 1015,
  kNumericArray = 1231,
};

// Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
constexpr int64_t kEpochDays = 10957;
constexpr int64_t kMicrosPerDay = 86400LL * 1000000;

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_be(std::string_view d, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(d[at + i]);
  return v;
}

Error bad(std::string message) { return rdbms::error(ErrorKind::BadParameter, std::move(message)); }
Error malformed(std::string_view type) {
  return rdbms::error(ErrorKind::QueryFailed,
                      "malformed " + std::string(type) + " value from the server");
}

bool valid_decimal(const std::string& s) {
  size_t i = 0, digits = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++digits;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits > 0;
}

bool valid_date(int64_t y, int64_t m, int64_t d) {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  int64_t y2, m2, d2;
  civil_from_days(days_from_civil(y, m, d), y2, m2, d2);
  return y2 == y && m2 == m && d2 == d;
}

bool time_micros(const Value& v, size_t at, int64_t& out) {
  int64_t h = v.parts[at], mi = v.parts[at + 1], s = v.parts[at + 2], ns = v.parts[at + 3];
  if (h > 23 || mi > 59 || s > 59 || ns < 0 || ns > 999999999) return false;
  out = ((h * 60 + mi) * 60 + s) * 1000000 + ns / 1000;
  return true;
}

// A one-dimensional binary array of `elem` elements.
void binary_array(std::string& out, Oid elem, const std::vector<std::string>& items,
                  const std::vector<bool>& nulls) {
  bool has_null = false;
  for (bool n : nulls) has_null = has_null || n;
  put_be(out, items.empty() ? 0 : 1, 4);
  put_be(out, has_null ? 1 : 0, 4);
  put_be(out, elem, 4);
  if (items.empty()) return;
  put_be(out, items.size(), 4);
  put_be(out, 1, 4);
  for (size_t i = 0; i < items.size(); ++i) {
    if (nulls[i]) {
      put_be(out, 0xffffffffu, 4);
    } else {
      put_be(out, items[i].size(), 4);
      out += items[i];
    }
  }
}

std::string range_text(const Value& v) {
  std::string out = v.lower && v.lower->inclusive ? "[" : "(";
  if (v.lower) out += v.lower->decimal;
  out += ",";
  if (v.upper) out += v.upper->decimal;
  out += v.upper && v.upper->inclusive ? "]" : ")";
  return out;
}

void binary_range(std::string& out, const Value& v, int bytes) {
  uint8_t flags = 0;
  if (!v.lower) flags |= 0x08;
  if (!v.upper) flags |= 0x10;
  if (v.lower && v.lower->inclusive) flags |= 0x02;
  if (v.upper && v.upper->inclusive) flags |= 0x04;
  out.push_back(static_cast<char>(flags));
  for (const auto* b : {&v.lower, &v.upper}) {
    if (!*b) continue;
    put_be(out, static_cast<uint64_t>(bytes), 4);
    put_be(out, static_cast<uint64_t>((*b)->integer), bytes);
  }
}

// numeric's binary form as PostgreSQL's text form.
bool numeric_text(std::string_view d, std::string& out) {
  if (d.size() < 8) return false;
  int ndigits = static_cast<int16_t>(get_be(d, 0, 2));
  int weight = static_cast<int16_t>(get_be(d, 2, 2));
  uint16_t sign = static_cast<uint16_t>(get_be(d, 4, 2));
  int dscale = static_cast<int16_t>(get_be(d, 6, 2));
  if (ndigits < 0 || d.size() < 8 + static_cast<size_t>(ndigits) * 2) return false;
  if (sign == 0xC000) return out = "NaN", true;
  if (sign == 0xD000) return out = "Infinity", true;
  if (sign == 0xF000) return out = "-Infinity", true;
  auto digit = [&](int i) {
    return i >= 0 && i < ndigits ? static_cast<int>(get_be(d, 8 + 2 * i, 2)) : 0;
  };
  out = sign == 0x4000 ? "-" : "";
  if (weight < 0) {
    out += "0";
  } else {
    for (int i = 0; i <= weight; ++i) {
      std::string part = std::to_string(digit(i));
      if (i > 0) part.insert(0, 4 - part.size(), '0');
      out += part;
    }
  }
  if (dscale > 0) {
    std::string frac;
    for (int i = weight + 1; static_cast<int>(frac.size()) < dscale; ++i) {
      std::string part = std::to_string(digit(i));
      part.insert(0, 4 - part.size(), '0');
      frac += part;
    }
    out += "." + frac.substr(0, dscale);
  }
  return true;
}

std::string uuid_text(std::string_view d) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(hex[static_cast<unsigned char>(d[i]) >> 4]);
    out.push_back(hex[static_cast<unsigned char>(d[i]) & 15]);
  }
  return out;
}

bool uuid_bytes(const std::string& text, std::string& out) {
  std::string hex;
  for (char c : text)
    if (c != '-') hex.push_back(c);
  if (hex.size() != 32) return false;
  for (size_t i = 0; i < 32; i += 2) {
    int v = 0;
    for (size_t j = i; j < i + 2; ++j) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(hex[j])));
      if (c >= '0' && c <= '9') {
        v = v * 16 + (c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v = v * 16 + (c - 'a' + 10);
      } else {
        return false;
      }
    }
    out.push_back(static_cast<char>(v));
  }
  return true;
}

void set_datetime(Value& v, int64_t micros_since_2000) {
  int64_t days = micros_since_2000 / kMicrosPerDay;
  int64_t rest = micros_since_2000 % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  int64_t y, m, d;
  civil_from_days(days + kEpochDays, y, m, d);
  v.parts = {
      y, m, d, rest / 3600000000, rest / 60000000 % 60, rest / 1000000 % 60, rest % 1000000 * 1000};
}

// A one-dimensional binary array's elements (null: nullopt).
bool array_items(std::string_view d, std::vector<std::optional<std::string_view>>& out) {
  if (d.size() < 12) return false;
  int32_t ndim = static_cast<int32_t>(get_be(d, 0, 4));
  if (ndim == 0) return true;
  if (ndim != 1 || d.size() < 20) return false;
  int32_t n = static_cast<int32_t>(get_be(d, 12, 4));
  size_t at = 20;
  for (int32_t i = 0; i < n; ++i) {
    if (at + 4 > d.size()) return false;
    int32_t len = static_cast<int32_t>(get_be(d, at, 4));
    at += 4;
    if (len < 0) {
      out.emplace_back();
      continue;
    }
    if (at + static_cast<size_t>(len) > d.size()) return false;
    out.emplace_back(d.substr(at, static_cast<size_t>(len)));
    at += static_cast<size_t>(len);
  }
  return true;
}

bool range_bounds(std::string_view d, Value& v, bool numeric) {
  if (d.empty()) return false;
  uint8_t flags = static_cast<uint8_t>(d[0]);
  if (flags & 0x01) return true;  // empty: no bounds
  size_t at = 1;
  auto bound = [&](bool present, bool inclusive, std::optional<rdbms::Bound>& out) {
    if (!present) return true;
    if (at + 4 > d.size()) return false;
    int32_t len = static_cast<int32_t>(get_be(d, at, 4));
    at += 4;
    if (len < 0 || at + static_cast<size_t>(len) > d.size()) return false;
    std::string_view b = d.substr(at, static_cast<size_t>(len));
    at += static_cast<size_t>(len);
    rdbms::Bound x;
    x.inclusive = inclusive;
    if (numeric) {
      if (!numeric_text(b, x.decimal)) return false;
    } else if (len == 4) {
      x.integer = static_cast<int32_t>(get_be(b, 0, 4));
    } else if (len == 8) {
      x.integer = static_cast<int64_t>(get_be(b, 0, 8));
    } else {
      return false;
    }
    out = std::move(x);
    return true;
  };
  return bound(!(flags & 0x08), flags & 0x02, v.lower) &&
         bound(!(flags & 0x10), flags & 0x04, v.upper);
}

}  // namespace

int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
}

std::optional<Error> to_param(const Value& v, Param& p) {
  std::string& o = p.data;
  switch (v.tag) {
    case Tag::Boolean:
      p.type = kBool;
      o.push_back(v.boolean ? 1 : 0);
      break;
    case Tag::Int8:  // no 1-byte integer in PostgreSQL: smallint
    case Tag::Int16:
      p.type = kInt2;
      put_be(o, static_cast<uint64_t>(v.integer), 2);
      break;
    case Tag::Int32:
      p.type = kInt4;
      put_be(o, static_cast<uint64_t>(v.integer), 4);
      break;
    case Tag::Int64:
      p.type = kInt8;
      put_be(o, static_cast<uint64_t>(v.integer), 8);
      break;
    case Tag::Uint8:
    case Tag::Uint16:
    case Tag::Uint32:
    case Tag::Uint64:
      return rdbms::error(ErrorKind::ValueConversionFailed,
                          "Postgres does not support unsigned integers");
    case Tag::Floating32: {
      p.type = kFloat4;
      float f = static_cast<float>(v.real);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      put_be(o, bits, 4);
      break;
    }
    case Tag::Floating64: {
      p.type = kFloat8;
      uint64_t bits;
      std::memcpy(&bits, &v.real, 8);
      put_be(o, bits, 8);
      break;
    }
    case Tag::Str:
      p.type = kText;
      o = v.bytes;
      break;
    case Tag::Binary:
      p.type = kBytea;
      o = v.bytes;
      break;
    case Tag::Date:
      if (!valid_date(v.parts[0], v.parts[1], v.parts[2]))
        return bad("invalid date y=" + std::to_string(v.parts[0]) +
                   ", m=" + std::to_string(v.parts[1]) + ", d=" + std::to_string(v.parts[2]));
      p.type = kDate;
      put_be(
          o,
          static_cast<uint64_t>(days_from_civil(v.parts[0], v.parts[1], v.parts[2]) - kEpochDays),
          4);
      break;
    case Tag::Time: {
      int64_t us;
      if (!time_micros(v, 0, us))
        return bad("invalid time " + std::to_string(v.parts[0]) + ":" + std::to_string(v.parts[1]) +
                   ":" + std::to_string(v.parts[2]) + ":" + std::to_string(v.parts[3]));
      p.type = kTime;
      put_be(o, static_cast<uint64_t>(us), 8);
      break;
    }
    case Tag::Datetime: {
      int64_t us;
      if (!valid_date(v.parts[0], v.parts[1], v.parts[2]))
        return bad("invalid date y=" + std::to_string(v.parts[0]) +
                   ", m=" + std::to_string(v.parts[1]) + ", d=" + std::to_string(v.parts[2]));
      if (!time_micros(v, 3, us))
        return bad("invalid time " + std::to_string(v.parts[3]) + ":" + std::to_string(v.parts[4]) +
                   ":" + std::to_string(v.parts[5]) + ":" + std::to_string(v.parts[6]));
      p.type = kTimestamp;
      int64_t days = days_from_civil(v.parts[0], v.parts[1], v.parts[2]) - kEpochDays;
      put_be(o, static_cast<uint64_t>(days * kMicrosPerDay + us), 8);
      break;
    }
    case Tag::Timestamp:
      p.type = kTimestamptz;
      put_be(o, static_cast<uint64_t>((v.integer - kEpochDays * 86400) * 1000000), 8);
      break;
    case Tag::Uuid:
      p.type = kUuid;
      if (!uuid_bytes(v.bytes, o)) return bad("invalid UUID " + v.bytes);
      break;
    case Tag::Jsonb:
      p.type = kJsonb;
      o.push_back(1);
      o += v.bytes;
      break;
    case Tag::Decimal:
      if (!valid_decimal(v.bytes)) return bad("invalid decimal " + v.bytes);
      p.type = kNumeric;
      p.format = 0;
      o = v.bytes;
      break;
    case Tag::RangeInt32:
      p.type = kInt4Range;
      binary_range(o, v, 4);
      break;
    case Tag::RangeInt64:
      p.type = kInt8Range;
      binary_range(o, v, 8);
      break;
    case Tag::RangeDecimal:
      for (const auto* b : {&v.lower, &v.upper})
        if (*b && !valid_decimal((*b)->decimal)) return bad("invalid decimal " + (*b)->decimal);
      p.type = kNumRange;
      p.format = 0;
      o = range_text(v);
      break;
    case Tag::ArrayInt32:
    case Tag::ArrayInt64: {
      bool wide = v.tag == Tag::ArrayInt64;
      std::vector<std::string> items;
      std::vector<bool> nulls;
      for (const auto& x : v.integers) {
        std::string b;
        if (x) put_be(b, static_cast<uint64_t>(*x), wide ? 8 : 4);
        items.push_back(std::move(b));
        nulls.push_back(!x);
      }
      p.type = wide ? kInt8Array : kInt4Array;
      binary_array(o, wide ? kInt8 : kInt4, items, nulls);
      break;
    }
    case Tag::ArrayStr: {
      std::vector<std::string> items;
      std::vector<bool> nulls;
      for (const auto& x : v.strings) {
        items.push_back(x.value_or(""));
        nulls.push_back(!x);
      }
      p.type = kTextArray;
      binary_array(o, kText, items, nulls);
      break;
    }
    case Tag::ArrayDecimal: {
      o = "{";
      for (size_t i = 0; i < v.strings.size(); ++i) {
        const auto& x = v.strings[i];
        if (x && !valid_decimal(*x)) return bad("invalid decimal " + *x);
        o += (i ? "," : "") + (x ? *x : std::string("NULL"));
      }
      o += "}";
      p.type = kNumericArray;
      p.format = 0;
      break;
    }
    case Tag::Interval:
      p.type = kInterval;
      put_be(o, static_cast<uint64_t>(v.parts[0]), 8);
      put_be(o, static_cast<uint64_t>(v.parts[1]), 4);
      put_be(o, static_cast<uint64_t>(v.parts[2]), 4);
      break;
    default:  // db-null
      p.null = true;
      p.type = 0;
  }
  return std::nullopt;
}

Tag column_tag(Oid oid) {
  switch (oid) {
    case kBool:
      return Tag::Boolean;
    case kBytea:
      return Tag::Binary;
    case kFloat4:
      return Tag::Floating32;
    case kFloat8:
      return Tag::Floating64;
    case kInt2:
      return Tag::Int16;
    case kInt4:
      return Tag::Int32;
    case kInt8:
      return Tag::Int64;
    case kText:
    case kVarchar:
    case kBpchar:
      return Tag::Str;
    case kTimestamp:
    case kTimestamptz:
      return Tag::Datetime;
    case kDate:
      return Tag::Date;
    case kTime:
      return Tag::Time;
    case kUuid:
      return Tag::Uuid;
    case kJsonb:
      return Tag::Jsonb;
    case kNumeric:
      return Tag::Decimal;
    case kInt4Range:
      return Tag::RangeInt32;
    case kInt8Range:
      return Tag::RangeInt64;
    case kNumRange:
      return Tag::RangeDecimal;
    case kInt4Array:
      return Tag::ArrayInt32;
    case kInt8Array:
      return Tag::ArrayInt64;
    case kNumericArray:
      return Tag::ArrayDecimal;
    case kTextArray:
    case kVarcharArray:
    case kBpcharArray:
      return Tag::ArrayStr;
    case kInterval:
      return Tag::Interval;
    default:
      return Tag::Unsupported;
  }
}

std::optional<Error> from_binary(Oid oid, std::string_view d, Value& v) {
  Tag t = column_tag(oid);
  v = Value::of(t);
  auto need = [&](size_t n) { return d.size() == n; };
  switch (t) {
    case Tag::Boolean:
      if (!need(1)) return malformed("bool");
      v.boolean = d[0] != 0;
      break;
    case Tag::Int16:
      if (!need(2)) return malformed("int2");
      v.integer = static_cast<int16_t>(get_be(d, 0, 2));
      break;
    case Tag::Int32:
      if (!need(4)) return malformed("int4");
      v.integer = static_cast<int32_t>(get_be(d, 0, 4));
      break;
    case Tag::Int64:
      if (!need(8)) return malformed("int8");
      v.integer = static_cast<int64_t>(get_be(d, 0, 8));
      break;
    case Tag::Floating32: {
      if (!need(4)) return malformed("float4");
      uint32_t bits = static_cast<uint32_t>(get_be(d, 0, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      v.real = f;
      break;
    }
    case Tag::Floating64: {
      if (!need(8)) return malformed("float8");
      uint64_t bits = get_be(d, 0, 8);
      std::memcpy(&v.real, &bits, 8);
      break;
    }
    case Tag::Str:
    case Tag::Binary:
    case Tag::Unsupported:
      v.bytes = std::string(d);
      break;
    case Tag::Date: {
      if (!need(4)) return malformed("date");
      int32_t days = static_cast<int32_t>(get_be(d, 0, 4));
      if (days == INT32_MAX || days == INT32_MIN)
        return rdbms::error(ErrorKind::QueryFailed, "cannot convert an infinite date");
      civil_from_days(days + kEpochDays, v.parts[0], v.parts[1], v.parts[2]);
      break;
    }
    case Tag::Time: {
      if (!need(8)) return malformed("time");
      int64_t us = static_cast<int64_t>(get_be(d, 0, 8));
      v.parts = {us / 3600000000, us / 60000000 % 60, us / 1000000 % 60, us % 1000000 * 1000};
      break;
    }
    case Tag::Datetime: {
      if (!need(8)) return malformed("timestamp");
      int64_t us = static_cast<int64_t>(get_be(d, 0, 8));
      if (us == INT64_MAX || us == INT64_MIN)
        return rdbms::error(ErrorKind::QueryFailed, "cannot convert an infinite timestamp");
      set_datetime(v, us);
      break;
    }
    case Tag::Uuid:
      if (!need(16)) return malformed("uuid");
      v.bytes = uuid_text(d);
      break;
    case Tag::Jsonb:
      if (d.empty() || d[0] != 1) return malformed("jsonb");
      v.bytes = std::string(d.substr(1));
      break;
    case Tag::Decimal:
      if (!numeric_text(d, v.bytes)) return malformed("numeric");
      break;
    case Tag::RangeInt32:
    case Tag::RangeInt64:
    case Tag::RangeDecimal:
      if (!range_bounds(d, v, t == Tag::RangeDecimal)) return malformed("range");
      break;
    case Tag::ArrayInt32:
    case Tag::ArrayInt64:
    case Tag::ArrayDecimal:
    case Tag::ArrayStr: {
      std::vector<std::optional<std::string_view>> items;
      if (!array_items(d, items)) return malformed("array");
      for (const auto& x : items) {
        if (t == Tag::ArrayInt32 || t == Tag::ArrayInt64) {
          size_t w = t == Tag::ArrayInt32 ? 4 : 8;
          if (x && x->size() != w) return malformed("array");
          v.integers.push_back(
              x ? std::optional<int64_t>(w == 4 ? static_cast<int32_t>(get_be(*x, 0, 4))
                                                : static_cast<int64_t>(get_be(*x, 0, 8)))
                : std::nullopt);
        } else if (t == Tag::ArrayDecimal) {
          std::string s;
          if (x && !numeric_text(*x, s)) return malformed("numeric array");
          v.strings.push_back(x ? std::optional<std::string>(s) : std::nullopt);
        } else {
          v.strings.push_back(x ? std::optional<std::string>(std::string(*x)) : std::nullopt);
        }
      }
      break;
    }
    case Tag::Interval:
      if (!need(16)) return malformed("interval");
      v.parts[0] = static_cast<int64_t>(get_be(d, 0, 8));
      v.parts[1] = static_cast<int32_t>(get_be(d, 8, 4));
      v.parts[2] = static_cast<int32_t>(get_be(d, 12, 4));
      break;
    default:
      v.bytes = std::string(d);
  }
  return std::nullopt;
}

}  // namespace spindle::host::postgres
