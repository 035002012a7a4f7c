// `spindle run`: runs a WASI command (a core module, or a WASI 0.2 component exporting
// wasi:cli/run), like `wasmtime run`.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace spindle::cli {

// Exit statuses of spindle itself (documented in docs/CLI.md). A guest's own
// exit code (0–125) is passed through unchanged.
inline constexpr int kExitUsage = 2;            // bad command line
inline constexpr int kExitGuestCodeHigh = 125;  // guest exited with a code > 125
inline constexpr int kExitCannotRun = 126;      // unreadable, invalid, unlinkable module
inline constexpr int kExitTrap = 134;           // the guest trapped (as wasmtime: 128 + SIGABRT)

struct RunOptions {
  std::string module;
  std::vector<std::string> args;  // after the module (guest argv[1..])
  engine::Backend backend = engine::Backend::Native;
  std::vector<std::string> dirs;     // HOST[::GUEST], read-write
  std::vector<std::string> dirs_ro;  // HOST[::GUEST], read-only
  std::vector<std::string> env;      // KEY=VALUE
  uint64_t max_memory = uint64_t{1} << 32;
  std::chrono::nanoseconds timeout{0};
  bool use_cache = true;
};

int run_command(const RunOptions& opts);

}  // namespace spindle::cli
