// Outbound HTTP requests (Spin 1.x `wasi-outbound-http` / `request`).
//
//   #include <spindle/outbound_http.hpp>
//   auto r = spindle::http::get("https://api.example.com/items");
//   if (!r) return spindle::Response::error(502, r.error().describe());
//   // r->status, r->header("content-type"), r->body
//
//   spindle::http::OutboundRequest req;
//   req.method = spindle::Method::Put;
//   req.url = "https://api.example.com/items/7";
//   req.headers = {{"content-type", "application/json"}, {"authorization", token}};
//   req.body = R"({"name":"pen"})";
//   auto res = spindle::http::send(req);
//
// The destination must be in the component's `allowed_http_hosts` (manifest
// v1) or `allowed_outbound_hosts` (v2); a URL starting with "/" goes to the
// app itself where `self` is allowed. Redirects are followed by the host.
// Errors (the message is the ABI's name for it):
// - AccessDenied: `destination-not-allowed` (no connection was made);
// - InvalidArgument: `invalid-url`;
// - Io: `request-error` (connection refused, DNS, timeout);
// - Runtime: `runtime-error` (e.g. a response too large);
// - TooManyRequests: `too-many-requests`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/canonical.hpp"
#include "http_types.hpp"
#include "result.hpp"

namespace spindle::http {

struct OutboundRequest {
  Method method = Method::Get;
  std::string url;  // absolute http(s) URL, or "/path" for the app itself
  Headers headers;
  std::optional<std::string> body;  // nullopt: no body
};

struct OutboundResponse {
  uint16_t status = 0;
  Headers headers;  // as the host returns them (names lower case)
  std::string body;

  // The value of the first header called `name`, in any case.
  std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers, name);
  }
};

namespace detail {

inline Error http_error(uint8_t tag) {
  switch (tag) {
    case 1:
      return Error(ErrorKind::AccessDenied, "destination-not-allowed");
    case 2:
      return Error(ErrorKind::InvalidArgument, "invalid-url");
    case 3:
      return Error(ErrorKind::Io, "request-error");
    case 4:
      return Error(ErrorKind::Runtime, "runtime-error");
    case 5:
      return Error(ErrorKind::TooManyRequests, "too-many-requests");
    default:  // 0 (`success`) is not an error a host should return
      return Error(ErrorKind::Other, tag == 0 ? "success" : "unknown http-error");
  }
}

}  // namespace detail

// Sends `req` and waits for the whole response.
inline Result<OutboundResponse> send(const OutboundRequest& req) {
  namespace canon = ::spindle::detail::canon;
  std::vector<canon::Slice> headers;  // (name, value) tuples: 16 bytes each
  headers.reserve(req.headers.size() * 2);
  for (const auto& [name, value] : req.headers) {
    headers.push_back(canon::slice(name));
    headers.push_back(canon::slice(value));
  }
  auto url = canon::slice(req.url);
  auto body = canon::slice(req.body ? std::string_view(*req.body) : std::string_view());
  spindle_import_http_request(static_cast<int32_t>(req.method), url.ptr, url.len,
                              ::spindle::detail::abi::addr(headers.data()),
                              static_cast<int32_t>(req.headers.size()), 0, 0,
                              req.body.has_value() ? 1 : 0, body.ptr, body.len, canon::ret());
  if (canon::field<uint8_t>(0) != 0) return detail::http_error(canon::field<uint8_t>(4));
  OutboundResponse res;
  res.status = canon::field<uint16_t>(4);
  bool has_headers = canon::field<uint8_t>(8) != 0;
  uint32_t list = canon::field<uint32_t>(12), n = canon::field<uint32_t>(16);
  bool has_body = canon::field<uint8_t>(20) != 0;
  uint32_t body_ptr = canon::field<uint32_t>(24), body_len = canon::field<uint32_t>(28);
  if (has_headers) {
    res.headers.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      const uint8_t* e = canon::at(list) + size_t{i} * 16;
      std::string name =
          canon::take_string(canon::load<uint32_t>(e, 0), canon::load<uint32_t>(e, 4));
      std::string value =
          canon::take_string(canon::load<uint32_t>(e, 8), canon::load<uint32_t>(e, 12));
      res.headers.emplace_back(std::move(name), std::move(value));
    }
    canon::release(list, size_t{n} * 16, 4);
  }
  if (has_body) res.body = canon::take_string(body_ptr, body_len);
  return res;
}

// GET `url` with optional request headers.
inline Result<OutboundResponse> get(std::string_view url, Headers headers = {}) {
  OutboundRequest req;
  req.url = std::string(url);
  req.headers = std::move(headers);
  return send(req);
}

// POST `body` to `url` with the given content-type.
inline Result<OutboundResponse> post(std::string_view url, std::string_view body,
                                     std::string_view content_type = "application/octet-stream") {
  OutboundRequest req;
  req.method = Method::Post;
  req.url = std::string(url);
  req.headers.emplace_back("content-type", std::string(content_type));
  req.body = std::string(body);
  return send(req);
}

}  // namespace spindle::http
