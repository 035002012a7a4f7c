// Strings in every encoding pair (run_tests.py test_string over its
// fun_strings), the spec's realloc sizing, and the traps it requires.
#include <gtest/gtest.h>

#include <array>

#include "component_canon_util.h"
#include "engine/component/canon_unicode.h"

namespace spindle::component {
namespace {

using namespace testing;
using E = StringEncoding;
using Cps = std::vector<char32_t>;

const std::vector<Cps>& fun_strings() {
  static const std::vector<Cps> k = {
      {},
      {'a'},
      {'h', 'i'},
      {0},
      {'a', 0, 'b'},
      {0x80},
      {0x80, 'b'},
      {'a', 'b', 0xef, 'c'},
      {0x1ff, 'y'},
      {'x', 'y', 0x1ff},
      {'a', 0xd7ff, 'b'},
      {'a', 0x2ff, 0x3ff, 0x4ff, 'b', 'c'},
      {0xf123},
      {0xf123, 0xf123, 'a', 'b', 'c'},
      {'a', 'b', 'c', 'd', 'e', 'f', 0xf123},
      // beyond run_tests.py: astral code points (surrogate pairs in UTF-16)
      {0x1f600},
      {'a', 0x10ffff, 0xe9, 'z'},
  };
  return k;
}

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

// test_string_internal: lift `encoded` in `src`, lower it in `dst`, lift again.
void string_case(E src, E dst, const Cps& s, const std::vector<uint8_t>& encoded, uint32_t tagged) {
  Types ty;
  Layouts ls(ty.file);
  Heap heap(encoded);
  AbiOptions o = heap.options(src);
  CanonContext cx(ls, o, nullptr);
  std::vector<CoreValType> ts{CoreValType::I32, CoreValType::I32};
  std::vector<engine::Value> vs{engine::Value::from_i32(0), engine::Value::from_i32(tagged)};
  FlatReader in(vs, ts);
  Val got;
  ASSERT_TRUE(lift_flat(cx, in, Types::p(PrimType::String), got)) << cx.error.message;
  std::string utf8 = encode_utf8(s);
  EXPECT_EQ(got, Val::string(utf8));
  EXPECT_EQ(got.string_encoding(), src);
  EXPECT_EQ(got.string_code_units(), tagged);

  Heap heap2(5 * encoded.size());
  AbiOptions o2 = heap2.options(dst);
  CanonContext cx2(ls, o2, nullptr);
  FlatWriter w;
  ASSERT_TRUE(lower_flat(cx2, got, Types::p(PrimType::String), w)) << cx2.error.message;
  FlatReader in2(w.values, w.types);
  Val again;
  ASSERT_TRUE(lift_flat(cx2, in2, Types::p(PrimType::String), again)) << cx2.error.message;
  EXPECT_EQ(again.as_string(), utf8);
}

bool latin1(const Cps& s) {
  for (char32_t c : s)
    if (c >= 0x100) return false;
  return true;
}

TEST(ComponentCanonStrings, EveryEncodingPair) {
  for (E src : {E::Utf8, E::Utf16, E::Latin1Utf16}) {
    for (E dst : {E::Utf8, E::Utf16, E::Latin1Utf16}) {
      for (const Cps& s : fun_strings()) {
        SCOPED_TRACE(std::to_string(int(src)) + "->" + std::to_string(int(dst)) + " " +
                     encode_utf8(s));
        if (src == E::Utf8) {
          std::string e = encode_utf8(s);
          string_case(src, dst, s, bytes(e), static_cast<uint32_t>(e.size()));
        } else if (src == E::Utf16) {
          std::string e = encode_utf16(s);
          string_case(src, dst, s, bytes(e), static_cast<uint32_t>(e.size() / 2));
        } else {
          if (latin1(s)) {
            std::vector<uint8_t> e(s.begin(), s.end());
            string_case(src, dst, s, e, static_cast<uint32_t>(e.size()));
          }
          std::string e = encode_utf16(s);
          string_case(src, dst, s, bytes(e), static_cast<uint32_t>(e.size() / 2) | kUtf16Tag);
        }
      }
    }
  }
}

// Lifts a string from `memory` and expects a trap of `kind`.
void lift_traps(E enc, std::vector<uint8_t> memory, uint32_t ptr, uint32_t units,
                engine::TrapKind kind = engine::TrapKind::HostError) {
  Types ty;
  Layouts ls(ty.file);
  Heap heap(std::move(memory));
  AbiOptions o = heap.options(enc);
  CanonContext cx(ls, o, nullptr);
  Val v;
  EXPECT_FALSE(load_string_from_range(cx, ptr, units, v)) << v.debug();
  EXPECT_EQ(cx.error.trap, kind) << cx.error.message;
  EXPECT_NE(cx.error.message.find("canonical ABI"), std::string::npos) << cx.error.message;
}

TEST(ComponentCanonStrings, InvalidTextTraps) {
  lift_traps(E::Utf8, {0xff}, 0, 1);
  lift_traps(E::Utf8, {0xc0, 0x80}, 0, 2);              // overlong NUL
  lift_traps(E::Utf8, {0xed, 0xa0, 0x80}, 0, 3);        // a surrogate
  lift_traps(E::Utf8, {'a', 0xe2, 0x82}, 0, 3);         // truncated
  lift_traps(E::Utf8, {0xf4, 0x90, 0x80, 0x80}, 0, 4);  // above 0x10ffff
  lift_traps(E::Utf16, {0x00, 0xd8}, 0, 1);             // lone high surrogate
  lift_traps(E::Utf16, {0x00, 0xdc, 'a', 0}, 0, 2);     // lone low surrogate
  lift_traps(E::Utf16, {0x00, 0xd8, 'a', 0}, 0, 2);     // high then not low
  lift_traps(E::Latin1Utf16, {0x00, 0xdc}, 0, 1 | kUtf16Tag);
}

TEST(ComponentCanonStrings, AlignmentBoundsAndLengthTraps) {
  using T = engine::TrapKind;
  lift_traps(E::Utf16, {0, 'a', 0, 0}, 1, 1);  // misaligned
  lift_traps(E::Latin1Utf16, {0, 'a', 'b'}, 1, 2);
  lift_traps(E::Utf8, {'a', 'b'}, 1, 2, T::OutOfBounds);
  lift_traps(E::Utf8, {'a', 'b'}, 3, 0, T::OutOfBounds);
  lift_traps(E::Utf8, {'a', 'b'}, 0xffffffffu, 2, T::OutOfBounds);
  lift_traps(E::Utf16, {'a', 0}, 0, 2, T::OutOfBounds);
  lift_traps(E::Utf8, {'a'}, 0, 1u << 28);      // longer than the limit
  lift_traps(E::Utf16, {'a', 0}, 0, 1u << 27);  // 2^28 bytes
  lift_traps(E::Latin1Utf16, {'a', 0}, 0, (1u << 27) | kUtf16Tag);
  lift_traps(E::Utf8, {'a'}, 0, 0xffffffffu);
  // Strings of the limit's length exactly are only bounds-checked.
  lift_traps(E::Utf8, {'a'}, 0, (1u << 28) - 1, T::OutOfBounds);
}

// Lowers `s` (a host string, or one lifted in `src`) into `dst` and returns
// the realloc calls made.
std::vector<Heap::Call> lower_calls(const Val& s, E dst, uint32_t expect_units) {
  Types ty;
  Layouts ls(ty.file);
  Heap heap(64);
  heap.last_alloc = 2;
  AbiOptions o = heap.options(dst);
  CanonContext cx(ls, o, nullptr);
  uint32_t ptr = 0, units = 0;
  EXPECT_TRUE(store_string_into_range(cx, s, ptr, units)) << cx.error.message;
  EXPECT_EQ(units, expect_units);
  return heap.calls;
}

std::vector<std::array<uint32_t, 4>> args(const std::vector<Heap::Call>& cs) {
  std::vector<std::array<uint32_t, 4>> out;
  for (auto& c : cs) out.push_back({c.old_ptr, c.old_size, c.align, c.new_size});
  return out;
}

using Calls = std::vector<std::array<uint32_t, 4>>;

TEST(ComponentCanonStrings, ReallocSizing) {
  Val h_e = Val::string("h\xc3\xa9llo");     // héllo: 6 UTF-8 bytes, 5 code points
  Val h_eur = Val::string("h\xe2\x82\xac");  // h€: 4 UTF-8 bytes
  // utf8 -> utf8: one exact allocation.
  EXPECT_EQ(args(lower_calls(h_e, E::Utf8, 6)), (Calls{{0, 0, 1, 6}}));
  // utf8 -> utf16: the worst case, then shrink to fit.
  EXPECT_EQ(args(lower_calls(h_e, E::Utf16, 5)), (Calls{{0, 0, 2, 12}, {2, 12, 2, 10}}));
  // utf8 -> latin1+utf16, all latin1: shrink from the byte count.
  EXPECT_EQ(args(lower_calls(h_e, E::Latin1Utf16, 5)), (Calls{{0, 0, 2, 6}, {2, 6, 2, 5}}));
  // utf8 -> latin1+utf16, not latin1: grow to 2x, inflate, shrink.
  EXPECT_EQ(args(lower_calls(h_eur, E::Latin1Utf16, 2 | kUtf16Tag)),
            (Calls{{0, 0, 2, 4}, {2, 4, 2, 8}, {6, 8, 2, 4}}));
  // utf16 -> utf8 with a non-ASCII char: optimistic, 3x worst case, shrink.
  Val u16 = Val::string("h\xe2\x82\xac", E::Utf16, 2);
  EXPECT_EQ(args(lower_calls(u16, E::Utf8, 4)), (Calls{{0, 0, 1, 2}, {2, 2, 1, 6}, {4, 6, 1, 4}}));
  // latin1 -> utf8: 2x worst case.
  Val l1 = Val::string("\xc3\xa9", E::Latin1Utf16, 1);
  EXPECT_EQ(args(lower_calls(l1, E::Utf8, 2)), (Calls{{0, 0, 1, 1}, {2, 1, 1, 2}}));
  // ASCII from utf16: no growth.
  EXPECT_EQ(args(lower_calls(Val::string("ab", E::Utf16, 2), E::Utf8, 2)), (Calls{{0, 0, 1, 2}}));
  // latin1+utf16 (tagged utf16) -> latin1+utf16, all latin1: deflate then shrink.
  Val tagged = Val::string("ab", E::Latin1Utf16, 2 | kUtf16Tag);
  EXPECT_EQ(args(lower_calls(tagged, E::Latin1Utf16, 2)), (Calls{{0, 0, 2, 4}, {2, 4, 1, 2}}));
  Val tagged2 = Val::string("a\xe2\x82\xac", E::Latin1Utf16, 2 | kUtf16Tag);
  EXPECT_EQ(args(lower_calls(tagged2, E::Latin1Utf16, 2 | kUtf16Tag)), (Calls{{0, 0, 2, 4}}));
  // latin1 -> latin1+utf16: a copy.
  EXPECT_EQ(args(lower_calls(l1, E::Latin1Utf16, 1)), (Calls{{0, 0, 2, 1}}));
  // The empty string still allocates (0 bytes).
  EXPECT_EQ(args(lower_calls(Val::string(""), E::Utf16, 0)), (Calls{{0, 0, 2, 0}}));
}

// Lowering traps when realloc breaks its contract, or the value is bad.
void store_traps(const Val& s, E dst, ReallocFn realloc, engine::TrapKind kind) {
  Types ty;
  Layouts ls(ty.file);
  std::vector<uint8_t> mem(64);
  AbiOptions o;
  o.encoding = dst;
  o.memory = {mem.data(), mem.size()};
  o.realloc = std::move(realloc);
  CanonContext cx(ls, o, nullptr);
  uint32_t ptr = 0, units = 0;
  EXPECT_FALSE(store_string_into_range(cx, s, ptr, units));
  EXPECT_EQ(cx.error.trap, kind) << cx.error.message;
  EXPECT_FALSE(cx.error.message.empty());
}

ReallocFn returns(uint32_t p) {
  return [p](uint32_t, uint32_t, uint32_t, uint32_t, uint32_t& out) {
    out = p;
    return engine::Outcome::success();
  };
}

TEST(ComponentCanonStrings, ReallocContractTraps) {
  using T = engine::TrapKind;
  Val s = Val::string("hello");
  store_traps(s, E::Utf16, returns(1), T::HostError);        // misaligned for utf16
  store_traps(s, E::Latin1Utf16, returns(3), T::HostError);  // misaligned
  store_traps(s, E::Utf8, returns(60), T::OutOfBounds);      // past the end
  store_traps(s, E::Utf8, returns(0xfffffffe), T::OutOfBounds);
  store_traps(s, E::Utf8, nullptr, T::HostError);  // no realloc
  store_traps(
      s, E::Utf8,
      [](uint32_t, uint32_t, uint32_t, uint32_t, uint32_t&) {
        return engine::Outcome::trapped(T::Unreachable, "guest trap");
      },
      T::Unreachable);  // the guest's own trap comes through
  // Growing for a non-ASCII char: the grown buffer must fit too.
  int n = 0;
  store_traps(
      Val::string("a\xe2\x82\xac", E::Utf16, 2), E::Utf8,
      [&n](uint32_t, uint32_t, uint32_t, uint32_t, uint32_t& out) {
        out = n++ == 0 ? 0 : 62;
        return engine::Outcome::success();
      },
      T::OutOfBounds);
  // Invalid UTF-8 given by the host is refused.
  store_traps(Val::string("\xff"), E::Utf8, returns(0), T::HostError);
  store_traps(Val::string("\xed\xa0\x80"), E::Utf16, returns(0), T::HostError);
  // A value of the wrong kind.
  store_traps(Val::u32(1), E::Utf8, returns(0), T::HostError);
}

}  // namespace
}  // namespace spindle::component
