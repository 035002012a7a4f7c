// The component loader on components real tools make, built during the test
// run: clang-19 wasm32-wasi core modules wrapped by `jco new` with jco's
// WASI preview1 adapters, and component text assembled by `jco parse`
// (jco is pinned in tests/components/package-lock.json; scripts/setup
// installs it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "component_mutate.h"
#include "engine/component/loader.h"
#include "engine/validate.h"
#include "test_util.h"

namespace spindle::component {
namespace {

namespace fs = std::filesystem;

const fs::path kJco = fs::path(SPINDLE_COMPONENTS_DIR) / "node_modules/.bin/jco";

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& p, std::string_view text) {
  std::ofstream(p, std::ios::binary) << text;
}

// Runs a command; its output goes to `log`. Returns whether it exited 0.
bool run(const std::string& cmd, const fs::path& log) {
  return std::system((cmd + " >" + log.string() + " 2>&1").c_str()) == 0;
}

std::string slurp(const fs::path& p) {
  auto b = read_file(p);
  return {b.begin(), b.end()};
}

class ComponentJco : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kJco)) GTEST_SKIP() << "jco is not installed (run scripts/setup)";
    dir_ = test::temp_dir("component_jco");
  }

  // Compiles C to a wasm32-wasi core module, wraps it with `jco new`.
  fs::path wrap_c(std::string_view source, bool command) {
    fs::path c = dir_ / "guest.c", core = dir_ / "core.wasm", out = dir_ / "component.wasm";
    write_file(c, source);
    std::string cc = std::string(SPINDLE_WASM_CC) + " --target=wasm32-wasi -O1 " +
                     (command ? "" : "-mexec-model=reactor ") + c.string() + " -o " + core.string();
    EXPECT_TRUE(run(cc, dir_ / "cc.log")) << slurp(dir_ / "cc.log");
    std::string jco = kJco.string() + " new " + core.string() +
                      (command ? " --wasi-command" : " --wasi-reactor") + " -o " + out.string();
    EXPECT_TRUE(run(jco, dir_ / "jco.log")) << slurp(dir_ / "jco.log");
    return out;
  }

  ComponentFile load(const fs::path& p, std::vector<uint8_t>& bytes) {
    bytes = read_file(p);
    ComponentFile f;
    EXPECT_EQ(load_component(bytes, p.filename().string(), f), "");
    return f;
  }

  const Import* find_import(const ComponentFile& f, std::string_view unversioned) {
    for (const Import& i : f.root().imports)
      if (i.parsed.kind == NameKind::Interface && i.parsed.interface.unversioned() == unversioned)
        return &i;
    return nullptr;
  }

  fs::path dir_;
};

TEST_F(ComponentJco, ReactorWrappedByJcoNew) {
  fs::path p = wrap_c(R"(#include <stdio.h>
__attribute__((export_name("hello"))) int hello(int x) { printf("hi %d\n", x); return x + 1; }
)",
                      false);
  std::vector<uint8_t> bytes;
  ComponentFile f = load(p, bytes);
  ASSERT_FALSE(f.components.empty());
  const Component& c = f.root();
  // every import is an instance with an interface name at 0.2.x
  ASSERT_FALSE(c.imports.empty());
  for (const Import& i : c.imports) {
    EXPECT_EQ(i.type.sort, Sort::Instance) << i.name;
    ASSERT_EQ(i.parsed.kind, NameKind::Interface) << i.name;
    ASSERT_TRUE(i.parsed.interface.version.has_value()) << i.name;
    EXPECT_EQ(i.parsed.interface.version->major, 0u);
    EXPECT_EQ(i.parsed.interface.version->minor, 2u);
  }
  const Import* stdout_ = find_import(f, "wasi:cli/stdout");
  ASSERT_NE(stdout_, nullptr);
  EXPECT_EQ(stdout_->parsed.interface.ns, "wasi");
  const Import* streams = find_import(f, "wasi:io/streams");
  ASSERT_NE(streams, nullptr);
  // wasi:io/streams exports resources and methods on them
  const TypeDef& it = f.types[streams->type.type];
  bool resource = false, method = false;
  for (const ExternDecl& d : it.exports) {
    resource |= d.type.sort == Sort::Type && f.types[d.type.type].kind == TypeKind::Resource;
    method |= d.parsed.kind == NameKind::Method;
  }
  EXPECT_TRUE(resource);
  EXPECT_TRUE(method);
  // the embedded core modules (the guest, the adapter, the shims) are
  // byte ranges the core engine can load
  ASSERT_GE(c.modules_defined.size(), 2u);
  for (const CoreModuleDef& m : c.modules_defined)
    EXPECT_EQ(engine::validate(without_custom_sections(module_bytes(bytes, m)), "embedded.wasm"),
              "");
  EXPECT_FALSE(c.canons.empty());
}

TEST_F(ComponentJco, CommandExportsWasiCliRun) {
  fs::path p = wrap_c(R"(#include <stdio.h>
int main(int argc, char** argv) { printf("hello %d\n", argc); return 0; }
)",
                      true);
  std::vector<uint8_t> bytes;
  ComponentFile f = load(p, bytes);
  ASSERT_FALSE(f.components.empty());
  const Component& c = f.root();
  EXPECT_NE(find_import(f, "wasi:cli/environment"), nullptr);
  EXPECT_NE(find_import(f, "wasi:cli/exit"), nullptr);
  ASSERT_EQ(c.exports.size(), 1u);
  EXPECT_EQ(c.exports[0].parsed.interface.unversioned(), "wasi:cli/run");
  EXPECT_EQ(c.exports[0].type.sort, Sort::Instance);
  const TypeDef& run = f.types[c.exports[0].type.type];
  ASSERT_EQ(run.exports.size(), 1u);
  EXPECT_EQ(run.exports[0].name, "run");
  const TypeDef& fn = f.types[run.exports[0].type.type];
  EXPECT_EQ(fn.kind, TypeKind::Func);
  EXPECT_TRUE(fn.result.has_value());  // result
  EXPECT_GE(f.components.size(), 2u);  // the export goes through a nested component

  // mutations of a real component load or fail with a message
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    cb::Bytes b = bytes;
    cb::mutate(b, rng);
    ComponentFile g;
    std::string err = load_component(b, "m.wasm", g);
    if (!err.empty()) {
      EXPECT_EQ(err.rfind("m.wasm: ", 0), 0u);
    }
  }
}

TEST_F(ComponentJco, ParsedTextWithResourcesAndNesting) {
  write_file(dir_ / "t.wat", R"((component
  (type $counters-t (instance
    (export "counter" (type $c (sub resource)))
    (type $own (own $c))
    (type $bor (borrow $c))
    (export "[constructor]counter" (func (param "start" u32) (result $own)))
    (export "[method]counter.next" (func (param "self" $bor) (result u32)))
    (export "[static]counter.zero" (func (result $own)))
  ))
  (import "test:demo/counters@1.2.3" (instance $counters (type $counters-t)))
  (alias export $counters "counter" (type $counter))
  (alias export $counters "[method]counter.next" (func $next))
  (core module $m
    (import "host" "next" (func $next (param i32) (result i32)))
    (import "host" "drop" (func $drop (param i32)))
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)
    (func (export "greet") (param i32 i32) (result i32) i32.const 0)
    (func (export "greet-post") (param i32))
    (func (export "dtor") (param i32)))
  (core func $next-lowered (canon lower (func $next)))
  (core func $drop (canon resource.drop $counter))
  (core instance $host (export "next" (func $next-lowered)) (export "drop" (func $drop)))
  (core instance $i (instantiate $m (with "host" (instance $host))))
  (type $greet-t (func (param "name" string) (result string)))
  (func $greet (type $greet-t)
    (canon lift (core func $i "greet") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))
      string-encoding=utf16 (post-return (core func $i "greet-post"))))
  (type $mine (resource (rep i32) (dtor (core func $i "dtor"))))
  (core func $new (canon resource.new $mine))
  (component $shim
    (import "greet" (func $g (param "name" string) (result string)))
    (export "greet" (func $g)))
  (instance $s (instantiate $shim (with "greet" (func $greet))))
  (export "test:demo/greeter@0.2.0" (instance $s))
))");
  ASSERT_TRUE(run(
      kJco.string() + " parse " + (dir_ / "t.wat").string() + " -o " + (dir_ / "t.wasm").string(),
      dir_ / "parse.log"))
      << slurp(dir_ / "parse.log");
  std::vector<uint8_t> bytes;
  ComponentFile f = load(dir_ / "t.wasm", bytes);
  ASSERT_FALSE(f.components.empty());
  const Component& c = f.root();
  ASSERT_EQ(c.imports.size(), 1u);
  EXPECT_EQ(to_string(*c.imports[0].parsed.interface.version), "1.2.3");
  const TypeDef& counters = f.types[c.imports[0].type.type];
  ASSERT_EQ(counters.exports.size(), 4u);
  EXPECT_EQ(counters.exports[1].parsed.kind, NameKind::Constructor);
  ASSERT_EQ(c.canons.size(), 4u);
  EXPECT_EQ(c.canons[0].kind, CanonKind::Lower);
  EXPECT_EQ(c.canons[1].kind, CanonKind::ResourceDrop);
  EXPECT_EQ(c.canons[2].kind, CanonKind::Lift);
  EXPECT_EQ(c.canons[2].options.encoding, StringEncoding::Utf16);
  EXPECT_NE(c.canons[2].options.post_return, kNone);
  EXPECT_EQ(c.canons[3].kind, CanonKind::ResourceNew);
  ASSERT_EQ(c.exports.size(), 1u);
  EXPECT_EQ(c.exports[0].parsed.interface.unversioned(), "test:demo/greeter");
  EXPECT_EQ(f.components.size(), 2u);
}

}  // namespace
}  // namespace spindle::component
