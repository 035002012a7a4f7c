// A key-value store backend (one per store label): the embedded SQLite
// store, or Redis. Thread-safe: one Store serves every request.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spindle::host::key_value {

class Store {
 public:
  virtual ~Store() = default;
  // Each returns false with `error` set when the backend failed (I/O).
  virtual bool get(const std::string& key, std::optional<std::string>& value,
                   std::string& error) = 0;
  virtual bool set(const std::string& key, const std::string& value, std::string& error) = 0;
  virtual bool remove(const std::string& key, std::string& error) = 0;
  virtual bool exists(const std::string& key, bool& found, std::string& error) = 0;
  virtual bool keys(std::vector<std::string>& out, std::string& error) = 0;
};

// The store `label` in the SQLite database at `path` (created when missing),
// in Spin's schema: spin_key_value(store, key, value).
std::unique_ptr<Store> open_sqlite(const std::string& path, const std::string& label,
                                   std::string& error);

// A Redis server as a store (keys as they are, values as strings); `url` is
// redis://host[:port][/db]. The connection is made on first use and remade
// after errors.
std::unique_ptr<Store> open_redis(const std::string& url, std::string& error);

}  // namespace spindle::host::key_value
