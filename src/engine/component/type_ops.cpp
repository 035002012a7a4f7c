#include "engine/component/type_ops.h"

#include <algorithm>

namespace spindle::component {

const char* to_string(PrimType p) {
  static const char* const kNames[] = {"bool", "s8",  "u8",  "s16", "u16",  "s32",   "u32",
                                       "s64",  "u64", "f32", "f64", "char", "string"};
  return kNames[static_cast<int>(p)];
}

const char* to_string(TypeKind k) {
  static const char* const kNames[] = {"primitive", "record", "variant",   "list",     "tuple",
                                       "flags",     "enum",   "option",    "result",   "own",
                                       "borrow",    "func",   "component", "instance", "resource"};
  return kNames[static_cast<int>(k)];
}

const char* to_string(Sort s) {
  static const char* const kNames[] = {"core func", "core table", "core memory", "core global",
                                       "core tag",  "core type",  "core module", "core instance",
                                       "func",      "value",      "type",        "component",
                                       "instance"};
  return kNames[static_cast<int>(s)];
}

const char* to_string(CanonKind k) {
  static const char* const kNames[] = {"lift", "lower", "resource.new", "resource.drop",
                                       "resource.rep"};
  return kNames[static_cast<int>(k)];
}

const TypeDef* defined(const ComponentFile& file, ValType v) {
  if (v.is_prim || v.id >= file.types.size()) return nullptr;
  return &file.types[v.id];
}

ValType resolve(const ComponentFile& file, ValType v) {
  const TypeDef* d = defined(file, v);
  if (d != nullptr && d->kind == TypeKind::Prim) return ValType::primitive(d->prim);
  return v;
}

bool has_list_or_string(const ComponentFile& file, ValType v) {
  if (v.is_prim) return v.prim == PrimType::String;
  const TypeDef* d = defined(file, v);
  return d != nullptr && d->has_list_or_string;
}

bool has_borrow(const ComponentFile& file, ValType v) {
  const TypeDef* d = defined(file, v);
  return d != nullptr && d->has_borrow;
}

namespace {

uint32_t sat_add(uint32_t a, uint32_t b) { return a > 0xffffffffu - b ? 0xffffffffu : a + b; }

struct Accum {
  const ComponentFile& file;
  TypeDef& t;
  uint32_t max_depth = 0;
  void val(ValType v) {
    if (v.is_prim) {
      t.size = sat_add(t.size, 1);
      if (v.prim == PrimType::String) t.has_list_or_string = true;
      return;
    }
    if (v.id >= file.types.size()) return;
    const TypeDef& c = file.types[v.id];
    t.size = sat_add(t.size, c.size);
    max_depth = std::max(max_depth, c.depth);
    t.has_list_or_string |= c.has_list_or_string;
    t.has_borrow |= c.has_borrow;
    t.has_handle |= c.has_handle;
  }
  void ext(const ExternType& e) {
    switch (e.sort) {
      case Sort::Value:
        val(e.value);
        break;
      case Sort::Func:
      case Sort::Type:
      case Sort::Instance:
      case Sort::Component:
        if (e.type < file.types.size()) {
          const TypeDef& c = file.types[e.type];
          t.size = sat_add(t.size, c.size);
          max_depth = std::max(max_depth, c.depth);
        }
        break;
      default:
        t.size = sat_add(t.size, 1);
        break;
    }
  }
};

}  // namespace

TypeId add_type(ComponentFile& file, TypeDef t) {
  t.size = 1;
  t.depth = 1;
  Accum a{file, t};
  for (const Field& f : t.fields) a.val(f.type);
  for (const Case& c : t.cases)
    if (c.type) a.val(*c.type);
  for (ValType v : t.elems) a.val(v);
  if (t.kind == TypeKind::List || t.kind == TypeKind::Option) a.val(t.elem);
  if (t.ok) a.val(*t.ok);
  if (t.err) a.val(*t.err);
  if (t.result) a.val(*t.result);
  for (const ExternDecl& d : t.imports) a.ext(d.type);
  for (const ExternDecl& d : t.exports) a.ext(d.type);
  t.size = sat_add(t.size, static_cast<uint32_t>(std::min<size_t>(t.labels.size(), 0xffffff)));
  t.depth = a.max_depth + 1;
  if (t.kind == TypeKind::List) t.has_list_or_string = true;
  if (t.kind == TypeKind::Prim && t.prim == PrimType::String) t.has_list_or_string = true;
  if (t.kind == TypeKind::Own || t.kind == TypeKind::Borrow) t.has_handle = true;
  if (t.kind == TypeKind::Borrow) t.has_borrow = true;
  if (t.kind == TypeKind::Func || t.kind == TypeKind::Component || t.kind == TypeKind::Instance) {
    // flags describe values; these are not values
    t.has_list_or_string = t.has_borrow = t.has_handle = false;
  }
  file.types.push_back(std::move(t));
  return static_cast<TypeId>(file.types.size() - 1);
}

namespace {

CoreValType join(CoreValType a, CoreValType b) {
  if (a == b) return a;
  if ((a == CoreValType::I32 && b == CoreValType::F32) ||
      (a == CoreValType::F32 && b == CoreValType::I32))
    return CoreValType::I32;
  return CoreValType::I64;
}

bool flatten_variant(const ComponentFile& file, const std::vector<std::optional<ValType>>& payloads,
                     std::vector<CoreValType>& out, size_t cap) {
  out.push_back(CoreValType::I32);  // discriminant
  std::vector<CoreValType> flat, tmp;
  for (const auto& p : payloads) {
    if (!p) continue;
    tmp.clear();
    if (!flatten(file, *p, tmp, cap)) return false;
    for (size_t i = 0; i < tmp.size(); ++i) {
      if (i < flat.size())
        flat[i] = join(flat[i], tmp[i]);
      else
        flat.push_back(tmp[i]);
    }
  }
  out.insert(out.end(), flat.begin(), flat.end());
  return out.size() <= cap;
}

}  // namespace

bool flatten(const ComponentFile& file, ValType v, std::vector<CoreValType>& out, size_t cap) {
  v = resolve(file, v);
  if (v.is_prim) {
    switch (v.prim) {
      case PrimType::S64:
      case PrimType::U64:
        out.push_back(CoreValType::I64);
        break;
      case PrimType::F32:
        out.push_back(CoreValType::F32);
        break;
      case PrimType::F64:
        out.push_back(CoreValType::F64);
        break;
      case PrimType::String:
        out.push_back(CoreValType::I32);
        out.push_back(CoreValType::I32);
        break;
      default:
        out.push_back(CoreValType::I32);
        break;
    }
    return out.size() <= cap;
  }
  const TypeDef* d = defined(file, v);
  if (d == nullptr) return false;
  switch (d->kind) {
    case TypeKind::List:
      out.push_back(CoreValType::I32);
      out.push_back(CoreValType::I32);
      break;
    case TypeKind::Record:
      for (const Field& f : d->fields)
        if (!flatten(file, f.type, out, cap)) return false;
      break;
    case TypeKind::Tuple:
      for (ValType e : d->elems)
        if (!flatten(file, e, out, cap)) return false;
      break;
    case TypeKind::Variant: {
      std::vector<std::optional<ValType>> p;
      for (const Case& c : d->cases) p.push_back(c.type);
      return flatten_variant(file, p, out, cap);
    }
    case TypeKind::Option:
      return flatten_variant(file, {std::nullopt, d->elem}, out, cap);
    case TypeKind::Result:
      return flatten_variant(file, {d->ok, d->err}, out, cap);
    case TypeKind::Flags:
    case TypeKind::Enum:
    case TypeKind::Own:
    case TypeKind::Borrow:
      out.push_back(CoreValType::I32);
      break;
    default:
      return false;  // not a value type
  }
  return out.size() <= cap;
}

bool params_spill(const ComponentFile& file, const TypeDef& func) {
  std::vector<CoreValType> flat;
  for (const Field& p : func.fields)
    if (!flatten(file, p.type, flat, kMaxFlatParams)) return true;
  return false;
}

bool results_spill(const ComponentFile& file, const TypeDef& func) {
  std::vector<CoreValType> flat;
  return func.result && !flatten(file, *func.result, flat, kMaxFlatResults);
}

CoreFuncType flatten_func(const ComponentFile& file, const TypeDef& func, bool lift) {
  CoreFuncType t;
  if (params_spill(file, func)) {
    t.params = {CoreValType::I32};
  } else {
    for (const Field& p : func.fields) flatten(file, p.type, t.params, kMaxFlatParams);
  }
  if (func.result) {
    if (results_spill(file, func)) {
      if (lift)
        t.results = {CoreValType::I32};
      else
        t.params.push_back(CoreValType::I32);
    } else {
      flatten(file, *func.result, t.results, kMaxFlatResults);
    }
  }
  return t;
}

namespace {

bool opt_equal(const ComponentFile& file, const std::optional<ValType>& a,
               const std::optional<ValType>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || valtype_equal(file, *a, *b);
}

bool decls_equal(const ComponentFile& file, const std::vector<ExternDecl>& a,
                 const std::vector<ExternDecl>& b) {
  if (a.size() != b.size()) return false;
  for (const ExternDecl& x : a) {
    auto it =
        std::find_if(b.begin(), b.end(), [&](const ExternDecl& y) { return y.name == x.name; });
    if (it == b.end() || it->type.sort != x.type.sort ||
        it->type.sub_resource != x.type.sub_resource)
      return false;
    if (x.type.sort == Sort::Value) {
      if (!valtype_equal(file, x.type.value, it->type.value)) return false;
    } else if (x.type.sort == Sort::CoreModule) {
      if (x.type.type != it->type.type) return false;
    } else if (!type_equal(file, x.type.type, it->type.type)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool type_equal(const ComponentFile& file, TypeId a, TypeId b) {
  if (a == b) return true;
  if (a >= file.types.size() || b >= file.types.size()) return false;
  const TypeDef& x = file.types[a];
  const TypeDef& y = file.types[b];
  if (x.kind == TypeKind::Prim || y.kind == TypeKind::Prim)
    return valtype_equal(file, ValType::defined(a), ValType::defined(b));
  if (x.kind != y.kind) return false;
  switch (x.kind) {
    case TypeKind::Record:
    case TypeKind::Func:
      if (x.fields.size() != y.fields.size()) return false;
      for (size_t i = 0; i < x.fields.size(); ++i)
        if (x.fields[i].name != y.fields[i].name ||
            !valtype_equal(file, x.fields[i].type, y.fields[i].type))
          return false;
      return x.kind == TypeKind::Record || opt_equal(file, x.result, y.result);
    case TypeKind::Variant:
      if (x.cases.size() != y.cases.size()) return false;
      for (size_t i = 0; i < x.cases.size(); ++i)
        if (x.cases[i].name != y.cases[i].name ||
            !opt_equal(file, x.cases[i].type, y.cases[i].type))
          return false;
      return true;
    case TypeKind::List:
    case TypeKind::Option:
      return valtype_equal(file, x.elem, y.elem);
    case TypeKind::Tuple:
      if (x.elems.size() != y.elems.size()) return false;
      for (size_t i = 0; i < x.elems.size(); ++i)
        if (!valtype_equal(file, x.elems[i], y.elems[i])) return false;
      return true;
    case TypeKind::Flags:
    case TypeKind::Enum:
      return x.labels == y.labels;
    case TypeKind::Result:
      return opt_equal(file, x.ok, y.ok) && opt_equal(file, x.err, y.err);
    case TypeKind::Own:
    case TypeKind::Borrow:
      return type_equal(file, x.resource, y.resource);
    case TypeKind::Resource:
      return false;  // identity only
    case TypeKind::Instance:
      return decls_equal(file, x.exports, y.exports);
    case TypeKind::Component:
      return decls_equal(file, x.imports, y.imports) && decls_equal(file, x.exports, y.exports);
    case TypeKind::Prim:
      break;
  }
  return false;
}

bool valtype_equal(const ComponentFile& file, ValType a, ValType b) {
  a = resolve(file, a);
  b = resolve(file, b);
  if (a.is_prim || b.is_prim) return a.is_prim && b.is_prim && a.prim == b.prim;
  return type_equal(file, a.id, b.id);
}

std::string describe(const ComponentFile& file, ValType v) {
  v = resolve(file, v);
  if (v.is_prim) return to_string(v.prim);
  return describe_type(file, v.id);
}

std::string describe_type(const ComponentFile& file, TypeId t) {
  if (t >= file.types.size()) return "type " + std::to_string(t);
  const TypeDef& d = file.types[t];
  if (d.kind == TypeKind::Prim) return to_string(d.prim);
  if (d.kind == TypeKind::Resource && !d.debug_name.empty())
    return "resource '" + d.debug_name + "'";
  return to_string(d.kind);
}

}  // namespace spindle::component
