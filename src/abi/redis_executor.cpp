#include "abi/redis_executor.h"

#include <chrono>
#include <cstring>

#include "abi/common.h"
#include "abi/redis_component_executor.h"
#include "host/canonical.h"

namespace spindle::abi {

using namespace spindle::engine;

namespace {

constexpr ValType I32 = ValType::I32;
const FuncType kHandleType{{I32, I32}, {I32}};
const FuncType kReallocType{{I32, I32, I32, I32}, {I32}};

std::string describe_failure(const Outcome& o, std::string_view during) {
  return std::string(during) + " trapped: " + engine::describe(o);
}

class MessageExecutor final : public RedisExecutor {
 public:
  MessageExecutor(std::unique_ptr<detail::Prepared> p, std::shared_ptr<const wasi::Environment> env)
      : p_(std::move(p)), env_(std::move(env)) {}

  MessageResult handle(const std::string& payload, const InstanceOptions& limits) const override {
    MessageResult r;
    detail::CallScope scope(env_, limits, p_->config.capabilities.get());
    wasi::Context& context = scope.context;
    auto finish = [&]() {
      r.guest_stdout = std::move(context.stdout_buffer());
      r.guest_stderr = std::move(context.stderr_buffer());
      return r;
    };

    InstantiateResult inst =
        scope.instantiate([&] { return p_->module->instantiate(*p_->linker, scope.options); });
    if (!inst.ok()) {
      r.error = inst.link_error.empty() ? describe_failure(inst.outcome, "instantiation")
                                        : inst.link_error;
      return finish();
    }
    Instance& instance = *inst.instance;
    scope.host.instance = &instance;
    if (p_->has_initialize) {
      Outcome o = instance.get_export("_initialize")->call({}, {});
      if (!o.ok()) {
        r.error = describe_failure(o, "_initialize");
        return finish();
      }
    }
    // The payload, in memory the guest allocates.
    host::CanonicalAbi g(instance, instance.get_export("handle-redis-message"));
    uint32_t ptr = 0;
    Value res[1];
    if (!g.put(payload, ptr)) {
      r.error = g.violation.empty() ? describe_failure(g.outcome, g.during) : g.violation;
      return finish();
    }
    Value hargs[2] = {Value::from_i32(ptr), Value::from_i32(static_cast<uint32_t>(payload.size()))};
    if (!g.call(g.handler, "handle-redis-message", hargs, res)) {
      r.error = describe_failure(g.outcome, g.during);
      return finish();
    }
    auto tag = instance.memory().load<uint8_t>(res[0].i32);
    auto err = instance.memory().load<uint8_t>(res[0].i32 + 1);
    if (!tag || !err) {
      r.error = "handle-redis-message returned a pointer outside guest memory";
      return finish();
    }
    r.ok = *tag == 0 || (*tag == 1 && *err == 0);
    if (!r.ok) r.error = "handle-redis-message returned an error";
    return finish();
  }

 private:
  std::unique_ptr<detail::Prepared> p_;
  std::shared_ptr<const wasi::Environment> env_;
};

}  // namespace

RedisPrepareResult make_redis_executor(std::shared_ptr<engine::Module> module,
                                       const ComponentConfig& config) {
  RedisPrepareResult out;
  if (config.component) return make_redis_component_executor(config);
  if (!module) {
    out.error = "component `" + config.id + "`: no module";
    return out;
  }
  auto p = std::make_unique<detail::Prepared>();
  p->module = std::move(module);
  p->config = config;
  std::string missing;
  if (!detail::exports_func(*p->module, "handle-redis-message", kHandleType))
    missing = "it does not export `handle-redis-message` (i32, i32) -> i32";
  if (!detail::exports_func(*p->module, "canonical_abi_realloc", kReallocType))
    missing += std::string(missing.empty() ? "" : "; ") +
               "it does not export `canonical_abi_realloc` (i32, i32, i32, i32) -> i32";
  const ExportDesc* mem = detail::find_export(*p->module, "memory");
  if (!mem || mem->type.kind != ExternKind::Memory)
    missing += std::string(missing.empty() ? "" : "; ") + "it does not export its `memory`";
  if (!missing.empty()) {
    out.error = "component `" + config.id + "` cannot handle Redis messages: " + missing;
    return out;
  }
  p->has_initialize = detail::exports_func(*p->module, "_initialize", FuncType{{}, {}});
  auto env = detail::link_and_environment(*p, out.error);
  if (!env) return out;
  out.executor = std::make_shared<MessageExecutor>(std::move(p), std::move(env));
  return out;
}

}  // namespace spindle::abi
