#include "abi/http.h"

namespace spindle::abi {

std::optional<std::string_view> find_header(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::string_view uri_path(std::string_view uri) {
  size_t q = uri.find('?');
  return q == std::string_view::npos ? uri : uri.substr(0, q);
}

std::string_view uri_query(std::string_view uri) {
  size_t q = uri.find('?');
  return q == std::string_view::npos ? std::string_view() : uri.substr(q + 1);
}

bool is_header_name(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!ok) {
      switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
          ok = true;
          break;
        default:
          break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

bool is_header_value(std::string_view s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

}  // namespace spindle::abi
