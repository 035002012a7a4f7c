// Shared by the WASI 0.2 and wasi:http host interfaces: registering host
// functions and host resource types in a component::HostImports.
#pragma once

#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/component/link_component.h"
#include "wasi/p2/context.h"

namespace spindle::wasi::p2 {

// The names every host interface file uses.
using component::Val;
using engine::InstanceData;
using engine::Outcome;
using Results = std::vector<component::Val>;

// A host function's arguments. Host functions index them by the WIT
// signature; a component may declare the import with another type (fewer
// parameters), so a read past the end gives a default value (which no
// handle or string matches) and is remembered: the call then traps, naming
// the import, instead of reading outside the arguments.
class Params {
 public:
  Params(std::span<const component::Val> v, bool* overread = nullptr)
      : v_(v), overread_(overread) {}
  const component::Val& operator[](size_t i) const {
    if (i < v_.size()) return v_[i];
    if (overread_ != nullptr) *overread_ = true;
    static const component::Val kMissing;
    return kMissing;
  }
  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  auto begin() const { return v_.begin(); }
  auto end() const { return v_.end(); }

 private:
  std::span<const component::Val> v_;
  bool* overread_;
};

// A host function as the interface files write it.
using Fn =
    std::function<engine::Outcome(engine::InstanceData* instance, Params params, Results& results)>;

// The version every interface is registered at: imports of any 0.2.x match
// it (semver compatibility, names.h).
inline constexpr std::string_view kVersion = "0.2.0";

// Registers `fn` as `iface@0.2.0#member` (`iface` is `wasi:io/streams`); an
// `iface` that names its version (`fermyon:spin/key-value@2.0.0`) is taken
// as it is (the same for define_cx and define_resource).
// A call that reads a parameter the import does not have traps (Params).
void define(component::HostImports& host, std::string_view iface, std::string_view member, Fn fn);

// A host function that needs the calling instance's Context (most do).
using CxFn = std::function<engine::Outcome(Context& cx, engine::InstanceData* instance,
                                           Params params, Results& results)>;
// Registers `fn` like define(); a call from an instance without a Context
// traps (no_context).
void define_cx(component::HostImports& host, std::string_view iface, std::string_view member,
               CxFn fn);

// Registers the host resource type `iface#name`. Its destructor removes the
// rep from the dropping instance's ResourceTable. One ResourceType per name
// for the life of the process.
void define_resource(component::HostImports& host, std::string_view iface, std::string_view name);

// The HostError trap of a host function that finds no Context.
engine::Outcome no_context(std::string_view iface);

}  // namespace spindle::wasi::p2
