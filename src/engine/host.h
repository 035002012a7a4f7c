// The host side of an import: what a host function sees when a guest calls it.
// Both backends call host functions through this one shape, so WASI and the
// host capabilities are written once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "engine/value.h"

namespace spindle::wasi {
class Context;
namespace p2 {
class Context;
}
}  // namespace spindle::wasi
namespace spindle::host {
class CallState;
}

namespace spindle::engine {

// The per-instance record every host function reaches (HostCall::instance):
// one per guest instance, made by the embedder before instantiate() and
// living as long as the instance. The engine only carries it; WASI and the
// host capabilities each own their part. Embedders with state of their own
// (tests) derive from it.
struct InstanceData {
  wasi::Context* wasi = nullptr;            // WASI preview 1 (null: not linked)
  wasi::p2::Context* wasi_p2 = nullptr;     // WASI 0.2 and wasi:http (components)
  host::CallState* capabilities = nullptr;  // the host capabilities' state
  // The instance's deadline (one request's budget): host calls that wait
  // (network, poll_oneoff) wait at most until then.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// A plain view of the calling instance's exported linear memory ("memory").
// `data` is null when the instance exports no memory.
struct GuestMemory {
  uint8_t* data = nullptr;
  uint64_t size = 0;

  // True when [offset, offset + len) lies inside memory.
  bool in_bounds(uint64_t offset, uint64_t len) const {
    return data != nullptr && offset <= size && len <= size - offset;
  }
  // Pointer to [offset, offset + len) or nullptr when out of bounds.
  uint8_t* ptr(uint64_t offset, uint64_t len) const {
    return in_bounds(offset, len) ? data + offset : nullptr;
  }
  template <class T>
  std::optional<T> load(uint64_t offset) const {
    if (!in_bounds(offset, sizeof(T))) return std::nullopt;
    T v;
    std::memcpy(&v, data + offset, sizeof(T));
    return v;
  }
  template <class T>
  bool store(uint64_t offset, T v) const {
    if (!in_bounds(offset, sizeof(T))) return false;
    std::memcpy(data + offset, &v, sizeof(T));
    return true;
  }
};

// Passed to every host function call.
struct HostCall {
  GuestMemory memory;                // the caller's exported memory, current size
  InstanceData* instance = nullptr;  // InstanceOptions::data of the calling instance
  void* func_data = nullptr;         // HostFunc::data of the function being called
};

// A host function writes its results into `results` (as many as its
// FuncType has) and returns success, or a trap / exit outcome. It must not
// throw and must not longjmp.
using HostCallback = Outcome (*)(HostCall& call, const Value* args, Value* results);

struct HostFunc {
  FuncType type;
  HostCallback callback = nullptr;
  void* data = nullptr;
};

}  // namespace spindle::engine
