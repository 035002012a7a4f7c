// Memory limits and stack overflows, on both backends: memory.grow past the
// instance's limit or the process's instance-memory budget returns -1 (a
// trap after it is reported as MemoryLimit), the budget's accounting, and the
// two kinds of stack overflow (native call stack, the guest's shadow stack
// in linear memory) each reported as StackExhausted with its own message.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "engine/engine.h"
#include "guest_loader.h"
#include "test_util.h"

using namespace spindle::engine;
using spindle::test::wat;

namespace {

const char* kGrower = R"((module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; What a C guest does when malloc returns NULL and it cannot cope.
  (func (export "grow_or_trap") (param i32) (result i32)
    (local $r i32)
    (local.set $r (memory.grow (local.get 0)))
    (if (i32.eq (local.get $r) (i32.const -1)) (then unreachable))
    (local.get $r))
  (func (export "poke") (param i32) (i32.store8 (local.get 0) (i32.const 1)))
  (func (export "trap") unreachable)
  (func (export "answer") (result i32) (i32.const 42))))";

constexpr uint64_t kMiB = 1 << 20;
constexpr uint32_t kPage = 65536;

// Restores "no budget" however a test ends.
struct BudgetScope {
  explicit BudgetScope(uint64_t bytes) { set_instance_memory_budget(bytes); }
  ~BudgetScope() { set_instance_memory_budget(0); }
};

class Limits : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.backend = GetParam();
    o.fallback_to_interp = false;
    engine_ = Engine::create(o);
    ASSERT_NE(engine_, nullptr);
  }
  std::shared_ptr<Module> load(std::string_view text) {
    auto r = engine_->load(wat(text), "t.wasm");
    EXPECT_TRUE(r.ok()) << r.error;
    return r.module;
  }
  std::unique_ptr<Instance> instantiate(Module& m, InstanceOptions o = {}) {
    auto r = m.instantiate(Linker{}, o);
    EXPECT_TRUE(r.ok()) << r.link_error << r.outcome.message;
    return std::move(r.instance);
  }
  static Outcome call(Instance& inst, const char* fn, uint32_t arg, Value* result = nullptr) {
    Value a[1] = {Value::from_i32(arg)};
    Value r[1];
    Outcome o = inst.call(fn, a, r);
    if (result) *result = r[0];
    return o;
  }
  static Outcome call0(Instance& inst, const char* fn, Value* result = nullptr) {
    Value r[1];
    Outcome o = inst.call(fn, {}, r);
    if (result) *result = r[0];
    return o;
  }
  std::unique_ptr<Engine> engine_;
};

TEST_P(Limits, GrowPastTheLimitReturnsMinusOneAndTheGuestGoesOn) {
  auto m = load(kGrower);
  InstanceOptions o;
  o.max_memory_bytes = 2 * kMiB;  // 32 pages
  auto inst = instantiate(*m, o);
  ASSERT_TRUE(inst);
  Value r;
  ASSERT_TRUE(call(*inst, "grow", 31, &r).ok());
  EXPECT_EQ(r.i32, 1u);
  Outcome refused = call(*inst, "grow", 16, &r);
  ASSERT_TRUE(refused.ok()) << refused.message;
  EXPECT_EQ(r.i32, 0xffffffffu);
  EXPECT_EQ(inst->memory().size, 2 * kMiB);
  ASSERT_TRUE(call(*inst, "poke", 2 * kMiB - 1).ok());
  ASSERT_TRUE(call0(*inst, "answer", &r).ok());
  EXPECT_EQ(r.i32, 42u);
  // A grow within the limit still works after a refusal.
  ASSERT_TRUE(call(*inst, "grow", 0, &r).ok());
  EXPECT_EQ(r.i32, 32u);
}

TEST_P(Limits, ATrapAfterARefusedGrowIsTheMemoryLimit) {
  auto m = load(kGrower);
  InstanceOptions o;
  o.max_memory_bytes = 2 * kMiB;
  // Without a refused grow, a trap is what it is.
  auto fresh = instantiate(*m, o);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(call0(*fresh, "trap").trap, TrapKind::Unreachable);

  auto inst = instantiate(*m, o);
  ASSERT_TRUE(inst);
  Outcome out = call(*inst, "grow_or_trap", 47);  // to 3 MiB
  EXPECT_EQ(out.trap, TrapKind::MemoryLimit);
  EXPECT_NE(out.message.find("memory limit reached: memory.grow to 3 MiB refused (limit 2 MiB); "
                             "the guest then trapped: "),
            std::string::npos)
      << out.message;
  EXPECT_NE(out.message.find("unreachable"), std::string::npos) << out.message;
  // The refusal stays on the instance: a later trap is reported the same way.
  EXPECT_EQ(call0(*inst, "trap").trap, TrapKind::MemoryLimit);
  EXPECT_EQ(trap_message(TrapKind::MemoryLimit), "memory limit reached");
}

TEST_P(Limits, TheBudgetCapsAllInstancesTogether) {
  auto m = load(kGrower);
  const uint64_t before = instance_memory_in_use();
  EXPECT_EQ(before, 0u);
  BudgetScope budget(before + 10 * kPage);
  EXPECT_EQ(instance_memory_budget(), before + 10 * kPage);
  {
    auto a = instantiate(*m);
    auto b = instantiate(*m);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(instance_memory_in_use(), before + 2 * kPage);
    Value r;
    ASSERT_TRUE(call(*a, "grow", 4, &r).ok());
    EXPECT_EQ(r.i32, 1u);
    EXPECT_EQ(instance_memory_in_use(), before + 6 * kPage);
    ASSERT_TRUE(call(*b, "grow", 5, &r).ok());  // 11 pages in all: refused
    EXPECT_EQ(r.i32, 0xffffffffu);
    EXPECT_EQ(instance_memory_in_use(), before + 6 * kPage);
    ASSERT_TRUE(call(*b, "grow", 4, &r).ok());  // exactly the budget
    EXPECT_EQ(r.i32, 1u);
    EXPECT_EQ(instance_memory_in_use(), before + 10 * kPage);
    // The budget is full: no new instance...
    auto c = m->instantiate(Linker{}, {});
    EXPECT_FALSE(c.ok());
    EXPECT_EQ(c.outcome.trap, TrapKind::MemoryLimit);
    EXPECT_NE(c.outcome.message.find("instance-memory budget"), std::string::npos)
        << c.outcome.message;
    // ...and a's trap after its refused grow names the budget.
    Outcome out = call(*a, "grow_or_trap", 1);
    EXPECT_EQ(out.trap, TrapKind::MemoryLimit);
    EXPECT_NE(out.message.find("memory.grow to 384 KiB refused (the process's instance-memory "
                               "budget of 640 KiB is in use)"),
              std::string::npos)
        << out.message;
  }
  EXPECT_EQ(instance_memory_in_use(), before);
  // Freed memory can be used again.
  auto d = instantiate(*m);
  ASSERT_TRUE(d);
  Value r;
  ASSERT_TRUE(call(*d, "grow", 9, &r).ok());
  EXPECT_EQ(r.i32, 1u);
  d.reset();
  EXPECT_EQ(instance_memory_in_use(), before);
}

TEST_P(Limits, StackOverflowsAreStackExhaustedWithTheirOwnMessages) {
  auto m = spindle::test::load_guest(GetParam(), "stack_overflow");
  ASSERT_TRUE(m);
  Linker wasi_free;  // the exports used here call no WASI function
  for (const ImportDesc& imp : m->imports())
    wasi_free.define(imp.module, imp.name,
                     HostFunc{imp.type.func,
                              [](HostCall&, const Value*, Value*) {
                                return Outcome::trapped(TrapKind::HostError, "not for this test");
                              },
                              nullptr});
  auto r = m->instantiate(wasi_free, {});
  ASSERT_TRUE(r.ok()) << r.link_error << r.outcome.message;
  Outcome shadow = call(*r.instance, "shadow", 1 << 30);
  EXPECT_EQ(shadow.trap, TrapKind::StackExhausted) << shadow.message;
  EXPECT_NE(shadow.message.find(
                "stack overflow: the guest's stack in linear memory ran past its start (address "
                "0xf"),
            std::string::npos)
      << shadow.message;

  auto r2 = m->instantiate(wasi_free, {});
  ASSERT_TRUE(r2.ok());
  Outcome native = call(*r2.instance, "native", 1 << 30);
  EXPECT_EQ(native.trap, TrapKind::StackExhausted) << native.message;
  EXPECT_EQ(native.message, "call stack exhausted");
}

// A function whose frames are large on the native stack (many values live
// across the recursive call), so the host thread's stack runs out long
// before the call-depth count: the guard page must be recognised.
std::string big_frames_module() {
  constexpr int kLocals = 48;
  std::string s = "(module (memory 1) (func $f (export \"f\") (param $n i32) (result i64)";
  for (int i = 0; i < kLocals; ++i) s += " (local $l" + std::to_string(i) + " i64)";
  s += " (if (i32.eqz (local.get $n)) (then (return (i64.const 0))))";
  for (int i = 0; i < kLocals; ++i)
    s += " (local.set $l" + std::to_string(i) + " (i64.add (i64.load (i32.const " +
         std::to_string(i * 8) + ")) (i64.extend_i32_u (local.get $n))))";
  s += " (i64.add (call $f (i32.sub (local.get $n) (i32.const 1)))";
  for (int i = 0; i < kLocals; ++i) s += " (i64.xor (local.get $l" + std::to_string(i) + ")";
  s += " (i64.const 1)";
  for (int i = 0; i < kLocals; ++i) s += ")";
  s += ")))";
  return s;
}

TEST_P(Limits, NativeRecursionOnAFreshThreadIsCaught) {
  auto m = load(big_frames_module());
  ASSERT_TRUE(m);
  // Native: fewer calls than the call-depth count (50000) allows, so only
  // the guard page of the thread's 8 MiB stack can stop them.
  const uint32_t depth = GetParam() == Backend::Native ? 40000 : 1u << 30;
  for (int round = 0; round < 2; ++round) {
    Outcome o;
    std::thread worker([&] {
      auto r = m->instantiate(Linker{}, {});
      ASSERT_TRUE(r.ok());
      Value a[1] = {Value::from_i32(depth)};
      Value res[1];
      o = r.instance->call("f", a, res);
    });
    worker.join();
    EXPECT_EQ(o.trap, TrapKind::StackExhausted) << o.message;
    EXPECT_EQ(o.message, "call stack exhausted");
  }
  // Small recursion still works.
  auto r = m->instantiate(Linker{}, {});
  Value a[1] = {Value::from_i32(100)};
  Value res[1];
  EXPECT_TRUE(r.instance->call("f", a, res).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, Limits, ::testing::Values(Backend::Native, Backend::Interp),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
