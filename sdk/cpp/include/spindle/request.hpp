// An incoming HTTP request, as the host delivers it (the Spin 1.x HTTP ABI,
// or wasi:http with -DSPINDLE_WASI_HTTP: see detail/wasi_http.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "http_types.hpp"
#include "url.hpp"

namespace spindle {

namespace detail {

// Bytes in a malloc'ed block it owns. The ABI glue adopts the block the host
// wrote the request body into, so a large body is never copied.
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::string_view bytes) { assign(bytes); }
  static Buffer adopt(char* data, size_t size) {
    Buffer b;
    b.data_ = data;
    b.size_ = size;
    return b;
  }
  Buffer(const Buffer& o) { assign(o.view()); }
  Buffer(Buffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(o.size_) {}
  Buffer& operator=(Buffer o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  ~Buffer() { std::free(data_); }

  std::string_view view() const { return {data_ ? data_ : "", data_ ? size_ : 0}; }

 private:
  void assign(std::string_view bytes) {
    if (bytes.empty()) return;
    data_ = static_cast<char*>(std::malloc(bytes.size()));
    if (!data_) __builtin_trap();
    std::memcpy(data_, bytes.data(), bytes.size());
    size_ = bytes.size();
  }
  char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace detail

class Request {
 public:
  Request(Method method, std::string uri, Headers headers, std::string_view body = {})
      : Request(method, std::move(uri), std::move(headers), detail::Buffer(body)) {}
  Request(Method method, std::string uri, Headers headers, detail::Buffer body)
      : method_(method),
        uri_(std::move(uri)),
        headers_(std::move(headers)),
        body_(std::move(body)),
        path_len_(std::string_view(uri_).find('?')) {
    if (path_len_ == std::string_view::npos) path_len_ = uri_.size();
    query_params_ = parse_query(query());
  }

  Method method() const { return method_; }
  std::string_view method_name() const { return to_string(method_); }

  // The request target as sent: path + query ("/items/4?x=1"), not decoded.
  std::string_view uri() const { return uri_; }
  // The path part of uri() ("/items/4"), not decoded.
  std::string_view path() const { return std::string_view(uri_).substr(0, path_len_); }
  // The raw query string after '?' ("" when none).
  std::string_view query() const {
    return path_len_ < uri_.size() ? std::string_view(uri_).substr(path_len_ + 1) : "";
  }

  // Every query parameter, decoded, in order (see parse_query).
  const Params& query_params() const { return query_params_; }
  // The decoded value of the first query parameter `name`; "" for "?name".
  std::optional<std::string> query_param(std::string_view name) const {
    auto v = query_params_.get(name);
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  }

  // The first header called `name`, in any case ("Content-Type" finds
  // "content-type").
  std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers_, name);
  }
  const Headers& headers() const { return headers_; }
  std::string_view content_type() const { return header("content-type").value_or(""); }

  std::string_view body() const { return body_.view(); }
  std::span<const uint8_t> body_bytes() const {
    auto b = body_.view();
    return {reinterpret_cast<const uint8_t*>(b.data()), b.size()};
  }

  // The headers Spin adds to every request ("" when absent).
  // The path after the matched route: "/a/b" for route "/api/..." and path
  // "/api/a/b"; "" for an exact route.
  std::string_view path_info() const { return spin("spin-path-info"); }
  std::string_view matched_route() const { return spin("spin-matched-route"); }  // "/api/..."
  std::string_view full_url() const { return spin("spin-full-url"); }  // "http://host:port/..."
  std::string_view base_path() const { return spin("spin-base-path"); }
  std::string_view component_route() const { return spin("spin-component-route"); }
  std::string_view raw_component_route() const { return spin("spin-raw-component-route"); }
  std::string_view client_addr() const { return spin("spin-client-addr"); }  // "ip:port"
  // A `:name` segment of the manifest route (header spin-path-match-<name>),
  // e.g. route_param("id") for route = "/users/:id".
  std::optional<std::string_view> route_param(std::string_view name) const {
    std::string key = "spin-path-match-";
    key += name;
    return header(key);
  }

 private:
  std::string_view spin(std::string_view name) const { return header(name).value_or(""); }

  Method method_;
  std::string uri_;
  Headers headers_;
  detail::Buffer body_;
  size_t path_len_;
  Params query_params_;
};

}  // namespace spindle
