// The Spin 1.x host imports (wit-bindgen 0.2 canonical ABI) behind the SDK's
// host capabilities, and the helpers that lower parameters and lift results.
// Guest code never calls this directly.
//
// Memory (docs/SDK.md, "Host capabilities"):
// - Parameters are borrowed: the host only reads the strings and lists the
//   SDK passes, which stay the guest's.
// - Results are owned: the host writes each string and list it returns into a
//   block it gets from the guest's canonical_abi_realloc. The SDK copies it
//   into a std::string / std::vector and frees it with the same free function
//   (abi::free_impl, what canonical_abi_free calls), so nothing is left
//   behind per call. Zero-sized blocks are the dangling pointer `align`,
//   which free_impl ignores.
// - Every import writes its result into a return area: one static buffer,
//   large and aligned enough for all of them (calls never nest).
//
// Declaring an import does not import it: a module imports only the
// functions it calls.
#pragma once

// They are Spin 1.x imports, which a wasi:http component cannot have.
#ifdef SPINDLE_WASI_HTTP
#error \
    "spindle: the host capability headers (kv, sqlite, variables, outbound_http, redis) use the Spin 1.x ABI and are not available in a wasi:http component (-DSPINDLE_WASI_HTTP); build a Spin 1 module to use them"
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../result.hpp"
#include "abi.hpp"

#define SPINDLE_DETAIL_IMPORT(module, name) \
  __attribute__((import_module(module), import_name(name)))

extern "C" {
// spin-config
SPINDLE_DETAIL_IMPORT("spin-config", "get-config")
void spindle_import_get_config(int32_t key_ptr, int32_t key_len, int32_t ret);

// key-value
SPINDLE_DETAIL_IMPORT("key-value", "open")
void spindle_import_kv_open(int32_t name_ptr, int32_t name_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("key-value", "get")
void spindle_import_kv_get(int32_t store, int32_t key_ptr, int32_t key_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("key-value", "set")
void spindle_import_kv_set(int32_t store, int32_t key_ptr, int32_t key_len, int32_t value_ptr,
                           int32_t value_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("key-value", "delete")
void spindle_import_kv_delete(int32_t store, int32_t key_ptr, int32_t key_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("key-value", "exists")
void spindle_import_kv_exists(int32_t store, int32_t key_ptr, int32_t key_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("key-value", "get-keys")
void spindle_import_kv_get_keys(int32_t store, int32_t ret);
SPINDLE_DETAIL_IMPORT("key-value", "close")
void spindle_import_kv_close(int32_t store);

// sqlite
SPINDLE_DETAIL_IMPORT("sqlite", "open")
void spindle_import_sqlite_open(int32_t name_ptr, int32_t name_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("sqlite", "execute")
void spindle_import_sqlite_execute(int32_t conn, int32_t sql_ptr, int32_t sql_len,
                                   int32_t params_ptr, int32_t params_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("sqlite", "close")
void spindle_import_sqlite_close(int32_t conn);

// wasi-outbound-http
SPINDLE_DETAIL_IMPORT("wasi-outbound-http", "request")
void spindle_import_http_request(int32_t method, int32_t uri_ptr, int32_t uri_len,
                                 int32_t headers_ptr, int32_t headers_len, int32_t params_ptr,
                                 int32_t params_len, int32_t body_is_some, int32_t body_ptr,
                                 int32_t body_len, int32_t ret);

// outbound-redis
SPINDLE_DETAIL_IMPORT("outbound-redis", "publish")
void spindle_import_redis_publish(int32_t addr_ptr, int32_t addr_len, int32_t chan_ptr,
                                  int32_t chan_len, int32_t payload_ptr, int32_t payload_len,
                                  int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-redis", "get")
void spindle_import_redis_get(int32_t addr_ptr, int32_t addr_len, int32_t key_ptr, int32_t key_len,
                              int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-redis", "set")
void spindle_import_redis_set(int32_t addr_ptr, int32_t addr_len, int32_t key_ptr, int32_t key_len,
                              int32_t value_ptr, int32_t value_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-redis", "incr")
void spindle_import_redis_incr(int32_t addr_ptr, int32_t addr_len, int32_t key_ptr, int32_t key_len,
                               int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-redis", "del")
void spindle_import_redis_del(int32_t addr_ptr, int32_t addr_len, int32_t keys_ptr,
                              int32_t keys_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-redis", "sadd")
void spindle_import_redis_sadd(int32_t addr_ptr, int32_t addr_len, int32_t key_ptr, int32_t key_len,
                               int32_t values_ptr, int32_t values_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-redis", "smembers")
void spindle_import_redis_smembers(int32_t addr_ptr, int32_t addr_len, int32_t key_ptr,
                                   int32_t key_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-redis", "srem")
void spindle_import_redis_srem(int32_t addr_ptr, int32_t addr_len, int32_t key_ptr, int32_t key_len,
                               int32_t values_ptr, int32_t values_len, int32_t ret);
SPINDLE_DETAIL_IMPORT("outbound-redis", "execute")
void spindle_import_redis_execute(int32_t addr_ptr, int32_t addr_len, int32_t cmd_ptr,
                                  int32_t cmd_len, int32_t args_ptr, int32_t args_len, int32_t ret);
}  // extern "C"

namespace spindle::detail::canon {

// The return area of every import (the largest is outbound HTTP's 32 bytes;
// Redis results need 8-byte alignment).
alignas(8) inline uint8_t ret_area[32];

inline int32_t ret() { return abi::addr(ret_area); }

// A little-endian field of the return area (or of any lifted element).
template <class T>
inline T load(const void* base, size_t off) {
  T v;
  std::memcpy(&v, static_cast<const uint8_t*>(base) + off, sizeof v);
  return v;
}
template <class T>
inline T field(size_t off) {
  return load<T>(ret_area, off);
}

inline const uint8_t* at(uint32_t p) {
  return reinterpret_cast<const uint8_t*>(static_cast<uintptr_t>(p));
}

// A borrowed (ptr, len) pair: a string or list parameter, and the 8-byte
// element of list<string>.
struct Slice {
  int32_t ptr;
  int32_t len;
};
static_assert(sizeof(Slice) == 8);

inline Slice slice(std::string_view s) {
  return {abi::addr(s.data()), static_cast<int32_t>(s.size())};
}

// Frees a host-allocated block of `size` bytes.
inline void release(uint32_t p, size_t size, size_t align) {
  abi::free_impl(const_cast<uint8_t*>(at(p)), size, align);
}

// Copies out a host-allocated string (or list<u8>) and frees it.
inline std::string take_string(uint32_t p, uint32_t len) {
  std::string s(reinterpret_cast<const char*>(at(p)), len);
  release(p, len, 1);
  return s;
}

// Copies out a host-allocated list<string> (8-byte elements) and frees it.
inline std::vector<std::string> take_string_list(uint32_t p, uint32_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i)
    out.push_back(take_string(load<uint32_t>(at(p), i * 8), load<uint32_t>(at(p), i * 8 + 4)));
  release(p, size_t{n} * 8, 4);
  return out;
}

// The key-value / sqlite / spin-config error: a variant at return-area offset
// 4 whose string payload (if any) is at 8 / 12. Returns the string (freed in
// the guest) and leaves the tag to the caller.
inline std::string take_error_string() {
  return take_string(field<uint32_t>(8), field<uint32_t>(12));
}

}  // namespace spindle::detail::canon
