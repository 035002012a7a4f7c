#include "host/variables/variables.h"

#include "manifest/manifest.h"
#include "wasi/p2/define.h"

namespace spindle::host::variables {

using namespace spindle::engine;

namespace {

// error variant of spin-config.wit, in case order.
enum ErrorTag : uint8_t { kProvider = 0, kInvalidKey = 1, kInvalidSchema = 2, kOther = 3 };

// A component's variables, resolved by the manifest stage.
class Variables final : public Binding {
 public:
  Variables(std::string id, std::map<std::string, std::string> values)
      : id_(std::move(id)), values_(std::move(values)) {}

  static void link(Linker& linker) {
    linker.define(
        "spin-config", "get-config",
        HostFunc{FuncType{{ValType::I32, ValType::I32, ValType::I32}, {}}, &get_config, nullptr});
  }

 private:
  // get-config(key_ptr, key_len, ret) — ret: 16 bytes, align 4:
  //   +0 u8 0 ok:  +4 value ptr, +8 len
  //      u8 1 err: +4 u8 error tag, +8 message ptr, +12 len
  static Outcome get_config(HostCall& call, const Value* args, Value*) {
    const auto* self = bound<Variables>(call, capability().index());
    if (!self) return not_configured("spin-config");
    Guest g(call);
    uint32_t ret = args[2].i32;
    std::string key;
    if (!g.read(args[0].i32, args[1].i32, key)) return g.outcome;
    auto err = [&](uint8_t tag, const std::string& msg) {
      return g.store<uint8_t>(ret, 1) && g.store<uint8_t>(ret + 4, tag) && g.put_at(ret + 8, msg);
    };
    bool ok;
    if (std::string why = check_key(key); !why.empty()) {
      ok = err(kInvalidKey, why);
    } else if (auto it = self->values_.find(key); it == self->values_.end()) {
      ok = err(kOther, "no variable for \"" + self->id_ + "\".\"" + key + "\"");
    } else {
      ok = g.store<uint8_t>(ret, 0) && g.put_at(ret + 4, it->second);
    }
    return ok ? Outcome::success() : g.outcome;
  }

  std::string id_;
  std::map<std::string, std::string> values_;

 public:
  // The component's variable `name`, or the case of
  // fermyon:spin/variables@2.0.0's error (invalid-name, undefined) with its
  // message.
  enum class Miss : uint32_t { kInvalidName = 0, kUndefined = 1 };
  const std::string* find(std::string_view name, Miss& miss, std::string& why) const {
    if (std::string bad = check_key(name); !bad.empty()) {
      miss = Miss::kInvalidName;
      why = "invalid variable name \"" + std::string(name) + "\": " + bad;
      return nullptr;
    }
    auto it = values_.find(std::string(name));
    if (it != values_.end()) return &it->second;
    miss = Miss::kUndefined;
    why = "no variable for \"" + id_ + "\".\"" + std::string(name) + "\"";
    return nullptr;
  }
  const std::map<std::string, std::string>& values() const { return values_; }
};

using component::Val;

// fermyon:spin/variables@2.0.0 (Spin 2 and 3 guests) and
// wasi:config/store@0.2.0-draft-2024-09-27 (Spin 3): the same variables.
// As Spin: wasi:config answers ok(none) for an undefined or invalid name.
void link_interfaces(component::HostImports& host) {
  wasi::p2::define(host, "fermyon:spin/variables@2.0.0", "get",
                   [](InstanceData* d, wasi::p2::Params p, wasi::p2::Results& r) {
                     const auto* self = bound<Variables>(d, capability().index());
                     if (!self) return not_configured("fermyon:spin/variables");
                     Variables::Miss miss{};
                     std::string why;
                     if (const std::string* v = self->find(p[0].as_string(), miss, why))
                       r.push_back(Val::ok(Val::string(*v)));
                     else
                       r.push_back(Val::err(
                           Val::variant(static_cast<uint32_t>(miss), Val::string(std::move(why)))));
                     return Outcome::success();
                   });
  constexpr std::string_view kConfig = "wasi:config/store@0.2.0-draft-2024-09-27";
  wasi::p2::define(host, kConfig, "get",
                   [](InstanceData* d, wasi::p2::Params p, wasi::p2::Results& r) {
                     const auto* self = bound<Variables>(d, capability().index());
                     if (!self) return not_configured("wasi:config/store");
                     Variables::Miss miss{};
                     std::string why;
                     const std::string* v = self->find(p[0].as_string(), miss, why);
                     r.push_back(Val::ok(v ? Val::some(Val::string(*v)) : Val::none()));
                     return Outcome::success();
                   });
  wasi::p2::define(host, kConfig, "get-all",
                   [](InstanceData* d, wasi::p2::Params, wasi::p2::Results& r) {
                     const auto* self = bound<Variables>(d, capability().index());
                     if (!self) return not_configured("wasi:config/store");
                     std::vector<Val> all;
                     for (const auto& [k, v] : self->values())
                       all.push_back(Val::tuple({Val::string(k), Val::string(v)}));
                     r.push_back(Val::ok(Val::list(std::move(all))));
                     return Outcome::success();
                   });
}

}  // namespace

std::string check_key(std::string_view key) {
  if (key.empty()) return "may not be empty";
  if (!(key.front() >= 'a' && key.front() <= 'z')) return "must start with an ASCII letter";
  char last = key.back();
  if (!((last >= 'a' && last <= 'z') || (last >= '0' && last <= '9') ||
        (last >= 'A' && last <= 'Z')))
    return "must end with an ASCII alphanumeric char";
  if (key.find("__") != std::string_view::npos)
    return "may not contain multiple consecutive underscores";
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return std::string("invalid character '") + c + "'";
  }
  return "";
}

namespace {

class App final : public AppState {
 public:
  std::shared_ptr<const Binding> bind(const manifest::Component& c, std::string&) const override {
    return std::make_shared<Variables>(c.id, c.variables_map());
  }
};

class VariablesCapability final : public Capability {
 public:
  std::string_view name() const override { return "variables"; }
  // Read by the manifest stage, which resolves the variables
  // (manifest::variable_providers).
  std::vector<std::string> runtime_sections() const override {
    return {"variables_provider", "config_provider"};
  }
  void link(Linker& linker) const override { Variables::link(linker); }
  void link_component(component::HostImports& host) const override { link_interfaces(host); }
  std::shared_ptr<const AppState> configure(const AppContext&, std::string&) const override {
    return std::make_shared<App>();
  }
};

}  // namespace

const Capability& capability() {
  static const VariablesCapability c;
  return c;
}

}  // namespace spindle::host::variables
