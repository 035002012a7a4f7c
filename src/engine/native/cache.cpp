#include "engine/native/cache.h"

#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <system_error>

#include "util/paths.h"
#include "util/sha256.h"

namespace spindle::engine::native {

std::filesystem::path default_cache_dir() { return util::cache_home(); }

std::string cache_key(std::span<const uint8_t> wasm, std::string_view engine_version,
                      std::string_view compiler_identity, std::string_view flags) {
  util::Sha256 h;
  auto part = [&](const void* p, uint64_t n) {
    h.update(&n, sizeof n);
    h.update(p, n);
  };
  part(wasm.data(), wasm.size());
  part(engine_version.data(), engine_version.size());
  part(compiler_identity.data(), compiler_identity.size());
  part(flags.data(), flags.size());
  return h.hex();
}

std::filesystem::path artifact_path(const std::filesystem::path& dir, const std::string& key) {
  return dir / "native" / key.substr(0, 2) / (key + ".so");
}

bool make_temp_dir(const std::filesystem::path& parent, std::filesystem::path& out,
                   std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  std::string tmpl = (parent / "tmp-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    error = "cannot create a directory in " + parent.string() + ": " + std::strerror(errno);
    return false;
  }
  out = tmpl;
  return true;
}

bool publish(const std::filesystem::path& from, const std::filesystem::path& to,
             std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(to.parent_path(), ec);
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    error = "cannot store " + to.string() + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace spindle::engine::native
