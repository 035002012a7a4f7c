// Types shared by incoming requests (spindle/request.hpp) and, later,
// outbound HTTP: the method enum and header lists.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/strings.hpp"

namespace spindle {

// The Spin 1.x HTTP ABI's method enum, in its order (the values are the ABI's).
enum class Method { Get, Post, Put, Delete, Patch, Head, Options };

inline std::string_view to_string(Method m) {
  constexpr std::string_view names[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
  return names[static_cast<int>(m)];
}

// "GET" -> Method::Get (exact, upper case); nullopt for anything else.
inline std::optional<Method> parse_method(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(Method::Options); ++i)
    if (to_string(static_cast<Method>(i)) == s) return static_cast<Method>(i);
  return std::nullopt;
}

// Header (name, value) pairs in order; names compare case-insensitively.
using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of the first header called `name` (any case).
inline std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (detail::iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

}  // namespace spindle
