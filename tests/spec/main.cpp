// spec_runner: runs the WebAssembly core spec tests (wast2json output) on one
// of spindle's engine backends.
//
//   spec_runner --backend native|interp [--skip-file F] [--jobs N]
//               [--timeout SEC] [--cache-dir D] [--no-cache] [--no-fork]
//               [--verbose] [--files-from LIST] file.json...
//
// Each file runs in a forked child (--no-fork: in this process, e.g. under a
// debugger), so a crash fails the command that caused it and the run goes on.
//
// --timeout: wall-clock limit per call (default 20 s, 0 = none), so a guest
// that runs away without trapping fails its command instead of hanging.
//
// Prints one PASS/FAIL/SKIP line per file (failing commands below it) and a
// total "N passed, N failed[, N skipped]". Exit status: 0 when nothing
// failed, 1 when something did, 2 on bad usage or a missing backend, 77 when
// every file given was skipped (ctest's SKIP_RETURN_CODE).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "isolate.h"
#include "runner.h"
#include "skips.h"

namespace {

using namespace spindle;

int usage(const char* why) {
  if (why) std::fprintf(stderr, "spec_runner: %s\n", why);
  std::fputs(
      "usage: spec_runner --backend native|interp [--skip-file F] [--jobs N]\n"
      "                   [--timeout SEC] [--cache-dir D] [--no-cache] [--no-fork]\n"
      "                   [--verbose] [--files-from LIST] file.json...\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  spec::RunnerOptions opts;
  opts.call_timeout = std::chrono::seconds(20);
  engine::EngineOptions eopts;
  bool have_backend = false;
  bool fork = true;
  std::filesystem::path skip_file;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "spec_runner: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--backend") {
      std::string_view b = value("--backend");
      if (b == "native") {
        opts.backend = engine::Backend::Native;
      } else if (b == "interp") {
        opts.backend = engine::Backend::Interp;
      } else {
        return usage("--backend must be native or interp");
      }
      have_backend = true;
    } else if (a == "--skip-file") {
      skip_file = value("--skip-file");
    } else if (a == "--jobs" || a == "-j") {
      int n = std::atoi(value("--jobs"));
      if (n < 1) return usage("--jobs must be at least 1");
      opts.jobs = static_cast<unsigned>(n);
    } else if (a == "--timeout") {
      double sec = std::atof(value("--timeout"));
      if (sec < 0) return usage("--timeout must be >= 0");
      opts.call_timeout = std::chrono::nanoseconds(static_cast<int64_t>(sec * 1e9));
    } else if (a == "--cache-dir") {
      eopts.cache_dir = value("--cache-dir");
    } else if (a == "--no-cache") {
      eopts.use_cache = false;
    } else if (a == "--files-from") {
      const char* list = value("--files-from");
      std::ifstream in(list);
      if (!in) return usage((std::string("cannot read ") + list).c_str());
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) files.emplace_back(line);
    } else if (a == "--no-fork") {
      fork = false;
    } else if (a == "--verbose" || a == "-v") {
      opts.verbose = true;
    } else if (a == "--help" || a == "-h") {
      usage(nullptr);
      return 0;
    } else if (a.starts_with("-")) {
      return usage(("unknown option " + std::string(a)).c_str());
    } else {
      files.emplace_back(a);
    }
  }
  if (!have_backend) return usage("--backend is required");
  if (files.empty()) return usage("no test files given");

  spec::SkipList skips;
  if (!skip_file.empty()) {
    std::string err;
    if (!skips.load(skip_file, err)) {
      std::fprintf(stderr, "spec_runner: %s\n", err.c_str());
      return 2;
    }
  }

  eopts.backend = opts.backend;
  // The native run tests native code: a module wasm2c cannot translate is
  // refused (and listed in the skip file), not quietly interpreted.
  eopts.fallback_to_interp = false;
  std::unique_ptr<engine::Engine> engine = engine::Engine::create(eopts);
  if (!engine) {
    std::fprintf(stderr,
                 "spec_runner: the %s backend is not available in this build "
                 "(Engine::create returned null)\n",
                 std::string(engine::to_string(opts.backend)).c_str());
    return 2;
  }

  int passed = 0, failed = 0, skipped = 0, text_modules = 0;
  size_t files_skipped = 0;
  for (const auto& f : files) {
    // Whole-file skips need no child: they only count.
    bool isolate = fork && !skips.file_rule(spec::file_stem(f.filename().string()), opts.backend);
    spec::FileResult r = isolate ? spec::run_file_isolated(*engine, f, skips, opts)
                                 : spec::run_file(*engine, f, skips, opts);
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
    text_modules += r.text_modules;
    if (r.file_skip) {
      ++files_skipped;
      std::printf("SKIP %s: %s\n", r.name.c_str(), r.file_skip->reason.c_str());
      std::fflush(stdout);
      continue;
    }
    std::printf("%s %s: %d passed, %d failed", r.failed ? "FAIL" : "PASS", r.name.c_str(), r.passed,
                r.failed);
    if (r.skipped) std::printf(", %d skipped", r.skipped);
    if (r.text_modules) std::printf(" (%d text-form assert_malformed not run)", r.text_modules);
    std::printf("\n");
    for (const auto& s : r.skips) std::printf("  skipped %s\n", s.c_str());
    for (const auto& s : r.failures) std::printf("  %s\n", s.c_str());
    std::fflush(stdout);
  }
  if (text_modules)
    std::printf(
        "%d text-form assert_malformed modules not run and not counted: wast2json writes "
        "`module quote` text unchecked and the engines load only binaries\n",
        text_modules);
  std::printf("%d passed, %d failed", passed, failed);
  if (skipped) std::printf(", %d skipped", skipped);
  std::printf("\n");
  if (failed) return 1;
  if (files_skipped == files.size()) return 77;
  return 0;
}
