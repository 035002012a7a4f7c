// LinkPlan and LinkedComponent (link_component.h).
#include "engine/component/link_component.h"

#include "engine/component/link_frame.h"
#include "engine/component/link_host.h"
#include "engine/component/loader.h"
#include "engine/component/reader.h"

namespace spindle::component {

std::unique_ptr<LinkPlan> LinkPlan::create(engine::Engine& engine, std::vector<uint8_t> bytes,
                                           std::string_view name, std::string& error) {
  return create(
      [&](std::span<const uint8_t> wasm, std::string_view n) { return engine.load(wasm, n); },
      std::move(bytes), name, error);
}

std::unique_ptr<LinkPlan> LinkPlan::create(const ModuleLoader& load, std::vector<uint8_t> bytes,
                                           std::string_view name, std::string& error) {
  std::unique_ptr<LinkPlan> p(new LinkPlan());
  p->bytes_ = std::move(bytes);
  error = load_component(p->bytes_, name, p->file_);
  if (!error.empty()) return nullptr;
  p->layouts_ = std::make_unique<Layouts>(p->file_);
  for (const Component& c : p->file_.components) {
    auto& mods = p->modules_.emplace_back();
    for (size_t i = 0; i < c.modules_defined.size(); ++i) {
      std::vector<uint8_t> storage;
      std::span<const uint8_t> m;
      try {
        m = without_custom_sections(module_bytes(p->bytes_, c.modules_defined[i]), storage);
      } catch (const ParseError& e) {
        error = std::string(name) + ": core module " + std::to_string(i) + ": " + e.what();
        return nullptr;
      }
      std::string mod_name =
          std::string(name) + "#" + std::to_string(c.id) + "." + std::to_string(i);
      engine::LoadResult r = load(m, mod_name);
      if (!r.ok()) {
        error = mod_name + ": " + r.error;
        return nullptr;
      }
      mods.push_back(std::move(r.module));
    }
  }
  // Every function type's signature, so instances (on any thread) only read.
  for (TypeId t = 0; t < p->file_.types.size(); ++t)
    if (p->file_.types[t].kind == TypeKind::Func)
      p->sigs_.emplace(t,
                       std::make_unique<FuncSig>(make_signature(*p->layouts_, p->file_.types[t])));
  for (TypeId t = 0; t < p->file_.types.size(); ++t)
    if (p->file_.types[t].kind == TypeKind::Resource) p->resource_types_.push_back(t);
  return p;
}

std::shared_ptr<const HostBinding> LinkPlan::binding(const HostImports& host) const {
  auto matches = [&](const Bound& b) {
    return b.host == &host && host.identity && b.identity.lock() == host.identity &&
           b.funcs == host.funcs.size() && b.resources == host.resources.size() &&
           b.fallback == static_cast<bool>(host.fallback);
  };
  {
    std::lock_guard lock(bound_mu_);
    for (const Bound& b : bound_)
      if (matches(b)) return b.binding;
  }
  auto made = bind_host(*this, host);
  if (!host.identity) return made;
  std::lock_guard lock(bound_mu_);
  std::erase_if(bound_, [&](const Bound& b) { return b.identity.expired() || b.host == &host; });
  bound_.push_back(Bound{&host, host.identity, host.funcs.size(), host.resources.size(),
                         static_cast<bool>(host.fallback), made});
  return made;
}

const std::shared_ptr<engine::Module>& LinkPlan::module(uint32_t comp, uint32_t index) const {
  return modules_.at(comp).at(index);
}

const FuncSig& LinkPlan::signature(TypeId type) const {
  static const FuncSig* const kNotAFunc = [] {
    auto* s = new FuncSig();
    s->error = "not a function type";
    return s;
  }();
  auto it = sigs_.find(type);
  return it == sigs_.end() ? *kNotAFunc : *it->second;
}

std::unique_ptr<LinkedComponent> LinkedComponent::instantiate(const LinkPlan& plan,
                                                              const HostImports& imports,
                                                              std::string& error,
                                                              engine::Outcome* outcome,
                                                              const engine::InstanceOptions& core) {
  std::unique_ptr<LinkedComponent> lc(new LinkedComponent());
  lc->state_ = std::make_unique<LinkState>(plan, imports);
  LinkState& st = *lc->state_;
  st.core_opts = core;
  if (st.core_opts.data == nullptr) st.core_opts.data = &st.data;
  // The core instances live and die together with the LinkState.
  st.core_opts.linked_group = true;
  try {
    st.frames.push_back(std::make_unique<Frame>(st, plan.file().root(), nullptr));
    st.root = st.frames.back().get();
    st.root->run();
    // Resolve every export now, so a missing piece fails instantiation.
    for (const Export& e : plan.file().root().exports) st.root->item(e.item.sort, e.item.index);
  } catch (const LinkError& e) {
    error = e.what();
    return nullptr;
  } catch (const engine::Outcome& o) {
    error = "instantiation trapped: " + engine::describe(o);
    if (outcome) *outcome = o;
    return nullptr;
  }
  return lc;
}

LinkedComponent::~LinkedComponent() = default;

namespace {

FuncPtr find_export(Frame& root, std::string_view name) {
  size_t hash = name.find('#');
  std::string_view head = name.substr(0, hash);
  for (const Export& e : root.c.exports) {
    if (e.name != head) continue;
    ItemVal v = root.item(e.item.sort, e.item.index);
    if (hash == std::string_view::npos) return v.sort == Sort::Func ? v.func : nullptr;
    if (v.sort != Sort::Instance) return nullptr;
    const ItemVal* f = v.instance->exports.find(name.substr(hash + 1));
    if (f == nullptr || f->sort != Sort::Func) return nullptr;
    return f->func;
  }
  return nullptr;
}

}  // namespace

bool LinkedComponent::has_export(std::string_view name) const {
  try {
    return find_export(*state_->root, name) != nullptr;
  } catch (const LinkError&) {
    return false;
  }
}

engine::Outcome LinkedComponent::call(std::string_view name, std::span<const Val> args,
                                      std::vector<Val>& results) {
  FuncPtr f;
  try {
    f = find_export(*state_->root, name);
  } catch (const LinkError& e) {
    return abi_trap(e.what());
  }
  if (!f) return abi_trap("no exported function '" + std::string(name) + "'");
  results.clear();
  return f->call(args, results, nullptr);
}

}  // namespace spindle::component
