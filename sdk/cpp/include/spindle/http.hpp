// spindle's C++ SDK for HTTP components: a Spin 1.x HTTP module, or a
// wasi:http 0.2 component when compiled with -DSPINDLE_WASI_HTTP.
//
//   #include <spindle/http.hpp>
//   spindle::Response handle(const spindle::Request& req) {
//     return spindle::Response(200).header("content-type", "text/plain").body("hello\n");
//   }
//   SPINDLE_HTTP_COMPONENT(handle)
//
// Build (one line; or use sdk/cpp/wasm32-wasi.cmake):
//   clang++-19 --target=wasm32-wasi -std=c++20 -Oz -fno-exceptions -mexec-model=reactor \
//     -I sdk/cpp/include hello.cpp -o hello.wasm -Wl,--strip-all
//
// SPINDLE_HTTP_COMPONENT generates the exports the Spin 1.x ABI asks for
// (`handle-http-request`, `canonical_abi_realloc`, `canonical_abi_free`), so
// the module runs on spindle and on Spin alike; guest code never touches the
// ABI. With -DSPINDLE_WASI_HTTP it exports
// `wasi:http/incoming-handler@0.2.12#handle` and `cabi_realloc` instead (see
// detail/wasi_http.h), and sdk/cpp/tools/componentize.mjs turns the module
// into a component:
//   clang++-19 ... -DSPINDLE_WASI_HTTP hello.cpp -o hello.core.wasm && \
//     node sdk/cpp/tools/componentize.mjs hello.core.wasm -o hello.wasm
// Needs no exceptions (built with -fno-exceptions); a handler that aborts
// or traps makes the host answer 500. Guide: docs/SDK.md.
//
// Headers: spindle/request.hpp (Request), spindle/response.hpp (Response),
// spindle/router.hpp (Router), spindle/json.hpp (JSON writing),
// spindle/url.hpp (url_decode/encode, Params), spindle/result.hpp
// (Result<T>/Error, used by the host capabilities).
#pragma once

// clang turns C++ exceptions on by default, but wasm32-wasi's libc++ has no
// exception runtime: without -fwasm-exceptions (and a libc++abi built for it)
// any `throw` in the headers fails to link with "undefined symbol:
// __cxa_throw". Say so up front.
#if defined(__wasm__) && defined(__cpp_exceptions) && !defined(__wasm_exception_handling__) && \
    !defined(SPINDLE_ALLOW_EXCEPTIONS)
#error "spindle: compile components with -fno-exceptions (wasm32-wasi has no C++ exceptions)"
#endif

#include "detail/abi.hpp"
#include "detail/component.hpp"
#include "http_types.hpp"
#include "json.hpp"
#include "request.hpp"
#include "response.hpp"
#include "result.hpp"
#include "router.hpp"
#include "url.hpp"

#ifdef SPINDLE_WASI_HTTP
#include "detail/wasi_http.hpp"
#endif

// Exports `fn` (spindle::Response (const spindle::Request&)) as the
// component's HTTP handler. Use it once per component, at global scope
// (outside any namespace). A module may also use SPINDLE_REDIS_COMPONENT
// (spindle/redis.hpp): the exports both need are emitted once.
//
// With -DSPINDLE_WASI_HTTP: the wasi:http export and cabi_realloc instead
// (the host capability headers and SPINDLE_REDIS_COMPONENT use the Spin 1.x
// ABI and are not available in such a component).
#ifdef SPINDLE_WASI_HTTP
#define SPINDLE_HTTP_COMPONENT(fn) \
  SPINDLE_DETAIL_HTTP_OVERRIDES    \
  SPINDLE_DETAIL_WASI_HTTP_EXPORTS(fn)
#else
#define SPINDLE_HTTP_COMPONENT(fn)                                                           \
  SPINDLE_DETAIL_COMMON_EXPORTS                                                              \
  SPINDLE_DETAIL_HTTP_OVERRIDES                                                              \
  extern "C" __attribute__((export_name("handle-http-request"))) int32_t spindle_abi_handle( \
      int32_t method, int32_t uri_ptr, int32_t uri_len, int32_t hdrs_ptr, int32_t hdrs_len,  \
      int32_t params_ptr, int32_t params_len, int32_t body_is_some, int32_t body_ptr,        \
      int32_t body_len) {                                                                    \
    return ::spindle::detail::abi::handle(fn, method, uri_ptr, uri_len, hdrs_ptr, hdrs_len,  \
                                          params_ptr, params_len, body_is_some, body_ptr,    \
                                          body_len);                                         \
  }
#endif
