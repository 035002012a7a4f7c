// The component-model interfaces of the key-value capability, over the same
// stores as the Spin 1 imports (key_value.cpp):
//
//   fermyon:spin/key-value@2.0.0        Spin 2 and 3 guests (the SDKs' Store)
//   wasi:keyvalue/store@0.2.0-draft2    Spin 3 guests: bucket get/set/...
//   wasi:keyvalue/atomics@0.2.0-draft2  increment, cas + swap
//   wasi:keyvalue/batch@0.2.0-draft2    get-many, set-many, delete-many
//
// Open stores and CAS objects are resources in the instance's table. Errors
// are the interfaces' own variants, as Spin gives them; only a handle the
// guest never had (or dropped) traps, as in Spin.
#include <functional>
#include <memory>

#include "host/key_value/access.h"
#include "wasi/p2/define.h"
#include "wasi/p2/io.h"

namespace spindle::host::key_value {

namespace {

using component::Val;
using engine::InstanceData;
using engine::Outcome;
using wasi::p2::Context;
using wasi::p2::Params;
using wasi::p2::Results;

constexpr std::string_view kSpin = "fermyon:spin/key-value@2.0.0";
constexpr std::string_view kStore = "wasi:keyvalue/store@0.2.0-draft2";
constexpr std::string_view kAtomics = "wasi:keyvalue/atomics@0.2.0-draft2";
constexpr std::string_view kBatch = "wasi:keyvalue/batch@0.2.0-draft2";

// Stores open in one request, counted across every interface (Spin's
// store table holds 256).
const size_t kSlot = next_slot();

// An open store (a fermyon:spin `store` or a wasi:keyvalue `bucket`).
class OpenStore final : public CountedResource {
 public:
  OpenStore(Store* s, const LiveCount& count) : CountedResource(count), store(s) {}
  Store* const store;
};

// A wasi:keyvalue/atomics `cas`: the store it came from, for a retry.
class CasObject final : public wasi::p2::Resource {
 public:
  CasObject(std::unique_ptr<Store::Cas> c, Store* s, std::string k)
      : cas(std::move(c)), store(s), key(std::move(k)) {}
  std::unique_ptr<Store::Cas> cas;
  Store* const store;
  const std::string key;
};

// The error cases of each interface.
struct Cases {
  uint32_t table_full;  // fermyon: store-table-full; wasi: other("store table full")
  uint32_t no_such_store, access_denied, other;
  bool table_full_is_other;
};
constexpr Cases kSpinCases{0, 1, 2, 3, false};
constexpr Cases kWasiCases{2, 0, 1, 2, true};

Val other(const Cases& c, std::string message) {
  return Val::err(Val::variant(c.other, Val::string(std::move(message))));
}

// open(label) of either interface.
Outcome open(const Cases& cases, InstanceData* d, Params p, Results& r) {
  const auto* access = bound<Access>(d, capability().index());
  Context* cx = wasi::p2::context_of(d);
  if (!access || !cx) return not_configured("key-value");
  LabelRefusal why{};
  Store* store = access->open(std::string(p[0].as_string()), why);
  if (!store) {
    uint32_t c = why == LabelRefusal::kNotAllowed ? cases.access_denied : cases.no_such_store;
    r.push_back(Val::err(Val::variant(c)));
    return Outcome::success();
  }
  auto& count = d->capabilities->slot<LiveCount>(kSlot);
  if (*count.live >= kMaxOpenStores) {
    r.push_back(cases.table_full_is_other ? other(cases, "store table full")
                                          : Val::err(Val::variant(cases.table_full)));
    return Outcome::success();
  }
  uint32_t rep = cx->table().add(std::make_unique<OpenStore>(store, count));
  if (rep == 0) return wasi::p2::bad_handle("key-value store (the instance's table is full)");
  r.push_back(Val::ok(Val::own(rep)));
  return Outcome::success();
}

// The store behind the handle p[0] (own or borrow), or null.
Store* store_at(InstanceData* d, const Val& handle) {
  Context* cx = wasi::p2::context_of(d);
  OpenStore* s = cx ? cx->table().get<OpenStore>(handle.rep()) : nullptr;
  return s ? s->store : nullptr;
}

// What a keyed method does before it reaches the store: the handle (a trap
// when it is not one: the guest broke the handle rules) and the key.
using KeyedFn = std::function<Val(Store& store, std::string_view key, Params p)>;
wasi::p2::Fn keyed(const Cases& cases, std::string name, KeyedFn fn) {
  return
      [cases, name = std::move(name), fn = std::move(fn)](InstanceData* d, Params p, Results& r) {
        Store* store = store_at(d, p[0]);
        if (!store) return wasi::p2::bad_handle(name);
        std::string_view key = p[1].as_string();
        if (auto why = key_refusal(key))
          r.push_back(other(cases, *why));
        else
          r.push_back(fn(*store, key, p));
        return Outcome::success();
      };
}

Val get(const Cases& c, Store& store, std::string_view key) {
  std::optional<std::string> value;
  std::string why;
  if (!store.get(std::string(key), value, why)) return other(c, why);
  return Val::ok(value ? Val::some(Val::bytes(*value)) : Val::none());
}

Val set(const Cases& c, Store& store, std::string_view key, std::string_view value) {
  if (auto why = value_refusal(value.size())) return other(c, *why);
  std::string why;
  if (!store.set(std::string(key), std::string(value), why)) return other(c, why);
  return Val::ok();
}

Val remove(const Cases& c, Store& store, std::string_view key) {
  std::string why;
  if (!store.remove(std::string(key), why)) return other(c, why);
  return Val::ok();
}

Val exists(const Cases& c, Store& store, std::string_view key) {
  bool found = false;
  std::string why;
  if (!store.exists(std::string(key), found, why)) return other(c, why);
  return Val::ok(Val::boolean(found));
}

Val key_list(const std::vector<std::string>& keys) {
  std::vector<Val> list;
  list.reserve(keys.size());
  for (const std::string& k : keys) list.push_back(Val::string(k));
  return Val::list(std::move(list));
}

// The methods both interfaces share, on resource `resource` of `iface`.
void link_store_methods(component::HostImports& host, std::string_view iface,
                        std::string_view resource, const Cases& c) {
  std::string m = "[method]" + std::string(resource) + ".";
  auto def = [&](const std::string& name, KeyedFn fn) {
    wasi::p2::define(host, iface, m + name, keyed(c, std::string(iface) + "#" + m + name, fn));
  };
  def("get", [c](Store& s, std::string_view k, Params) { return get(c, s, k); });
  def("set", [c](Store& s, std::string_view k, Params p) { return set(c, s, k, p[2].as_bytes()); });
  def("delete", [c](Store& s, std::string_view k, Params) { return remove(c, s, k); });
  def("exists", [c](Store& s, std::string_view k, Params) { return exists(c, s, k); });
}

void link_spin(component::HostImports& host) {
  const Cases& c = kSpinCases;
  wasi::p2::define_resource(host, kSpin, "store");
  wasi::p2::define(host, kSpin, "[static]store.open",
                   [](InstanceData* d, Params p, Results& r) { return open(kSpinCases, d, p, r); });
  link_store_methods(host, kSpin, "store", c);
  wasi::p2::define(host, kSpin, "[method]store.get-keys",
                   [c](InstanceData* d, Params p, Results& r) {
                     Store* store = store_at(d, p[0]);
                     if (!store) return wasi::p2::bad_handle("store.get-keys");
                     std::vector<std::string> keys;
                     std::string why;
                     r.push_back(store->keys(keys, why) ? Val::ok(key_list(keys)) : other(c, why));
                     return Outcome::success();
                   });
}

// wasi:keyvalue's errors for a handle that is not an open bucket: Spin
// answers no-such-store.
Val no_bucket() { return Val::err(Val::variant(kWasiCases.no_such_store)); }

void link_wasi_store(component::HostImports& host) {
  const Cases& c = kWasiCases;
  wasi::p2::define_resource(host, kStore, "bucket");
  wasi::p2::define(host, kStore, "open",
                   [](InstanceData* d, Params p, Results& r) { return open(kWasiCases, d, p, r); });
  link_store_methods(host, kStore, "bucket", c);
  // list-keys(cursor): Spin has no cursors; one answer holds every key.
  wasi::p2::define(host, kStore, "[method]bucket.list-keys",
                   [c](InstanceData* d, Params p, Results& r) {
                     Store* store = store_at(d, p[0]);
                     if (!store) return wasi::p2::bad_handle("bucket.list-keys");
                     if (p[1].is_some()) {
                       r.push_back(other(c, "list_keys: cursor not supported"));
                       return Outcome::success();
                     }
                     std::vector<std::string> keys;
                     std::string why;
                     if (!store->keys(keys, why))
                       r.push_back(other(c, why));
                     else
                       r.push_back(Val::ok(Val::record({key_list(keys), Val::none()})));
                     return Outcome::success();
                   });
}

// A new cas object for `key` of `store` as own(rep) in `out`; an error
// value when the store cannot make one.
Outcome new_cas(Context& cx, Store& store, std::string key, Val& out) {
  std::string why;
  auto cas = store.compare_and_swap(key, why);
  if (!cas) {
    out = other(kWasiCases, why);
    return Outcome::success();
  }
  uint32_t rep = cx.table().add(std::make_unique<CasObject>(std::move(cas), &store, key));
  if (rep == 0) return wasi::p2::bad_handle("cas (the instance's table is full)");
  out = Val::ok(Val::own(rep));
  return Outcome::success();
}

void link_atomics(component::HostImports& host) {
  const Cases& c = kWasiCases;
  wasi::p2::define_resource(host, kAtomics, "cas");
  wasi::p2::define(host, kAtomics, "increment", [c](InstanceData* d, Params p, Results& r) {
    Store* store = store_at(d, p[0]);
    if (!store) {
      r.push_back(no_bucket());
      return Outcome::success();
    }
    std::string_view key = p[1].as_string();
    int64_t sum = 0;
    std::string why;
    if (auto bad = key_refusal(key))
      r.push_back(other(c, *bad));
    else if (!store->increment(std::string(key), p[2].as_s64(), sum, why))
      r.push_back(other(c, why));
    else
      r.push_back(Val::ok(Val::s64(sum)));
    return Outcome::success();
  });
  wasi::p2::define(host, kAtomics, "[static]cas.new", [c](InstanceData* d, Params p, Results& r) {
    Context* cx = wasi::p2::context_of(d);
    Store* store = store_at(d, p[0]);
    if (!cx || !store) {
      r.push_back(no_bucket());
      return Outcome::success();
    }
    std::string_view key = p[1].as_string();
    if (auto bad = key_refusal(key)) {
      r.push_back(other(c, *bad));
      return Outcome::success();
    }
    Val out;
    Outcome o = new_cas(*cx, *store, std::string(key), out);
    r.push_back(std::move(out));
    return o;
  });
  wasi::p2::define(host, kAtomics, "[method]cas.current",
                   [c](InstanceData* d, Params p, Results& r) {
                     Context* cx = wasi::p2::context_of(d);
                     CasObject* cas = cx ? cx->table().get<CasObject>(p[0].rep()) : nullptr;
                     if (!cas) return wasi::p2::bad_handle("cas.current");
                     std::optional<std::string> value;
                     std::string why;
                     if (!cas->cas->current(value, why))
                       r.push_back(other(c, why));
                     else
                       r.push_back(Val::ok(value ? Val::some(Val::bytes(*value)) : Val::none()));
                     return Outcome::success();
                   });
  // swap(cas (own), value) -> result<_, cas-error>: cas-error is
  // store-error(error) (0) or cas-failed(cas) (1), the latter a new cas
  // whose current() was read, for a retry (as Spin).
  wasi::p2::define(host, kAtomics, "swap", [](InstanceData* d, Params p, Results& r) {
    Context* cx = wasi::p2::context_of(d);
    std::unique_ptr<wasi::p2::Resource> held = cx ? cx->table().take(p[0].rep()) : nullptr;
    auto* cas = dynamic_cast<CasObject*>(held.get());
    if (!cas) return wasi::p2::bad_handle("swap");
    auto store_error = [](std::string why) {
      return Val::err(Val::variant(0, Val::variant(kWasiCases.other, Val::string(std::move(why)))));
    };
    std::string_view value = p[1].as_bytes();
    bool swapped = false;
    std::string why;
    if (auto bad = value_refusal(value.size())) {
      r.push_back(store_error(*bad));
    } else if (!cas->cas->swap(std::string(value), swapped, why)) {
      r.push_back(store_error(why));
    } else if (swapped) {
      r.push_back(Val::ok());
    } else {
      Val fresh;
      Outcome o = new_cas(*cx, *cas->store, cas->key, fresh);
      if (!o.ok()) return o;
      if (!fresh.is_ok()) {
        r.push_back(Val::err(Val::variant(0, *fresh.payload())));
        return Outcome::success();
      }
      auto* next = cx->table().get<CasObject>(fresh.payload()->rep());
      std::optional<std::string> now;
      if (!next->cas->current(now, why)) {
        cx->table().remove(fresh.payload()->rep());
        r.push_back(store_error(why));
      } else {
        r.push_back(Val::err(Val::variant(1, Val::own(fresh.payload()->rep()))));
      }
    }
    return Outcome::success();
  });
}

void link_batch(component::HostImports& host) {
  const Cases& c = kWasiCases;
  // Each checks every key first: a refused one fails the whole call.
  auto checked = [c](const Val& keys, Results& r) {
    for (const Val& k : keys.as_list()) {
      std::string_view key =
          k.is(component::ValKind::Tuple) ? k.as_tuple()[0].as_string() : k.as_string();
      if (auto bad = key_refusal(key)) {
        r.push_back(other(c, *bad));
        return false;
      }
    }
    return true;
  };
  wasi::p2::define(host, kBatch, "get-many", [c, checked](InstanceData* d, Params p, Results& r) {
    Store* store = store_at(d, p[0]);
    if (!store) {
      r.push_back(no_bucket());
      return Outcome::success();
    }
    if (!checked(p[1], r)) return Outcome::success();
    std::vector<Val> out;
    for (const Val& k : p[1].as_list()) {
      std::optional<std::string> value;
      std::string why;
      if (!store->get(std::string(k.as_string()), value, why)) {
        r.push_back(other(c, why));
        return Outcome::success();
      }
      // Every key asked for, with none for one that does not exist (the
      // WIT's contract).
      out.push_back(Val::tuple({Val::string(std::string(k.as_string())),
                                value ? Val::some(Val::bytes(*value)) : Val::none()}));
    }
    r.push_back(Val::ok(Val::list(std::move(out))));
    return Outcome::success();
  });
  wasi::p2::define(host, kBatch, "set-many", [c, checked](InstanceData* d, Params p, Results& r) {
    Store* store = store_at(d, p[0]);
    if (!store) {
      r.push_back(no_bucket());
      return Outcome::success();
    }
    if (!checked(p[1], r)) return Outcome::success();
    for (const Val& kv : p[1].as_list()) {
      Val v = set(c, *store, kv.as_tuple()[0].as_string(), kv.as_tuple()[1].as_bytes());
      if (!v.is_ok()) {
        r.push_back(std::move(v));
        return Outcome::success();
      }
    }
    r.push_back(Val::ok());
    return Outcome::success();
  });
  wasi::p2::define(host, kBatch, "delete-many",
                   [c, checked](InstanceData* d, Params p, Results& r) {
                     Store* store = store_at(d, p[0]);
                     if (!store) {
                       r.push_back(no_bucket());
                       return Outcome::success();
                     }
                     if (!checked(p[1], r)) return Outcome::success();
                     for (const Val& k : p[1].as_list()) {
                       Val v = remove(c, *store, k.as_string());
                       if (!v.is_ok()) {
                         r.push_back(std::move(v));
                         return Outcome::success();
                       }
                     }
                     r.push_back(Val::ok());
                     return Outcome::success();
                   });
}

}  // namespace

void link_interfaces(component::HostImports& host) {
  link_spin(host);
  link_wasi_store(host);
  link_atomics(host);
  link_batch(host);
}

}  // namespace spindle::host::key_value
