// Shared by the component link tests (component_link_test.cpp,
// component_link_wasi_test.cpp): the ComponentLink fixture (jco, an
// interpreter engine, plan/link helpers) and WASI stubs.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <thread>

#include "engine/component/link_component.h"
#include "test_util.h"

namespace spindle::component::link_test {

namespace fs = std::filesystem;

inline const fs::path kJco = fs::path(SPINDLE_COMPONENTS_DIR) / "node_modules/.bin/jco";

inline std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline std::string slurp(const fs::path& p) {
  auto b = read_bytes(p);
  return {b.begin(), b.end()};
}

inline bool run(const std::string& cmd, const fs::path& log) {
  return std::system((cmd + " >" + log.string() + " 2>&1").c_str()) == 0;
}

// Stubs for every import the host does not provide: each answers with an
// empty value of its result type (an own handle 1, none, an empty list,
// ok), records that it was called, and collects what was written to an
// output stream; anything else traps.
struct Stubs {
  explicit Stubs(const Layouts& l) : layouts(l) {}
  const Layouts& layouts;
  std::set<std::string> resolved;
  std::shared_ptr<std::vector<std::string>> called = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<std::string> written = std::make_shared<std::string>();

  void install(HostImports& host) {
    host.fallback = [this](const std::string& key, const FuncSig& sig) { return make(key, sig); };
  }
  std::string trace() const {
    std::string t;
    for (const auto& k : *called) t += k + "\n";
    return t;
  }

  HostFn make(const std::string& key, const FuncSig& sig) {
    resolved.insert(key);
    std::optional<ValType> result;
    if (!sig.results.empty()) result = sig.results[0];
    return [called = called, written = written, key, result, &l = layouts](engine::InstanceData*, std::span<const Val> a,
                                                                           std::vector<Val>& r) {
      called->push_back(key);
      if (key.ends_with("blocking-write-and-flush") && a.size() == 2)
        *written += std::string(a[1].as_bytes());
      if (!result) return engine::Outcome::success();
      ValType v = l.resolve(*result);
      if (v.is_prim && v.prim == PrimType::U64) {
        r.push_back(Val::u64(0));
        return engine::Outcome::success();
      }
      if (v.is_prim && v.prim == PrimType::U32) {
        r.push_back(Val::u32(0));
        return engine::Outcome::success();
      }
      if (v.is_prim && v.prim == PrimType::Bool) {
        r.push_back(Val::boolean(false));
        return engine::Outcome::success();
      }
      const TypeDef* d = l.def(*result);
      if (d != nullptr && d->kind == TypeKind::Own) {
        r.push_back(Val::own(1));
        return engine::Outcome::success();
      }
      if (d != nullptr && d->kind == TypeKind::Option) {
        r.push_back(Val::none());
        return engine::Outcome::success();
      }
      if (d != nullptr && d->kind == TypeKind::List) {
        r.push_back(Val::list({}));
        return engine::Outcome::success();
      }
      if (d != nullptr && d->kind == TypeKind::Result) {
        if (!d->ok) {
          r.push_back(Val::ok());
          return engine::Outcome::success();
        }
        if (d->ok->is_prim && d->ok->prim == PrimType::U64) {
          r.push_back(Val::ok(Val::u64(65536)));
          return engine::Outcome::success();
        }
      }
      return engine::Outcome::trapped(engine::TrapKind::HostError, "stub: " + key);
    };
  }
};

class ComponentLink : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kJco)) GTEST_SKIP() << "jco is not installed (run scripts/setup)";
    dir_ = test::temp_dir("component_link");
    engine::EngineOptions o;
    o.backend = engine::Backend::Interp;
    engine_ = engine::Engine::create(o);
  }

  std::vector<uint8_t> assemble(std::string_view wat) {
    fs::path src = dir_ / "t.wat", out = dir_ / "t.wasm";
    std::ofstream(src, std::ios::binary) << wat;
    bool ok =
        run(kJco.string() + " parse " + src.string() + " -o " + out.string(), dir_ / "parse.log");
    EXPECT_TRUE(ok) << slurp(dir_ / "parse.log");
    return read_bytes(out);
  }

  std::unique_ptr<LinkPlan> plan(std::vector<uint8_t> bytes) {
    std::string error;
    auto p = LinkPlan::create(*engine_, std::move(bytes), "t.wasm", error);
    EXPECT_TRUE(p) << error;
    return p;
  }

  std::unique_ptr<LinkedComponent> link(const LinkPlan& p, const HostImports& host = {}) {
    std::string error;
    auto c = LinkedComponent::instantiate(p, host, error);
    EXPECT_TRUE(c) << error;
    return c;
  }

  fs::path dir_;
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace spindle::component::link_test
