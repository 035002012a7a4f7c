// Redis: outbound commands (Spin 1.x `outbound-redis`) and the Redis trigger
// (the export `handle-redis-message`).
//
//   #include <spindle/redis.hpp>
//   spindle::redis::Connection redis("redis://127.0.0.1:6379");
//   redis.set("greeting", "hello");
//   spindle::Result<int64_t> n = redis.incr("visits");
//   auto r = redis.execute("HSET", {"user:7", "name", "Ada"});   // any command
//
//   // A Redis-triggered component: one handler per message on its channel.
//   spindle::Result<void> on_message(std::string_view payload) {
//     if (payload.empty()) return spindle::Error(spindle::ErrorKind::InvalidArgument, "empty");
//     return {};
//   }
//   SPINDLE_REDIS_COMPONENT(on_message)
//
// Each call names the server (redis://[user:password@]host[:port][/db]); the
// host pools connections. Manifest v2 components need the address in
// `allowed_outbound_hosts` ("redis://host:port"). The interface has one
// error value: every failure is ErrorKind::Io with the message "error" (the
// host logs the reason: a refused address, a dead server, a Redis error
// reply such as WRONGTYPE).
//
// Including this header also emits the SDK's runtime overrides as weak
// definitions (see detail/component.hpp), so SPINDLE_REDIS_COMPONENT and
// SPINDLE_HTTP_COMPONENT may be used together in one module.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/canonical.hpp"
#include "detail/component.hpp"
#include "detail/weak_overrides.hpp"
#include "result.hpp"

namespace spindle::redis {

// An `execute` argument: an integer or bytes (strings are sent as bytes).
class Param {
 public:
  template <std::integral I>
  Param(I i) : is_int_(true), integer_(static_cast<int64_t>(i)) {}  // NOLINT: implicit
  Param(std::string_view bytes) : bytes_(bytes) {}                  // NOLINT
  Param(const char* bytes) : bytes_(bytes) {}                       // NOLINT
  Param(const std::string& bytes) : bytes_(bytes) {}                // NOLINT

  bool is_int() const { return is_int_; }
  int64_t integer() const { return integer_; }
  std::string_view bytes() const { return bytes_; }  // borrowed: keep the source alive

 private:
  bool is_int_ = false;
  int64_t integer_ = 0;
  std::string_view bytes_;
};

// One value of an `execute` reply, which the host flattens: nested arrays
// become consecutive values, and nil / OK replies are left out.
struct Value {
  enum class Kind : uint8_t { Nil, Status, Int64, Binary };  // the ABI's tags
  Kind kind = Kind::Nil;
  int64_t integer = 0;  // Int64
  std::string bytes;    // Status text or Binary payload

  bool is_nil() const { return kind == Kind::Nil; }
  std::optional<int64_t> as_int() const {
    return kind == Kind::Int64 ? std::optional<int64_t>(integer) : std::nullopt;
  }
  // Status or Binary as text.
  std::optional<std::string_view> as_string() const {
    return kind == Kind::Status || kind == Kind::Binary
               ? std::optional<std::string_view>(std::string_view(bytes))
               : std::nullopt;
  }
};
using RedisValue = Value;

namespace detail {

namespace canon = ::spindle::detail::canon;

template <class S>
inline std::vector<canon::Slice> slices(std::span<const S> items) {
  std::vector<canon::Slice> out;
  out.reserve(items.size());
  for (const auto& s : items) out.push_back(canon::slice(std::string_view(s)));
  return out;
}

// The `expected<s64, error>` result (size 16, align 8): tag @0, value @8,
// error @8.
inline Result<int64_t> take_int() {
  if (canon::field<uint8_t>(0) != 0) return Error(ErrorKind::Io, "error");
  return canon::field<int64_t>(8);
}

// The `expected<unit, error>` result: tag @0, error @1.
inline Result<void> take_unit() {
  if (canon::field<uint8_t>(0) != 0) return Error(ErrorKind::Io, "error");
  return {};
}

}  // namespace detail

class Connection {
 public:
  explicit Connection(std::string address) : address_(std::move(address)) {}
  const std::string& address() const { return address_; }

  Result<void> publish(std::string_view channel, std::string_view payload) const {
    auto a = addr(), c = detail::canon::slice(channel), p = detail::canon::slice(payload);
    spindle_import_redis_publish(a.ptr, a.len, c.ptr, c.len, p.ptr, p.len, detail::canon::ret());
    return detail::take_unit();
  }

  // GET: the value's bytes ("" for a missing key, as in Spin).
  Result<std::string> get(std::string_view key) const {
    namespace canon = detail::canon;
    auto a = addr(), k = canon::slice(key);
    spindle_import_redis_get(a.ptr, a.len, k.ptr, k.len, canon::ret());
    if (canon::field<uint8_t>(0) != 0) return Error(ErrorKind::Io, "error");
    return canon::take_string(canon::field<uint32_t>(4), canon::field<uint32_t>(8));
  }

  Result<void> set(std::string_view key, std::string_view value) const {
    auto a = addr(), k = detail::canon::slice(key), v = detail::canon::slice(value);
    spindle_import_redis_set(a.ptr, a.len, k.ptr, k.len, v.ptr, v.len, detail::canon::ret());
    return detail::take_unit();
  }

  // INCR: the new value.
  Result<int64_t> incr(std::string_view key) const {
    auto a = addr(), k = detail::canon::slice(key);
    spindle_import_redis_incr(a.ptr, a.len, k.ptr, k.len, detail::canon::ret());
    return detail::take_int();
  }

  // DEL: how many of the keys existed. del("a"), del("a", b), del(keys).
  template <class... Keys>
  requires(sizeof...(Keys) > 0 && (std::is_convertible_v<const Keys&, std::string_view> &&
                                   ...)) Result<int64_t> del(const Keys&... keys)
  const {
    const std::string_view list[] = {std::string_view(keys)...};
    return del(std::span<const std::string_view>(list));
  }
  Result<int64_t> del(std::span<const std::string_view> keys) const { return del_impl(keys); }
  Result<int64_t> del(std::span<const std::string> keys) const { return del_impl(keys); }

  // SADD / SREM: how many members were added / removed.
  Result<int64_t> sadd(std::string_view key,
                       std::initializer_list<std::string_view> members) const {
    return set_op(&spindle_import_redis_sadd, key, std::span(members.begin(), members.size()));
  }
  Result<int64_t> sadd(std::string_view key, std::span<const std::string_view> members) const {
    return set_op(&spindle_import_redis_sadd, key, members);
  }
  Result<int64_t> sadd(std::string_view key, std::span<const std::string> members) const {
    return set_op(&spindle_import_redis_sadd, key, members);
  }
  Result<int64_t> srem(std::string_view key,
                       std::initializer_list<std::string_view> members) const {
    return set_op(&spindle_import_redis_srem, key, std::span(members.begin(), members.size()));
  }
  Result<int64_t> srem(std::string_view key, std::span<const std::string_view> members) const {
    return set_op(&spindle_import_redis_srem, key, members);
  }
  Result<int64_t> srem(std::string_view key, std::span<const std::string> members) const {
    return set_op(&spindle_import_redis_srem, key, members);
  }

  // SMEMBERS: the members, in Redis's order.
  Result<std::vector<std::string>> smembers(std::string_view key) const {
    namespace canon = detail::canon;
    auto a = addr(), k = canon::slice(key);
    spindle_import_redis_smembers(a.ptr, a.len, k.ptr, k.len, canon::ret());
    if (canon::field<uint8_t>(0) != 0) return Error(ErrorKind::Io, "error");
    return canon::take_string_list(canon::field<uint32_t>(4), canon::field<uint32_t>(8));
  }

  // Any command, e.g. execute("HSET", {"user:7", "name", "Ada"}) or
  // execute("INCRBY", {"n", 5}); the reply flattened (see Value).
  Result<std::vector<Value>> execute(std::string_view command, std::span<const Param> args) const;
  Result<std::vector<Value>> execute(std::string_view command,
                                     std::initializer_list<Param> args = {}) const {
    return execute(command, std::span<const Param>(args.begin(), args.size()));
  }
  Result<std::vector<Value>> execute(std::string_view command,
                                     const std::vector<Param>& args) const {
    return execute(command, std::span<const Param>(args));
  }

 private:
  detail::canon::Slice addr() const { return detail::canon::slice(address_); }

  template <class S>
  Result<int64_t> del_impl(std::span<const S> keys) const {
    auto a = addr();
    auto list = detail::slices(keys);
    spindle_import_redis_del(a.ptr, a.len, ::spindle::detail::abi::addr(list.data()),
                             static_cast<int32_t>(list.size()), detail::canon::ret());
    return detail::take_int();
  }

  template <class S>
  Result<int64_t> set_op(void (*op)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t),
                         std::string_view key, std::span<const S> members) const {
    auto a = addr(), k = detail::canon::slice(key);
    auto list = detail::slices(members);
    op(a.ptr, a.len, k.ptr, k.len, ::spindle::detail::abi::addr(list.data()),
       static_cast<int32_t>(list.size()), detail::canon::ret());
    return detail::take_int();
  }

  std::string address_;
};

namespace detail {

// A `redis-parameter` list element: 16 bytes, align 8; tag @0 (int64 0,
// binary 1), payload @8.
struct alignas(8) WireParam {
  uint8_t tag;
  uint8_t pad[7];
  union {
    int64_t integer;
    canon::Slice bytes;
  };
};
static_assert(sizeof(WireParam) == 16 && alignof(WireParam) == 8);

}  // namespace detail

inline Result<std::vector<Value>> Connection::execute(std::string_view command,
                                                      std::span<const Param> args) const {
  namespace canon = detail::canon;
  std::vector<detail::WireParam> wire(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].is_int()) {
      wire[i].tag = 0;
      wire[i].integer = args[i].integer();
    } else {
      wire[i].tag = 1;
      wire[i].bytes = canon::slice(args[i].bytes());
    }
  }
  auto a = addr(), c = canon::slice(command);
  spindle_import_redis_execute(a.ptr, a.len, c.ptr, c.len,
                               ::spindle::detail::abi::addr(wire.data()),
                               static_cast<int32_t>(wire.size()), canon::ret());
  if (canon::field<uint8_t>(0) != 0) return Error(ErrorKind::Io, "error");
  uint32_t list = canon::field<uint32_t>(4), n = canon::field<uint32_t>(8);
  std::vector<Value> out(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* e = canon::at(list) + size_t{i} * 16;
    uint8_t tag = canon::load<uint8_t>(e, 0);
    Value& v = out[i];
    switch (tag) {
      case 1:  // status
      case 3:  // binary
        v.kind = tag == 1 ? Value::Kind::Status : Value::Kind::Binary;
        v.bytes = canon::take_string(canon::load<uint32_t>(e, 8), canon::load<uint32_t>(e, 12));
        break;
      case 2:
        v.kind = Value::Kind::Int64;
        v.integer = canon::load<int64_t>(e, 8);
        break;
      default:
        v.kind = Value::Kind::Nil;
    }
  }
  canon::release(list, size_t{n} * 16, 8);
  return out;
}

}  // namespace spindle::redis

namespace spindle::detail::redis_trigger {

// handle-redis-message's result, `expected<unit, error>`: 2 bytes, align 1.
inline uint8_t return_area[2];

template <class F>
inline int32_t handle(F&& fn, int32_t ptr, int32_t len) {
  // The payload is a block the host got from canonical_abi_realloc: ours.
  Result<void> r = [&] {
    std::string_view payload(abi::ptr(ptr), static_cast<size_t>(len));
    return static_cast<Result<void>>(fn(payload));
  }();
  abi::free_impl(abi::ptr(ptr), static_cast<size_t>(len), 1);
  return_area[0] = r.ok() ? 0 : 1;  // ok / err
  return_area[1] = r.ok() ? 0 : 1;  // error::error
  if (!r.ok()) {
    abi::log_error("spindle: redis handler failed: ");
    abi::log_error(r.error().describe());
    abi::log_error("\n");
  }
  return abi::addr(return_area);
}

}  // namespace spindle::detail::redis_trigger

// Exports `fn` (spindle::Result<void> (std::string_view payload)) as the
// component's Redis message handler (`handle-redis-message`). An error result
// is reported to the host as `err(error)` (its description goes to the
// component's stderr log); the host logs the failure and handles the next
// message as usual. Use it once per component, at global scope. A module may
// also use SPINDLE_HTTP_COMPONENT: the exports both need are emitted once.
#define SPINDLE_REDIS_COMPONENT(fn)                                       \
  SPINDLE_DETAIL_COMMON_EXPORTS                                           \
  extern "C" __attribute__((export_name("handle-redis-message"))) int32_t \
  spindle_abi_handle_redis(int32_t ptr, int32_t len) {                    \
    return ::spindle::detail::redis_trigger::handle(fn, ptr, len);        \
  }
