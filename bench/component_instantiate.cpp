// What one request's component instance costs: LinkedComponent::instantiate
// of the Spin JS SDK hello component (StarlingMonkey, ~12 MB; built by
// tests/components/build-js.sh) and its destruction, every import resolved
// to a stub that traps. The request itself (handle) is measured by bench/run
// through `spindle up`.
//
//   SPINDLE_BENCH_COMPONENT  the component (default: the build's
//                            js-components/hello.wasm)
//   XDG_CACHE_HOME           the native compile cache: compiling
//                            StarlingMonkey takes minutes when it is cold
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>

#include "engine/component/link_component.h"
#include "engine/engine.h"

#ifndef SPINDLE_JS_HELLO_COMPONENT
#error "SPINDLE_JS_HELLO_COMPONENT must be defined by the build"
#endif

namespace {

using namespace spindle;

struct Loaded {
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<component::LinkPlan> plan;
  component::HostImports imports;
  std::string error;
};

Loaded& loaded(engine::Backend backend) {
  static std::map<engine::Backend, Loaded> all;
  auto [it, fresh] = all.try_emplace(backend);
  Loaded& l = it->second;
  if (!fresh) return l;
  const char* env = std::getenv("SPINDLE_BENCH_COMPONENT");
  std::string path = env && *env ? env : SPINDLE_JS_HELLO_COMPONENT;
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  if (bytes.empty()) {
    l.error = "cannot read " + path + " (tests/components/build-js.sh builds it)";
    return l;
  }
  engine::EngineOptions eo;
  eo.backend = backend;
  eo.fallback_to_interp = false;
  l.engine = engine::Engine::create(eo);
  if (!l.engine) {
    l.error = "backend not available";
    return l;
  }
  l.plan = component::LinkPlan::create(*l.engine, std::move(bytes), "hello.wasm", l.error);
  l.imports.fallback = [](const std::string& key, const component::FuncSig&) {
    return [key](engine::InstanceData*, std::span<const component::Val>,
                 std::vector<component::Val>&) {
      return engine::Outcome::trapped(engine::TrapKind::HostError, "stub: " + key);
    };
  };
  return l;
}

void BM_ComponentInstantiate(benchmark::State& state, engine::Backend backend) {
  Loaded& l = loaded(backend);
  if (!l.plan) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  for (auto _ : state) {
    std::string error;
    auto c = component::LinkedComponent::instantiate(*l.plan, l.imports, error);
    if (!c) {
      state.SkipWithError(error.c_str());
      return;
    }
    benchmark::DoNotOptimize(c.get());
  }
}

BENCHMARK_CAPTURE(BM_ComponentInstantiate, native, engine::Backend::Native)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.5);
BENCHMARK_CAPTURE(BM_ComponentInstantiate, interp, engine::Backend::Interp)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.5);

}  // namespace

BENCHMARK_MAIN();
