// The apps one `spindle up` process serves side by side (docs/MULTI_APP.md):
// the host config file of `--apps FILE`, and repeated `-f [HOSTS=]SOURCE`.
// Each app is chosen by the request's Host (and a path prefix); everything
// else about it (state, variables, limits) is its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace spindle::manifest {

struct AppEntry {
  std::string name;                 // logs, metrics; default: the first host
  std::vector<std::string> hosts;   // lowercase, without port; "*": any host no other app claims
  std::string path_prefix;          // normalised ("/blog"); empty: the whole host
  std::string from;                 // manifest, folder (absolute) or registry reference
  std::string state_dir;            // absolute; empty: the default
  std::string runtime_config_file;  // absolute; empty: none (or --runtime-config-file)
  std::vector<std::string> env;     // KEY=VALUE for every component
  std::optional<std::chrono::nanoseconds> timeout;      // per request
  std::optional<uint64_t> max_memory;                   // per instance
  std::optional<std::chrono::nanoseconds> idle_unload;  // 0: never
  std::optional<unsigned> max_concurrency;              // requests running at once
  Location location;                                    // its [[app]] table
  bool same_app(const AppEntry& o) const;               // equal but for location
};

struct HostConfig {
  std::filesystem::path file;  // absolute
  // Defaults of every entry.
  std::optional<std::chrono::nanoseconds> idle_unload;
  std::optional<unsigned> max_concurrency;
  std::vector<AppEntry> apps;
};

struct HostConfigResult {
  std::optional<HostConfig> config;  // nullopt when there are errors
  std::vector<Diagnostic> errors;
  std::string report() const;  // each error's to_string(), one per line
};

// Reads and checks `file` (every error, with its line and column).
HostConfigResult load_host_config(const std::filesystem::path& file);

// `-f` given more than once: "a.example,b.example=SOURCE", or SOURCE alone
// (its hosts are then "<application name>.localhost", filled in by the
// caller, which knows the name). False with `error` for a bad host.
bool parse_app_flag(const std::string& arg, AppEntry& out, std::string& error);

// "Example.COM:3000" → "example.com"; "[::1]:80" → "[::1]".
std::string normalise_host(std::string_view host);

// Problems with a set of entries from flags or a file (a host and prefix
// claimed twice, a name used twice), as diagnostics about `file`.
std::vector<Diagnostic> check_app_entries(const std::vector<AppEntry>& apps,
                                          const std::filesystem::path& file);

}  // namespace spindle::manifest
