// Runs one wast2json command file against an engine: modules, registrations,
// actions and assertions, with the `spectest` host module.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "skips.h"

namespace spindle::spec {

struct RunnerOptions {
  engine::Backend backend = engine::Backend::Interp;
  unsigned jobs = 1;     // threads loading (compiling) a file's modules up front
  bool verbose = false;  // print every command as it runs, and spectest.print*
  // Wall-clock limit per call (0: none): a runaway guest fails its command
  // with a Timeout trap instead of hanging the run.
  std::chrono::nanoseconds call_timeout{0};
};

struct FileResult;
// Called before each command with the results so far and the command's line.
using ProgressFn = std::function<void(const FileResult& so_far, uint32_t line)>;

struct FileResult {
  std::string name;  // "i32.wast"
  int passed = 0;
  int failed = 0;
  int skipped = 0;       // commands skipped by a line rule (or all, when the file is)
  int text_modules = 0;  // text-form assert_malformed, not run
  const SkipRule* file_skip = nullptr;  // the whole file was skipped by this rule
  std::vector<std::string> failures;    // one line each
  std::vector<std::string> skips;       // one line each
};

FileResult run_file(engine::Engine& engine, const std::filesystem::path& json_path,
                    const SkipList& skips, const RunnerOptions& opts,
                    const ProgressFn& progress = {});

}  // namespace spindle::spec
