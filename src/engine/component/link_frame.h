// The run-time side of linking (link_component.h): one Frame per component
// instance (the root and every nested one), resolving index-space entries
// to values on first use, memoized, in definition order.
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/component/link_component.h"

namespace spindle::component {

struct LinkError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A core func, memory, table or global, and where it was exported from.
struct CoreRef {
  engine::Linker::Entry entry;
  engine::Instance* owner = nullptr;  // the core instance exporting it
  std::string_view name;              // its export name there (names in the plan)
};

struct CoreInst {
  std::unique_ptr<engine::Instance> inst;                 // instantiated
  std::vector<std::pair<std::string_view, CoreRef>> bag;  // else: inline exports
  CoreRef get(std::string_view name) const;               // throws LinkError
  // Like get(), without a copy for inline exports (a null owner: take get()).
  // `hint`: where to look first (updated; imports usually follow the
  // inline instance's export order, so a module's lookups are O(1) each).
  const CoreRef* find_inline(std::string_view name, size_t* hint = nullptr) const;
};

// A component function: a host function or a lifted core function.
class Func {
 public:
  virtual ~Func() = default;
  virtual engine::Outcome call(std::span<const Val> args, std::vector<Val>& results,
                               const ComponentInstance* caller) = 0;
};
using FuncPtr = std::shared_ptr<Func>;

struct LinkState;
struct Frame;
struct InstanceVal;
struct ItemVal {
  Sort sort = Sort::Func;
  FuncPtr func;                           // Func
  std::shared_ptr<InstanceVal> instance;  // Instance
  TypeId type = kNone;                    // Type
  uint32_t comp = kNone;                  // Component (file id); CoreModule: owner
  uint32_t module = kNone;                // CoreModule: modules_defined index

  static ItemVal of_type(TypeId t) {
    ItemVal v;
    v.sort = Sort::Type;
    v.type = t;
    return v;
  }
  static ItemVal of_func(FuncPtr f) {
    ItemVal v;
    v.func = std::move(f);
    return v;
  }
};
// Named items (an instance's exports, a nested component's arguments);
// the names live in the plan. Few enough that a linear search wins.
struct NamedItems {
  std::vector<std::pair<std::string_view, ItemVal>> items;
  const ItemVal* find(std::string_view name) const {
    for (const auto& [n, v] : items)
      if (n == name) return &v;
    return nullptr;
  }
  // Names the loader already checked are unique (an instance type's
  // exports, a component's exports): no search.
  void add(std::string_view name, ItemVal v) { items.emplace_back(name, std::move(v)); }
  void set(std::string_view name, ItemVal v) {
    for (auto& [n, old] : items)
      if (n == name) {
        old = std::move(v);
        return;
      }
    items.emplace_back(name, std::move(v));
  }
};
struct InstanceVal {
  NamedItems exports;
};

// A host function of a root import, bound once per (plan, HostImports).
class HostFuncVal final : public Func {
 public:
  HostFuncVal(const HostFn* f, engine::InstanceData* data) : fn_(f), data_(data) {}
  engine::Outcome call(std::span<const Val> args, std::vector<Val>& results,
                       const ComponentInstance*) override {
    return (*fn_)(data_, args, results);
  }

 private:
  const HostFn* fn_;
  engine::InstanceData* data_;
};

// A core function the linker makes: a lowered component function or a
// canon resource.new/drop/rep (link_canon.cpp).
struct Trampoline {
  LinkState* st = nullptr;
  Frame* frame = nullptr;
  CanonKind kind = CanonKind::Lower;
  FuncPtr callee;                // Lower
  const FuncSig* sig = nullptr;  // Lower
  AbiOptions opts;               // Lower
  const ResourceType* rt = nullptr;
  engine::HostFunc hf;
};

struct Frame {
  Frame(LinkState& st, const Component& c, Frame* parent);

  LinkState& st;
  const Component& c;
  Frame* parent;
  ComponentInstance ci;
  NamedItems args;  // nested: imports by name

  void run();  // every definition in order
  CoreRef core_item(CoreSort sort, uint32_t index) { return core_ref(sort, index); }
  // The memoized entry (its address is stable for the frame's life).
  const CoreRef& core_ref(CoreSort sort, uint32_t index);
  const std::shared_ptr<CoreInst>& core_instance(uint32_t index);
  ItemVal item(Sort sort, uint32_t index);
  AbiOptions abi_options(const CanonOptions& o);

 private:
  void instance_def(uint32_t ref);
  CoreRef make_core(CoreSort sort, uint32_t index);
  ItemVal make_item(Sort sort, uint32_t index);
  std::shared_ptr<CoreInst> instantiate_core(const CoreInstanceDef& d);
  ItemVal instantiate(const InstanceDef& d);
  ItemVal import(const Import& imp);
  CoreRef canon_core(const CanonDef& d);
  FuncPtr lift(const CanonDef& d);
  void define_resource(ResourceType& rt, const TypeDef& t);
  void share_resources(const Import& imp, const ItemVal& arg);
  // Maps the resource types a root import names to the host's (HostImports::resources).
  void bind_host_resources(uint32_t import_index);

  std::vector<std::shared_ptr<CoreInst>> core_instances_;
  // Memoized entries per sort: func, table, memory, global.
  std::array<std::vector<std::optional<CoreRef>>, 4> core_;
  // func, instance, component, core module, type.
  std::array<std::vector<std::optional<ItemVal>>, 5> items_;
};

struct LinkState {
  LinkState(const LinkPlan& p, const HostImports& h);
  ~LinkState();
  const LinkPlan& plan;
  const HostImports& host;
  std::shared_ptr<const HostBinding> binding;  // plan.binding(host)
  std::vector<HostFuncVal> host_funcs;         // reserved: never reallocated
  engine::InstanceData data;                   // when core_opts.data is null
  engine::InstanceOptions core_opts;           // for every core instance
  ResourceMap resources;
  std::vector<ResourceType> owned_resources;  // reserved: never reallocated
  // Resource types this file defines, as (TypeId, run-time type), sorted.
  std::vector<std::pair<TypeId, ResourceType*>> defined;
  ResourceType* find_defined(TypeId t) const;
  std::deque<Trampoline> trampolines;
  std::deque<std::unique_ptr<Frame>> frames;  // destroyed before the trampolines
  Frame* root = nullptr;
};

// Calls a core function (an export of a core instance or a trampoline).
engine::Outcome call_core(LinkState& st, const CoreRef& f, std::span<const engine::Value> args,
                          std::vector<engine::Value>& results);

}  // namespace spindle::component
