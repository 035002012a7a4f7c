// Interpreter backend: host function imports.
#include <cstring>

#include "interp_util.h"

namespace spindle::engine::interp_test {
namespace {

struct State : spindle::engine::InstanceData {
  int calls = 0;
  std::string written;
};

// env.write(ptr, len): copies guest memory into State::written.
Outcome write_cb(HostCall& call, const Value* args, Value* results) {
  auto* st = static_cast<State*>(call.instance);
  ++st->calls;
  const uint8_t* p = call.memory.ptr(args[0].i32, args[1].i32);
  if (!p) return Outcome::trapped(TrapKind::OutOfBounds, "bad buffer");
  st->written.assign(reinterpret_cast<const char*>(p), args[1].i32);
  results[0].i32 = args[1].i32;
  return Outcome::success();
}

// env.poke(ptr, value): stores into guest memory.
Outcome poke_cb(HostCall& call, const Value* args, Value*) {
  if (!call.memory.store<uint32_t>(args[0].i32, args[1].i32))
    return Outcome::trapped(TrapKind::OutOfBounds, "poke");
  return Outcome::success();
}

Outcome exit_cb(HostCall&, const Value* args, Value*) { return Outcome::exited(args[0].i32); }

Outcome fail_cb(HostCall&, const Value*, Value*) {
  return Outcome::trapped(TrapKind::HostError, "the host says no");
}

// env.scale(x): x * *(int*)func_data.
Outcome scale_cb(HostCall& call, const Value* args, Value* results) {
  results[0].i64 = args[0].i64 * *static_cast<int64_t*>(call.func_data);
  return Outcome::success();
}

const char* kHost = R"((module
  (import "env" "write" (func $write (param i32 i32) (result i32)))
  (import "env" "poke" (func $poke (param i32 i32)))
  (import "env" "exit" (func $exit (param i32)))
  (import "env" "fail" (func $fail))
  (import "env" "scale" (func $scale (param i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, host")
  (func (export "say") (result i32) (call $write (i32.const 16) (i32.const 11)))
  (func (export "poke_then_read") (result i32)
    (call $poke (i32.const 100) (i32.const 0xabcd))
    (i32.load (i32.const 100)))
  (func (export "grow_then_write") (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (i32.const 70000) (i32.const 65))
    (call $write (i32.const 70000) (i32.const 1)))
  (func (export "quit") (param i32) (call $exit (local.get 0)) (unreachable))
  (func (export "fail") (call $fail))
  (func (export "scale") (param i64) (result i64) (call $scale (local.get 0)))
  (export "reexported" (func $scale))
))";

class InterpHost : public ::testing::Test {
 protected:
  void SetUp() override {
    engine = interp_engine();
    auto fn = [](FuncType t, HostCallback cb, void* data = nullptr) {
      HostFunc h;
      h.type = std::move(t);
      h.callback = cb;
      h.data = data;
      return h;
    };
    using V = ValType;
    linker.define("env", "write", fn({{V::I32, V::I32}, {V::I32}}, write_cb));
    linker.define("env", "poke", fn({{V::I32, V::I32}, {}}, poke_cb));
    linker.define("env", "exit", fn({{V::I32}, {}}, exit_cb));
    linker.define("env", "fail", fn({{}, {}}, fail_cb));
    linker.define("env", "scale", fn({{V::I64}, {V::I64}}, scale_cb, &factor));
    InstanceOptions opts;
    opts.data = &state;
    inst = instantiate(*engine, kHost, linker, opts);
    ASSERT_TRUE(inst);
  }
  std::unique_ptr<Engine> engine;
  Linker linker;
  State state;
  int64_t factor = 3;
  std::unique_ptr<Instance> inst;
};

TEST_F(InterpHost, ReadsGuestMemoryAndUserState) {
  Value r[1];
  ASSERT_TRUE(inst->call("say", {}, r).ok());
  EXPECT_EQ(r[0].i32, 11u);
  EXPECT_EQ(state.calls, 1);
  EXPECT_EQ(state.written, "hello, host");
}

TEST_F(InterpHost, WritesGuestMemory) {
  Value r[1];
  ASSERT_TRUE(inst->call("poke_then_read", {}, r).ok());
  EXPECT_EQ(r[0].i32, 0xabcdu);
  auto v = inst->memory().load<uint32_t>(100);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 0xabcdu);
}

TEST_F(InterpHost, SeesMemoryAfterGrow) {
  Value r[1];
  Outcome o = inst->call("grow_then_write", {}, r);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(state.written, "A");
  EXPECT_EQ(inst->memory().size, 2u * 65536);
}

TEST_F(InterpHost, ExitPropagates) {
  Value a[] = {i32(42)};
  Outcome o = inst->call("quit", a, {});
  EXPECT_EQ(o.trap, TrapKind::Exit);
  EXPECT_EQ(o.exit_code, 42u);
}

TEST_F(InterpHost, HostErrorPropagates) {
  Outcome o = inst->call("fail", {}, {});
  EXPECT_EQ(o.trap, TrapKind::HostError);
  EXPECT_EQ(o.message, "the host says no");
}

TEST_F(InterpHost, FuncDataAndReexport) {
  Value a[] = {i64(14)};
  Value r[1];
  ASSERT_TRUE(inst->call("scale", a, r).ok());
  EXPECT_EQ(r[0].i64, 42u);
  factor = 10;
  ASSERT_TRUE(inst->call("reexported", a, r).ok());
  EXPECT_EQ(r[0].i64, 140u);
}

TEST_F(InterpHost, ExitDuringStart) {
  auto m = load(*engine, R"((module (import "env" "exit" (func $exit (param i32)))
    (func $s (call $exit (i32.const 3))) (start $s)))");
  ASSERT_TRUE(m);
  InstantiateResult r = m->instantiate(linker, {});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.outcome.trap, TrapKind::Exit);
  EXPECT_EQ(r.outcome.exit_code, 3u);
}

// A host function calling back into the same instance (as Spin's host
// calls canonical_abi_realloc).
TEST(InterpHostReentry, HostCallsBackIntoGuest) {
  auto engine = interp_engine();
  struct Ctx {
    Instance* inst = nullptr;
  } ctx;
  Linker l;
  HostFunc h;
  h.type = {{ValType::I32}, {ValType::I32}};
  h.data = &ctx;
  h.callback = [](HostCall& call, const Value* args, Value* results) {
    auto* c = static_cast<Ctx*>(call.func_data);
    Value a[] = {Value::from_i32(args[0].i32 + 1)};
    Outcome o = c->inst->call("double", a, std::span<Value>(results, 1));
    return o;
  };
  l.define("env", "cb", h);
  auto inst =
      instantiate(*engine, R"((module (import "env" "cb" (func $cb (param i32) (result i32)))
    (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
    (func (export "go") (param i32) (result i32) (call $cb (local.get 0)))))",
                  l);
  ASSERT_TRUE(inst);
  ctx.inst = inst.get();
  Value a[] = {i32(20)};
  Value r[1];
  ASSERT_TRUE(inst->call("go", a, r).ok());
  EXPECT_EQ(r[0].i32, 42u);
}

}  // namespace
}  // namespace spindle::engine::interp_test
