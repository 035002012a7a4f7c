// Interpreter backend: every trap maps to its TrapKind.
#include <cmath>

#include "interp_util.h"

namespace spindle::engine::interp_test {
namespace {

const char* kTraps = R"((module
  (memory 1)
  (table $t 2 funcref)
  (type $v (func))
  (type $ri (func (result i32)))
  (func $f (result i32) (i32.const 1))
  (elem (table $t) (i32.const 0) func $f)
  (data $d "abcd")
  (elem $e func $f $f)
  (table $u 1 funcref)
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32) (i32.store8 (local.get 0) (i32.const 1)))
  (func (export "init") (param i32) (memory.init $d (local.get 0) (i32.const 0) (i32.const 4)))
  (func (export "copy") (param i32) (memory.copy (local.get 0) (i32.const 0) (i32.const 16)))
  (func (export "fill") (param i32) (memory.fill (local.get 0) (i32.const 0) (i32.const 16)))
  (func (export "tget") (param i32) (result funcref) (table.get $t (local.get 0)))
  (func (export "tset") (param i32) (table.set $t (local.get 0) (ref.null func)))
  (func (export "tinit") (param i32) (table.init $u $e (local.get 0) (i32.const 0) (i32.const 2)))
  (func (export "tcopy") (param i32) (table.copy $t $t (local.get 0) (i32.const 0) (i32.const 2)))
  (func (export "tfill") (param i32) (table.fill $t (local.get 0) (ref.null func) (i32.const 3)))
  (func (export "unreachable") (unreachable))
  (func (export "divs") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "remu64") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "trunc64") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
  (func (export "icall") (param i32) (result i32) (call_indirect $t (type $ri) (local.get 0)))
  (func (export "icall_wrong") (param i32) (call_indirect $t (type $v) (local.get 0)))
  (func $rec (export "recurse") (param i32) (result i32)
    (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $irec (export "irecurse") (result i32)
    (call_indirect $t (type $ri) (i32.const 1)))
  (elem (table $t) (i32.const 1) func $irec)
))";

class InterpTraps : public ::testing::Test {
 protected:
  void SetUp() override {
    engine = interp_engine();
    inst = instantiate(*engine, kTraps);
    ASSERT_TRUE(inst);
  }
  TrapKind run(const char* name, std::initializer_list<Value> args, size_t nres = 1) {
    std::vector<Value> a(args), r(nres);
    Outcome o = inst->call(name, a, r);
    return o.trap;
  }
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Instance> inst;
};

TEST_F(InterpTraps, MemoryOutOfBounds) {
  EXPECT_EQ(run("load", {i32(65532)}), TrapKind::None);
  EXPECT_EQ(run("load", {i32(65533)}), TrapKind::OutOfBounds);
  EXPECT_EQ(run("load", {i32(0xffffffff)}), TrapKind::OutOfBounds);
  EXPECT_EQ(run("store", {i32(65536)}, 0), TrapKind::OutOfBounds);
  EXPECT_EQ(run("init", {i32(65534)}, 0), TrapKind::OutOfBounds);
  EXPECT_EQ(run("copy", {i32(65530)}, 0), TrapKind::OutOfBounds);
  EXPECT_EQ(run("fill", {i32(65530)}, 0), TrapKind::OutOfBounds);
  EXPECT_EQ(run("fill", {i32(0)}, 0), TrapKind::None);
}

TEST_F(InterpTraps, TableOutOfBounds) {
  EXPECT_EQ(run("tget", {i32(1)}), TrapKind::None);
  EXPECT_EQ(run("tget", {i32(2)}), TrapKind::OutOfBounds);
  EXPECT_EQ(run("tset", {i32(2)}, 0), TrapKind::OutOfBounds);
  EXPECT_EQ(run("tinit", {i32(0)}, 0), TrapKind::OutOfBounds);
  EXPECT_EQ(run("tcopy", {i32(1)}, 0), TrapKind::OutOfBounds);
  EXPECT_EQ(run("tfill", {i32(0)}, 0), TrapKind::OutOfBounds);
}

TEST_F(InterpTraps, Arithmetic) {
  EXPECT_EQ(run("unreachable", {}, 0), TrapKind::Unreachable);
  EXPECT_EQ(run("divs", {i32(1), i32(0)}), TrapKind::DivByZero);
  EXPECT_EQ(run("remu64", {i64(1), i64(0)}), TrapKind::DivByZero);
  EXPECT_EQ(run("divs", {i32(0x80000000), i32(0xffffffff)}), TrapKind::IntOverflow);
  EXPECT_EQ(run("trunc", {f32(3e9f)}), TrapKind::IntOverflow);
  EXPECT_EQ(run("trunc64", {f64(-1.5)}), TrapKind::IntOverflow);
  EXPECT_EQ(run("trunc", {f32(std::nanf(""))}), TrapKind::InvalidConversion);
  EXPECT_EQ(run("trunc", {f32(-7.9f)}), TrapKind::None);
}

TEST_F(InterpTraps, IndirectCalls) {
  EXPECT_EQ(run("icall", {i32(0)}), TrapKind::None);
  EXPECT_EQ(run("icall", {i32(5)}), TrapKind::IndirectCallMismatch);  // undefined element
  EXPECT_EQ(run("tset", {i32(0)}, 0), TrapKind::None);
  EXPECT_EQ(run("icall", {i32(0)}), TrapKind::IndirectCallMismatch);  // null element
  EXPECT_EQ(run("icall_wrong", {i32(1)}, 0), TrapKind::IndirectCallMismatch);
}

TEST_F(InterpTraps, StackExhausted) {
  EXPECT_EQ(run("recurse", {i32(0)}), TrapKind::StackExhausted);
  EXPECT_EQ(run("irecurse", {}), TrapKind::StackExhausted);
  // The instance is still usable afterwards.
  EXPECT_EQ(run("load", {i32(0)}), TrapKind::None);
}

TEST_F(InterpTraps, MessageSaysWhy) {
  Value a[] = {i32(70000)};
  Value r[1];
  Outcome o = inst->call("load", a, r);
  EXPECT_EQ(o.trap, TrapKind::OutOfBounds);
  EXPECT_NE(o.message.find("out of bounds"), std::string::npos) << o.message;
}

TEST(InterpInitTraps, StartFunctionTrap) {
  auto engine = interp_engine();
  auto m = load(*engine, R"((module (func $s (unreachable)) (start $s)))");
  ASSERT_TRUE(m);
  InstantiateResult r = m->instantiate({}, {});
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.link_error.empty());
  EXPECT_EQ(r.outcome.trap, TrapKind::Unreachable);
}

TEST(InterpInitTraps, SegmentsOutOfBounds) {
  auto engine = interp_engine();
  auto data = load(*engine, R"((module (memory 1) (data (i32.const 65535) "ab")))");
  ASSERT_TRUE(data);
  InstantiateResult r = data->instantiate({}, {});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.outcome.trap, TrapKind::OutOfBounds);

  auto elem = load(*engine, R"((module (table 1 funcref) (func $f) (elem (i32.const 1) $f)))");
  ASSERT_TRUE(elem);
  r = elem->instantiate({}, {});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.outcome.trap, TrapKind::OutOfBounds);
}

TEST(InterpInitTraps, StartFunctionRuns) {
  auto engine = interp_engine();
  auto inst = instantiate(*engine, R"((module
    (global $g (mut i32) (i32.const 0))
    (func $s (global.set $g (i32.const 9)))
    (start $s)
    (func (export "get") (result i32) (global.get $g))))");
  ASSERT_TRUE(inst);
  Value r[1];
  ASSERT_TRUE(inst->call("get", {}, r).ok());
  EXPECT_EQ(r[0].i32, 9u);
}

}  // namespace
}  // namespace spindle::engine::interp_test
