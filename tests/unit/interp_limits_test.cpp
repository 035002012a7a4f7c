// Interpreter backend: wall-clock timeout and the memory cap.
#include <chrono>

#include "interp_util.h"

namespace spindle::engine::interp_test {
namespace {

using namespace std::chrono_literals;

TEST(InterpTimeout, InfiniteLoopTimesOut) {
  auto engine = interp_engine();
  InstanceOptions opts;
  opts.timeout = 100ms;
  auto inst = instantiate(*engine, R"((module
    (func (export "spin") (loop $l (br $l)))
    (func (export "ok") (result i32) (i32.const 5))))",
                          {}, opts);
  ASSERT_TRUE(inst);
  auto t0 = std::chrono::steady_clock::now();
  Outcome o = inst->call("spin", {}, {});
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(o.trap, TrapKind::Timeout);
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 5s);
  // The deadline is per call: the next call gets a fresh one.
  Value r[1];
  EXPECT_TRUE(inst->call("ok", {}, r).ok());
  EXPECT_EQ(r[0].i32, 5u);
}

TEST(InterpTimeout, StartFunctionTimesOut) {
  auto engine = interp_engine();
  auto m = load(*engine, R"((module (func $s (loop $l (br $l))) (start $s)))");
  ASSERT_TRUE(m);
  InstanceOptions opts;
  opts.timeout = 50ms;
  InstantiateResult r = m->instantiate({}, opts);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.outcome.trap, TrapKind::Timeout);
}

TEST(InterpTimeout, NoTimeoutByDefault) {
  auto engine = interp_engine();
  auto inst = instantiate(*engine, R"((module
    (func (export "count") (param i32) (result i32)
      (loop $l (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (local.get 0)))
      (local.get 0))))");
  Value a[] = {i32(3000000)};
  Value r[1];
  EXPECT_TRUE(inst->call("count", a, r).ok());
}

// Imports a function so that the injected memory.grow hook shifts the
// indices of defined functions: calls, ref.func, exports and elem segments
// must still reach the right functions.
const char* kGrow = R"((module
  (import "env" "h" (func $h (result i32)))
  (memory (export "memory") 1 4)
  (table 2 funcref)
  (elem (i32.const 0) $size $grow)
  (type $g (func (param i32) (result i32)))
  (func $grow (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func $size (export "size") (param i32) (result i32) (memory.size))
  (func (export "grow_indirect") (param i32) (result i32)
    (call_indirect (type $g) (local.get 0) (i32.const 1)))
  (func (export "grow_direct") (param i32) (result i32) (call $grow (local.get 0)))
  (func (export "host") (result i32) (call $h))
  (func (export "ref_is_grow") (result i32)
    (call_indirect (type $g) (i32.const 0) (i32.const 1)))
))";

Linker grow_linker() {
  Linker l;
  HostFunc h;
  h.type.results = {ValType::I32};
  h.callback = [](HostCall&, const Value*, Value* r) {
    r[0].i32 = 77;
    return Outcome::success();
  };
  l.define("env", "h", h);
  return l;
}

int32_t grow(Instance& inst, const char* fn, uint32_t delta, TrapKind* trap = nullptr) {
  Value a[] = {i32(delta)};
  Value r[1];
  Outcome o = inst.call(fn, a, r);
  if (trap) *trap = o.trap;
  return o.ok() ? static_cast<int32_t>(r[0].i32) : -100;
}

TEST(InterpMemoryLimit, GrowBeyondDeclaredMaxReturnsMinusOne) {
  auto engine = interp_engine();
  auto inst = instantiate(*engine, kGrow, grow_linker());
  ASSERT_TRUE(inst);
  EXPECT_EQ(grow(*inst, "grow", 1), 1);
  EXPECT_EQ(grow(*inst, "grow_direct", 2), 2);
  EXPECT_EQ(grow(*inst, "grow", 1), -1);  // 5 > max 4
  EXPECT_EQ(grow(*inst, "grow", 0), 4);
  EXPECT_EQ(inst->memory().size, 4u * 65536);
  Value r[1];
  ASSERT_TRUE(inst->call("host", {}, r).ok());
  EXPECT_EQ(r[0].i32, 77u);
}

TEST(InterpMemoryLimit, GrowBeyondLimitReturnsMinusOne) {
  auto engine = interp_engine();
  InstanceOptions opts;
  opts.max_memory_bytes = 2 * 65536;
  auto inst = instantiate(*engine, kGrow, grow_linker(), opts);
  ASSERT_TRUE(inst);
  EXPECT_EQ(grow(*inst, "grow", 1), 1);  // 2 pages: at the limit
  TrapKind trap;
  EXPECT_EQ(grow(*inst, "grow", 1, &trap), -1);
  EXPECT_EQ(trap, TrapKind::None);
  EXPECT_EQ(grow(*inst, "grow_indirect", 1, &trap), -1);
  EXPECT_EQ(trap, TrapKind::None);
  // Beyond the declared maximum it is still -1, not a trap.
  EXPECT_EQ(grow(*inst, "grow", 3, &trap), -1);
  EXPECT_EQ(trap, TrapKind::None);
  EXPECT_EQ(inst->memory().size, 2u * 65536);
}

TEST(InterpMemoryLimit, RewrittenIndicesStillRight) {
  auto engine = interp_engine();
  auto inst = instantiate(*engine, kGrow, grow_linker());
  ASSERT_TRUE(inst);
  Value r[1];
  // table[1] is $grow: growing by 0 returns the current size.
  ASSERT_TRUE(inst->call("ref_is_grow", {}, r).ok());
  EXPECT_EQ(r[0].i32, 1u);
  Value a[] = {i32(0)};
  ASSERT_TRUE(inst->call("size", a, r).ok());
  EXPECT_EQ(r[0].i32, 1u);
  ASSERT_TRUE(inst->call("host", {}, r).ok());
  EXPECT_EQ(r[0].i32, 77u);
}

TEST(InterpMemoryLimit, InitialMemoryOverLimitFails) {
  auto engine = interp_engine();
  auto m = load(*engine, R"((module (memory 3)))");
  ASSERT_TRUE(m);
  InstanceOptions opts;
  opts.max_memory_bytes = 2 * 65536;
  InstantiateResult r = m->instantiate({}, opts);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.outcome.trap, TrapKind::MemoryLimit);
  opts.max_memory_bytes = 3 * 65536;
  EXPECT_TRUE(m->instantiate({}, opts).ok());
}

TEST(InterpMemoryLimit, UnboundedMemoryGrowsToLimit) {
  auto engine = interp_engine();
  InstanceOptions opts;
  opts.max_memory_bytes = 16 * 65536;
  auto inst = instantiate(*engine, R"((module (memory (export "memory") 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))))",
                          {}, opts);
  ASSERT_TRUE(inst);
  EXPECT_EQ(grow(*inst, "grow", 15), 1);
  TrapKind trap;
  EXPECT_EQ(grow(*inst, "grow", 1, &trap), -1);
  EXPECT_EQ(trap, TrapKind::None);
  EXPECT_EQ(grow(*inst, "grow", 65536, &trap), -1);  // beyond 4 GiB: -1
}

}  // namespace
}  // namespace spindle::engine::interp_test
