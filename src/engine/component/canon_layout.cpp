#include "engine/component/canon_layout.h"

#include <algorithm>

#include "engine/component/type_ops.h"

namespace spindle::component {

uint32_t CaseView::count() const {
  if (def == nullptr) return 0;
  switch (def->kind) {
    case TypeKind::Variant:
      return static_cast<uint32_t>(def->cases.size());
    case TypeKind::Enum:
      return static_cast<uint32_t>(def->labels.size());
    default:  // option, result
      return 2;
  }
}

std::optional<ValType> CaseView::payload(uint32_t i) const {
  if (def == nullptr) return std::nullopt;
  switch (def->kind) {
    case TypeKind::Variant:
      return i < def->cases.size() ? def->cases[i].type : std::nullopt;
    case TypeKind::Option:
      return i == 1 ? std::optional<ValType>(def->elem) : std::nullopt;
    case TypeKind::Result:
      return i == 0 ? def->ok : i == 1 ? def->err : std::nullopt;
    default:
      return std::nullopt;
  }
}

CaseView cases_of(const TypeDef& d) {
  switch (d.kind) {
    case TypeKind::Variant:
    case TypeKind::Enum:
    case TypeKind::Option:
    case TypeKind::Result:
      return CaseView{&d};
    default:
      return CaseView{};
  }
}

uint32_t discriminant_size(uint64_t n) {
  if (n <= 256) return 1;
  if (n <= 65536) return 2;
  return 4;
}

namespace {

TypeLayout prim_layout(PrimType p) {
  TypeLayout l;
  l.flat_count = 1;
  switch (p) {
    case PrimType::Bool:
    case PrimType::S8:
    case PrimType::U8:
      l.size = l.align = 1;
      break;
    case PrimType::S16:
    case PrimType::U16:
      l.size = l.align = 2;
      break;
    case PrimType::S64:
    case PrimType::U64:
    case PrimType::F64:
      l.size = l.align = 8;
      break;
    case PrimType::String:
      l.size = 8;
      l.align = 4;
      l.flat_count = 2;
      break;
    default:  // s32, u32, f32, char
      l.size = l.align = 4;
      break;
  }
  return l;
}

CoreValType prim_flat(PrimType p) {
  switch (p) {
    case PrimType::S64:
    case PrimType::U64:
      return CoreValType::I64;
    case PrimType::F32:
      return CoreValType::F32;
    case PrimType::F64:
      return CoreValType::F64;
    default:
      return CoreValType::I32;
  }
}

CoreValType join(CoreValType a, CoreValType b) {
  if (a == b) return a;
  if ((a == CoreValType::I32 && b == CoreValType::F32) ||
      (a == CoreValType::F32 && b == CoreValType::I32))
    return CoreValType::I32;
  return CoreValType::I64;
}

uint32_t sat_add(uint32_t a, uint32_t b) {
  return std::min<uint64_t>(uint64_t{a} + b, kFlatCountCap);
}

const TypeLayout kInvalid = [] {
  TypeLayout l;
  l.valid = false;
  return l;
}();

}  // namespace

Layouts::Layouts(const ComponentFile& file) : file_(file) { refresh(); }

void Layouts::refresh() {
  layouts_.reserve(file_.types.size());
  while (layouts_.size() < file_.types.size()) {
    TypeLayout l = compute(file_.types[layouts_.size()]);
    layouts_.push_back(std::move(l));
  }
}

ValType Layouts::resolve(ValType v) const { return component::resolve(file_, v); }

const TypeDef* Layouts::def(ValType v) const {
  if (v.is_prim || v.id >= file_.types.size()) return nullptr;
  return &file_.types[v.id];
}

const TypeLayout* Layouts::of(TypeId id) const {
  return id < layouts_.size() ? &layouts_[id] : nullptr;
}

namespace {

const TypeLayout* child(const Layouts& ls, ValType v, TypeLayout& tmp) {
  if (v.is_prim) {
    tmp = prim_layout(v.prim);
    return &tmp;
  }
  const TypeLayout* l = ls.of(v.id);
  return l != nullptr && l->valid ? l : nullptr;
}

}  // namespace

uint32_t Layouts::align(ValType v) const {
  if (v.is_prim) return prim_layout(v.prim).align;
  const TypeLayout* l = of(v.id);
  return l != nullptr && l->valid ? l->align : 0;
}

uint32_t Layouts::size(ValType v) const {
  if (v.is_prim) return prim_layout(v.prim).size;
  const TypeLayout* l = of(v.id);
  return l != nullptr && l->valid ? l->size : 0;
}

uint32_t Layouts::flat_count(ValType v) const {
  if (v.is_prim) return prim_layout(v.prim).flat_count;
  const TypeLayout* l = of(v.id);
  return l != nullptr && l->valid ? l->flat_count : kFlatCountCap;
}

uint32_t Layouts::tuple_align(std::span<const ValType> ts) const {
  uint32_t a = 1;
  for (ValType t : ts) a = std::max(a, align(t));
  return a;
}

uint32_t Layouts::tuple_size(std::span<const ValType> ts) const {
  uint64_t s = 0;
  for (ValType t : ts) {
    uint32_t a = align(t);
    if (a == 0) return 0;
    s = align_to64(s, a) + size(t);
  }
  s = align_to64(s, tuple_align(ts));
  return s > 0xffffffffu ? 0 : static_cast<uint32_t>(s);
}

uint32_t Layouts::tuple_flat_count(std::span<const ValType> ts) const {
  uint32_t n = 0;
  for (ValType t : ts) n = sat_add(n, flat_count(t));
  return n;
}

bool Layouts::flatten(ValType v, std::vector<CoreValType>& out, size_t cap) const {
  if (out.size() + flat_count(v) > cap) return false;
  v = resolve(v);
  if (v.is_prim) {
    out.push_back(prim_flat(v.prim));
    if (v.prim == PrimType::String) out.push_back(CoreValType::I32);
    return true;
  }
  const TypeDef& d = file_.types[v.id];
  const TypeLayout& l = layouts_[v.id];
  switch (d.kind) {
    case TypeKind::Record:
      for (const Field& f : d.fields)
        if (!flatten(f.type, out, cap)) return false;
      return true;
    case TypeKind::Tuple:
      for (ValType e : d.elems)
        if (!flatten(e, out, cap)) return false;
      return true;
    case TypeKind::List:
      out.push_back(CoreValType::I32);
      out.push_back(CoreValType::I32);
      return true;
    case TypeKind::Variant:
    case TypeKind::Option:
    case TypeKind::Result:
    case TypeKind::Enum:
      if (l.flat_count > kMaxFlatParams) return false;
      out.push_back(CoreValType::I32);
      out.insert(out.end(), l.flat_payload.begin(), l.flat_payload.end());
      return true;
    default:  // flags, own, borrow
      out.push_back(CoreValType::I32);
      return true;
  }
}

TypeLayout Layouts::compute(const TypeDef& d) const {
  TypeLayout l, tmp;
  switch (d.kind) {
    case TypeKind::Prim:
      return prim_layout(d.prim);
    case TypeKind::Record:
    case TypeKind::Tuple: {
      std::vector<ValType> ts;
      if (d.kind == TypeKind::Record)
        for (const Field& f : d.fields) ts.push_back(f.type);
      else
        ts = d.elems;
      for (ValType t : ts)
        if (child(*this, t, tmp) == nullptr) return kInvalid;
      l.align = tuple_align(ts);
      l.size = tuple_size(ts);
      l.flat_count = tuple_flat_count(ts);
      if (l.size == 0) return kInvalid;  // empty records are not value types
      return l;
    }
    case TypeKind::List:
      if (child(*this, d.elem, tmp) == nullptr) return kInvalid;
      l.size = 8;
      l.align = 4;
      l.flat_count = 2;
      return l;
    case TypeKind::Flags: {
      size_t n = d.labels.size();
      if (n == 0 || n > 32) return kInvalid;
      l.size = l.align = n <= 8 ? 1 : n <= 16 ? 2 : 4;
      l.flat_count = 1;
      return l;
    }
    case TypeKind::Own:
    case TypeKind::Borrow:
      l.size = l.align = 4;
      l.flat_count = 1;
      return l;
    case TypeKind::Variant:
    case TypeKind::Enum:
    case TypeKind::Option:
    case TypeKind::Result:
      break;
    default:
      return kInvalid;
  }
  CaseView cv = cases_of(d);
  uint32_t n = cv.count();
  if (n == 0) return kInvalid;
  l.disc_size = static_cast<uint8_t>(discriminant_size(n));
  uint32_t case_align = 1, case_size = 0, flat = 0;
  bool flat_ok = true;
  std::vector<CoreValType> joined, one;
  for (uint32_t i = 0; i < n; ++i) {
    auto p = cv.payload(i);
    if (!p) continue;
    const TypeLayout* c = child(*this, *p, tmp);
    if (c == nullptr) return kInvalid;
    case_align = std::max(case_align, c->align);
    case_size = std::max(case_size, c->size);
    flat = std::max(flat, c->flat_count);
    one.clear();
    if (flat_ok && flatten(*p, one, kMaxFlatParams)) {
      for (size_t k = 0; k < one.size(); ++k) {
        if (k < joined.size())
          joined[k] = join(joined[k], one[k]);
        else
          joined.push_back(one[k]);
      }
    } else {
      flat_ok = false;
    }
  }
  l.align = std::max<uint32_t>(l.disc_size, case_align);
  l.payload_offset = align_to(l.disc_size, case_align);
  uint64_t size = align_to64(uint64_t{l.payload_offset} + case_size, l.align);
  if (size > 0xffffffffu) return kInvalid;
  l.size = static_cast<uint32_t>(size);
  l.flat_count = sat_add(flat, 1);
  if (flat_ok && l.flat_count <= kMaxFlatParams) l.flat_payload = std::move(joined);
  return l;
}

}  // namespace spindle::component
