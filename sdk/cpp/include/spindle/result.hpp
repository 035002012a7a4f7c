// Errors as values: what the SDK's host capabilities (outbound HTTP, Redis,
// key-value, SQLite, variables) return instead of throwing.
//
//   spindle::Result<std::string> r = ...;
//   if (!r) return spindle::Response::error(502, r.error().message);
//   use(*r);
//
// Accessing the value of a failed Result traps (the host answers 500), like
// std::optional::value() would throw; check first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace spindle {

// Broad kinds; the message keeps the host's exact error (e.g. "no-such-key").
enum class ErrorKind : uint8_t {
  Other,            // anything not below
  NotFound,         // no such key / store / database / variable
  AccessDenied,     // not allowed by the manifest (allowed_outbound_hosts, stores, ...)
  InvalidArgument,  // invalid URL, key, name or query
  Io,               // I/O or connection failure
  Full,             // store or database full
  TooManyRequests,  // host limit reached
  Runtime,          // the host (or the remote side) failed
};

inline std::string_view to_string(ErrorKind k) {
  constexpr std::string_view names[] = {
      "other", "not-found", "access-denied",     "invalid-argument",
      "io",    "full",      "too-many-requests", "runtime"};
  return names[static_cast<int>(k)];
}

struct Error {
  ErrorKind kind = ErrorKind::Other;
  std::string message;

  Error() = default;
  Error(ErrorKind k, std::string msg) : kind(k), message(std::move(msg)) {}
  // "not-found: no-such-key" (just the kind when there is no message).
  std::string describe() const {
    std::string s(to_string(kind));
    if (!message.empty()) s += ": " + message;
    return s;
  }
};

// Either a T or an Error. Implicitly built from either.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  // The value; traps when there is none.
  T& value() & { return check(), *value_; }
  const T& value() const& { return check(), *value_; }
  T&& value() && { return check(), std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  T value_or(U&& fallback) && {
    return ok() ? std::move(*value_) : static_cast<T>(std::forward<U>(fallback));
  }

  // The error (an empty Error with kind Other when ok()).
  const Error& error() const { return error_; }

 private:
  void check() const {
    if (!value_) __builtin_trap();
  }
  std::optional<T> value_;
  Error error_;
};

// Success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : failed_(true), error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  // Traps when failed (for "this cannot fail here" call sites).
  void value() const {
    if (failed_) __builtin_trap();
  }
  const Error& error() const { return error_; }

 private:
  bool failed_ = false;
  Error error_;
};

}  // namespace spindle
