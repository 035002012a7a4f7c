// Percent-encoding and query strings, and Params: an ordered list of
// (name, value) pairs used for query parameters and router parameters.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/strings.hpp"

namespace spindle {

// Decodes %XX escapes, and '+' as a space when `plus_is_space` (query
// strings; pass false for paths). A '%' not followed by two hex digits is kept
// as is. The result may contain any byte, including NUL and invalid UTF-8.
inline std::string url_decode(std::string_view s, bool plus_is_space = true) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = s[i] == '%' && i + 2 < s.size() ? detail::hex_value(s[i + 1]) : -1;
    int lo = hi >= 0 ? detail::hex_value(s[i + 2]) : -1;
    if (lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// Percent-encodes every byte except the unreserved ones (A-Z a-z 0-9 - . _ ~),
// so the result is safe as a path segment or a query name or value.
inline std::string url_encode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += detail::kHexDigits[c >> 4];
      out += detail::kHexDigits[c & 15];
    }
  }
  return out;
}

// An ordered list of (name, value) pairs; a name may repeat.
//   params.get("id")      first value, or nullopt
//   params["id"]          first value, or "" when missing
//   params.get_all("tag") every value, in order
//   params[0].first       by position (params[0].second is the value)
class Params {
 public:
  using value_type = std::pair<std::string, std::string>;
  using const_iterator = std::vector<value_type>::const_iterator;

  Params() = default;

  void add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }

  std::optional<std::string_view> get(std::string_view name) const {
    for (const auto& [k, v] : items_)
      if (k == name) return std::string_view(v);
    return std::nullopt;
  }
  std::vector<std::string_view> get_all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& [k, v] : items_)
      if (k == name) out.emplace_back(v);
    return out;
  }
  bool has(std::string_view name) const { return get(name).has_value(); }

  std::string_view operator[](std::string_view name) const { return get(name).value_or(""); }
  const value_type& operator[](size_t i) const { return items_[i]; }

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

 private:
  std::vector<value_type> items_;
};

// Parses "a=1&b=x+y&a=%32&flag" into (a,1) (b,x y) (a,2) (flag,""): names and
// values are url_decode()d ('+' is a space), empty pieces ("a=1&&b") are
// skipped, a piece without '=' has the value "". A leading '?' is ignored.
inline Params parse_query(std::string_view query) {
  Params out;
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      out.add(url_decode(piece.substr(0, eq)),
              eq == std::string_view::npos ? std::string() : url_decode(piece.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace spindle
