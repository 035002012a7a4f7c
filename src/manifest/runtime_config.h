// The runtime config file (`spindle up --runtime-config-file`), Spin's file
// of backend settings, e.g.
//
//   [key_value_store.<label>]  type = "spin" (path = "…") | "redis" (url = "redis://…")
//   [sqlite_database.<label>]  type = "spin" (path = "…")
//
// This reader checks the TOML and that every top-level table is a section
// some capability owns (host/capability.h); each section is then handed, as
// a ConfigValue, to its capability, which validates its contents. Errors
// carry file, line and column like the manifest's.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace spindle::manifest {

struct RuntimeConfig {
  std::filesystem::path file;                   // absolute; empty when there is no runtime config
  std::map<std::string, ConfigValue> sections;  // top-level tables by name

  // The section `name`, or null.
  const ConfigValue* section(const std::string& name) const;
  // "<file>:<line>:<column>: error: <message> (expected <expected>)".
  std::string error_at(Location where, std::string message, std::string expected = {},
                       std::string hint = {}) const;
  // A path as written in the file: relative to the file's folder.
  std::filesystem::path resolve(const std::string& path) const;
};

struct RuntimeConfigResult {
  std::optional<RuntimeConfig> config;  // set when there are no errors
  std::vector<Diagnostic> errors;
  std::string report() const;
};

// The `[[variables_provider]]` / `[[config_provider]]` tables
// (variable_providers.cpp): type "env" (prefix, dotenv_path) or "static"
// (values), in file order. False with every problem in `error`
// (file:line:column each).
bool variable_providers(const RuntimeConfig& rc, std::vector<VariableProvider>& out,
                        std::string& error);

// `known_sections`: the names capabilities own; any other top-level key is an
// error naming them.
RuntimeConfigResult load_runtime_config(const std::filesystem::path& file,
                                        const std::vector<std::string>& known_sections);

}  // namespace spindle::manifest
