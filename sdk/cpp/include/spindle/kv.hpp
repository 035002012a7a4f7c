// Key-value stores (Spin 1.x `key-value`).
//
//   #include <spindle/kv.hpp>
//   auto store = spindle::kv::Store::open();          // "default"
//   if (!store) return spindle::Response::error(500, store.error().describe());
//   auto n = store->get("visits");                    // Result<std::optional<std::string>>
//   if (!n) ...;                                      // an error
//   std::string v = n->value_or("0");                 // nullopt: no such key
//   store->set("visits", "42");
//
// The component may open only the stores listed in its `key_value_stores`.
// Values are bytes (any std::string). Errors, with the host's name as the
// message ("access-denied") or, for `io`, the host's message:
// - AccessDenied: the store is not in `key_value_stores` (`access-denied`);
// - NotFound: no such store (`no-such-store`);
// - InvalidArgument: the store was closed (`invalid-store`);
// - Full: too many stores open in this request (`store-table-full`);
// - Io: the backend failed or a limit was hit (`io`, e.g.
//   "key of 300 bytes is too long (at most 255)").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/canonical.hpp"
#include "result.hpp"

namespace spindle::kv {

namespace detail {

// The error at return-area offset 4 (tag), with its io string at 8 / 12.
inline Error take_error() {
  namespace canon = ::spindle::detail::canon;
  uint8_t tag = canon::field<uint8_t>(4);
  switch (tag) {
    case 0:
      return Error(ErrorKind::Full, "store-table-full");
    case 1:
      return Error(ErrorKind::NotFound, "no-such-store");
    case 2:
      return Error(ErrorKind::AccessDenied, "access-denied");
    case 3:
      return Error(ErrorKind::InvalidArgument, "invalid-store");
    case 4:
      return Error(ErrorKind::NotFound, "no-such-key");
    case 5:
      return Error(ErrorKind::Io, canon::take_error_string());
    default:
      return Error(ErrorKind::Other, "unknown key-value error");
  }
}

inline bool failed() { return ::spindle::detail::canon::field<uint8_t>(0) != 0; }

}  // namespace detail

// An open store. Move-only; closed when destroyed.
class Store {
 public:
  // Opens the store `label` ("default" unless named).
  static Result<Store> open(std::string_view label = "default") {
    namespace canon = ::spindle::detail::canon;
    auto name = canon::slice(label);
    spindle_import_kv_open(name.ptr, name.len, canon::ret());
    if (detail::failed()) return detail::take_error();
    return Store(canon::field<uint32_t>(4));
  }

  Store(Store&& o) noexcept : handle_(std::exchange(o.handle_, kClosed)) {}
  Store& operator=(Store&& o) noexcept {
    if (this != &o) {
      close();
      handle_ = std::exchange(o.handle_, kClosed);
    }
    return *this;
  }
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store() { close(); }

  // The value of `key`; nullopt when there is no such key.
  Result<std::optional<std::string>> get(std::string_view key) const {
    namespace canon = ::spindle::detail::canon;
    auto k = canon::slice(key);
    spindle_import_kv_get(handle(), k.ptr, k.len, canon::ret());
    if (detail::failed()) {
      if (canon::field<uint8_t>(4) == 4) return std::optional<std::string>();  // no-such-key
      return detail::take_error();
    }
    return std::optional<std::string>(
        canon::take_string(canon::field<uint32_t>(4), canon::field<uint32_t>(8)));
  }

  // Sets `key` to `value` (any bytes), replacing what was there.
  Result<void> set(std::string_view key, std::string_view value) {
    namespace canon = ::spindle::detail::canon;
    auto k = canon::slice(key);
    auto v = canon::slice(value);
    spindle_import_kv_set(handle(), k.ptr, k.len, v.ptr, v.len, canon::ret());
    if (detail::failed()) return detail::take_error();
    return {};
  }
  Result<void> set(std::string_view key, std::span<const uint8_t> value) {
    return set(key, std::string_view(reinterpret_cast<const char*>(value.data()), value.size()));
  }

  // Removes `key` (the import `delete`); removing a missing key is not an error.
  Result<void> remove(std::string_view key) {
    namespace canon = ::spindle::detail::canon;
    auto k = canon::slice(key);
    spindle_import_kv_delete(handle(), k.ptr, k.len, canon::ret());
    if (detail::failed()) return detail::take_error();
    return {};
  }

  Result<bool> exists(std::string_view key) const {
    namespace canon = ::spindle::detail::canon;
    auto k = canon::slice(key);
    spindle_import_kv_exists(handle(), k.ptr, k.len, canon::ret());
    if (detail::failed()) return detail::take_error();
    return canon::field<uint8_t>(4) != 0;
  }

  // Every key in the store (the import `get-keys`), in the backend's order.
  Result<std::vector<std::string>> keys() const {
    namespace canon = ::spindle::detail::canon;
    spindle_import_kv_get_keys(handle(), canon::ret());
    if (detail::failed()) return detail::take_error();
    return canon::take_string_list(canon::field<uint32_t>(4), canon::field<uint32_t>(8));
  }

  // Closes the store now (the destructor does it otherwise). Later calls fail
  // with InvalidArgument ("invalid-store").
  void close() {
    if (handle_ != kClosed) spindle_import_kv_close(static_cast<int32_t>(handle_));
    handle_ = kClosed;
  }

 private:
  // Handles are small numbers; this one is never handed out.
  static constexpr uint32_t kClosed = 0xffffffffu;
  explicit Store(uint32_t handle) : handle_(handle) {}
  int32_t handle() const { return static_cast<int32_t>(handle_); }
  uint32_t handle_;
};

}  // namespace spindle::kv
