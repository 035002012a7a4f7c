#include "host/key_value/key_value.h"

#include "host/key_value/access.h"
#include "host/stores.h"
#include "manifest/manifest.h"

namespace spindle::host::key_value {

using namespace spindle::engine;

namespace {

// error variant of key-value.wit, in case order.
enum ErrorTag : uint8_t {
  kStoreTableFull = 0,
  kNoSuchStore = 1,
  kAccessDenied = 2,
  kInvalidStore = 3,
  kNoSuchKey = 4,
  kIo = 5,
};

using Error = StoreError;

// The stores one request opened.
using Open = HandleTable<Store>;

const size_t kSlot = next_slot();

constexpr ValType I32 = ValType::I32;

// The Spin 1 `key-value` imports (wit-bindgen 0.2 ABI).
class KeyValue {
 public:
  static void link(Linker& linker) {
    void* self = nullptr;  // each call finds its component's KeyValue (bound<>)
    linker.define("key-value", "open", HostFunc{FuncType{{I32, I32, I32}, {}}, &open, self});
    linker.define("key-value", "get", HostFunc{FuncType{{I32, I32, I32, I32}, {}}, &get, self});
    linker.define("key-value", "set",
                  HostFunc{FuncType{{I32, I32, I32, I32, I32, I32}, {}}, &set, self});
    linker.define("key-value", "delete",
                  HostFunc{FuncType{{I32, I32, I32, I32}, {}}, &remove, self});
    linker.define("key-value", "exists",
                  HostFunc{FuncType{{I32, I32, I32, I32}, {}}, &exists, self});
    linker.define("key-value", "get-keys", HostFunc{FuncType{{I32, I32}, {}}, &get_keys, self});
    linker.define("key-value", "close", HostFunc{FuncType{{I32}, {}}, &close, self});
  }

 private:
  // Every result is expected<T, error> in a 16-byte return area: +0 u8 tag
  // (0 ok, 1 err); ok payload at +4; err: +4 u8 error tag, io's string at +8.
  static bool put_error(Guest& g, uint32_t ret, const Error& e) {
    return put_store_error(g, ret, e, kIo);
  }

  static Store* store_of(HostCall& call, uint32_t handle) {
    return state_of(call).slot<Open>(kSlot).get(handle);
  }

  static std::optional<Error> check_key(const std::string& key) {
    if (auto why = key_refusal(key)) return Error{kIo, *why};
    return std::nullopt;
  }
  // What every keyed call (get, set, delete, exists) starts with: the key at
  // a[1], a[2] and the store handle at a[0]. False when the key cannot be
  // read (g.outcome says why); otherwise `err` is set when the handle or the
  // key is refused.
  static bool keyed(HostCall& call, Guest& g, const Value* a, Store*& store, std::string& key,
                    std::optional<Error>& err) {
    if (!g.read(a[1].i32, a[2].i32, key)) return false;
    store = store_of(call, a[0].i32);
    err = store ? check_key(key) : Error{kInvalidStore, ""};
    return true;
  }

  // open(name_ptr, name_len, ret) -> expected<store (u32), error>
  static Outcome open(HostCall& call, const Value* a, Value*) {
    const auto* self = bound<Access>(call, capability().index());
    if (!self) return not_configured("key-value");
    Guest g(call);
    uint32_t ret = a[2].i32;
    std::string name;
    if (!g.read(a[0].i32, a[1].i32, name)) return g.outcome;
    bool ok =
        put_open(g, ret, self->allowed(), self->stores(), name, kMaxOpenStores,
                 state_of(call).slot<Open>(kSlot), {kAccessDenied, kNoSuchStore, kStoreTableFull});
    return ok ? Outcome::success() : g.outcome;
  }

  // get(store, key_ptr, key_len, ret) -> expected<list<u8>, error>
  static Outcome get(HostCall& call, const Value* a, Value*) {
    Guest g(call);
    uint32_t ret = a[3].i32;
    std::string key;
    Store* store = nullptr;
    std::optional<Error> err;
    if (!keyed(call, g, a, store, key, err)) return g.outcome;
    std::optional<std::string> value;
    if (!err) {
      std::string why;
      if (!store->get(key, value, why))
        err = Error{kIo, why};
      else if (!value)
        err = Error{kNoSuchKey, ""};
    }
    bool ok = err ? put_error(g, ret, *err) : g.store<uint8_t>(ret, 0) && g.put_at(ret + 4, *value);
    return ok ? Outcome::success() : g.outcome;
  }

  // set(store, key_ptr, key_len, value_ptr, value_len, ret) -> expected<unit, error>
  static Outcome set(HostCall& call, const Value* a, Value*) {
    Guest g(call);
    uint32_t ret = a[5].i32;
    std::string key, value;
    Store* store = nullptr;
    std::optional<Error> err;
    if (!keyed(call, g, a, store, key, err)) return g.outcome;
    if (!err) {
      if (auto why = value_refusal(static_cast<uint32_t>(a[4].i32))) err = Error{kIo, *why};
    }
    if (!err) {
      if (!g.read(a[3].i32, a[4].i32, value)) return g.outcome;
      std::string why;
      if (!store->set(key, value, why)) err = Error{kIo, why};
    }
    bool ok = err ? put_error(g, ret, *err) : g.store<uint8_t>(ret, 0);
    return ok ? Outcome::success() : g.outcome;
  }

  // delete(store, key_ptr, key_len, ret) -> expected<unit, error>
  static Outcome remove(HostCall& call, const Value* a, Value*) {
    Guest g(call);
    uint32_t ret = a[3].i32;
    std::string key;
    Store* store = nullptr;
    std::optional<Error> err;
    if (!keyed(call, g, a, store, key, err)) return g.outcome;
    if (!err) {
      std::string why;
      if (!store->remove(key, why)) err = Error{kIo, why};
    }
    bool ok = err ? put_error(g, ret, *err) : g.store<uint8_t>(ret, 0);
    return ok ? Outcome::success() : g.outcome;
  }

  // exists(store, key_ptr, key_len, ret) -> expected<bool, error>
  static Outcome exists(HostCall& call, const Value* a, Value*) {
    Guest g(call);
    uint32_t ret = a[3].i32;
    std::string key;
    Store* store = nullptr;
    std::optional<Error> err;
    if (!keyed(call, g, a, store, key, err)) return g.outcome;
    bool found = false;
    if (!err) {
      std::string why;
      if (!store->exists(key, found, why)) err = Error{kIo, why};
    }
    bool ok = err ? put_error(g, ret, *err)
                  : g.store<uint8_t>(ret, 0) && g.store<uint8_t>(ret + 4, found ? 1 : 0);
    return ok ? Outcome::success() : g.outcome;
  }

  // get-keys(store, ret) -> expected<list<string>, error>; elements (ptr, len).
  static Outcome get_keys(HostCall& call, const Value* a, Value*) {
    Guest g(call);
    uint32_t ret = a[1].i32;
    Store* store = store_of(call, a[0].i32);
    std::optional<Error> err;
    std::vector<std::string> keys;
    if (!store) {
      err = Error{kInvalidStore, ""};
    } else if (std::string why; !store->keys(keys, why)) {
      err = Error{kIo, why};
    }
    if (err) return put_error(g, ret, *err) ? Outcome::success() : g.outcome;
    uint32_t list = 4;
    if (!keys.empty() && !g.alloc(4, static_cast<uint32_t>(keys.size() * 8), list))
      return g.outcome;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!g.put_at(list + static_cast<uint32_t>(i * 8), keys[i])) return g.outcome;
    }
    bool ok = g.store<uint8_t>(ret, 0) && g.store<uint32_t>(ret + 4, list) &&
              g.store<uint32_t>(ret + 8, static_cast<uint32_t>(keys.size()));
    return ok ? Outcome::success() : g.outcome;
  }

  // close(store): later calls with the handle get invalid-store.
  static Outcome close(HostCall& call, const Value* a, Value*) {
    state_of(call).slot<Open>(kSlot).close(a[0].i32);
    return Outcome::success();
  }
};

}  // namespace

std::optional<std::string> key_refusal(std::string_view key) {
  if (key.size() <= kMaxKeyBytes) return std::nullopt;
  return "key of " + std::to_string(key.size()) + " bytes is too long (at most " +
         std::to_string(kMaxKeyBytes) + ")";
}

std::optional<std::string> value_refusal(size_t size) {
  if (size <= kMaxValueBytes) return std::nullopt;
  return "value of " + std::to_string(size) + " bytes is too large (at most " +
         std::to_string(kMaxValueBytes) + ")";
}

namespace {

class App final : public AppState {
 public:
  explicit App(std::shared_ptr<const Stores> stores) : stores_(std::move(stores)) {}
  std::shared_ptr<const Binding> bind(const manifest::Component& c, std::string&) const override {
    return std::make_shared<Access>(c.key_value_stores, stores_);
  }

 private:
  std::shared_ptr<const Stores> stores_;
};

class KeyValueCapability final : public Capability {
 public:
  std::string_view name() const override { return "key-value"; }
  std::vector<std::string> runtime_sections() const override { return {"key_value_store"}; }
  void link(Linker& linker) const override { KeyValue::link(linker); }
  void link_component(component::HostImports& host) const override { link_interfaces(host); }

  // Opens every store some component lists, as the runtime config maps its
  // label; without an entry, `default` is SQLite at
  // <state_dir>/sqlite_key_value.db and other labels are an error.
  std::shared_ptr<const AppState> configure(const AppContext& ctx,
                                            std::string& error) const override {
    std::vector<std::string> labels;
    for (const manifest::Component& c : ctx.app.components)
      labels.insert(labels.end(), c.key_value_stores.begin(), c.key_value_stores.end());
    auto open = [](const std::string& label, const StoreConfig& cfg,
                   std::string& why) -> std::shared_ptr<Store> {
      if (cfg.type == "redis") return open_redis(cfg.url, why);
      return open_sqlite(cfg.path ? cfg.path->string() : ":memory:", label, why);
    };
    auto stores = open_labels<Store>(ctx.runtime, "key_value_store", {"spin", "redis"}, labels,
                                     (ctx.state_dir / "sqlite_key_value.db").string(),
                                     "key-value store", open, error);
    if (!stores) return nullptr;
    return std::make_shared<App>(std::move(stores));
  }
};

}  // namespace

const Capability& capability() {
  static const KeyValueCapability c;
  return c;
}

}  // namespace spindle::host::key_value
