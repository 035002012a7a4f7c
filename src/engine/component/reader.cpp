#include "engine/component/reader.h"

#include <cstdio>

#include "util/utf8.h"

namespace spindle::component {

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

uint8_t Reader::u8() {
  if (pos_ >= data_.size()) fail("unexpected end of input");
  return data_[pos_++];
}

uint8_t Reader::peek() const {
  if (pos_ >= data_.size()) fail("unexpected end of input");
  return data_[pos_];
}

uint32_t Reader::u32() {
  uint64_t start = offset();
  uint32_t result = 0;
  for (int i = 0; i < 5; ++i) {
    if (pos_ >= data_.size()) fail("unexpected end of input in a LEB128 integer");
    uint8_t b = data_[pos_++];
    if (i == 4 && (b & 0xf0) != 0)
      fail_at(start, "invalid LEB128 u32: value too large or too long");
    result |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return result;
  }
  fail_at(start, "invalid LEB128 u32: value too large or too long");
}

uint64_t Reader::u64() {
  uint64_t start = offset();
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= data_.size()) fail("unexpected end of input in a LEB128 integer");
    uint8_t b = data_[pos_++];
    if (i == 9 && (b & 0xfe) != 0)
      fail_at(start, "invalid LEB128 u64: value too large or too long");
    result |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return result;
  }
  fail_at(start, "invalid LEB128 u64: value too large or too long");
}

namespace {
// Reads a signed LEB128 of `bits` bits; checks the unused bits of the last
// byte are a sign extension.
int64_t signed_leb(Reader& r, int bits) {
  uint64_t start = r.offset();
  int64_t result = 0;
  int shift = 0;
  int max_bytes = (bits + 6) / 7;
  for (int i = 0; i < max_bytes; ++i) {
    uint8_t b = r.u8();
    result |= static_cast<int64_t>(static_cast<uint64_t>(b & 0x7f) << shift);
    shift += 7;
    if ((b & 0x80) == 0) {
      if (i == max_bytes - 1) {
        int used = bits - 7 * i;  // bits of this byte that carry value
        if (used < 7) {
          int sign = (b >> (used - 1)) & 1;
          int upper = (b & 0x7f) >> used;
          if (upper != (sign ? (0x7f >> used) : 0))
            r.fail_at(start, "invalid signed LEB128: value out of range");
        }
      }
      if (shift < 64 && (b & 0x40)) result |= -(static_cast<int64_t>(1) << shift);
      return result;
    }
  }
  r.fail_at(start, "invalid signed LEB128: too long");
}
}  // namespace

int64_t Reader::s33() { return signed_leb(*this, 33); }
void Reader::skip_s32() { signed_leb(*this, 32); }
void Reader::skip_s64() { signed_leb(*this, 64); }

std::span<const uint8_t> Reader::bytes(size_t n) {
  if (n > remaining())
    fail("unexpected end of input: " + std::to_string(n) + " bytes needed, " +
         std::to_string(remaining()) + " left");
  auto out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Reader Reader::sub(size_t n) {
  uint64_t at = offset();
  auto b = bytes(n);
  return Reader(b, at);
}

std::string Reader::name() {
  uint64_t start = offset();
  uint32_t n = u32();
  auto b = bytes(n);
  std::string s(reinterpret_cast<const char*>(b.data()), b.size());
  if (!util::is_utf8(s)) fail_at(start, "name is not valid UTF-8");
  return s;
}

uint32_t Reader::count(size_t min_size) {
  uint64_t start = offset();
  uint32_t n = u32();
  if (min_size > 0 && n > remaining() / min_size)
    fail_at(start, "vector length " + std::to_string(n) + " exceeds the " +
                       std::to_string(remaining()) + " bytes left");
  return n;
}

void Reader::expect_end(std::string_view what) const {
  if (!at_end())
    fail(std::to_string(remaining()) + " unexpected bytes at the end of the " + std::string(what));
}

}  // namespace spindle::component
