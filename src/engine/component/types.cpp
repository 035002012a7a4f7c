// Type definitions (Binary.md "Type Definitions"): value types, defined
// value types, function, component, instance and resource types, core types
// and core module types.
#include <set>

#include "engine/component/loader_impl.h"

namespace spindle::component::detail {
namespace {

[[noreturn]] void unsupported(Reader& r, uint64_t at, const std::string& what) {
  r.fail_at(at, "unsupported: " + what +
                    " (async, streams, futures and threads of WASI 0.3 are not implemented)");
}

std::string label(Reader& r) {
  uint64_t at = r.offset();
  std::string s = r.name();
  if (!is_label(s)) r.fail_at(at, "invalid label '" + s + "' (expected kebab-case)");
  return s;
}

// Checks `name` is strongly unique among `seen`.
void unique(Reader& r, uint64_t at, std::set<std::string>& seen, const std::string& name,
            const char* what) {
  if (!seen.insert(strongly_unique_key(name)).second)
    r.fail_at(at, std::string("duplicate ") + what + " '" + name + "'");
}

bool opt_flag(Reader& r) {
  uint64_t at = r.offset();
  uint8_t b = r.u8();
  if (b > 1) r.fail_at(at, "invalid optional-value flag " + hex(b) + " (expected 0x00 or 0x01)");
  return b == 1;
}

bool is_value_kind(TypeKind k) { return k <= TypeKind::Borrow; }

}  // namespace

ValType Loader::valtype(Reader& r, Scope& s) {
  uint64_t at = r.offset();
  uint8_t b = r.peek();
  if (b >= 0x73 && b <= 0x7f) {
    r.u8();
    return ValType::primitive(static_cast<PrimType>(0x7f - b));
  }
  if (b == 0x64) unsupported(r, at, "the error-context type");
  int64_t v = r.s33();
  if (v < 0 || v > 0xffffffffll) r.fail_at(at, "invalid value type " + hex(b));
  TypeId t = type_at(r, at, s, static_cast<uint32_t>(v));
  if (!is_value_kind(def(t).kind))
    r.fail_at(at, "type index " + std::to_string(v) + " is a " + to_string(def(t).kind) +
                      " type, not a value type");
  return ValType::defined(t);
}

TypeId Loader::deftype(Reader& r, Scope& s) {
  uint64_t at = r.offset();
  uint8_t b = r.u8();
  TypeDef t;
  auto opt_val = [&]() -> std::optional<ValType> {
    if (opt_flag(r)) return valtype(r, s);
    return std::nullopt;
  };
  auto nonempty = [&](uint32_t n, const char* what) {
    if (n == 0)
      r.fail_at(at, std::string("a ") + what + " type needs at least one " +
                        (std::string(what) == "record" ? "field" : "case"));
  };
  if (b >= 0x73 && b <= 0x7f) {
    t.kind = TypeKind::Prim;
    t.prim = static_cast<PrimType>(0x7f - b);
    return new_type(r, at, std::move(t));
  }
  switch (b) {
    case 0x72: {  // record
      t.kind = TypeKind::Record;
      uint32_t n = r.count(2);
      nonempty(n, "record");
      std::set<std::string> seen;
      for (uint32_t i = 0; i < n; ++i) {
        uint64_t fat = r.offset();
        std::string name = label(r);
        unique(r, fat, seen, name, "record field");
        t.fields.push_back({std::move(name), valtype(r, s)});
      }
      break;
    }
    case 0x71: {  // variant
      t.kind = TypeKind::Variant;
      uint32_t n = r.count(3);
      nonempty(n, "variant");
      std::set<std::string> seen;
      for (uint32_t i = 0; i < n; ++i) {
        uint64_t cat = r.offset();
        std::string name = label(r);
        unique(r, cat, seen, name, "variant case");
        auto payload = opt_val();
        uint64_t rat = r.offset();
        if (r.u8() != 0x00)
          r.fail_at(rat, "variant case '" + name + "': 'refines' is not supported (expected 0x00)");
        t.cases.push_back({std::move(name), payload});
      }
      break;
    }
    case 0x70:
      t.kind = TypeKind::List;
      t.elem = valtype(r, s);
      break;
    case 0x6f: {  // tuple
      t.kind = TypeKind::Tuple;
      uint32_t n = r.count();
      if (n == 0) r.fail_at(at, "a tuple type needs at least one element");
      for (uint32_t i = 0; i < n; ++i) t.elems.push_back(valtype(r, s));
      break;
    }
    case 0x6e:
    case 0x6d: {  // flags, enum
      t.kind = b == 0x6e ? TypeKind::Flags : TypeKind::Enum;
      uint32_t n = r.count(2);
      if (n == 0)
        r.fail_at(at, std::string("a ") + to_string(t.kind) + " type needs at least one label");
      if (b == 0x6e && n > 32) r.fail_at(at, "a flags type has at most 32 labels");
      std::set<std::string> seen;
      for (uint32_t i = 0; i < n; ++i) {
        uint64_t lat = r.offset();
        std::string name = label(r);
        unique(r, lat, seen, name, b == 0x6e ? "flag" : "enum case");
        t.labels.push_back(std::move(name));
      }
      break;
    }
    case 0x6b:
      t.kind = TypeKind::Option;
      t.elem = valtype(r, s);
      break;
    case 0x6a:
      t.kind = TypeKind::Result;
      t.ok = opt_val();
      t.err = opt_val();
      break;
    case 0x69:
    case 0x68: {  // own, borrow
      t.kind = b == 0x69 ? TypeKind::Own : TypeKind::Borrow;
      uint64_t iat = r.offset();
      uint32_t idx = r.u32();
      t.resource = type_at(r, iat, s, idx);
      if (def(t.resource).kind != TypeKind::Resource)
        r.fail_at(iat, std::string(to_string(t.kind)) + " needs a resource type, type index " +
                           std::to_string(idx) + " is a " + to_string(def(t.resource).kind));
      break;
    }
    case 0x40: {  // func
      t.kind = TypeKind::Func;
      uint32_t n = r.count(2);
      std::set<std::string> seen;
      for (uint32_t i = 0; i < n; ++i) {
        uint64_t pat = r.offset();
        std::string name = label(r);
        unique(r, pat, seen, name, "parameter name");
        t.fields.push_back({std::move(name), valtype(r, s)});
      }
      uint64_t rat = r.offset();
      uint8_t form = r.u8();
      if (form == 0x00) {
        t.result = valtype(r, s);
        if (has_borrow(file_, *t.result)) r.fail_at(rat, "a function result cannot hold a borrow");
      } else if (form == 0x01) {
        if (r.u32() != 0)
          r.fail_at(rat,
                    "named or multiple function results are not supported (expected 0x01 0x00)");
      } else {
        r.fail_at(rat, "invalid function result list " + hex(form));
      }
      break;
    }
    case 0x41:
    case 0x42: {  // component type, instance type
      t.kind = b == 0x41 ? TypeKind::Component : TypeKind::Instance;
      if (s.depth + 1 > kMaxNesting) r.fail_at(at, "types are nested too deeply");
      Scope inner;
      inner.parent = &s;
      inner.depth = s.depth + 1;
      inner.instance_type = b == 0x42;
      uint32_t n = r.count();
      for (uint32_t i = 0; i < n; ++i) {
        uint64_t dat = r.offset();
        uint8_t d = r.u8();
        switch (d) {
          case 0x03:
          case 0x04: {
            if (d == 0x03 && inner.instance_type)
              r.fail_at(dat, "an instance type cannot declare imports");
            uint64_t nat = r.offset();
            ExternName parsed;
            std::string name = extern_name(r, parsed);
            ExternType et = externtype(r, inner, name);
            declare_name(r, nat, inner, d == 0x03, name, parsed, et);
            push(inner, et, Origin::Declared, kNone);
            (d == 0x03 ? inner.imports : inner.exports).push_back({name, parsed, et});
            break;
          }
          case 0x00:
            core_type(r, inner);
            break;
          case 0x01: {
            TypeId id = deftype(r, inner);
            push(inner, ExternType{Sort::Type, id, {}, false}, Origin::Declared, kNone);
            break;
          }
          case 0x02:
            alias(r, inner, true);
            break;
          default:
            r.fail_at(dat, "invalid declarator " + hex(d));
        }
      }
      t.imports = std::move(inner.imports);
      t.exports = std::move(inner.exports);
      break;
    }
    case 0x3f: {  // resource
      if (s.component == nullptr)
        r.fail_at(at, "a resource type cannot be defined inside a component or instance type");
      t.kind = TypeKind::Resource;
      t.owner = s.component->id;
      uint64_t rat = r.offset();
      CoreValType rep = read_core_valtype(r);
      if (rep == CoreValType::I64) unsupported(r, rat, "64-bit resource representations");
      if (rep != CoreValType::I32) r.fail_at(rat, "a resource's representation must be i32");
      if (opt_flag(r)) {
        uint64_t fat = r.offset();
        t.dtor = r.u32();
        const CoreItem& f = core_item(r, fat, s, CoreSort::Func, t.dtor);
        CoreFuncType want{{CoreValType::I32}, {}};
        if (f.type.func_known && f.type.func != want)
          r.fail_at(fat, "resource destructor must have type [i32] -> [], core function " +
                             std::to_string(t.dtor) + " has " + to_string(f.type.func));
      }
      break;
    }
    case 0x43:
      unsupported(r, at, "async function types");
    case 0x66:
      unsupported(r, at, "the stream type");
    case 0x65:
      unsupported(r, at, "the future type");
    case 0x64:
      unsupported(r, at, "the error-context type");
    case 0x67:
      r.fail_at(at, "unsupported: fixed-length lists");
    case 0x63:
      r.fail_at(at, "unsupported: the map type");
    case 0x6c:
      r.fail_at(at, "union types were removed from the component model");
    default:
      r.fail_at(at, "invalid type definition opcode " + hex(b));
  }
  return new_type(r, at, std::move(t));
}

ExternType Loader::externtype(Reader& r, Scope& s, const std::string& name) {
  uint64_t at = r.offset();
  uint8_t b = r.u8();
  ExternType e;
  auto typed = [&](Sort sort, TypeKind want) {
    uint64_t iat = r.offset();
    uint32_t idx = r.u32();
    TypeId t = type_at(r, iat, s, idx);
    if (def(t).kind != want)
      r.fail_at(iat, std::string("a ") + to_string(sort) + " needs a " + to_string(want) +
                         " type, type index " + std::to_string(idx) + " is a " +
                         to_string(def(t).kind));
    e.sort = sort;
    e.type = t;
  };
  switch (b) {
    case 0x00: {
      uint64_t kat = r.offset();
      if (r.u8() != 0x11)
        r.fail_at(kat, "only core modules can be imported or exported at core level");
      uint64_t iat = r.offset();
      uint32_t idx = r.u32();
      auto& cts = s.spaces().core_types;
      if (idx >= cts.size()) out_of_range(r, iat, "core type", idx, cts.size());
      if (file_.core_types[cts[idx]].kind != CoreTypeKind::Module)
        r.fail_at(iat, "core type index " + std::to_string(idx) + " is not a module type");
      e.sort = Sort::CoreModule;
      e.type = cts[idx];
      break;
    }
    case 0x01:
      typed(Sort::Func, TypeKind::Func);
      break;
    case 0x02:
      r.fail_at(at, "unsupported: component value imports and exports");
    case 0x03: {
      e.sort = Sort::Type;
      uint64_t bat = r.offset();
      uint8_t bound = r.u8();
      if (bound == 0x00) {
        uint64_t iat = r.offset();
        e.type = type_at(r, iat, s, r.u32());
      } else if (bound == 0x01) {
        TypeDef res;
        res.kind = TypeKind::Resource;
        res.abstract = true;
        res.debug_name = name;
        e.type = new_type(r, bat, std::move(res));
        e.sub_resource = true;
      } else {
        r.fail_at(bat, "invalid type bound " + hex(bound));
      }
      break;
    }
    case 0x04:
      typed(Sort::Component, TypeKind::Component);
      break;
    case 0x05:
      typed(Sort::Instance, TypeKind::Instance);
      break;
    default:
      r.fail_at(at, "invalid extern type " + hex(b));
  }
  return e;
}

void Loader::core_type(Reader& r, Scope& s) {
  uint64_t at = r.offset();
  uint8_t b = r.u8();
  CoreTypeDef t;
  if (b == 0x60) {
    t.kind = CoreTypeKind::Func;
    t.func = read_core_functype(r);
  } else if (b == 0x50) {
    t.kind = CoreTypeKind::Module;
    std::vector<CoreTypeId> local;
    auto lookup = [&](uint32_t i) -> const CoreFuncType* {
      if (i >= local.size() || file_.core_types[local[i]].kind != CoreTypeKind::Func)
        return nullptr;
      return &file_.core_types[local[i]].func;
    };
    std::set<std::string> exports;
    uint32_t n = r.count();
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t dat = r.offset();
      uint8_t d = r.u8();
      switch (d) {
        case 0x00: {
          CoreImportDecl imp;
          imp.module = r.name();
          imp.name = r.name();
          imp.type = read_core_externtype(r, lookup);
          t.module.imports.push_back(std::move(imp));
          break;
        }
        case 0x01: {
          uint64_t tat = r.offset();
          if (r.u8() != 0x60) r.fail_at(tat, "a module type may only declare function types");
          CoreTypeDef f;
          f.func = read_core_functype(r);
          local.push_back(new_core_type(std::move(f)));
          break;
        }
        case 0x02: {
          uint64_t aat = r.offset();
          if (r.u8() != 0x10 || r.u8() != 0x01)
            r.fail_at(aat, "a module type may only alias outer core types (expected 0x10 0x01)");
          uint32_t ct = r.u32();
          uint64_t iat = r.offset();
          uint32_t idx = r.u32();
          CoreTypeId target;
          if (ct == 0) {
            if (idx >= local.size()) out_of_range(r, iat, "core type", idx, local.size());
            target = local[idx];
          } else {
            Scope* sc = &s;
            for (uint32_t k = 1; k < ct; ++k) {
              sc = sc->parent;
              if (sc == nullptr)
                r.fail_at(aat, "outer alias count " + std::to_string(ct) +
                                   " exceeds the enclosing scopes");
            }
            auto& cts = sc->spaces().core_types;
            if (idx >= cts.size()) out_of_range(r, iat, "core type", idx, cts.size());
            target = cts[idx];
          }
          if (file_.core_types[target].kind == CoreTypeKind::Module)
            r.fail_at(iat, "a module type cannot alias a module type");
          local.push_back(target);
          break;
        }
        case 0x03: {
          uint64_t nat = r.offset();
          CoreExportDecl e;
          e.name = r.name();
          if (!exports.insert(e.name).second)
            r.fail_at(nat, "duplicate core export name '" + e.name + "'");
          e.type = read_core_externtype(r, lookup);
          t.module.exports.push_back(std::move(e));
          break;
        }
        default:
          r.fail_at(dat, "invalid module type declarator " + hex(d));
      }
    }
  } else if (b == 0x00 || b == 0x4e || b == 0x4f || b == 0x5f || b == 0x5e) {
    r.fail_at(at, "unsupported: core GC types (rec, sub, struct, array)");
  } else {
    r.fail_at(at, "invalid core type opcode " + hex(b));
  }
  push(s, ExternType{Sort::CoreType, new_core_type(std::move(t)), {}, false},
       s.component ? Origin::Defined : Origin::Declared, kNone);
}

}  // namespace spindle::component::detail
