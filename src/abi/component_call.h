// Internal to src/abi: what the executors of components share: the host
// imports every Spin component gets (all of them), and, for the triggers
// that are not HTTP handlers (cron, Redis), one call of an export in a
// fresh instance.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "abi/executor.h"
#include "engine/component/canon_value.h"
#include "engine/component/link_component.h"

namespace spindle::abi::detail {

// WASI 0.2, wasi:http/outgoing-handler and every capability's interfaces,
// as the wasi:http executor links them; an import nothing provides traps
// when it is called (the component still instantiates).
void link_component_host(component::HostImports& host);

// The root export whose name is `exact`, or starts with `prefix` (when not
// empty); "" when there is none.
std::string find_root_export(const ComponentConfig& config, std::string_view exact,
                             std::string_view prefix = {});

// The shape of a function a trigger calls, checked when the component is
// prepared (not at every call): each parameter and the result, as
// predicates over the component's types.
using TypeCheck = bool (*)(const component::ComponentFile& f, const component::ValType& t);
// "" when root export `name` is a function (or `iface#func` of an exported
// instance) of exactly params.size() parameters, each passing its check,
// and a result passing `result`; else what is wrong.
std::string check_signature(const ComponentConfig& config, const std::string& name,
                            std::initializer_list<TypeCheck> params, TypeCheck result);
// The defined type `t` names (null for a primitive).
const component::TypeDef* type_of(const component::ComponentFile& f, const component::ValType& t);
bool is_prim(const component::ComponentFile& f, const component::ValType& t, component::PrimType p);

// "a, b, c" or "none": the root exports, for messages.
std::string root_exports(const ComponentConfig& config);

struct ExportCall {
  bool returned = false;  // the export returned (results are set)
  std::string error;      // else why not: "guest trapped in …" (no component id)
  engine::TrapKind trap = engine::TrapKind::None;
  std::vector<component::Val> results;
  std::string guest_stdout, guest_stderr;
};

// Instantiates the component (a fresh instance under `limits`, one deadline
// for the whole call) and calls `name` with `args`.
ExportCall call_export(const ComponentConfig& config,
                       const std::shared_ptr<const wasi::Environment>& env,
                       const component::HostImports& host, const std::string& name,
                       std::vector<component::Val> args, const engine::InstanceOptions& limits);

}  // namespace spindle::abi::detail
