// A bounds-checked reader over the bytes of a component or core module:
// LEB128 integers, names, sub-ranges. Every failure throws ParseError with
// the absolute byte offset, so no read goes past the end of its range.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace spindle::component {

struct ParseError : std::runtime_error {
  ParseError(uint64_t at, const std::string& what) : std::runtime_error(what), offset(at) {}
  uint64_t offset;
};

std::string hex(uint64_t v);  // "0x1a3"

class Reader {
 public:
  // `base` is the absolute offset of data[0] (for messages).
  Reader(std::span<const uint8_t> data, uint64_t base) : data_(data), base_(base) {}

  uint64_t offset() const { return base_ + pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  std::span<const uint8_t> data() const { return data_; }
  size_t pos() const { return pos_; }

  [[noreturn]] void fail(const std::string& what) const { throw ParseError(offset(), what); }
  [[noreturn]] void fail_at(uint64_t at, const std::string& what) const {
    throw ParseError(at, what);
  }

  uint8_t u8();
  uint8_t peek() const;
  uint32_t u32();  // unsigned LEB128, at most 5 bytes
  uint64_t u64();  // unsigned LEB128, at most 10 bytes
  int64_t s33();   // signed LEB128 of 33 bits (block/heap types)
  void skip_s32();
  void skip_s64();
  std::string name();  // u32 length + UTF-8
  std::span<const uint8_t> bytes(size_t n);
  // A reader over the next n bytes; this reader moves past them.
  Reader sub(size_t n);
  // Reads a `vec` count and checks it cannot exceed the bytes left (each
  // element takes at least `min_size` bytes), so a bad count cannot make the
  // caller reserve or loop for long.
  uint32_t count(size_t min_size = 1);
  void expect_end(std::string_view what) const;

 private:
  std::span<const uint8_t> data_;
  uint64_t base_;
  size_t pos_ = 0;
};

}  // namespace spindle::component
