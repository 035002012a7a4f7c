#include "registry/cache.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "util/paths.h"
#include "util/sha256.h"

namespace spindle::registry {
namespace fs = std::filesystem;

std::string digest_of(std::string_view data) { return "sha256:" + util::sha256_hex(data); }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_file_atomic(const fs::path& path, std::string_view data, std::string& error) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) {
      error = "cannot write " + tmp.string();
      return false;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    error = "cannot store " + path.string() + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

Cache::Cache(const fs::path& dir) : root_((dir.empty() ? util::cache_home() : dir) / "registry") {}

fs::path Cache::manifest_dir(const Reference& ref) const {
  return root_ / "manifests" / ref.registry / ref.repository / ref.tag_or_digest();
}

fs::path Cache::wasm_path(const std::string& digest) const { return root_ / "wasm" / digest; }
fs::path Cache::data_path(const std::string& digest) const { return root_ / "data" / digest; }

bool Cache::find(const std::string& digest, std::string& content, fs::path& where) const {
  for (const fs::path& p : {wasm_path(digest), data_path(digest)}) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) continue;
    content = read_file(p);
    if (digest_of(content) == digest) {
      where = p;
      return true;
    }
  }
  return false;
}

}  // namespace spindle::registry
