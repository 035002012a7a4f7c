// spindle's C++ SDK for HTTP components (Spin 1.x HTTP ABI).
//
//   #include <spindle/http.hpp>
//   spindle::Response handle(const spindle::Request& req) {
//     return spindle::Response(200).header("content-type", "text/plain").body("hello\n");
//   }
//   SPINDLE_HTTP_COMPONENT(handle)
//
// SPINDLE_HTTP_COMPONENT generates the exports the Spin 1.x ABI asks for
// (`handle-http-request`, `canonical_abi_realloc`, `canonical_abi_free`), so
// the module runs on spindle and on Spin alike; guest code never touches the
// ABI. Needs no exceptions (works with -fno-exceptions); a handler that
// aborts makes the host answer 500.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spindle {

enum class Method { Get, Post, Put, Delete, Patch, Head, Options };

inline std::string_view to_string(Method m) {
  constexpr std::string_view names[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
  return names[static_cast<int>(m)];
}

using Headers = std::vector<std::pair<std::string, std::string>>;

namespace detail {

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace detail

// Decodes %XX escapes and '+' (as a space, for query strings).
inline std::string url_decode(std::string_view s, bool plus_is_space = true) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && detail::hex_value(s[i + 1]) >= 0 &&
        detail::hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(detail::hex_value(s[i + 1]) * 16 + detail::hex_value(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

namespace json {

// `s` as a JSON string literal, quotes included.
inline std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          static const char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace json

class Request {
 public:
  Request(Method method, std::string uri, Headers headers, std::string body)
      : method_(method),
        uri_(std::move(uri)),
        headers_(std::move(headers)),
        body_(std::move(body)) {
    auto q = uri_.find('?');
    path_ = std::string_view(uri_).substr(0, q);
    if (q != std::string::npos) query_ = std::string_view(uri_).substr(q + 1);
  }

  Method method() const { return method_; }
  std::string_view method_name() const { return to_string(method_); }
  std::string_view uri() const { return uri_; }  // path + query, as sent
  std::string_view path() const { return path_; }
  std::string_view query() const { return query_; }

  // The decoded value of query parameter `name` (first occurrence).
  std::optional<std::string> query_param(std::string_view name) const {
    std::string_view q = query_;
    while (!q.empty()) {
      auto amp = q.find('&');
      std::string_view pair = q.substr(0, amp);
      auto eq = pair.find('=');
      if (url_decode(pair.substr(0, eq)) == name)
        return eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
    }
    return std::nullopt;
  }

  // Case-insensitive header lookup.
  std::optional<std::string_view> header(std::string_view name) const {
    for (const auto& [k, v] : headers_)
      if (detail::iequals(k, name)) return std::string_view(v);
    return std::nullopt;
  }
  const Headers& headers() const { return headers_; }

  std::string_view body() const { return body_; }
  std::span<const uint8_t> body_bytes() const {
    return {reinterpret_cast<const uint8_t*>(body_.data()), body_.size()};
  }

  // Spin's request headers.
  std::string_view path_info() const { return header("spin-path-info").value_or(""); }
  std::string_view matched_route() const { return header("spin-matched-route").value_or(""); }
  std::string_view full_url() const { return header("spin-full-url").value_or(""); }
  std::string_view component_route() const { return header("spin-component-route").value_or(""); }
  std::string_view client_addr() const { return header("spin-client-addr").value_or(""); }
  // A `:name` segment of the manifest route (spin-path-match-<name>).
  std::optional<std::string_view> route_param(std::string_view name) const {
    return header("spin-path-match-" + std::string(name));
  }

 private:
  Method method_;
  std::string uri_;
  Headers headers_;
  std::string body_;
  std::string_view path_, query_;
};

class Response {
 public:
  explicit Response(uint16_t status = 200) : status_(status) {}

  Response& status(uint16_t s) {
    status_ = s;
    return *this;
  }
  Response& header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  Response& body(std::string b) {
    body_ = std::move(b);
    return *this;
  }

  uint16_t status() const { return status_; }
  const Headers& headers() const { return headers_; }
  const std::string& body() const { return body_; }

  static Response text(std::string body, uint16_t status = 200) {
    return Response(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(std::move(body));
  }
  // `json_text` must already be JSON (see json::quote for strings).
  static Response json(std::string json_text, uint16_t status = 200) {
    return Response(status).header("content-type", "application/json").body(std::move(json_text));
  }
  static Response redirect(std::string location, uint16_t status = 302) {
    return Response(status).header("location", std::move(location));
  }
  static Response not_found() { return text("Not Found\n", 404); }

 private:
  uint16_t status_;
  Headers headers_;
  std::string body_;
};

// Routes within one component: "GET /items/:id", "/static/*" (any method).
class Router {
 public:
  using Params = std::vector<std::pair<std::string, std::string>>;
  using Handler = std::function<Response(const Request&, const Params&)>;

  Router& get(std::string pattern, Handler h) {
    return add(Method::Get, std::move(pattern), std::move(h));
  }
  Router& post(std::string pattern, Handler h) {
    return add(Method::Post, std::move(pattern), std::move(h));
  }
  Router& put(std::string pattern, Handler h) {
    return add(Method::Put, std::move(pattern), std::move(h));
  }
  Router& del(std::string pattern, Handler h) {
    return add(Method::Delete, std::move(pattern), std::move(h));
  }
  Router& any(std::string pattern, Handler h) {
    return add(std::nullopt, std::move(pattern), std::move(h));
  }

  // Matches the request's path (or, when the component is mounted on a
  // wildcard route, its spin-path-info) against the routes, in order of
  // registration; 404 when none matches, 405 when only the method differs.
  Response handle(const Request& req) const {
    std::string_view path = req.header("spin-path-info") ? req.path_info() : req.path();
    if (path.empty()) path = "/";
    bool path_matched = false;
    for (const auto& r : routes_) {
      Params params;
      if (!match(r.segments, r.wildcard, path, params)) continue;
      path_matched = true;
      if (r.method && *r.method != req.method()) continue;
      return r.handler(req, params);
    }
    return path_matched ? Response::text("Method Not Allowed\n", 405) : Response::not_found();
  }

 private:
  struct Route {
    std::optional<Method> method;
    std::vector<std::string> segments;
    bool wildcard = false;
    Handler handler;
  };

  static std::vector<std::string_view> split(std::string_view p) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < p.size()) {
      while (i < p.size() && p[i] == '/') ++i;
      size_t j = i;
      while (j < p.size() && p[j] != '/') ++j;
      if (j > i) out.push_back(p.substr(i, j - i));
      i = j;
    }
    return out;
  }

  Router& add(std::optional<Method> m, std::string pattern, Handler h) {
    Route r;
    r.method = m;
    for (auto s : split(pattern)) r.segments.emplace_back(s);
    if (!r.segments.empty() && r.segments.back() == "*") {
      r.wildcard = true;
      r.segments.pop_back();
    }
    r.handler = std::move(h);
    routes_.push_back(std::move(r));
    return *this;
  }

  static bool match(const std::vector<std::string>& want, bool wildcard, std::string_view path,
                    Params& params) {
    auto got = split(path);
    if (wildcard ? got.size() < want.size() : got.size() != want.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      if (!want[i].empty() && want[i][0] == ':')
        params.emplace_back(want[i].substr(1), url_decode(got[i], false));
      else if (want[i] != got[i])
        return false;
    }
    return true;
  }

  std::vector<Route> routes_;
};

// ---- the Spin 1.x HTTP ABI (what SPINDLE_HTTP_COMPONENT exports) ----------

namespace abi {

inline void* realloc_impl(void* ptr, size_t orig_size, size_t align, size_t new_size) {
  (void)orig_size;
  if (new_size == 0) return reinterpret_cast<void*>(align);  // non-null, never dereferenced
  void* p = std::realloc(orig_size ? ptr : nullptr, new_size);
  if (!p) std::abort();
  return p;
}

inline void free_impl(void* ptr, size_t size, size_t align) {
  (void)align;
  if (size) std::free(ptr);
}

// The guest owns what the host passed in: copy it, then release it.
inline std::string take_string(int32_t ptr, int32_t len) {
  auto* p = reinterpret_cast<char*>(static_cast<uintptr_t>(ptr));
  std::string s(p, static_cast<size_t>(len));
  free_impl(p, static_cast<size_t>(len), 1);
  return s;
}

// A malloc'ed copy the host copies out and then frees (canonical_abi_free).
inline int32_t give(std::string_view s) {
  if (s.empty()) return 1;
  void* p = std::malloc(s.size());
  if (!p) std::abort();
  std::memcpy(p, s.data(), s.size());
  return static_cast<int32_t>(reinterpret_cast<uintptr_t>(p));
}

alignas(4) inline uint8_t return_area[28];

template <class T>
inline void put(size_t off, T v) {
  std::memcpy(return_area + off, &v, sizeof v);
}

inline int32_t handle(Response (*fn)(const Request&), int32_t method, int32_t uri_ptr,
                      int32_t uri_len, int32_t hdrs_ptr, int32_t hdrs_len, int32_t params_ptr,
                      int32_t params_len, int32_t body_is_some, int32_t body_ptr,
                      int32_t body_len) {
  std::string uri = take_string(uri_ptr, uri_len);
  Headers headers;
  auto* h = reinterpret_cast<int32_t*>(static_cast<uintptr_t>(hdrs_ptr));
  for (int32_t i = 0; i < hdrs_len; ++i)
    headers.emplace_back(take_string(h[4 * i], h[4 * i + 1]),
                         take_string(h[4 * i + 2], h[4 * i + 3]));
  free_impl(h, static_cast<size_t>(hdrs_len) * 16, 4);
  auto* p = reinterpret_cast<int32_t*>(static_cast<uintptr_t>(params_ptr));
  for (int32_t i = 0; i < params_len; ++i) {
    take_string(p[4 * i], p[4 * i + 1]);
    take_string(p[4 * i + 2], p[4 * i + 3]);
  }
  free_impl(p, static_cast<size_t>(params_len) * 16, 4);
  std::string body = body_is_some ? take_string(body_ptr, body_len) : std::string();

  Request req(static_cast<Method>(method), std::move(uri), std::move(headers), std::move(body));
  Response res = fn(req);

  std::memset(return_area, 0, sizeof return_area);
  put<uint16_t>(0, res.status());
  put<uint8_t>(4, 1);
  const Headers& out = res.headers();
  int32_t list = 4;
  if (!out.empty()) {
    auto* l = static_cast<int32_t*>(std::malloc(out.size() * 16));
    if (!l) std::abort();
    for (size_t i = 0; i < out.size(); ++i) {
      l[4 * i] = give(out[i].first);
      l[4 * i + 1] = static_cast<int32_t>(out[i].first.size());
      l[4 * i + 2] = give(out[i].second);
      l[4 * i + 3] = static_cast<int32_t>(out[i].second.size());
    }
    list = static_cast<int32_t>(reinterpret_cast<uintptr_t>(l));
  }
  put<int32_t>(8, list);
  put<int32_t>(12, static_cast<int32_t>(out.size()));
  put<uint8_t>(16, 1);
  put<int32_t>(20, give(res.body()));
  put<int32_t>(24, static_cast<int32_t>(res.body().size()));
  return static_cast<int32_t>(reinterpret_cast<uintptr_t>(return_area));
}

}  // namespace abi
}  // namespace spindle

// Exports `fn` (spindle::Response (const spindle::Request&)) as the
// component's HTTP handler.
#define SPINDLE_HTTP_COMPONENT(fn)                                                              \
  extern "C" __attribute__((export_name("canonical_abi_realloc"))) void* spindle_abi_realloc(   \
      void* ptr, size_t orig_size, size_t align, size_t new_size) {                             \
    return ::spindle::abi::realloc_impl(ptr, orig_size, align, new_size);                       \
  }                                                                                             \
  extern "C" __attribute__((export_name("canonical_abi_free"))) void spindle_abi_free(          \
      void* ptr, size_t size, size_t align) {                                                   \
    ::spindle::abi::free_impl(ptr, size, align);                                                \
  }                                                                                             \
  extern "C" __attribute__((export_name("handle-http-request"))) int32_t spindle_abi_handle(    \
      int32_t method, int32_t uri_ptr, int32_t uri_len, int32_t hdrs_ptr, int32_t hdrs_len,     \
      int32_t params_ptr, int32_t params_len, int32_t body_is_some, int32_t body_ptr,           \
      int32_t body_len) {                                                                       \
    return ::spindle::abi::handle(fn, method, uri_ptr, uri_len, hdrs_ptr, hdrs_len, params_ptr, \
                                  params_len, body_is_some, body_ptr, body_len);                \
  }
