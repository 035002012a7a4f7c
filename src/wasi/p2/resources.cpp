#include "wasi/p2/resources.h"

namespace spindle::wasi::p2 {

uint32_t ResourceTable::add(std::unique_ptr<Resource> r) {
  if (live_ >= kMaxLive) return 0;
  ++live_;
  if (!free_.empty()) {
    uint32_t rep = free_.back();
    free_.pop_back();
    slots_[rep] = std::move(r);
    return rep;
  }
  slots_.push_back(std::move(r));
  return static_cast<uint32_t>(slots_.size() - 1);
}

std::unique_ptr<Resource> ResourceTable::take(uint32_t rep) {
  if (rep == 0 || rep >= slots_.size() || !slots_[rep]) return nullptr;
  --live_;
  free_.push_back(rep);
  return std::move(slots_[rep]);
}

}  // namespace spindle::wasi::p2
