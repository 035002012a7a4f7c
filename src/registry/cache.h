// The pull cache, laid out as Spin's (crates/loader/src/cache.rs), under
// <cache>/registry (default ~/.cache/spindle/registry; --cache-dir <dir>
// makes it <dir>/registry):
//   manifests/<registry>/<repository>/<tag or digest>/manifest.json
//   manifests/<registry>/<repository>/<tag or digest>/config.json  (the locked app)
//   wasm/sha256:<hex>    wasm layers
//   data/sha256:<hex>    file layers (and layers of other media types)
//   apps/<hex>/          spin.toml + assets written for `up` (spindle's own)
// Content is written only after its SHA-256 matched its digest, through a
// temporary file and a rename, and is checked again whenever it is used.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "registry/reference.h"

namespace spindle::registry {

// "sha256:<hex>" of `data`.
std::string digest_of(std::string_view data);

std::string read_file(const std::filesystem::path& p);

// Writes through <path>.tmp.<pid> and a rename.
bool write_file_atomic(const std::filesystem::path& path, std::string_view data,
                       std::string& error);

class Cache {
 public:
  // `dir` empty: the default (util::cache_home()).
  explicit Cache(const std::filesystem::path& dir);
  const std::filesystem::path& root() const { return root_; }  // <dir>/registry
  std::filesystem::path manifest_dir(const Reference& ref) const;
  std::filesystem::path wasm_path(const std::string& digest) const;
  std::filesystem::path data_path(const std::string& digest) const;
  // The cached content with this digest (wasm/, then data/), read and
  // checked; false when absent or altered.
  bool find(const std::string& digest, std::string& content, std::filesystem::path& where) const;

 private:
  std::filesystem::path root_;
};

}  // namespace spindle::registry
