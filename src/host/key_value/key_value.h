// Key-value: the Spin 1.x `key-value` imports (open, get, set, delete,
// exists, get-keys, close). A component may open only the stores listed in
// its `key_value_stores`; each label maps to a backend: `default` is SQLite at
// <state-dir>/sqlite_key_value.db unless the runtime config says otherwise.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/call.h"
#include "host/key_value/store.h"
#include "manifest/runtime_config.h"

namespace spindle::host::key_value {

constexpr size_t kMaxKeyBytes = 255;          // longer keys get io("key ... too long")
constexpr size_t kMaxValueBytes = 16u << 20;  // larger values get io("value ... too large")
constexpr size_t kMaxOpenStores = 256;        // per request; more gets store-table-full

// The app's stores by label (shared by every component that lists them).
using Stores = std::map<std::string, std::shared_ptr<Store>>;

// Opens the stores `labels` (every label some component lists) as the
// runtime config maps them; without an entry, `default` is SQLite at
// <state_dir>/sqlite_key_value.db and other labels are an error. Returns null
// with `error` naming the label that cannot be opened.
std::shared_ptr<const Stores> configure(const std::vector<std::string>& labels,
                                        const std::string& state_dir,
                                        const manifest::RuntimeConfig& runtime,
                                        std::string& error);

// The `key-value` imports for one component: `allowed` are its
// key_value_stores; labels it lists that `stores` lacks are reported by
// open() as no-such-store.
std::shared_ptr<const Binding> bind(std::vector<std::string> allowed,
                                    std::shared_ptr<const Stores> stores);

}  // namespace spindle::host::key_value
