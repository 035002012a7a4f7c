#include "util/units.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace spindle::util {
namespace {

// Splits "12.5MiB" into 12.5 and "MiB" (suffix lower-cased).
bool split_number(std::string_view text, double& number, std::string& suffix) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0) return false;
  std::string num(text.substr(0, i));
  char* end = nullptr;
  number = std::strtod(num.c_str(), &end);
  if (!end || *end != '\0' || !std::isfinite(number) || number < 0) return false;
  suffix.clear();
  for (char c : text.substr(i)) {
    if (c == ' ') continue;
    suffix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return true;
}

}  // namespace

std::optional<uint64_t> parse_memory_size(std::string_view text) {
  double n;
  std::string s;
  if (!split_number(text, n, s)) return std::nullopt;
  double mult;
  if (s.empty() || s == "b")
    mult = 1;
  else if (s == "k" || s == "kb" || s == "kib")
    mult = 1024.0;
  else if (s == "m" || s == "mb" || s == "mib")
    mult = 1024.0 * 1024;
  else if (s == "g" || s == "gb" || s == "gib")
    mult = 1024.0 * 1024 * 1024;
  else if (s == "p" || s == "page" || s == "pages")
    mult = 65536;
  else
    return std::nullopt;
  double bytes = n * mult;
  if (bytes > 1e15) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  double n;
  std::string s;
  if (!split_number(text, n, s)) return std::nullopt;
  double ns;
  if (s.empty() || s == "s")
    ns = n * 1e9;
  else if (s == "ms")
    ns = n * 1e6;
  else if (s == "us" || s == "µs")
    ns = n * 1e3;
  else if (s == "ns")
    ns = n;
  else if (s == "m" || s == "min")
    ns = n * 60e9;
  else
    return std::nullopt;
  if (ns > 1e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(ns));
}

}  // namespace spindle::util
