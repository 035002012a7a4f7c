// Two Spin JS apps (tests/components/js: hello, echo) carry the same
// StarlingMonkey code with their own wizer snapshots: their big core modules
// must map to one native artifact, each with its own initial memory.
//
// The native compile of StarlingMonkey takes minutes, so the test that
// compiles and loads it runs only with SPINDLE_TEST_JS_NATIVE=1 (its cache,
// build/test-tmp/js-native-cache, is kept between runs).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "build_js.h"
#include "engine/component/loader.h"
#include "engine/engine.h"
#include "engine/native/module_code.h"

namespace spindle::engine {
namespace {

namespace fs = std::filesystem;

const fs::path kOut = SPINDLE_JS_COMPONENTS;

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The largest core module of the app's component (StarlingMonkey).
std::vector<uint8_t> main_module(const std::string& app) {
  std::vector<uint8_t> file = read_bytes(kOut / (app + ".wasm"));
  component::ComponentFile c;
  std::string err = component::load_component(file, app, c);
  EXPECT_EQ(err, "");
  const component::CoreModuleDef* big = component::largest_core_module(c);
  if (!big) return {};
  auto b = component::module_bytes(file, *big);
  return {b.begin(), b.end()};
}

class NativeJsShare : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    error_ = test::build_js("hello echo", skip_);
    ok_ = error_.empty();
  }
  void SetUp() override {
    if (skip_) GTEST_SKIP() << "the Spin JS SDK npm packages are not installed (scripts/setup)";
    ASSERT_TRUE(ok_) << error_;
  }
  static inline bool skip_ = false, ok_ = false;
  static inline std::string error_;
};

TEST_F(NativeJsShare, StarlingMonkeyModulesHaveOneCodeKeyAndTheirOwnImages) {
  auto hello = main_module("hello"), echo = main_module("echo");
  ASSERT_GT(hello.size(), 1000000u);
  ASSERT_NE(hello, echo);
  auto start = std::chrono::steady_clock::now();
  native::ModuleCode h = native::scan_module(hello);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  native::ModuleCode e = native::scan_module(echo);
  std::cout << "[ scan ] " << hello.size() << " bytes in " << us << " us\n";
  ASSERT_TRUE(h.image);
  ASSERT_TRUE(e.image);
  EXPECT_EQ(h.digest, e.digest);
  auto hi = h.image_bytes(), ei = e.image_bytes();
  EXPECT_GT(hi.size(), 1000000u);
  EXPECT_NE(hi, ei);
}

TEST_F(NativeJsShare, BothAppsLoadFromOneCompiledArtifact) {
  const char* on = std::getenv("SPINDLE_TEST_JS_NATIVE");
  if (!on || std::string(on) != "1")
    GTEST_SKIP() << "compiles StarlingMonkey (minutes): set SPINDLE_TEST_JS_NATIVE=1";
  fs::path cache = fs::path(SPINDLE_TEST_TMP) / "js-native-cache";
  EngineOptions o;
  o.cache_dir = cache;
  o.fallback_to_interp = false;
  auto engine = Engine::create(o);
  auto hello = main_module("hello"), echo = main_module("echo");
  auto a = engine->load(hello, "hello");
  ASSERT_TRUE(a.ok()) << a.error;
  // The second app never compiles: its code is the first one's.
  auto start = std::chrono::steady_clock::now();
  auto b = Engine::create(o)->load_compiled(echo, "echo");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  ASSERT_TRUE(b.ok()) << b.error << (b.not_compiled ? " (not compiled)" : "");
  std::cout << "[ second app ] loaded from the shared artifact in " << ms << " ms\n";
  size_t n = 0;
  for (auto& f : fs::recursive_directory_iterator(cache / "native"))
    n += f.path().extension() == ".so";
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(a.module->exports().size(), b.module->exports().size());

  // Each instance starts from its own snapshot: instantiate both (every
  // import a stub that traps; instantiation calls none) and compare their
  // memories with their own images.
  for (auto [module, wasm] : {std::pair{a.module, &hello}, std::pair{b.module, &echo}}) {
    Linker linker;
    for (const ImportDesc& imp : module->imports()) {
      ASSERT_EQ(imp.type.kind, ExternKind::Func) << imp.module << "." << imp.name;
      linker.define(imp.module, imp.name,
                    HostFunc{imp.type.func,
                             [](HostCall&, const Value*, Value*) {
                               return Outcome::trapped(TrapKind::HostError, "stub");
                             },
                             nullptr});
    }
    auto inst = module->instantiate(linker, {});
    ASSERT_TRUE(inst.ok()) << inst.link_error << inst.outcome.message;
    GuestMemory m = inst.instance->memory();
    std::vector<uint8_t> image = native::scan_module(*wasm).image_bytes();
    ASSERT_GE(m.size, image.size());
    EXPECT_TRUE(std::equal(image.begin(), image.end(), m.data));
  }
}

}  // namespace
}  // namespace spindle::engine
