// `source = { url = "...", digest = "sha256:..." }`: downloaded once (libcurl)
// into <cache>/sources/<digest>.wasm, checked against its digest.
#pragma once

#include <filesystem>
#include <string>

#include "manifest/manifest.h"

namespace spindle::manifest {

// The local file holding `source` (a Remote source). Downloads it when the
// cache does not hold it yet; refuses content whose SHA-256 differs from the
// digest. Returns false with `error` set.
bool fetch_remote_source(const Source& source, const std::filesystem::path& cache_dir,
                         std::filesystem::path& out, std::string& error);

}  // namespace spindle::manifest
