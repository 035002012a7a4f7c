// A dynamic component-model value (CanonicalABI.md "Values"): what the host
// builds and reads when it calls a guest export or serves a guest import.
// The type gives the meaning: a record, a tuple and a variant all hold their
// parts by position (field and case names live in the type); an own/borrow
// holds the resource's representation (`rep`), as the spec's host-facing
// values do.
//
//   Val v = Val::record({Val::string("x"), Val::u32(7)});
//   v.as_record()[1].as_u32();
//   Val::some(Val::bytes("body"))        // option<list<u8>>
//   Val::err(Val::enumeration(3))        // result<_, some-enum>
//
// Strings are UTF-8. A string lifted from a guest remembers the encoding and
// the (tagged) code-unit count it had there, so lowering it follows the
// spec's allocation sizes exactly; host-made strings are UTF-8 sources.
// Lists of u8 lift to the compact `Bytes` form; lowering accepts a list<u8>
// as either `Bytes` or a `List` of `u8`s.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/component/model.h"

namespace spindle::component {

enum class ValKind : uint8_t {
  Bool,
  S8,
  U8,
  S16,
  U16,
  S32,
  U32,
  S64,
  U64,
  F32,
  F64,
  Char,
  String,
  List,
  Bytes,  // a list<u8>, compactly
  Record,
  Tuple,
  Variant,
  Enum,
  Option,
  Result,
  Flags,
  Own,
  Borrow,
};

const char* to_string(ValKind k);

// The position of a record field, variant case, or enum/flags label named
// `name` in `d` (option: "none"/"some", result: "ok"/"error"), for hosts
// that build values by name: Val::variant(*label_index(def, "timeout")).
std::optional<uint32_t> label_index(const TypeDef& d, std::string_view name);

class Val {
 public:
  Val() = default;  // a `false` bool

  static Val boolean(bool b) { return scalar(ValKind::Bool, b ? 1 : 0); }
  static Val s8(int8_t v) { return scalar(ValKind::S8, static_cast<uint64_t>(v)); }
  static Val u8(uint8_t v) { return scalar(ValKind::U8, v); }
  static Val s16(int16_t v) { return scalar(ValKind::S16, static_cast<uint64_t>(v)); }
  static Val u16(uint16_t v) { return scalar(ValKind::U16, v); }
  static Val s32(int32_t v) { return scalar(ValKind::S32, static_cast<uint64_t>(v)); }
  static Val u32(uint32_t v) { return scalar(ValKind::U32, v); }
  static Val s64(int64_t v) { return scalar(ValKind::S64, static_cast<uint64_t>(v)); }
  static Val u64(uint64_t v) { return scalar(ValKind::U64, v); }
  static Val f32(float v);
  static Val f64(double v);
  // A Unicode scalar value; lowering traps on surrogates and > 0x10ffff.
  static Val character(char32_t c) { return scalar(ValKind::Char, c); }
  static Val string(std::string utf8);
  // A string lifted from a guest: its text and how it was encoded there.
  static Val string(std::string utf8, StringEncoding src, uint32_t tagged_code_units);
  static Val list(std::vector<Val> elems) { return aggregate(ValKind::List, std::move(elems)); }
  static Val bytes(std::string_view b);
  static Val record(std::vector<Val> fields) {
    return aggregate(ValKind::Record, std::move(fields));
  }
  static Val tuple(std::vector<Val> elems) { return aggregate(ValKind::Tuple, std::move(elems)); }
  static Val variant(uint32_t case_index, std::optional<Val> payload = std::nullopt) {
    return with_case(ValKind::Variant, case_index, std::move(payload));
  }
  static Val enumeration(uint32_t case_index) { return with_case(ValKind::Enum, case_index, {}); }
  static Val none() { return with_case(ValKind::Option, 0, {}); }
  static Val some(Val v) { return with_case(ValKind::Option, 1, std::move(v)); }
  static Val ok(std::optional<Val> v = std::nullopt) {
    return with_case(ValKind::Result, 0, std::move(v));
  }
  static Val err(std::optional<Val> v = std::nullopt) {
    return with_case(ValKind::Result, 1, std::move(v));
  }
  // Bit i set: the i-th label of the flags type is present (at most 32).
  static Val flags(uint32_t bits) { return scalar(ValKind::Flags, bits); }
  static Val own(uint32_t rep) { return scalar(ValKind::Own, rep); }
  static Val borrow(uint32_t rep) { return scalar(ValKind::Borrow, rep); }

  ValKind kind() const { return kind_; }
  bool is(ValKind k) const { return kind_ == k; }

  // Readers. Each expects its kind (checked only by `is`); a mismatched
  // read returns the raw bits, never undefined behaviour.
  bool as_bool() const { return bits_ != 0; }
  int8_t as_s8() const { return static_cast<int8_t>(bits_); }
  uint8_t as_u8() const { return static_cast<uint8_t>(bits_); }
  int16_t as_s16() const { return static_cast<int16_t>(bits_); }
  uint16_t as_u16() const { return static_cast<uint16_t>(bits_); }
  int32_t as_s32() const { return static_cast<int32_t>(bits_); }
  uint32_t as_u32() const { return static_cast<uint32_t>(bits_); }
  int64_t as_s64() const { return static_cast<int64_t>(bits_); }
  uint64_t as_u64() const { return bits_; }
  float as_f32() const;
  double as_f64() const;
  char32_t as_char() const { return static_cast<char32_t>(bits_); }
  std::string_view as_string() const { return str_; }  // String (UTF-8) and Bytes
  std::string_view as_bytes() const { return str_; }
  std::span<const Val> as_list() const { return elems_; }
  std::span<const Val> as_record() const { return elems_; }
  std::span<const Val> as_tuple() const { return elems_; }
  std::vector<Val>& elems() { return elems_; }  // List, Record, Tuple: mutable
  // Variant, Enum, Option (0 none, 1 some), Result (0 ok, 1 err).
  uint32_t case_index() const { return aux_; }
  const Val* payload() const { return elems_.empty() ? nullptr : &elems_.front(); }
  bool is_some() const { return kind_ == ValKind::Option && aux_ == 1; }
  bool is_ok() const { return kind_ == ValKind::Result && aux_ == 0; }
  uint32_t as_flags() const { return static_cast<uint32_t>(bits_); }
  bool flag(uint32_t i) const { return i < 32 && ((bits_ >> i) & 1) != 0; }
  uint32_t rep() const { return static_cast<uint32_t>(bits_); }  // Own, Borrow

  // List or Bytes: the number of elements.
  size_t list_size() const { return kind_ == ValKind::Bytes ? str_.size() : elems_.size(); }

  // How a lifted string was encoded in its guest (host strings: utf8).
  StringEncoding string_encoding() const { return static_cast<StringEncoding>(enc_); }
  uint32_t string_code_units() const { return aux_; }

  // Deep equality. Strings compare by text (not by source encoding), floats
  // by bits except that all NaNs are equal, Bytes equals a List of u8s.
  bool operator==(const Val& o) const;

  // A short rendering for messages and test failures: `{1, "x", some(2)}`.
  std::string debug() const;

 private:
  static Val scalar(ValKind k, uint64_t bits) {
    Val v;
    v.kind_ = k;
    v.bits_ = bits;
    return v;
  }
  static Val aggregate(ValKind k, std::vector<Val> elems) {
    Val v;
    v.kind_ = k;
    v.elems_ = std::move(elems);
    return v;
  }
  static Val with_case(ValKind k, uint32_t c, std::optional<Val> payload);

  ValKind kind_ = ValKind::Bool;
  uint8_t enc_ = 0;         // String: StringEncoding of the source
  uint32_t aux_ = 0;        // case index; String: tagged code units in the source
  uint64_t bits_ = 0;       // scalars (floats by their bits), flags, rep
  std::string str_;         // String, Bytes
  std::vector<Val> elems_;  // List, Record, Tuple; the payload of a case
};

}  // namespace spindle::component
