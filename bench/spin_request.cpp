// What one HTTP request costs inside spindle, without the network: the Spin
// executor's handle() on the bench hello component (bench/guests/
// hello_spin.cpp) with a request shaped like wrk's and the facts the HTTP
// trigger passes beside it (the seven `spin-*` headers). The difference between this and P1
// (instantiate + run of a WASI hello) is the Spin ABI round trip; the difference between P2's
// per-request time and this is the HTTP server and the router.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "abi/executor.h"
#include "engine/engine.h"

#ifndef SPINDLE_SPIN_HELLO_WASM
#error "SPINDLE_SPIN_HELLO_WASM must be defined by the build"
#endif

namespace {

using namespace spindle;

std::shared_ptr<const abi::Executor> executor() {
  static std::unique_ptr<engine::Engine> eng = [] {
    engine::EngineOptions o;
    return engine::Engine::create(o);
  }();
  static std::shared_ptr<const abi::Executor> ex = [] {
    auto bytes = engine::read_file(SPINDLE_SPIN_HELLO_WASM);
    if (!bytes) std::abort();
    auto mod = eng->load(*bytes, "hello_spin.wasm");
    if (!mod.ok()) std::abort();
    abi::ComponentConfig cc;
    cc.id = "hello";
    auto p = abi::make_executor(abi::ExecutorKind::Spin, mod.module, cc);
    if (!p.ok()) std::abort();
    return p.executor;
  }();
  return ex;
}

abi::Request request() {
  abi::Request r;
  r.method = "GET";
  r.uri = "/";
  r.headers = {{"host", "127.0.0.1:3000"}};
  return r;
}

// What the HTTP trigger knows of the request: the executor writes it as the
// seven `spin-*` headers.
abi::CallInfo call_info() {
  abi::CallInfo info;
  info.host = "127.0.0.1:3000";
  info.path_info = "/";
  info.matched_route = "/...";
  info.raw_component_route = "/...";
  info.client_addr = "127.0.0.1:40000";
  return info;
}

void BM_SpinHelloRequest(benchmark::State& state) {
  auto ex = executor();
  for (auto _ : state) {
    abi::Result r = ex->handle(request(), call_info());
    if (r.response.status != 200 || r.response.body != "hello\n") state.SkipWithError("bad answer");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SpinHelloRequest)->MinTime(0.25)->Repetitions(7)->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
