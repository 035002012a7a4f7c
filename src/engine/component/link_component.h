// Instantiating a component and calling its exports (issue 12, Deliver 3,
// first step).
//
//  - LinkPlan (once per component): the loaded ComponentFile, every embedded
//    core module loaded through the engine, and the FuncSig of every
//    function type a canon lift/lower names.
//  - LinkedComponent (once per instance): walks the root component's
//    definitions in order, instantiating core modules with Linkers wired to
//    earlier core instances and to HostFunc trampolines (lowered imports,
//    lowered lifted functions of nested components, resource.new/drop/rep),
//    and nested components with their args. `call` calls a root export
//    (`name`, or `interface#func` for a function of an exported instance).
//
// The host supplies imports by name: a function import `name`, or a
// function of an imported instance `ns:pkg/iface@1.2.3#func` (matched with
// semver compatibility), and host resource types `iface#resource`.
//
// Not supported yet (instantiation fails with a message saying so):
// component start functions and value imports; root imports of core
// modules or components; a canon `memory` that its core instance exports
// under another name than "memory". Outer aliases are resolved through the
// instantiating component, and run-time resource types are kept per
// resource TypeId, so a nested component instantiated twice shares its own
// resource types between the two instances.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/component/canon_call.h"
#include "engine/component/model.h"
#include "engine/engine.h"

namespace spindle::component {

struct HostImports {
  // `name` (a function import) or `interface#func` (a function of an
  // imported instance).
  std::map<std::string, HostFn, std::less<>> funcs;
  // `interface#resource` -> a host resource type (else a fresh one).
  std::map<std::string, const ResourceType*, std::less<>> resources;
  // Called for an imported function nothing in `funcs` matches; an empty
  // HostFn (or no fallback) makes instantiation fail naming the import.
  std::function<HostFn(const std::string& key, const FuncSig& sig)> fallback;
  // What the imports of a plan bind to is resolved on the first
  // instantiation with this HostImports and reused (the fallback runs once
  // per key): do not change a HostImports once a component was
  // instantiated with it (assigning a whole new one is fine). This token
  // tells a HostImports from a later one at the same address.
  std::shared_ptr<const char> identity = std::make_shared<const char>('\0');
};

struct HostBinding;  // link_host.h

class LinkPlan {
 public:
  // Loads `bytes` and its core modules; null and `error` when it fails.
  static std::unique_ptr<LinkPlan> create(engine::Engine& engine, std::vector<uint8_t> bytes,
                                          std::string_view name, std::string& error);
  // The same, loading each core module through `load` (a tiered loader).
  using ModuleLoader =
      std::function<engine::LoadResult(std::span<const uint8_t> wasm, std::string_view name)>;
  static std::unique_ptr<LinkPlan> create(const ModuleLoader& load, std::vector<uint8_t> bytes,
                                          std::string_view name, std::string& error);
  LinkPlan(const LinkPlan&) = delete;
  LinkPlan& operator=(const LinkPlan&) = delete;

  const ComponentFile& file() const { return file_; }
  const Layouts& layouts() const { return *layouts_; }
  // The core module `index` of modules_defined of component `comp`.
  const std::shared_ptr<engine::Module>& module(uint32_t comp, uint32_t index) const;
  // The signature of function type `type` (every one is made by create(),
  // so a plan can be shared by threads instantiating it).
  const FuncSig& signature(TypeId type) const;
  // What the root's imports bind to in `host`: resolved once per
  // HostImports (link_host.h), then shared by every instance.
  std::shared_ptr<const HostBinding> binding(const HostImports& host) const;
  // The resource TypeIds of the file (each instance makes a run-time type
  // of each).
  const std::vector<TypeId>& resource_types() const { return resource_types_; }

 private:
  LinkPlan() = default;
  std::vector<uint8_t> bytes_;
  ComponentFile file_;
  std::unique_ptr<Layouts> layouts_;
  std::vector<std::vector<std::shared_ptr<engine::Module>>> modules_;  // [comp][index]
  std::unordered_map<TypeId, std::unique_ptr<FuncSig>> sigs_;
  std::vector<TypeId> resource_types_;
  struct Bound {
    const HostImports* host;
    std::weak_ptr<const char> identity;
    size_t funcs, resources;  // HostImports sizes when bound
    bool fallback;
    std::shared_ptr<const HostBinding> binding;
  };
  mutable std::mutex bound_mu_;
  mutable std::vector<Bound> bound_;
};

struct LinkState;  // link_frame.h

class LinkedComponent {
 public:
  // Instantiates `plan`. On failure: null, with `error` (unlinkable) or a
  // trap in `outcome` (a start function or initializer trapped). `core`
  // applies to every core instance (memory cap, timeout, deadline, the
  // InstanceData host functions see; a default one when data is null).
  // `imports` must outlive the instance.
  static std::unique_ptr<LinkedComponent> instantiate(const LinkPlan& plan,
                                                      const HostImports& imports,
                                                      std::string& error,
                                                      engine::Outcome* outcome = nullptr,
                                                      const engine::InstanceOptions& core = {});
  ~LinkedComponent();

  // Whether the root exports `name` (a function, or `iface#func`).
  bool has_export(std::string_view name) const;
  // Calls a root export; a trap or ABI error comes back as the Outcome.
  engine::Outcome call(std::string_view name, std::span<const Val> args, std::vector<Val>& results);

 private:
  LinkedComponent() = default;
  std::unique_ptr<LinkState> state_;
};

}  // namespace spindle::component
