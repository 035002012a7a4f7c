// The HTTP response a handler returns.
//
//   return spindle::Response(201).header("location", "/items/7").body("created\n");
//   return spindle::Response::json(spindle::json::Object().add("id", 7));
//   return spindle::Response::redirect("/login");
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "http_types.hpp"
#include "json.hpp"

namespace spindle {

class Response {
 public:
  explicit Response(uint16_t status = 200) : status_(status) {}

  // Setters chain, on named responses and on temporaries alike (a temporary
  // chain is moved into the return value, never copied).
  Response& status(uint16_t s) & {
    status_ = s;
    return *this;
  }
  Response&& status(uint16_t s) && { return std::move(status(s)); }

  // Adds a header. The Spin 1.x ABI carries a list, but Spin's host (and
  // spindle, to match it) keeps only the last value of a repeated name: join
  // values with ", " where HTTP allows it.
  Response& header(std::string_view name, std::string_view value) & {
    headers_.emplace_back(std::string(name), std::string(value));
    return *this;
  }
  Response&& header(std::string_view name, std::string_view value) && {
    return std::move(header(name, value));
  }

  // Replaces the body (any bytes).
  Response& body(std::string b) & {
    body_ = std::move(b);
    return *this;
  }
  Response& body(std::string_view b) & { return body(std::string(b)); }
  Response& body(const char* b) & { return body(std::string(b)); }
  Response& body(std::span<const uint8_t> b) & {
    return body(std::string(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  template <class B>
  Response&& body(B&& b) && {
    return std::move(body(std::forward<B>(b)));
  }

  uint16_t status() const { return status_; }
  const Headers& headers() const { return headers_; }
  std::optional<std::string_view> header(std::string_view name) const {
    return find_header(headers_, name);
  }
  const std::string& body() const& { return body_; }
  std::string body() && { return std::move(body_); }

  // 200 text/plain; charset=utf-8.
  static Response text(std::string body, uint16_t status = 200) {
    return Response(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(std::move(body));
  }
  static Response html(std::string body, uint16_t status = 200) {
    return Response(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(std::move(body));
  }
  // application/json; `json_text` must already be JSON (see spindle/json.hpp).
  static Response json(std::string json_text, uint16_t status = 200) {
    return Response(status).header("content-type", "application/json").body(std::move(json_text));
  }
  static Response json(const json::Object& o, uint16_t status = 200) {
    return json(o.str(), status);
  }
  static Response json(const json::Array& a, uint16_t status = 200) {
    return json(a.str(), status);
  }
  // 302 (or 301, 303, 307, 308) with a Location header and no body.
  static Response redirect(std::string_view location, uint16_t status = 302) {
    return Response(status).header("location", location);
  }
  static Response not_found() { return text("Not Found\n", 404); }
  // `status` with `message` and a newline as text/plain.
  static Response error(uint16_t status, std::string_view message) {
    std::string b(message);
    b += '\n';
    return text(std::move(b), status);
  }

 private:
  uint16_t status_;
  Headers headers_;
  std::string body_;
};

}  // namespace spindle
