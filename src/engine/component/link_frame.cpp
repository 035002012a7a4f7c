// Frame: resolving a component instance's index spaces (link_frame.h).
#include "engine/component/link_frame.h"

#include "engine/component/core_module.h"

namespace spindle::component {

namespace {

const std::vector<CoreItem>& core_space(const IndexSpaces& s, CoreSort sort) {
  switch (sort) {
    case CoreSort::Func:
      return s.core_funcs;
    case CoreSort::Table:
      return s.core_tables;
    case CoreSort::Memory:
      return s.core_memories;
    case CoreSort::Global:
      return s.core_globals;
    default:
      throw LinkError(std::string("core sort ") + to_string(sort) + " cannot be linked");
  }
}

const std::vector<Item>& space(const IndexSpaces& s, Sort sort) {
  switch (sort) {
    case Sort::Func:
      return s.funcs;
    case Sort::Instance:
      return s.instances;
    case Sort::Component:
      return s.components;
    case Sort::CoreModule:
      return s.core_modules;
    case Sort::Type:
      return s.types;
    default:
      throw LinkError(std::string("sort ") + to_string(sort) + " is not supported");
  }
}

}  // namespace

CoreRef CoreInst::get(std::string_view name) const {
  if (inst) {
    engine::ExternPtr e = inst->get_export(name);
    if (!e) throw LinkError("core instance has no export '" + std::string(name) + "'");
    return CoreRef{std::move(e), inst.get(), name};
  }
  if (const CoreRef* r = find_inline(name)) return *r;
  throw LinkError("core instance has no export '" + std::string(name) + "'");
}

const CoreRef* CoreInst::find_inline(std::string_view name, size_t* hint) const {
  if (hint && *hint < bag.size() && bag[*hint].first == name) return &bag[(*hint)++].second;
  for (size_t i = 0; i < bag.size(); ++i)
    if (bag[i].first == name) {
      if (hint) *hint = i + 1;
      return &bag[i].second;
    }
  return nullptr;
}

Frame::Frame(LinkState& s, const Component& comp, Frame* p)
    : st(s), c(comp), parent(p), ci(p ? &p->ci : nullptr) {
  ci.data = st.core_opts.data;
  core_instances_.resize(c.core_instances.size());
  const IndexSpaces& sp = c.spaces;
  core_[0].resize(sp.core_funcs.size());
  core_[1].resize(sp.core_tables.size());
  core_[2].resize(sp.core_memories.size());
  core_[3].resize(sp.core_globals.size());
  items_[0].resize(sp.funcs.size());
  items_[1].resize(sp.instances.size());
  items_[2].resize(sp.components.size());
  items_[3].resize(sp.core_modules.size());
  items_[4].resize(sp.types.size());
}

namespace {

const char* def_name(DefKind k) {
  switch (k) {
    case DefKind::CoreInstance:
      return "core instance";
    case DefKind::Instance:
      return "instance";
    default:
      return "definition";
  }
}

}  // namespace

void Frame::run() {
  for (const Definition& d : c.order) {
    try {
      switch (d.kind) {
        case DefKind::CoreInstance:
          core_instance(d.index);
          break;
        case DefKind::Instance:
          instance_def(d.index);
          break;
        case DefKind::Import:
          // Host resource types before anything (a canon resource.drop, a
          // lowered function) is linked against them.
          if (parent == nullptr) bind_host_resources(d.index);
          break;
        case DefKind::Start:
          throw LinkError("component start functions are not supported");
        default:
          break;  // everything else is resolved when first used
      }
    } catch (const LinkError& e) {
      std::string where = "component " + std::to_string(c.id) + ", " + def_name(d.kind) + " " +
                          std::to_string(d.index) + ": ";
      if (std::string_view(e.what()).starts_with("component ")) throw;
      throw LinkError(where + e.what());
    }
  }
}

void Frame::instance_def(uint32_t ref) {
  const auto& sp = c.spaces.instances;
  for (uint32_t i = 0; i < sp.size(); ++i)
    if (sp[i].origin == Origin::Defined && sp[i].ref == ref) {
      item(Sort::Instance, i);
      return;
    }
}

namespace {

int core_slot(CoreSort sort) {
  switch (sort) {
    case CoreSort::Func:
      return 0;
    case CoreSort::Table:
      return 1;
    case CoreSort::Memory:
      return 2;
    case CoreSort::Global:
      return 3;
    default:
      throw LinkError(std::string("core sort ") + to_string(sort) + " cannot be linked");
  }
}

int item_slot(Sort sort) {
  switch (sort) {
    case Sort::Func:
      return 0;
    case Sort::Instance:
      return 1;
    case Sort::Component:
      return 2;
    case Sort::CoreModule:
      return 3;
    case Sort::Type:
      return 4;
    default:
      throw LinkError(std::string("sort ") + to_string(sort) + " is not supported");
  }
}

}  // namespace

const CoreRef& Frame::core_ref(CoreSort sort, uint32_t index) {
  auto& memo = core_[core_slot(sort)];
  if (index >= memo.size()) throw LinkError("core item index out of range");
  if (!memo[index]) {
    CoreRef r = make_core(sort, index);
    memo[index] = std::move(r);
  }
  return *memo[index];
}

CoreRef Frame::make_core(CoreSort sort, uint32_t index) {
  const auto& sp = core_space(c.spaces, sort);
  if (index >= sp.size()) throw LinkError("core item index out of range");
  const CoreItem& it = sp[index];
  switch (it.origin) {
    case Origin::Alias: {
      const AliasDef& a = c.aliases.at(it.ref);
      if (a.kind != AliasKind::CoreInstanceExport)
        throw LinkError("unsupported alias of a core item");
      return core_instance(a.instance)->get(a.name);
    }
    case Origin::Canon:
      return canon_core(c.canons.at(it.ref));
    default:
      throw LinkError("unsupported origin of a core item");
  }
}

const std::shared_ptr<CoreInst>& Frame::core_instance(uint32_t index) {
  if (index >= core_instances_.size()) throw LinkError("core instance index out of range");
  if (!core_instances_[index]) core_instances_[index] = instantiate_core(c.core_instances[index]);
  return core_instances_[index];
}

std::shared_ptr<CoreInst> Frame::instantiate_core(const CoreInstanceDef& d) {
  auto out = std::make_shared<CoreInst>();
  if (!d.instantiate) {
    out->bag.reserve(d.exports.size());
    // (the loader rejects duplicate export names)
    for (const auto& e : d.exports)
      out->bag.emplace_back(e.name, core_item(e.item.sort, e.item.index));
    return out;
  }
  ItemVal m = item(Sort::CoreModule, d.module);
  const auto& mod = st.plan.module(m.comp, m.module);
  // Linked by position: each import's definition where it already is (an
  // inline instance's memoized entry) or fetched from the instance.
  const auto& imports = mod->imports();
  std::vector<const engine::Linker::Entry*> entries(imports.size());
  std::vector<CoreRef> fetched;
  fetched.reserve(imports.size());  // never reallocated: entries point into it
  std::vector<size_t> hints(d.args.size());
  for (size_t k = 0; k < imports.size(); ++k) {
    const engine::ImportDesc& imp = imports[k];
    const CoreInstanceDef::Arg* arg = nullptr;
    for (const auto& a : d.args)
      if (a.name == imp.module) arg = &a;
    if (arg == nullptr) throw LinkError("core module import '" + imp.module + "' has no argument");
    const std::shared_ptr<CoreInst>& from = core_instance(arg->instance);
    const CoreRef* ref =
        from->inst ? nullptr : from->find_inline(imp.name, &hints[arg - d.args.data()]);
    if (ref == nullptr) ref = &fetched.emplace_back(from->get(imp.name));
    entries[k] = &ref->entry;
  }
  engine::InstantiateResult res = mod->instantiate_with(entries, st.core_opts);
  if (!res.link_error.empty()) throw LinkError("core instance: " + res.link_error);
  if (!res.ok()) throw res.outcome;
  out->inst = std::move(res.instance);
  return out;
}

ItemVal Frame::item(Sort sort, uint32_t index) {
  if (sort == Sort::CoreFunc || sort == Sort::CoreMemory || sort == Sort::CoreTable ||
      sort == Sort::CoreGlobal)
    throw LinkError("a core item cannot cross a component boundary");
  auto& memo = items_[item_slot(sort)];
  if (index >= memo.size()) throw LinkError("index out of range");
  if (!memo[index]) {
    ItemVal v = make_item(sort, index);
    memo[index] = std::move(v);
  }
  return *memo[index];
}

ItemVal Frame::make_item(Sort sort, uint32_t index) {
  const auto& sp = space(c.spaces, sort);
  if (index >= sp.size()) throw LinkError("index out of range");
  const Item& it = sp[index];
  if (sort == Sort::Type) return ItemVal::of_type(it.type.type);
  switch (it.origin) {
    case Origin::Import:
      return import(c.imports.at(it.ref));
    case Origin::Export: {
      const Export& e = c.exports.at(it.ref);
      return item(e.item.sort, e.item.index);
    }
    case Origin::Alias: {
      const AliasDef& a = c.aliases.at(it.ref);
      if (a.kind == AliasKind::Outer) {
        Frame* f = this;
        for (uint32_t i = 0; i < a.outer_count; ++i) {
          if (f->parent == nullptr) throw LinkError("outer alias past the root");
          f = f->parent;
        }
        return f->item(sort, a.outer_index);
      }
      if (a.kind != AliasKind::InstanceExport) throw LinkError("unsupported alias");
      ItemVal inst = item(Sort::Instance, a.instance);
      const ItemVal* e = inst.instance->exports.find(a.name);
      if (e == nullptr) throw LinkError("instance has no export '" + a.name + "'");
      return *e;
    }
    case Origin::Canon:
      return ItemVal::of_func(lift(c.canons.at(it.ref)));
    case Origin::Defined:
      if (sort == Sort::Component || sort == Sort::CoreModule) {
        ItemVal v;
        v.sort = sort;
        v.comp = sort == Sort::Component ? c.nested.at(it.ref) : c.id;
        if (sort == Sort::CoreModule) v.module = it.ref;
        return v;
      }
      if (sort == Sort::Instance) return instantiate(c.instances.at(it.ref));
      break;
    default:
      break;
  }
  throw LinkError(std::string("unsupported definition of a ") + to_string(sort));
}

ItemVal Frame::instantiate(const InstanceDef& d) {
  ItemVal out;
  out.sort = Sort::Instance;
  out.instance = std::make_shared<InstanceVal>();
  if (!d.instantiate) {
    out.instance->exports.items.reserve(d.exports.size());
    for (const auto& e : d.exports)
      out.instance->exports.add(e.name, item(e.item.sort, e.item.index));
    return out;
  }
  ItemVal comp = item(Sort::Component, d.component);
  const Component& nc = st.plan.file().components.at(comp.comp);
  st.frames.push_back(std::make_unique<Frame>(st, nc, this));
  Frame& f = *st.frames.back();
  f.args.items.reserve(d.args.size());
  for (const auto& a : d.args) f.args.set(a.name, item(a.item.sort, a.item.index));
  for (const Import& imp : nc.imports)
    if (const ItemVal* arg = f.args.find(imp.name)) share_resources(imp, *arg);
  f.run();
  out.instance->exports.items.reserve(nc.exports.size());
  for (const Export& e : nc.exports)
    out.instance->exports.add(e.name, f.item(e.item.sort, e.item.index));
  return out;
}

// A resource type given as an argument (directly or inside an instance) is
// the same run-time type as the import it satisfies: handles keep their
// type (and destructor) across the component boundary.
void Frame::share_resources(const Import& imp, const ItemVal& arg) {
  const auto& types = st.plan.file().types;
  auto alias = [&](TypeId to, TypeId from) {
    if (to >= types.size() || from >= types.size()) return;
    if (types[to].kind != TypeKind::Resource || types[from].kind != TypeKind::Resource) return;
    if (auto it = st.resources.find(from); it != st.resources.end()) st.resources[to] = it->second;
  };
  if (imp.type.sort == Sort::Type && arg.sort == Sort::Type) alias(imp.type.type, arg.type);
  if (imp.type.sort != Sort::Instance || arg.sort != Sort::Instance) return;
  for (const ExternDecl& e : types.at(imp.type.type).exports) {
    if (e.type.sort != Sort::Type) continue;
    const ItemVal* it = arg.instance->exports.find(e.name);
    if (it != nullptr && it->sort == Sort::Type) alias(e.type.type, it->type);
  }
}

}  // namespace spindle::component
