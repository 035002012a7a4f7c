// Strings across the boundary (CanonicalABI.md "Loading" / "Storing"
// strings): decoding utf8, utf16 and latin1+utf16 from guest memory, and the
// spec's transcoding stores with their exact realloc calls (allocate the
// optimistic size, grow to the worst case when needed, shrink to fit).
#include <cstring>

#include "engine/component/canon_abi.h"
#include "engine/component/canon_unicode.h"

namespace spindle::component {

namespace {

const char* enc_name(StringEncoding e) {
  switch (e) {
    case StringEncoding::Utf8:
      return "utf8";
    case StringEncoding::Utf16:
      return "utf16";
    default:
      return "latin1+utf16";
  }
}

}  // namespace

bool load_string_from_range(CanonContext& cx, uint32_t ptr, uint32_t tagged, Val& out) {
  uint64_t byte_length = tagged;
  uint32_t align = 1;
  enum { U8, U16, L1 } how = U8;
  switch (cx.opts.encoding) {
    case StringEncoding::Utf8:
      break;
    case StringEncoding::Utf16:
      align = 2;
      byte_length = 2 * uint64_t{tagged};
      how = U16;
      break;
    case StringEncoding::Latin1Utf16:
      align = 2;
      if ((tagged & kUtf16Tag) != 0) {
        byte_length = 2 * uint64_t{tagged ^ kUtf16Tag};
        how = U16;
      } else {
        how = L1;
      }
      break;
  }
  if (byte_length > kMaxStringByteLength)
    return cx.trap("string of " + std::to_string(byte_length) + " bytes is longer than the limit");
  if (!cx.check_range(ptr, byte_length, align, "string")) return false;
  // UTF-8 from UTF-16 may take 1.5 bytes per byte.
  if (!cx.charge(how == U8 ? byte_length : byte_length * 2)) return false;
  const uint8_t* p = cx.mem.data + ptr;
  std::string text;
  size_t bad = 0;
  bool valid = true;
  switch (how) {
    case U8:
      valid = utf8_valid(p, byte_length, &bad);
      if (valid) text.assign(reinterpret_cast<const char*>(p), byte_length);
      break;
    case U16:
      valid = utf16_to_utf8(p, byte_length / 2, text, &bad);
      break;
    case L1:
      latin1_to_utf8(p, byte_length, text);
      break;
  }
  if (!valid)
    return cx.trap(std::string("string at ") + std::to_string(ptr) + " is not valid " +
                   (how == U8 ? "UTF-8" : "UTF-16") + " (at byte " + std::to_string(bad) + ")");
  out = Val::string(std::move(text), cx.opts.encoding, tagged);
  return true;
}

namespace {

struct Src {
  std::string_view utf8;
  std::vector<char32_t> cps;  // decoded unless a utf8 -> utf8 copy
  uint64_t code_units = 0;    // in the source's simple encoding
  enum { U8, U16, L1 } simple = U8;
};

bool write(CanonContext& cx, uint32_t ptr, const std::string& bytes, size_t from = 0) {
  if (from >= bytes.size()) return true;
  if (!cx.mem.in_bounds(uint64_t{ptr} + from, bytes.size() - from))
    return cx.trap_oob("string store outside memory");
  std::memcpy(cx.mem.data + ptr + from, bytes.data() + from, bytes.size() - from);
  return true;
}

bool too_big(CanonContext& cx, uint64_t n) {
  if (n <= 0xffffffffu) return false;
  cx.trap("string too long to lower (" + std::to_string(n) + " bytes)");
  return true;
}

// store_string_copy
bool copy(CanonContext& cx, const Src& s, uint32_t unit, uint32_t align, uint32_t& ptr,
          uint32_t& units) {
  uint64_t len = unit * s.code_units;
  if (too_big(cx, len) || !cx.allocate(align, static_cast<uint32_t>(len), ptr)) return false;
  if (!cx.check_range(ptr, len, align, "realloc result for a string")) return false;
  if (unit == 1 && s.simple == Src::U8) {
    std::memcpy(cx.mem.data + ptr, s.utf8.data(), len);
  } else if (unit == 1) {  // latin1 -> latin1
    for (size_t i = 0; i < s.cps.size(); ++i) cx.mem.data[ptr + i] = static_cast<uint8_t>(s.cps[i]);
  } else {
    if (!write(cx, ptr, encode_utf16(s.cps))) return false;
  }
  units = static_cast<uint32_t>(s.code_units);
  return true;
}

// store_string_to_utf8 (from utf16 or latin1)
bool to_utf8(CanonContext& cx, const Src& s, uint64_t worst, uint32_t& ptr, uint32_t& units) {
  uint32_t n = static_cast<uint32_t>(s.code_units);
  if (!cx.allocate(1, n, ptr) || !cx.check_range(ptr, n, 1, "realloc result for a string"))
    return false;
  for (size_t i = 0; i < s.cps.size(); ++i) {
    if (s.cps[i] < 0x80) {
      cx.mem.data[ptr + i] = static_cast<uint8_t>(s.cps[i]);
      continue;
    }
    if (too_big(cx, worst)) return false;
    uint32_t w = static_cast<uint32_t>(worst);
    if (!cx.reallocate(ptr, n, 1, w, ptr) ||
        !cx.check_range(ptr, w, 1, "realloc result for a string"))
      return false;
    std::string encoded = encode_utf8(s.cps);
    if (!write(cx, ptr, encoded, i)) return false;
    uint32_t len = static_cast<uint32_t>(encoded.size());
    if (w > len) {
      if (!cx.reallocate(ptr, w, 1, len, ptr) ||
          !cx.check_range(ptr, len, 1, "realloc result for a string"))
        return false;
    }
    units = len;
    return true;
  }
  units = n;
  return true;
}

// store_utf8_to_utf16
bool utf8_to_utf16(CanonContext& cx, const Src& s, uint32_t& ptr, uint32_t& units) {
  uint64_t worst = 2 * s.code_units;
  if (too_big(cx, worst)) return false;
  uint32_t w = static_cast<uint32_t>(worst);
  if (!cx.allocate(2, w, ptr) || !cx.check_range(ptr, w, 2, "realloc result for a string"))
    return false;
  std::string encoded = encode_utf16(s.cps);
  if (!write(cx, ptr, encoded)) return false;
  uint32_t len = static_cast<uint32_t>(encoded.size());
  if (len < w) {
    if (!cx.reallocate(ptr, w, 2, len, ptr) ||
        !cx.check_range(ptr, len, 2, "realloc result for a string"))
      return false;
  }
  units = len / 2;
  return true;
}

// store_string_to_latin1_or_utf16
bool to_latin1_or_utf16(CanonContext& cx, const Src& s, uint32_t& ptr, uint32_t& units) {
  if (too_big(cx, s.code_units)) return false;
  uint32_t n = static_cast<uint32_t>(s.code_units);
  if (!cx.allocate(2, n, ptr) || !cx.check_range(ptr, n, 2, "realloc result for a string"))
    return false;
  uint32_t dst = 0;
  for (char32_t c : s.cps) {
    if (c < 0x100) {
      cx.mem.data[ptr + dst] = static_cast<uint8_t>(c);
      dst += 1;
      continue;
    }
    uint64_t worst = 2 * uint64_t{n};
    if (too_big(cx, worst)) return false;
    uint32_t w = static_cast<uint32_t>(worst);
    if (!cx.reallocate(ptr, n, 2, w, ptr) ||
        !cx.check_range(ptr, w, 2, "realloc result for a string"))
      return false;
    for (uint32_t j = dst; j-- > 0;) {
      cx.mem.data[ptr + 2 * j] = cx.mem.data[ptr + j];
      cx.mem.data[ptr + 2 * j + 1] = 0;
    }
    std::string encoded = encode_utf16(s.cps);
    if (!write(cx, ptr, encoded, 2 * size_t{dst})) return false;
    uint32_t len = static_cast<uint32_t>(encoded.size());
    if (w > len) {
      if (!cx.reallocate(ptr, w, 2, len, ptr) ||
          !cx.check_range(ptr, len, 2, "realloc result for a string"))
        return false;
    }
    units = (len / 2) | kUtf16Tag;
    return true;
  }
  if (dst < n) {
    if (!cx.reallocate(ptr, n, 2, dst, ptr) ||
        !cx.check_range(ptr, dst, 2, "realloc result for a string"))
      return false;
  }
  units = dst;
  return true;
}

// store_probably_utf16_to_latin1_or_utf16
bool probably_utf16(CanonContext& cx, const Src& s, uint32_t& ptr, uint32_t& units) {
  uint64_t sbl = 2 * s.code_units;
  if (too_big(cx, sbl)) return false;
  uint32_t b = static_cast<uint32_t>(sbl);
  if (!cx.allocate(2, b, ptr) || !cx.check_range(ptr, b, 2, "realloc result for a string"))
    return false;
  std::string encoded = encode_utf16(s.cps);
  if (!write(cx, ptr, encoded)) return false;
  uint32_t len = static_cast<uint32_t>(encoded.size());
  for (char32_t c : s.cps) {
    if (c >= 0x100) {
      units = (len / 2) | kUtf16Tag;
      return true;
    }
  }
  uint32_t latin1 = len / 2;
  for (uint32_t i = 0; i < latin1; ++i) cx.mem.data[ptr + i] = cx.mem.data[ptr + 2 * i];
  if (!cx.reallocate(ptr, b, 1, latin1, ptr) ||
      !cx.check_range(ptr, latin1, 1, "realloc result for a string"))
    return false;
  units = latin1;
  return true;
}

}  // namespace

bool store_string_into_range(CanonContext& cx, const Val& v, uint32_t& ptr, uint32_t& units) {
  if (!v.is(ValKind::String))
    return cx.trap(std::string("a string was expected, the value is a ") + to_string(v.kind()));
  Src s;
  s.utf8 = v.as_string();
  if (s.utf8.size() > kMaxStringByteLength)
    return cx.trap("string of " + std::to_string(s.utf8.size()) + " bytes is too long to lower");
  size_t bad = 0;
  StringEncoding dst = cx.opts.encoding;
  StringEncoding src = v.string_encoding();
  bool need_cps = !(src == StringEncoding::Utf8 && dst == StringEncoding::Utf8);
  if (need_cps ? !utf8_decode(s.utf8, s.cps, &bad)
               : !utf8_valid(reinterpret_cast<const uint8_t*>(s.utf8.data()), s.utf8.size(), &bad))
    return cx.trap("the string to lower is not valid UTF-8 (at byte " + std::to_string(bad) + ")");
  switch (src) {
    case StringEncoding::Utf8:
      s.code_units = s.utf8.size();
      break;
    case StringEncoding::Utf16:
      s.simple = Src::U16;
      s.code_units = utf16_length(s.cps);
      break;
    case StringEncoding::Latin1Utf16: {
      bool latin1 = (v.string_code_units() & kUtf16Tag) == 0;
      for (char32_t c : s.cps) latin1 = latin1 && c < 0x100;
      s.simple = latin1 ? Src::L1 : Src::U16;
      s.code_units = latin1 ? s.cps.size() : utf16_length(s.cps);
      break;
    }
  }
  switch (dst) {
    case StringEncoding::Utf8:
      if (s.simple == Src::U8) return copy(cx, s, 1, 1, ptr, units);
      return to_utf8(cx, s, s.code_units * (s.simple == Src::U16 ? 3 : 2), ptr, units);
    case StringEncoding::Utf16:
      if (s.simple == Src::U8) return utf8_to_utf16(cx, s, ptr, units);
      return copy(cx, s, 2, 2, ptr, units);
    case StringEncoding::Latin1Utf16:
      if (src != StringEncoding::Latin1Utf16) return to_latin1_or_utf16(cx, s, ptr, units);
      if (s.simple == Src::L1) return copy(cx, s, 1, 2, ptr, units);
      return probably_utf16(cx, s, ptr, units);
  }
  return cx.trap(std::string("unknown string encoding ") + enc_name(dst));
}

}  // namespace spindle::component
