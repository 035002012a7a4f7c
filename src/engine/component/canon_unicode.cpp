#include "engine/component/canon_unicode.h"

namespace spindle::component {

namespace {

// Decodes one scalar value at p[i]; returns its length or 0 if invalid.
size_t utf8_one(const uint8_t* p, size_t n, size_t i, char32_t& c) {
  uint8_t b0 = p[i];
  if (b0 < 0x80) {
    c = b0;
    return 1;
  }
  size_t len;
  char32_t min;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    c = b0 & 0x1f;
    min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    c = b0 & 0x0f;
    min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    c = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (n - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    uint8_t b = p[i + k];
    if ((b & 0xc0) != 0x80) return 0;
    c = (c << 6) | (b & 0x3f);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
  return len;
}

}  // namespace

bool utf8_valid(const uint8_t* p, size_t n, size_t* bad) {
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w = 0;
      for (size_t k = 0; k < 8; ++k) w |= uint64_t{p[i + k]} << (8 * k);
      if ((w & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    char32_t c;
    size_t len = utf8_one(p, n, i, c);
    if (len == 0) {
      if (bad != nullptr) *bad = i;
      return false;
    }
    i += len;
  }
  return true;
}

bool utf8_decode(std::string_view s, std::vector<char32_t>& out, size_t* bad) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  out.clear();
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    char32_t c;
    size_t len = utf8_one(p, s.size(), i, c);
    if (len == 0) {
      if (bad != nullptr) *bad = i;
      return false;
    }
    out.push_back(c);
    i += len;
  }
  return true;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

bool utf16_to_utf8(const uint8_t* p, size_t units, std::string& out, size_t* bad) {
  out.reserve(out.size() + units);
  for (size_t i = 0; i < units; ++i) {
    char32_t u = p[2 * i] | (char32_t{p[2 * i + 1]} << 8);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 1 < units) {
        char32_t v = p[2 * i + 2] | (char32_t{p[2 * i + 3]} << 8);
        if (v >= 0xdc00 && v <= 0xdfff) {
          append_utf8(out, 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00));
          ++i;
          continue;
        }
      }
      if (bad != nullptr) *bad = 2 * i;
      return false;
    }
    if (u >= 0xdc00 && u <= 0xdfff) {
      if (bad != nullptr) *bad = 2 * i;
      return false;
    }
    append_utf8(out, u);
  }
  return true;
}

void latin1_to_utf8(const uint8_t* p, size_t n, std::string& out) {
  out.reserve(out.size() + n);
  for (size_t i = 0; i < n; ++i) append_utf8(out, p[i]);
}

std::string encode_utf8(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) append_utf8(out, c);
  return out;
}

std::string encode_utf16(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(2 * cps.size());
  auto unit = [&](char32_t u) {
    out += static_cast<char>(u & 0xff);
    out += static_cast<char>(u >> 8);
  };
  for (char32_t c : cps) {
    if (c >= 0x10000) {
      c -= 0x10000;
      unit(0xd800 + (c >> 10));
      unit(0xdc00 + (c & 0x3ff));
    } else {
      unit(c);
    }
  }
  return out;
}

size_t utf16_length(const std::vector<char32_t>& cps) {
  size_t n = 0;
  for (char32_t c : cps) n += c >= 0x10000 ? 2 : 1;
  return n;
}

}  // namespace spindle::component
