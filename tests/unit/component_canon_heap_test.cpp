// Values in linear memory: run_tests.py test_heap (lists of every element
// kind, strings, nested lists, tuples with padding, flags), plus load/store
// of variants and the list and variant traps.
#include <gtest/gtest.h>

#include "component_canon_util.h"

namespace spindle::component {
namespace {

using namespace testing;
using P = PrimType;

// test_heap(t, expect, args, byte_array): lift (ptr, len) from the bytes.
void heap_case(Types& ty, ValType t, std::optional<Val> expect, std::vector<N> args,
               std::vector<uint8_t> bytes) {
  Layouts ls(ty.file);
  Heap heap(std::move(bytes));
  AbiOptions o = heap.options();
  CanonContext cx(ls, o, nullptr);
  std::vector<CoreValType> ts = flat_types(ls, t);
  std::vector<engine::Value> vs = core_values(ts, args);
  FlatReader in(vs, ts);
  Val got;
  bool ok = lift_flat(cx, in, t, got);
  if (!expect) {
    EXPECT_FALSE(ok) << got.debug();
    EXPECT_FALSE(cx.error.message.empty());
    return;
  }
  ASSERT_TRUE(ok) << cx.error.message;
  EXPECT_EQ(got, *expect);
  // Lower into a fresh heap and lift again.
  Heap heap2(5 * heap.memory.size() + 8);
  AbiOptions o2 = heap2.options();
  CanonContext cx2(ls, o2, nullptr);
  FlatWriter w;
  ASSERT_TRUE(lower_flat(cx2, got, t, w)) << cx2.error.message;
  FlatReader in2(w.values, w.types);
  Val again;
  ASSERT_TRUE(lift_flat(cx2, in2, t, again)) << cx2.error.message;
  EXPECT_EQ(again, *expect);
}

Val bools(std::initializer_list<bool> bs) {
  std::vector<Val> v;
  for (bool b : bs) v.push_back(Val::boolean(b));
  return Val::list(v);
}

template <class F, class T>
Val list_of(F make, std::initializer_list<T> xs) {
  std::vector<Val> v;
  for (T x : xs) v.push_back(make(x));
  return Val::list(v);
}

TEST(ComponentCanonHeap, ListsOfScalars) {
  Types ty;
  ValType lb = ty.list(Types::p(P::Bool));
  heap_case(ty, lb, bools({true, false, true}), {0, 3}, {1, 0, 1});
  heap_case(ty, lb, bools({true, false, true}), {0, 3}, {1, 0, 2});
  heap_case(ty, lb, bools({true, false, true}), {3, 3}, {0xff, 0xff, 0xff, 1, 0, 1});
  heap_case(ty, ty.list(Types::p(P::U8)), Val::bytes("\x01\x02\x03"), {0, 3}, {1, 2, 3});
  ValType lu16 = ty.list(Types::p(P::U16));
  heap_case(ty, lu16, list_of(Val::u16, {1, 2, 3}), {0, 3}, {1, 0, 2, 0, 3, 0});
  heap_case(ty, lu16, std::nullopt, {1, 3}, {0, 1, 0, 2, 0, 3, 0});  // misaligned
  heap_case(ty, ty.list(Types::p(P::U32)), list_of(Val::u32, {1, 2, 3}), {0, 3},
            {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0});
  heap_case(ty, ty.list(Types::p(P::U64)), list_of(Val::u64, {1, 2}), {0, 2},
            {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0});
  heap_case(ty, ty.list(Types::p(P::S8)), list_of(Val::s8, {-1, -2, -3}), {0, 3},
            {0xff, 0xfe, 0xfd});
  heap_case(ty, ty.list(Types::p(P::S16)), list_of(Val::s16, {-1, -2, -3}), {0, 3},
            {0xff, 0xff, 0xfe, 0xff, 0xfd, 0xff});
  heap_case(ty, ty.list(Types::p(P::S32)), list_of(Val::s32, {-1, -2, -3}), {0, 3},
            {0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfd, 0xff, 0xff, 0xff});
  heap_case(ty, ty.list(Types::p(P::S64)), list_of(Val::s64, {-1, -2}), {0, 2},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //
             0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  heap_case(ty, ty.list(Types::p(P::Char)), list_of(Val::character, {U'A', U'B', U'c'}), {0, 3},
            {65, 0, 0, 0, 66, 0, 0, 0, 99, 0, 0, 0});
}

TEST(ComponentCanonHeap, ListsOfStringsAndLists) {
  Types ty;
  heap_case(ty, ty.list(Types::p(P::String)), Val::list({Val::string("hi"), Val::string("wat")}),
            {0, 2}, {16,  0,   0,   0,   2,   0,   0,   0,  21, 0, 0, 0, 3, 0, 0, 0,  //
                     'h', 'i', 0xf, 0xf, 0xf, 'w', 'a', 't'});
  ValType lu8 = ty.list(Types::p(P::U8));
  heap_case(ty, ty.list(lu8), Val::list({Val::bytes("\3\4\5"), Val::bytes(""), Val::bytes("\6\7")}),
            {0, 3}, {24, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 27, 0, 0, 0, 2, 0, 0, 0,  //
                     3,  4, 5, 6, 7});
  ValType llu16 = ty.list(ty.list(Types::p(P::U16)));
  heap_case(ty, llu16, Val::list({list_of(Val::u16, {5, 6})}), {0, 1},
            {8, 0, 0, 0, 2, 0, 0, 0, 5, 0, 6, 0});
  heap_case(ty, llu16, std::nullopt, {0, 1}, {9, 0, 0, 0, 2, 0, 0, 0, 0, 5, 0, 6, 0});
}

TEST(ComponentCanonHeap, ListsOfTuples) {
  Types ty;
  ValType u8 = Types::p(P::U8), u16 = Types::p(P::U16), u32 = Types::p(P::U32);
  auto tup = [](std::vector<Val> v) { return Val::tuple(std::move(v)); };
  heap_case(ty, ty.list(ty.tuple({u8, u8, u16, u32})),
            Val::list({tup({Val::u8(6), Val::u8(7), Val::u16(8), Val::u32(9)}),
                       tup({Val::u8(4), Val::u8(5), Val::u16(6), Val::u32(7)})}),
            {0, 2}, {6, 7, 8, 0, 9, 0, 0, 0, 4, 5, 6, 0, 7, 0, 0, 0});
  heap_case(ty, ty.list(ty.tuple({u8, u16, u8, u32})),
            Val::list({tup({Val::u8(6), Val::u16(7), Val::u8(8), Val::u32(9)}),
                       tup({Val::u8(4), Val::u16(5), Val::u8(6), Val::u32(7)})}),
            {0, 2}, {6, 0xff, 7, 0, 8, 0xff, 0xff, 0xff, 9, 0, 0, 0,  //
                     4, 0xff, 5, 0, 6, 0xff, 0xff, 0xff, 7, 0, 0, 0});
  heap_case(ty, ty.list(ty.tuple({u16, u8})),
            Val::list({tup({Val::u16(6), Val::u8(7)}), tup({Val::u16(8), Val::u8(9)})}), {0, 2},
            {6, 0, 7, 0x0ff, 8, 0, 9, 0xff});
  heap_case(ty, ty.list(ty.tuple({ty.tuple({u16, u8}), u8})),
            Val::list({tup({tup({Val::u16(4), Val::u8(5)}), Val::u8(6)}),
                       tup({tup({Val::u16(7), Val::u8(8)}), Val::u8(9)})}),
            {0, 2}, {4, 0, 5, 0xff, 6, 0xff, 7, 0, 8, 0xff, 9, 0xff});
}

TEST(ComponentCanonHeap, ListsOfFlags) {
  Types ty;
  ValType f2 = ty.list(ty.flags(2));
  Val v = list_of(Val::flags, {0u, 2u, 3u});
  heap_case(ty, f2, v, {0, 3}, {0, 2, 3});
  heap_case(ty, f2, list_of(Val::flags, {0u, 2u, 0u}), {0, 3}, {0, 2, 4});
  ValType f9 = ty.list(ty.flags(9));
  heap_case(ty, f9, list_of(Val::flags, {0x1ffu, 0u}), {0, 2}, {0xff, 0x1, 0, 0});
  heap_case(ty, f9, list_of(Val::flags, {0x1ffu, 0u}), {0, 2}, {0xff, 0x3, 0, 0});
  ValType f17 = ty.list(ty.flags(17));
  heap_case(ty, f17, list_of(Val::flags, {0x1ffffu, 0u}), {0, 2}, {0xff, 0xff, 0x1, 0, 0, 0, 0, 0});
  heap_case(ty, f17, list_of(Val::flags, {0x1ffffu, 0u}), {0, 2}, {0xff, 0xff, 0x3, 0, 0, 0, 0, 0});
  ValType f32 = ty.list(ty.flags(32));
  heap_case(ty, f32, list_of(Val::flags, {0xffffffffu, 0u}), {0, 2},
            {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0});
}

TEST(ComponentCanonHeap, VariantsInMemory) {
  Types ty;
  ValType u8 = Types::p(P::U8);
  // option<u64>: discriminant, 7 bytes of padding, payload.
  ValType o64 = ty.list(ty.option(Types::p(P::U64)));
  heap_case(ty, o64, Val::list({Val::some(Val::u64(5)), Val::none()}), {0, 2},
            {1, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 5, 0, 0, 0, 0, 0, 0, 0,  //
             0, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 9, 9, 9, 9, 9, 9, 9, 9});
  // A bad discriminant traps.
  heap_case(ty, o64, std::nullopt, {0, 1}, {2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0});
  // result<string, u8> with a string payload.
  ValType rs = ty.list(ty.result(Types::p(P::String), u8));
  heap_case(ty, rs, Val::list({Val::ok(Val::string("ok")), Val::err(Val::u8(7))}), {0, 2},
            {0, 0, 0, 0, 24, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 'o', 'k'});
  // 257 cases: a 2-byte discriminant.
  ValType e = ty.list(ty.enumeration(257));
  heap_case(ty, e, list_of(Val::enumeration, {256u, 1u}), {0, 2}, {0, 1, 1, 0});
  heap_case(ty, e, std::nullopt, {0, 1}, {1, 1});
  // A char in memory is validated.
  heap_case(ty, ty.list(Types::p(P::Char)), std::nullopt, {0, 1}, {0x00, 0xd8, 0, 0});
}

TEST(ComponentCanonHeap, ListBoundsTraps) {
  Types ty;
  ValType lu32 = ty.list(Types::p(P::U32));
  heap_case(ty, lu32, std::nullopt, {0, 2}, {1, 0, 0, 0});                    // past the end
  heap_case(ty, lu32, std::nullopt, {4, 0x40000000}, {1, 0, 0, 0});           // overflowing length
  heap_case(ty, ty.list(Types::p(P::U8)), std::nullopt, {0, 1u << 28}, {1});  // over the limit
  heap_case(ty, lu32, std::nullopt, {0xfffffffcu, 1}, {1, 0, 0, 0});
  heap_case(ty, lu32, Val::list({}), {4, 0}, {1, 0, 0, 0});  // empty at the end is fine
  // The check happens before any element is touched.
  Layouts ls(ty.file);
  Heap heap(16);
  AbiOptions o = heap.options();
  CanonContext cx(ls, o, nullptr);
  Val v;
  EXPECT_FALSE(load_list_from_range(cx, 0, 5, Types::p(P::U32), v));
  EXPECT_EQ(cx.error.trap, engine::TrapKind::OutOfBounds);
}

TEST(ComponentCanonHeap, LiftBudget) {
  Types ty;
  ValType lb = ty.list(Types::p(P::Bool));
  Layouts ls(ty.file);
  Heap heap(100);
  AbiOptions o = heap.options();
  CanonContext cx(ls, o, nullptr);
  cx.lift_budget = 10 * sizeof(Val) + 5;
  Val v;
  EXPECT_TRUE(load_list_from_range(cx, 0, 10, Types::p(P::Bool), v));
  EXPECT_TRUE(load_list_from_range(cx, 0, 5, Types::p(P::U8), v));  // bytes: 1 each
  EXPECT_FALSE(load_list_from_range(cx, 0, 1, Types::p(P::Bool), v));
  // Overlapping lists cannot multiply what one lift allocates.
  cx.lift_budget = 1000;
  EXPECT_FALSE(load_list_from_range(cx, 0, 50, Types::p(P::U8), v) &&
               load_list_from_range(cx, 0, 50, Types::p(P::Bool), v));
  EXPECT_NE(cx.error.message.find("budget"), std::string::npos);
  (void)lb;
}

TEST(ComponentCanonHeap, LoweringMismatchedValuesTraps) {
  Types ty;
  ValType rec = ty.record({Types::p(P::U8), Types::p(P::String)});
  ValType var = ty.variant({Types::p(P::U8), std::nullopt});
  ValType lu16 = ty.list(Types::p(P::U16));
  Layouts ls(ty.file);
  Heap heap(64);
  AbiOptions o = heap.options();
  auto traps = [&](const Val& v, ValType t) {
    CanonContext cx(ls, o, nullptr);
    FlatWriter w;
    EXPECT_FALSE(lower_flat(cx, v, t, w)) << v.debug();
    EXPECT_EQ(cx.error.trap, engine::TrapKind::HostError);
    CanonContext cx2(ls, o, nullptr);
    EXPECT_FALSE(store(cx2, v, t, 0)) << v.debug();
  };
  traps(Val::u16(1), Types::p(P::U8));
  traps(Val::record({Val::u8(1)}), rec);
  traps(Val::tuple({Val::u8(1), Val::string("")}), rec);
  traps(Val::variant(2), var);
  traps(Val::variant(0), var);              // the case needs a payload
  traps(Val::variant(1, Val::u8(1)), var);  // the case has none
  traps(Val::some(Val::u8(1)), var);
  traps(Val::bytes("ab"), lu16);
  traps(Val::list({Val::u8(1)}), lu16);
  traps(Val::character(0xd800), Types::p(P::Char));
  traps(Val::character(0x110000), Types::p(P::Char));
}

}  // namespace
}  // namespace spindle::component
