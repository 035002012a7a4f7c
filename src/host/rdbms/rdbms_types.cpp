#include "host/rdbms/rdbms_types.h"

namespace spindle::host::rdbms::v2 {

using component::Val;

namespace {
constexpr uint32_t kOtherType = 13;
}

Value param(const Val& v) {
  Value out;
  out.tag = static_cast<Tag>(v.case_index());
  const Val* x = v.payload();
  if (x == nullptr || v.case_index() > static_cast<uint32_t>(Tag::DbNull)) return Value::null();
  switch (out.tag) {
    case Tag::Boolean:
      out.boolean = x->as_bool();
      break;
    case Tag::Int8:
      out.integer = x->as_s8();
      break;
    case Tag::Int16:
      out.integer = x->as_s16();
      break;
    case Tag::Int32:
      out.integer = x->as_s32();
      break;
    case Tag::Int64:
      out.integer = x->as_s64();
      break;
    case Tag::Uint8:
      out.unsigned_ = x->as_u8();
      break;
    case Tag::Uint16:
      out.unsigned_ = x->as_u16();
      break;
    case Tag::Uint32:
      out.unsigned_ = x->as_u32();
      break;
    case Tag::Uint64:
      out.unsigned_ = x->as_u64();
      break;
    case Tag::Floating32:
      out.real = x->as_f32();
      break;
    case Tag::Floating64:
      out.real = x->as_f64();
      break;
    case Tag::Str:
    case Tag::Binary:
      out.bytes = std::string(x->as_bytes());
      break;
    default:
      return Value::null();
  }
  return out;
}

std::vector<Value> params(const Val& list) {
  std::vector<Value> out;
  out.reserve(list.list_size());
  for (const Val& v : list.as_list()) out.push_back(param(v));
  return out;
}

std::optional<Val> scalar_payload(const Value& v) {
  switch (v.tag) {
    case Tag::Boolean:
      return Val::boolean(v.boolean);
    case Tag::Int8:
      return Val::s8(static_cast<int8_t>(v.integer));
    case Tag::Int16:
      return Val::s16(static_cast<int16_t>(v.integer));
    case Tag::Int32:
      return Val::s32(static_cast<int32_t>(v.integer));
    case Tag::Int64:
      return Val::s64(v.integer);
    case Tag::Uint8:
      return Val::u8(static_cast<uint8_t>(v.unsigned_));
    case Tag::Uint16:
      return Val::u16(static_cast<uint16_t>(v.unsigned_));
    case Tag::Uint32:
      return Val::u32(static_cast<uint32_t>(v.unsigned_));
    case Tag::Uint64:
      return Val::u64(v.unsigned_);
    case Tag::Floating32:
      return Val::f32(static_cast<float>(v.real));
    case Tag::Floating64:
      return Val::f64(v.real);
    case Tag::Str:
      return Val::string(v.bytes);
    case Tag::Binary:
      return Val::bytes(v.bytes);
    default:
      return std::nullopt;
  }
}

Val db_value(const Value& v) {
  if (auto payload = scalar_payload(v))
    return Val::variant(static_cast<uint32_t>(v.tag), std::move(*payload));
  if (v.tag == Tag::DbNull) return Val::variant(static_cast<uint32_t>(Tag::DbNull));
  return Val::variant(static_cast<uint32_t>(Tag::Unsupported));
}

Val row_set(const RowSet& rs) {
  std::vector<Val> columns;
  columns.reserve(rs.columns.size());
  for (const Column& col : rs.columns) {
    uint32_t t = static_cast<uint32_t>(col.type);
    if (t > static_cast<uint32_t>(Tag::Binary)) t = kOtherType;
    columns.push_back(Val::record({Val::string(col.name), Val::enumeration(t)}));
  }
  std::vector<Val> rows;
  rows.reserve(rs.rows.size());
  for (const auto& row : rs.rows) {
    std::vector<Val> values;
    values.reserve(row.size());
    for (const Value& v : row) values.push_back(db_value(v));
    rows.push_back(Val::list(std::move(values)));
  }
  return Val::record({Val::list(std::move(columns)), Val::list(std::move(rows))});
}

Val error(const Error& e) {
  return Val::variant(static_cast<uint32_t>(e.kind), Val::string(e.message));
}

}  // namespace spindle::host::rdbms::v2
