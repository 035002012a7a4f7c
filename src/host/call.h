// What every host capability's import functions share: the per-request state
// reached through HostCall::instance (engine::InstanceData), and the canonical-ABI (wit-bindgen
// 0.2) helpers to read the guest's arguments and to hand results back in memory the guest allocates
// with its `canonical_abi_realloc`.
//
// The life of a capability (link, configure, prepare) is in capability.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/host.h"

namespace spindle::host {

// One component's use of one capability: its permissions (the stores it
// may open, the hosts it may reach) and the app resources it reaches them
// with. Made by the capability's configure stage (capability.h).
class Binding {
 public:
  virtual ~Binding() = default;
};

// A component's Bindings, indexed by Capability::index().
using Bindings = std::vector<std::shared_ptr<const Binding>>;

// Per-request state of the host capabilities (InstanceData::capabilities).
class CallState {
 public:
  engine::Instance* instance = nullptr;  // set once the guest is instantiated
  // The calling component's bindings (null: no capability configured, as in
  // `spindle run` and executor unit tests).
  const Bindings* bindings = nullptr;

  // The state of capability slot `index` (see next_slot()), made on first use.
  template <class T>
  T& slot(size_t index) {
    if (slots_.size() <= index) slots_.resize(index + 1);
    if (!slots_[index]) slots_[index] = std::make_unique<Holder<T>>();
    return static_cast<Holder<T>*>(slots_[index].get())->value;
  }

 private:
  struct Base {
    virtual ~Base() = default;
  };
  template <class T>
  struct Holder : Base {
    T value;
  };
  std::vector<std::unique_ptr<Base>> slots_;
};

// A process-wide slot index for one capability's per-request state.
size_t next_slot();

// A host function's view of the guest: bounds-checked reads, and writes into
// memory it allocates in the guest. Each method returns false once something
// failed; `outcome` then says why (a trap the host function returns).
class Guest {
 public:
  explicit Guest(engine::HostCall& call);

  engine::Outcome outcome;

  // A copy of guest bytes [ptr, ptr + len).
  bool read(uint32_t ptr, uint32_t len, std::string& out);
  template <class T>
  bool load(uint32_t offset, T& out) {
    auto v = memory().load<T>(offset);
    if (!v) return out_of_bounds(offset, sizeof(T));
    out = *v;
    return true;
  }
  template <class T>
  bool store(uint32_t offset, T v) {
    return memory().store<T>(offset, v) || out_of_bounds(offset, sizeof(T));
  }
  // canonical_abi_realloc(0, 0, align, size) in the guest.
  bool alloc(uint32_t align, uint32_t size, uint32_t& ptr);
  // Copies `bytes` into fresh guest memory (align 1); an empty string is
  // (align, 0), never dereferenced.
  bool put(std::string_view bytes, uint32_t& ptr);
  // put() and then stores (ptr, len) as two u32 at `at`.
  bool put_at(uint32_t at, std::string_view bytes);

  bool fail(engine::TrapKind kind, std::string message);

 private:
  engine::GuestMemory memory();
  bool out_of_bounds(uint32_t offset, uint64_t len);

  engine::HostCall& call_;
  CallState* state_;
};

// The CallState of a host call (never null inside an executor's request).
inline CallState& state_of(engine::HostCall& call) { return *call.instance->capabilities; }

// The calling component's Binding of the capability at `index`, as T; null
// when the component has none (the capability was not configured). The
// InstanceData form serves component-model host functions.
template <class T>
const T* bound(const engine::InstanceData* instance, size_t index) {
  const CallState* st = instance ? instance->capabilities : nullptr;
  if (!st || !st->bindings || index >= st->bindings->size()) return nullptr;
  return static_cast<const T*>((*st->bindings)[index].get());
}
template <class T>
const T* bound(engine::HostCall& call, size_t index) {
  return bound<T>(call.instance, index);
}

// The trap for an import called where its capability was not configured.
engine::Outcome not_configured(std::string_view capability);

}  // namespace spindle::host
