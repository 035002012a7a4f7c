// Substitution of imported types and subtyping of extern types (type_ops.h).
#include <algorithm>

#include "engine/component/type_ops.h"

namespace spindle::component {
namespace {

struct Substituter {
  ComponentFile& file;
  const Substitution& s;
  std::map<TypeId, TypeId> memo;

  ValType val(ValType v) {
    if (v.is_prim) return v;
    return ValType::defined(type(v.id));
  }
  std::optional<ValType> opt(const std::optional<ValType>& v) {
    if (!v) return v;
    return val(*v);
  }
  ExternType ext(const ExternType& e) {
    ExternType out = e;
    switch (e.sort) {
      case Sort::Value:
        out.value = val(e.value);
        break;
      case Sort::Func:
      case Sort::Type:
      case Sort::Instance:
      case Sort::Component:
        out.type = type(e.type);
        break;
      default:
        break;
    }
    return out;
  }
  TypeId type(TypeId t) {
    if (auto it = s.find(t); it != s.end()) return it->second;
    if (t >= file.types.size()) return t;
    if (auto it = memo.find(t); it != memo.end()) return it->second;
    TypeDef copy = file.types[t];  // add_type may move the arena
    bool values_only = copy.kind != TypeKind::Func && copy.kind != TypeKind::Component &&
                       copy.kind != TypeKind::Instance;
    if (copy.kind == TypeKind::Resource || (values_only && !copy.has_handle)) return t;
    for (Field& f : copy.fields) f.type = val(f.type);
    for (Case& c : copy.cases) c.type = opt(c.type);
    for (ValType& e : copy.elems) e = val(e);
    if (copy.kind == TypeKind::List || copy.kind == TypeKind::Option) copy.elem = val(copy.elem);
    copy.ok = opt(copy.ok);
    copy.err = opt(copy.err);
    copy.result = opt(copy.result);
    if (copy.resource != kNone) copy.resource = type(copy.resource);
    for (ExternDecl& d : copy.imports) d.type = ext(d.type);
    for (ExternDecl& d : copy.exports) d.type = ext(d.type);
    TypeId n = add_type(file, std::move(copy));
    memo[t] = n;
    return n;
  }
};

std::string describe_func(const ComponentFile& file, TypeId t) {
  if (t >= file.types.size() || file.types[t].kind != TypeKind::Func) return describe_type(file, t);
  const TypeDef& f = file.types[t];
  std::string s = "(";
  for (size_t i = 0; i < f.fields.size(); ++i)
    s += (i ? ", " : "") + f.fields[i].name + ": " + describe(file, f.fields[i].type);
  s += ")";
  if (f.result) s += " -> " + describe(file, *f.result);
  return s;
}

const ExternDecl* find(const std::vector<ExternDecl>& decls, const std::string& name) {
  auto it =
      std::find_if(decls.begin(), decls.end(), [&](const ExternDecl& d) { return d.name == name; });
  return it == decls.end() ? nullptr : &*it;
}

std::string module_subtype(const ComponentFile& file, CoreTypeId actual, CoreTypeId expected) {
  if (actual >= file.core_types.size() || expected >= file.core_types.size())
    return "core module type out of range";
  const CoreModuleType& a = file.core_types[actual].module;
  const CoreModuleType& e = file.core_types[expected].module;
  for (const CoreExportDecl& x : e.exports) {
    auto it = std::find_if(a.exports.begin(), a.exports.end(),
                           [&](const CoreExportDecl& y) { return y.name == x.name; });
    if (it == a.exports.end()) return "core module lacks export '" + x.name + "'";
    if (it->type.sort != x.type.sort) return "core module export '" + x.name + "' has another kind";
  }
  for (const CoreImportDecl& x : a.imports) {
    auto it = std::find_if(e.imports.begin(), e.imports.end(), [&](const CoreImportDecl& y) {
      return y.module == x.module && y.name == x.name;
    });
    if (it == e.imports.end())
      return "core module imports '" + x.module + "' '" + x.name + "', which is not expected";
  }
  return "";
}

}  // namespace

TypeId substitute(ComponentFile& file, TypeId t, const Substitution& s) {
  if (s.empty()) return t;
  return Substituter{file, s, {}}.type(t);
}

ValType substitute(ComponentFile& file, ValType v, const Substitution& s) {
  if (s.empty()) return v;
  return Substituter{file, s, {}}.val(v);
}

ExternType substitute(ComponentFile& file, const ExternType& e, const Substitution& s) {
  if (s.empty()) return e;
  return Substituter{file, s, {}}.ext(e);
}

std::string extern_subtype(ComponentFile& file, const ExternType& actual,
                           const ExternType& expected) {
  if (actual.sort != expected.sort)
    return std::string("expected a ") + to_string(expected.sort) + ", found a " +
           to_string(actual.sort);
  switch (expected.sort) {
    case Sort::Func:
      if (!type_equal(file, actual.type, expected.type))
        return "function type mismatch: expected " + describe_func(file, expected.type) +
               ", found " + describe_func(file, actual.type);
      return "";
    case Sort::Value:
      if (!valtype_equal(file, actual.value, expected.value))
        return "value type mismatch: expected " + describe(file, expected.value) + ", found " +
               describe(file, actual.value);
      return "";
    case Sort::Type:
      if (expected.sub_resource) {
        if (actual.type >= file.types.size() || file.types[actual.type].kind != TypeKind::Resource)
          return "expected a resource type, found " + describe_type(file, actual.type);
        return "";
      }
      if (!type_equal(file, actual.type, expected.type))
        return "type mismatch: expected " + describe_type(file, expected.type) + ", found " +
               describe_type(file, actual.type);
      return "";
    case Sort::Instance:
    case Sort::Component: {
      if (actual.type >= file.types.size() || expected.type >= file.types.size())
        return "type index out of range";
      // copies: substitution below may grow the arena
      std::vector<ExternDecl> a_exports = file.types[actual.type].exports;
      std::vector<ExternDecl> a_imports = file.types[actual.type].imports;
      std::vector<ExternDecl> e_exports = file.types[expected.type].exports;
      std::vector<ExternDecl> e_imports = file.types[expected.type].imports;
      Substitution s;
      for (const ExternDecl& x : e_imports) {
        const ExternDecl* y = find(a_imports, x.name);
        if (y != nullptr && x.type.sort == Sort::Type && y->type.sort == Sort::Type)
          s[y->type.type] = x.type.type;  // the actual's imported types read as expected's
      }
      for (const ExternDecl& x : a_imports) {
        const ExternDecl* y = find(e_imports, x.name);
        if (y == nullptr) return "unexpected import '" + x.name + "'";
        ExternType want = substitute(file, x.type, s);
        if (std::string why = extern_subtype(file, y->type, want); !why.empty())
          return "import '" + x.name + "': " + why;
      }
      s.clear();
      for (const ExternDecl& x : e_exports) {
        const ExternDecl* y = find(a_exports, x.name);
        if (y == nullptr) return "missing export '" + x.name + "'";
        ExternType want = substitute(file, x.type, s);
        if (std::string why = extern_subtype(file, y->type, want); !why.empty())
          return "export '" + x.name + "': " + why;
        if (x.type.sort == Sort::Type && x.type.sub_resource) s[x.type.type] = y->type.type;
      }
      return "";
    }
    case Sort::CoreModule:
      return module_subtype(file, actual.type, expected.type);
    default:
      return "";
  }
}

}  // namespace spindle::component
