// A compiled module's description, stored beside its artifact in the cache
// (<key>.so.desc): its imports and exports with their types, and whether
// global 0 is a shadow stack pointer. All of it comes from sections the
// cache key covers byte for byte (module_code.h), so every module with that
// key has this description, and one loaded from the cache needs no WABT
// read: for a StarlingMonkey module, reading and validating even its
// code-less stub took about a quarter of a second app's start.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace spindle::engine::native {

struct Description {
  std::vector<ImportDesc> imports;
  std::vector<ExportDesc> exports;
  bool shadow_stack = false;
};

std::string encode(const Description& d);
// Nullopt when `bytes` is not a description this version wrote (or is cut).
std::optional<Description> decode(std::string_view bytes);

// `<artifact>.desc`.
std::filesystem::path description_path(const std::filesystem::path& artifact);
// Writes the description atomically (a temporary file renamed into place);
// false when it cannot (the cache is then only slower to load from).
bool store_description(const std::filesystem::path& artifact, const Description& d);
std::optional<Description> load_description(const std::filesystem::path& artifact);

}  // namespace spindle::engine::native
