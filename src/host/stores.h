// What the capabilities with labelled stores (key-value, sqlite) share: the
// per-request table of open handles, and how a label maps to a backend.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/call.h"
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

// A guest's open(label): allowed by the component, defined for the app, and
// a free handle. kOpened with `handle` set, or why not.
enum class OpenResult { kOpened, kNotAllowed, kUndefined, kTableFull };
template <class T>
OpenResult open_handle(const std::vector<std::string>& allowed,
                       const std::map<std::string, std::shared_ptr<T>>& defined,
                       const std::string& label, size_t max_open, HandleTable<T>& table,
                       uint32_t& handle) {
  if (std::find(allowed.begin(), allowed.end(), label) == allowed.end())
    return OpenResult::kNotAllowed;
  auto it = defined.find(label);
  if (it == defined.end()) return OpenResult::kUndefined;
  if (table.size() >= max_open) return OpenResult::kTableFull;
  handle = table.add(it->second.get());
  return OpenResult::kOpened;
}

// The error variants of key-value and sqlite share a shape: a u8 case, and
// for one case (`io`) a string. As the err of an expected<_, error> in a
// return area: tag 1 at +0, the case at +4, io's string at +8.
struct StoreError {
  uint8_t tag;
  std::string message;  // for the io case
};
inline bool put_store_error(Guest& g, uint32_t ret, const StoreError& e, uint8_t io_tag) {
  return g.store<uint8_t>(ret, 1) && g.store<uint8_t>(ret + 4, e.tag) &&
         (e.tag != io_tag || g.put_at(ret + 8, e.message));
}

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
