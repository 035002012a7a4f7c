// The component loader: preamble, the section loop and the definitions that
// build instances (core and component), imports, exports and start.
#include "engine/component/loader.h"

#include <new>

#include "engine/component/loader_impl.h"

namespace spindle::component {
namespace detail {
namespace {

const char* const kSectionNames[] = {
    "custom", "core module", "core instance", "core type", "component", "instance", "alias",
    "type",   "canon",       "start",         "import",    "export",    "value"};

// Records the types `actual` supplies for the abstract types `expected`
// declares, so later uses of them read as the supplied ones.
void bind_types(const ComponentFile& f, const ExternType& expected, const ExternType& actual,
                Substitution& s) {
  if (expected.sort == Sort::Type && actual.sort == Sort::Type) {
    if (expected.type != actual.type) s[expected.type] = actual.type;
  } else if (expected.sort == Sort::Instance && actual.sort == Sort::Instance &&
             expected.type < f.types.size() && actual.type < f.types.size()) {
    for (const ExternDecl& e : f.types[expected.type].exports)
      for (const ExternDecl& a : f.types[actual.type].exports)
        if (a.name == e.name) bind_types(f, e.type, a.type, s);
  }
}

}  // namespace

void Loader::component(Reader& r, Scope* parent, uint32_t id) {
  Component& c = file_.components[id];
  c.offset = r.offset();
  c.size = r.remaining();
  section.clear();
  if (r.remaining() < 8) r.fail("too short for a component preamble (8 bytes)");
  auto pre = r.bytes(8);
  if (pre[0] != 0x00 || pre[1] != 0x61 || pre[2] != 0x73 || pre[3] != 0x6d)
    r.fail_at(c.offset, "not a WebAssembly binary (bad magic number)");
  if (pre[6] == 0x00 && pre[7] == 0x00)
    r.fail_at(c.offset + 4, "this is a core module, not a component (layer 0)");
  if (pre[6] != 0x01 || pre[7] != 0x00)
    r.fail_at(c.offset + 6,
              "unknown binary layer " + hex(pre[6] | pre[7] << 8) + " (expected 0x1, a component)");
  if (pre[4] != 0x0d || pre[5] != 0x00)
    r.fail_at(c.offset + 4, "unsupported component binary version " + hex(pre[4] | pre[5] << 8) +
                                " (expected 0xd)");

  Scope s;
  s.parent = parent;
  s.component = &c;
  s.depth = parent != nullptr ? parent->depth + 1 : 0;
  while (!r.at_end()) {
    uint64_t at = r.offset();
    section.clear();
    uint8_t sid = r.u8();
    if (sid > 12) r.fail_at(at, "unknown section id " + std::to_string(sid));
    section = kSectionNames[sid];
    uint32_t size = r.u32();
    if (size > r.remaining())
      r.fail_at(at, "section size " + std::to_string(size) + " exceeds the " +
                        std::to_string(r.remaining()) + " bytes left");
    uint64_t body = r.offset();
    Reader sr = r.sub(size);
    auto each = [&](auto&& fn) {
      uint32_t n = sr.count();
      for (uint32_t i = 0; i < n; ++i) fn();
    };
    switch (sid) {
      case 0:
        sr.name();
        sr.bytes(sr.remaining());
        break;
      case 1:
        core_module_section(sr, s, body, size);
        sr.bytes(sr.remaining());
        break;
      case 2:
        each([&] { core_instance(sr, s); });
        break;
      case 3:
        each([&] {
          core_type(sr, s);
          c.order.push_back(
              {DefKind::CoreType, static_cast<uint32_t>(c.spaces.core_types.size() - 1)});
        });
        break;
      case 4:
        nested_component(sr, s, size);
        break;
      case 5:
        each([&] { instance(sr, s); });
        break;
      case 6:
        each([&] {
          c.order.push_back({DefKind::Alias, static_cast<uint32_t>(c.aliases.size())});
          c.aliases.push_back(alias(sr, s, false));
        });
        break;
      case 7:
        each([&] {
          TypeId t = deftype(sr, s);
          uint32_t idx = push(s, ExternType{Sort::Type, t, {}, false}, Origin::Defined, kNone);
          c.order.push_back({DefKind::Type, idx});
        });
        break;
      case 8:
        each([&] { canon(sr, s); });
        break;
      case 9:
        start(sr, s);
        break;
      case 10:
        each([&] { import(sr, s); });
        break;
      case 11:
        each([&] { export_(sr, s); });
        break;
      case 12:
        sr.fail_at(at, "unsupported: value definitions");
    }
    section = kSectionNames[sid];
    sr.expect_end(std::string(kSectionNames[sid]) + " section");
  }
  section.clear();
  c.type = component_type_of(s);
}

TypeId Loader::component_type_of(Scope& s) {
  Component& c = *s.component;
  TypeDef t;
  t.kind = TypeKind::Component;
  for (const Import& i : c.imports) t.imports.push_back({i.name, i.parsed, i.type});
  for (const Export& e : c.exports) t.exports.push_back({e.name, e.parsed, e.type});
  Reader none({}, c.offset + c.size);
  return new_type(none, c.offset, std::move(t));
}

void Loader::core_module_section(Reader& r, Scope& s, uint64_t at, size_t size) {
  Component& c = *s.component;
  CoreModuleDef m;
  m.offset = at;
  m.size = size;
  CoreTypeDef t;
  t.kind = CoreTypeKind::Module;
  t.module = scan_core_module(r.data(), at);
  m.type = new_core_type(std::move(t));
  push(s, ExternType{Sort::CoreModule, m.type, {}, false}, Origin::Defined,
       static_cast<uint32_t>(c.modules_defined.size()));
  c.order.push_back({DefKind::CoreModule, static_cast<uint32_t>(c.modules_defined.size())});
  c.modules_defined.push_back(m);
}

void Loader::core_instance(Reader& r, Scope& s) {
  Component& c = *s.component;
  uint64_t at = r.offset();
  uint8_t kind = r.u8();
  CoreInstanceDef d;
  if (kind == 0x00) {
    uint64_t mat = r.offset();
    d.module = r.u32();
    CoreTypeId mt = item(r, mat, s, Sort::CoreModule, d.module).type.type;
    uint32_t n = r.count(3);
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t aat = r.offset();
      CoreInstanceDef::Arg a;
      a.name = r.name();
      uint64_t kat = r.offset();
      if (r.u8() != 0x12)
        r.fail_at(kat, "core instantiation arguments must be core instances (0x12)");
      uint64_t iat = r.offset();
      a.instance = r.u32();
      if (a.instance >= c.core_instances.size())
        out_of_range(r, iat, "core instance", a.instance, c.core_instances.size());
      for (const auto& b : d.args)
        if (b.name == a.name) r.fail_at(aat, "duplicate instantiation argument '" + a.name + "'");
      d.args.push_back(std::move(a));
    }
    const CoreModuleType& mtype = file_.core_types[mt].module;
    for (const CoreImportDecl& imp : mtype.imports) {
      const CoreInstanceDef::Arg* arg = nullptr;
      for (const auto& a : d.args)
        if (a.name == imp.module) arg = &a;
      if (arg == nullptr)
        r.fail_at(at, "core module " + std::to_string(d.module) + " imports from '" + imp.module +
                          "', but no argument of that name is given");
      const CoreExportDecl* found = nullptr;
      for (const CoreExportDecl& e : c.core_instances[arg->instance].export_types)
        if (e.name == imp.name) found = &e;
      if (found == nullptr)
        r.fail_at(at, "core module " + std::to_string(d.module) + " imports '" + imp.module +
                          "' '" + imp.name + "', which core instance " +
                          std::to_string(arg->instance) + " does not export");
      if (found->type.sort != imp.type.sort)
        r.fail_at(at, "core module " + std::to_string(d.module) + " import '" + imp.module + "' '" +
                          imp.name + "' is a " + to_string(imp.type.sort) + ", given a " +
                          to_string(found->type.sort));
      if (imp.type.sort == CoreSort::Func && imp.type.func_known && found->type.func_known &&
          imp.type.func != found->type.func)
        r.fail_at(at, "core module " + std::to_string(d.module) + " import '" + imp.module + "' '" +
                          imp.name + "' has type " + to_string(imp.type.func) + ", given " +
                          to_string(found->type.func));
    }
    d.export_types = mtype.exports;
  } else if (kind == 0x01) {
    d.instantiate = false;
    uint32_t n = r.count(3);
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t eat = r.offset();
      CoreInstanceDef::InlineExport e;
      e.name = r.name();
      uint64_t sat = r.offset();
      e.item.sort = read_core_sort(r);
      e.item.index = r.u32();
      const CoreItem& it = core_item(r, sat, s, e.item.sort, e.item.index);
      for (const auto& x : d.exports)
        if (x.name == e.name) r.fail_at(eat, "duplicate core export name '" + e.name + "'");
      d.export_types.push_back({e.name, it.type});
      d.exports.push_back(std::move(e));
    }
  } else {
    r.fail_at(at, "invalid core instance kind " + hex(kind));
  }
  c.order.push_back({DefKind::CoreInstance, static_cast<uint32_t>(c.core_instances.size())});
  c.core_instances.push_back(std::move(d));
}

void Loader::instance(Reader& r, Scope& s) {
  Component& c = *s.component;
  uint64_t at = r.offset();
  uint8_t kind = r.u8();
  InstanceDef d;
  TypeDef t;
  t.kind = TypeKind::Instance;
  if (kind == 0x00) {
    uint64_t cat = r.offset();
    d.component = r.u32();
    TypeId ct = item(r, cat, s, Sort::Component, d.component).type.type;
    std::vector<ExternType> given;
    uint32_t n = r.count(3);
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t aat = r.offset();
      InstanceDef::Arg a;
      a.name = r.name();
      uint64_t sat = r.offset();
      a.item.sort = read_sort(r);
      a.item.index = r.u32();
      given.push_back(item_type(r, sat, s, a.item));
      for (const auto& b : d.args)
        if (b.name == a.name) r.fail_at(aat, "duplicate instantiation argument '" + a.name + "'");
      d.args.push_back(std::move(a));
    }
    std::vector<ExternDecl> imports = def(ct).imports, exports = def(ct).exports;
    Substitution subst;
    for (const ExternDecl& imp : imports) {
      size_t k = 0;
      while (k < d.args.size() && d.args[k].name != imp.name) ++k;
      if (k == d.args.size())
        r.fail_at(at, "instantiation of component " + std::to_string(d.component) +
                          " lacks an argument for its import '" + imp.name + "'");
      ExternType want = substitute(file_, imp.type, subst);
      if (std::string why = extern_subtype(file_, given[k], want); !why.empty())
        r.fail_at(at, "instantiation of component " + std::to_string(d.component) + ": argument '" +
                          imp.name + "': " + why);
      bind_types(file_, imp.type, given[k], subst);
    }
    for (ExternDecl& e : exports) e.type = substitute(file_, e.type, subst);
    t.exports = std::move(exports);
  } else if (kind == 0x01) {
    d.instantiate = false;
    Scope names;
    names.parent = &s;
    uint32_t n = r.count(3);
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t nat = r.offset();
      ExternName parsed;
      InstanceDef::InlineExport e;
      e.name = extern_name(r, parsed);
      uint64_t sat = r.offset();
      e.item.sort = read_sort(r);
      e.item.index = r.u32();
      ExternType et = item_type(r, sat, s, e.item);
      declare_name(r, nat, names, false, e.name, parsed, et);
      t.exports.push_back({e.name, parsed, et});
      d.exports.push_back(std::move(e));
    }
  } else {
    r.fail_at(at, "invalid instance kind " + hex(kind));
  }
  d.type = new_type(r, at, std::move(t));
  push(s, ExternType{Sort::Instance, d.type, {}, false}, Origin::Defined,
       static_cast<uint32_t>(c.instances.size()));
  c.order.push_back({DefKind::Instance, static_cast<uint32_t>(c.instances.size())});
  c.instances.push_back(std::move(d));
}

void Loader::import(Reader& r, Scope& s) {
  Component& c = *s.component;
  uint64_t at = r.offset();
  Import i;
  i.name = extern_name(r, i.parsed);
  i.type = externtype(r, s, i.name);
  if (i.type.sort == Sort::Instance) {
    // Each imported instance has resources of its own, even when two
    // imports share an instance type.
    Substitution fresh;
    for (const ExternDecl& d : def(i.type.type).exports) {
      if (d.type.sort != Sort::Type || !d.type.sub_resource) continue;
      TypeDef res;
      res.kind = TypeKind::Resource;
      res.abstract = true;
      res.debug_name = d.name;
      fresh[d.type.type] = new_type(r, at, std::move(res));
    }
    i.type.type = substitute(file_, i.type.type, fresh);
  }
  declare_name(r, at, s, true, i.name, i.parsed, i.type);
  i.index = push(s, i.type, Origin::Import, static_cast<uint32_t>(c.imports.size()));
  c.order.push_back({DefKind::Import, static_cast<uint32_t>(c.imports.size())});
  c.imports.push_back(std::move(i));
}

void Loader::export_(Reader& r, Scope& s) {
  Component& c = *s.component;
  uint64_t at = r.offset();
  Export e;
  e.name = extern_name(r, e.parsed);
  uint64_t sat = r.offset();
  e.item.sort = read_sort(r);
  e.item.index = r.u32();
  e.type = item_type(r, sat, s, e.item);
  uint64_t tat = r.offset();
  uint8_t has = r.u8();
  if (has > 1) r.fail_at(tat, "invalid optional-value flag " + hex(has));
  if (has == 1) {
    ExternType asc = externtype(r, s, e.name);
    if (std::string why = extern_subtype(file_, e.type, asc); !why.empty())
      r.fail_at(tat, "export '" + e.name + "': the declared type does not match: " + why);
    if (!(asc.sort == Sort::Type && asc.sub_resource)) e.type = asc;
  }
  declare_name(r, at, s, false, e.name, e.parsed, e.type);
  e.index = push(s, e.type, Origin::Export, static_cast<uint32_t>(c.exports.size()));
  c.order.push_back({DefKind::Export, static_cast<uint32_t>(c.exports.size())});
  c.exports.push_back(std::move(e));
}

void Loader::start(Reader& r, Scope& s) {
  Component& c = *s.component;
  uint64_t at = r.offset();
  if (c.start) r.fail_at(at, "a component has at most one start function");
  StartDef d;
  d.func = r.u32();
  const TypeDef ft = def(item(r, at, s, Sort::Func, d.func).type.type);
  uint32_t n = r.count();
  if (n != ft.fields.size())
    r.fail_at(at, "start function " + std::to_string(d.func) + " takes " +
                      std::to_string(ft.fields.size()) + " arguments, " + std::to_string(n) +
                      " given");
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t vat = r.offset();
    uint32_t v = r.u32();
    ValType vt = item(r, vat, s, Sort::Value, v).type.value;
    if (!valtype_equal(file_, vt, ft.fields[i].type))
      r.fail_at(vat, "start argument " + std::to_string(i) + " has type " + describe(file_, vt) +
                         ", expected " + describe(file_, ft.fields[i].type));
    d.args.push_back(v);
  }
  uint64_t rat = r.offset();
  d.results = r.u32();
  if (d.results != (ft.result ? 1u : 0u))
    r.fail_at(rat, "start function " + std::to_string(d.func) + " returns " +
                       std::to_string(ft.result ? 1 : 0) + " results, " +
                       std::to_string(d.results) + " declared");
  if (ft.result) {
    ExternType v;
    v.sort = Sort::Value;
    v.value = *ft.result;
    push(s, v, Origin::Start, 0);
  }
  c.order.push_back({DefKind::Start, 0});
  c.start = std::move(d);
}

void Loader::nested_component(Reader& r, Scope& s, size_t size) {
  (void)size;
  if (s.depth + 1 > kMaxNesting) r.fail("components are nested too deeply");
  uint32_t id = static_cast<uint32_t>(file_.components.size());
  file_.components.emplace_back();
  file_.components.back().id = id;
  file_.components.back().parent = s.component->id;
  Reader inner = r.sub(r.remaining());
  component(inner, &s, id);
  Component& c = *s.component;
  push(s, ExternType{Sort::Component, file_.components[id].type, {}, false}, Origin::Defined,
       static_cast<uint32_t>(c.nested.size()));
  c.order.push_back({DefKind::Component, static_cast<uint32_t>(c.nested.size())});
  c.nested.push_back(id);
}

}  // namespace detail

bool is_component(std::span<const uint8_t> bytes) {
  return bytes.size() >= 8 && bytes[0] == 0x00 && bytes[1] == 0x61 && bytes[2] == 0x73 &&
         bytes[3] == 0x6d && bytes[6] == 0x01 && bytes[7] == 0x00;
}

std::string load_component(std::span<const uint8_t> bytes, std::string_view name,
                           ComponentFile& out) {
  out = ComponentFile{};
  out.name = std::string(name);
  out.components.emplace_back();
  detail::Loader loader(out, bytes);
  auto where = [&](uint64_t offset) {
    std::string s = out.name + ": ";
    if (!loader.section.empty()) s += "section '" + loader.section + "' ";
    return s + "at offset " + hex(offset) + ": ";
  };
  try {
    Reader r(bytes, 0);
    loader.component(r, nullptr, 0);
  } catch (const ParseError& e) {
    return where(e.offset) + e.what();
  } catch (const std::bad_alloc&) {
    return out.name + ": out of memory while loading the component";
  } catch (const std::exception& e) {
    return out.name + ": " + e.what();
  }
  return "";
}

std::vector<uint8_t> without_custom_sections(std::span<const uint8_t> m) {
  if (m.size() < 8) return {m.begin(), m.end()};
  std::vector<uint8_t> out;
  out.reserve(m.size());
  out.assign(m.begin(), m.begin() + 8);
  Reader r(m.subspan(8), 8);
  while (!r.at_end()) {
    size_t start = r.pos();
    uint8_t id = r.u8();
    uint32_t size = r.u32();
    r.bytes(size);
    if (id != 0) out.insert(out.end(), m.begin() + 8 + start, m.begin() + 8 + r.pos());
  }
  return out;
}

std::span<const uint8_t> without_custom_sections(std::span<const uint8_t> m,
                                                 std::vector<uint8_t>& storage) {
  if (m.size() < 8) return m;
  Reader r(m.subspan(8), 8);
  size_t end = 8;  // of the last non-custom section
  bool custom_seen = false, prefix = true;
  while (!r.at_end()) {
    uint8_t id = r.u8();
    uint32_t size = r.u32();
    r.bytes(size);
    if (id == 0) {
      custom_seen = true;
      continue;
    }
    prefix &= !custom_seen;
    end = 8 + r.pos();
  }
  if (prefix) return m.first(end);
  storage = without_custom_sections(m);
  return storage;
}

}  // namespace spindle::component
