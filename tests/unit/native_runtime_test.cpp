// Native-runtime behaviour beyond the shared engine tests: memfd-backed
// images, 4 GiB memories, table caps, and timeouts across nested calls
// (host function calling back into the guest).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/engine.h"
#include "engine/runtime/fault_watch.h"
#include "engine/runtime/memory_pool.h"
#include "test_util.h"

using namespace spindle::engine;
using spindle::test::wat;

namespace {

std::unique_ptr<Engine> engine_for(Backend b) {
  EngineOptions o;
  o.backend = b;
  o.fallback_to_interp = false;
  return Engine::create(o);
}

std::shared_ptr<Module> load(Engine& e, const char* text) {
  auto r = e.load(wat(text), "t.wasm");
  EXPECT_TRUE(r.ok()) << r.error;
  return r.module;
}

TEST(NativeRuntime, LargeImagesAreRestoredBetweenInstances) {
  auto e = engine_for(Backend::Native);
  // Data past 64 KiB: the image is mapped copy-on-write from a memfd.
  auto m = load(*e, R"((module (memory 3)
    (data (i32.const 70000) "xyz") (data (i32.const 5) "ab")
    (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "put") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))))");
  Linker l;
  for (int round = 0; round < 4; ++round) {
    auto r = m->instantiate(l, {});
    ASSERT_TRUE(r.ok());
    Value res[1];
    Value a[2] = {Value::from_i32(70000), Value::from_i32('Q')};
    ASSERT_TRUE(r.instance->call("get", {a, 1}, res).ok());
    EXPECT_EQ(res[0].i32, uint32_t{'x'}) << "round " << round;
    a[0] = Value::from_i32(6);
    ASSERT_TRUE(r.instance->call("get", {a, 1}, res).ok());
    EXPECT_EQ(res[0].i32, uint32_t{'b'});
    a[0] = Value::from_i32(150000);
    ASSERT_TRUE(r.instance->call("get", {a, 1}, res).ok());
    EXPECT_EQ(res[0].i32, 0u);
    for (uint32_t addr : {70000u, 6u, 150000u}) {
      a[0] = Value::from_i32(addr);
      ASSERT_TRUE(r.instance->call("put", a, res).ok());
    }
  }
}

// A slot keeps the pages its guest wrote and copies them back from the image
// (or zeroes them) at release: every page a previous instance wrote, inside
// the image, in a hole of it, or in grown memory, reads as new next time.
class WrittenPages : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { runtime::MemoryPool::set_pagemap_scan(GetParam()); }
  void TearDown() override { runtime::MemoryPool::set_pagemap_scan(true); }
};

TEST_P(WrittenPages, AreRestoredWhereverTheyAre) {
  auto e = engine_for(Backend::Native);
  auto m = load(*e, R"((module (memory 4)
    (data (i32.const 1000) "first") (data (i32.const 200000) "last")
    (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "fill") (param i32 i32)
      (memory.fill (local.get 0) (i32.const 0x5a) (local.get 1)))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))))");
  Linker l;
  auto get = [](Instance& i, uint32_t addr) {
    Value a[1] = {Value::from_i32(addr)}, res[1];
    EXPECT_TRUE(i.call("get", a, res).ok());
    return res[0].i32;
  };
  for (int round = 0; round < 5; ++round) {
    auto r = m->instantiate(l, {});
    ASSERT_TRUE(r.ok());
    Instance& i = *r.instance;
    Value res[1];
    Value n[1] = {Value::from_i32(80)};  // to 84 pages: 5 MiB past the image
    ASSERT_TRUE(i.call("grow", n, res).ok());
    EXPECT_EQ(res[0].i32, 4u);
    EXPECT_EQ(get(i, 1000), uint32_t{'f'}) << "round " << round;
    EXPECT_EQ(get(i, 200000), uint32_t{'l'}) << "round " << round;
    for (uint32_t addr : {0u, 100000u, 250000u, 4u * 65536 + 10, 9u * 65536 + 10, 83u * 65536 + 10})
      EXPECT_EQ(get(i, addr), 0u) << "round " << round << " addr " << addr;
    // Round 0 writes all of it, round 2 the first 10 pages; the others only
    // read, so the pages written before stay in the slot untouched.
    if (round == 0 || round == 2) {
      uint32_t len = (round == 0 ? 84 : 10) * 65536;
      Value a[2] = {Value::from_i32(0), Value::from_i32(len)};
      ASSERT_TRUE(i.call("fill", a, res).ok());
      EXPECT_EQ(get(i, 200000), 0x5au);
      EXPECT_EQ(get(i, len - 1), 0x5au);
    }
  }
}

// A slot reused many times by guests that write the same pages again (the
// pages are then restored from the last scan's list, without a scan) and
// now and then a new one (a fault: scanned again): every page reads as the
// image's each time.
TEST_P(WrittenPages, StayRestoredOverManyUsesOfOneSlot) {
  auto e = engine_for(Backend::Native);
  auto m = load(*e, R"((module (memory 4)
    (data (i32.const 1000) "first") (data (i32.const 200000) "last")
    (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "put") (param i32) (i32.store8 (local.get 0) (i32.const 0x77)))))");
  const uint32_t addrs[] = {1000,          5 * 4096 + 7,  17 * 4096 + 3,
                            33 * 4096 + 1, 47 * 4096 + 2, 60 * 4096 + 9};
  Linker l;
  for (int round = 0; round < 300; ++round) {
    auto r = m->instantiate(l, {});
    ASSERT_TRUE(r.ok());
    for (uint32_t addr : addrs) {
      Value a[1] = {Value::from_i32(addr)}, res[1];
      ASSERT_TRUE(r.instance->call("get", a, res).ok());
      ASSERT_EQ(res[0].i32, addr == 1000 ? uint32_t{'f'} : 0u)
          << "round " << round << " addr " << addr;
    }
    // the same two pages every round; another one every 50 rounds
    uint32_t write[] = {addrs[round % 2], addrs[2 + (round / 50) % 4]};
    for (uint32_t addr : write) {
      Value a[1] = {Value::from_i32(addr)};
      ASSERT_TRUE(r.instance->call("put", a, {}).ok());
    }
  }
}

// A small image is copied into its slot (resident mode). Reused by guests
// that write the same pages again, its reset restores the pages the last
// scan found, without a scan, while the resetting thread took no page fault
// since; a guest that writes a new page (a fault) makes the next reset scan
// again, whichever thread used the slot. Every page reads as the image's
// each time, with the faults seen in a perf event's ring or by getrusage.
class ResidentImages : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { runtime::use_fault_ring(GetParam()); }
  void TearDown() override { runtime::use_fault_ring(true); }
};

TEST_P(ResidentImages, StayRestoredOverManyUsesOnSeveralThreads) {
  auto e = engine_for(Backend::Native);
  auto m = load(*e, R"((module (memory 2)
    (data (i32.const 1000) "first")
    (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "put") (param i32) (i32.store8 (local.get 0) (i32.const 0x77)))))");
  const uint32_t addrs[] = {1000,          5 * 4096 + 7,  11 * 4096 + 3,
                            17 * 4096 + 1, 23 * 4096 + 2, 31 * 4096 + 9};
  Linker l;
  auto rounds = [&](int from, int to) {
    for (int round = from; round < to; ++round) {
      auto r = m->instantiate(l, {});
      ASSERT_TRUE(r.ok());
      // A page is first touched by a write (a page only read is mapped,
      // and so found by a scan, already), every 50 rounds a new one.
      int k = std::min(round / 50, 3);
      for (int i = 0; i < 3 + k; ++i) {
        Value a[1] = {Value::from_i32(addrs[i])}, res[1];
        ASSERT_TRUE(r.instance->call("get", a, res).ok());
        ASSERT_EQ(res[0].i32, i == 0 ? uint32_t{'f'} : 0u)
            << "round " << round << " addr " << addrs[i];
      }
      // the same two pages every round, and the newest one
      uint32_t write[] = {addrs[round % 2], addrs[2 + k]};
      for (uint32_t addr : write) {
        Value a[1] = {Value::from_i32(addr)};
        ASSERT_TRUE(r.instance->call("put", a, {}).ok());
      }
    }
  };
  // 30 rounds here, 30 on another thread, and again.
  for (int from = 0; from < 300; from += 60) {
    rounds(from, from + 30);
    std::thread other([&] { rounds(from + 30, from + 60); });
    other.join();
  }
}

INSTANTIATE_TEST_SUITE_P(NativeRuntime, ResidentImages, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "ring" : "getrusage"; });

// Found with PAGEMAP_SCAN (when the kernel has it), and by reading pagemap.
INSTANTIATE_TEST_SUITE_P(NativeRuntime, WrittenPages, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "scan" : "pagemap"; });

TEST(NativeRuntime, FourGiBMemoryKeepsBulkOperationsWorking) {
  auto e = engine_for(Backend::Native);
  auto m = load(*e, R"((module (memory 65536)
    (data (i32.const 16) "a")
    (func (export "fill_end") (memory.fill (i32.const 0xfffffff0) (i32.const 7) (i32.const 16)))
    (func (export "last") (result i32) (i32.load8_u (i32.const 0xffffffff)))))");
  auto r = m->instantiate(Linker{}, {});
  ASSERT_TRUE(r.ok()) << r.link_error << r.outcome.message;
  Value res[1];
  ASSERT_TRUE(r.instance->call("fill_end", {}, res).ok());
  ASSERT_TRUE(r.instance->call("last", {}, res).ok());
  EXPECT_EQ(res[0].i32, 7u);
}

TEST(NativeRuntime, TableGrowthIsCapped) {
  auto e = engine_for(Backend::Native);
  auto m = load(*e, R"((module (table 0 funcref)
    (func (export "grow") (param i32) (result i32) (table.grow 0 (ref.null func) (local.get 0)))))");
  auto r = m->instantiate(Linker{}, {});
  ASSERT_TRUE(r.ok());
  Value res[1];
  Value a[1] = {Value::from_i32(100)};
  ASSERT_TRUE(r.instance->call("grow", a, res).ok());
  EXPECT_EQ(res[0].i32, 0u);
  a[0] = Value::from_i32(50'000'000);
  ASSERT_TRUE(r.instance->call("grow", a, res).ok());
  EXPECT_EQ(res[0].i32, 0xffffffffu);
  auto big = e->load(wat("(module (table 50000000 funcref))"), "big.wasm");
  ASSERT_TRUE(big.ok()) << big.error;
  auto refused = big.module->instantiate(Linker{}, {});
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.outcome.trap, TrapKind::MemoryLimit);
}

// A host function that calls back into the guest's endless export.
struct Reentry : spindle::engine::InstanceData {
  Instance* instance = nullptr;
  std::chrono::milliseconds sleep{0};
  bool ignore_failure = false;
};

Outcome reenter(HostCall& call, const Value*, Value*) {
  auto* r = static_cast<Reentry*>(call.instance);
  std::this_thread::sleep_for(r->sleep);
  Outcome o = r->instance->call("spin", {}, {});
  if (r->ignore_failure) return Outcome::success();
  return o;
}

class NestedTimeout : public ::testing::TestWithParam<Backend> {};

TEST_P(NestedTimeout, DeadlineHoldsAcrossHostCallbacks) {
  auto e = engine_for(GetParam());
  auto m = load(*e, R"((module (import "env" "reenter" (func $re))
    (func (export "spin") (loop $l (br $l)))
    (func (export "outer") (call $re) (loop $l (br $l)))))");
  Linker l;
  l.define("env", "reenter", HostFunc{{}, reenter, nullptr});
  for (bool ignore : {false, true}) {
    for (auto sleep : {std::chrono::milliseconds(0), std::chrono::milliseconds(120)}) {
      Reentry state;
      state.sleep = sleep;
      state.ignore_failure = ignore;
      InstanceOptions o;
      o.data = &state;
      o.timeout = std::chrono::milliseconds(50);
      auto r = m->instantiate(l, o);
      ASSERT_TRUE(r.ok());
      state.instance = r.instance.get();
      auto start = std::chrono::steady_clock::now();
      Outcome out = r.instance->call("outer", {}, {});
      EXPECT_EQ(out.trap, TrapKind::Timeout) << "ignore=" << ignore << " sleep=" << sleep.count();
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    }
  }
}

// One thread's requests one after the other: each gets its whole timeout,
// counted from its own start, however long ago the one before it started
// (the thread's timer is left set for an earlier request's deadline and
// moved on when it fires), and a looping one is stopped at its own.
TEST(NativeRuntime, EachRequestGetsItsWholeTimeoutWhateverCameBefore) {
  auto e = engine_for(Backend::Native);
  auto m = load(*e, R"((module
    (func (export "quick"))
    (func (export "spin") (loop $l (br $l)))))");
  InstanceOptions o;
  o.timeout = std::chrono::milliseconds(400);
  auto call = [&](const char* name) {
    auto r = m->instantiate(Linker{}, o);
    EXPECT_TRUE(r.ok());
    auto start = std::chrono::steady_clock::now();
    Outcome out = r.instance->call(name, {}, {});
    return std::pair(out, std::chrono::steady_clock::now() - start);
  };
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(call("quick").first.ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // well into the last one's time
    auto [out, took] = call("spin");
    EXPECT_EQ(out.trap, TrapKind::Timeout);
    EXPECT_GE(took, std::chrono::milliseconds(390)) << "stopped before its own deadline";
    EXPECT_LT(took, std::chrono::seconds(3));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, NestedTimeout,
                         ::testing::Values(Backend::Native, Backend::Interp),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace

namespace {

TEST(NativeRuntime, SimdModulesFallBackToTheInterpreter) {
  const char* text = R"((module
    (func (export "lanes") (result i32)
      (i32x4.extract_lane 2 (i32x4.add (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40))))))";
  EngineOptions o;
  o.backend = Backend::Native;
  auto e = Engine::create(o);
  auto r = e->load(wat(text), "simd.wasm");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.module->backend(), Backend::Interp);
  auto inst = r.module->instantiate(Linker{}, {});
  ASSERT_TRUE(inst.ok());
  Value res[1];
  ASSERT_TRUE(inst.instance->call("lanes", {}, res).ok());
  EXPECT_EQ(res[0].i32, 33u);
  o.fallback_to_interp = false;
  auto strict = Engine::create(o)->load(wat(text), "simd.wasm");
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error.find("SIMD"), std::string::npos) << strict.error;
  EXPECT_NE(strict.error.find("--backend interp"), std::string::npos) << strict.error;
}

}  // namespace
