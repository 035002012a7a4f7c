// The native tier's code-keyed cache (module_code.h): modules that differ
// only in their active data share one compiled artifact, and each instance
// still starts from its own data; huge C output split into parallel
// translation units (split.h) behaves like the whole file.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/engine.h"
#include "engine/native/description.h"
#include "engine/native/module_code.h"
#include "engine/native/split.h"
#include "test_util.h"

namespace spindle::engine {
namespace {

namespace fs = std::filesystem;
using test::wat;

// A module with code, a table, passive data and elems, and active data that
// the tests vary (`data` is the text of its active segments).
std::string module_text(const std::string& data, const std::string& passive = "passive") {
  return R"((module
  (memory (export "memory") 1)
  (table 4 funcref)
  (global $sp (mut i32) (i32.const 4096))
  )" + data +
         R"(
  (data $p ")" +
         passive +
         R"(")
  (elem (i32.const 0) $one $two)
  (elem $pe func $two)
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $pair (param i32) (result i32 i32) (local.get 0) (i32.add (local.get 0) (i32.const 1)))
  (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "indirect") (param i32) (result i32)
    (call_indirect (result i32) (local.get 0)))
  (func (export "passive") (result i32)
    (memory.init $p (i32.const 100) (i32.const 0) (i32.const 7))
    (i32.load8_u (i32.const 100)))
  (func (export "table_init") (result i32)
    (table.init $pe (i32.const 3) (i32.const 0) (i32.const 1))
    (call_indirect (result i32) (i32.const 3)))
  (func (export "multi") (param i32) (result i32)
    (call $pair (local.get 0)) (i32.mul))
))";
}

size_t artifacts(const fs::path& cache) {
  size_t n = 0;
  std::error_code ec;
  if (!fs::exists(cache / "native", ec)) return 0;
  for (auto& e : fs::recursive_directory_iterator(cache / "native"))
    if (e.path().extension() == ".so") ++n;
  return n;
}

uint32_t call_i32(Instance& inst, const char* name, std::vector<Value> args = {}) {
  Value r[2];
  Outcome o = inst.call(name, args, r);
  EXPECT_TRUE(o.ok()) << name << ": " << o.message;
  return r[0].i32;
}

TEST(ModuleCode, DataOnlyDifferencesKeepTheCodeKey) {
  auto a = wat(module_text(R"((data (i32.const 16) "hello"))"));
  auto b = wat(module_text(R"((data (i32.const 200) "other bytes") (data (i32.const 8) "x"))"));
  auto c = wat(module_text(R"((data (i32.const 16) "hello"))", "PASSIVE"));
  native::ModuleCode ca = native::scan_module(a), cb = native::scan_module(b),
                     cc = native::scan_module(c);
  ASSERT_TRUE(ca.image);
  ASSERT_TRUE(cb.image);
  // Offsets, lengths and bytes of active segments are not code ...
  EXPECT_NE(ca.digest, cb.digest) << "segment counts differ";
  auto b1 = wat(module_text(R"((data (i32.const 300) "another"))"));
  EXPECT_EQ(ca.digest, native::scan_module(b1).digest);
  // ... passive segments' bytes are.
  EXPECT_NE(ca.digest, cc.digest);
  std::vector<uint8_t> img = ca.image_bytes();
  ASSERT_EQ(img.size(), 21u);
  EXPECT_EQ(std::memcmp(img.data() + 16, "hello", 5), 0);
  EXPECT_EQ(img[0], 0);
}

TEST(ModuleCode, OutOfRangeOrImportedMemoryKeepsTheDataInTheCode) {
  auto a = wat(R"((module (memory 1) (data (i32.const 65530) "too long for the page")))", false);
  auto b = wat(R"((module (memory 1) (data (i32.const 65530) "too long for the page!")))", false);
  EXPECT_FALSE(native::scan_module(a).image);
  EXPECT_NE(native::scan_module(a).digest, native::scan_module(b).digest);
  auto c = wat(R"((module (import "env" "m" (memory 1)) (data (i32.const 0) "a")))");
  auto d = wat(R"((module (import "env" "m" (memory 1)) (data (i32.const 0) "b")))");
  EXPECT_FALSE(native::scan_module(c).image);
  EXPECT_NE(native::scan_module(c).digest, native::scan_module(d).digest);
  // Not a module at all: the whole bytes are the key.
  std::vector<uint8_t> junk = {1, 2, 3};
  EXPECT_FALSE(native::scan_module(junk).image);
  EXPECT_FALSE(native::scan_module(junk).digest.empty());
}

// The heads of active data segments are left out of the code key and read
// only by the scan: an over-long LEB there (a memory index or an offset with
// unused bits set, malformed per the spec) must not share the key of the
// well-formed module, whose artifact would load it without validation.
TEST(ModuleCode, MalformedSegmentHeadsGetTheirOwnKeyAndAreRefused) {
  auto module = [](std::vector<uint8_t> head) {
    std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0, 5, 3, 1, 0, 1};  // memory 1
    std::vector<uint8_t> seg = {1};                                          // one segment
    seg.insert(seg.end(), head.begin(), head.end());
    seg.push_back(0);  // no bytes
    m.push_back(11);
    m.push_back(static_cast<uint8_t>(seg.size()));
    m.insert(m.end(), seg.begin(), seg.end());
    return m;
  };
  auto good = module({0x00, 0x41, 0x00, 0x0b});  // (i32.const 0)
  auto wide_flags = module({0x80, 0x80, 0x80, 0x80, 0x10, 0x41, 0x00, 0x0b});
  auto wide_offset = module({0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0b});
  auto long_ok = module({0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b});  // 0, padded: valid
  ASSERT_TRUE(native::scan_module(good).image);
  EXPECT_TRUE(native::scan_module(long_ok).image);
  for (const auto& bad : {wide_flags, wide_offset}) {
    EXPECT_FALSE(native::scan_module(bad).image);
    EXPECT_NE(native::scan_module(bad).digest, native::scan_module(good).digest);
  }
  fs::path cache = test::temp_dir("native_code_cache_malformed");
  EngineOptions o;
  o.cache_dir = cache;
  o.fallback_to_interp = false;
  ASSERT_TRUE(Engine::create(o)->load(good, "good.wasm").ok());
  for (const auto& bad : {wide_flags, wide_offset}) {
    auto r = Engine::create(o)->load(bad, "bad.wasm");
    EXPECT_FALSE(r.ok()) << "a malformed module loaded";
  }
}

TEST(NativeCodeCache, ModulesDifferingOnlyInDataShareOneArtifact) {
  fs::path cache = test::temp_dir("native_code_cache");
  EngineOptions o;
  o.cache_dir = cache;
  o.fallback_to_interp = false;
  auto engine = Engine::create(o);
  auto a = wat(module_text(R"((data (i32.const 16) "hello"))"));
  auto b = wat(module_text(R"((data (i32.const 1000) "world, a longer snapshot"))"));
  auto ma = engine->load(a, "a.wasm");
  ASSERT_TRUE(ma.ok()) << ma.error;
  EXPECT_EQ(artifacts(cache), 1u);
  auto mb = engine->load_compiled(b, "b.wasm");  // never compiles
  ASSERT_TRUE(mb.ok()) << mb.error << (mb.not_compiled ? " (not compiled)" : "");
  EXPECT_EQ(artifacts(cache), 1u);

  Linker linker;
  auto ia = ma.module->instantiate(linker, {});
  auto ib = mb.module->instantiate(linker, {});
  ASSERT_TRUE(ia.ok()) << ia.link_error << ia.outcome.message;
  ASSERT_TRUE(ib.ok()) << ib.link_error << ib.outcome.message;
  EXPECT_EQ(call_i32(*ia.instance, "byte", {Value::from_i32(16)}), uint32_t{'h'});
  EXPECT_EQ(call_i32(*ia.instance, "byte", {Value::from_i32(1000)}), 0u);
  EXPECT_EQ(call_i32(*ib.instance, "byte", {Value::from_i32(16)}), 0u);
  EXPECT_EQ(call_i32(*ib.instance, "byte", {Value::from_i32(1000)}), uint32_t{'w'});
  for (auto* inst : {ia.instance.get(), ib.instance.get()}) {
    EXPECT_EQ(call_i32(*inst, "passive"), uint32_t{'p'});
    EXPECT_EQ(call_i32(*inst, "indirect", {Value::from_i32(1)}), 2u);
    EXPECT_EQ(call_i32(*inst, "table_init"), 2u);
    EXPECT_EQ(call_i32(*inst, "multi", {Value::from_i32(6)}), 42u);
  }

  // A fresh engine (another process, as far as the cache knows) finds it too.
  auto again = Engine::create(o)->load_compiled(b, "b.wasm");
  ASSERT_TRUE(again.ok()) << again.error;
  auto ic = again.module->instantiate(linker, {});
  ASSERT_TRUE(ic.ok());
  EXPECT_EQ(call_i32(*ic.instance, "byte", {Value::from_i32(1001)}), uint32_t{'o'});

  // Different code: a second artifact.
  auto other = wat(module_text(R"((data (i32.const 16) "hello"))", "PASSIVE"));
  EXPECT_TRUE(engine->load_compiled(other, "c.wasm").not_compiled);
  ASSERT_TRUE(engine->load(other, "c.wasm").ok());
  EXPECT_EQ(artifacts(cache), 2u);
}

// An import or export's type, as text (for comparing descriptions).
std::string type_text(const ExternType& t) {
  std::string s(to_string(t.kind));
  s += " " + to_string(t.func) + " " + std::string(to_string(t.table.elem)) + " " +
       std::to_string(t.table.min) + "/" + std::to_string(t.table.max.value_or(~0u)) + " " +
       std::to_string(t.memory.min) + "/" + std::to_string(t.memory.max.value_or(~0u)) + " " +
       std::string(to_string(t.global.type)) + (t.global.mut ? " mut" : "");
  return s;
}

std::string describe_text(const std::vector<ImportDesc>& imports,
                          const std::vector<ExportDesc>& exports) {
  std::string s;
  for (const auto& i : imports) s += i.module + "." + i.name + ": " + type_text(i.type) + "\n";
  for (const auto& e : exports) s += e.name + ": " + type_text(e.type) + "\n";
  return s;
}

// A compiled module's imports and exports are stored beside its artifact;
// a module loaded from the cache takes them from there and sees the same
// ones the interpreter reads from the binary. A damaged description is
// ignored (the module is read again) and written anew.
TEST(NativeCodeCache, ACachedModuleTakesItsTypesFromTheStoredDescription) {
  std::string text = R"((module
  (import "env" "f" (func (param i32 i64) (result f32)))
  (import "env" "t" (table 2 10 funcref))
  (import "env" "g" (global (mut i64)))
  (memory (export "memory") 1 5)
  (global $sp (mut i32) (i32.const 4096))
  (global (export "answer") i32 (i32.const 42))
  (table (export "tab") 3 externref)
  (data (i32.const 16) "hello")
  (func (export "get") (param i64) (result i32 f64) (i32.const 7) (f64.const 1.5)))
)";
  auto bytes = wat(text);
  EngineOptions interp;
  interp.backend = Backend::Interp;
  auto want = Engine::create(interp)->load(bytes, "m.wasm");
  ASSERT_TRUE(want.ok()) << want.error;
  std::string expected = describe_text(want.module->imports(), want.module->exports());

  native::Description d{want.module->imports(), want.module->exports(), true};
  auto round = native::decode(native::encode(d));
  ASSERT_TRUE(round.has_value());
  EXPECT_EQ(describe_text(round->imports, round->exports), expected);
  EXPECT_TRUE(round->shadow_stack);
  std::string cut = native::encode(d);
  EXPECT_FALSE(native::decode(cut.substr(0, cut.size() - 1)).has_value());
  EXPECT_FALSE(native::decode("not a description").has_value());

  fs::path cache = test::temp_dir("native_code_cache_desc");
  EngineOptions o;
  o.cache_dir = cache;
  o.fallback_to_interp = false;
  ASSERT_TRUE(Engine::create(o)->load(bytes, "m.wasm").ok());
  fs::path so;
  for (auto& e : fs::recursive_directory_iterator(cache / "native"))
    if (e.path().extension() == ".so") so = e.path();
  ASSERT_TRUE(fs::exists(native::description_path(so)));
  auto cached = Engine::create(o)->load_compiled(bytes, "m.wasm");
  ASSERT_TRUE(cached.ok()) << cached.error;
  EXPECT_EQ(describe_text(cached.module->imports(), cached.module->exports()), expected);

  // (A module still loaded from the same wasm would be shared instead of
  // read again from the cache.)
  cached.module.reset();
  std::ofstream(native::description_path(so), std::ios::trunc) << "spindle module descr";
  auto reread = Engine::create(o)->load_compiled(bytes, "m.wasm");
  ASSERT_TRUE(reread.ok()) << reread.error;
  EXPECT_EQ(describe_text(reread.module->imports(), reread.module->exports()), expected);
  EXPECT_TRUE(native::load_description(so).has_value()) << "the description was not rewritten";
}

TEST(NativeCodeCache, CancelledCompilesFailAndCompileNothing) {
  fs::path cache = test::temp_dir("native_code_cache_cancel");
  EngineOptions o;
  o.cache_dir = cache;
  o.fallback_to_interp = false;
  auto engine = Engine::create(o);
  engine->cancel_compiles();  // as at shutdown
  auto r = engine->load(wat(module_text(R"((data (i32.const 16) "hello"))")), "a.wasm");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("cancelled"), std::string::npos) << r.error;
  EXPECT_EQ(artifacts(cache), 0u);
}

// Split C output (forced on a small module) runs like the whole file.
TEST(NativeSplit, ForcedSplitRunsEveryKindOfCall) {
  EngineOptions o;
  o.use_cache = false;
  o.split_c_bytes = 1;
  o.fallback_to_interp = false;
  auto engine = Engine::create(o);
  auto m = engine->load(wat(module_text(R"((data (i32.const 16) "hello"))")), "split.wasm");
  ASSERT_TRUE(m.ok()) << m.error;
  Linker linker;
  auto i = m.module->instantiate(linker, {});
  ASSERT_TRUE(i.ok()) << i.link_error << i.outcome.message;
  EXPECT_EQ(call_i32(*i.instance, "byte", {Value::from_i32(17)}), uint32_t{'e'});
  EXPECT_EQ(call_i32(*i.instance, "passive"), uint32_t{'p'});
  EXPECT_EQ(call_i32(*i.instance, "indirect", {Value::from_i32(0)}), 1u);
  EXPECT_EQ(call_i32(*i.instance, "table_init"), 2u);
  EXPECT_EQ(call_i32(*i.instance, "multi", {Value::from_i32(6)}), 42u);
}

TEST(NativeSplit, SplitsAtFunctionBoundariesAndRefusesOtherShapes) {
  std::string c =
      "#include \"module.h\"\n"
      "static u32 func_types[1];\n"
      "static u32 w2c_a(Z_m_instance_t*);\n"
      "static u32 w2c_b(Z_m_instance_t*,\n    u32);\n"
      "static void init_globals(Z_m_instance_t* instance) {\n}\n"
      "static u32 w2c_a(Z_m_instance_t* instance) {\n  return 1;\n}\n\n"
      "static u32 w2c_b(Z_m_instance_t* instance,\n    u32 p) {\n  return w2c_a(instance);\n}\n"
      "\n/* export: 'a' */\nu32 Z_mZ_a(Z_m_instance_t* instance) {\n  return w2c_a(instance);\n}\n";
  native::SplitSource s;
  ASSERT_TRUE(native::split_c(c, 1, s));
  ASSERT_EQ(s.parts.size(), 2u);
  EXPECT_NE(s.main.find("\nu32 func_types[1];"), std::string::npos);
  EXPECT_NE(s.main.find("\nu32 w2c_b(Z_m_instance_t*,\n    u32);"), std::string::npos);
  EXPECT_NE(s.main.find("Z_mZ_a"), std::string::npos);
  EXPECT_EQ(s.main.find("return 1;"), std::string::npos);
  EXPECT_NE(s.parts[0].find("extern u32 func_types[1];"), std::string::npos);
  EXPECT_NE(s.parts[0].find("u32 w2c_a(Z_m_instance_t* instance) {\n  return 1;\n}"),
            std::string::npos);
  EXPECT_EQ(s.parts[0].find("static u32 w2c_a(Z_m_instance_t* instance) {"), std::string::npos);
  EXPECT_NE(s.parts[1].find("w2c_b(Z_m_instance_t* instance,\n    u32 p) {"), std::string::npos);
  EXPECT_EQ(s.parts[0].find("Z_mZ_a"), std::string::npos);

  // Something between two definitions: not wasm2c's shape, not split.
  std::string odd = c;
  odd.insert(odd.find("static u32 w2c_b(Z_m_instance_t* instance"), "int stray;\n");
  EXPECT_FALSE(native::split_c(odd, 1, s));
  EXPECT_TRUE(s.parts.empty());
}

TEST(NativeSplit, DropsOnlyEmptyDataLoadsAtOffsetZero) {
  std::string c =
      "static void init_memories(Z_m_instance_t* instance) {\n"
      "  LOAD_DATA(instance->w2c_memory, 0u, NULL, 0);\n"
      "  LOAD_DATA(instance->w2c_memory, 70000u, NULL, 0);\n"
      "  LOAD_DATA(instance->w2c_memory, 0u, data_segment_data_w2c_d1, 3);\n"
      "  LOAD_DATA(instance->w2c_memory, 0u, NULL, 0);\n"
      "}\n";
  EXPECT_EQ(native::drop_empty_data_loads(c), 2u);
  EXPECT_EQ(c,
            "static void init_memories(Z_m_instance_t* instance) {\n"
            "  LOAD_DATA(instance->w2c_memory, 70000u, NULL, 0);\n"
            "  LOAD_DATA(instance->w2c_memory, 0u, data_segment_data_w2c_d1, 3);\n"
            "}\n");
}

}  // namespace
}  // namespace spindle::engine
