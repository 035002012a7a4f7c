// The host objects behind a component's handles to WASI 0.2 / wasi:http
// resources (streams, pollables, fields, requests, descriptors, ...): one
// ResourceTable per instance. A handle the guest holds is a Canonical ABI
// handle whose representation (`rep`) is an index into this table; the
// table owns the objects and frees them when the guest drops the handle
// (the ResourceType's destructor) or when the instance ends.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace spindle::wasi::p2 {

// Every host resource derives from it.
class Resource {
 public:
  virtual ~Resource() = default;
};

class ResourceTable {
 public:
  // A guest cannot make the host hold more objects than this at once.
  static constexpr uint32_t kMaxLive = 1u << 16;

  // Stores `r`; its rep, or 0 when the table is full (the caller traps).
  uint32_t add(std::unique_ptr<Resource> r);
  // The object at `rep` when it is a T; null when free, out of range or
  // another type.
  template <class T>
  T* get(uint32_t rep) const {
    return rep < slots_.size() ? dynamic_cast<T*>(slots_[rep].get()) : nullptr;
  }
  // Removes and returns the object at `rep` (null when there is none).
  std::unique_ptr<Resource> take(uint32_t rep);
  void remove(uint32_t rep) { take(rep); }
  uint32_t live() const { return live_; }

 private:
  std::vector<std::unique_ptr<Resource>> slots_ = std::vector<std::unique_ptr<Resource>>(1);
  std::vector<uint32_t> free_;
  uint32_t live_ = 0;
};

}  // namespace spindle::wasi::p2
