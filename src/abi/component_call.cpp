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

const component::TypeDef* type_of(const component::ComponentFile& f, const component::ValType& t) {
  if (t.is_prim || t.id >= f.types.size()) return nullptr;
  return &f.types[t.id];
}

bool is_prim(const component::ComponentFile& f, const component::ValType& t,
             component::PrimType p) {
  if (t.is_prim) return t.prim == p;
  const component::TypeDef* d = type_of(f, t);
  return d && d->kind == component::TypeKind::Prim && d->prim == p;
}

std::string check_signature(const ComponentConfig& config, const std::string& name,
                            std::initializer_list<TypeCheck> params, TypeCheck result) {
  const component::ComponentFile& f = config.component->file();
  size_t hash = name.find('#');
  std::string root = name.substr(0, hash);
  const component::Export* e = nullptr;
  for (const component::Export& x : f.root().exports)
    if (x.name == root) e = &x;
  if (e == nullptr) return "it does not export `" + root + "`";
  uint32_t fn = component::kNone;
  if (hash == std::string::npos) {
    if (e->type.sort == component::Sort::Func) fn = e->type.type;
  } else if (e->type.sort == component::Sort::Instance && e->type.type < f.types.size()) {
    for (const component::ExternDecl& d : f.types[e->type.type].exports)
      if (d.name == name.substr(hash + 1) && d.type.sort == component::Sort::Func) fn = d.type.type;
  }
  if (fn >= f.types.size() || f.types[fn].kind != component::TypeKind::Func)
    return "`" + name + "` is not an exported function";
  const component::TypeDef& t = f.types[fn];
  bool ok = t.fields.size() == params.size() && t.result.has_value() && result(f, *t.result);
  size_t i = 0;
  for (TypeCheck check : params) {
    if (!ok) break;
    ok = check(f, t.fields[i++].type);
  }
  return ok ? std::string() : "`" + name + "` has another type";
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
  auto linked = scope.instantiate([&] {
    return component::LinkedComponent::instantiate(*config.component, host, error, &outcome,
                                                   scope.options);
  });
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
