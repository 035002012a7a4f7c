// SPINDLE_HTTP_COMPONENT's glue for a wasi:http component (compiled with
// -DSPINDLE_WASI_HTTP): the export wasi:http/incoming-handler#handle reads
// the incoming-request into a spindle::Request, calls the handler and sends
// its Response through response-outparam. The Canonical ABI calls are in
// detail/wasi_http.h, shared with the C header. Guest code never calls this
// directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "../http_types.hpp"
#include "../request.hpp"
#include "../response.hpp"
#include "abi.hpp"
#include "wasi_http.h"

namespace spindle::detail::wasi_http {

using HandlerFn = Response (*)(const Request&);

inline void handle(HandlerFn fn, int32_t request, int32_t outparam) {
  spindle__wasi_request r;
  spindle__wasi_read_request(request, &r);
  if (r.method < 0) {
    spindle__wasi_send_unsupported_method(outparam, &r);
    spindle__wasi_request_free(&r);
    return;
  }
  if (r.body_failed) abi::log_error("spindle: the request body could not be read to its end\n");
  Response res = [&] {
    Headers headers;
    headers.reserve(r.header_count);
    for (size_t i = 0; i < r.header_count; ++i)
      headers.emplace_back(std::string(r.headers[i].name, r.headers[i].name_len),
                           std::string(r.headers[i].value, r.headers[i].value_len));
    Buffer body = r.body_len ? Buffer::adopt(r.body, r.body_len) : Buffer();
    if (r.body_len) r.body = nullptr;  // the Request owns it now
    Request req(static_cast<Method>(r.method), std::string(r.uri, r.uri_len), std::move(headers),
                std::move(body));
    spindle__wasi_request_free(&r);
    return fn(req);
  }();  // the request (and its body) is released before the response is sent

  spindle__handle fields = spindle__wasi_fields_new();
  for (const auto& [name, value] : res.headers())
    spindle__wasi_add_header(fields, name.data(), name.size(), value.data(), value.size());
  const std::string& body = res.body();
  spindle__wasi_send(outparam, fields, res.status(), body.data(), body.size());
}

}  // namespace spindle::detail::wasi_http

// The exports of a wasi:http component: the handler and the Canonical ABI's
// cabi_realloc (through which the host hands over strings and lists).
#define SPINDLE_DETAIL_WASI_HTTP_EXPORTS(fn)                                          \
  extern "C" __attribute__((export_name("cabi_realloc"))) void* spindle_cabi_realloc( \
      void* ptr, size_t old_size, size_t align, size_t new_size) {                    \
    return spindle__wasi_realloc(ptr, old_size, align, new_size);                     \
  }                                                                                   \
  extern "C" __attribute__((export_name(SPINDLE_WASI_HTTP_HANDLE_EXPORT))) void       \
  spindle_wasi_http_handle(int32_t request, int32_t outparam) {                       \
    ::spindle::detail::wasi_http::handle(fn, request, outparam);                      \
  }
