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
using Params = std::span<const component::Val>;
using Results = std::vector<component::Val>;

// The version every interface is registered at: imports of any 0.2.x match
// it (semver compatibility, names.h).
inline constexpr std::string_view kVersion = "0.2.0";

// Registers `fn` as `iface@0.2.0#member` (`iface` is `wasi:io/streams`).
void define(component::HostImports& host, std::string_view iface, std::string_view member,
            component::HostFn fn);

// A host function that needs the calling instance's Context (most do).
using CxFn = std::function<engine::Outcome(Context& cx, engine::InstanceData* instance,
                                           std::span<const component::Val> params,
                                           std::vector<component::Val>& results)>;
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
