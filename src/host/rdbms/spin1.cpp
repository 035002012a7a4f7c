#include "host/rdbms/spin1.h"

#include <string>

namespace spindle::host::rdbms::spin1 {

using engine::TrapKind;

namespace {

constexpr uint32_t kValueSize = 16;
constexpr uint32_t kColumnSize = 12;
constexpr uint8_t kOtherType = 13;  // db-data-type `other`

// The Spin 1 (and rdbms-types@2.0.0) data type of a column.
uint8_t v1_type(Tag t) {
  return static_cast<uint8_t>(t) <= static_cast<uint8_t>(Tag::Binary) ? static_cast<uint8_t>(t)
                                                                      : kOtherType;
}

bool put_value(Guest& g, uint32_t at, const Value& v) {
  Tag t = static_cast<uint8_t>(v.tag) <= static_cast<uint8_t>(Tag::Unsupported) ? v.tag
                                                                                : Tag::Unsupported;
  if (!g.store<uint8_t>(at, static_cast<uint8_t>(t))) return false;
  switch (t) {
    case Tag::Boolean:
      return g.store<uint8_t>(at + 8, v.boolean ? 1 : 0);
    case Tag::Int8:
      return g.store<int8_t>(at + 8, static_cast<int8_t>(v.integer));
    case Tag::Int16:
      return g.store<int16_t>(at + 8, static_cast<int16_t>(v.integer));
    case Tag::Int32:
      return g.store<int32_t>(at + 8, static_cast<int32_t>(v.integer));
    case Tag::Int64:
      return g.store<int64_t>(at + 8, v.integer);
    case Tag::Uint8:
      return g.store<uint8_t>(at + 8, static_cast<uint8_t>(v.unsigned_));
    case Tag::Uint16:
      return g.store<uint16_t>(at + 8, static_cast<uint16_t>(v.unsigned_));
    case Tag::Uint32:
      return g.store<uint32_t>(at + 8, static_cast<uint32_t>(v.unsigned_));
    case Tag::Uint64:
      return g.store<uint64_t>(at + 8, v.unsigned_);
    case Tag::Floating32:
      return g.store<float>(at + 8, static_cast<float>(v.real));
    case Tag::Floating64:
      return g.store<double>(at + 8, v.real);
    case Tag::Str:
    case Tag::Binary:
      return g.put_at(at + 8, v.bytes);
    default:
      return true;
  }
}

}  // namespace

bool read_params(Guest& g, uint32_t ptr, uint32_t len, std::vector<Value>& out) {
  if (len > (1u << 16)) return g.fail(TrapKind::HostError, "rdbms: too many parameters");
  out.reserve(len);
  for (uint32_t i = 0; i < len; ++i) {
    uint32_t at = ptr + i * kValueSize;
    uint8_t tag = 0;
    if (!g.load(at, tag)) return false;
    Value v;
    v.tag = static_cast<Tag>(tag);
    bool ok = true;
    switch (v.tag) {
      case Tag::Boolean: {
        uint8_t b = 0;
        ok = g.load(at + 8, b);
        v.boolean = b != 0;
        break;
      }
      case Tag::Int8: {
        int8_t x = 0;
        ok = g.load(at + 8, x);
        v.integer = x;
        break;
      }
      case Tag::Int16: {
        int16_t x = 0;
        ok = g.load(at + 8, x);
        v.integer = x;
        break;
      }
      case Tag::Int32: {
        int32_t x = 0;
        ok = g.load(at + 8, x);
        v.integer = x;
        break;
      }
      case Tag::Int64:
        ok = g.load(at + 8, v.integer);
        break;
      case Tag::Uint8: {
        uint8_t x = 0;
        ok = g.load(at + 8, x);
        v.unsigned_ = x;
        break;
      }
      case Tag::Uint16: {
        uint16_t x = 0;
        ok = g.load(at + 8, x);
        v.unsigned_ = x;
        break;
      }
      case Tag::Uint32: {
        uint32_t x = 0;
        ok = g.load(at + 8, x);
        v.unsigned_ = x;
        break;
      }
      case Tag::Uint64:
        ok = g.load(at + 8, v.unsigned_);
        break;
      case Tag::Floating32: {
        float x = 0;
        ok = g.load(at + 8, x);
        v.real = x;
        break;
      }
      case Tag::Floating64:
        ok = g.load(at + 8, v.real);
        break;
      case Tag::Str:
      case Tag::Binary: {
        uint32_t p = 0, n = 0;
        ok = g.load(at + 8, p) && g.load(at + 12, n) && g.read(p, n, v.bytes);
        break;
      }
      case Tag::DbNull:
        break;
      default:
        return g.fail(TrapKind::HostError, "rdbms: parameter " + std::to_string(i) +
                                               " has an unknown parameter-value tag " +
                                               std::to_string(tag));
    }
    if (!ok) return false;
    out.push_back(std::move(v));
  }
  return true;
}

bool put_row_set(Guest& g, uint32_t at, const RowSet& rs) {
  uint32_t cols = 4, rows = 4;
  if (!g.alloc(4, static_cast<uint32_t>(rs.columns.size() * kColumnSize), cols)) return false;
  for (size_t i = 0; i < rs.columns.size(); ++i) {
    uint32_t c = cols + static_cast<uint32_t>(i * kColumnSize);
    if (!g.put_at(c, rs.columns[i].name) || !g.store<uint8_t>(c + 8, v1_type(rs.columns[i].type)))
      return false;
  }
  if (!g.alloc(4, static_cast<uint32_t>(rs.rows.size() * 8), rows)) return false;
  for (size_t i = 0; i < rs.rows.size(); ++i) {
    const auto& row = rs.rows[i];
    uint32_t vals = 8;
    if (!g.alloc(8, static_cast<uint32_t>(row.size() * kValueSize), vals)) return false;
    for (size_t j = 0; j < row.size(); ++j)
      if (!put_value(g, vals + static_cast<uint32_t>(j * kValueSize), row[j])) return false;
    uint32_t r = rows + static_cast<uint32_t>(i * 8);
    if (!g.store<uint32_t>(r, vals) || !g.store<uint32_t>(r + 4, static_cast<uint32_t>(row.size())))
      return false;
  }
  return g.store<uint32_t>(at, cols) &&
         g.store<uint32_t>(at + 4, static_cast<uint32_t>(rs.columns.size())) &&
         g.store<uint32_t>(at + 8, rows) &&
         g.store<uint32_t>(at + 12, static_cast<uint32_t>(rs.rows.size()));
}

bool put_error(Guest& g, uint32_t at, const Error& e) {
  return g.store<uint8_t>(at, static_cast<uint8_t>(static_cast<uint8_t>(e.kind) + 1)) &&
         g.put_at(at + 4, e.message);
}

}  // namespace spindle::host::rdbms::spin1
