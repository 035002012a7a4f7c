// What the capabilities with labelled stores (key-value, sqlite) share: the
// per-request table of open handles, and how a label maps to a backend.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/call.h"
#include "manifest/runtime_config.h"
#include "wasi/p2/resources.h"

namespace spindle::host {

// One `[<section>.<label>]` table of the runtime config.
struct StoreConfig {
  std::string label;
  std::string type;                           // "spin" or "redis"
  std::optional<std::filesystem::path> path;  // spin: absolute; none = in memory
  std::string url;                            // redis
  manifest::Location location;
};

// The `[<section>.<label>]` tables of the runtime config (none when it has
// no such section): `type` one of `types`, `path` (resolved against the
// file's folder) or `url` (required for redis). False with every problem in
// `error`, each with file:line:column.
bool read_store_section(const manifest::RuntimeConfig& rc, const std::string& section,
                        const std::vector<std::string>& types,
                        std::map<std::string, StoreConfig>& out, std::string& error);

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

// The cases of a store interface's error variant that open() can give.
struct OpenErrors {
  uint8_t not_allowed;  // not in the component's list
  uint8_t undefined;    // not defined for the app
  uint8_t table_full;   // too many handles open in this request
};

// What a component's open(label) of a store or database gets, for the
// component interfaces: the object, or why not (a label the component does
// not list is refused first, defined or not, as Spin checks).
enum class LabelRefusal { kNone, kNotAllowed, kUndefined };
template <class T>
T* find_label(const std::vector<std::string>& allowed,
              const std::map<std::string, std::shared_ptr<T>>& defined, const std::string& label,
              LabelRefusal& why) {
  why = LabelRefusal::kNone;
  if (std::find(allowed.begin(), allowed.end(), label) == allowed.end()) {
    why = LabelRefusal::kNotAllowed;
    return nullptr;
  }
  auto it = defined.find(label);
  if (it == defined.end()) {
    why = LabelRefusal::kUndefined;
    return nullptr;
  }
  return it->second.get();
}

// A host resource of a component interface (an open store, a database
// connection) that counts itself in `live` while it exists: the
// per-request limit on open handles, shared by every interface of a
// capability (CallState::slot<LiveCount>).
struct LiveCount {
  std::shared_ptr<size_t> live = std::make_shared<size_t>(0);
};
class CountedResource : public wasi::p2::Resource {
 public:
  explicit CountedResource(const LiveCount& count) : live_(count.live) { ++*live_; }
  ~CountedResource() override { --*live_; }

 private:
  std::shared_ptr<size_t> live_;
};

// A guest's open(label) -> expected<handle (u32), error>, written to the
// return area `ret`: a new handle when the component lists the label, the app
// defines it and fewer than `max_open` are open; else the matching error.
template <class T>
bool put_open(Guest& g, uint32_t ret, const std::vector<std::string>& allowed,
              const std::map<std::string, std::shared_ptr<T>>& defined, const std::string& label,
              size_t max_open, HandleTable<T>& table, const OpenErrors& errors) {
  uint8_t error;
  LabelRefusal why{};
  T* found = find_label(allowed, defined, label, why);
  if (why == LabelRefusal::kNotAllowed)
    error = errors.not_allowed;
  else if (why == LabelRefusal::kUndefined)
    error = errors.undefined;
  else if (table.size() >= max_open)
    error = errors.table_full;
  else
    return g.store<uint8_t>(ret, 0) && g.store<uint32_t>(ret + 4, table.add(found));
  return g.store<uint8_t>(ret, 1) && g.store<uint8_t>(ret + 4, error);
}

// The backend of store `label`: the runtime config's entry (`section`, the
// [<section_name>.<label>] tables), else for `default` a "spin" store at
// `default_path`. nullopt with `error` set when the label is not defined.
std::optional<StoreConfig> resolve_label(const std::map<std::string, StoreConfig>& section,
                                         const std::string& label, const std::string& default_path,
                                         std::string_view what, std::string_view section_name,
                                         std::string& error);

// Opens each distinct label once, as the runtime config's
// `[<section_name>.<label>]` tables (read_store_section(), `types`) map it,
// else `default` at `default_path` (resolve_label()), with
// `open(label, config, why) -> std::shared_ptr<T>` (null with `why` set on
// failure). Null with `error` set on the first failure: the runtime config's
// problems as they are (file:line:column), a label's as
// "spindle up: <what> `<label>`: <why>".
template <class T, class Open>
std::shared_ptr<const std::map<std::string, std::shared_ptr<T>>> open_labels(
    const manifest::RuntimeConfig& rc, const std::string& section_name,
    const std::vector<std::string>& types, const std::vector<std::string>& labels,
    const std::string& default_path, std::string_view what, Open open, std::string& error) {
  std::map<std::string, StoreConfig> section;
  if (!read_store_section(rc, section_name, types, section, error)) return nullptr;
  auto out = std::make_shared<std::map<std::string, std::shared_ptr<T>>>();
  for (const std::string& label : labels) {
    if (out->count(label)) continue;
    auto cfg = resolve_label(section, label, default_path, what, section_name, error);
    if (!cfg) {
      error = "spindle up: " + error;
      return nullptr;
    }
    std::string why;
    std::shared_ptr<T> opened = open(label, *cfg, why);
    if (!opened) {
      error = "spindle up: " + std::string(what) + " `" + label + "`: " + why;
      return nullptr;
    }
    out->emplace(label, std::move(opened));
  }
  return out;
}

}  // namespace spindle::host
