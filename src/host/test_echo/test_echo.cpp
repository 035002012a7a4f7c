#include "host/test_echo/test_echo.h"

#include "manifest/manifest.h"
#include "manifest/runtime_config.h"

namespace spindle::host::test_echo {

using namespace spindle::engine;

namespace {

const Capability& self_capability();

class Echo final : public Binding {
 public:
  Echo(std::string component, std::optional<std::string> prefix, std::string suffix)
      : component_(std::move(component)), prefix_(std::move(prefix)), suffix_(std::move(suffix)) {}

  static Outcome echo(HostCall& call, const Value* a, Value*) {
    const auto* self = bound<Echo>(call, self_capability().index());
    if (!self) return not_configured("test-echo");
    if (!self->prefix_)
      return Outcome::trapped(TrapKind::HostError,
                              "test-echo is not allowed for component `" + self->component_ + "`");
    Guest g(call);
    std::string text;
    if (!g.read(a[0].i32, a[1].i32, text)) return g.outcome;
    return g.put_at(a[2].i32, *self->prefix_ + text + self->suffix_) ? Outcome::success()
                                                                     : g.outcome;
  }

 private:
  std::string component_;
  std::optional<std::string> prefix_;  // none: not allowed
  std::string suffix_;
};

class App final : public AppState {
 public:
  App(const manifest::App& app, std::string suffix) : app_(app), suffix_(std::move(suffix)) {}
  std::shared_ptr<const Binding> bind(const manifest::Component& c,
                                      std::string& error) const override {
    auto it = c.capability_keys.find("test_echo_prefix");
    if (it == c.capability_keys.end()) return std::make_shared<Echo>(c.id, std::nullopt, suffix_);
    if (!it->second.is_string()) {
      error = app_.diagnostic(it->second.location,
                              "`test_echo_prefix` of component `" + c.id + "` is " +
                                  std::string(it->second.kind_name()),
                              "a string")
                  .to_string();
      return nullptr;
    }
    return std::make_shared<Echo>(c.id, it->second.string, suffix_);
  }

 private:
  const manifest::App& app_;
  std::string suffix_;
};

class TestEcho final : public Capability {
 public:
  std::string_view name() const override { return "test-echo"; }
  std::vector<std::string> component_keys() const override { return {"test_echo_prefix"}; }
  std::vector<std::string> runtime_sections() const override { return {"test_echo"}; }
  void link(Linker& linker) const override {
    linker.define("test-echo", "echo",
                  HostFunc{FuncType{{ValType::I32, ValType::I32, ValType::I32}, {}}, &Echo::echo,
                           nullptr});
  }
  std::shared_ptr<const AppState> configure(const AppContext& ctx,
                                            std::string& error) const override {
    std::string suffix;
    if (const manifest::ConfigValue* sec = ctx.runtime.section("test_echo")) {
      const manifest::ConfigValue* s = sec->is_table() ? sec->get("suffix") : nullptr;
      if (!s || !s->is_string()) {
        error = ctx.runtime.error_at(s ? s->location : sec->location,
                                     "[test_echo] needs `suffix`, a string",
                                     "suffix = \"...\"");
        return nullptr;
      }
      suffix = s->string;
    }
    return std::make_shared<App>(ctx.app, suffix);
  }
};

const Capability& self_capability() { return capability(); }

}  // namespace

const Capability& capability() {
  static const TestEcho c;
  return c;
}

}  // namespace spindle::host::test_echo
