// Writing JSON: string escaping and a tiny object/array builder.
//
//   auto body = spindle::json::Object()
//                   .add("id", 42)
//                   .add("name", user_input)            // escaped
//                   .add("tags", spindle::json::Array().add("a").add("b"))
//                   .add("owner", nullptr)
//                   .str();   // {"id":42,"name":"...","tags":["a","b"],"owner":null}
//
// Strings: '"', '\\' and the control characters U+0000..U+001F are escaped
// (\" \\ \b \f \n \r \t, else \u00XX); valid UTF-8 is copied as is (no \u
// escapes for non-ASCII, so U+2028/U+2029 pass through too). Invalid UTF-8
// (stray continuation bytes, overlong forms, surrogates, code points past
// U+10FFFF, truncated sequences) never reaches the output: each maximal
// invalid subpart becomes U+FFFD, the way WHATWG's UTF-8 decoder replaces it,
// so the result is always valid JSON in valid UTF-8.
//
// Values: strings (anything convertible to std::string_view), bool, nullptr /
// std::nullopt (null), integers, floating point (the shortest of %.15g, %.16g,
// %.17g that reads back exactly; NaN and infinities become null; using it links
// snprintf, about 20 KB), std::optional<T>, Object, Array, json::Raw (text that
// already is JSON), and ranges of those (std::vector<int> -> [1,2]).
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace spindle::json {

namespace detail {

// Length of the valid UTF-8 sequence at s[i], or 0 when invalid; `bad` then
// gets the length of the maximal invalid subpart to replace (at least 1).
inline size_t utf8_sequence(std::string_view s, size_t i, size_t& bad) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    bad = 1;  // 0x80..0xC1, 0xF5..0xFF
    return 0;
  }
  for (size_t k = 1; k < need; ++k) {
    unsigned char b = i + k < s.size() ? byte(i + k) : 0;
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) {
      bad = k;
      return 0;
    }
  }
  return need;
}

}  // namespace detail

// Appends `s` as a JSON string literal, quotes included.
inline void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t bad = 0, n = detail::utf8_sequence(s, i, bad);
      if (n) {
        out.append(s.data() + i, n);
        i += n;
      } else {
        out += "\xEF\xBF\xBD";  // U+FFFD
        i += bad;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
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
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += "0123456789abcdef"[c >> 4];
          out += "0123456789abcdef"[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

// `s` as a JSON string literal, quotes included.
inline std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_quoted(out, s);
  return out;
}

// Text that already is JSON, inserted verbatim.
struct Raw {
  std::string text;
};

class Object;
class Array;

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
concept Range = requires(const T& t) {
  std::begin(t);
  std::end(t);
};

inline void append_double(std::string& out, double d) {
  if (!(d == d) || d - d != 0) {  // NaN or infinite
    out += "null";
    return;
  }
  char buf[32];
  int n = 0;
  for (int precision = 15; precision <= 17; ++precision) {  // the shortest that reads back
    n = std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  out.append(buf, static_cast<size_t>(n));
}

template <class T>
void append_value(std::string& out, const T& v);

}  // namespace detail

// {"key": value, ...} in insertion order (keys are not deduplicated).
class Object {
 public:
  Object() : text_("{") {}

  template <class V>
  Object& add(std::string_view key, const V& value) & {
    if (text_.size() > 1) text_ += ',';
    append_quoted(text_, key);
    text_ += ':';
    detail::append_value(text_, value);
    return *this;
  }
  template <class V>
  Object&& add(std::string_view key, const V& value) && {
    return std::move(add(key, value));
  }

  bool empty() const { return text_.size() == 1; }
  std::string str() const& { return text_ + '}'; }
  std::string str() && { return std::move(text_ += '}'); }

 private:
  std::string text_;
};

// [value, ...].
class Array {
 public:
  Array() : text_("[") {}

  template <class V>
  Array& add(const V& value) & {
    if (text_.size() > 1) text_ += ',';
    detail::append_value(text_, value);
    return *this;
  }
  template <class V>
  Array&& add(const V& value) && {
    return std::move(add(value));
  }

  bool empty() const { return text_.size() == 1; }
  std::string str() const& { return text_ + ']'; }
  std::string str() && { return std::move(text_ += ']'); }

 private:
  std::string text_;
};

namespace detail {

template <class T>
void append_value(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, std::nullptr_t> || std::is_same_v<T, std::nullopt_t>) {
    out += "null";
  } else if constexpr (std::is_integral_v<T>) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  } else if constexpr (std::is_floating_point_v<T>) {
    append_double(out, static_cast<double>(v));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    append_quoted(out, std::string_view(v));
  } else if constexpr (std::is_same_v<T, Object> || std::is_same_v<T, Array>) {
    out += v.str();
  } else if constexpr (std::is_same_v<T, Raw>) {
    out += v.text;
  } else if constexpr (is_optional<T>::value) {
    if (v)
      append_value(out, *v);
    else
      out += "null";
  } else if constexpr (Range<T>) {
    out += '[';
    bool first = true;
    for (const auto& item : v) {
      if (!first) out += ',';
      first = false;
      append_value(out, item);
    }
    out += ']';
  } else {
    static_assert(sizeof(T) == 0, "spindle::json: no JSON form for this type");
  }
}

}  // namespace detail
}  // namespace spindle::json
