// Key-value: the Spin 1.x `key-value` imports (open, get, set, delete,
// exists, get-keys, close). A component may open only the stores listed in
// its `key_value_stores`; each label maps to a backend: `default` is SQLite at
// <state-dir>/sqlite_key_value.db unless the runtime config says otherwise.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/capability.h"
#include "host/key_value/store.h"

namespace spindle::host::key_value {

constexpr size_t kMaxKeyBytes = 255;          // longer keys get io("key ... too long")
constexpr size_t kMaxValueBytes = 16u << 20;  // larger values get io("value ... too large")
constexpr size_t kMaxOpenStores = 256;        // per request; more gets store-table-full

// The app's stores by label (shared by every component that lists them).
using Stores = std::map<std::string, std::shared_ptr<Store>>;

// The `key-value` imports over the app's stores (runtime config section
// `key_value_store`).
const Capability& capability();

}  // namespace spindle::host::key_value
