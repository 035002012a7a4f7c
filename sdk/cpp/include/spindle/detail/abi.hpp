// The Spin 1.x HTTP ABI glue behind SPINDLE_HTTP_COMPONENT (canonical ABI of
// wit-bindgen 0.2; see docs/SDK.md). Guest code never calls this directly.
//
// Memory: the host writes each request string / list into blocks it gets from
// canonical_abi_realloc(0, 0, align, size); they then belong to the guest.
// The response's strings and lists are malloc'ed blocks the host copies and
// releases with canonical_abi_free(ptr, size, align). Zero-sized blocks are
// never allocated: their pointer is `align`, never dereferenced or freed.
#pragma once

#include <unistd.h>

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "../http_types.hpp"
#include "../request.hpp"
#include "../response.hpp"

namespace spindle::detail::abi {

// Writes to stderr (the component's log) without stdio, so that a component
// that never prints does not link printf.
inline void log_error(std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(2, s.data(), s.size());
    if (n <= 0) return;
    s.remove_prefix(static_cast<size_t>(n));
  }
}

[[noreturn]] inline void fail(std::string_view what) {
  log_error("spindle: ");
  log_error(what);
  log_error("\n");
  __builtin_trap();  // the host answers 500
}

inline void* realloc_impl(void* ptr, size_t orig_size, size_t align, size_t new_size) {
  if (new_size == 0) {
    if (orig_size) std::free(ptr);
    return reinterpret_cast<void*>(align);  // non-null, never dereferenced
  }
  void* p = std::realloc(orig_size ? ptr : nullptr, new_size);
  if (!p) fail("out of memory (canonical_abi_realloc)");
  return p;
}

inline void free_impl(void* ptr, size_t size, size_t /*align*/) {
  if (size) std::free(ptr);
}

inline char* ptr(int32_t p) { return reinterpret_cast<char*>(static_cast<uintptr_t>(p)); }
inline int32_t addr(const void* p) { return static_cast<int32_t>(reinterpret_cast<uintptr_t>(p)); }

// Copies a host-written string out and releases its block.
inline std::string take_string(int32_t p, int32_t len) {
  std::string s(ptr(p), static_cast<size_t>(len));
  free_impl(ptr(p), static_cast<size_t>(len), 1);
  return s;
}

// A malloc'ed copy of `s` for the host to copy out and free.
inline int32_t give(std::string_view s) {
  if (s.empty()) return 1;
  void* p = std::malloc(s.size());
  if (!p) fail("out of memory (response)");
  std::memcpy(p, s.data(), s.size());
  return addr(p);
}

alignas(4) inline uint8_t return_area[28];

template <class T>
inline void put(size_t off, T v) {
  std::memcpy(return_area + off, &v, sizeof v);
}

using HandlerFn = Response (*)(const Request&);

inline int32_t handle(HandlerFn fn, int32_t method, int32_t uri_ptr, int32_t uri_len,
                      int32_t hdrs_ptr, int32_t hdrs_len, int32_t params_ptr, int32_t params_len,
                      int32_t body_is_some, int32_t body_ptr, int32_t body_len) {
  if (method < 0 || method > static_cast<int32_t>(Method::Options)) fail("unknown method");
  std::string uri = take_string(uri_ptr, uri_len);
  Headers headers;
  headers.reserve(static_cast<size_t>(hdrs_len));
  auto* h = reinterpret_cast<int32_t*>(ptr(hdrs_ptr));
  for (int32_t i = 0; i < hdrs_len; ++i)
    headers.emplace_back(take_string(h[4 * i], h[4 * i + 1]),
                         take_string(h[4 * i + 2], h[4 * i + 3]));
  free_impl(h, static_cast<size_t>(hdrs_len) * 16, 4);
  // Spin's params list is always empty (route parameters come as
  // spin-path-match-* headers); release it all the same.
  auto* p = reinterpret_cast<int32_t*>(ptr(params_ptr));
  for (int32_t i = 0; i < params_len; ++i) {
    free_impl(ptr(p[4 * i]), static_cast<size_t>(p[4 * i + 1]), 1);
    free_impl(ptr(p[4 * i + 2]), static_cast<size_t>(p[4 * i + 3]), 1);
  }
  free_impl(p, static_cast<size_t>(params_len) * 16, 4);
  Buffer body;
  if (body_is_some && body_len > 0)
    body = Buffer::adopt(ptr(body_ptr), static_cast<size_t>(body_len));

  Response res = [&] {
    Request req(static_cast<Method>(method), std::move(uri), std::move(headers), std::move(body));
    return fn(req);
  }();  // the request (and its body) is released before the response is copied out

  std::memset(return_area, 0, sizeof return_area);
  put<uint16_t>(0, res.status());
  put<uint8_t>(4, 1);
  const Headers& out = res.headers();
  int32_t list = 4;
  if (!out.empty()) {
    auto* l = static_cast<int32_t*>(std::malloc(out.size() * 16));
    if (!l) fail("out of memory (response headers)");
    for (size_t i = 0; i < out.size(); ++i) {
      l[4 * i] = give(out[i].first);
      l[4 * i + 1] = static_cast<int32_t>(out[i].first.size());
      l[4 * i + 2] = give(out[i].second);
      l[4 * i + 3] = static_cast<int32_t>(out[i].second.size());
    }
    list = addr(l);
  }
  put<int32_t>(8, list);
  put<int32_t>(12, static_cast<int32_t>(out.size()));
  put<uint8_t>(16, 1);
  std::string body_out = std::move(res).body();
  put<int32_t>(20, give(body_out));
  put<int32_t>(24, static_cast<int32_t>(body_out.size()));
  return addr(return_area);
}

// libc++'s verbose abort (what a "throw" becomes under -fno-exceptions, and
// failed hardening assertions): formats %s / %d / %u / %% itself and traps.
[[noreturn]] inline void verbose_abort(const char* format, va_list ap) {
  log_error("spindle: ");
  for (const char* f = format; *f; ++f) {
    if (*f != '%' || !f[1]) {
      log_error(std::string_view(f, 1));
      continue;
    }
    ++f;
    char num[16];
    size_t n = 0;
    switch (*f) {
      case 's': {
        const char* s = va_arg(ap, const char*);
        log_error(s ? s : "(null)");
        break;
      }
      case 'd':
      case 'u': {
        long v = *f == 'd' ? va_arg(ap, int) : static_cast<long>(va_arg(ap, unsigned));
        unsigned long u = static_cast<unsigned long>(v);
        if (v < 0) u = 0ul - u;
        do num[sizeof num - 1 - n++] = static_cast<char>('0' + u % 10);
        while ((u /= 10) && n < sizeof num - 1);
        if (v < 0) num[sizeof num - 1 - n++] = '-';
        log_error(std::string_view(num + sizeof num - n, n));
        break;
      }
      default:
        log_error(std::string_view(f, 1));
    }
  }
  log_error("\n");
  __builtin_trap();
}

inline void* operator_new(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) fail("out of memory (operator new)");
  return p;
}

}  // namespace spindle::detail::abi

// Definitions that must exist once per component; SPINDLE_HTTP_COMPONENT
// expands them. They replace libc++'s operator new/delete and verbose abort,
// whose defaults print through stdio and link printf (about 15 KB of the
// hello component): out of memory and libc++ "exceptions" still write a line
// to stderr and trap. Define SPINDLE_NO_RUNTIME_OVERRIDES to keep libc++'s.
#if defined(SPINDLE_NO_RUNTIME_OVERRIDES) || !defined(_LIBCPP_VERSION)
#define SPINDLE_DETAIL_RUNTIME_OVERRIDES
#else
#define SPINDLE_DETAIL_RUNTIME_OVERRIDES                                                          \
  _LIBCPP_BEGIN_NAMESPACE_STD                                                                     \
  [[noreturn]] void __libcpp_verbose_abort(const char* format, ...) {                             \
    va_list ap;                                                                                   \
    va_start(ap, format);                                                                         \
    ::spindle::detail::abi::verbose_abort(format, ap);                                            \
  }                                                                                               \
  _LIBCPP_END_NAMESPACE_STD                                                                       \
  void* operator new(size_t n) { return ::spindle::detail::abi::operator_new(n); }                \
  void* operator new[](size_t n) { return ::spindle::detail::abi::operator_new(n); }              \
  void* operator new(size_t n, const std::nothrow_t&) noexcept { return std::malloc(n ? n : 1); } \
  void* operator new[](size_t n, const std::nothrow_t&) noexcept {                                \
    return std::malloc(n ? n : 1);                                                                \
  }                                                                                               \
  void operator delete(void* p) noexcept { std::free(p); }                                        \
  void operator delete[](void* p) noexcept { std::free(p); }                                      \
  void operator delete(void* p, size_t) noexcept { std::free(p); }                                \
  void operator delete[](void* p, size_t) noexcept { std::free(p); }                              \
  void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }                 \
  void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#endif
