// Flat lifting and lowering (CanonicalABI.md "Flat Lifting", "Flat
// Lowering", "Lifting and Lowering Values").
#include "engine/component/canon_shape.h"
#include "engine/component/core_module.h"

namespace spindle::component {

using engine::Value;
using namespace detail;

bool FlatReader::next(CanonContext& cx, CoreValType want, Value& out) {
  if (i_ >= values_.size() || i_ >= types_.size())
    return cx.trap("too few core values (" + std::to_string(values_.size()) + ")");
  CoreValType have = types_[i_];
  Value v = values_[i_++];
  if (have == want) {
    out = v;
    return true;
  }
  using C = CoreValType;
  if (have == C::I32 && want == C::F32) {
    out = Value::from_f32(bits_f32(canonical_f32_bits(v.i32)));
  } else if (have == C::I64 && want == C::I32) {
    out = Value::from_i32(static_cast<uint32_t>(v.i64));
  } else if (have == C::I64 && want == C::F32) {
    out = Value::from_f32(bits_f32(canonical_f32_bits(static_cast<uint32_t>(v.i64))));
  } else if (have == C::I64 && want == C::F64) {
    out = Value::from_f64(bits_f64(canonical_f64_bits(v.i64)));
  } else {
    return cx.trap(std::string("core value ") + std::to_string(i_ - 1) + " is " + to_string(have) +
                   ", " + to_string(want) + " was expected");
  }
  return true;
}

bool FlatReader::skip(CanonContext& cx, size_t n) {
  if (n > values_.size() - i_) return cx.trap("too few core values");
  i_ += n;
  return true;
}

// ---- lift_flat ------------------------------------------------------------

namespace {

bool next_i32(CanonContext& cx, FlatReader& in, uint32_t& out) {
  Value v;
  if (!in.next(cx, CoreValType::I32, v)) return false;
  out = v.i32;
  return true;
}

bool lift_prim(CanonContext& cx, FlatReader& in, PrimType p, Val& out) {
  Value v;
  uint32_t x = 0;
  switch (p) {
    case PrimType::S64:
    case PrimType::U64:
      if (!in.next(cx, CoreValType::I64, v)) return false;
      out = p == PrimType::U64 ? Val::u64(v.i64) : Val::s64(static_cast<int64_t>(v.i64));
      return true;
    case PrimType::F32:
      if (!in.next(cx, CoreValType::F32, v)) return false;
      out = Val::f32(bits_f32(canonical_f32_bits(f32_bits(v.f32))));
      return true;
    case PrimType::F64:
      if (!in.next(cx, CoreValType::F64, v)) return false;
      out = Val::f64(bits_f64(canonical_f64_bits(f64_bits(v.f64))));
      return true;
    case PrimType::String: {
      uint32_t ptr = 0, units = 0;
      if (!next_i32(cx, in, ptr) || !next_i32(cx, in, units)) return false;
      return load_string_from_range(cx, ptr, units, out);
    }
    default:
      break;
  }
  if (!next_i32(cx, in, x)) return false;
  switch (p) {
    case PrimType::Bool:
      out = Val::boolean(x != 0);
      return true;
    case PrimType::S8:
      out = Val::s8(static_cast<int8_t>(x));
      return true;
    case PrimType::U8:
      out = Val::u8(static_cast<uint8_t>(x));
      return true;
    case PrimType::S16:
      out = Val::s16(static_cast<int16_t>(x));
      return true;
    case PrimType::U16:
      out = Val::u16(static_cast<uint16_t>(x));
      return true;
    case PrimType::S32:
      out = Val::s32(static_cast<int32_t>(x));
      return true;
    case PrimType::U32:
      out = Val::u32(x);
      return true;
    case PrimType::Char:
      if (!valid_char(x))
        return cx.trap("char value " + std::to_string(x) + " is not a Unicode scalar value");
      out = Val::character(x);
      return true;
    default:
      return cx.trap("unknown primitive type");
  }
}

}  // namespace

bool lift_flat(CanonContext& cx, FlatReader& in, ValType t, Val& out) {
  t = cx.layouts.resolve(t);
  if (t.is_prim) return lift_prim(cx, in, t.prim, out);
  const TypeLayout* l = cx.layouts.of(t.id);
  if (l == nullptr || !l->valid)
    return cx.trap("type " + describe(cx.file, t) + " cannot be lifted");
  const TypeDef& d = cx.file.types[t.id];
  uint32_t x = 0;
  switch (d.kind) {
    case TypeKind::List: {
      uint32_t ptr = 0, length = 0;
      if (!next_i32(cx, in, ptr) || !next_i32(cx, in, length)) return false;
      return load_list_from_range(cx, ptr, length, d.elem, out);
    }
    case TypeKind::Record:
    case TypeKind::Tuple: {
      std::vector<ValType> ts;
      field_types(d, ts);
      std::vector<Val> vals(ts.size());
      for (size_t i = 0; i < ts.size(); ++i)
        if (!lift_flat(cx, in, ts[i], vals[i])) return false;
      out = d.kind == TypeKind::Record ? Val::record(std::move(vals)) : Val::tuple(std::move(vals));
      return true;
    }
    case TypeKind::Flags: {
      if (!next_i32(cx, in, x)) return false;
      size_t n = d.labels.size();
      out = Val::flags(n >= 32 ? x : x & ((1u << n) - 1));
      return true;
    }
    case TypeKind::Own:
    case TypeKind::Borrow:
      return next_i32(cx, in, x) && lift_handle(cx, x, d, out);
    default:
      break;
  }
  // variant, enum, option, result
  if (l->flat_count > kMaxFlatParams)
    return cx.trap("a " + describe(cx.file, t) + " with too many flat values to lift flat");
  if (!next_i32(cx, in, x)) return false;
  CaseView cv = cases_of(d);
  if (x >= cv.count())
    return cx.trap("case index " + std::to_string(x) + " is out of range for a " +
                   to_string(d.kind) + " with " + std::to_string(cv.count()) + " cases");
  size_t start = in.position();
  std::optional<Val> payload;
  if (auto pt = cv.payload(x)) {
    payload.emplace();
    if (!lift_flat(cx, in, *pt, *payload)) return false;
  }
  size_t used = in.position() - start;
  if (!in.skip(cx, l->flat_payload.size() - used)) return false;
  out = make_case(d, x, std::move(payload));
  return true;
}

// ---- lower_flat -----------------------------------------------------------

namespace {

Value coerce(CoreValType have, CoreValType want, Value v) {
  using C = CoreValType;
  if (have == want) return v;
  if (have == C::F32 && want == C::I32) return Value::from_i32(f32_bits(v.f32));
  if (have == C::I32 && want == C::I64) return Value::from_i64(v.i32);
  if (have == C::F32 && want == C::I64) return Value::from_i64(f32_bits(v.f32));
  if (have == C::F64 && want == C::I64) return Value::from_i64(f64_bits(v.f64));
  return v;  // not reached: joins only widen
}

Value zero(CoreValType t) {
  switch (t) {
    case CoreValType::I64:
      return Value::from_i64(0);
    case CoreValType::F32:
      return Value::from_f32(0);
    case CoreValType::F64:
      return Value::from_f64(0);
    default:
      return Value::from_i32(0);
  }
}

bool lower_prim(CanonContext& cx, const Val& v, PrimType p, ValType t, FlatWriter& out) {
  if (!expect_kind(cx, v, prim_kind(p), t)) return false;
  switch (p) {
    case PrimType::S64:
    case PrimType::U64:
      out.push(CoreValType::I64, Value::from_i64(v.as_u64()));
      return true;
    case PrimType::F32:
      out.push(CoreValType::F32,
               Value::from_f32(bits_f32(canonical_f32_bits(f32_bits(v.as_f32())))));
      return true;
    case PrimType::F64:
      out.push(CoreValType::F64,
               Value::from_f64(bits_f64(canonical_f64_bits(f64_bits(v.as_f64())))));
      return true;
    case PrimType::Bool:
      out.push(CoreValType::I32, Value::from_i32(v.as_bool() ? 1 : 0));
      return true;
    case PrimType::Char:
      if (!valid_char(static_cast<uint32_t>(v.as_char())))
        return cx.trap("char value " + std::to_string(v.as_u64()) +
                       " is not a Unicode scalar value");
      out.push(CoreValType::I32, Value::from_i32(v.as_char()));
      return true;
    case PrimType::String: {
      uint32_t ptr = 0, units = 0;
      if (!store_string_into_range(cx, v, ptr, units)) return false;
      out.push(CoreValType::I32, Value::from_i32(ptr));
      out.push(CoreValType::I32, Value::from_i32(units));
      return true;
    }
    default:  // s8..u32: sign- or zero-extended to 32 bits
      out.push(CoreValType::I32, Value::from_i32(static_cast<uint32_t>(v.as_u64())));
      return true;
  }
}

}  // namespace

bool lower_flat(CanonContext& cx, const Val& v, ValType t, FlatWriter& out) {
  t = cx.layouts.resolve(t);
  if (t.is_prim) return lower_prim(cx, v, t.prim, t, out);
  const TypeLayout* l = cx.layouts.of(t.id);
  if (l == nullptr || !l->valid)
    return cx.trap("type " + describe(cx.file, t) + " cannot be lowered");
  const TypeDef& d = cx.file.types[t.id];
  switch (d.kind) {
    case TypeKind::List: {
      uint32_t ptr = 0, length = 0;
      if (!store_list_into_range(cx, v, d.elem, ptr, length)) return false;
      out.push(CoreValType::I32, Value::from_i32(ptr));
      out.push(CoreValType::I32, Value::from_i32(length));
      return true;
    }
    case TypeKind::Record:
    case TypeKind::Tuple: {
      if (!expect_kind(cx, v, d.kind == TypeKind::Record ? ValKind::Record : ValKind::Tuple, t))
        return false;
      std::vector<ValType> ts;
      field_types(d, ts);
      auto vs = v.as_record();
      if (vs.size() != ts.size())
        return cx.trap("a " + describe(cx.file, t) + " of " + std::to_string(ts.size()) +
                       " fields was given " + std::to_string(vs.size()));
      for (size_t i = 0; i < ts.size(); ++i)
        if (!lower_flat(cx, vs[i], ts[i], out)) return false;
      return true;
    }
    case TypeKind::Flags: {
      if (!expect_kind(cx, v, ValKind::Flags, t)) return false;
      size_t n = d.labels.size();
      out.push(CoreValType::I32,
               Value::from_i32(n >= 32 ? v.as_flags() : v.as_flags() & ((1u << n) - 1)));
      return true;
    }
    case TypeKind::Own:
    case TypeKind::Borrow: {
      uint32_t h = 0;
      if (!lower_handle(cx, v, d, h)) return false;
      out.push(CoreValType::I32, Value::from_i32(h));
      return true;
    }
    default:
      break;
  }
  if (l->flat_count > kMaxFlatParams)
    return cx.trap("a " + describe(cx.file, t) + " with too many flat values to lower flat");
  uint32_t index = 0;
  const Val* payload = nullptr;
  std::optional<ValType> pt;
  if (!match_case(cx, v, d, index, payload, pt)) return false;
  out.push(CoreValType::I32, Value::from_i32(index));
  const std::vector<CoreValType>& joined = l->flat_payload;
  size_t k = 0;
  if (pt) {
    FlatWriter tmp;
    if (!lower_flat(cx, *payload, *pt, tmp)) return false;
    for (; k < tmp.values.size() && k < joined.size(); ++k)
      out.push(joined[k], coerce(tmp.types[k], joined[k], tmp.values[k]));
  }
  for (; k < joined.size(); ++k) out.push(joined[k], zero(joined[k]));
  return true;
}

// ---- values of a function -------------------------------------------------

bool lift_flat_values(CanonContext& cx, size_t max_flat, FlatReader& in,
                      std::span<const ValType> ts, std::vector<Val>& out) {
  if (cx.layouts.tuple_flat_count(ts) > max_flat) {
    uint32_t ptr = 0;
    if (!next_i32(cx, in, ptr)) return false;
    uint32_t size = cx.layouts.tuple_size(ts);
    if (size == 0) return cx.trap("a function type with invalid value types");
    if (!cx.check_range(ptr, size, cx.layouts.tuple_align(ts), "spilled values")) return false;
    return load_tuple(cx, ptr, ts, out);
  }
  out.assign(ts.size(), Val());
  for (size_t i = 0; i < ts.size(); ++i)
    if (!lift_flat(cx, in, ts[i], out[i])) return false;
  return true;
}

bool lower_flat_values(CanonContext& cx, size_t max_flat, std::span<const Val> vs,
                       std::span<const ValType> ts, FlatWriter& out, FlatReader* out_param) {
  if (vs.size() != ts.size())
    return cx.trap("expected " + std::to_string(ts.size()) + " values, got " +
                   std::to_string(vs.size()));
  if (cx.layouts.tuple_flat_count(ts) > max_flat) {
    uint32_t size = cx.layouts.tuple_size(ts), align = cx.layouts.tuple_align(ts);
    if (size == 0) return cx.trap("a function type with invalid value types");
    uint32_t ptr = 0;
    if (out_param == nullptr) {
      if (!cx.allocate(align, size, ptr)) return false;
      out.push(CoreValType::I32, Value::from_i32(ptr));
    } else if (!next_i32(cx, *out_param, ptr)) {
      return false;
    }
    if (!cx.check_range(ptr, size, align, "spilled values")) return false;
    return store_tuple(cx, vs, ts, ptr);
  }
  for (size_t i = 0; i < ts.size(); ++i)
    if (!lower_flat(cx, vs[i], ts[i], out)) return false;
  return true;
}

}  // namespace spindle::component
