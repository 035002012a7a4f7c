// What the capabilities with labelled stores (key-value, sqlite) share: the
// per-request table of open handles, and how a label maps to a backend.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifest/runtime_config.h"

namespace spindle::host {

// Handles a guest holds during one request: 1, 2, ... (0 is never valid);
// a closed handle stays invalid.
template <class T>
class HandleTable {
 public:
  size_t size() const { return items_.size(); }
  uint32_t add(T* item) {
    items_.push_back(item);
    return static_cast<uint32_t>(items_.size());
  }
  T* get(uint32_t handle) const {
    return handle > 0 && handle <= items_.size() ? items_[handle - 1] : nullptr;
  }
  void close(uint32_t handle) {
    if (handle > 0 && handle <= items_.size()) items_[handle - 1] = nullptr;
  }

 private:
  std::vector<T*> items_;
};

// The backend of store `label`: the runtime config's entry (`section`, the
// [<section_name>.<label>] tables), else for `default` a "spin" store at
// `default_path`. nullopt with `error` set when the label is not defined.
std::optional<manifest::StoreConfig> resolve_label(
    const std::map<std::string, manifest::StoreConfig>& section, const std::string& label,
    const std::string& default_path, std::string_view what, std::string_view section_name,
    std::string& error);

}  // namespace spindle::host
