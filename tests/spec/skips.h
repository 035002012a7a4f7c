// The spec-test skip list (tests/spec/skips.txt): the only things the runner
// may leave out, each with its reason.
//
//   # comment
//   [native:|interp:] <file>[:<line>] [—|-] <reason>
//
// <file> is a file name with or without its extension (.wast and .json are
// interchangeable) and may use shell wildcards (simd_*.wast). Without a line
// the whole file is skipped; with one, only the command from that .wast line.
// A backend prefix limits the rule to that backend.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace spindle::spec {

struct SkipRule {
  std::optional<engine::Backend> backend;  // empty: every backend
  std::string pattern;                     // file stem pattern (no extension)
  std::optional<uint32_t> line;            // empty: the whole file
  std::string reason;
  int source_line = 0;  // line in the skip file
};

class SkipList {
 public:
  // Reads `path`; false (and `error` set) when it cannot be read or parsed.
  bool load(const std::filesystem::path& path, std::string& error);

  // The rule skipping the whole file `stem` (e.g. "i32") on `backend`.
  const SkipRule* file_rule(std::string_view stem, engine::Backend backend) const;
  // The rule skipping the command at `line` of file `stem` on `backend`.
  const SkipRule* line_rule(std::string_view stem, uint32_t line, engine::Backend backend) const;

 private:
  std::vector<SkipRule> rules_;
};

// "i32.wast", "dir/i32.json", "i32" → "i32".
std::string file_stem(std::string_view name);

}  // namespace spindle::spec
