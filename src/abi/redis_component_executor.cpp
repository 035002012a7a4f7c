#include "abi/redis_component_executor.h"

#include "abi/component_call.h"
#include "engine/component/link_component.h"

namespace spindle::abi {

namespace {

using component::Val;

constexpr std::string_view kInterface = "fermyon:spin/inbound-redis";
constexpr std::string_view kAsyncInterface = "spin:redis/inbound-redis@";
constexpr std::string_view kSignature =
    "func(message: list<u8>) -> result<_, enum { success, error }>";

bool payload_type(const component::ComponentFile& f, const component::ValType& t) {
  const component::TypeDef* d = detail::type_of(f, t);
  return d && d->kind == component::TypeKind::List &&
         detail::is_prim(f, d->elem, component::PrimType::U8);
}

bool result_type(const component::ComponentFile& f, const component::ValType& t) {
  const component::TypeDef* d = detail::type_of(f, t);
  if (!d || d->kind != component::TypeKind::Result || d->ok || !d->err) return false;
  const component::TypeDef* e = detail::type_of(f, *d->err);
  return e && e->kind == component::TypeKind::Enum;
}

class ComponentMessageExecutor final : public RedisExecutor {
 public:
  ComponentMessageExecutor(ComponentConfig config, std::shared_ptr<const wasi::Environment> env,
                           std::string handle)
      : config_(std::move(config)), env_(std::move(env)), handle_(std::move(handle)) {
    detail::link_component_host(host_);
  }

  MessageResult handle(const std::string& payload,
                       const engine::InstanceOptions& limits) const override {
    MessageResult r;
    detail::ExportCall call =
        detail::call_export(config_, env_, host_, handle_, {Val::bytes(payload)}, limits);
    r.guest_stdout = std::move(call.guest_stdout);
    r.guest_stderr = std::move(call.guest_stderr);
    if (!call.returned) {
      r.error = std::move(call.error);
      return r;
    }
    const Val* res = call.results.empty() ? nullptr : &call.results.front();
    if (res == nullptr || !res->is(component::ValKind::Result)) {
      r.error = handle_ + " returned " + (res ? res->debug() : std::string("nothing")) +
                ", not a result<_, error>";
      return r;
    }
    r.ok = res->is_ok();
    if (!r.ok) {
      const Val* e = res->payload();
      r.error = handle_ + " returned err(" +
                std::string(e && e->case_index() == 0 ? "success" : "error") + ")";
    }
    return r;
  }

 private:
  ComponentConfig config_;
  std::shared_ptr<const wasi::Environment> env_;
  std::string handle_;
  component::HostImports host_;
};

}  // namespace

RedisPrepareResult make_redis_component_executor(const ComponentConfig& config) {
  RedisPrepareResult out;
  std::string iface = detail::find_root_export(config, kInterface, std::string(kInterface) + "@");
  if (iface.empty()) {
    std::string async = detail::find_root_export(config, "", kAsyncInterface);
    out.error = "component `" + config.id + "` cannot handle Redis messages: ";
    if (!async.empty())
      out.error += "it exports `" + async +
                   "`, whose handle-message is async (Spin 4), and spindle runs synchronous "
                   "components only; export `fermyon:spin/inbound-redis` instead";
    else
      out.error += "it does not export `fermyon:spin/inbound-redis` (its exports: " +
                   detail::root_exports(config) + ")";
    return out;
  }
  std::string handle = iface + "#handle-message";
  if (std::string why = detail::check_signature(config, handle, {payload_type}, result_type);
      !why.empty()) {
    out.error = "component `" + config.id + "` cannot handle Redis messages: " + why +
                " (expected " + std::string(kSignature) + ")";
    return out;
  }
  auto env = config.wasi_environment;
  if (!env) env = make_component_environment(config, out.error);
  if (!env) return out;
  out.executor = std::make_shared<ComponentMessageExecutor>(config, std::move(env), handle);
  return out;
}

}  // namespace spindle::abi
