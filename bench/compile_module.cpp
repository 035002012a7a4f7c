// What loading a large module costs (issue 12: the StarlingMonkey core module
// of a Spin JS component, ~12 MB): parse + validate, the interpreter's load,
// wasm2c's translation, and the native backend's cold compile and warm
// (cached) load. Not a Google Benchmark:
// one cold compile takes minutes.
//
//   bench_compile [--no-parse] [--interp] [--native CACHE_DIR]
//                 [--emit DIR [--split BYTES]] [--extract OUT] FILE.wasm...
//
// A component FILE stands for its largest core module. --no-parse skips the
// timed WABT parse (so the peak RSS reported is the engine's own). --emit writes wasm2c's
// output (module.c, module.h; with --split, main.c and
// part<N>.c of about BYTES each) to DIR; --extract writes the core module.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/component/loader.h"
#include "engine/engine.h"
#include "engine/native/module_code.h"
#include "engine/native/split.h"
#include "engine/native/translate.h"
#include "engine/validate.h"
#include "wabt/ir.h"

namespace {

using namespace spindle;
namespace fs = std::filesystem;

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

long rss_mb(int who) {
  rusage u{};
  getrusage(who, &u);
  return u.ru_maxrss / 1024;
}

// The file itself, or the largest core module of a component.
std::vector<uint8_t> core_module(const std::vector<uint8_t>& file, const std::string& name) {
  if (file.size() < 8 || file[4] == 1) return file;  // core module version 1
  component::ComponentFile c;
  if (std::string err = component::load_component(file, name, c); !err.empty()) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return {};
  }
  const component::CoreModuleDef* big = component::largest_core_module(c);
  if (!big) return {};
  auto b = component::module_bytes(file, *big);
  return {b.begin(), b.end()};
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  bool interp = false, parse = true;
  std::string native_cache, emit, extract;
  size_t split = 0;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--interp") {
      interp = true;
    } else if (a == "--no-parse") {
      parse = false;
    } else if (a == "--native" && i + 1 < argc) {
      native_cache = argv[++i];
    } else if (a == "--emit" && i + 1 < argc) {
      emit = argv[++i];
    } else if (a == "--split" && i + 1 < argc) {
      split = std::stoul(argv[++i]);
    } else if (a == "--extract" && i + 1 < argc) {
      extract = argv[++i];
    } else {
      files.push_back(a);
    }
  }
  std::unique_ptr<engine::Engine> native;
  if (!native_cache.empty()) {
    engine::EngineOptions o;
    o.cache_dir = native_cache;
    o.fallback_to_interp = false;
    native = engine::Engine::create(o);
  }
  for (const std::string& f : files) {
    auto file = engine::read_file(f);
    if (!file) return std::fprintf(stderr, "cannot read %s\n", f.c_str()), 1;
    std::vector<uint8_t> wasm = core_module(*file, f);
    if (wasm.empty()) return 1;
    std::printf("%s: core module %zu bytes\n", f.c_str(), wasm.size());
    if (!extract.empty())
      std::ofstream(extract, std::ios::binary)
          .write(reinterpret_cast<const char*>(wasm.data()),
                 static_cast<std::streamsize>(wasm.size()));

    auto t = std::chrono::steady_clock::now();
    if (parse) {  // WABT's IR of a 12 MB module is ~600 MB: not kept past this block
      wabt::Module ir;
      std::string err = engine::read_and_validate(wasm, f, ir);
      std::printf("  parse + validate (WABT): %.3f s%s%s\n", since(t), err.empty() ? "" : ": ",
                  err.c_str());
      if (!emit.empty()) {
        t = std::chrono::steady_clock::now();
        if (engine::native::scan_module(wasm).image) engine::native::strip_active_segments(ir);
        std::string c, h;
        if (!engine::native::write_c(ir, c, h, err))
          return std::fprintf(stderr, "%s\n", err.c_str());
        size_t dropped = engine::native::drop_empty_data_loads(c);
        std::printf(
            "  wasm2c: %.3f s, %zu bytes of C (%zu empty data loads dropped), %zu of header\n",
            since(t), c.size(), dropped, h.size());
        fs::create_directories(emit);
        std::ofstream(fs::path(emit) / "module.c") << c;
        std::ofstream(fs::path(emit) / "module.h") << h;
        engine::native::SplitSource parts;
        t = std::chrono::steady_clock::now();
        if (split && engine::native::split_c(c, split, parts)) {
          std::printf("  split: %.3f s, %zu parts\n", since(t), parts.parts.size());
          std::ofstream(fs::path(emit) / "main.c") << parts.main;
          for (size_t k = 0; k < parts.parts.size(); ++k)
            std::ofstream(fs::path(emit) / ("part" + std::to_string(k) + ".c")) << parts.parts[k];
        } else if (split) {
          std::printf("  split: not splittable\n");
        }
      }
    }
    {  // what a load from the cache does before dlopen
      t = std::chrono::steady_clock::now();
      engine::native::ModuleCode code = engine::native::scan_module(wasm);
      double scan = since(t);
      t = std::chrono::steady_clock::now();
      std::vector<uint8_t> stub = engine::native::stub_module(wasm);
      wabt::Module ir;
      std::string err = engine::read_and_validate(stub, f, ir);
      double stub_s = since(t);
      t = std::chrono::steady_clock::now();
      std::vector<uint8_t> image = code.image_bytes();
      std::printf(
          "  cache-hit path: code key %.3f s, stub parse + validate %.3f s (%zu bytes%s%s), "
          "image %.3f s (%zu bytes)\n",
          scan, stub_s, stub.size(), err.empty() ? "" : ": ", err.c_str(), since(t), image.size());
    }
    if (interp) {
      engine::EngineOptions o;
      o.backend = engine::Backend::Interp;
      auto e = engine::Engine::create(o);
      t = std::chrono::steady_clock::now();
      auto r = e->load(wasm, f);
      std::printf("  interpreter load: %.3f s%s%s\n", since(t), r.error.empty() ? "" : ": ",
                  r.error.c_str());
    }
    if (native) {
      t = std::chrono::steady_clock::now();
      auto r = native->load(wasm, f);
      // (RUSAGE_CHILDREN is no use here: posix_spawn's vfork children count
      // the parent's pages until they exec.)
      std::printf("  native load: %.3f s (peak RSS of this process %ld MB)%s%s\n", since(t),
                  rss_mb(RUSAGE_SELF), r.error.empty() ? "" : ": ", r.error.c_str());
    }
  }
  return 0;
}
