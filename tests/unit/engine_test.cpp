// Engine behaviour every backend must share: calls, host imports, every trap
// kind (with the engine still usable afterwards), limits, link errors,
// concurrency. Runs once per backend.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include "test_util.h"

using namespace spindle::engine;
using spindle::test::wat;

namespace {

const char* kModule = R"((module
  (import "env" "log" (func $log (param i32 i32) (result i32)))
  (import "env" "exit" (func $exit (param i32)))
  (memory (export "memory") 1 10)
  (data (i32.const 16) "hi there")
  (global $g (export "g") (mut i32) (i32.const 7))
  (table 2 funcref)
  (elem (i32.const 0) $add)
  (type $v_i (func (result i32)))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "two") (result i32 i64) (i32.const 1) (i64.const 2))
  (func (export "fmath") (param f32 f64) (result f64)
    (f64.add (f64.promote_f32 (local.get 0)) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "unreach") unreachable)
  (func (export "indirect") (param i32) (result i32) (call_indirect (type $v_i) (local.get 0)))
  (func $rec (export "rec") (param i32) (result i32) (i32.add (call $rec (local.get 0)) (i32.const 1)))
  (func (export "loop") (loop $l (br $l)))
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "callhost") (result i32) (call $log (i32.const 16) (i32.const 8)))
  (func (export "bye") (call $exit (i32.const 42)) unreachable)
))";

struct HostLog : spindle::engine::InstanceData {
  std::string seen;
};

Outcome host_log(HostCall& call, const Value* args, Value* results) {
  auto* log = static_cast<HostLog*>(call.instance);
  uint8_t* p = call.memory.ptr(args[0].i32, args[1].i32);
  if (!p) return Outcome::trapped(TrapKind::HostError, "bad pointer");
  log->seen.assign(reinterpret_cast<char*>(p), args[1].i32);
  results[0].i32 = args[1].i32 * 2;
  return Outcome::success();
}

Outcome host_exit(HostCall&, const Value* args, Value*) { return Outcome::exited(args[0].i32); }

class EngineTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.backend = GetParam();
    engine_ = Engine::create(o);
    ASSERT_NE(engine_, nullptr) << "backend not available";
    auto r = engine_->load(wat(kModule), "test.wasm");
    ASSERT_TRUE(r.ok()) << r.error;
    module_ = r.module;
    linker_.define("env", "log",
                   HostFunc{{{ValType::I32, ValType::I32}, {ValType::I32}}, host_log, nullptr});
    linker_.define("env", "exit", HostFunc{{{ValType::I32}, {}}, host_exit, nullptr});
  }
  std::unique_ptr<Instance> make(InstanceOptions o = {}) {
    o.data = &log_;
    auto r = module_->instantiate(linker_, o);
    EXPECT_TRUE(r.ok()) << r.link_error << r.outcome.message;
    return std::move(r.instance);
  }
  Outcome call1(Instance& i, const char* name, std::vector<Value> args, Value* out = nullptr) {
    Value res[2];
    Outcome o = i.call(name, args, res);
    if (out) *out = res[0];
    return o;
  }

  std::unique_ptr<Engine> engine_;
  std::shared_ptr<Module> module_;
  Linker linker_;
  HostLog log_;
};

TEST_P(EngineTest, CallsExportsWithEveryValueType) {
  auto inst = make();
  ASSERT_TRUE(inst);
  Value r;
  ASSERT_TRUE(call1(*inst, "add", {Value::from_i32(40), Value::from_i32(2)}, &r).ok());
  EXPECT_EQ(r.i32, 42u);
  Value two[2];
  ASSERT_TRUE(inst->call("two", {}, two).ok());
  EXPECT_EQ(two[0].i32, 1u);
  EXPECT_EQ(two[1].i64, 2u);
  ASSERT_TRUE(call1(*inst, "fmath", {Value::from_f32(1.5f), Value::from_f64(2.25)}, &r).ok());
  EXPECT_DOUBLE_EQ(r.f64, 3.75);
  auto g = inst->get_export("g");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->get().i32, 7u);
}

TEST_P(EngineTest, DataSegmentsAndHostCallsSeeMemory) {
  auto inst = make();
  Value r;
  ASSERT_TRUE(call1(*inst, "callhost", {}, &r).ok());
  EXPECT_EQ(log_.seen, "hi there");
  EXPECT_EQ(r.i32, 16u);
  GuestMemory m = inst->memory();
  ASSERT_NE(m.data, nullptr);
  EXPECT_EQ(m.size, 65536u);
  EXPECT_EQ(std::memcmp(m.data + 16, "hi there", 8), 0);
}

TEST_P(EngineTest, FreshInstancesDoNotSeeEachOthersWrites) {
  for (int round = 0; round < 3; ++round) {
    auto inst = make();
    Value r;
    ASSERT_TRUE(call1(*inst, "load", {Value::from_i32(16)}, &r).ok());
    EXPECT_EQ(r.i32, 0x74206968u) << "round " << round;  // "hi t"
    ASSERT_TRUE(call1(*inst, "load", {Value::from_i32(1000)}, &r).ok());
    EXPECT_EQ(r.i32, 0u);
    ASSERT_TRUE(call1(*inst, "store", {Value::from_i32(16), Value::from_i32(0xdeadbeef)}).ok());
    ASSERT_TRUE(call1(*inst, "store", {Value::from_i32(1000), Value::from_i32(0xdeadbeef)}).ok());
    ASSERT_TRUE(call1(*inst, "grow", {Value::from_i32(2)}, &r).ok());
    ASSERT_TRUE(call1(*inst, "store", {Value::from_i32(70000), Value::from_i32(5)}).ok());
  }
  auto inst = make();
  Value r;
  // Memory grown by an earlier instance is not accessible to a new one.
  EXPECT_EQ(call1(*inst, "load", {Value::from_i32(70000)}, &r).trap, TrapKind::OutOfBounds);
}

TEST_P(EngineTest, EveryTrapKindAndTheEngineStillWorks) {
  auto inst = make();
  Value r;
  EXPECT_EQ(call1(*inst, "load", {Value::from_i32(65535)}).trap, TrapKind::OutOfBounds);
  EXPECT_EQ(call1(*inst, "load", {Value::from_i32(0xfffffff0)}).trap, TrapKind::OutOfBounds);
  EXPECT_EQ(call1(*inst, "div", {Value::from_i32(1), Value::from_i32(0)}).trap,
            TrapKind::DivByZero);
  EXPECT_EQ(call1(*inst, "div", {Value::from_i32(0x80000000u), Value::from_i32(-1)}).trap,
            TrapKind::IntOverflow);
  EXPECT_EQ(call1(*inst, "trunc", {Value::from_f32(NAN)}).trap, TrapKind::InvalidConversion);
  EXPECT_EQ(call1(*inst, "unreach", {}).trap, TrapKind::Unreachable);
  EXPECT_EQ(call1(*inst, "indirect", {Value::from_i32(0)}).trap, TrapKind::IndirectCallMismatch);
  EXPECT_EQ(call1(*inst, "indirect", {Value::from_i32(1)}).trap, TrapKind::IndirectCallMismatch);
  EXPECT_EQ(call1(*inst, "indirect", {Value::from_i32(7)}).trap, TrapKind::IndirectCallMismatch);
  EXPECT_EQ(call1(*inst, "rec", {Value::from_i32(0)}).trap, TrapKind::StackExhausted);
  Outcome bye = call1(*inst, "bye", {});
  EXPECT_EQ(bye.trap, TrapKind::Exit);
  EXPECT_EQ(bye.exit_code, 42u);
  // Still usable, same instance and a new one.
  ASSERT_TRUE(call1(*inst, "add", {Value::from_i32(1), Value::from_i32(2)}, &r).ok());
  EXPECT_EQ(r.i32, 3u);
  auto again = make();
  ASSERT_TRUE(call1(*again, "add", {Value::from_i32(5), Value::from_i32(6)}, &r).ok());
  EXPECT_EQ(r.i32, 11u);
}

TEST_P(EngineTest, DeepButBoundedRecursionRuns) {
  auto inst = make();
  Value r;
  ASSERT_TRUE(call1(*inst, "down", {Value::from_i32(20000)}, &r).ok());
  EXPECT_EQ(r.i32, 20000u);
}

TEST_P(EngineTest, TimeoutStopsAnInfiniteLoop) {
  InstanceOptions o;
  o.timeout = std::chrono::milliseconds(50);
  auto inst = make(o);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(call1(*inst, "loop", {}).trap, TrapKind::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  Value r;
  ASSERT_TRUE(call1(*inst, "add", {Value::from_i32(1), Value::from_i32(1)}, &r).ok());
  EXPECT_EQ(r.i32, 2u);
}

TEST_P(EngineTest, ADeadlineIsSharedByEveryCall) {
  InstanceOptions o;
  o.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
  auto inst = make(o);
  Value r;
  // Calls before the deadline run normally...
  ASSERT_TRUE(call1(*inst, "add", {Value::from_i32(1), Value::from_i32(2)}, &r).ok());
  // ...an endless one is cut at the deadline, not after a fresh budget...
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(call1(*inst, "loop", {}).trap, TrapKind::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  // ...and once it has passed, every call times out at once.
  EXPECT_EQ(call1(*inst, "add", {Value::from_i32(1), Value::from_i32(2)}).trap, TrapKind::Timeout);
}

TEST_P(EngineTest, MemoryLimitAndDeclaredMaxBothReturnMinusOne) {
  InstanceOptions o;
  o.max_memory_bytes = 3 * 65536;
  auto inst = make(o);
  Value r;
  ASSERT_TRUE(call1(*inst, "grow", {Value::from_i32(2)}, &r).ok());
  EXPECT_EQ(r.i32, 1u);
  // Past the limit: -1, and the guest goes on...
  ASSERT_TRUE(call1(*inst, "grow", {Value::from_i32(1)}, &r).ok());
  EXPECT_EQ(r.i32, 0xffffffffu);
  EXPECT_EQ(inst->memory().size, 3u * 65536);
  ASSERT_TRUE(call1(*inst, "add", {Value::from_i32(1), Value::from_i32(2)}, &r).ok());
  // ...but a trap after it is reported as the memory limit.
  Outcome trapped = call1(*inst, "unreach", {});
  EXPECT_EQ(trapped.trap, TrapKind::MemoryLimit);
  EXPECT_NE(trapped.message.find("memory.grow to 256 KiB refused (limit 192 KiB)"),
            std::string::npos)
      << trapped.message;
  auto unlimited = make();
  ASSERT_TRUE(call1(*unlimited, "grow", {Value::from_i32(20)}, &r).ok());
  EXPECT_EQ(r.i32, 0xffffffffu);  // beyond the module's declared max of 10
  o.max_memory_bytes = 0;
  o.data = &log_;
  auto refused = module_->instantiate(linker_, o);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.outcome.trap, TrapKind::MemoryLimit);
}

TEST_P(EngineTest, LinkErrorsNameTheImport) {
  Linker empty;
  auto r = module_->instantiate(empty, {});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.link_error.find("env."), std::string::npos) << r.link_error;
  Linker wrong;
  wrong.define("env", "log", HostFunc{{{ValType::I32}, {}}, host_exit, nullptr});
  wrong.define("env", "exit", HostFunc{{{ValType::I32}, {}}, host_exit, nullptr});
  r = module_->instantiate(wrong, {});
  EXPECT_NE(r.link_error.find("incompatible import type for env.log"), std::string::npos)
      << r.link_error;
}

TEST_P(EngineTest, InvalidModuleNamesTheFunction) {
  auto r = engine_->load(
      wat(R"((module (func $ok) (func $bad (result i32) (i64.const 1))))", false), "bad.wasm");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("bad.wasm"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("function 1"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("type mismatch"), std::string::npos) << r.error;
  std::vector<uint8_t> junk = {0, 'a', 's', 'm', 2, 0, 0, 0};
  EXPECT_FALSE(engine_->load(junk, "junk.wasm").ok());
}

TEST_P(EngineTest, ConcurrentInstancesDoNotCrossTalk) {
  constexpr int kThreads = 8, kIters = 1000;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIters; ++i) {
        HostLog log;
        InstanceOptions o;
        o.data = &log;
        auto r = module_->instantiate(linker_, o);
        if (!r.ok()) {
          ++failures;
          continue;
        }
        Instance& inst = *r.instance;
        Value res[2];
        uint32_t mine = static_cast<uint32_t>(t * 100000 + i);
        Value args[2] = {Value::from_i32(2000), Value::from_i32(mine)};
        if (!inst.call("load", {args, 1}, res).ok() || res[0].i32 != 0) ++failures;
        if (!inst.call("store", args, res).ok()) ++failures;
        if (i % 10 == 0) {
          if (inst.call("unreach", {}, res).trap != TrapKind::Unreachable) ++failures;
        }
        if (!inst.call("load", {args, 1}, res).ok() || res[0].i32 != mine) ++failures;
        if (!inst.call("callhost", {}, res).ok() || log.seen != "hi there") ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest, ::testing::Values(Backend::Native, Backend::Interp),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
