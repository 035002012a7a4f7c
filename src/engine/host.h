// The host side of an import: what a host function sees when a guest calls it.
// Both backends call host functions through this one shape, so WASI and the
// host capabilities are written once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "engine/value.h"

namespace spindle::engine {

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
  GuestMemory memory;         // the caller's exported memory, current size
  void* user = nullptr;       // per-instance state given to instantiate() (WASI)
  void* func_data = nullptr;  // HostFunc::data of the function being called
  void* host = nullptr;       // per-instance state given to instantiate() (host capabilities)
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
