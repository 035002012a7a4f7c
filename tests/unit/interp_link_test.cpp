// Interpreter backend: linking, exported objects and host-made objects.
#include <cstring>
#include <thread>

#include "interp_util.h"

namespace spindle::engine::interp_test {
namespace {

HostFunc nop_func(FuncType t) {
  HostFunc h;
  h.type = std::move(t);
  h.callback = [](HostCall&, const Value*, Value*) { return Outcome::success(); };
  return h;
}

TEST(InterpLink, UnknownImport) {
  auto engine = interp_engine();
  auto m = load(*engine, R"((module (import "env" "f" (func))))");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->imports().size(), 1u);
  EXPECT_EQ(m->imports()[0].module, "env");
  EXPECT_EQ(m->imports()[0].name, "f");
  EXPECT_EQ(m->imports()[0].type.kind, ExternKind::Func);
  InstantiateResult r = m->instantiate({}, {});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.link_error, "unknown import: env.f");
}

TEST(InterpLink, HostFuncTypeMismatch) {
  auto engine = interp_engine();
  auto m = load(*engine, R"((module (import "env" "f" (func (param i32)))))");
  Linker l;
  l.define("env", "f", nop_func({{ValType::I64}, {}}));
  InstantiateResult r = m->instantiate(l, {});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.link_error.rfind("incompatible import type for env.f: expected", 0), 0u)
      << r.link_error;
}

TEST(InterpLink, ExternKindAndTypeMismatch) {
  auto engine = interp_engine();
  Linker l;
  l.define("env", "g", engine->new_global({ValType::I32, false}, Value::from_i32(1)));
  l.define("env", "m", engine->new_memory({1, 2}));
  auto wants_func = load(*engine, R"((module (import "env" "g" (func))))");
  InstantiateResult r = wants_func->instantiate(l, {});
  EXPECT_NE(r.link_error.find("incompatible import type for env.g"), std::string::npos)
      << r.link_error;
  auto wants_i64 = load(*engine, R"((module (import "env" "g" (global i64))))");
  r = wants_i64->instantiate(l, {});
  EXPECT_NE(r.link_error.find("incompatible import type for env.g"), std::string::npos);
  auto wants_mut = load(*engine, R"((module (import "env" "g" (global (mut i32)))))");
  EXPECT_FALSE(wants_mut->instantiate(l, {}).ok());
  auto wants_big = load(*engine, R"((module (import "env" "m" (memory 3))))");
  r = wants_big->instantiate(l, {});
  EXPECT_NE(r.link_error.find("incompatible import type for env.m"), std::string::npos);
  auto wants_max1 = load(*engine, R"((module (import "env" "m" (memory 1 1))))");
  EXPECT_FALSE(wants_max1->instantiate(l, {}).ok());
  auto fits = load(*engine, R"((module (import "env" "m" (memory 1 3))
                                       (import "env" "g" (global i32))))");
  EXPECT_TRUE(fits->instantiate(l, {}).ok());
}

// The spec tests' `spectest` module made with new_memory/table/global.
TEST(InterpLink, SpectestObjects) {
  auto engine = interp_engine();
  Linker l;
  l.define("spectest", "memory", engine->new_memory({1, 2}));
  l.define("spectest", "table", engine->new_table({ValType::FuncRef, 10, 20}));
  l.define("spectest", "global_i32", engine->new_global({ValType::I32}, Value::from_i32(666)));
  l.define("spectest", "global_i64", engine->new_global({ValType::I64}, Value::from_i64(666)));
  l.define("spectest", "global_f32", engine->new_global({ValType::F32}, Value::from_f32(666.6f)));
  l.define("spectest", "global_f64", engine->new_global({ValType::F64}, Value::from_f64(666.6)));
  auto inst = instantiate(*engine, R"((module
    (import "spectest" "memory" (memory 1))
    (import "spectest" "table" (table 10 funcref))
    (import "spectest" "global_i32" (global $a i32))
    (import "spectest" "global_i64" (global $b i64))
    (import "spectest" "global_f32" (global $c f32))
    (import "spectest" "global_f64" (global $d f64))
    (func $f (result i32) (i32.const 3))
    (elem (i32.const 9) $f)
    (data (i32.const 0) "xyz")
    (func (export "sum") (result f64)
      (f64.add (f64.add (f64.convert_i32_s (global.get $a)) (f64.convert_i64_s (global.get $b)))
               (f64.add (f64.promote_f32 (global.get $c)) (global.get $d))))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "tsize") (result i32) (table.size 0))
    (func (export "call9") (result i32) (call_indirect (result i32) (i32.const 9)))))",
                          l);
  ASSERT_TRUE(inst);
  Value r[1];
  ASSERT_TRUE(inst->call("sum", {}, r).ok());
  EXPECT_NEAR(r[0].f64, 666 + 666 + 666.6 + 666.6, 1e-4);
  ASSERT_TRUE(inst->call("tsize", {}, r).ok());
  EXPECT_EQ(r[0].i32, 10u);
  ASSERT_TRUE(inst->call("call9", {}, r).ok());
  EXPECT_EQ(r[0].i32, 3u);
  Value a[] = {i32(1)};
  ASSERT_TRUE(inst->call("grow", a, r).ok());
  EXPECT_EQ(r[0].i32, 1u);
  ASSERT_TRUE(inst->call("grow", a, r).ok());
  EXPECT_EQ(static_cast<int32_t>(r[0].i32), -1);  // spectest memory max is 2
}

TEST(InterpLink, InstancesLinkedTogether) {
  auto engine = interp_engine();
  auto a = instantiate(*engine, R"((module
    (memory (export "mem") 1)
    (table (export "tab") 2 funcref)
    (global (export "counter") (mut i32) (i32.const 0))
    (func $inc (export "inc") (result i32)
      (global.set 0 (i32.add (global.get 0) (i32.const 1))) (global.get 0))
    (elem (i32.const 0) $inc)))");
  ASSERT_TRUE(a);
  ExternPtr mem = a->get_export("mem");
  ExternPtr tab = a->get_export("tab");
  ExternPtr counter = a->get_export("counter");
  ExternPtr inc = a->get_export("inc");
  ASSERT_TRUE(mem && tab && counter && inc);
  EXPECT_EQ(mem->type().kind, ExternKind::Memory);
  EXPECT_EQ(tab->type().kind, ExternKind::Table);
  EXPECT_EQ(counter->type().kind, ExternKind::Global);
  EXPECT_TRUE(counter->type().global.mut);

  Linker l;
  l.define("a", "mem", mem);
  l.define("a", "tab", tab);
  l.define("a", "counter", counter);
  l.define("a", "inc", inc);
  auto b = instantiate(*engine, R"((module
    (import "a" "mem" (memory 1))
    (import "a" "tab" (table 2 funcref))
    (import "a" "counter" (global $c (mut i32)))
    (import "a" "inc" (func $inc (result i32)))
    (func (export "go") (result i32)
      (drop (call $inc))
      (i32.store (i32.const 8) (i32.const 1234))
      (call_indirect (result i32) (i32.const 0)))
    (func (export "peek") (result i32) (global.get $c))))",
                       l);
  ASSERT_TRUE(b);
  Value r[1];
  ASSERT_TRUE(b->call("go", {}, r).ok());
  EXPECT_EQ(r[0].i32, 2u);
  EXPECT_EQ(counter->get().i32, 2u);
  ASSERT_TRUE(b->call("peek", {}, r).ok());
  EXPECT_EQ(r[0].i32, 2u);
  auto v = a->memory();  // a exports "mem", not "memory"
  EXPECT_EQ(v.data, nullptr);
  // b keeps a's objects alive after a is gone.
  a.reset();
  mem.reset();
  tab.reset();
  inc.reset();
  ASSERT_TRUE(b->call("go", {}, r).ok());
  EXPECT_EQ(r[0].i32, 4u);
}

TEST(InterpLink, ExportedFuncCalledDirectly) {
  auto engine = interp_engine();
  auto inst = instantiate(*engine, R"((module
    (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))))");
  ExternPtr f = inst->get_export("f");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->backend(), Backend::Interp);
  ASSERT_EQ(f->type().kind, ExternKind::Func);
  EXPECT_EQ(f->type().func.params, std::vector<ValType>{ValType::I32});
  Value a[] = {i32(12)};
  Value r[1];
  ASSERT_TRUE(f->call(a, r).ok());
  EXPECT_EQ(r[0].i32, 144u);
}

TEST(InterpLink, ManyInstancesOfOneModule) {
  auto engine = interp_engine();
  auto m = load(*engine, R"((module (memory (export "memory") 1)
    (global $g (mut i32) (i32.const 0))
    (func (export "bump") (result i32)
      (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))))");
  ASSERT_TRUE(m);
  for (int i = 0; i < 300; ++i) {
    InstantiateResult r = m->instantiate({}, {});
    ASSERT_TRUE(r.ok());
    Value out[1];
    ASSERT_TRUE(r.instance->call("bump", {}, out).ok());
    EXPECT_EQ(out[0].i32, 1u);  // fresh state every time
    ASSERT_EQ(r.instance->memory().size, 65536u);
  }
}

// Garbage collection of dead instances never frees what a live Extern holds.
TEST(InterpLink, ExternSurvivesCollection) {
  auto engine = interp_engine();
  auto m = load(*engine, R"((module (memory (export "memory") 4)
    (global (export "g") i32 (i32.const 31))
    (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))))");
  ASSERT_TRUE(m);
  InstantiateResult first = m->instantiate({}, {});
  ASSERT_TRUE(first.ok());
  ExternPtr f = first.instance->get_export("f");
  ExternPtr g = first.instance->get_export("g");
  first.instance.reset();
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(m->instantiate({}, {}).ok());  // 50 MB of garbage
  Value a[] = {i32(41)};
  Value r[1];
  ASSERT_TRUE(f->call(a, r).ok());
  EXPECT_EQ(r[0].i32, 42u);
  EXPECT_EQ(g->get().i32, 31u);
}

// An instance made on another thread can be imported: the importer joins
// its store. Objects of two different threads' stores cannot be mixed.
TEST(InterpLink, LinkingAcrossThreads) {
  auto engine = interp_engine();
  const char* exporter = R"((module (func (export "f") (result i32) (i32.const 8))))";
  auto here = instantiate(*engine, exporter);
  ASSERT_TRUE(here);
  std::unique_ptr<Instance> there;
  std::thread([&] { there = instantiate(*engine, exporter); }).join();
  ASSERT_TRUE(there);

  auto importer = load(*engine, R"((module (import "a" "f" (func $f (result i32)))
    (func (export "g") (result i32) (i32.add (call $f) (i32.const 1)))))");
  Linker l1;
  l1.define("a", "f", there->get_export("f"));
  InstantiateResult r = importer->instantiate(l1, {});
  ASSERT_TRUE(r.ok()) << r.link_error;
  Value out[1];
  ASSERT_TRUE(r.instance->call("g", {}, out).ok());
  EXPECT_EQ(out[0].i32, 9u);

  auto two = load(*engine, R"((module (import "a" "f" (func (result i32)))
    (import "b" "f" (func (result i32)))))");
  Linker l2;
  l2.define("a", "f", here->get_export("f"));
  l2.define("b", "f", there->get_export("f"));
  r = two->instantiate(l2, {});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.link_error.find("different interpreter stores"), std::string::npos) << r.link_error;
}

}  // namespace
}  // namespace spindle::engine::interp_test
