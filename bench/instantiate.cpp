// Cold-start micro-benchmarks: what one request costs the engine, on the
// native backend and on the interpreter.
//
//   BM_InstantiateEmpty  instantiate a module with one empty export, call it,
//                        destroy the instance (empty Linker).
//   BM_HelloWasi         new wasi::Context (captured stdio), instantiate the
//                        hello guest, run `_start`, check it wrote 13 bytes,
//                        destroy. The product goal (docs/PERFORMANCE.md) is
//                        <= 5 us median on the native backend.
//   BM_CallEmpty         call the empty export of an existing instance: the
//                        per-call overhead alone.
//
// Modules are loaded (and, on the native backend, compiled or fetched from the
// cache) once, before timing. Each benchmark reports the median of
// kRepetitions runs; bench/run_instantiate.sh runs them and writes the table.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "wasi/wasi.h"

#ifndef SPINDLE_HELLO_WASM
#error "SPINDLE_HELLO_WASM (path of the hello guest) must be defined by the build"
#endif

namespace {

using namespace spindle::engine;
namespace wasi = spindle::wasi;

// (module (func (export "run")))
constexpr uint8_t kEmptyModule[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,        // magic, version
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                    // type: () -> ()
    0x03, 0x02, 0x01, 0x00,                                // func 0: type 0
    0x07, 0x07, 0x01, 0x03, 'r',  'u',  'n',  0x00, 0x00,  // export "run" = func 0
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,                    // code: empty body
};

constexpr size_t kHelloBytes = 13;  // "hello, world\n"
constexpr int kRepetitions = 7;
constexpr double kMinTimeSeconds = 0.25;
constexpr double kWarmUpSeconds = 0.05;

// The hello guest's path: $SPINDLE_BENCH_HELLO when set, else the build's.
std::string hello_path() {
  const char* p = std::getenv("SPINDLE_BENCH_HELLO");
  return p && *p ? p : SPINDLE_HELLO_WASM;
}

// One engine per backend and its loaded modules, made on first use (outside
// the timed loops) and kept for the whole run.
struct Loaded {
  std::unique_ptr<Engine> engine;
  std::shared_ptr<Module> empty;
  std::shared_ptr<Module> hello;
  std::string error;  // why this backend cannot run the benchmarks
};

Loaded& loaded(Backend backend) {
  static std::map<Backend, Loaded> all;
  auto [it, fresh] = all.try_emplace(backend);
  Loaded& l = it->second;
  if (!fresh) return l;
  EngineOptions eo;
  eo.backend = backend;
  eo.fallback_to_interp = false;  // measure the backend asked for, or fail
  l.engine = Engine::create(eo);
  if (!l.engine) {
    l.error = std::string("the ") + std::string(to_string(backend)) + " backend is not available";
    return l;
  }
  LoadResult empty = l.engine->load(kEmptyModule, "empty");
  if (!empty.ok()) {
    l.error = "empty module: " + empty.error;
    return l;
  }
  l.empty = empty.module;
  auto bytes = read_file(hello_path());
  if (!bytes) {
    l.error = "cannot read " + hello_path();
    return l;
  }
  LoadResult hello = l.engine->load(*bytes, "hello.wasm");
  if (!hello.ok()) {
    l.error = "hello.wasm: " + hello.error;
    return l;
  }
  l.hello = hello.module;
  if (l.empty->backend() != backend || l.hello->backend() != backend)
    l.error = "module loaded on another backend";
  return l;
}

// One iteration of each benchmark, kept out of line so that a profiler can
// count exactly what one iteration costs (valgrind --tool=callgrind
// --toggle-collect='*_once*', see docs/PERFORMANCE.md). Each returns an
// error message, empty on success.
[[gnu::noinline]] std::string instantiate_empty_once(Module& module, const Linker& linker) {
  InstantiateResult r = module.instantiate(linker, InstanceOptions{});
  if (!r.ok()) return "instantiate: " + r.link_error + describe(r.outcome);
  Outcome o = r.instance->call("run", {}, {});
  if (!o.ok()) return "run: " + describe(o);
  return {};
}

[[gnu::noinline]] std::string hello_once(Module& module, const Linker& linker,
                                         const std::shared_ptr<const wasi::Environment>& env) {
  wasi::Context context(env);
  spindle::engine::InstanceData data;
  data.wasi = &context;
  InstanceOptions opts;
  opts.data = &data;
  InstantiateResult r = module.instantiate(linker, opts);
  if (!r.ok()) return "instantiate: " + r.link_error + describe(r.outcome);
  Outcome o = r.instance->call("_start", {}, {});
  if (!o.ok() && !(o.trap == TrapKind::Exit && o.exit_code == 0)) return "_start: " + describe(o);
  size_t n = context.stdout_buffer().size();
  if (n != kHelloBytes) return "stdout: expected 13 bytes, got " + std::to_string(n);
  return {};
}

[[gnu::noinline]] std::string call_once(Extern& func) {
  Outcome o = func.call({}, {});
  if (!o.ok()) return "run: " + describe(o);
  return {};
}

void BM_InstantiateEmpty(benchmark::State& state, Backend backend) {
  Loaded& l = loaded(backend);
  if (!l.error.empty()) return state.SkipWithError(l.error.c_str());
  const Linker linker;
  for (auto _ : state) {
    std::string error = instantiate_empty_once(*l.empty, linker);
    if (!error.empty()) return state.SkipWithError(error.c_str());
  }
}

void BM_HelloWasi(benchmark::State& state, Backend backend) {
  Loaded& l = loaded(backend);
  if (!l.error.empty()) return state.SkipWithError(l.error.c_str());
  wasi::Config config;
  config.args = {"hello.wasm"};
  config.stdio = wasi::Stdio::Capture;
  std::string error;
  auto environment = wasi::make_environment(config, error);
  if (!environment) return state.SkipWithError(("wasi environment: " + error).c_str());
  Linker linker;
  wasi::link(linker);
  for (auto _ : state) {
    error = hello_once(*l.hello, linker, environment);
    if (!error.empty()) return state.SkipWithError(error.c_str());
  }
}

void BM_CallEmpty(benchmark::State& state, Backend backend) {
  Loaded& l = loaded(backend);
  if (!l.error.empty()) return state.SkipWithError(l.error.c_str());
  InstantiateResult r = l.empty->instantiate(Linker{}, InstanceOptions{});
  if (!r.ok())
    return state.SkipWithError(("instantiate: " + r.link_error + describe(r.outcome)).c_str());
  ExternPtr run = r.instance->get_export("run");
  if (!run) return state.SkipWithError("no export `run`");
  for (auto _ : state) {
    std::string error = call_once(*run);
    if (!error.empty()) return state.SkipWithError(error.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  // SPINDLE_BENCH_ITERATIONS=N: exactly N iterations, one repetition, no
  // warm-up (for profiling); otherwise medians of timed repetitions.
  const char* fixed = std::getenv("SPINDLE_BENCH_ITERATIONS");
  const long iterations = fixed ? std::atol(fixed) : 0;
  struct Case {
    const char* name;
    void (*fn)(benchmark::State&, Backend);
  };
  const Case cases[] = {{"BM_InstantiateEmpty", BM_InstantiateEmpty},
                        {"BM_HelloWasi", BM_HelloWasi},
                        {"BM_CallEmpty", BM_CallEmpty}};
  for (const Case& c : cases) {
    for (Backend backend : {Backend::Native, Backend::Interp}) {
      std::string name = std::string(c.name) + "/" + std::string(to_string(backend));
      auto* b = benchmark::RegisterBenchmark(name.c_str(), c.fn, backend);
      b->Unit(benchmark::kMicrosecond);
      if (iterations > 0)
        b->Iterations(iterations)->Repetitions(1);
      else
        b->Repetitions(kRepetitions)
            ->ReportAggregatesOnly(true)
            ->MinWarmUpTime(kWarmUpSeconds)
            ->MinTime(kMinTimeSeconds);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
