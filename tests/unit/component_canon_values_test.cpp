// The value cases of canonical-abi/run_tests.py: `test(...)` (flat lift,
// then lower into a fresh heap and lift again), `test_pairs`, the NaN
// canonicalisation cases and `test_flatten`. Fixed-length lists and maps are
// not in the loader's type model and are left out; addresses are i32.
#include <gtest/gtest.h>

#include <cmath>

#include "component_canon_util.h"
#include "engine/component/canon_call.h"

namespace spindle::component {
namespace {

using namespace testing;
using P = PrimType;

// run_tests.py test(t, vals_to_lift, v, cx, dst_encoding, lower_t, lower_v)
void check(Types& ty, ValType t, std::vector<N> vals, std::optional<Val> v, Heap* heap = nullptr,
           StringEncoding src = StringEncoding::Utf8, std::optional<StringEncoding> dst = {},
           std::optional<ValType> lower_t = {}, std::optional<Val> lower_v = {}) {
  Layouts ls(ty.file);
  std::vector<CoreValType> types = flat_types(ls, t);
  std::vector<engine::Value> core = core_values(types, vals);
  ASSERT_EQ(core.size(), types.size()) << "test has the wrong number of core values";
  Heap none(0);
  Heap& h = heap != nullptr ? *heap : none;
  AbiOptions opts = h.options(src);
  ComponentInstance inst;
  CanonContext cx(ls, opts, &inst);
  Lenders lenders(inst);
  cx.lenders = &lenders;
  FlatReader in(core, types);
  Val got;
  bool ok = lift_flat(cx, in, t, got);
  if (!v) {
    EXPECT_FALSE(ok) << "expected a trap, got " << got.debug();
    EXPECT_FALSE(cx.error.ok());
    EXPECT_FALSE(cx.error.message.empty());
    return;
  }
  ASSERT_TRUE(ok) << cx.error.message;
  EXPECT_TRUE(in.done());
  EXPECT_EQ(got, *v);

  ValType lt = lower_t.value_or(t);
  Heap heap2(5 * h.memory.size());
  AbiOptions opts2 = heap2.options(dst.value_or(src));
  CanonContext cx2(ls, opts2, &inst);
  FlatWriter w;
  ASSERT_TRUE(lower_flat(cx2, *v, lt, w)) << cx2.error.message;
  FlatReader in2(w.values, w.types);
  Val again;
  ASSERT_TRUE(lift_flat(cx2, in2, lt, again)) << cx2.error.message;
  EXPECT_EQ(again, lower_v.value_or(*v));
}

TEST(ComponentCanonValues, RecordsTuples) {
  Types ty;
  check(ty, ty.record({Types::p(P::U8), Types::p(P::U16), Types::p(P::U32)}), {1, 2, 3},
        Val::record({Val::u8(1), Val::u16(2), Val::u32(3)}));
  ValType inner = ty.tuple({Types::p(P::U8), Types::p(P::U8)});
  check(ty, ty.tuple({inner, Types::p(P::U8)}), {1, 2, 3},
        Val::tuple({Val::tuple({Val::u8(1), Val::u8(2)}), Val::u8(3)}));
}

TEST(ComponentCanonValues, Flags) {
  Types ty;
  ValType t = ty.flags(2);
  check(ty, t, {0}, Val::flags(0));
  check(ty, t, {2}, Val::flags(2));
  check(ty, t, {3}, Val::flags(3));
  check(ty, t, {4}, Val::flags(0));  // bits past the labels are ignored
  check(ty, ty.flags(32), {0xffffffffu}, Val::flags(0xffffffffu));
}

TEST(ComponentCanonValues, Variants) {
  Types ty;
  ValType t = ty.variant({Types::p(P::U8), Types::p(P::F32), std::nullopt});
  check(ty, t, {0, 42}, Val::variant(0, Val::u8(42)));
  check(ty, t, {0, 256}, Val::variant(0, Val::u8(0)));
  check(ty, t, {1, 0x4048f5c3}, Val::variant(1, Val::f32(3.140000104904175f)));
  check(ty, t, {2, 0xffffffffu}, Val::variant(2));
  ValType o = ty.option(Types::p(P::F32));
  check(ty, o, {0, 3.14}, Val::none());
  check(ty, o, {1, 3.14}, Val::some(Val::f32(3.14f)));
  ValType r = ty.result(Types::p(P::U8), Types::p(P::U32));
  check(ty, r, {0, 42}, Val::ok(Val::u8(42)));
  check(ty, r, {1, 1000}, Val::err(Val::u32(1000)));
  ValType wy = ty.variant({Types::p(P::U8), Types::p(P::U8)});
  check(ty, wy, {0, 42}, Val::variant(0, Val::u8(42)));
  check(ty, wy, {1, 42}, Val::variant(1, Val::u8(42)));
  ValType w = ty.variant({Types::p(P::U8)});
  check(ty, wy, {0, 42}, Val::variant(0, Val::u8(42)), nullptr, StringEncoding::Utf8, {}, w,
        Val::variant(0, Val::u8(42)));
}

void pairs(Types& ty, ValType t, std::vector<std::pair<N, std::optional<Val>>> ps) {
  for (auto& [arg, expect] : ps) {
    SCOPED_TRACE(describe(ty.file, t) + " " + std::to_string(arg.bits));
    check(ty, t, {arg}, expect);
  }
}

TEST(ComponentCanonValues, Pairs) {
  Types ty;
  pairs(ty, Types::p(P::Bool),
        {{0, Val::boolean(false)},
         {1, Val::boolean(true)},
         {2, Val::boolean(true)},
         {4294967295u, Val::boolean(true)}});
  pairs(ty, Types::p(P::U8),
        {{127, Val::u8(127)},
         {128, Val::u8(128)},
         {255, Val::u8(255)},
         {256, Val::u8(0)},
         {4294967295u, Val::u8(255)},
         {4294967168u, Val::u8(128)},
         {4294967167u, Val::u8(127)}});
  pairs(ty, Types::p(P::S8),
        {{127, Val::s8(127)},
         {128, Val::s8(-128)},
         {255, Val::s8(-1)},
         {256, Val::s8(0)},
         {4294967295u, Val::s8(-1)},
         {4294967168u, Val::s8(-128)},
         {4294967167u, Val::s8(127)}});
  pairs(ty, Types::p(P::U16),
        {{32767, Val::u16(32767)},
         {32768, Val::u16(32768)},
         {65535, Val::u16(65535)},
         {65536, Val::u16(0)},
         {4294967295u, Val::u16(65535)},
         {4294967296u - 32768, Val::u16(32768)},
         {4294967296u - 32769, Val::u16(32767)}});
  pairs(ty, Types::p(P::S16),
        {{32767, Val::s16(32767)},
         {32768, Val::s16(-32768)},
         {65535, Val::s16(-1)},
         {65536, Val::s16(0)},
         {4294967295u, Val::s16(-1)},
         {4294967296u - 32768, Val::s16(-32768)},
         {4294967296u - 32769, Val::s16(32767)}});
  pairs(ty, Types::p(P::U32),
        {{0x7fffffffu, Val::u32(0x7fffffff)},
         {0x80000000u, Val::u32(0x80000000u)},
         {0xffffffffu, Val::u32(0xffffffffu)}});
  pairs(ty, Types::p(P::S32),
        {{0x7fffffffu, Val::s32(0x7fffffff)},
         {0x80000000u, Val::s32(INT32_MIN)},
         {0xffffffffu, Val::s32(-1)}});
  pairs(ty, Types::p(P::U64),
        {{0x7fffffffffffffffull, Val::u64(0x7fffffffffffffffull)},
         {0x8000000000000000ull, Val::u64(0x8000000000000000ull)},
         {0xffffffffffffffffull, Val::u64(0xffffffffffffffffull)}});
  pairs(ty, Types::p(P::S64),
        {{0x7fffffffffffffffull, Val::s64(INT64_MAX)},
         {0x8000000000000000ull, Val::s64(INT64_MIN)},
         {0xffffffffffffffffull, Val::s64(-1)}});
  pairs(ty, Types::p(P::F32), {{3.14, Val::f32(3.14f)}});
  pairs(ty, Types::p(P::F64), {{3.14, Val::f64(3.14)}});
  pairs(ty, Types::p(P::Char),
        {{0, Val::character(0)},
         {65, Val::character('A')},
         {0xD7FF, Val::character(0xD7FF)},
         {0xD800, std::nullopt},
         {0xDFFF, std::nullopt}});
  pairs(ty, Types::p(P::Char),
        {{0xE000, Val::character(0xE000)},
         {0x10FFFF, Val::character(0x10FFFF)},
         {0x110000, std::nullopt},
         {0xFFFFFFFFu, std::nullopt}});
  pairs(ty, ty.enumeration(2),
        {{0, Val::enumeration(0)}, {1, Val::enumeration(1)}, {2, std::nullopt}});
}

// test_nan32 / test_nan64: flat and loaded NaNs become the canonical NaN.
void nan32(uint32_t in, uint32_t out) {
  Types ty;
  Layouts ls(ty.file);
  AbiOptions none;
  CanonContext cx(ls, none, nullptr);
  std::vector<CoreValType> ts{CoreValType::F32};
  std::vector<engine::Value> vs{core_value(CoreValType::F32, N(uint64_t{in}))};
  FlatReader r(vs, ts);
  Val v;
  ASSERT_TRUE(lift_flat(cx, r, Types::p(P::F32), v));
  FlatWriter w;
  ASSERT_TRUE(lower_flat(cx, v, Types::p(P::F32), w));
  uint32_t bits;
  std::memcpy(&bits, &w.values[0].f32, 4);
  EXPECT_EQ(bits, out) << std::hex << in;
  Heap h(std::vector<uint8_t>{uint8_t(in), uint8_t(in >> 8), uint8_t(in >> 16), uint8_t(in >> 24)});
  AbiOptions o = h.options();
  CanonContext cx2(ls, o, nullptr);
  ASSERT_TRUE(load(cx2, 0, Types::p(P::F32), v));
  EXPECT_EQ(v.as_u32(), out);
}

void nan64(uint64_t in, uint64_t out) {
  Types ty;
  Layouts ls(ty.file);
  AbiOptions none;
  CanonContext cx(ls, none, nullptr);
  std::vector<CoreValType> ts{CoreValType::F64};
  std::vector<engine::Value> vs{core_value(CoreValType::F64, N(in))};
  FlatReader r(vs, ts);
  Val v;
  ASSERT_TRUE(lift_flat(cx, r, Types::p(P::F64), v));
  FlatWriter w;
  ASSERT_TRUE(lower_flat(cx, v, Types::p(P::F64), w));
  uint64_t bits;
  std::memcpy(&bits, &w.values[0].f64, 8);
  EXPECT_EQ(bits, out) << std::hex << in;
  std::vector<uint8_t> bytes(8);
  for (int i = 0; i < 8; ++i) bytes[i] = uint8_t(in >> (8 * i));
  Heap h(bytes);
  AbiOptions o = h.options();
  CanonContext cx2(ls, o, nullptr);
  ASSERT_TRUE(load(cx2, 0, Types::p(P::F64), v));
  EXPECT_EQ(v.as_u64(), out);
}

TEST(ComponentCanonValues, NaNs) {
  nan32(0x7fc00000, kCanonicalNan32);
  nan32(0x7fc00001, kCanonicalNan32);
  nan32(0x7fe00000, kCanonicalNan32);
  nan32(0x7fffffff, kCanonicalNan32);
  nan32(0xffffffff, kCanonicalNan32);
  nan32(0x7f800000, 0x7f800000);
  nan32(0x3fc00000, 0x3fc00000);
  nan64(0x7ff8000000000000, kCanonicalNan64);
  nan64(0x7ff8000000000001, kCanonicalNan64);
  nan64(0x7ffc000000000000, kCanonicalNan64);
  nan64(0x7fffffffffffffff, kCanonicalNan64);
  nan64(0xffffffffffffffff, kCanonicalNan64);
  nan64(0x7ff0000000000000, 0x7ff0000000000000);
  nan64(0x3ff0000000000000, 0x3ff0000000000000);
}

// test_flatten: flatten_functype in lift and lower context.
void flatten_case(Types& ty, std::vector<ValType> params, std::optional<ValType> result,
                  std::vector<CoreValType> flat_params, std::vector<CoreValType> flat_results) {
  TypeId f = ty.func(params, result);
  Layouts ls(ty.file);
  FuncSig s = make_signature(ls, ty.file.types[f]);
  ASSERT_TRUE(s.error.empty()) << s.error;
  using C = CoreValType;
  CoreFuncType expect{flat_params, flat_results};
  if (flat_params.size() > kMaxFlatParams) expect.params = {C::I32};
  if (flat_results.size() > kMaxFlatResults) expect.results = {C::I32};
  EXPECT_EQ(s.lifted, expect);
  if (flat_results.size() > kMaxFlatResults) {
    expect.params.push_back(C::I32);
    expect.results.clear();
  }
  EXPECT_EQ(s.lowered, expect);
  // type_ops' flatten_func agrees.
  EXPECT_EQ(flatten_func(ty.file, ty.file.types[f], true), s.lifted);
  EXPECT_EQ(flatten_func(ty.file, ty.file.types[f], false), s.lowered);
}

TEST(ComponentCanonValues, Flatten) {
  Types ty;
  using C = CoreValType;
  ValType u8 = Types::p(P::U8), f32 = Types::p(P::F32), f64 = Types::p(P::F64);
  flatten_case(ty, {u8, f32, f64}, std::nullopt, {C::I32, C::F32, C::F64}, {});
  flatten_case(ty, {u8, f32, f64}, f32, {C::I32, C::F32, C::F64}, {C::F32});
  flatten_case(ty, {u8, f32, f64}, u8, {C::I32, C::F32, C::F64}, {C::I32});
  flatten_case(ty, {u8, f32, f64}, ty.tuple({f32}), {C::I32, C::F32, C::F64}, {C::F32});
  flatten_case(ty, {u8, f32, f64}, ty.tuple({f32, f32}), {C::I32, C::F32, C::F64},
               {C::F32, C::F32});
  std::vector<ValType> u8s(17, u8);
  std::vector<C> i32s(17, C::I32);
  flatten_case(ty, u8s, std::nullopt, i32s, {});
  flatten_case(ty, u8s, ty.tuple({u8, u8}), i32s, {C::I32, C::I32});
  // Variants join their payloads.
  ValType v = ty.variant({f32, Types::p(P::S64), std::nullopt, ty.tuple({f64, f32})});
  flatten_case(ty, {v}, std::nullopt, {C::I32, C::I64, C::F32}, {});
}

TEST(ComponentCanonValues, LayoutsMatchTheSpec) {
  Types ty;
  Layouts ls0(ty.file);
  ValType u8 = Types::p(P::U8), u16 = Types::p(P::U16), u32 = Types::p(P::U32);
  ValType t1 = ty.tuple({u8, u8, u16, u32});
  ValType t2 = ty.tuple({u8, u16, u8, u32});
  ValType t3 = ty.tuple({u16, u8});
  ValType e256 = ty.enumeration(256), e257 = ty.enumeration(257), e65537 = ty.enumeration(65537);
  ValType f9 = ty.flags(9), f17 = ty.flags(17);
  ValType opt64 = ty.option(Types::p(P::U64));
  ValType str = Types::p(P::String);
  ls0.refresh();
  EXPECT_EQ(ls0.size(t1), 8u);
  EXPECT_EQ(ls0.size(t2), 12u);
  EXPECT_EQ(ls0.size(t3), 4u);
  EXPECT_EQ(ls0.align(t3), 2u);
  EXPECT_EQ(ls0.size(e256), 1u);
  EXPECT_EQ(ls0.size(e257), 2u);
  EXPECT_EQ(ls0.size(e65537), 4u);
  EXPECT_EQ(ls0.size(f9), 2u);
  EXPECT_EQ(ls0.size(f17), 4u);
  EXPECT_EQ(ls0.size(opt64), 16u);
  EXPECT_EQ(ls0.align(opt64), 8u);
  EXPECT_EQ(ls0.size(str), 8u);
  EXPECT_EQ(ls0.align(str), 4u);
}

TEST(ComponentCanonValues, ValBuildersAndReaders) {
  Val r = Val::record({Val::string("x"), Val::u32(7), Val::some(Val::bytes("ab"))});
  EXPECT_EQ(r.as_record()[0].as_string(), "x");
  EXPECT_EQ(r.as_record()[1].as_u32(), 7u);
  EXPECT_TRUE(r.as_record()[2].is_some());
  EXPECT_EQ(r.as_record()[2].payload()->as_bytes(), "ab");
  EXPECT_EQ(Val::bytes("\x01\x02"), Val::list({Val::u8(1), Val::u8(2)}));
  EXPECT_NE(Val::bytes("\x01"), Val::list({Val::s8(1)}));
  EXPECT_EQ(Val::f32(std::nanf("1")), Val::f32(std::nanf("2")));
  EXPECT_NE(Val::f64(0.0), Val::f64(-0.0));
  EXPECT_TRUE(Val::err(Val::s32(-1)).payload()->as_s32() == -1);
  EXPECT_FALSE(Val::err().is_ok());
  EXPECT_TRUE(Val::flags(5).flag(2));
  EXPECT_FALSE(Val::flags(5).flag(1));
  EXPECT_EQ(Val::own(3).rep(), 3u);
  EXPECT_EQ(r.debug(), "{\"x\", 7, some(bytes\"ab\")}");
  Types ty;
  ValType v = ty.variant({std::nullopt, Types::p(PrimType::U8)});
  ValType rec = ty.record({Types::p(PrimType::U8), Types::p(PrimType::U8)});
  EXPECT_EQ(label_index(ty.file.types[v.id], "c1"), 1u);
  EXPECT_EQ(label_index(ty.file.types[rec.id], "f0"), 0u);
  EXPECT_EQ(label_index(ty.file.types[rec.id], "nope"), std::nullopt);
  EXPECT_EQ(label_index(ty.file.types[ty.result(std::nullopt, std::nullopt).id], "error"), 1u);
}

}  // namespace
}  // namespace spindle::component
