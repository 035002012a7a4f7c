#include "host/variables/variables.h"

#include "manifest/manifest.h"

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
};

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
  void link(Linker& linker) const override { Variables::link(linker); }
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
