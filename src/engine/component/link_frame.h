// The run-time side of linking (link_component.h): one Frame per component
// instance (the root and every nested one), resolving index-space entries
// to values on first use, memoized, in definition order.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
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
  std::string name;                   // its export name there
};

struct CoreInst {
  std::unique_ptr<engine::Instance> inst;           // instantiated
  std::map<std::string, CoreRef, std::less<>> bag;  // else: inline exports
  CoreRef get(std::string_view name) const;         // throws LinkError
};

// A component function: a host function or a lifted core function.
class Func {
 public:
  virtual ~Func() = default;
  virtual engine::Outcome call(std::span<const Val> args, std::vector<Val>& results,
                               const ComponentInstance* caller) = 0;
};
using FuncPtr = std::shared_ptr<Func>;

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
struct InstanceVal {
  std::map<std::string, ItemVal, std::less<>> exports;
};

struct Trampoline;

struct Frame {
  Frame(LinkState& st, const Component& c, Frame* parent);

  LinkState& st;
  const Component& c;
  Frame* parent;
  ComponentInstance ci;
  std::map<std::string, ItemVal, std::less<>> args;  // nested: imports by name

  void run();  // every definition in order
  CoreRef core_item(CoreSort sort, uint32_t index);
  std::shared_ptr<CoreInst> core_instance(uint32_t index);
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
  void bind_host_resources(const Import& imp);

  std::vector<std::shared_ptr<CoreInst>> core_instances_;
  std::map<std::pair<int, uint32_t>, CoreRef> core_;
  std::map<std::pair<int, uint32_t>, ItemVal> items_;
};

struct LinkState {
  LinkState(const LinkPlan& p, const HostImports& h);
  ~LinkState();
  const LinkPlan& plan;
  const HostImports& host;
  engine::InstanceData data;          // when core_opts.data is null
  engine::InstanceOptions core_opts;  // for every core instance
  ResourceMap resources;
  std::deque<ResourceType> owned_resources;
  std::map<TypeId, ResourceType*> defined;  // resource types this file defines
  std::deque<std::unique_ptr<Trampoline>> trampolines;
  std::deque<std::unique_ptr<Frame>> frames;  // destroyed before the trampolines
  Frame* root = nullptr;
};

// Calls a core function (an export of a core instance or a trampoline).
engine::Outcome call_core(LinkState& st, const CoreRef& f, std::span<const engine::Value> args,
                          std::vector<engine::Value>& results);

}  // namespace spindle::component
