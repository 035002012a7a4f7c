#include "host/llm/llm.h"

#include "wasi/p2/define.h"

namespace spindle::host::llm {

namespace {

using component::Val;

constexpr std::string_view kLlm = "fermyon:spin/llm@2.0.0";
constexpr uint32_t kRuntimeError = 1;  // error case runtime-error(string)

Val not_supported(std::string_view call, std::string_view model) {
  return Val::err(Val::variant(
      kRuntimeError, Val::string(std::string(call) + "(\"" + std::string(model) +
                                 "\"): LLM inferencing is not supported here: spindle has no "
                                 "model runtime (Spin's `ai_models`)")));
}

class App final : public AppState {
 public:
  // No permissions to hold: every component gets the same answer.
  std::shared_ptr<const Binding> bind(const manifest::Component&, std::string&) const override {
    return std::make_shared<Binding>();
  }
};

class LlmCapability final : public Capability {
 public:
  std::string_view name() const override { return "llm"; }
  void link(engine::Linker&) const override {}
  void link_component(component::HostImports& host) const override {
    wasi::p2::define(host, kLlm, "infer",
                     [](engine::InstanceData*, wasi::p2::Params p, wasi::p2::Results& r) {
                       r.push_back(not_supported("infer", p[0].as_string()));
                       return engine::Outcome::success();
                     });
    wasi::p2::define(host, kLlm, "generate-embeddings",
                     [](engine::InstanceData*, wasi::p2::Params p, wasi::p2::Results& r) {
                       r.push_back(not_supported("generate-embeddings", p[0].as_string()));
                       return engine::Outcome::success();
                     });
  }
  std::shared_ptr<const AppState> configure(const AppContext&, std::string&) const override {
    return std::make_shared<App>();
  }
};

}  // namespace

const Capability& capability() {
  static const LlmCapability c;
  return c;
}

}  // namespace spindle::host::llm
