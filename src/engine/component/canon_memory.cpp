// Loading and storing values in linear memory (CanonicalABI.md "Loading",
// "Storing"), lists, handles, and the shape checks lowering shares.
#include <cstring>

#include "engine/component/canon_shape.h"

namespace spindle::component {

using namespace detail;

uint32_t canonical_f32_bits(uint32_t b) {
  return ((b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu) != 0) ? kCanonicalNan32 : b;
}

uint64_t canonical_f64_bits(uint64_t b) {
  constexpr uint64_t kExp = 0x7ff0000000000000ull, kMant = 0x000fffffffffffffull;
  return ((b & kExp) == kExp && (b & kMant) != 0) ? kCanonicalNan64 : b;
}

namespace detail {

ValKind prim_kind(PrimType p) {
  static const ValKind kKinds[] = {ValKind::Bool,  ValKind::S8,  ValKind::U8,  ValKind::S16,
                                   ValKind::U16,   ValKind::S32, ValKind::U32, ValKind::S64,
                                   ValKind::U64,   ValKind::F32, ValKind::F64, ValKind::Char,
                                   ValKind::String};
  return kKinds[static_cast<int>(p)];
}

Val make_case(const TypeDef& d, uint32_t i, std::optional<Val> payload) {
  switch (d.kind) {
    case TypeKind::Enum:
      return Val::enumeration(i);
    case TypeKind::Option:
      return i == 0 ? Val::none() : Val::some(std::move(*payload));
    case TypeKind::Result:
      return i == 0 ? Val::ok(std::move(payload)) : Val::err(std::move(payload));
    default:
      return Val::variant(i, std::move(payload));
  }
}

bool expect_kind(CanonContext& cx, const Val& v, ValKind k, ValType t) {
  if (v.kind() == k) return true;
  return cx.trap("cannot lower a " + std::string(to_string(v.kind())) + " value as " +
                 describe(cx.file, t));
}

bool match_case(CanonContext& cx, const Val& v, const TypeDef& d, uint32_t& index,
                const Val*& payload, std::optional<ValType>& payload_type) {
  ValKind want = d.kind == TypeKind::Enum     ? ValKind::Enum
                 : d.kind == TypeKind::Option ? ValKind::Option
                 : d.kind == TypeKind::Result ? ValKind::Result
                                              : ValKind::Variant;
  if (v.kind() != want)
    return cx.trap("cannot lower a " + std::string(to_string(v.kind())) + " value as " +
                   to_string(want));
  CaseView cv = cases_of(d);
  index = v.case_index();
  if (index >= cv.count())
    return cx.trap("case " + std::to_string(index) + " of a " + to_string(want) + " with " +
                   std::to_string(cv.count()) + " cases");
  payload_type = cv.payload(index);
  payload = v.payload();
  if (payload_type.has_value() != (payload != nullptr))
    return cx.trap(std::string("case ") + std::to_string(index) + " of a " + to_string(want) +
                   (payload_type ? " needs a payload" : " has no payload"));
  return true;
}

void field_types(const TypeDef& d, std::vector<ValType>& out) {
  out.clear();
  if (d.kind == TypeKind::Record)
    for (const Field& f : d.fields) out.push_back(f.type);
  else
    out = d.elems;
}

}  // namespace detail

// ---- handles --------------------------------------------------------------

bool lift_handle(CanonContext& cx, uint32_t i, const TypeDef& t, Val& out) {
  if (cx.inst == nullptr) return cx.trap("a handle was passed, but there is no handle table");
  const ResourceType* rt = cx.resource_type(t.resource);
  if (rt == nullptr) return cx.trap("resource type " + std::to_string(t.resource) + " is unknown");
  HandleElem* h = cx.inst->handles.get(i);
  const char* what = t.kind == TypeKind::Own ? "own" : "borrow";
  if (h == nullptr)
    return cx.trap(std::string(what) + " handle " + std::to_string(i) + " does not exist");
  if (h->rt != rt)
    return cx.trap(std::string(what) + " handle " + std::to_string(i) +
                   " is of another resource type than " +
                   (rt->name.empty() ? std::string("expected") : "'" + rt->name + "'"));
  if (t.kind == TypeKind::Borrow) {
    if (cx.lenders == nullptr)
      return cx.trap("a borrow handle cannot be lifted here (not a call's parameter)");
    cx.lenders->add(i, *h);
    out = Val::borrow(h->rep);
    return true;
  }
  if (h->num_lends != 0)
    return cx.trap("own handle " + std::to_string(i) + " is lent to a call in progress");
  if (!h->own)
    return cx.trap("handle " + std::to_string(i) + " is a borrow, an own handle was expected");
  out = Val::own(h->rep);
  cx.inst->handles.remove(i);
  return true;
}

bool lower_handle(CanonContext& cx, const Val& v, const TypeDef& t, uint32_t& handle) {
  bool own = t.kind == TypeKind::Own;
  if (!v.is(own ? ValKind::Own : ValKind::Borrow))
    return cx.trap("cannot lower a " + std::string(to_string(v.kind())) + " value as " +
                   (own ? "own" : "borrow"));
  if (cx.inst == nullptr) return cx.trap("a handle is lowered, but there is no handle table");
  const ResourceType* rt = cx.resource_type(t.resource);
  if (rt == nullptr) return cx.trap("resource type " + std::to_string(t.resource) + " is unknown");
  HandleElem h;
  h.rt = rt;
  h.rep = v.rep();
  h.own = own;
  if (!own) {
    if (cx.inst == rt->impl) {  // borrowing its own resource: the rep itself
      handle = v.rep();
      return true;
    }
    uint32_t* n = cx.inst->scope_borrows(cx.borrow_scope);
    if (n == nullptr) return cx.trap("a borrow handle cannot be lowered here (no call scope)");
    *n += 1;
    h.borrow_scope = cx.borrow_scope;
  }
  handle = cx.inst->handles.add(h);
  if (handle == 0) return cx.trap("the handle table is full");
  return true;
}

// ---- lists ----------------------------------------------------------------

namespace {

bool is_u8(const Layouts& ls, ValType t) {
  t = ls.resolve(t);
  return t.is_prim && t.prim == PrimType::U8;
}

}  // namespace

bool load_list_from_range(CanonContext& cx, uint32_t ptr, uint32_t length, ValType elem, Val& out) {
  uint32_t size = cx.layouts.size(elem), align = cx.layouts.align(elem);
  if (size == 0) return cx.trap("list element type " + describe(cx.file, elem) + " is not valid");
  uint64_t bytes = uint64_t{length} * size;
  if (bytes > kMaxListByteLength)
    return cx.trap("list of " + std::to_string(length) + " elements (" + std::to_string(bytes) +
                   " bytes) is longer than the limit");
  if (!cx.check_range(ptr, bytes, align, "list")) return false;
  if (is_u8(cx.layouts, elem)) {
    if (!cx.charge(length)) return false;
    out = Val::bytes(std::string_view(reinterpret_cast<const char*>(cx.mem.data + ptr), length));
    return true;
  }
  if (!cx.charge_vals(length)) return false;
  std::vector<Val> elems(length);
  for (uint32_t i = 0; i < length; ++i)
    if (!load(cx, ptr + i * size, elem, elems[i])) return false;
  out = Val::list(std::move(elems));
  return true;
}

bool store_list_into_range(CanonContext& cx, const Val& v, ValType elem, uint32_t& ptr,
                           uint32_t& length) {
  bool bytes = v.is(ValKind::Bytes);
  if (bytes && !is_u8(cx.layouts, elem))
    return cx.trap("cannot lower bytes as a list of " + describe(cx.file, elem));
  if (!bytes && !v.is(ValKind::List))
    return cx.trap("cannot lower a " + std::string(to_string(v.kind())) + " value as a list");
  uint32_t size = cx.layouts.size(elem), align = cx.layouts.align(elem);
  if (size == 0) return cx.trap("list element type " + describe(cx.file, elem) + " is not valid");
  uint64_t n = v.list_size(), byte_length = n * size;
  if (byte_length > 0xffffffffu)
    return cx.trap("list of " + std::to_string(n) + " elements is too long to lower");
  if (!cx.allocate(align, static_cast<uint32_t>(byte_length), ptr)) return false;
  if (!cx.check_range(ptr, byte_length, align, "realloc result for a list")) return false;
  length = static_cast<uint32_t>(n);
  if (bytes) {
    if (n > 0) std::memcpy(cx.mem.data + ptr, v.as_bytes().data(), n);
    return true;
  }
  auto elems = v.as_list();
  for (uint32_t i = 0; i < length; ++i)
    if (!store(cx, elems[i], elem, ptr + i * size)) return false;
  return true;
}

// ---- load -----------------------------------------------------------------

bool load_tuple(CanonContext& cx, uint32_t ptr, std::span<const ValType> ts,
                std::vector<Val>& out) {
  out.assign(ts.size(), Val());
  for (size_t i = 0; i < ts.size(); ++i) {
    ptr = align_to(ptr, cx.layouts.align(ts[i]));
    if (!load(cx, ptr, ts[i], out[i])) return false;
    ptr += cx.layouts.size(ts[i]);
  }
  return true;
}

namespace {

bool load_prim(CanonContext& cx, uint32_t ptr, PrimType p, Val& out) {
  switch (p) {
    case PrimType::Bool:
      out = Val::boolean(cx.load_int(ptr, 1) != 0);
      return true;
    case PrimType::S8:
      out = Val::s8(static_cast<int8_t>(cx.load_int(ptr, 1)));
      return true;
    case PrimType::U8:
      out = Val::u8(static_cast<uint8_t>(cx.load_int(ptr, 1)));
      return true;
    case PrimType::S16:
      out = Val::s16(static_cast<int16_t>(cx.load_int(ptr, 2)));
      return true;
    case PrimType::U16:
      out = Val::u16(static_cast<uint16_t>(cx.load_int(ptr, 2)));
      return true;
    case PrimType::S32:
      out = Val::s32(static_cast<int32_t>(cx.load_int(ptr, 4)));
      return true;
    case PrimType::U32:
      out = Val::u32(static_cast<uint32_t>(cx.load_int(ptr, 4)));
      return true;
    case PrimType::S64:
      out = Val::s64(static_cast<int64_t>(cx.load_int(ptr, 8)));
      return true;
    case PrimType::U64:
      out = Val::u64(cx.load_int(ptr, 8));
      return true;
    case PrimType::F32:
      out = Val::f32(bits_f32(canonical_f32_bits(static_cast<uint32_t>(cx.load_int(ptr, 4)))));
      return true;
    case PrimType::F64:
      out = Val::f64(bits_f64(canonical_f64_bits(cx.load_int(ptr, 8))));
      return true;
    case PrimType::Char: {
      auto c = static_cast<uint32_t>(cx.load_int(ptr, 4));
      if (!valid_char(c))
        return cx.trap("char value " + std::to_string(c) + " is not a Unicode scalar value");
      out = Val::character(c);
      return true;
    }
    case PrimType::String:
      return load_string_from_range(cx, static_cast<uint32_t>(cx.load_int(ptr, 4)),
                                    static_cast<uint32_t>(cx.load_int(ptr + 4, 4)), out);
  }
  return cx.trap("unknown primitive type");
}

}  // namespace

bool load(CanonContext& cx, uint32_t ptr, ValType t, Val& out) {
  t = cx.layouts.resolve(t);
  uint32_t size = cx.layouts.size(t);
  if (size == 0) return cx.trap("type " + describe(cx.file, t) + " cannot be loaded");
  if (!cx.mem.in_bounds(ptr, size)) return cx.trap_oob("load outside memory");
  if (t.is_prim) return load_prim(cx, ptr, t.prim, out);
  const TypeDef& d = cx.file.types[t.id];
  const TypeLayout& l = *cx.layouts.of(t.id);
  switch (d.kind) {
    case TypeKind::List:
      return load_list_from_range(cx, static_cast<uint32_t>(cx.load_int(ptr, 4)),
                                  static_cast<uint32_t>(cx.load_int(ptr + 4, 4)), d.elem, out);
    case TypeKind::Record:
    case TypeKind::Tuple: {
      std::vector<ValType> ts;
      field_types(d, ts);
      std::vector<Val> vals;
      if (!cx.charge_vals(ts.size()) || !load_tuple(cx, ptr, ts, vals)) return false;
      out = d.kind == TypeKind::Record ? Val::record(std::move(vals)) : Val::tuple(std::move(vals));
      return true;
    }
    case TypeKind::Flags: {
      uint64_t bits = cx.load_int(ptr, l.size);
      size_t n = d.labels.size();
      out = Val::flags(static_cast<uint32_t>(n >= 32 ? bits : bits & ((1u << n) - 1)));
      return true;
    }
    case TypeKind::Own:
    case TypeKind::Borrow:
      return lift_handle(cx, static_cast<uint32_t>(cx.load_int(ptr, 4)), d, out);
    default:
      break;
  }
  CaseView cv = cases_of(d);
  uint64_t index = cx.load_int(ptr, l.disc_size);
  if (index >= cv.count())
    return cx.trap("case index " + std::to_string(index) + " is out of range for a " +
                   to_string(d.kind) + " with " + std::to_string(cv.count()) + " cases");
  auto i = static_cast<uint32_t>(index);
  std::optional<Val> payload;
  if (auto pt = cv.payload(i)) {
    payload.emplace();
    if (!cx.charge_vals(1) || !load(cx, ptr + l.payload_offset, *pt, *payload)) return false;
  }
  out = make_case(d, i, std::move(payload));
  return true;
}

}  // namespace spindle::component
