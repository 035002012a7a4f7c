// Interpreter backend: instances on different threads run concurrently.
#include <atomic>
#include <thread>

#include "interp_util.h"

namespace spindle::engine::interp_test {
namespace {

const char* kWorker = R"((module
  (import "env" "tick" (func $tick (param i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "work") (param i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (i32.store (i32.const 0) (local.get $acc))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (call $tick (local.get $acc))
    (drop (memory.grow (i32.const 1)))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.add (i32.load (i32.const 0)) (global.get $g)))
))";

TEST(InterpConcurrency, ThreadsInstantiateAndCall) {
  auto engine = interp_engine();
  auto m = load(*engine, kWorker);
  ASSERT_TRUE(m);
  std::atomic<long> ticks{0};
  Linker linker;
  HostFunc tick;
  tick.type = {{ValType::I32}, {}};
  tick.data = &ticks;
  tick.callback = [](HostCall& call, const Value*, Value*) {
    static_cast<std::atomic<long>*>(call.func_data)->fetch_add(1);
    if (call.memory.size != 65536) return Outcome::trapped(TrapKind::HostError, "memory view");
    return Outcome::success();
  };
  linker.define("env", "tick", tick);

  constexpr int kThreads = 8, kIters = 250;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIters; ++i) {
        InstanceOptions opts;
        opts.max_memory_bytes = 4 * 65536;
        InstantiateResult r = m->instantiate(linker, opts);
        if (!r.ok()) {
          ++failures;
          continue;
        }
        uint32_t n = 50 + (t * 7 + i) % 50;
        Value a[] = {Value::from_i32(n)};
        Value out[1];
        Outcome o = r.instance->call("work", a, out);
        uint32_t expect = n * (n - 1) / 2 + 1;
        if (!o.ok() || out[0].i32 != expect) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ticks.load(), kThreads * kIters);
}

// One instance shared by threads: calls are serialized, not corrupted.
TEST(InterpConcurrency, SharedInstanceIsSerialized) {
  auto engine = interp_engine();
  auto inst = instantiate(*engine, R"((module
    (global $g (mut i32) (i32.const 0))
    (func (export "inc") (result i32)
      (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))))");
  ASSERT_TRUE(inst);
  ExternPtr inc = inst->get_export("inc");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      Value out[1];
      for (int i = 0; i < 500; ++i) inc->call({}, out);
    });
  }
  for (auto& th : threads) th.join();
  Value out[1];
  ASSERT_TRUE(inc->call({}, out).ok());
  EXPECT_EQ(out[0].i32, 2001u);
}

}  // namespace
}  // namespace spindle::engine::interp_test
