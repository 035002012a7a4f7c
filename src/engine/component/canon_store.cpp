// Storing values in linear memory (CanonicalABI.md "Storing").
#include <cmath>

#include "engine/component/canon_shape.h"

namespace spindle::component {

using namespace detail;

bool store_tuple(CanonContext& cx, std::span<const Val> vs, std::span<const ValType> ts,
                 uint32_t ptr) {
  if (vs.size() != ts.size())
    return cx.trap("expected " + std::to_string(ts.size()) + " values, got " +
                   std::to_string(vs.size()));
  for (size_t i = 0; i < ts.size(); ++i) {
    ptr = align_to(ptr, cx.layouts.align(ts[i]));
    if (!store(cx, vs[i], ts[i], ptr)) return false;
    ptr += cx.layouts.size(ts[i]);
  }
  return true;
}

namespace {

bool store_prim(CanonContext& cx, const Val& v, PrimType p, ValType t, uint32_t ptr) {
  if (!expect_kind(cx, v, prim_kind(p), t)) return false;
  switch (p) {
    case PrimType::Bool:
      cx.store_int(ptr, v.as_bool() ? 1 : 0, 1);
      return true;
    case PrimType::S8:
    case PrimType::U8:
      cx.store_int(ptr, v.as_u64(), 1);
      return true;
    case PrimType::S16:
    case PrimType::U16:
      cx.store_int(ptr, v.as_u64(), 2);
      return true;
    case PrimType::S32:
    case PrimType::U32:
      cx.store_int(ptr, v.as_u64(), 4);
      return true;
    case PrimType::S64:
    case PrimType::U64:
      cx.store_int(ptr, v.as_u64(), 8);
      return true;
    case PrimType::F32:
      cx.store_int(ptr, canonical_f32_bits(f32_bits(v.as_f32())), 4);
      return true;
    case PrimType::F64:
      cx.store_int(ptr, canonical_f64_bits(f64_bits(v.as_f64())), 8);
      return true;
    case PrimType::Char: {
      uint32_t c = static_cast<uint32_t>(v.as_char());
      if (!valid_char(c))
        return cx.trap("char value " + std::to_string(c) + " is not a Unicode scalar value");
      cx.store_int(ptr, c, 4);
      return true;
    }
    case PrimType::String: {
      uint32_t begin = 0, units = 0;
      if (!store_string_into_range(cx, v, begin, units)) return false;
      cx.store_int(ptr, begin, 4);
      cx.store_int(ptr + 4, units, 4);
      return true;
    }
  }
  return cx.trap("unknown primitive type");
}

}  // namespace

bool store(CanonContext& cx, const Val& v, ValType t, uint32_t ptr) {
  t = cx.layouts.resolve(t);
  uint32_t size = cx.layouts.size(t);
  if (size == 0) return cx.trap("type " + describe(cx.file, t) + " cannot be stored");
  if (!cx.check_range(ptr, size, cx.layouts.align(t), "store")) return false;
  if (t.is_prim) return store_prim(cx, v, t.prim, t, ptr);
  const TypeDef& d = cx.file.types[t.id];
  const TypeLayout& l = *cx.layouts.of(t.id);
  switch (d.kind) {
    case TypeKind::List: {
      uint32_t begin = 0, length = 0;
      if (!store_list_into_range(cx, v, d.elem, begin, length)) return false;
      cx.store_int(ptr, begin, 4);
      cx.store_int(ptr + 4, length, 4);
      return true;
    }
    case TypeKind::Record:
    case TypeKind::Tuple: {
      if (!expect_kind(cx, v, d.kind == TypeKind::Record ? ValKind::Record : ValKind::Tuple, t))
        return false;
      std::vector<ValType> ts;
      field_types(d, ts);
      return store_tuple(cx, v.as_record(), ts, ptr);
    }
    case TypeKind::Flags: {
      if (!expect_kind(cx, v, ValKind::Flags, t)) return false;
      size_t n = d.labels.size();
      uint32_t bits = n >= 32 ? v.as_flags() : v.as_flags() & ((1u << n) - 1);
      cx.store_int(ptr, bits, l.size);
      return true;
    }
    case TypeKind::Own:
    case TypeKind::Borrow: {
      uint32_t h = 0;
      if (!lower_handle(cx, v, d, h)) return false;
      cx.store_int(ptr, h, 4);
      return true;
    }
    default:
      break;
  }
  uint32_t index = 0;
  const Val* payload = nullptr;
  std::optional<ValType> pt;
  if (!match_case(cx, v, d, index, payload, pt)) return false;
  cx.store_int(ptr, index, l.disc_size);
  if (pt) return store(cx, *payload, *pt, ptr + l.payload_offset);
  return true;
}

}  // namespace spindle::component
