#include "abi/common.h"

#include "abi/spin_executor.h"
#include "abi/wagi_executor.h"
#include "abi/wasi_http_executor.h"
#include "engine/linking.h"
#include "host/capability.h"

namespace spindle::abi {

std::string_view to_string(ExecutorKind k) { return k == ExecutorKind::Spin ? "spin" : "wagi"; }

PrepareResult make_executor(ExecutorKind kind, std::shared_ptr<engine::Module> module,
                            const ComponentConfig& config) {
  if (config.component) return make_wasi_http_executor(config);
  if (!module) {
    PrepareResult out;
    out.error = "component `" + config.id + "`: no module";
    return out;
  }
  auto p = std::make_unique<detail::Prepared>();
  p->module = std::move(module);
  p->config = config;
  if (kind == ExecutorKind::Wagi) return detail::make_wagi_executor(std::move(p));
  return detail::make_spin_executor(std::move(p));
}

std::shared_ptr<const wasi::Environment> make_component_environment(const ComponentConfig& config,
                                                                    std::string& error) {
  std::string why;
  auto env = wasi::make_environment(detail::base_wasi_config(config), why);
  if (!env) error = "component `" + config.id + "`: files: " + why;
  return env;
}

namespace detail {

using namespace spindle::engine;

std::array<std::string_view, 7> spin_header_values(const CallInfo& info,
                                                   const std::string& full_url) {
  return {full_url,        info.path_info,           info.matched_route,
          info.base,       info.raw_component_route, info.component_route,
          info.client_addr};
}

std::string spin_full_url(const CallInfo& info, std::string_view authority, std::string_view uri) {
  std::string url = info.scheme;
  url.append("://").append(authority).append(uri);
  return url;
}

bool is_spin_header(std::string_view name) {
  for (auto n : kSpinHeaders)
    if (name == n) return true;
  return name.starts_with(kSpinPathMatch);
}

const ExportDesc* find_export(const Module& m, std::string_view name) {
  for (const auto& e : m.exports())
    if (e.name == name) return &e;
  return nullptr;
}

bool exports_func(const Module& m, std::string_view name, const FuncType& t) {
  const ExportDesc* e = find_export(m, name);
  return e && e->type.kind == ExternKind::Func && e->type.func == t;
}

namespace {

Outcome unknown_import(HostCall& call, const Value*, Value*) {
  const auto* name = static_cast<const std::string*>(call.func_data);
  return Outcome::trapped(TrapKind::HostError,
                          "called `" + *name + "`, which spindle does not provide");
}

}  // namespace

std::string link_imports(Prepared& p) {
  p.linker = &host::process_linker();  // WASI and every capability, linked once per process
  std::string errors;
  auto add = [&](const std::string& e) {
    if (!errors.empty()) errors += "; ";
    errors += e;
  };
  for (const auto& imp : p.module->imports()) {
    const Linker::Entry* entry = p.linker->find(imp.module, imp.name);
    std::string full = imp.module + "::" + imp.name;
    if (!entry) {
      if (p.config.trap_unknown_imports && imp.type.kind == ExternKind::Func) {
        p.stub_names.push_back(full);
        if (!p.own_linker) {
          p.own_linker = host::process_linker();
          p.linker = &*p.own_linker;
        }
        p.own_linker->define(imp.module, imp.name,
                             HostFunc{imp.type.func, unknown_import, &p.stub_names.back()});
        continue;
      }
      add("unknown import `" + full + "` (" + describe_type(imp.type) + ")");
      continue;
    }
    std::string why;
    if (const auto* f = std::get_if<HostFunc>(entry))
      why = import_mismatch(imp, host_func_type(*f));
    else
      why = import_mismatch(imp, std::get<ExternPtr>(*entry)->type());
    if (!why.empty()) add(why);
  }
  return errors;
}

CallScope::CallScope(std::shared_ptr<const wasi::Environment> env,
                     const engine::InstanceOptions& limits, const host::Bindings* bindings)
    : context(std::move(env)), options(limits) {
  host.bindings = bindings;
  if (options.timeout.count() > 0 && !options.deadline)
    options.deadline = std::chrono::steady_clock::now() + options.timeout;
  data.wasi = &context;
  data.capabilities = &host;
  data.deadline = options.deadline;
  options.data = &data;
  metrics::instance_started();
}

CallScope::~CallScope() { metrics::instance_ended(); }

std::shared_ptr<const wasi::Environment> link_and_environment(Prepared& p, std::string& error) {
  std::string link_error = link_imports(p);
  if (!link_error.empty()) {
    error = "component `" + p.config.id + "`: " + link_error;
    return nullptr;
  }
  if (p.config.wasi_environment) return p.config.wasi_environment;
  return make_component_environment(p.config, error);
}

wasi::Config base_wasi_config(const ComponentConfig& c) {
  wasi::Config w;
  if (c.files_dir) w.preopens.push_back({*c.files_dir, "/", true});
  for (const auto& [k, v] : c.environment) w.env.push_back(k + "=" + v);
  w.stdio = wasi::Stdio::Capture;
  return w;
}

void fail(Result& r, uint16_t status, std::string error, std::string body) {
  r.response = Response{};
  r.response.status = status;
  r.response.body = std::move(body);
  r.error = std::move(error);
}

void fail_trap(Result& r, const Outcome& o, std::string_view component, std::string_view what) {
  std::string msg = "component `" + std::string(component) + "`: guest ";
  if (o.trap == TrapKind::Exit)
    msg += engine::describe(o) + " in " + std::string(what);
  else
    msg += "trapped in " + std::string(what) + ": " + engine::describe(o);
  fail(r, o.trap == TrapKind::Timeout ? 504 : 500, std::move(msg));
  r.trap = o.trap;
}

}  // namespace detail
}  // namespace spindle::abi
