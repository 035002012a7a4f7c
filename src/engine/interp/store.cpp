// core::Store: one WABT store per thread, its module cache and its GC policy.
#include <optional>

#include "engine/interp/core_internal.h"
#include "wabt/feature.h"

namespace spindle::engine::interp::core {

namespace {

std::optional<wabt::Features>& configured() {
  static std::optional<wabt::Features> f;
  return f;
}

// Collect when this much linear memory of dead instances awaits collection,
constexpr uint64_t kGarbageBytes = 8u << 20;
// or when the store holds this many more objects than after the last GC.
constexpr size_t kGarbageObjects = 2048;

}  // namespace

void configure(const wabt::Features& f) {
  static std::once_flag once;
  std::call_once(once, [&] { configured() = f; });
}

const wabt::Features& features() {
  static const wabt::Features fallback;
  return configured() ? *configured() : fallback;
}

StorePtr thread_store() {
  thread_local StorePtr store;
  if (!store) store = std::make_shared<Store>(features());
  return store;
}

Store::~Store() {
  // Release our roots while the WABT store still exists.
  modules_.clear();
}

wi::Module::Ptr Store::module_for(const CodePtr& code) {
  auto it = modules_.find(code.get());
  if (it != modules_.end()) {
    if (it->second.owner.lock() == code) return it->second.module;
    // A dead Code whose address was reused.
    it->second.module.reset();
    modules_.erase(it);
  }
  wi::Module::Ptr m = wi::Module::New(store, code->desc);
  Cached& c = modules_[code.get()];
  c.owner = code;
  c.module = m;  // c.module is empty: plain assignment does not leak a root
  return m;
}

void Store::released(uint64_t memory_bytes) {
  garbage_bytes_ += memory_bytes;
  maybe_collect();
}

void Store::maybe_collect() {
  if (busy > 0) return;
  size_t objects = store.object_count();
  if (garbage_bytes_ < kGarbageBytes && objects < live_after_gc_ + kGarbageObjects) return;
  for (auto it = modules_.begin(); it != modules_.end();) {
    if (it->second.owner.expired()) {
      it->second.module.reset();
      it = modules_.erase(it);
    } else {
      ++it;
    }
  }
  store.Collect();
  live_after_gc_ = store.object_count();
  garbage_bytes_ = 0;
}

Instance::~Instance() {
  if (!store) return;
  {
    std::lock_guard<std::recursive_mutex> lock(store->mu);
    memory_budget::release(account->counted);
    account->counted = 0;
    account->released = true;
  }
  uint64_t bytes = 0;
  {
    std::lock_guard<std::recursive_mutex> lock(store->mu);
    for (auto& s : slots) s->memory.reset();
    if (inst) {
      for (wi::Ref r : inst->memories()) {
        if (store->store.Is<wi::Memory>(r))
          bytes += store->store.UnsafeGet<wi::Memory>(r)->ByteSize();
      }
    }
    memory.reset();
    inst.reset();
    keep_alive.clear();
    store->released(bytes);
  }
}

Object::~Object() {
  if (!store) return;
  std::lock_guard<std::recursive_mutex> lock(store->mu);
  obj.reset();
}

}  // namespace spindle::engine::interp::core
