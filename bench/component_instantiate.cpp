// What one request's component instance costs, for the Spin JS SDK hello
// component (StarlingMonkey, ~12 MB; built by tests/components/build-js.sh):
//
//   BM_ComponentInstantiate  LinkedComponent::instantiate and destruction,
//                            every import resolved to a stub that traps;
//   BM_JsHelloRequest        a whole request without the network: the
//                            wasi:http executor's handle() (fresh instance,
//                            WASI 0.2 and wasi:http host, the guest's
//                            handler, the response) for a GET shaped like
//                            wrk's: issue 12's "instantiate + handle" (P11).
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

#include "abi/executor.h"
#include "engine/component/link_component.h"
#include "engine/engine.h"

#ifndef SPINDLE_JS_HELLO_COMPONENT
#error "SPINDLE_JS_HELLO_COMPONENT must be defined by the build"
#endif

namespace {

using namespace spindle;

struct Loaded {
  std::unique_ptr<engine::Engine> engine;
  std::shared_ptr<component::LinkPlan> plan;
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

void BM_JsHelloRequest(benchmark::State& state, engine::Backend backend) {
  Loaded& l = loaded(backend);
  if (!l.plan) {
    state.SkipWithError(l.error.c_str());
    return;
  }
  abi::ComponentConfig cc;
  cc.id = "hello";
  cc.component = l.plan;
  abi::PrepareResult prepared = abi::make_executor(abi::ExecutorKind::Spin, nullptr, cc);
  if (!prepared.ok()) {
    state.SkipWithError(prepared.error.c_str());
    return;
  }
  abi::Request req;
  req.method = "GET";
  req.uri = "/";
  req.headers = {{"host", "127.0.0.1:3000"}};
  abi::CallInfo info;
  info.matched_route = info.raw_component_route = "/...";
  info.client_addr = "127.0.0.1:40000";
  info.host = "127.0.0.1:3000";
  for (auto _ : state) {
    abi::Result r = prepared.executor->handle(req, info);
    if (r.response.status != 200) {
      state.SkipWithError(("status " + std::to_string(r.response.status) + ": " + r.error).c_str());
      return;
    }
    benchmark::DoNotOptimize(r);
  }
}

BENCHMARK_CAPTURE(BM_JsHelloRequest, native, engine::Backend::Native)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.5);
BENCHMARK_CAPTURE(BM_ComponentInstantiate, native, engine::Backend::Native)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.5);
BENCHMARK_CAPTURE(BM_ComponentInstantiate, interp, engine::Backend::Interp)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.5);

}  // namespace

BENCHMARK_MAIN();
