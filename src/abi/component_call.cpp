#include "abi/component_call.h"

#include "abi/common.h"
#include "abi/wasi_http_types.h"
#include "host/capability.h"
#include "wasi/p2/context.h"
#include "wasi/p2/host.h"

namespace spindle::abi::detail {

using component::Val;
using engine::Outcome;

void link_component_host(component::HostImports& host) {
  wasi::p2::link(host);
  wasi_http::link(host);
  host::link_components(host);
  host.fallback = [](const std::string& key, const component::FuncSig&) -> component::HostFn {
    return [key](engine::InstanceData*, std::span<const Val>, std::vector<Val>&) {
      return Outcome::trapped(engine::TrapKind::HostError,
                              "called `" + key + "`, which spindle does not provide");
    };
  };
}

std::string find_root_export(const ComponentConfig& config, std::string_view exact,
                             std::string_view prefix) {
  for (const component::Export& e : config.component->file().root().exports)
    if (e.name == exact || (!prefix.empty() && e.name.starts_with(prefix))) return e.name;
  return {};
}

std::string root_exports(const ComponentConfig& config) {
  std::string names;
  for (const component::Export& e : config.component->file().root().exports)
    names += (names.empty() ? "" : ", ") + e.name;
  return names.empty() ? "none" : names;
}

ExportCall call_export(const ComponentConfig& config,
                       const std::shared_ptr<const wasi::Environment>& env,
                       const component::HostImports& host, const std::string& name,
                       std::vector<Val> args, const engine::InstanceOptions& limits) {
  ExportCall r;
  CallScope scope(env, limits, config.capabilities.get());
  wasi::p2::Context p2(scope.context);
  scope.data.wasi_p2 = &p2;
  auto describe_trap = [&](const Outcome& o, std::string_view what) {
    r.trap = o.trap;
    r.error = "guest ";
    if (o.trap == engine::TrapKind::Exit)
      r.error += engine::describe(o) + " in " + std::string(what);
    else
      r.error += "trapped in " + std::string(what) + ": " + engine::describe(o);
  };
  std::string error;
  Outcome outcome;
  auto linked = component::LinkedComponent::instantiate(*config.component, host, error, &outcome,
                                                        scope.options);
  if (!linked) {
    if (!error.empty())
      r.error = error;
    else
      describe_trap(outcome, "instantiation");
  } else {
    outcome = linked->call(name, args, r.results);
    if (outcome.ok())
      r.returned = true;
    else
      describe_trap(outcome, name);
    // The guest's handles end with the instance, before the objects they name.
    linked.reset();
  }
  r.guest_stdout = std::move(scope.context.stdout_buffer());
  r.guest_stderr = std::move(scope.context.stderr_buffer());
  return r;
}

}  // namespace spindle::abi::detail
