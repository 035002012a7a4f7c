// The runtime config file (`spindle up --runtime-config-file`), Spin's
// format for mapping store labels to backends:
//
//   [key_value_store.<label>]  type = "spin" (path = "…") | "redis" (url = "redis://…")
//   [sqlite_database.<label>]  type = "spin" (path = "…")
//
// Relative paths are resolved against the runtime config file's folder;
// `type = "spin"` without a path is an in-memory database. Errors carry file,
// line and column like the manifest's.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace spindle::manifest {

struct StoreConfig {
  std::string label;
  std::string type;                           // "spin" or "redis"
  std::optional<std::filesystem::path> path;  // spin: absolute; none = in memory
  std::string url;                            // redis
  Location location;
};

struct RuntimeConfig {
  std::filesystem::path file;  // absolute; empty when there is no runtime config
  std::map<std::string, StoreConfig> key_value_stores;
  std::map<std::string, StoreConfig> sqlite_databases;
};

struct RuntimeConfigResult {
  std::optional<RuntimeConfig> config;  // set when there are no errors
  std::vector<Diagnostic> errors;
  std::string report() const;
};

RuntimeConfigResult load_runtime_config(const std::filesystem::path& file);

}  // namespace spindle::manifest
