// A key-value store backend (one per store label): the embedded SQLite
// store, or Redis. Thread-safe: one Store serves every request.
#pragma once

#include <cstdint>
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

  // Adds `delta` to the integer at `key` (0 when absent) in one atomic step
  // for every request of every process on the store, and gives the sum.
  // As Spin: SQLite keeps it as 8 little-endian bytes, Redis as decimal
  // text (INCRBY); another value there is an error.
  virtual bool increment(const std::string& key, int64_t delta, int64_t& sum,
                         std::string& error) = 0;

  // A compare-and-swap of one key (wasi:keyvalue/atomics `cas`).
  class Cas {
   public:
    virtual ~Cas() = default;
    // The key's value now; swap() then writes only if it is still this.
    virtual bool current(std::optional<std::string>& value, std::string& error) = 0;
    // Sets `value` when the key holds what current() read (absent when
    // current() was not called); `swapped` false when it changed meanwhile.
    virtual bool swap(const std::string& value, bool& swapped, std::string& error) = 0;
  };
  virtual std::unique_ptr<Cas> compare_and_swap(const std::string& key, std::string& error) = 0;
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
