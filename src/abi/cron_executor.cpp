#include "abi/cron_executor.h"

#include "abi/component_call.h"
#include "engine/component/link_component.h"

namespace spindle::abi {

namespace {

using component::Val;

constexpr std::string_view kExport = "handle-cron-event";
constexpr std::string_view kSignature =
    "func(metadata: record { timestamp: u64 }) -> result<_, variant { other(string) }>";

// record metadata { timestamp: u64 }
bool metadata_type(const component::ComponentFile& f, const component::ValType& t) {
  const component::TypeDef* d = detail::type_of(f, t);
  return d && d->kind == component::TypeKind::Record && d->fields.size() == 1 &&
         detail::is_prim(f, d->fields[0].type, component::PrimType::U64);
}

// result<_, error>, error = variant { other(string) }
bool result_type(const component::ComponentFile& f, const component::ValType& t) {
  const component::TypeDef* d = detail::type_of(f, t);
  if (!d || d->kind != component::TypeKind::Result || d->ok || !d->err) return false;
  const component::TypeDef* e = detail::type_of(f, *d->err);
  return e && e->kind == component::TypeKind::Variant && !e->cases.empty() && e->cases[0].type &&
         detail::is_prim(f, *e->cases[0].type, component::PrimType::String);
}

class ComponentCronExecutor final : public CronExecutor {
 public:
  ComponentCronExecutor(ComponentConfig config, std::shared_ptr<const wasi::Environment> env)
      : config_(std::move(config)), env_(std::move(env)) {
    detail::link_component_host(host_);
  }

  CronRunResult run(uint64_t timestamp, const engine::InstanceOptions& limits) const override {
    CronRunResult r;
    detail::ExportCall call = detail::call_export(config_, env_, host_, std::string(kExport),
                                                  {Val::record({Val::u64(timestamp)})}, limits);
    r.guest_stdout = std::move(call.guest_stdout);
    r.guest_stderr = std::move(call.guest_stderr);
    r.trap = call.trap;
    if (!call.returned) {
      r.error = std::move(call.error);
      return r;
    }
    const Val* res = call.results.empty() ? nullptr : &call.results.front();
    if (res == nullptr || !res->is(component::ValKind::Result)) {
      r.error = "handle-cron-event returned " + (res ? res->debug() : std::string("nothing")) +
                ", not a result<_, error>";
      return r;
    }
    if (res->is_ok()) {
      r.ok = true;
      return r;
    }
    // err(other(message))
    std::string message;
    if (const Val* e = res->payload();
        e && e->payload() && e->payload()->is(component::ValKind::String))
      message = std::string(e->payload()->as_string());
    r.error =
        "handle-cron-event returned an error" + (message.empty() ? std::string() : ": " + message);
    return r;
  }

 private:
  ComponentConfig config_;
  std::shared_ptr<const wasi::Environment> env_;
  component::HostImports host_;
};

}  // namespace

CronPrepareResult make_cron_executor(const ComponentConfig& config) {
  CronPrepareResult out;
  if (!config.component) {
    out.error = "component `" + config.id +
                "` is a core module; the cron trigger runs WebAssembly components that export "
                "`handle-cron-event` (world fermyon:spin-cron/spin-cron@2.0.0)";
    return out;
  }
  if (detail::find_root_export(config, kExport).empty()) {
    out.error = "component `" + config.id +
                "` does not export `handle-cron-event` (world "
                "fermyon:spin-cron/spin-cron@2.0.0; its exports: " +
                detail::root_exports(config) + ")";
    return out;
  }
  if (std::string why =
          detail::check_signature(config, std::string(kExport), {metadata_type}, result_type);
      !why.empty()) {
    out.error = "component `" + config.id + "` cannot run on a schedule: " + why + " (expected " +
                std::string(kSignature) + ")";
    return out;
  }
  auto env = config.wasi_environment;
  if (!env) env = make_component_environment(config, out.error);
  if (!env) return out;
  out.executor = std::make_shared<ComponentCronExecutor>(config, std::move(env));
  return out;
}

}  // namespace spindle::abi
