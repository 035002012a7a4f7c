// Interpreter backend: calling exports with every value type.
#include <cmath>
#include <cstring>

#include "interp_util.h"

namespace spindle::engine::interp_test {
namespace {

const char* kValues = R"((module
  (func (export "add32") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "mulf32") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
  (func (export "divf64") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))
  (func (export "v128add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func (export "swap") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    (local.get 3) (local.get 2) (local.get 1) (local.get 0))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_u (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)))
  (func $seven (result i32) (i32.const 7))
  (elem declare func $seven)
  (func (export "getref") (result funcref) (ref.func $seven))
  (func (export "nullref") (result funcref) (ref.null func))
  (func (export "isnull") (param funcref) (result i32) (ref.is_null (local.get 0)))
  (table $t 1 funcref)
  (type $ri (func (result i32)))
  (func (export "callref") (param funcref) (result i32)
    (table.set $t (i32.const 0) (local.get 0))
    (call_indirect $t (type $ri) (i32.const 0)))
  (func (export "ext_id") (param externref) (result externref) (local.get 0))
  (table $e 4 externref)
  (func (export "ext_store") (param i32 externref) (table.set $e (local.get 0) (local.get 1)))
  (func (export "ext_load") (param i32) (result externref) (table.get $e (local.get 0)))
  (global $g (mut externref) (ref.null extern))
  (func (export "ext_gset") (param externref) (global.set $g (local.get 0)))
  (export "g" (global $g))
  (global (export "answer") i64 (i64.const 42))
))";

class InterpValues : public ::testing::Test {
 protected:
  void SetUp() override {
    engine = interp_engine();
    ASSERT_TRUE(engine);
    inst = instantiate(*engine, kValues);
    ASSERT_TRUE(inst);
  }
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Instance> inst;
};

TEST_F(InterpValues, BackendIsInterp) {
  EXPECT_EQ(engine->backend(), Backend::Interp);
  EXPECT_EQ(inst->module().backend(), Backend::Interp);
}

TEST_F(InterpValues, Integers) {
  Value args[] = {i32(40), i32(2)};
  Value res[1];
  ASSERT_TRUE(inst->call("add32", args, res).ok());
  EXPECT_EQ(res[0].i32, 42u);
  Value args64[] = {i64(uint64_t{1} << 40), i64(5)};
  ASSERT_TRUE(inst->call("add64", args64, res).ok());
  EXPECT_EQ(res[0].i64, (uint64_t{1} << 40) + 5);
}

TEST_F(InterpValues, Floats) {
  Value args[] = {f32(1.5f), f32(4.0f)};
  Value res[1];
  ASSERT_TRUE(inst->call("mulf32", args, res).ok());
  EXPECT_EQ(res[0].f32, 6.0f);
  Value args64[] = {f64(1.0), f64(0.0)};
  ASSERT_TRUE(inst->call("divf64", args64, res).ok());
  EXPECT_TRUE(std::isinf(res[0].f64));
}

TEST_F(InterpValues, V128) {
  Value a, b, res[1];
  uint32_t x[4] = {1, 2, 3, 0xffffffff}, y[4] = {10, 20, 30, 1};
  std::memcpy(a.v128, x, 16);
  std::memcpy(b.v128, y, 16);
  Value args[] = {a, b};
  ASSERT_TRUE(inst->call("v128add", args, res).ok());
  uint32_t out[4];
  std::memcpy(out, res[0].v128, 16);
  EXPECT_EQ(out[0], 11u);
  EXPECT_EQ(out[1], 22u);
  EXPECT_EQ(out[2], 33u);
  EXPECT_EQ(out[3], 0u);
}

TEST_F(InterpValues, MultiValue) {
  Value args[] = {i32(7), i64(8), f32(9.5f), f64(10.25)};
  Value res[4];
  ASSERT_TRUE(inst->call("swap", args, res).ok());
  EXPECT_EQ(res[0].f64, 10.25);
  EXPECT_EQ(res[1].f32, 9.5f);
  EXPECT_EQ(res[2].i64, 8u);
  EXPECT_EQ(res[3].i32, 7u);
  Value dm[] = {i32(17), i32(5)};
  ASSERT_TRUE(inst->call("divmod", dm, std::span<Value>(res, 2)).ok());
  EXPECT_EQ(res[0].i32, 3u);
  EXPECT_EQ(res[1].i32, 2u);
}

TEST_F(InterpValues, FuncRefRoundTrip) {
  Value res[1];
  ASSERT_TRUE(inst->call("nullref", {}, res).ok());
  EXPECT_EQ(res[0].funcref.func, nullptr);
  ASSERT_TRUE(inst->call("getref", {}, res).ok());
  Value ref = res[0];
  EXPECT_NE(ref.funcref.func, nullptr);
  // A funcref passed back in is the same function.
  Value args[] = {ref};
  ASSERT_TRUE(inst->call("isnull", args, res).ok());
  EXPECT_EQ(res[0].i32, 0u);
  ASSERT_TRUE(inst->call("callref", args, res).ok());
  EXPECT_EQ(res[0].i32, 7u);
  Value null_args[] = {Value{}};
  ASSERT_TRUE(inst->call("isnull", null_args, res).ok());
  EXPECT_EQ(res[0].i32, 1u);
}

TEST_F(InterpValues, ExternRefComesBackIdentically) {
  void* p = reinterpret_cast<void*>(uintptr_t{5});  // spec tests' (ref.extern 4)
  Value v;
  v.externref = p;
  Value args[] = {v};
  Value res[1];
  ASSERT_TRUE(inst->call("ext_id", args, res).ok());
  EXPECT_EQ(res[0].externref, p);

  Value store_args[] = {i32(2), v};
  ASSERT_TRUE(inst->call("ext_store", store_args, {}).ok());
  Value load_args[] = {i32(2)};
  ASSERT_TRUE(inst->call("ext_load", load_args, res).ok());
  EXPECT_EQ(res[0].externref, p);
  Value load_null[] = {i32(1)};
  ASSERT_TRUE(inst->call("ext_load", load_null, res).ok());
  EXPECT_EQ(res[0].externref, nullptr);

  ASSERT_TRUE(inst->call("ext_gset", args, {}).ok());
  ExternPtr g = inst->get_export("g");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->get().externref, p);
}

TEST_F(InterpValues, ExportedGlobal) {
  ExternPtr g = inst->get_export("answer");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->type().kind, ExternKind::Global);
  EXPECT_EQ(g->type().global.type, ValType::I64);
  EXPECT_FALSE(g->type().global.mut);
  EXPECT_EQ(g->get().i64, 42u);
  EXPECT_EQ(inst->get_export("nope"), nullptr);
}

TEST_F(InterpValues, ExternOutlivesInstance) {
  ExternPtr f = inst->get_export("add32");
  inst.reset();
  Value args[] = {i32(1), i32(2)};
  Value res[1];
  ASSERT_TRUE(f->call(args, res).ok());
  EXPECT_EQ(res[0].i32, 3u);
}

TEST_F(InterpValues, ImportsAndExportsDescribed) {
  const auto& ex = inst->module().exports();
  bool found = false;
  for (const auto& e : ex) {
    if (e.name == "swap") {
      found = true;
      EXPECT_EQ(e.type.kind, ExternKind::Func);
      EXPECT_EQ(e.type.func.params.size(), 4u);
      EXPECT_EQ(e.type.func.results.size(), 4u);
    }
  }
  EXPECT_TRUE(found);
}

TEST(InterpLoad, InvalidModuleIsRefused) {
  auto engine = interp_engine();
  std::vector<uint8_t> junk = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff};
  LoadResult r = engine->load(junk, "junk.wasm");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("junk.wasm"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace spindle::engine::interp_test
