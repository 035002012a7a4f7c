// Import/export names with their validation rules, and aliases (Binary.md
// "Alias Definitions", "Import and Export Definitions").
#include <cctype>

#include "engine/component/loader_impl.h"

namespace spindle::component::detail {
namespace {

bool is_semver_suffix(const std::string& s) {
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-'))
      return false;
  return true;
}

// The resource a [constructor] result names: own<R> or result<own<R>, E>.
TypeId constructed(const ComponentFile& f, const TypeDef& func) {
  if (!func.result) return kNone;
  const TypeDef* d = defined(f, *func.result);
  if (d != nullptr && d->kind == TypeKind::Result && d->ok) d = defined(f, *d->ok);
  if (d == nullptr || d->kind != TypeKind::Own) return kNone;
  return d->resource;
}

}  // namespace

std::string Loader::extern_name(Reader& r, ExternName& parsed) {
  uint64_t at = r.offset();
  uint8_t form = r.u8();
  if (form > 0x02) r.fail_at(at, "invalid import/export name form " + hex(form));
  uint64_t nat = r.offset();
  std::string name = r.name();
  if (std::string why = parse_extern_name(name, parsed); !why.empty())
    r.fail_at(nat, "invalid name '" + name + "': " + why);
  if (form != 0x02) return name;
  uint32_t n = r.count(2);
  bool seen[3] = {false, false, false};
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t aat = r.offset();
    uint8_t kind = r.u8();
    if (kind > 0x02) r.fail_at(aat, "invalid name attribute " + hex(kind));
    if (seen[kind]) r.fail_at(aat, "name '" + name + "' repeats an attribute");
    seen[kind] = true;
    std::string value = r.name();
    if (kind == 0x00) {
      if (!parse_interface_name(value))
        r.fail_at(aat, "'implements' needs an interface name, not '" + value + "'");
      parsed.implements = value;
    } else if (kind == 0x01) {
      if (!is_semver_suffix(value)) r.fail_at(aat, "invalid version suffix '" + value + "'");
      auto& v = parsed.interface.version;
      if (parsed.kind != NameKind::Interface || !v || !v->partial)
        r.fail_at(aat, "a version suffix needs an interface name with a canonical version");
      auto full = parse_semver(to_string(*v) + value);
      if (!full)
        r.fail_at(
            aat, "version '" + to_string(*v) + value + "' of '" + name + "' is not a valid semver");
      v = *full;
      parsed.version_suffix = value;
    } else {
      parsed.external_id = value;
    }
  }
  return name;
}

void Loader::declare_name(Reader& r, uint64_t at, Scope& s, bool is_import, const std::string& name,
                          const ExternName& parsed, const ExternType& type) {
  const char* what = is_import ? "import" : "export";
  auto& keys = is_import ? s.import_keys : s.export_keys;
  if (!keys.insert(strongly_unique_key(name)).second)
    r.fail_at(at, std::string("duplicate ") + what + " name '" + name + "'");
  auto& resources = is_import ? s.import_resources : s.export_resources;
  if (type.sort == Sort::Type && parsed.kind == NameKind::Label && type.type < file_.types.size() &&
      def(type.type).kind == TypeKind::Resource)
    resources[parsed.label] = type.type;
  if (parsed.kind == NameKind::Label || parsed.kind == NameKind::Interface) return;
  if (type.sort != Sort::Func)
    r.fail_at(at, std::string(what) + " '" + name + "' is annotated as a function but is a " +
                      to_string(type.sort));
  // the resource named: a preceding resource import (export) of this scope
  auto found = resources.find(parsed.label);
  TypeId res = found == resources.end() ? kNone : found->second;
  if (res == kNone)
    r.fail_at(at, std::string(what) + " '" + name + "' names resource '" + parsed.label +
                      "', which is not a preceding resource " + what);
  const TypeDef& f = def(type.type);
  if (parsed.kind == NameKind::Constructor) {
    if (constructed(file_, f) != res)
      r.fail_at(at, "constructor '" + name + "' must return own<" + parsed.label +
                        "> or result<own<" + parsed.label + ">, _>");
  } else if (parsed.kind == NameKind::Method) {
    const TypeDef* self = f.fields.empty() ? nullptr : defined(file_, f.fields[0].type);
    if (self == nullptr || f.fields[0].name != "self" || self->kind != TypeKind::Borrow ||
        self->resource != res)
      r.fail_at(at, "method '" + name + "' must take (self: borrow<" + parsed.label + ">) first");
  }
}

AliasDef Loader::alias(Reader& r, Scope& s, bool declarator) {
  uint64_t at = r.offset();
  AliasDef a;
  a.sort = read_sort(r);
  uint64_t tat = r.offset();
  uint8_t target = r.u8();
  Origin origin = declarator ? Origin::Declared : Origin::Alias;
  uint32_t ref = declarator ? kNone : static_cast<uint32_t>(s.component->aliases.size());
  switch (target) {
    case 0x00: {  // export of a component instance
      a.kind = AliasKind::InstanceExport;
      if (declarator && a.sort != Sort::Instance && a.sort != Sort::Type)
        r.fail_at(at, "an export alias in a type may only alias an instance or a type");
      uint64_t iat = r.offset();
      a.instance = r.u32();
      a.name = r.name();
      TypeId it = item(r, iat, s, Sort::Instance, a.instance).type.type;
      const ExternDecl* found = nullptr;
      for (const ExternDecl& d : def(it).exports)
        if (d.name == a.name) found = &d;
      if (found == nullptr)
        r.fail_at(iat, "instance " + std::to_string(a.instance) + " has no export named '" +
                           a.name + "'");
      if (found->type.sort != a.sort)
        r.fail_at(iat, "instance " + std::to_string(a.instance) + " export '" + a.name + "' is a " +
                           to_string(found->type.sort) + ", not a " + to_string(a.sort));
      ExternType e = found->type;
      a.index = push(s, e, origin, ref);
      break;
    }
    case 0x01: {  // export of a core instance
      a.kind = AliasKind::CoreInstanceExport;
      if (declarator) r.fail_at(tat, "a type cannot alias a core instance export");
      uint64_t iat = r.offset();
      a.instance = r.u32();
      a.name = r.name();
      auto& insts = s.component->core_instances;
      if (a.instance >= insts.size())
        out_of_range(r, iat, "core instance", a.instance, insts.size());
      const CoreExportDecl* found = nullptr;
      for (const CoreExportDecl& d : insts[a.instance].export_types)
        if (d.name == a.name) found = &d;
      if (found == nullptr)
        r.fail_at(iat, "core instance " + std::to_string(a.instance) + " has no export named '" +
                           a.name + "'");
      static const Sort kOf[] = {Sort::CoreFunc, Sort::CoreTable, Sort::CoreMemory,
                                 Sort::CoreGlobal, Sort::CoreTag};
      if (static_cast<int>(found->type.sort) > 4 ||
          kOf[static_cast<int>(found->type.sort)] != a.sort)
        r.fail_at(iat, "core instance " + std::to_string(a.instance) + " export '" + a.name +
                           "' is a " + to_string(found->type.sort) + ", not a " +
                           to_string(a.sort));
      IndexSpaces& sp = s.spaces();
      std::vector<CoreItem>* v = a.sort == Sort::CoreFunc     ? &sp.core_funcs
                                 : a.sort == Sort::CoreTable  ? &sp.core_tables
                                 : a.sort == Sort::CoreMemory ? &sp.core_memories
                                 : a.sort == Sort::CoreGlobal ? &sp.core_globals
                                                              : &sp.core_tags;
      v->push_back(CoreItem{origin, ref, found->type});
      a.index = static_cast<uint32_t>(v->size() - 1);
      break;
    }
    case 0x02: {  // outer
      a.kind = AliasKind::Outer;
      bool ok = declarator ? (a.sort == Sort::Type || a.sort == Sort::CoreType)
                           : (a.sort == Sort::Type || a.sort == Sort::CoreType ||
                              a.sort == Sort::CoreModule || a.sort == Sort::Component);
      if (!ok) r.fail_at(at, std::string("an outer alias cannot alias a ") + to_string(a.sort));
      uint64_t cat = r.offset();
      a.outer_count = r.u32();
      uint64_t iat = r.offset();
      a.outer_index = r.u32();
      Scope* target_scope = &s;
      bool crosses_component = false;
      for (uint32_t i = 0; i < a.outer_count; ++i) {
        if (target_scope->component != nullptr) crosses_component = true;
        target_scope = target_scope->parent;
        if (target_scope == nullptr)
          r.fail_at(cat, "outer alias count " + std::to_string(a.outer_count) + " exceeds the " +
                             std::to_string(i) + " enclosing scopes");
      }
      ExternType e;
      e.sort = a.sort;
      if (a.sort == Sort::CoreType) {
        auto& cts = target_scope->spaces().core_types;
        if (a.outer_index >= cts.size())
          out_of_range(r, iat, "core type", a.outer_index, cts.size());
        e.type = cts[a.outer_index];
      } else {
        e = item(r, iat, *target_scope, a.sort, a.outer_index).type;
      }
      if (a.sort == Sort::Type && crosses_component) {
        const TypeDef& t = def(e.type);
        bool handles = t.kind == TypeKind::Resource || t.has_handle;
        for (const Field& f : t.fields)
          handles |= defined(file_, f.type) && defined(file_, f.type)->has_handle;
        if (t.result && defined(file_, *t.result)) handles |= defined(file_, *t.result)->has_handle;
        if (handles)
          r.fail_at(iat,
                    "an outer alias across a component boundary cannot refer to a resource type");
      }
      a.index = push(s, e, origin, ref);
      break;
    }
    default:
      r.fail_at(tat, "invalid alias target " + hex(target));
  }
  return a;
}

}  // namespace spindle::component::detail
