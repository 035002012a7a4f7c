#include "engine/native/cache.h"

#include <openssl/evp.h>
#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <system_error>

namespace spindle::engine::native {

std::filesystem::path default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::filesystem::path(x) / "spindle";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::filesystem::path(h) / ".cache" / "spindle";
  return std::filesystem::temp_directory_path() / "spindle-cache";
}

std::string cache_key(std::span<const uint8_t> wasm, std::string_view engine_version,
                      std::string_view compiler_identity, std::string_view flags) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  auto part = [&](const void* p, uint64_t n) {
    EVP_DigestUpdate(ctx, &n, sizeof n);
    EVP_DigestUpdate(ctx, p, n);
  };
  part(wasm.data(), wasm.size());
  part(engine_version.data(), engine_version.size());
  part(compiler_identity.data(), compiler_identity.size());
  part(flags.data(), flags.size());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  char b[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    hex += b;
  }
  return hex;
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
