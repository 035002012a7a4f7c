// The component loader on real Spin 3 JavaScript components: the Spin JS SDK
// http-js template's hello app and an echo app (tests/components/js/), built
// during the test run by tests/components/build-js.sh with the SDK's pinned
// npm packages (componentize-js 0.19 + wizer: StarlingMonkey, ~12 MB each).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>

#include "build_js.h"
#include "engine/component/loader.h"
#include "engine/component/reader.h"
#include "engine/validate.h"

namespace spindle::component {
namespace {

namespace fs = std::filesystem;

const fs::path kOut = SPINDLE_JS_COMPONENTS;

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A core module's sections by id, in order (custom sections by their name
// as "custom:<name>").
struct Section {
  uint8_t id;
  std::string custom;
  std::span<const uint8_t> bytes;  // the contents, without id and size
};

std::vector<Section> sections(std::span<const uint8_t> m) {
  std::vector<Section> out;
  Reader r(m.subspan(8), 8);
  while (!r.at_end()) {
    Section s;
    s.id = r.u8();
    uint32_t size = r.u32();
    Reader body = r.sub(size);
    s.bytes = body.data();
    if (s.id == 0) s.custom = body.name();
    out.push_back(s);
  }
  return out;
}

const char* section_name(uint8_t id) {
  static const char* names[] = {"custom", "type",   "import",   "function", "table",
                                "memory", "global", "export",   "start",    "elem",
                                "code",   "data",   "datacount"};
  return id < std::size(names) ? names[id] : "?";
}

struct Built {
  std::vector<uint8_t> bytes;
  ComponentFile file;
  std::string error;
  long long load_us = 0;  // load_component's time
};

// The largest embedded core module: StarlingMonkey with the app's
// snapshot (the others are small shims and adapters).
std::span<const uint8_t> main_module(const Built& b) {
  const CoreModuleDef* big = largest_core_module(b.file);
  return big ? module_bytes(b.bytes, *big) : std::span<const uint8_t>();
}

class ComponentJs : public ::testing::Test {
 protected:
  // Builds both apps once per test process (build-js.sh skips an app whose
  // inputs did not change, and serialises concurrent runs).
  static void SetUpTestSuite() {
    bool skip = false;
    build_log_ = test::build_js("hello echo", skip);
    if (skip) skip_ = build_log_;
    build_ok_ = build_log_.empty();
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(build_ok_) << build_log_;
  }

  // The app's component, read and loaded on first use.
  static const Built& app(const std::string& name) {
    auto [it, fresh] = apps_.try_emplace(name);
    Built& b = it->second;
    if (fresh) {
      b.bytes = read_file(kOut / (name + ".wasm"));
      auto start = std::chrono::steady_clock::now();
      b.error = load_component(b.bytes, name + ".wasm", b.file);
      b.load_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
    }
    return b;
  }

  static inline std::string skip_, build_log_;
  static inline bool build_ok_ = false;
  static inline std::map<std::string, Built> apps_;
};

const Import* find_import(const ComponentFile& f, std::string_view unversioned) {
  for (const Import& i : f.root().imports)
    if (i.parsed.kind == NameKind::Interface && i.parsed.interface.unversioned() == unversioned)
      return &i;
  return nullptr;
}

void expect_spin_http_component(const Built& b, const std::string& app) {
  ASSERT_EQ(b.error, "") << app;
  ASSERT_FALSE(b.file.components.empty());
  const Component& root = b.file.root();

  // Every import is a WASI 0.2 interface instance.
  std::set<std::string> imports;
  for (const Import& i : root.imports) {
    EXPECT_EQ(i.type.sort, Sort::Instance) << app << ": " << i.name;
    ASSERT_EQ(i.parsed.kind, NameKind::Interface) << app << ": " << i.name;
    EXPECT_EQ(i.parsed.interface.ns, "wasi") << app << ": " << i.name;
    ASSERT_TRUE(i.parsed.interface.version.has_value()) << app << ": " << i.name;
    EXPECT_EQ(i.parsed.interface.version->major, 0u) << i.name;
    EXPECT_EQ(i.parsed.interface.version->minor, 2u) << i.name;
    imports.insert(i.parsed.interface.unversioned());
  }
  for (const char* want :
       {"wasi:http/types", "wasi:http/outgoing-handler", "wasi:io/error", "wasi:io/poll",
        "wasi:io/streams", "wasi:clocks/monotonic-clock", "wasi:clocks/wall-clock",
        "wasi:random/random", "wasi:cli/stdout", "wasi:cli/stderr", "wasi:cli/stdin",
        "wasi:cli/environment", "wasi:filesystem/types", "wasi:filesystem/preopens"})
    EXPECT_TRUE(imports.count(want)) << app << " does not import " << want;

  // wasi:http/types exports resources with methods, and the handler's
  // request and response-outparam are among them.
  const Import* http = find_import(b.file, "wasi:http/types");
  ASSERT_NE(http, nullptr);
  std::set<std::string> resources;
  for (const ExternDecl& d : b.file.types[http->type.type].exports)
    if (d.type.sort == Sort::Type && b.file.types[d.type.type].kind == TypeKind::Resource)
      resources.insert(d.name);
  for (const char* r : {"fields", "incoming-request", "outgoing-response", "response-outparam",
                        "incoming-body", "outgoing-body"})
    EXPECT_TRUE(resources.count(r)) << app << ": wasi:http/types has no resource " << r;

  // The one export: wasi:http/incoming-handler@0.2.x with `handle`.
  ASSERT_EQ(root.exports.size(), 1u) << app;
  const Export& e = root.exports[0];
  ASSERT_EQ(e.parsed.kind, NameKind::Interface);
  EXPECT_EQ(e.parsed.interface.unversioned(), "wasi:http/incoming-handler");
  ASSERT_TRUE(e.parsed.interface.version.has_value());
  EXPECT_EQ(e.parsed.interface.version->major, 0u);
  EXPECT_EQ(e.parsed.interface.version->minor, 2u);
  ASSERT_EQ(e.type.sort, Sort::Instance);
  // Its instance type: `handle`, and the wasi:http/types resources it uses.
  const TypeDef& handler = b.file.types[e.type.type];
  const ExternDecl* handle = nullptr;
  for (const ExternDecl& d : handler.exports)
    if (d.name == "handle") handle = &d;
  ASSERT_NE(handle, nullptr) << app;
  ASSERT_EQ(handle->type.sort, Sort::Func);
  const TypeDef& fn = b.file.types[handle->type.type];
  EXPECT_EQ(fn.kind, TypeKind::Func);
  ASSERT_EQ(fn.fields.size(), 2u);  // request: own<incoming-request>, response-out: own<...>
  EXPECT_EQ(fn.fields[0].name, "request");
  EXPECT_EQ(fn.fields[1].name, "response-out");
  for (const Field& f : fn.fields) {
    ASSERT_FALSE(f.type.is_prim);
    EXPECT_EQ(b.file.types[f.type.id].kind, TypeKind::Own) << f.name;
  }
  EXPECT_FALSE(fn.result.has_value());
  for (const ExternDecl& d : handler.exports) {
    if (&d == handle) continue;
    EXPECT_EQ(d.type.sort, Sort::Type) << d.name;
  }

  // Every embedded core module is one the core engine accepts.
  size_t modules = 0;
  std::string sizes;
  for (const Component& c : b.file.components)
    for (const CoreModuleDef& m : c.modules_defined) {
      ++modules;
      sizes += (sizes.empty() ? "" : " + ") + std::to_string(m.size);
      EXPECT_EQ(engine::validate(without_custom_sections(module_bytes(b.bytes, m)),
                                 app + " core module " + std::to_string(modules)),
                "");
    }
  EXPECT_GE(modules, 2u);

  std::cout << "[ " << app << " ] " << b.bytes.size() << " bytes (loaded in " << b.load_us
            << " us), " << b.file.components.size() << " component(s), " << modules
            << " core module(s) (" << sizes << " bytes), " << root.imports.size() << " imports:";
  for (const Import& i : root.imports) std::cout << ' ' << i.name;
  std::cout << "; export " << e.name << '\n';
}

TEST_F(ComponentJs, HelloTemplateLoads) { expect_spin_http_component(app("hello"), "hello"); }

TEST_F(ComponentJs, EchoAppLoads) { expect_spin_http_component(app("echo"), "echo"); }

// Two apps share StarlingMonkey: their main core modules have the same code
// section (so one compiled artifact can serve both, keyed by the code);
// what the apps' wizer snapshots change is data (and the globals and memory
// size the snapshot records).
TEST_F(ComponentJs, AppsShareTheCodeSection) {
  const Built &a = app("hello"), &b = app("echo");
  ASSERT_EQ(a.error, "");
  ASSERT_EQ(b.error, "");
  std::vector<Section> sa = sections(main_module(a)), sb = sections(main_module(b));
  ASSERT_FALSE(sa.empty());
  auto key = [](const Section& s) {
    return s.id == 0 ? "custom:" + s.custom : std::string(section_name(s.id));
  };
  std::map<std::string, std::span<const uint8_t>> ma, mb;
  for (const Section& s : sa) ma[key(s)] = s.bytes;
  for (const Section& s : sb) mb[key(s)] = s.bytes;
  std::set<std::string> differ;
  for (auto& [k, bytes] : ma) {
    auto it = mb.find(k);
    bool same = it != mb.end() &&
                std::equal(bytes.begin(), bytes.end(), it->second.begin(), it->second.end());
    std::cout << "[ section ] " << k << ": hello " << bytes.size() << " bytes, echo "
              << (it == mb.end() ? 0 : it->second.size()) << " bytes, "
              << (same ? "identical" : "different") << '\n';
    if (!same) differ.insert(k);
  }
  for (auto& [k, bytes] : mb)
    if (!ma.count(k)) differ.insert(k);
  EXPECT_FALSE(differ.count("code")) << "the apps' StarlingMonkey code sections differ";
  EXPECT_FALSE(differ.count("type"));
  EXPECT_FALSE(differ.count("import"));
  EXPECT_FALSE(differ.count("function"));
  EXPECT_FALSE(differ.count("export"));
  EXPECT_TRUE(differ.count("data")) << "the apps' snapshots should differ in their data";

  // The other core modules (the wasi:http shims and fixups componentize-js
  // adds) are byte for byte the same.
  std::vector<std::span<const uint8_t>> ra, rb;
  for (const Component& c : a.file.components)
    for (const CoreModuleDef& m : c.modules_defined) ra.push_back(module_bytes(a.bytes, m));
  for (const Component& c : b.file.components)
    for (const CoreModuleDef& m : c.modules_defined) rb.push_back(module_bytes(b.bytes, m));
  ASSERT_EQ(ra.size(), rb.size());
  for (size_t i = 0; i < ra.size(); ++i) {
    if (ra[i].data() != main_module(a).data()) {
      EXPECT_TRUE(std::equal(ra[i].begin(), ra[i].end(), rb[i].begin(), rb[i].end()))
          << "core module " << i;
    }
  }
}

}  // namespace
}  // namespace spindle::component
