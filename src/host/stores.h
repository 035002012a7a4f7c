// What the capabilities with labelled stores (key-value, sqlite) share: the
// per-request table of open handles, and how a label maps to a backend.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
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

// Opens each distinct label once, mapped by resolve_label(), with
// `open(label, config, why) -> std::shared_ptr<T>` (null with `why` set on
// failure). Null with `error` naming the label on the first failure.
template <class T, class Open>
std::shared_ptr<const std::map<std::string, std::shared_ptr<T>>> open_labels(
    const std::vector<std::string>& labels,
    const std::map<std::string, manifest::StoreConfig>& section, const std::string& default_path,
    std::string_view what, std::string_view section_name, Open open, std::string& error) {
  auto out = std::make_shared<std::map<std::string, std::shared_ptr<T>>>();
  for (const std::string& label : labels) {
    if (out->count(label)) continue;
    auto cfg = resolve_label(section, label, default_path, what, section_name, error);
    if (!cfg) return nullptr;
    std::string why;
    std::shared_ptr<T> opened = open(label, *cfg, why);
    if (!opened) {
      error = std::string(what) + " `" + label + "`: " + why;
      return nullptr;
    }
    out->emplace(label, std::move(opened));
  }
  return out;
}

}  // namespace spindle::host
