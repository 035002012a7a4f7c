// Runs one spec file in a forked child, so a backend crash (a signal the
// engine did not turn into a trap) fails that file's current command instead
// of ending the whole run. Results stream back over a pipe as they happen.
#pragma once

#include <filesystem>

#include "runner.h"

namespace spindle::spec {

FileResult run_file_isolated(engine::Engine& engine, const std::filesystem::path& json_path,
                             const SkipList& skips, const RunnerOptions& opts);

}  // namespace spindle::spec
