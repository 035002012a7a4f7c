// spin.toml ⇄ Spin's locked app (spin.lock JSON, crates/locked-app/src/locked.rs),
// the form an application travels in through a registry.
//
// lock_app(): what `spin registry push` writes (crates/loader/src/local.rs +
// crates/oci/src/client.rs assemble_layers): components' wasm and files
// referenced by digest (content of at most 128 bytes also inline), templates
// kept as written (a secret's value never leaves the machine), allowed hosts
// in `allowed_outbound_hosts` form.
//
// write_app(): the reverse for `spindle up`: a manifest v2 spin.toml whose
// sources are the cached wasm files and whose `files` are the locked files,
// staged under <dir>/assets/<component>/ (as Spin's OciLoader does), every
// piece checked against its digest.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "registry/cache.h"

namespace spindle::registry {

struct Layer {
  std::string media_type;
  std::string digest;
  std::string data;
};

// The locked app JSON of `app` and its layers (deduplicated, Spin's order:
// each component's wasm then its files). `cache_dir` is where remote
// (`source = { url, digest }`) sources are fetched to.
bool lock_app(const manifest::App& app, const std::filesystem::path& cache_dir,
              std::string& locked_json, std::vector<Layer>& layers, std::string& error);

// Writes <dir>/spin.toml (and <dir>/assets) for the locked app. Returns the
// manifest path through `manifest`.
bool write_app(const std::string& locked_json, const Cache& cache, const std::filesystem::path& dir,
               std::filesystem::path& manifest, std::string& error);

}  // namespace spindle::registry
