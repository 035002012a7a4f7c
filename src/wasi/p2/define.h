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

// Linker workaround. The component linker (engine/component/link_frame.cpp)
// resolves a root import lazily, when one of its functions is first used,
// and only then maps the import's resource types to HostImports::resources;
// but a `canon resource.drop` of such a type is linked earlier (it names the
// type directly) and keeps the linker's own fresh type. A guest then gets
// handles of the host type (from host results) that its resource.drop
// refuses ("it is a '...#descriptor' handle, not a 'descriptor' handle").
// Until the linker maps root instance imports eagerly, host resource types
// are not registered: handles use the linker's per-import types, drops
// succeed, and the host objects they name live until the instance's
// Context ends (no destructor runs). Set to true once the linker is fixed.
inline constexpr bool kRegisterHostResourceTypes = false;

// Registers the host resource type `iface#name`. Its destructor removes the
// rep from the dropping instance's ResourceTable. One ResourceType per name
// for the life of the process. (Nothing is registered while
// kRegisterHostResourceTypes is false.)
void define_resource(component::HostImports& host, std::string_view iface, std::string_view name);

// The HostError trap of a host function that finds no Context.
engine::Outcome no_context(std::string_view iface);

}  // namespace spindle::wasi::p2
